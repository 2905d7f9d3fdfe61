"""`python -m cli configure` end to end: the system ssh client, a real sshd on 127.0.0.1, the fake appliance.

Every run goes through a wrapper `ssh` first on PATH that records its arguments, and every run's stdout, stderr,
ssh arguments and the sshd log are searched for the secret access key.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from appliance import MASK, GheConfigKey, PackagesSettings, ScriptExit, settings_document
from cli.configure import SSH_CONFIG_ENV, ConnectionExit
from cli.render import appliance_settings
from settings import PROJECT_DIR
from tests.fake_appliance import FakeAppliance
from tests.sshd import SSHD, SshServer, free_port, keygen, known_hosts_line, running_sshd

pytestmark = pytest.mark.skipif(not SSHD.exists(), reason="needs OpenSSH's sshd (.ci/run installs openssh-server)")

# A hostile secret: quotes, a substitution, a glob, spaces. It must travel only inside ssh's stdin.
SECRET = "wJalr'XUtn$(touch pwned) *FEMI/K7MDENG+bPxRfiCY\"EXAMPLEKEY"  # noqa: S105 - a test value
OUTPUTS = {
    "hostname": "ghes.example.com",
    "serviceUrl": "https://s3.eu-west-1.amazonaws.com",
    "bucketName": "example-ghes-packages",
    "accessKeyId": "AKIAIOSFODNN7EXAMPLE",
    "secretAccessKey": SECRET,
    "region": "eu-west-1",
}
STACK: PackagesSettings = appliance_settings(OUTPUTS)


class Run:
    """One configure run's captured evidence."""

    def __init__(self, result: subprocess.CompletedProcess[str], ssh_argv: list[list[str]]):
        self.code = result.returncode
        self.stdout = result.stdout
        self.stderr = result.stderr
        self.ssh_argv = ssh_argv

    @property
    def error_lines(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.startswith("ghes-packages: error:")]


@pytest.fixture
def appliance(tmp_path: Path) -> FakeAppliance:
    fake = FakeAppliance(tmp_path / "appliance", hostname=STACK.hostname)
    fake.accept_storage(settings_document(STACK))
    return fake


@pytest.fixture
def sshd(tmp_path: Path, appliance: FakeAppliance) -> Iterator[SshServer]:
    with running_sshd(tmp_path / "sshd", appliance) as server:
        yield server
        assert SECRET not in server.log.read_text(errors="replace"), "the secret reached the sshd log"


@pytest.fixture
def configure(tmp_path: Path, sshd: SshServer) -> Iterator[object]:
    """Run configure against `sshd`; assert afterwards that the secret never showed anywhere."""
    outputs = tmp_path / "outputs.json"
    outputs.write_text(json.dumps(OUTPUTS))
    outputs.chmod(0o600)
    wrapper_bin = tmp_path / "wrapper-bin"
    wrapper_bin.mkdir()
    argv_log = tmp_path / "ssh-argv"
    real_ssh = subprocess.run(["sh", "-c", "command -v ssh"], capture_output=True, text=True, check=True).stdout.strip()
    (wrapper_bin / "ssh").write_text(
        f'#!/bin/sh\nprintf "%s\\0" "$@" >>{argv_log}\nprintf "\\n\\0" >>{argv_log}\nexec {real_ssh} "$@"\n'
    )
    (wrapper_bin / "ssh").chmod(0o755)
    runs: list[Run] = []

    def run(*extra: str, port: int | None = None, config: Path | None = None, env: dict[str, str] | None = None) -> Run:
        argv_log.unlink(missing_ok=True)
        command = [sys.executable, "-m", "cli", "configure", "--outputs", str(outputs), "--host", sshd.host]
        command += ["--port", str(port or sshd.port), "--user", sshd.user]
        if config is not None or env is None:
            command += ["--ssh-config", str(config or sshd.client_config)]
        full_env = {**os.environ, "PATH": f"{wrapper_bin}:{os.environ['PATH']}", **(env or {})}
        result = subprocess.run(
            [*command, *extra], cwd=PROJECT_DIR, env=full_env, capture_output=True, text=True, check=False, timeout=120
        )
        calls = argv_log.read_bytes().split(b"\n\0") if argv_log.exists() else []
        ssh_argv = [[a.decode() for a in call.split(b"\0") if a] for call in calls if call]
        runs.append(Run(result, ssh_argv))
        return runs[-1]

    yield run
    for done in runs:
        for where, text in (("stdout", done.stdout), ("stderr", done.stderr), ("ssh argv", repr(done.ssh_argv))):
            assert SECRET not in text, f"the secret appeared in {where}"
        for argv in done.ssh_argv:
            assert "StrictHostKeyChecking=no" not in argv
            assert argv[-3:] in (["bash", "-s", "--"], ["-s", "--", "--no-apply"])


def expected_settings() -> dict[str, str]:
    return {GheConfigKey.HOSTNAME.value: STACK.hostname, **settings_document(STACK)}


def test_configure_lands_the_stacks_settings_on_the_appliance(configure, appliance: FakeAppliance) -> None:  # type: ignore[no-untyped-def]
    run = configure()
    assert run.code == 0, run.stderr
    assert appliance.settings() == expected_settings()
    assert appliance.applied() == expected_settings()
    assert "All Storage tests passed" in run.stdout  # the appliance's output is streamed back
    assert run.stderr.splitlines()[-1] == "ghes-packages: 127.0.0.1: Packages storage configured and applied"
    assert len(run.ssh_argv) == 1  # exactly one process started, and the script was not among its arguments


