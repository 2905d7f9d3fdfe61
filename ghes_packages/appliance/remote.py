"""Reaching the stack's appliance: its address and pinned key from the stack, ssh checked, the read-only step.

Shared by `configure` (whose second step is the only one that carries the secret) and `status` (read only).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from dataclasses import replace
from typing import Any

from ghes_packages.appliance_identity import HostKeyError, address_problem, parse_host_key
from ghes_packages.errors import CliError
from ghes_packages.exits import ExitCode
from ghes_packages.outputs import StackOutput

from .reading import ApplianceState, new_salt, parse_report, render_read_script
from .ssh import SSH_FAILED, SessionResult, SshFailure, SshTarget, classify, run_script, ssh_base_command
from .ssh_options import check_effective_options, pinned_known_hosts

REMOTE_SHELL = ["bash", "-s", "--"]
"""The remote command: the admin shell's bash, reading the script from standard input."""


def _text_output(outputs: Mapping[str, Any], name: StackOutput) -> str:
    value = outputs.get(name, "")
    if not isinstance(value, str):
        raise CliError(f"stack outputs: {name} must be a string")
    return value.strip()


def resolve_target(target: SshTarget, outputs: Mapping[str, Any]) -> SshTarget:
    """`target` with the stack's address (unless --host gave one) and the stack's pinned host key, if any."""
    address = target.host
    if address is None:
        address = _text_output(outputs, StackOutput.APPLIANCE_ADDRESS)
        if not address:
            raise CliError(
                f"stack outputs: no {StackOutput.APPLIANCE_ADDRESS} (a stack last deployed before it existed: run "
                "pulumi up); give --host",
                ExitCode.USAGE,
            )
        if why := address_problem(address):
            raise CliError(f"stack outputs: {StackOutput.APPLIANCE_ADDRESS} {why}")
    line = _text_output(outputs, StackOutput.APPLIANCE_HOST_KEY)
    try:
        host_key = parse_host_key(line) if line else None
    except HostKeyError as error:
        raise CliError(f"stack outputs: {StackOutput.APPLIANCE_HOST_KEY} {error}") from None
    return replace(target, host=address, host_key=host_key)


def ssh_error(result: SessionResult, target: SshTarget) -> CliError:
    """The one-line error of a session whose script never started."""
    messages = result.ssh_messages
    if result.returncode != SSH_FAILED:
        last = messages[-1] if messages else "no output"
        return CliError(f"{target.host} did not run the script (exit {result.returncode}): {last}", ExitCode.SCRIPT_NOT_RUN)
    failure = classify(messages)
    where = target.where
    # ssh's last line names host and port again ("ssh: connect to host H port P: Connection refused"): keep the why.
    last = messages[-1].rsplit(": ", 1)[-1] if messages else "no message from ssh"
    if target.host_key is not None and failure in (SshFailure.HOST_KEY_CHANGED, SshFailure.HOST_KEY_UNKNOWN):
        return CliError(
            f"host key of {where} is not the stack's pinned applianceHostKey ({target.host_key.fingerprint}): another "
            "appliance (a restored staging box?) or someone in between; nothing was sent",
            ExitCode.HOST_KEY_REJECTED,
        )
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


@contextlib.contextmanager
def connection(target: SshTarget) -> Iterator[list[str]]:
    """`ssh ... -- HOST` for `target`, pinned to its host key if it has one, confirmed by `ssh -G`."""
    with pinned_known_hosts(target.host_key) as known_hosts:
        base = ssh_base_command(target, known_hosts)
        check_effective_options(base, str(target.host), known_hosts)
        yield base


def read_appliance(base: list[str], target: SshTarget) -> ApplianceState:
    """Step one: the appliance's hostname, Packages settings (the secret as a salted digest) and lock; no secret sent."""
    salt = new_salt()
    result = run_script([*base, *REMOTE_SHELL], render_read_script(salt), "", capture=True)
    if not result.started:
        raise ssh_error(result, target)
    if result.returncode == SSH_FAILED:
        raise CliError(
            f"the connection to {target.host} was lost while reading its settings; nothing was written",
            ExitCode.CONNECTION_LOST,
        )
    if result.returncode != ExitCode.OK:
        raise CliError(
            f"{target.host} is not a GHES admin shell for {target.user} (reading its settings failed, exit "
            f"{result.returncode}); nothing was written",
            ExitCode.NOT_AN_APPLIANCE,
        )
    try:
        return parse_report(result.stdout, salt)
    except (ValueError, UnicodeDecodeError) as error:
        raise CliError(
            f"{target.host} answered the read step unexpectedly ({error}); nothing was written", ExitCode.NOT_AN_APPLIANCE
        ) from None
