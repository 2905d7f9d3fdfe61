"""The right appliance, provably, end to end through real sshds: the pinned key, no secret before the guard,
one writer at a time, and `status`.

Wrong appliances run behind a ForceCommand that records everything their shell was sent; the secret must not
be in it. The stack's outputs carry the address and the pinned key, so no --host is given.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from ghes_packages.appliance.ghe_config import GheConfigKey, settings_document
from ghes_packages.exits import ExitCode
from ghes_packages.project import PROJECT_DIR
from tests.fake_appliance import FakeAppliance
from tests.helpers import COMMAND
from tests.sshd import SSHD, SshServer, running_sshd
from tests.test_configure_ssh import OUTPUTS, SECRET, STACK, _wait_for, expected_settings

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not SSHD.exists(), reason="needs OpenSSH's sshd (.ci/run installs openssh-server)"),
]


# The script carries the secret shell-quoted, so what a shell was sent is searched for every form of it, and for
# a fragment without quotes that any form holds.
SECRET_FORMS = [form.encode() for form in (SECRET, shlex.quote(SECRET), "FEMI/K7MDENG+bPxRfiCY")]


def holds_secret(received: bytes) -> bool:
    return any(form in received for form in SECRET_FORMS)


def _appliance(folder: Path, hostname: str = STACK.hostname) -> FakeAppliance:
    fake = FakeAppliance(folder, hostname=hostname)
    fake.accept_storage(settings_document(STACK))
    return fake


@pytest.fixture
def appliance(tmp_path: Path) -> FakeAppliance:
    return _appliance(tmp_path / "appliance")


@pytest.fixture
def sshd(tmp_path: Path, appliance: FakeAppliance) -> Iterator[SshServer]:
    with running_sshd(tmp_path / "sshd", appliance, record_stdin=True) as server:
        yield server


class Runner:
    """`ghes-packages COMMAND --outputs FILE --port P ...`; asserts the secret is in no output it printed."""

    def __init__(self, folder: Path, sshd: SshServer, pinned_key: str):
        self.sshd = sshd
        self.outputs = folder / "outputs.json"
        self.outputs.write_text(json.dumps({**OUTPUTS, "applianceAddress": sshd.host, "applianceHostKey": pinned_key}))

    def command(self, name: str, *extra: str, server: SshServer | None = None) -> list[str]:
        server = server or self.sshd
        return [str(COMMAND), name, "--outputs", str(self.outputs), "--port", str(server.port), "--user", server.user,
                "--ssh-config", str(server.client_config), *extra]  # fmt: skip

    def __call__(
        self, name: str, *extra: str, server: SshServer | None = None, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            self.command(name, *extra, server=server),
            cwd=PROJECT_DIR,
            env={**os.environ, **(env or {})},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert SECRET not in done.stdout + done.stderr, f"the secret appeared in the output of {name}"
        assert "Traceback" not in done.stderr, done.stderr
        return done


@pytest.fixture
def run(tmp_path: Path, sshd: SshServer) -> Runner:
    return Runner(tmp_path, sshd, pinned_key=sshd.host_key)


def _errors(done: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in done.stderr.splitlines() if line.startswith("ghes-packages: error:")]


# --- the pinned key ----------------------------------------------------------------------------------------


def test_with_the_pinned_key_configure_needs_no_known_hosts_and_no_host(
    run: Runner, sshd: SshServer, appliance: FakeAppliance
) -> None:
    # The user's known_hosts has never heard of the appliance: the pinned key alone is trusted.
    sshd.known_hosts.write_text("")
    done = run("configure")
    assert done.returncode == 0, done.stderr
    assert appliance.settings() == expected_settings()
    assert sshd.received.count(SECRET_FORMS[-1]) == 1, "the configure step did not carry the secret exactly once"


def test_same_hostname_other_host_key_receives_nothing(tmp_path: Path, run: Runner) -> None:
    """A staging box restored from production: same core.github-hostname, its own host key, user's known_hosts
    trusting it, and a config that says StrictHostKeyChecking no. The pinned key still refuses it."""
    impostor = _appliance(tmp_path / "impostor")
    with running_sshd(tmp_path / "impostor-sshd", impostor, record_stdin=True) as other:
        lax = other.client_config_with(StrictHostKeyChecking="no", UserKnownHostsFile="/dev/null")
        for name in ("configure", "status"):
            done = run(name, "--ssh-config", str(lax), server=other)
            assert done.returncode == ExitCode.HOST_KEY_REJECTED, done.stderr
            assert _errors(done) == done.stderr.splitlines() and len(_errors(done)) == 1
            assert "is not the stack's pinned applianceHostKey (SHA256:" in done.stderr
        assert other.received == b"", "the impostor's shell was sent something"
        assert impostor.calls() == []


def test_other_hostname_gets_only_the_read_step(tmp_path: Path, sshd: SshServer, appliance: FakeAppliance) -> None:
    appliance.set(GheConfigKey.HOSTNAME, "ghes-staging.example.com")
    done = Runner(tmp_path, sshd, pinned_key="")("configure")  # no pinned key: known_hosts decides
    assert done.returncode == ExitCode.HOSTNAME_MISMATCH, done.stderr
    assert len(_errors(done)) == 1
    assert sshd.received, "the read step was not recorded: the recorder is not working"
    assert not holds_secret(sshd.received), "the secret reached an appliance that is not the stack's"
    assert appliance.writes() == []


# --- status ------------------------------------------------------------------------------------------------


def test_status_is_in_sync_after_configure(run: Runner, sshd: SshServer) -> None:
    assert run("configure").returncode == 0
    received = len(sshd.received)
    done = run("status")
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines()[-1] == "ghes-packages: 127.0.0.1: Packages settings match the stack"
    assert all(line.startswith("in sync") for line in done.stdout.splitlines())
    assert not holds_secret(sshd.received[received:]), "status sent the secret"
    document = json.loads(run("status", "--json").stdout)
    assert document["in_sync"] is True and len(document["keys"]) == len(GheConfigKey)


DRIFTS = [
    (GheConfigKey.S3_BUCKET, "someone-elses-bucket"),
    (GheConfigKey.SERVICE_URL, "https://s3.us-east-1.amazonaws.com"),
    (GheConfigKey.AWS_ACCESS_KEY, "AKIAOTHEROTHEROTHER0"),
    (GheConfigKey.AWS_SECRET_KEY, "an-older-secret-from-a-backup"),
    (GheConfigKey.PACKAGES_ENABLED, "false"),
]


@pytest.mark.parametrize(("key", "value"), DRIFTS, ids=[key.value for key, _ in DRIFTS])
def test_status_names_each_drifted_key(run: Runner, appliance: FakeAppliance, key: GheConfigKey, value: str) -> None:
    assert run("configure").returncode == 0
    appliance.set(key, value)  # edited by hand, or restored from an older snapshot
    done = run("status")
    assert done.returncode == ExitCode.FAILED, done.stderr
    assert _errors(done) == [f"ghes-packages: error: 127.0.0.1: 1 setting(s) differ from the stack: {key.value}"]
    [line] = [line for line in done.stdout.splitlines() if line.startswith("DRIFT")]
    secret = key is GheConfigKey.AWS_SECRET_KEY
    assert (value in line) is not secret, f"status shows the wrong thing for {key.value}: {line}"
    [entry] = [e for e in json.loads(run("status", "--json").stdout)["keys"] if not e["in_sync"]]
    expected = dict(settings_document(STACK))[key]
    if secret:
        assert entry == {"key": key.value, "expected": None, "actual": None, "in_sync": False}
    else:
        assert entry == {"key": key.value, "expected": expected, "actual": value, "in_sync": False}


# --- one writer, and faults between the steps --------------------------------------------------------------


def _start(run: Runner, name: str, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        run.command(name, *extra), cwd=PROJECT_DIR, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def test_two_configure_runs_at_once_one_is_refused_and_nothing_is_undone(run: Runner, appliance: FakeAppliance) -> None:
    appliance.set(GheConfigKey.S3_BUCKET, "previous-bucket")
    (appliance.state / "block-after-write").write_text(GheConfigKey.S3_BUCKET)
    first = _start(run, "configure")
    try:
        _wait_for((appliance.state / "blocked").exists, "the first run to hold the lock mid-write")
        second = run("configure")
        status = run("status", "--json")  # read-only, during the first run: it does not wait, and says so
    finally:
        (appliance.state / "release").touch()
    _, err = first.communicate(timeout=120)
    assert first.returncode == 0, err
    assert second.returncode == ExitCode.LOCKED, second.stderr
    assert _errors(second) == [
        "ghes-packages: error: another ghes-packages run is configuring 127.0.0.1; nothing was written: run again "
        "when it has finished"
    ]
    assert appliance.settings() == expected_settings(), "the refused run undid the first one"
    assert json.loads(status.stdout)["configure_running"] is True
    assert "a configure run holds 127.0.0.1's lock" in status.stderr


def test_the_connection_lost_between_the_steps_sends_nothing(run: Runner, sshd: SshServer, appliance: FakeAppliance) -> None:
    before = appliance.settings()
    # The read step pauses at its last key; meanwhile the server goes away, so the second step cannot connect.
    (appliance.state / "block-after-read").write_text(GheConfigKey.PACKAGES_ENABLED)
    process = _start(run, "configure")
    try:
        _wait_for((appliance.state / "blocked").exists, "the read step")
        sshd.stop_listening()
    finally:
        (appliance.state / "release").touch()
    _, err = process.communicate(timeout=120)
    assert process.returncode == ExitCode.UNREACHABLE, err
    assert SECRET not in err
    assert not holds_secret(sshd.received)
    assert appliance.settings() == before and appliance.writes() == []


def test_the_private_known_hosts_is_removed_after_the_run(run: Runner, tmp_path: Path) -> None:
    private = tmp_path / "private-tmp"
    private.mkdir()
    assert run("status", env={"TMPDIR": str(private)}).returncode == ExitCode.FAILED  # nothing configured: drift
    assert list(private.iterdir()) == [], "the pinned known_hosts (or the -G check's folder) was left behind"


# --- what ssh will really do (ssh -G) ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("setting", "why"),
    [
        ({"StrictHostKeyChecking": "accept-new"}, "stricthostkeychecking is accept-new"),
        ({"StrictHostKeyChecking": "no"}, "stricthostkeychecking is false"),
        ({"UserKnownHostsFile": "/dev/null"}, "userknownhostsfile is /dev/null"),
        ({"GlobalKnownHostsFile": "none"}, "globalknownhostsfile is none"),
        ({"KnownHostsCommand": "/bin/echo %H"}, "knownhostscommand '/bin/echo %H' may vouch for any key"),
    ],
)
def test_an_ssh_config_that_weakens_checking_is_refused_without_a_pinned_key(
    tmp_path: Path, sshd: SshServer, setting: dict[str, str], why: str
) -> None:
    done = Runner(tmp_path, sshd, pinned_key="")("status", "--ssh-config", str(sshd.client_config_with(**setting)))
    assert done.returncode == ExitCode.USAGE, done.stderr
    assert len(_errors(done)) == 1 and why in _errors(done)[0], done.stderr
    assert sshd.received == b"", "a session was started although ssh would not check the host key"


def test_a_quoted_keyword_on_the_command_line_is_caught(tmp_path: Path, sshd: SshServer) -> None:
    done = Runner(tmp_path, sshd, pinned_key="")("status", "-o", '"StrictHostKeyChecking" no')
    assert done.returncode == ExitCode.USAGE, done.stderr
    assert sshd.received == b""


def _match_exec_config(sshd: SshServer, marker: Path) -> Path:
    config = sshd.folder / "match-exec-config"
    config.write_text(f'Match exec "echo x >> {marker}"\n  StrictHostKeyChecking no\n' + sshd.client_config.read_text())
    return config


def test_a_match_exec_is_never_run_by_the_check_and_refused_without_a_pinned_key(tmp_path: Path, sshd: SshServer) -> None:
    marker = tmp_path / "match-exec-ran"
    config = _match_exec_config(sshd, marker)
    done = Runner(tmp_path, sshd, pinned_key="")("status", "--ssh-config", str(config))
    assert done.returncode == ExitCode.USAGE, done.stderr
    assert "has a `Match exec` that applies to 127.0.0.1" in done.stderr
    assert not marker.exists(), "the check ran the ssh config's Match exec command"
    assert sshd.received == b""


def test_with_a_pinned_key_a_match_exec_cannot_weaken_checking(run: Runner, sshd: SshServer, tmp_path: Path) -> None:
    marker = tmp_path / "match-exec-ran"
    done = run("status", "--ssh-config", str(_match_exec_config(sshd, marker)))
    assert done.returncode == ExitCode.FAILED, done.stderr  # reached the appliance: nothing configured yet, so drift
    assert marker.read_text() == "x\n", "Match exec should run once, for the one real connection, not for the check"
