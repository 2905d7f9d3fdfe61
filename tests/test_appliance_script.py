"""The rendered configure script, run by real bash against the fake appliance (tests/fake_appliance_bin)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ghes_packages.appliance.ghe_config import (
    FORCE_APPLY_ARGUMENT,
    NO_APPLY_ARGUMENT,
    UP_TO_DATE,
    GheConfigKey,
    PackagesSettings,
    render_configure_script,
    settings_document,
)
from ghes_packages.exits import ExitCode
from ghes_packages.project import PROJECT_DIR
from ghes_packages.redaction import MASK
from tests.fake_appliance import FakeAppliance
from tests.helpers import code_strings, project_sources

HOSTNAME = "ghes.example.com"
# Quotes, command substitution, a glob and a space: a script that quotes anything wrongly runs or splits it.
SECRET = "wJalr'XUtn$(touch pwned)`id`*?  FEMI/K7MDENG+bPxRfiCY"  # noqa: S105 - a test value
STACK = PackagesSettings(
    hostname=HOSTNAME,
    service_url="https://s3.eu-west-1.amazonaws.com",
    bucket_name="example-ghes-packages",
    access_key_id="AKIAIOSFODNN7EXAMPLE",
    secret_access_key=SECRET,
)
OLD_SECRET = 'old-secret-"quoted" $HOME'  # noqa: S105 - a test value
PREVIOUS = {  # an appliance already pointed at other storage; the service URL was never set
    GheConfigKey.BLOB_STORAGE_TYPE: "s3",
    GheConfigKey.S3_BUCKET: "old-bucket",
    GheConfigKey.AWS_ACCESS_KEY: "AKIAOLDOLDOLDOLDOLD0",
    GheConfigKey.AWS_SECRET_KEY: OLD_SECRET,
    GheConfigKey.PACKAGES_ENABLED: "false",
}


@pytest.fixture
def appliance(tmp_path: Path) -> FakeAppliance:
    fake = FakeAppliance(tmp_path / "appliance", hostname=HOSTNAME)
    fake.accept_storage(settings_document(STACK))
    return fake


@pytest.fixture
def previous(appliance: FakeAppliance) -> dict[str, str]:
    for key, value in PREVIOUS.items():
        appliance.set(key, value)
    return appliance.settings()


def stack_view() -> dict[str, str]:
    return {GheConfigKey.HOSTNAME.value: HOSTNAME, **settings_document(STACK)}


def assert_no_secret(result: object, *secrets: str) -> None:
    for stream in ("stdout", "stderr"):
        text = getattr(result, stream).decode("utf-8", "replace")
        for secret in secrets:
            assert secret not in text, f"a secret appeared on the script's {stream}"


def test_final_settings_are_exactly_the_stacks_and_applied(appliance: FakeAppliance) -> None:
    result = appliance.run_script(render_configure_script(STACK))
    assert result.returncode == ExitCode.OK, result.stderr.decode()
    assert appliance.settings() == stack_view()
    assert appliance.applied() == stack_view()
    assert (appliance.checks, appliance.applies) == (1, 1)
    assert_no_secret(result, SECRET)


def test_previous_storage_settings_are_replaced(appliance: FakeAppliance, previous: dict[str, str]) -> None:
    result = appliance.run_script(render_configure_script(STACK))
    assert result.returncode == ExitCode.OK, result.stderr.decode()
    assert appliance.settings() == stack_view()
    assert_no_secret(result, SECRET, OLD_SECRET)


@pytest.mark.parametrize("actual", ["ghes-staging.example.com", "ghes.example.com.evil.test", ""])
def test_hostname_mismatch_writes_nothing(tmp_path: Path, actual: str) -> None:
    appliance = FakeAppliance(tmp_path / "appliance", hostname=actual)
    before = appliance.settings()
    result = appliance.run_script(render_configure_script(STACK))
    assert result.returncode == ExitCode.HOSTNAME_MISMATCH
    assert appliance.writes() == []
    assert appliance.settings() == before
    assert (appliance.checks, appliance.applies) == (0, 0)
    assert "hostname mismatch" in result.stderr.decode()


def test_unset_hostname_writes_nothing(tmp_path: Path) -> None:
    appliance = FakeAppliance(tmp_path / "appliance")
    (appliance.state / "settings" / GheConfigKey.HOSTNAME).unlink()
    result = appliance.run_script(render_configure_script(STACK))
    assert result.returncode == ExitCode.HOSTNAME_MISMATCH
    assert appliance.writes() == []


def test_hostname_compares_without_case(tmp_path: Path) -> None:
    appliance = FakeAppliance(tmp_path / "appliance", hostname="GHES.Example.COM")
    appliance.accept_storage(settings_document(STACK))
    assert appliance.run_script(render_configure_script(STACK)).returncode == ExitCode.OK


def test_failing_check_restores_every_previous_value_and_never_applies(
    appliance: FakeAppliance, previous: dict[str, str]
) -> None:
    appliance.accept_storage({GheConfigKey.AWS_SECRET_KEY: "what the storage really accepts"})
    result = appliance.run_script(render_configure_script(STACK))
    assert result.returncode == ExitCode.CHECK_FAILED
    assert appliance.settings() == previous  # the never-set service URL is unset again, not ""
    assert appliance.applies == 0
    assert [call for call in appliance.writes() if call[0] == "--unset"] == [["--unset", GheConfigKey.SERVICE_URL]]
    assert_no_secret(result, SECRET, OLD_SECRET)


def test_failing_check_when_unset_keys_read_as_empty(appliance: FakeAppliance, previous: dict[str, str]) -> None:
    """If ghe-config prints an empty line for an unset key, the best restore it allows is the empty value."""
    appliance.knob("unset-prints-empty")
    appliance.accept_storage({GheConfigKey.S3_BUCKET: "another-bucket"})
    result = appliance.run_script(render_configure_script(STACK))
    assert result.returncode == ExitCode.CHECK_FAILED
    assert appliance.settings() == {**previous, GheConfigKey.SERVICE_URL: ""}
    assert appliance.applies == 0


def test_check_without_its_success_line_counts_as_failed(appliance: FakeAppliance, previous: dict[str, str]) -> None:
    appliance.knob("check-silent")
    result = appliance.run_script(render_configure_script(STACK))
    assert result.returncode == ExitCode.CHECK_FAILED
    assert appliance.settings() == previous
    assert appliance.applies == 0


def test_a_write_failing_half_way_is_restored(appliance: FakeAppliance, previous: dict[str, str]) -> None:
    appliance.fail_writing(GheConfigKey.AWS_SECRET_KEY)
    result = appliance.run_script(render_configure_script(STACK))
    assert result.returncode == ExitCode.WRITE_FAILED
    assert appliance.settings() == previous
    assert (appliance.checks, appliance.applies) == (0, 0)


def test_a_restore_that_fails_is_its_own_outcome(appliance: FakeAppliance, previous: dict[str, str]) -> None:
    appliance.fail_writing(GheConfigKey.S3_BUCKET, once=False)
    result = appliance.run_script(render_configure_script(STACK))
    assert result.returncode == ExitCode.RESTORE_FAILED
    assert f"could not restore {GheConfigKey.S3_BUCKET.value}" in result.stderr.decode()
    assert (appliance.checks, appliance.applies) == (0, 0)
    # Everything else is back; only the key whose writes keep failing holds the half-written value.
    assert {k: v for k, v in appliance.settings().items() if k != GheConfigKey.S3_BUCKET} == {
        k: v for k, v in previous.items() if k != GheConfigKey.S3_BUCKET
    }


def test_a_hang_up_while_writing_restores(appliance: FakeAppliance, previous: dict[str, str]) -> None:
    """A dropped ssh connection reaches bash as SIGHUP: the trap must put everything back, even if more come."""
    (appliance.state / "hangup-after-write").write_text(GheConfigKey.S3_BUCKET)
    result = appliance.run_script(render_configure_script(STACK))
    assert result.returncode == ExitCode.WRITE_FAILED
    assert appliance.settings() == previous
    assert appliance.applies == 0


def test_no_apply_writes_and_checks_but_never_applies(appliance: FakeAppliance) -> None:
    result = appliance.run_script(render_configure_script(STACK), NO_APPLY_ARGUMENT)
    assert result.returncode == ExitCode.OK
    assert appliance.settings() == stack_view()
    assert (appliance.checks, appliance.applies) == (1, 0)
    assert appliance.applied() is None


def test_failed_apply_is_reported_and_keeps_the_checked_settings(appliance: FakeAppliance) -> None:
    appliance.knob("apply-fails")
    result = appliance.run_script(render_configure_script(STACK))
    assert result.returncode == ExitCode.APPLY_FAILED
    assert appliance.settings() == stack_view()
    assert "/data/user/common/ghe-config.log" in result.stderr.decode()


def test_a_second_run_writes_nothing_and_applies_nothing(appliance: FakeAppliance) -> None:
    script = render_configure_script(STACK)
    assert appliance.run_script(script).returncode == ExitCode.OK
    writes, applied = len(appliance.writes()), appliance.applied()
    assert (appliance.checks, appliance.applies) == (1, 1)
    second = appliance.run_script(script)
    assert second.returncode == ExitCode.OK, second.stderr.decode()
    assert len(appliance.writes()) == writes
    # The check still runs (it proves the credential still works); the apply, which restarts services, does not.
    assert (appliance.checks, appliance.applies) == (2, 1)
    assert appliance.settings() == appliance.applied() == applied == stack_view()
    assert UP_TO_DATE in second.stderr.decode().splitlines()


def test_force_apply_applies_settings_an_earlier_no_apply_run_wrote(appliance: FakeAppliance) -> None:
    script = render_configure_script(STACK)
    assert appliance.run_script(script, NO_APPLY_ARGUMENT).returncode == ExitCode.OK
    writes = len(appliance.writes())
    assert appliance.run_script(script).returncode == ExitCode.OK  # nothing to write, so nothing applied
    assert appliance.applied() is None
    forced = appliance.run_script(script, FORCE_APPLY_ARGUMENT)
    assert forced.returncode == ExitCode.OK, forced.stderr.decode()
    assert len(appliance.writes()) == writes
    assert (appliance.checks, appliance.applies) == (3, 1)
    assert appliance.applied() == stack_view()


def test_force_apply_still_refuses_a_failing_check(appliance: FakeAppliance) -> None:
    script = render_configure_script(STACK)
    assert appliance.run_script(script, NO_APPLY_ARGUMENT).returncode == ExitCode.OK
    appliance.accept_storage({GheConfigKey.AWS_SECRET_KEY: "the storage no longer accepts this key"})
    result = appliance.run_script(script, FORCE_APPLY_ARGUMENT)
    assert result.returncode == ExitCode.CHECK_FAILED
    assert appliance.applies == 0


def test_no_apply_and_force_apply_together_are_refused(appliance: FakeAppliance) -> None:
    result = appliance.run_script(render_configure_script(STACK), NO_APPLY_ARGUMENT, FORCE_APPLY_ARGUMENT)
    assert result.returncode == ExitCode.SCRIPT_USAGE
    assert appliance.calls() == []


def test_unknown_argument_is_refused_before_any_write(appliance: FakeAppliance) -> None:
    result = appliance.run_script(render_configure_script(STACK), "--apply-later")
    assert result.returncode == ExitCode.SCRIPT_USAGE
    assert appliance.writes() == []


def test_outside_an_appliance_nothing_runs(tmp_path: Path) -> None:
    import subprocess

    result = subprocess.run(
        ["bash", "-s"],
        input=render_configure_script(STACK).encode(),
        env={"PATH": "/usr/bin:/bin"},
        cwd=tmp_path,
        capture_output=True,
        check=False,
    )
    assert result.returncode == ExitCode.NOT_AN_APPLIANCE
    assert "not a GHES admin shell" in result.stderr.decode()


def test_a_script_cut_short_in_transit_runs_nothing(appliance: FakeAppliance) -> None:
    script = render_configure_script(STACK)
    cut = script[: script.index("  phase=checked")]
    result = appliance.run_script(cut)
    assert result.returncode != ExitCode.OK
    assert appliance.calls() == []


def test_masked_script_holds_no_secret() -> None:
    masked = render_configure_script(STACK.masked())
    assert SECRET not in masked
    assert MASK in masked
    assert render_configure_script(STACK).replace(MASK, "") != masked.replace(MASK, "")


def test_settings_document_is_the_six_packages_settings() -> None:
    document = settings_document(STACK)
    assert set(document) == {key.value for key in GheConfigKey} - {GheConfigKey.HOSTNAME.value}
    assert document[GheConfigKey.AWS_SECRET_KEY] == SECRET
    assert document[GheConfigKey.S3_BUCKET] == STACK.bucket_name
    assert document[GheConfigKey.PACKAGES_ENABLED] == "true"


def test_secret_stays_out_of_repr() -> None:
    assert SECRET not in repr(STACK)


@pytest.mark.parametrize("key", list(GheConfigKey))
def test_each_ghe_config_key_is_written_once_in_the_project(key: GheConfigKey) -> None:
    sources = project_sources("**/*.py", "ghes_packages/appliance/*.sh", "tests/fake_appliance_bin/*")
    found = [str(path.relative_to(PROJECT_DIR)) for path in sources if key.value in code_strings(path)]
    assert found == ["ghes_packages/appliance/ghe_config.py"]
