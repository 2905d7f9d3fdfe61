"""`ghes-packages configure` end to end: the system ssh client, a real sshd on 127.0.0.1, the fake appliance.

Every run goes through a wrapper `ssh` first on PATH that records its arguments, and every run's stdout, stderr,
ssh arguments and the sshd log are searched for the secret access key.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from ghes_packages.appliance.ghe_config import (
    FORCE_APPLY_ARGUMENT,
    NO_APPLY_ARGUMENT,
    GheConfigKey,
    PackagesSettings,
    settings_document,
)
from ghes_packages.appliance.render import appliance_settings
from ghes_packages.appliance.ssh import SSH_CONFIG_ENV
from ghes_packages.exits import ExitCode
from ghes_packages.project import PROJECT_DIR
from ghes_packages.redaction import MASK
from tests.fake_appliance import FakeAppliance
from tests.helpers import COMMAND
from tests.sshd import SSHD, SshServer, free_port, keygen, known_hosts_line, running_sshd

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not SSHD.exists(), reason="needs OpenSSH's sshd (.ci/run installs openssh-server)"),
]

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


class Configure:
    """Runs `ghes-packages configure` against one sshd, through a wrapper `ssh` that records its arguments."""

    def __init__(self, folder: Path, sshd: SshServer):
        self.sshd = sshd
        self.outputs = folder / "outputs.json"
        self.outputs.write_text(json.dumps(OUTPUTS))
        self.outputs.chmod(0o600)
        wrapper_bin = folder / "wrapper-bin"
        wrapper_bin.mkdir()
        self.argv_log = folder / "ssh-argv"
        real_ssh = shutil.which("ssh")
        (wrapper_bin / "ssh").write_text(
            f'#!/bin/sh\nprintf "%s\\0" "$@" >>{self.argv_log}\nprintf "\\n\\0" >>{self.argv_log}\nexec {real_ssh} "$@"\n'
        )
        (wrapper_bin / "ssh").chmod(0o755)
        self.path = f"{wrapper_bin}:{os.environ['PATH']}"
        self.runs: list[Run] = []

    def command(self, *extra: str, port: int | None = None, config: Path | None = None, env: bool = False) -> list[str]:
        command = [str(COMMAND), "configure", "--outputs", str(self.outputs), "--host", self.sshd.host]
        command += ["--port", str(port or self.sshd.port), "--user", self.sshd.user]
        if not env:
            command += ["--ssh-config", str(config or self.sshd.client_config)]
        return [*command, *extra]

    def env(self, **extra: str) -> dict[str, str]:
        return {**os.environ, "PATH": self.path, **extra}

    def record(self, result: subprocess.CompletedProcess[str]) -> Run:
        calls = self.argv_log.read_bytes().split(b"\n\0") if self.argv_log.exists() else []
        self.argv_log.unlink(missing_ok=True)
        ssh_argv = [[a.decode() for a in call.split(b"\0") if a] for call in calls if call]
        self.runs.append(Run(result, ssh_argv))
        return self.runs[-1]

    def __call__(
        self, *extra: str, port: int | None = None, config: Path | None = None, env: dict[str, str] | None = None
    ) -> Run:
        result = subprocess.run(
            self.command(*extra, port=port, config=config, env=env is not None),
            cwd=PROJECT_DIR,
            env=self.env(**(env or {})),
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
        return self.record(result)


@pytest.fixture
def configure(tmp_path: Path, sshd: SshServer) -> Iterator[Configure]:
    """Run configure against `sshd`; assert afterwards that the secret never showed anywhere."""
    runner = Configure(tmp_path, sshd)
    yield runner
    for done in runner.runs:
        for where, text in (("stdout", done.stdout), ("stderr", done.stderr), ("ssh argv", repr(done.ssh_argv))):
            assert SECRET not in text, f"the secret appeared in {where}"
        for argv in done.ssh_argv:
            assert "StrictHostKeyChecking=no" not in argv
            if argv[0] == "-G":  # the check of what ssh will do: it starts no session
                continue
            assert argv[-3:] in (["bash", "-s", "--"], ["-s", "--", NO_APPLY_ARGUMENT], ["-s", "--", FORCE_APPLY_ARGUMENT])


def expected_settings() -> dict[str, str]:
    return {GheConfigKey.HOSTNAME.value: STACK.hostname, **settings_document(STACK)}


def test_configure_lands_the_stacks_settings_on_the_appliance(configure: Configure, appliance: FakeAppliance) -> None:
    run = configure()
    assert run.code == 0, run.stderr
    assert appliance.settings() == expected_settings()
    assert appliance.applied() == expected_settings()
    assert "All Storage tests passed" in run.stdout  # the appliance's output is streamed back
    assert run.stderr.splitlines()[-1] == "ghes-packages: 127.0.0.1: Packages storage configured and applied"
    # `ssh -G` (the host-key check), then the read-only step and the configure step; no argument held the script.
    assert [argv[0] == "-G" for argv in run.ssh_argv] == [True, False, False]


def test_ssh_config_from_the_environment_and_no_apply(
    configure: Configure, sshd: SshServer, appliance: FakeAppliance
) -> None:
    run = configure("--no-apply", env={SSH_CONFIG_ENV: str(sshd.client_config)})
    assert run.code == 0, run.stderr
    assert appliance.settings() == expected_settings()
    assert (appliance.checks, appliance.applies) == (1, 0)


def test_wrong_host_key_is_one_line_and_touches_nothing(
    configure: Configure, sshd: SshServer, appliance: FakeAppliance, tmp_path: Path
) -> None:
    impostor = tmp_path / "impostor_known_hosts"
    impostor.write_text(known_hosts_line(sshd.port, keygen(tmp_path / "impostor_key")))
    run = configure(config=sshd.client_config_with(UserKnownHostsFile=str(impostor)))
    assert run.code == ExitCode.HOST_KEY_REJECTED
    assert run.stderr.splitlines() == run.error_lines
    assert len(run.error_lines) == 1
    assert "does not match known_hosts" in run.error_lines[0]
    assert appliance.calls() == []


def test_unknown_host_key_is_one_line(
    configure: Configure, sshd: SshServer, appliance: FakeAppliance, tmp_path: Path
) -> None:
    empty = tmp_path / "empty_known_hosts"
    empty.touch()
    run = configure(config=sshd.client_config_with(UserKnownHostsFile=str(empty)))
    assert run.code == ExitCode.HOST_KEY_REJECTED
    assert len(run.stderr.splitlines()) == 1
    assert "is not in known_hosts" in run.error_lines[0]
    assert appliance.calls() == []


def test_unreachable_port_is_one_line(configure: Configure) -> None:
    run = configure(port=free_port())
    assert run.code == ExitCode.UNREACHABLE
    assert len(run.stderr.splitlines()) == 1
    assert run.error_lines[0].startswith("ghes-packages: error: cannot reach 127.0.0.1 port ")


def test_refused_authentication_is_one_line(
    configure: Configure, sshd: SshServer, appliance: FakeAppliance, tmp_path: Path
) -> None:
    keygen(tmp_path / "stranger_key")
    run = configure(config=sshd.client_config_with(IdentityFile=str(tmp_path / "stranger_key")))
    assert run.code == ExitCode.AUTH_REFUSED
    assert len(run.stderr.splitlines()) == 1
    assert "authentication refused" in run.error_lines[0]
    assert appliance.calls() == []


def test_hostname_mismatch_over_ssh_writes_nothing(configure: Configure, appliance: FakeAppliance) -> None:
    appliance.set(GheConfigKey.HOSTNAME, "ghes-staging.example.com")
    run = configure()
    assert run.code == ExitCode.HOSTNAME_MISMATCH
    assert run.error_lines == [
        "ghes-packages: error: hostname mismatch: 127.0.0.1 is not the stack's appliance ghes.example.com; "
        "nothing was written"
    ]
    assert run.stderr.splitlines()[-1] == run.error_lines[0]
    assert appliance.writes() == []


def test_failed_storage_check_over_ssh_restores(configure: Configure, appliance: FakeAppliance) -> None:
    appliance.set(GheConfigKey.S3_BUCKET, "previous-bucket")
    before = appliance.settings()
    appliance.accept_storage({GheConfigKey.AWS_ACCESS_KEY: "AKIASOMEOTHERKEY0000"})
    run = configure()
    assert run.code == ExitCode.CHECK_FAILED
    assert len(run.error_lines) == 1
    assert run.error_lines[0].startswith("ghes-packages: error: storage check failed: the previous settings were restored")
    assert appliance.settings() == before
    assert appliance.applies == 0


def test_failed_apply_over_ssh_is_one_line(configure: Configure, appliance: FakeAppliance) -> None:
    appliance.knob("apply-fails")
    run = configure()
    assert run.code == ExitCode.APPLY_FAILED
    assert run.error_lines == [
        "ghes-packages: error: ghe-config-apply failed: see /data/user/common/ghe-config.log on the appliance; "
        "the checked settings stay written"
    ]


def test_secret_echoed_by_the_appliance_is_masked(configure: Configure, appliance: FakeAppliance) -> None:
    (appliance.state / "check-echoes").write_text(GheConfigKey.AWS_SECRET_KEY)
    run = configure()
    assert run.code == 0, run.stderr
    assert f"using {GheConfigKey.AWS_SECRET_KEY.value} {MASK}" in run.stdout


def test_a_rerun_with_nothing_to_change_skips_the_apply_unless_forced(
    configure: Configure, appliance: FakeAppliance
) -> None:
    assert configure("--no-apply").code == 0
    writes = len(appliance.writes())
    run = configure()
    assert run.code == 0, run.stderr
    assert len(appliance.writes()) == writes
    assert (appliance.checks, appliance.applies) == (2, 0)
    assert run.stderr.splitlines()[-1] == (
        "ghes-packages: 127.0.0.1: Packages storage already up to date and checked; nothing changed, so "
        "ghe-config-apply was not run (--force-apply runs it)"
    )
    run = configure("--force-apply")
    assert run.code == 0, run.stderr
    assert (appliance.checks, appliance.applies) == (3, 1)
    assert appliance.applied() == expected_settings()
    assert run.stderr.splitlines()[-1] == "ghes-packages: 127.0.0.1: Packages storage configured and applied"


@pytest.mark.parametrize("option", ["StrictHostKeyChecking=no", "stricthostkeychecking off", "UserKnownHostsFile=/dev/null"])
def test_turning_host_key_checking_off_is_refused(configure: Configure, appliance: FakeAppliance, option: str) -> None:
    run = configure("-o", option)
    assert run.code == 2
    assert len(run.stderr.splitlines()) == 1
    assert "host key checking is never turned off" in run.error_lines[0]
    assert run.ssh_argv == []  # ssh never started
    assert appliance.calls() == []


def _processes_holding(secret: str) -> list[str]:
    """Every process on this machine whose arguments or environment hold `secret`."""
    found = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            for part in ("cmdline", "environ"):
                try:
                    if secret.encode() in (proc / part).read_bytes():
                        found.append(f"{proc.name} {part}")
                except OSError:
                    pass
    return found


def _wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 60
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.05)


def test_interrupted_mid_write_restores_and_no_process_ever_held_the_secret(
    configure: Configure, appliance: FakeAppliance
) -> None:
    appliance.set(GheConfigKey.S3_BUCKET, "previous-bucket")
    before = appliance.settings()
    (appliance.state / "block-after-write").write_text(GheConfigKey.S3_BUCKET)
    process = subprocess.Popen(
        configure.command(), cwd=PROJECT_DIR, env=configure.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        _wait_for((appliance.state / "blocked").exists, "the run to reach the bucket write")
        # Mid-run: configure, ssh, sshd and the appliance's bash are all alive; none has the secret in its
        # arguments or environment (the appliance's ghe-config would, while writing the secret key itself).
        assert _processes_holding(SECRET) == []
        process.send_signal(signal.SIGINT)  # Ctrl-C: configure ends ssh, the connection drops
        stdout, stderr = process.communicate(timeout=60)
    finally:
        (appliance.state / "release").touch()
        process.kill()
    configure.record(subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr))
    assert process.returncode == 130
    assert stderr.splitlines()[-1] == "ghes-packages: interrupted"
    # The appliance's bash finds its output gone at its next line, and its trap restores what it wrote.
    _wait_for(lambda: appliance.settings() == before, "the appliance to restore its previous settings")
    assert appliance.applies == 0


def test_connection_lost_during_apply_lets_the_apply_finish(configure: Configure, appliance: FakeAppliance) -> None:
    appliance.knob("block-apply")
    process = subprocess.Popen(
        configure.command(), cwd=PROJECT_DIR, env=configure.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        _wait_for((appliance.state / "apply-blocked").exists, "the run to reach ghe-config-apply")
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=60)
    finally:
        (appliance.state / "release").touch()
        process.kill()
    configure.record(subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr))
    assert process.returncode == 130
    # Its output now goes nowhere, yet the apply runs to its end rather than stopping part-way.
    _wait_for(lambda: appliance.applied() == expected_settings(), "ghe-config-apply to finish")
