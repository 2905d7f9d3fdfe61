"""The appliance's identity in the stack: applianceAddress and applianceHostKey, checked, exported, planned."""

from __future__ import annotations

import base64
import struct
import subprocess
from pathlib import Path

import pytest

from ghes_packages.appliance_identity import HostKeyError, parse_host_key
from ghes_packages.plan.evaluation import evaluate
from ghes_packages.plan.planning import plan_stack, stack_json
from ghes_packages.plan.text import render
from ghes_packages.settings import SettingsError, parse_settings
from ghes_packages.stack_files import read_stack
from tests.helpers import MINIMAL
from tests.sshd import keygen

NS = "ghes-packages"


def _blob(kind: str) -> str:
    name = kind.encode()
    return base64.b64encode(struct.pack(">I", len(name)) + name + b"\0" * 36).decode()


ED25519 = f"ssh-ed25519 {_blob('ssh-ed25519')}"


@pytest.fixture(scope="module")
def real_key(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """A real ed25519 public key line (TYPE BASE64) and ssh-keygen's own fingerprint of it."""
    public = keygen(tmp_path_factory.mktemp("key") / "host_key")
    printed = subprocess.run(["ssh-keygen", "-lf", str(public)], capture_output=True, text=True, check=True).stdout
    return " ".join(public.read_text().split()[:2]), printed.split()[1]


def test_the_fingerprint_is_the_one_ssh_keygen_prints(real_key: tuple[str, str]) -> None:
    line, fingerprint = real_key
    assert parse_host_key(line).fingerprint == fingerprint


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("ssh-ed25519", "got 1 field(s)"),
        (f"ghes.example.com {ED25519}", "starts with a host field ('ghes.example.com')"),
        (f"ssh-dss {_blob('ssh-dss')}", "unknown key type 'ssh-dss'"),
        ("ssh-ed25519 not*base64", "is not valid base64"),
        (f"ssh-rsa {_blob('ssh-ed25519')}", "whose key data names ssh-ed25519"),
        ("ssh-ed25519 AAAA", "names no key type"),
        (f"{ED25519}\n{ED25519}", "must be one line"),
        (f"{ED25519} root@ghes", "got 3 field(s)"),
    ],
)
def test_a_host_key_that_is_not_one_keyscan_line_is_refused(text: str, problem: str) -> None:
    with pytest.raises(HostKeyError, match=problem.replace("(", r"\(").replace(")", r"\)").replace("*", r"\*")):
        parse_host_key(text)


def _settings_problems(**values: str) -> list[str]:
    try:
        parse_settings({**MINIMAL, **{f"{NS}:{k}": v for k, v in values.items()}}, "dev")
    except SettingsError as error:
        return error.problems
    return []


def test_a_bad_host_key_setting_is_one_line_naming_it() -> None:
    assert _settings_problems(applianceHostKey=f"ssh-rsa {_blob('ssh-ed25519')}") == [
        f"{NS}:applianceHostKey: is a ssh-rsa line whose key data names ssh-ed25519: copy the whole line again"
    ]


@pytest.mark.parametrize("address", ["admin@ghes.example.com", "ghes.example.com:122", "ghes .example.com", "a\nb"])
def test_a_bad_address_setting_is_one_line_naming_it(address: str) -> None:
    problems = _settings_problems(applianceAddress=address)
    assert len(problems) == 1 and problems[0].startswith(f"{NS}:applianceAddress: must be a DNS name or an IP address")


def test_the_address_defaults_to_the_hostname_and_accepts_ip_addresses() -> None:
    assert parse_settings(MINIMAL, "dev").appliance_address == "ghes.example.com"
    for address in ("10.0.0.5", "fd00::5", "ghes-admin.internal.example.com"):
        assert parse_settings({**MINIMAL, f"{NS}:applianceAddress": address}, "dev").appliance_address == address


def test_identity_is_exported_as_plain_outputs() -> None:
    evaluation = evaluate({**MINIMAL, f"{NS}:applianceHostKey": f"  {ED25519} "}, "dev")
    assert evaluation.outputs["applianceAddress"] == "ghes.example.com"
    assert evaluation.outputs["applianceHostKey"] == ED25519
    assert not {"applianceAddress", "applianceHostKey"} & set(evaluation.secret_outputs)
    assert evaluate(MINIMAL, "dev").outputs["applianceHostKey"] == ""


def _plan(tmp_path: Path, extra: str = "") -> tuple[str, dict[str, object]]:
    path = tmp_path / "Pulumi.dev.yaml"
    path.write_text(f"config:\n  aws:region: eu-west-1\n  {NS}:hostname: ghes.example.com\n{extra}")
    plan = plan_stack(read_stack(tmp_path, "dev"))
    return render([plan]), stack_json(plan)


def test_the_plan_shows_the_pinned_keys_fingerprint(tmp_path: Path, real_key: tuple[str, str]) -> None:
    line, fingerprint = real_key
    text, document = _plan(tmp_path, f"  {NS}:applianceHostKey: {line}\n")
    assert f"pinned host key: ssh-ed25519 {fingerprint}" in text
    assert "WARNING" not in text
    assert document["applianceIdentity"] == {
        "address": "ghes.example.com", "hostKey": line, "fingerprint": fingerprint, "warning": None
    }  # fmt: skip


def test_the_plan_warns_when_no_key_is_pinned(tmp_path: Path) -> None:
    text, document = _plan(tmp_path)
    assert "  WARNING: no applianceHostKey: " in text
    identity = document["applianceIdentity"]
    assert isinstance(identity, dict) and identity["hostKey"] is None and "no applianceHostKey" in identity["warning"]
