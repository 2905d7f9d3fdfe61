"""The wiring of the appliance commands: `render`, `configure` and `status`, and the ssh options they share."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from ghes_packages.access_keys import DEFAULT_MAX_KEY_AGE_DAYS
from ghes_packages.appliance.ghe_config import APPLY_COMMAND, GheConfigKey
from ghes_packages.appliance.ssh import ADMIN_SSH_PORT, ADMIN_USER, SSH_CONFIG_ENV, SshTarget
from ghes_packages.exits import ExitCode

from .common import Parser, add_outputs_source, name, outputs_source, port, whole_days

_SSH_EXITS = (
    f"{ExitCode.USAGE}: a bad option, or ssh would not check the host key; {ExitCode.FAILED}: unusable stack outputs"
)


def add_render(subparsers: argparse._SubParsersAction[Parser]) -> None:
    parser = subparsers.add_parser(
        "render",
        help="print the appliance's configure script for a stack (secret key masked)",
        description=(
            "Render the bash script that configures GHES Packages storage on the appliance (see docs/appliance.md), "
            "from the stack's outputs. Printed with the secret access key masked; the real script goes only to a "
            f"file: --show-secrets --out FILE (mode 0600). Exit {ExitCode.OK}: done; {ExitCode.USAGE}: a bad option "
            f"(checked before any stack output is read); {ExitCode.FAILED}: unusable stack outputs or a file that "
            "cannot be written."
        ),
    )
    add_outputs_source(parser)
    parser.add_argument(
        "--json", action="store_true", help="the settings document (ghe-config key -> value, JSON) instead of the script"
    )
    parser.add_argument(
        "--show-secrets", action="store_true", help="put the real secret access key in; requires --out, never prints it"
    )
    parser.add_argument(
        "--out", metavar="FILE", type=Path, help="write to FILE (mode 0600, replaced whole) instead of stdout"
    )

    def run(args: argparse.Namespace) -> int:
        from ghes_packages.appliance.render import render

        return render(outputs_source(args), as_json=args.json, show_secrets=args.show_secrets, out=args.out)

    parser.set_defaults(run=run)


def add_ssh_options(parser: argparse.ArgumentParser) -> None:
    """The options of a command that reaches the appliance's admin shell."""
    parser.add_argument(
        "--host",
        type=name("host name or address"),
        help="the appliance to ssh to (default: the stack's applianceAddress output)",
    )
    parser.add_argument("--port", type=port, default=ADMIN_SSH_PORT, help="the admin shell's ssh port (default 122)")
    parser.add_argument("--user", type=name("user name"), default=ADMIN_USER, help="the ssh user (default admin)")
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
        help="an ssh -o option, e.g. ProxyJump=bastion (repeatable); options that weaken host key checking "
        "(StrictHostKeyChecking=no or accept-new, UserKnownHostsFile=/dev/null, KnownHostsCommand, ...) are refused",
    )


def ssh_target(args: argparse.Namespace) -> SshTarget:
    return SshTarget(
        host=args.host,
        port=args.port,
        user=args.user,
        ssh_config=args.ssh_config,
        options=tuple(args.ssh_option),
        batch=args.batch,
    )


def add_configure(subparsers: argparse._SubParsersAction[Parser]) -> None:
    parser = subparsers.add_parser(
        "configure",
        help="set the stack's Packages storage on the appliance over ssh (check first, restore on failure)",
        description=(
            "Reach the appliance's admin shell with the system ssh client (the stack's applianceAddress, or --host; "
            "only the stack's pinned applianceHostKey is trusted when it has one). A first, read-only step proves the "
            "appliance is the stack's (host key, hostname) and reads its settings; only then does the configure "
            "script, and its secret, travel on ssh's standard input. The script takes the appliance's lock, checks "
            "the storage before applying, restores the previous settings if the check fails, and runs "
            f"{APPLY_COMMAND} only if it changed a setting (or with --force-apply). ssh options come from your ssh "
            f"config (or --ssh-config, or ${SSH_CONFIG_ENV}); this command never turns host key checking off and "
            f"refuses options or configs that do. Exit {ExitCode.OK}: done; {_SSH_EXITS}; 10-17: the appliance "
            "script's outcome; 20-25: ssh. See docs/exit-codes.md and docs/appliance.md."
        ),
    )
    add_outputs_source(parser)
    add_ssh_options(parser)
    apply = parser.add_mutually_exclusive_group()
    apply.add_argument(
        "--no-apply", action="store_true", help=f"write and check the settings, but do not run {APPLY_COMMAND}"
    )
    apply.add_argument(
        "--force-apply",
        action="store_true",
        help=f"run {APPLY_COMMAND} even if every setting is already up to date (after an earlier --no-apply run)",
    )

    def run(args: argparse.Namespace) -> int:
        from ghes_packages.appliance.configure import ApplyMode, configure

        mode = ApplyMode.NO_APPLY if args.no_apply else ApplyMode.FORCE if args.force_apply else ApplyMode.IF_CHANGED
        return configure(outputs_source(args), ssh_target(args), mode)

    parser.set_defaults(run=run)


def add_status(subparsers: argparse._SubParsersAction[Parser]) -> None:
    parser = subparsers.add_parser(
        "status",
        help="compare the appliance's Packages settings with the stack's (read-only; the secret is never sent)",
        description=(
            f"Read the appliance's {GheConfigKey.HOSTNAME} and Packages settings over ssh, exactly as configure's first "
            "step does, and compare them with the stack's outputs. Nothing is written and no secret is sent: the "
            "appliance returns a SHA-256 of a random salt and its secret key, compared here. Exit "
            f"{ExitCode.OK}: in sync; {ExitCode.FAILED}: a setting differs (each one named) or unusable stack outputs; "
            f"{ExitCode.USAGE}: a bad option, or ssh would not check the host key; {ExitCode.NOT_AN_APPLIANCE}: not a "
            "GHES admin shell; 20-25: ssh. See docs/appliance.md."
        ),
    )
    add_outputs_source(parser)
    add_ssh_options(parser)
    parser.add_argument("--json", action="store_true", help="one JSON document: key, expected, actual, in_sync per key")
    parser.add_argument(
        "--max-key-age",
        type=whole_days,
        default=DEFAULT_MAX_KEY_AGE_DAYS,
        metavar="DAYS",
        help=f"past this age the key-age line says to rotate (default {DEFAULT_MAX_KEY_AGE_DAYS}, as the policy pack)",
    )

    def run(args: argparse.Namespace) -> int:
        from ghes_packages.appliance.status import status

        return status(outputs_source(args), ssh_target(args), as_json=args.json, max_key_age_days=args.max_key_age)

    parser.set_defaults(run=run)
