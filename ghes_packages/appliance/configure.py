"""`ghes-packages configure`: set the stack's Packages storage on the appliance over ssh, safely.

The configure script (ghe_config.py and its template) goes to `ssh ... bash -s` on standard input, never on a command line;
the appliance's output streams back with the secret key masked; every way it can end is one line and its
own exit code (see docs/appliance.md).
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
    render_configure_script,
)
from .render import appliance_settings
from .ssh import SSH_FAILED, SshFailure, SshTarget, classify, run_script, ssh_base_command


class ApplyMode(enum.Enum):
    """Whether the script runs `ghe-config-apply` after the storage check passes."""

    IF_CHANGED = "if-changed"
    """Apply only when this run wrote a setting (the default)."""
    NO_APPLY = "no-apply"
    """Write and check, never apply."""
    FORCE = "force"
    """Apply even when every setting was already up to date (after an earlier no-apply run)."""


def ssh_command(target: SshTarget, mode: ApplyMode) -> list[str]:
    """The ssh command line: the appliance's admin shell running `bash -s`, the script to come on stdin."""
    command = [*ssh_base_command(target), "bash", "-s", "--"]
    if mode is ApplyMode.NO_APPLY:
        command.append(NO_APPLY_ARGUMENT)
    if mode is ApplyMode.FORCE:
        command.append(FORCE_APPLY_ARGUMENT)
    return command


def _ssh_error(failure: SshFailure, target: SshTarget, messages: list[str]) -> CliError:
    where = f"{target.host} port {target.port}"
    # ssh's last line names host and port again ("ssh: connect to host H port P: Connection refused"): keep the why.
    last = messages[-1].rsplit(": ", 1)[-1] if messages else "no message from ssh"
    if failure is SshFailure.HOST_KEY_CHANGED:
        return CliError(
            f"host key of {where} does not match known_hosts (changed, or someone is in between): "
            "verify it with the appliance's admin before updating known_hosts; nothing was changed",
            ExitCode.HOST_KEY_REJECTED,
        )
    if failure is SshFailure.HOST_KEY_UNKNOWN:
        return CliError(
            f"host key of {where} is not in known_hosts: verify its fingerprint and add it; nothing was changed",
            ExitCode.HOST_KEY_REJECTED,
        )
    if failure is SshFailure.UNREACHABLE:
        return CliError(f"cannot reach {where}: {last}", ExitCode.UNREACHABLE)
    if failure is SshFailure.AUTH_REFUSED:
        return CliError(f"authentication refused by {where} for user {target.user}: {last}", ExitCode.AUTH_REFUSED)
    return CliError(f"ssh to {where} failed: {last}", ExitCode.SSH_FAILED)


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


def configure(source: OutputsSource, target: SshTarget, mode: ApplyMode = ApplyMode.IF_CHANGED) -> int:
    """Set the stack's Packages storage on the appliance over ssh; CliError with the outcome's exit code.

    :param source: where the stack outputs come from.
    :param target: the appliance's admin shell and how to reach it.
    :param mode: whether to run `ghe-config-apply` after the check.
    """
    command = ssh_command(target, mode)  # options are checked before any stack output is read
    settings = appliance_settings(load_stack_outputs(source))
    result = run_script(command, render_configure_script(settings), settings.secret_access_key, watch=[UP_TO_DATE])
    if not result.started:
        if result.returncode == SSH_FAILED:
            raise _ssh_error(classify(result.ssh_messages), target, result.ssh_messages)
        last = result.ssh_messages[-1] if result.ssh_messages else "no output"
        raise CliError(f"{target.host} did not run the script (exit {result.returncode}): {last}", ExitCode.SCRIPT_NOT_RUN)
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