def test_ssh_config_from_the_environment_and_no_apply(configure, sshd: SshServer, appliance: FakeAppliance) -> None:  # type: ignore[no-untyped-def]
    run = configure("--no-apply", env={SSH_CONFIG_ENV: str(sshd.client_config)})
    assert run.code == 0, run.stderr
    assert appliance.settings() == expected_settings()
    assert (appliance.checks, appliance.applies) == (1, 0)


def test_wrong_host_key_is_one_line_and_touches_nothing(  # type: ignore[no-untyped-def]
    configure, sshd: SshServer, appliance: FakeAppliance, tmp_path: Path
) -> None:
    impostor = tmp_path / "impostor_known_hosts"
    impostor.write_text(known_hosts_line(sshd.port, keygen(tmp_path / "impostor_key")))
    run = configure(config=sshd.client_config_with(UserKnownHostsFile=str(impostor)))
    assert run.code == ConnectionExit.HOST_KEY_REJECTED
    assert run.stderr.splitlines() == run.error_lines
    assert len(run.error_lines) == 1
    assert "does not match known_hosts" in run.error_lines[0]
    assert appliance.calls() == []


def test_unknown_host_key_is_one_line(configure, sshd: SshServer, appliance: FakeAppliance, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    empty = tmp_path / "empty_known_hosts"
    empty.touch()
    run = configure(config=sshd.client_config_with(UserKnownHostsFile=str(empty)))
    assert run.code == ConnectionExit.HOST_KEY_REJECTED
    assert len(run.stderr.splitlines()) == 1
    assert "is not in known_hosts" in run.error_lines[0]
    assert appliance.calls() == []


def test_unreachable_port_is_one_line(configure) -> None:  # type: ignore[no-untyped-def]
    run = configure(port=free_port())
    assert run.code == ConnectionExit.UNREACHABLE
    assert len(run.stderr.splitlines()) == 1
    assert run.error_lines[0].startswith("ghes-packages: error: cannot reach 127.0.0.1 port ")


def test_refused_authentication_is_one_line(configure, sshd: SshServer, appliance: FakeAppliance, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    keygen(tmp_path / "stranger_key")
    run = configure(config=sshd.client_config_with(IdentityFile=str(tmp_path / "stranger_key")))
    assert run.code == ConnectionExit.AUTH_REFUSED
    assert len(run.stderr.splitlines()) == 1
    assert "authentication refused" in run.error_lines[0]
    assert appliance.calls() == []


def test_hostname_mismatch_over_ssh_writes_nothing(configure, appliance: FakeAppliance) -> None:  # type: ignore[no-untyped-def]
    appliance.set(GheConfigKey.HOSTNAME, "ghes-staging.example.com")
    run = configure()
    assert run.code == ScriptExit.HOSTNAME_MISMATCH
    assert run.error_lines == [
        "ghes-packages: error: hostname mismatch: 127.0.0.1 is not the stack's appliance ghes.example.com; "
        "nothing was written"
    ]
    assert run.stderr.splitlines()[-1] == run.error_lines[0]
    assert appliance.writes() == []


def test_failed_storage_check_over_ssh_restores(configure, appliance: FakeAppliance) -> None:  # type: ignore[no-untyped-def]
    appliance.set(GheConfigKey.S3_BUCKET, "previous-bucket")
    before = appliance.settings()
    appliance.accept_storage({GheConfigKey.AWS_ACCESS_KEY: "AKIASOMEOTHERKEY0000"})
    run = configure()
    assert run.code == ScriptExit.CHECK_FAILED
    assert len(run.error_lines) == 1
    assert run.error_lines[0].startswith("ghes-packages: error: storage check failed: the previous settings were restored")
    assert appliance.settings() == before
    assert appliance.applies == 0


def test_failed_apply_over_ssh_is_one_line(configure, appliance: FakeAppliance) -> None:  # type: ignore[no-untyped-def]
    appliance.knob("apply-fails")
    run = configure()
    assert run.code == ScriptExit.APPLY_FAILED
    assert run.error_lines == [
        "ghes-packages: error: ghe-config-apply failed: see /data/user/common/ghe-config.log on the appliance; "
        "the checked settings stay written"
    ]


def test_secret_echoed_by_the_appliance_is_masked(configure, appliance: FakeAppliance) -> None:  # type: ignore[no-untyped-def]
    (appliance.state / "check-echoes").write_text(GheConfigKey.AWS_SECRET_KEY)
    run = configure()
    assert run.code == 0, run.stderr
    assert f"using {GheConfigKey.AWS_SECRET_KEY.value} {MASK}" in run.stdout


@pytest.mark.parametrize("option", ["StrictHostKeyChecking=no", "stricthostkeychecking off", "UserKnownHostsFile=/dev/null"])
def test_turning_host_key_checking_off_is_refused(configure, appliance: FakeAppliance, option: str) -> None:  # type: ignore[no-untyped-def]
    run = configure("-o", option)
    assert run.code == 1
    assert len(run.stderr.splitlines()) == 1
    assert "host key checking is never turned off" in run.error_lines[0]
    assert run.ssh_argv == []  # ssh never started
    assert appliance.calls() == []
