"""`ghes-packages configure`: set the stack's Packages storage on the appliance over ssh, safely, in two steps.

Step one (remote.read_appliance) is read-only and carries no secret: it proves the appliance is the stack's
(ssh trusts only the pinned host key, if the stack pins one; the hostname must be the stack's) and reads what
it holds. Only then does step two, the configure script (ghe_config.py and its template), go to `ssh ... bash
-s` on standard input, never on a command line; the appliance's output streams back with the secret key
masked; every way it can end is one line and its own exit code (see docs/appliance.md).
"""

from __future__ import annotations

import enum
import sys

from ghes_packages.errors import CliError
from ghes_packages.exits import ExitCode
from ghes_packages.stack_outputs import OutputsSource, load_stack_outputs

from .ghe_config import (
    APPLY_COMMAND,
    APPLY_LOG,
    FORCE_APPLY_ARGUMENT,
    NO_APPLY_ARGUMENT,
    UP_TO_DATE,
    PackagesSettings,
    render_configure_script,
)
from .reading import ApplianceState, compare
from .remote import REMOTE_SHELL, connection, read_appliance, resolve_target, ssh_error
from .render import APPLIANCE_OUTPUTS, appliance_settings
from .ssh import SSH_FAILED, SshTarget, check_target_options, run_script


class ApplyMode(enum.Enum):
    """Whether the script runs `ghe-config-apply` after the storage check passes."""

    IF_CHANGED = "if-changed"
    """Apply only when this run wrote a setting (the default)."""
    NO_APPLY = "no-apply"
    """Write and check, never apply."""
    FORCE = "force"
    """Apply even when every setting was already up to date (after an earlier no-apply run)."""


def script_arguments(mode: ApplyMode) -> list[str]:
    """The configure script's arguments for `mode`."""
    return {ApplyMode.NO_APPLY: [NO_APPLY_ARGUMENT], ApplyMode.FORCE: [FORCE_APPLY_ARGUMENT]}.get(mode, [])


def _script_error(code: int, target: SshTarget, hostname: str) -> CliError:
    messages = {
        ExitCode.HOSTNAME_MISMATCH: f"hostname mismatch: {target.host} is not the stack's appliance {hostname}; "
        "nothing was written",
        ExitCode.NOT_AN_APPLIANCE: f"{target.host} is not a GHES admin shell for {target.user} (ghe-config missing or "
        "unreadable); nothing was written",
        ExitCode.CHECK_FAILED: "storage check failed: the previous settings were restored and nothing was applied; "
        "check the bucket, access key and service URL",
        ExitCode.WRITE_FAILED: "writing the settings failed or was interrupted: the previous settings were restored "
        "and nothing was applied",
        ExitCode.RESTORE_FAILED: "storage check or write failed AND a previous setting could not be restored (named "
        f"above): fix it by hand before anyone runs {APPLY_COMMAND}",
        ExitCode.APPLY_FAILED: f"{APPLY_COMMAND} failed: see {APPLY_LOG} on the appliance; the checked settings "
        "stay written",
        ExitCode.SCRIPT_USAGE: "the appliance script rejected its arguments (is the script from another version?)",
        ExitCode.LOCKED: f"another ghes-packages run is configuring {target.host}; nothing was written: run again when "
        "it has finished",
    }
    if code in messages:
        return CliError(messages[ExitCode(code)], code)
    return CliError(f"the configure script stopped unexpectedly (exit {code}); see its output above", code)


def _guard(state: ApplianceState, target: SshTarget, settings: PackagesSettings) -> None:
    """Stop before the secret is sent unless the appliance is the stack's and no other run is writing."""
    hostname = state.hostname or ""
    if hostname.lower() != settings.hostname.lower():
        raise _script_error(ExitCode.HOSTNAME_MISMATCH, target, settings.hostname)
    if state.lock_held:
        raise _script_error(ExitCode.LOCKED, target, settings.hostname)
    differ = [c.key for c in compare(state, settings) if not c.in_sync]
    key = f"pinned host key {target.host_key.fingerprint}" if target.host_key else "host key from known_hosts"
    print(
        f"ghes-packages: {target.host} is {hostname} ({key}); {len(differ)} setting(s) to write"
        + (f": {', '.join(differ)}" if differ else ""),
        file=sys.stderr,
    )


def configure(source: OutputsSource, target: SshTarget, mode: ApplyMode = ApplyMode.IF_CHANGED) -> int:
    """Set the stack's Packages storage on the appliance over ssh; CliError with the outcome's exit code.

    :param source: where the stack outputs come from.
    :param target: how to reach the appliance's admin shell; its host None means the stack's applianceAddress.
    :param mode: whether to run `ghe-config-apply` after the check.
    """
    check_target_options(target)  # options are checked before any stack output is read
    # Checked in full before ssh starts: nothing unusable ever reaches the connection.
    outputs = load_stack_outputs(source, APPLIANCE_OUTPUTS)
    settings = appliance_settings(outputs)
    target = resolve_target(target, outputs)
    with connection(target) as base:
        _guard(read_appliance(base, target), target, settings)
        script = render_configure_script(settings)
        command = [*base, *REMOTE_SHELL, *script_arguments(mode)]
        result = run_script(command, script, settings.secret_access_key, watch=[UP_TO_DATE])
    if not result.started:
        raise ssh_error(result, target)
    if result.returncode == SSH_FAILED:
        raise CliError(
            f"the connection to {target.host} was lost during the run: the script restores the previous settings if it "
            "was still writing them; check the appliance",
            ExitCode.CONNECTION_LOST,
        )
    if result.returncode != ExitCode.OK:
        raise _script_error(result.returncode, target, settings.hostname)
    if mode is ApplyMode.NO_APPLY:
        done = "written and checked, not applied"
    elif UP_TO_DATE in result.seen:
        done = f"already up to date and checked; nothing changed, so {APPLY_COMMAND} was not run (--force-apply runs it)"
    else:
        done = "configured and applied"
    print(f"ghes-packages: {target.host}: Packages storage {done}", file=sys.stderr)
    return ExitCode.OK
