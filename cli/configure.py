"""`python -m cli configure`: set the stack's Packages storage on the appliance over ssh, safely.

The configure script (appliance.py) goes to `ssh ... bash -s` on standard input, never on a command line;
the appliance's output streams back with the secret key masked; every way it can end is one line and its
own exit code (see docs/appliance.md).
"""

from __future__ import annotations

import argparse
import enum
import os
import sys
from typing import Any

from appliance import (
    APPLY_COMMAND,
    APPLY_LOG,
    FORCE_APPLY_ARGUMENT,
    NO_APPLY_ARGUMENT,
    UP_TO_DATE,
    ScriptExit,
    render_configure_script,
)

from .errors import CliError
from .render import appliance_settings
from .ssh_session import SSH_FAILED, SshFailure, check_ssh_option, classify, run_script
from .stack_outputs import add_source_arguments, load_stack_outputs

SSH_CONFIG_ENV = "GHES_SSH_CONFIG"
ADMIN_SSH_PORT = 122
ADMIN_USER = "admin"
CONNECT_TIMEOUT_SECONDS = 30


class ConnectionExit(enum.IntEnum):
    """Exit codes for what happens before or around the script (the script's own are ScriptExit)."""

    UNREACHABLE = 20
    AUTH_REFUSED = 21
    HOST_KEY_REJECTED = 22
    SSH_FAILED = 23
    CONNECTION_LOST = 24
    SCRIPT_NOT_RUN = 25


def _port(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"must be a TCP port, 1 to 65535 (got {text!r})")
    return int(text)


def _name(what: str) -> Any:
    def parse(text: str) -> str:
        if not text or text.startswith("-") or any(c.isspace() for c in text):
            raise argparse.ArgumentTypeError(f"must be a {what}, without spaces or a leading '-' (got {text!r})")
        return text

    return parse


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "configure",
        help="set the stack's Packages storage on the appliance over ssh (check first, restore on failure)",
        description=(
            "Run the configure script on the appliance's admin shell with the system ssh client; the script and "
            "its secret travel only on ssh's standard input. It refuses an appliance whose hostname is not the "
            "stack's, checks the storage before applying, restores the previous settings if the check fails, and "
            f"runs {APPLY_COMMAND} only if it changed a setting (or with --force-apply). ssh options come from your "
            f"ssh config (or --ssh-config, or ${SSH_CONFIG_ENV}); this command never turns host key checking off "
            "and refuses options that do. Exit 0: done; 2: a bad option; 1: unusable stack outputs; 10-16: the "
            "appliance script's outcome; 20-25: ssh. See docs/appliance.md."
        ),
    )
    add_source_arguments(parser)
    parser.add_argument("--host", required=True, type=_name("host name or address"), help="the appliance to ssh to")
    parser.add_argument("--port", type=_port, default=ADMIN_SSH_PORT, help="the admin shell's ssh port (default 122)")
    parser.add_argument("--user", type=_name("user name"), default=ADMIN_USER, help="the ssh user (default admin)")
    apply = parser.add_mutually_exclusive_group()
    apply.add_argument(
        "--no-apply", action="store_true", help=f"write and check the settings, but do not run {APPLY_COMMAND}"
    )
    apply.add_argument(
        "--force-apply",
        action="store_true",
        help=f"run {APPLY_COMMAND} even if every setting is already up to date (after an earlier --no-apply run)",
    )
    parser.add_argument(
        "--batch", action="store_true", help="never prompt (ssh BatchMode): fail instead, as a pipeline should"
    )
    parser.add_argument(
        "--ssh-config",
        metavar="FILE",
        default=os.environ.get(SSH_CONFIG_ENV) or None,
        help=f"ssh config file to use instead of ~/.ssh/config (ssh -F; default ${SSH_CONFIG_ENV})",
    )
    parser.add_argument(
        "-o",
        "--ssh-option",
        metavar="OPTION",
        action="append",
        default=[],
        help="an ssh -o option, e.g. ProxyJump=bastion (repeatable); options that turn host key checking off "
        "(StrictHostKeyChecking=no, UserKnownHostsFile=/dev/null, ...) are refused",
    )
    parser.set_defaults(run=run)


