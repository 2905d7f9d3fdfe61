"""Hostile and careless input: every command refuses it in one line with a documented exit code, no traceback.

Stack files come from pull requests by strangers (the plan runs on them); outputs files come from whatever an
operator redirects. Neither may hang, fill memory, print a traceback or reach the appliance.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from ghes_packages.bounded_read import size_words
from ghes_packages.errors import CliError
from ghes_packages.exits import ExitCode
from ghes_packages.outputs import SECRET_OUTPUTS
from ghes_packages.plan.evaluation import Evaluation
from ghes_packages.stack_files import MAX_STACK_FILE_BYTES, read_stack
from ghes_packages.stack_outputs import MAX_OUTPUTS_BYTES
from tests.helpers import Result, run_process, stack_config

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"  # noqa: S105 - a test value
OUTPUTS: dict[str, Any] = {
    "hostname": "ghes.example.com",
    "serviceUrl": "https://s3.us-west-2.amazonaws.com",
    "region": "us-west-2",
    "bucketName": "example-ghes-prod-packages",
    "accessKeyId": "AKIAIOSFODNN7EXAMPLE",
    "secretAccessKey": SECRET,
}
COMMANDS = {
    "render": ["render"],
    "verify": ["verify", "--wait", "0"],
    "configure": ["configure", "--host", "ghes.example.com", "--batch"],
}
BILLION_LAUGHS = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]\n" for i in range(9)
)


def one_line(run: Result, code: int, *expected: str) -> str:
    """The single stderr line of a run that must have failed with `code`, holding every `expected` text."""
    assert run.code == code, f"exit {run.code}, expected {code}: {run.err}"
    assert len(run.err_lines) == 1, f"expected one line on stderr, got: {run.err}"
    (line,) = run.err_lines
    assert line.startswith("ghes-packages: error: "), line
    for text in expected:
        assert text in line, f"{text!r} not in {line!r}"
    assert SECRET not in run.out + run.err, "the secret was printed"
    return line


def write_outputs(path: Path, outputs: dict[str, Any]) -> Path:
    path.write_text(json.dumps(outputs))
    return path


# --- outputs files: every command, every kind of unusable file (fresh processes) ---------------------


def _fifo(tmp_path: Path) -> Path:
    path = tmp_path / "fifo"
    os.mkfifo(path)
    return path


def _big(tmp_path: Path) -> Path:
    path = tmp_path / "big.json"
    path.write_text(json.dumps({**OUTPUTS, "padding": "x" * MAX_OUTPUTS_BYTES}))
    return path


def _file(content: bytes) -> Callable[[Path], Path]:
    def make(tmp_path: Path) -> Path:
        path = tmp_path / "outputs.json"
        path.write_bytes(content)
        return path

    return make


OUTPUTS_FILES: dict[str, tuple[Callable[[Path], Path], str]] = {
    "not UTF-8": (_file(json.dumps(OUTPUTS).encode().replace(b"us-west-2", b"us-\xff")), "is not UTF-8 text"),
    "empty": (_file(b""), "is empty"),
    "endless": (lambda _: Path("/dev/zero"), f"is larger than {size_words(MAX_OUTPUTS_BYTES)}"),
    "huge": (_big, f"is larger than {size_words(MAX_OUTPUTS_BYTES)}"),
    "a FIFO without a writer": (_fifo, "is empty"),
    "a folder": (lambda tmp_path: tmp_path, "is a folder, not a file"),
    "deeply nested": (_file(b"[" * 100_000 + b"]" * 100_000), "nests JSON too deeply"),
    "not an object": (_file(b'["x"]'), "must hold a JSON object"),
    "secret placeholder": (_file(json.dumps({**OUTPUTS, "secretAccessKey": "[secret]"}).encode()), "--show-secrets"),
    "lone surrogate": (_file(json.dumps({**OUTPUTS, "bucketName": "a\ud800b"}).encode()), "lone surrogate (U+D800)"),
}


@pytest.mark.e2e
@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("case", OUTPUTS_FILES)
def test_an_unusable_outputs_file_is_one_line_and_exit_1(tmp_path: Path, command: str, case: str) -> None:
    make, expected = OUTPUTS_FILES[case]
    started = time.monotonic()
    run = run_process(*COMMANDS[command], "--outputs", str(make(tmp_path)), timeout=60)
    one_line(run, ExitCode.FAILED, expected)
    assert run.out == ""
    assert time.monotonic() - started < 30, "reading the outputs took far too long"


@pytest.mark.e2e
def test_outputs_on_standard_input_that_are_not_utf8_are_one_line() -> None:
    run = run_process("render", "--outputs", "-", stdin=b"\xff\xfe{}")
    one_line(run, ExitCode.FAILED, "--outputs: standard input is not UTF-8 text")


# --- stack files: the plan of one stack, and of all (fresh processes) ---------------------------------

STACK_FILES: dict[str, tuple[bytes, str]] = {
    "not UTF-8": ("config:\n  ghes-packages:hostname: gh\xe9s.example.com\n".encode("latin-1"), "is not UTF-8 text"),
    "huge": (b"config:\n" + b"  # padding\n" * (MAX_STACK_FILE_BYTES // 10), "is larger than 256 KiB"),
    "billion laughs": (BILLION_LAUGHS.encode(), "YAML anchors and aliases"),
    "deeply nested": (b"config:\n  x: " + b"[" * 5000 + b"]" * 5000 + b"\n", "nest more than"),
    "unquoted yes": (b"config:\n  ghes-packages:versioning: yes\n", "ghes-packages:versioning: YAML readers disagree"),
    "a list": (b"- a\n", "must be a map holding 'config'"),
}


@pytest.mark.e2e
@pytest.mark.parametrize("case", STACK_FILES)
def test_a_hostile_stack_file_is_one_line_and_exit_2(tmp_path: Path, case: str) -> None:
    content, expected = STACK_FILES[case]
    (tmp_path / "Pulumi.bad.yaml").write_bytes(content)
    started = time.monotonic()
    run = run_process("plan", "--stack", "bad", "--stacks-dir", str(tmp_path), timeout=60)
    one_line(run, ExitCode.USAGE, f"{tmp_path / 'Pulumi.bad.yaml'}: ", expected)
    assert time.monotonic() - started < 30, "the plan took far too long on a hostile stack file"


@pytest.mark.e2e
def test_plan_all_plans_the_other_stacks_when_one_file_is_hostile(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.good.yaml").write_text(yaml.safe_dump({"config": stack_config("dev")}))
    (tmp_path / "Pulumi.latin1.yaml").write_bytes(STACK_FILES["not UTF-8"][0])
    (tmp_path / "Pulumi.laughs.yaml").write_text(BILLION_LAUGHS)
    (tmp_path / "Pulumi.folder.yaml").mkdir()
    os.mkfifo(tmp_path / "Pulumi.fifo.yaml")
    run = run_process("plan", "--all", "--stacks-dir", str(tmp_path), "--json", timeout=120)
    assert run.code == ExitCode.USAGE
    problems = {p["stack"]: p["problem"] for p in run.json()["problems"]}
    assert set(problems) == {"latin1", "laughs", "folder", "fifo"}, problems
    assert "is not UTF-8 text" in problems["latin1"] and "anchors and aliases" in problems["laughs"]
    assert "is a folder" in problems["folder"] and "is not a regular file" in problems["fifo"]
    assert len(run.err_lines) == 4
    (good,) = [s for s in run.json()["stacks"] if s["stack"] == "good"]
    assert good["resources"] and good["problems"] == [], "the good stack was not planned"


# --- stack files: the YAML every reader agrees on (in process) -----------------------------------------

AMBIGUOUS = ["yes", "No", "ON", "off", "y", "N", "yEs", "030", "08", "0o17", "0b101", "1_000", "1:30", "1e3", "2024-01-31"]


def _read(tmp_path: Path, text: str) -> dict[str, str]:
    (tmp_path / "Pulumi.s.yaml").write_text(text)
    return read_stack(tmp_path, "s").values


@pytest.mark.parametrize("scalar", AMBIGUOUS)
def test_a_scalar_yaml_readers_disagree_on_is_refused_naming_the_key(tmp_path: Path, scalar: str) -> None:
    with pytest.raises(CliError, match=rf"line 2: ghes-packages:bucketName: .* quote it \('{scalar}'\)"):
        _read(tmp_path, f"config:\n  ghes-packages:bucketName: {scalar}\n")


@pytest.mark.parametrize("scalar", AMBIGUOUS[:3] + AMBIGUOUS[7:9])
def test_the_same_scalar_quoted_is_read_as_written(tmp_path: Path, scalar: str) -> None:
    assert _read(tmp_path, f"config:\n  ghes-packages:bucketName: '{scalar}'\n")["ghes-packages:bucketName"] == scalar


def test_ambiguous_scalars_are_refused_as_keys_and_inside_maps(tmp_path: Path) -> None:
    with pytest.raises(CliError, match=r"key on: .*quote it"):
        _read(tmp_path, "config:\n  on: x\n")
    with pytest.raises(CliError, match=r"ghes-packages:tags.team: .*quote it \('no'\)"):
        _read(tmp_path, "config:\n  ghes-packages:tags:\n    team: no\n")


def test_a_top_level_scalar_reaches_the_program_as_written(tmp_path: Path) -> None:
    # Pulumi reads a scalar into a string, as written: `True` stays `True` (which the settings then refuse).
    values = _read(tmp_path, "config:\n  a: True\n  b: 14\n  c: 1.50\n  d: ~\n  e: 0x1F\n")
    assert values == {
        f"ghes-packages:{k}": v for k, v in {"a": "True", "b": "14", "c": "1.50", "d": "", "e": "0x1F"}.items()
    }


def test_a_map_reaches_the_program_as_pulumi_marshals_it(tmp_path: Path) -> None:
    values = _read(tmp_path, "config:\n  t:\n    z: 1\n    a: [true, null, 'x']\n    s: {secure: AAAB}\n")
    assert values["ghes-packages:t"] == '{"a":[true,null,"x"],"s":"[secret]","z":1}'


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("config:\n  a: !!binary aGk=\n", "explicit YAML tags (!!binary)"),
        ("config:\n  a: 1\n  a: 2\n", "line 3: key a: given twice"),
        ('config:\n  a: "\\ud800"\n', "lone surrogate (U+D800)"),
        ('config:\n  a: "\\e[2J"\n', "control character U+001B"),
        ("config:\n  t: {1: a}\n", "key t.1: a map key must be text"),
        ("x: &anchor 1\nconfig: {}\n", "line 1: YAML anchors and aliases"),
    ],
)
def test_yaml_outside_the_agreed_subset_is_refused(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(CliError) as raised:
        _read(tmp_path, text)
    assert expected in str(raised.value) and raised.value.exit_code == ExitCode.USAGE


def test_a_billion_laughs_is_refused_before_it_expands(tmp_path: Path) -> None:
    started = time.monotonic()
    with pytest.raises(CliError, match="anchors and aliases"):
        _read(tmp_path, BILLION_LAUGHS)
    assert time.monotonic() - started < 1, "the aliases were expanded before being refused"


def test_a_byte_order_mark_is_dropped_as_pulumi_drops_it(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.s.yaml").write_bytes(b"\xef\xbb\xbfconfig:\n  aws:region: eu-west-1\n")
    assert read_stack(tmp_path, "s").values == {"aws:region": "eu-west-1"}


# --- outputs: one validation, shared by every command (in process) -------------------------------------


def test_the_secret_outputs_are_what_the_program_exports_as_secrets(prod: Evaluation) -> None:
    assert prod.secret_outputs == SECRET_OUTPUTS


@pytest.fixture
def configure_never_connects(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_: object, **__: object) -> None:
        raise AssertionError("configure started ssh with outputs it should have refused")

    monkeypatch.setattr("ghes_packages.appliance.configure.run_script", refuse)


BAD_OUTPUTS: dict[str, tuple[dict[str, Any], str]] = {
    "secret placeholder": ({"secretAccessKey": "[secret]"}, "secretAccessKey holds the placeholder [secret]"),
    "every secret placeholder": (
        {"secretAccessKey": "[secret]", "ghesSettings": "[secret]"},
        "ghesSettings, secretAccessKey hold the placeholder [secret], not the value: run `pulumi stack output --json "
        "--show-secrets`",
    ),
    "url without scheme": ({"serviceUrl": "s3.us-west-2.amazonaws.com"}, "serviceUrl must be an http:// or https:// URL"),
    "ftp url": ({"serviceUrl": "ftp://s3.example.com"}, "serviceUrl must be an http:// or https:// URL"),
    "url with a bad port": ({"serviceUrl": "https://s3.example.com:99999"}, "serviceUrl must be an http:// or https://"),
    "secret inside the url": (
        {"serviceUrl": f"https://{SECRET}@s3.example.com"},
        'serviceUrl must not hold a user name or password: the access key is given separately (got "https://********@',
    ),
    "number for a string": ({"bucketName": 42}, "bucketName must be a string (got a number)"),
    "list for a string": ({"hostname": ["a"]}, "hostname must be a string (got a list)"),
    "bad bucket": ({"bucketName": "Not_A_Bucket"}, "bucketName may hold only lowercase letters"),
    "bad key id": ({"accessKeyId": "AKIA KEY"}, "accessKeyId must be an access key id"),
    "bad hostname": ({"hostname": "https://ghes.example.com"}, "hostname must be the appliance's DNS name only"),
    "newline in hostname": ({"hostname": "ghes.example.com\nevil"}, "hostname holds the control character U+000A"),
    "surrogate in hostname": ({"hostname": "ghes\udc80.example.com"}, "hostname holds a lone surrogate (U+DC80)"),
    "secret in a plain output": ({"iamUserName": f"user-{SECRET}"}, "iamUserName holds the secret access key"),
    "short secret": ({"secretAccessKey": "abc"}, "secretAccessKey is shorter than 8 characters"),
    "escape in the secret": ({"secretAccessKey": SECRET + "\x1b"}, "secretAccessKey holds the control character"),
    "surrogate in another output": ({"note": "\ud800"}, '"note" holds a lone surrogate'),
}


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("case", BAD_OUTPUTS)
def test_every_command_refuses_the_same_bad_outputs_in_one_masked_line(
    ghes: Callable[..., Result], configure_never_connects: None, tmp_path: Path, command: str, case: str
) -> None:
    changes, expected = BAD_OUTPUTS[case]
    path = write_outputs(tmp_path / "outputs.json", {**OUTPUTS, **changes})
    run = ghes(*COMMANDS[command], "--outputs", str(path))
    one_line(run, ExitCode.FAILED, f"ghes-packages: error: stack outputs: {expected}")
    assert run.out == ""


def test_a_placeholder_on_standard_input_names_the_fix(ghes: Callable[..., Result]) -> None:
    run = ghes("render", "--outputs", "-", stdin=json.dumps({**OUTPUTS, "secretAccessKey": "[secret]"}))
    one_line(run, ExitCode.FAILED, "--show-secrets")


def test_outputs_on_standard_input_are_read_no_further_than_the_bound(ghes: Callable[..., Result]) -> None:
    run = ghes("render", "--outputs", "-", stdin=b" " * (MAX_OUTPUTS_BYTES + 1))
    one_line(run, ExitCode.FAILED, f"standard input is larger than {size_words(MAX_OUTPUTS_BYTES)}")
