"""`ghes-packages render`: masked by default; the real script only into a 0600 file; one-line errors."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from ghes_packages.appliance.ghe_config import PackagesSettings, render_configure_script, settings_document
from ghes_packages.appliance.render import appliance_settings
from ghes_packages.cli import main
from ghes_packages.redaction import MASK
from tests.helpers import fake_pulumi, stdin_of

SECRET = "s3cr3t'$(id)`id` *EXAMPLEKEY"  # noqa: S105 - a test value
OUTPUTS = {
    "hostname": "ghes.example.com",
    "serviceUrl": "https://s3.us-west-2.amazonaws.com",
    "bucketName": "example-ghes-prod-packages",
    "accessKeyId": "AKIAIOSFODNN7EXAMPLE",
    "secretAccessKey": SECRET,
    "bucketArn": "arn:aws:s3:::example-ghes-prod-packages",
}
STACK = PackagesSettings(
    "ghes.example.com", "https://s3.us-west-2.amazonaws.com", "example-ghes-prod-packages", "AKIAIOSFODNN7EXAMPLE", SECRET
)


@pytest.fixture
def outputs_file(tmp_path: Path) -> Path:
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps(OUTPUTS))
    return path


def render(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["render", *args])
    captured = capsys.readouterr()
    assert SECRET not in captured.out and SECRET not in captured.err, "the secret was printed"
    return code, captured.out, captured.err


def test_prints_the_script_with_the_secret_masked(capsys: pytest.CaptureFixture[str], outputs_file: Path) -> None:
    code, out, _ = render(capsys, "--outputs", str(outputs_file))
    assert code == 0
    assert out == render_configure_script(STACK.masked())
    assert MASK in out


def test_reads_outputs_from_stdin(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, outputs_file: Path
) -> None:
    monkeypatch.setattr("sys.stdin", stdin_of(outputs_file.read_text()))
    code, out, _ = render(capsys, "--outputs", "-", "--json")
    assert code == 0
    assert json.loads(out) == settings_document(STACK.masked())


@pytest.fixture
def pulumi_calls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return fake_pulumi(tmp_path, monkeypatch, OUTPUTS)


def test_stack_outputs_come_from_pulumi(capsys: pytest.CaptureFixture[str], pulumi_calls: Path) -> None:
    code, out, _ = render(capsys, "--stack", "prod")
    assert code == 0
    assert out == render_configure_script(STACK.masked())
    assert pulumi_calls.read_text().splitlines() == ["stack output --json --show-secrets --stack prod"]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--show-secrets"], "--show-secrets writes the secret key only to a file: add --out FILE"),
        (["--out", "-"], "--out -: standard output is not a file"),
        (["--show-secrets", "--out", "{tmp}/no/x"], "--out: folder {tmp}/no does not exist"),
        (["--show-secrets", "--out", "{tmp}"], "--out: {tmp} is a folder; name a file"),
    ],
)
def test_a_bad_option_exits_2_before_any_stack_output_is_read(
    capsys: pytest.CaptureFixture[str], pulumi_calls: Path, tmp_path: Path, options: list[str], message: str
) -> None:
    code, out, err = render(capsys, "--stack", "prod", *(option.format(tmp=tmp_path) for option in options))
    assert code == 2
    assert out == ""
    assert len(err.splitlines()) == 1
    assert err.startswith(f"ghes-packages: error: {message.format(tmp=tmp_path)}")
    assert not pulumi_calls.exists(), "a bad option ran `pulumi stack output --show-secrets`"


def test_show_secrets_refuses_standard_output(capsys: pytest.CaptureFixture[str], outputs_file: Path) -> None:
    code, out, err = render(capsys, "--outputs", str(outputs_file), "--show-secrets")
    assert code == 2
    assert out == ""
    assert err.splitlines() == [
        "ghes-packages: error: --show-secrets writes the secret key only to a file: add --out FILE (created with mode 0600)"
    ]


@pytest.mark.parametrize("as_json", [False, True])
def test_show_secrets_writes_a_private_file(
    capsys: pytest.CaptureFixture[str], outputs_file: Path, tmp_path: Path, as_json: bool
) -> None:
    target = tmp_path / "configure-packages.secret.sh"
    target.write_text("an older, world-readable file")
    target.chmod(0o644)
    code, out, _ = render(
        capsys, "--outputs", str(outputs_file), "--show-secrets", "--out", str(target), *(["--json"] if as_json else [])
    )
    assert code == 0
    assert out == ""
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    if as_json:
        assert json.loads(target.read_text()) == settings_document(STACK)
    else:
        assert target.read_text() == render_configure_script(STACK)
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_out_without_show_secrets_stays_masked(
    capsys: pytest.CaptureFixture[str], outputs_file: Path, tmp_path: Path
) -> None:
    target = tmp_path / "masked.sh"
    code, _, _ = render(capsys, "--outputs", str(outputs_file), "--out", str(target))
    assert code == 0
    assert SECRET not in target.read_text()
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


@pytest.mark.parametrize(
    ("outputs", "message"),
    [
        ({k: v for k, v in OUTPUTS.items() if k != "secretAccessKey"}, "stack outputs: missing secretAccessKey"),
        ({**OUTPUTS, "bucketName": ""}, "stack outputs: missing bucketName"),
        ({**OUTPUTS, "bucketName": "a\0b"}, "stack outputs: bucketName holds the control character U+0000"),
        (
            {**OUTPUTS, "secretAccessKey": "x\0" + SECRET},
            "stack outputs: secretAccessKey holds the control character U+0000",
        ),
    ],
)
def test_bad_outputs_are_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, outputs: dict[str, str], message: str
) -> None:
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps(outputs))
    code, out, err = render(capsys, "--outputs", str(path))
    assert code == 1
    assert out == ""
    assert len(err.splitlines()) == 1
    assert err.startswith(f"ghes-packages: error: {message}")


def test_out_into_a_missing_folder_is_one_line(
    capsys: pytest.CaptureFixture[str], outputs_file: Path, tmp_path: Path
) -> None:
    code, _, err = render(capsys, "--outputs", str(outputs_file), "--show-secrets", "--out", str(tmp_path / "no" / "x"))
    assert code == 2
    assert err.splitlines() == [f"ghes-packages: error: --out: folder {tmp_path / 'no'} does not exist"]


def test_settings_come_from_the_outputs_the_program_exports() -> None:
    assert appliance_settings(OUTPUTS) == STACK
