"""One writer at a time, and a restore that undoes only this run's own writes (real bash, the stand-in appliance)."""

from __future__ import annotations

import fcntl
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from ghes_packages.appliance.ghe_config import GheConfigKey, render_configure_script, settings_document
from ghes_packages.exits import ExitCode
from tests.fake_appliance import FakeAppliance
from tests.test_appliance_script import HOSTNAME, PREVIOUS, STACK


@pytest.fixture
def appliance(tmp_path: Path) -> FakeAppliance:
    fake = FakeAppliance(tmp_path / "appliance", hostname=HOSTNAME)
    fake.accept_storage(settings_document(STACK))
    for key, value in PREVIOUS.items():
        fake.set(key, value)
    return fake


def _wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 30
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.02)


def test_a_run_while_another_holds_the_lock_writes_nothing(appliance: FakeAppliance) -> None:
    before = appliance.settings()
    with appliance.lock_file.open("a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # what a first run holds until its shell exits
        result = appliance.run_script(render_configure_script(STACK))
    assert result.returncode == ExitCode.LOCKED, result.stderr.decode()
    assert "another ghes-packages run is configuring this appliance" in result.stderr.decode()
    assert appliance.writes() == [], "a run that did not get the lock wrote a setting"
    assert appliance.settings() == before
    assert (appliance.checks, appliance.applies) == (0, 0)


def test_the_lock_is_released_when_a_run_ends(appliance: FakeAppliance) -> None:
    assert appliance.run_script(render_configure_script(STACK)).returncode == ExitCode.OK
    second = appliance.run_script(render_configure_script(STACK))
    assert second.returncode == ExitCode.OK, second.stderr.decode()


def test_the_lock_file_is_private(appliance: FakeAppliance) -> None:
    appliance.run_script(render_configure_script(STACK))
    assert appliance.lock_file.stat().st_mode & 0o777 == 0o600


def test_a_failed_write_of_a_key_never_set_restores_cleanly(appliance: FakeAppliance) -> None:
    """`ghe-config --unset` of a key that is not set exits 5 (like `git config`): that key is as it was."""
    before = appliance.settings()
    assert GheConfigKey.SERVICE_URL not in before
    appliance.fail_writing(GheConfigKey.SERVICE_URL, before=True)
    result = appliance.run_script(render_configure_script(STACK))
    assert result.returncode == ExitCode.WRITE_FAILED, result.stderr.decode()
    assert "could not restore" not in result.stderr.decode()
    assert appliance.settings() == before


def test_the_restore_leaves_a_key_someone_else_changed_and_says_so(appliance: FakeAppliance) -> None:
    appliance.accept_storage({GheConfigKey.AWS_SECRET_KEY: "not the stack's key"})  # the check will fail
    (appliance.state / "block-after-write").write_text(GheConfigKey.S3_BUCKET)
    process = subprocess.Popen(
        ["bash", "-s"], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=appliance.env()
    )
    assert process.stdin is not None
    process.stdin.write(render_configure_script(STACK).encode())
    process.stdin.close()
    try:
        _wait_for((appliance.state / "blocked").exists, "the run to write the bucket")
        appliance.set(GheConfigKey.SERVICE_URL, "https://edited-by-hand.example.com")  # written by this run already
    finally:
        (appliance.state / "release").touch()
    stderr = process.stderr.read() if process.stderr else b""
    process.wait(timeout=60)
    assert process.returncode == ExitCode.RESTORE_FAILED, stderr.decode()
    assert f"did not restore {GheConfigKey.SERVICE_URL.value}: it no longer holds what this run wrote" in stderr.decode()
    settings = appliance.settings()
    assert settings[GheConfigKey.SERVICE_URL] == "https://edited-by-hand.example.com", "the restore undid someone's edit"
    assert settings[GheConfigKey.S3_BUCKET] == PREVIOUS[GheConfigKey.S3_BUCKET], "this run's own write was not undone"
    assert appliance.applies == 0