def ssh_command(args: argparse.Namespace) -> list[str]:
    """The ssh command line: the appliance's admin shell running `bash -s`, the script to come on stdin."""
    for option in args.ssh_option:
        check_ssh_option(option)
    if args.ssh_config and not os.path.isfile(args.ssh_config):
        raise CliError(f"--ssh-config (or ${SSH_CONFIG_ENV}): {args.ssh_config} is not a file", 2)
    command = ["ssh", "-T", "-p", str(args.port), "-l", args.user]
    if args.ssh_config:
        command += ["-F", args.ssh_config]
    for option in args.ssh_option:
        command += ["-o", option]
    if args.batch:
        command += ["-o", "BatchMode=yes"]
    # ssh keeps the first value it is given for an option, so the user's own options above win over these.
    command += ["-o", f"ConnectTimeout={CONNECT_TIMEOUT_SECONDS}"]
    command += ["--", args.host, "bash", "-s", "--"]
    if args.no_apply:
        command.append(NO_APPLY_ARGUMENT)
    if args.force_apply:
        command.append(FORCE_APPLY_ARGUMENT)
    return command


def _ssh_error(failure: SshFailure, args: argparse.Namespace, messages: list[str]) -> CliError:
    where = f"{args.host} port {args.port}"
    # ssh's last line names host and port again ("ssh: connect to host H port P: Connection refused"): keep the why.
    last = messages[-1].rsplit(": ", 1)[-1] if messages else "no message from ssh"
    if failure is SshFailure.HOST_KEY_CHANGED:
        return CliError(
            f"host key of {where} does not match known_hosts (changed, or someone is in between): "
            "verify it with the appliance's admin before updating known_hosts; nothing was changed",
            ConnectionExit.HOST_KEY_REJECTED,
        )
    if failure is SshFailure.HOST_KEY_UNKNOWN:
        return CliError(
            f"host key of {where} is not in known_hosts: verify its fingerprint and add it; nothing was changed",
            ConnectionExit.HOST_KEY_REJECTED,
        )
    if failure is SshFailure.UNREACHABLE:
        return CliError(f"cannot reach {where}: {last}", ConnectionExit.UNREACHABLE)
    if failure is SshFailure.AUTH_REFUSED:
        return CliError(f"authentication refused by {where} for user {args.user}: {last}", ConnectionExit.AUTH_REFUSED)
    return CliError(f"ssh to {where} failed: {last}", ConnectionExit.SSH_FAILED)


def _script_error(code: int, args: argparse.Namespace, hostname: str) -> CliError:
    messages = {
        ScriptExit.HOSTNAME_MISMATCH: f"hostname mismatch: {args.host} is not the stack's appliance {hostname}; "
        "nothing was written",
        ScriptExit.NOT_AN_APPLIANCE: f"{args.host} is not a GHES admin shell for {args.user} (ghe-config missing or "
        "unreadable); nothing was written",
        ScriptExit.CHECK_FAILED: "storage check failed: the previous settings were restored and nothing was applied; "
        "check the bucket, access key and service URL",
        ScriptExit.WRITE_FAILED: "writing the settings failed or was interrupted: the previous settings were restored "
        "and nothing was applied",
        ScriptExit.RESTORE_FAILED: "storage check or write failed AND a previous setting could not be restored (named "
        f"above): fix it by hand before anyone runs {APPLY_COMMAND}",
        ScriptExit.APPLY_FAILED: f"{APPLY_COMMAND} failed: see {APPLY_LOG} on the appliance; the checked settings "
        "stay written",
        ScriptExit.USAGE: "the appliance script rejected its arguments (is the script from another version?)",
    }
    if code in messages:
        return CliError(messages[ScriptExit(code)], code)
    return CliError(f"the configure script stopped unexpectedly (exit {code}); see its output above", code)


def run(args: argparse.Namespace) -> int:
    command = ssh_command(args)  # options are checked before any stack output is read
    settings = appliance_settings(load_stack_outputs(args))
    result = run_script(command, render_configure_script(settings), settings.secret_access_key, watch=[UP_TO_DATE])
    if not result.started:
        if result.returncode == SSH_FAILED:
            raise _ssh_error(classify(result.ssh_messages), args, result.ssh_messages)
        last = result.ssh_messages[-1] if result.ssh_messages else "no output"
        raise CliError(
            f"{args.host} did not run the script (exit {result.returncode}): {last}", ConnectionExit.SCRIPT_NOT_RUN
        )
    if result.returncode == SSH_FAILED:
        raise CliError(
            f"the connection to {args.host} was lost during the run: the script restores the previous settings if it "
            "was still writing them; check the appliance",
            ConnectionExit.CONNECTION_LOST,
        )
    if result.returncode != ScriptExit.OK:
        raise _script_error(result.returncode, args, settings.hostname)
    if args.no_apply:
        done = "written and checked, not applied"
    elif UP_TO_DATE in result.seen:
        done = f"already up to date and checked; nothing changed, so {APPLY_COMMAND} was not run (--force-apply runs it)"
    else:
        done = "configured and applied"
    print(f"ghes-packages: {args.host}: Packages storage {done}", file=sys.stderr)
    return 0
