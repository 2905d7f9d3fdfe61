"""`ghes-packages COMMAND`: the argparse wiring of every operator command, in one place.

Each command's options are parsed and checked here, then turned into one typed call of its operation
(ghes_packages/<feature>/...); operations never see an argparse Namespace. Operations are imported only
when their command runs, so `plan` never loads botocore and `--help` loads neither Pulumi nor botocore.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

from .appliance.ghe_config import APPLY_COMMAND
from .appliance.ssh import ADMIN_SSH_PORT, ADMIN_USER, SSH_CONFIG_ENV
from .errors import CliError
from .exits import ExitCode
from .project import PROJECT, STACKS_DIR
from .stack_outputs import OutputsSource

PROG = PROJECT
# plan.command.PlanFormat's values; spelt here so that `--help` never imports Pulumi (a test keeps them equal).
PLAN_FORMATS = ("text", "json", "markdown")

Runner = Callable[[argparse.Namespace], int]


class _Parser(argparse.ArgumentParser):
    """argparse, with a usage error as one line (argparse prints the usage block first) and exit code USAGE."""

    def error(self, message: str) -> NoReturn:
        self.exit(ExitCode.USAGE, f"{self.prog}: error: {message} (see --help)\n")


# --- option types: checked while parsing, so a bad option never reaches `pulumi stack output --show-secrets` --


def _port(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"must be a TCP port, 1 to 65535 (got {text!r})")
    return int(text)


def _name(what: str) -> Callable[[str], str]:
    def parse(text: str) -> str:
        if not text or text.startswith("-") or any(c.isspace() for c in text):
            raise argparse.ArgumentTypeError(f"must be a {what}, without spaces or a leading '-' (got {text!r})")
        return text

    return parse


def _readable_file(text: str) -> str:
    if not Path(text).is_file():
        raise argparse.ArgumentTypeError(f"{text} is not a readable file")
    return text


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 3600:
        raise argparse.ArgumentTypeError(f"must be a number of seconds from 0 to 3600 (got {text!r})")
    return value


def _add_outputs_source(parser: argparse.ArgumentParser) -> None:
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument(
        "--outputs", metavar="FILE", help="JSON of `pulumi stack output --json --show-secrets`; '-' reads standard input"
    )
    source.add_argument(
        "--stack", metavar="NAME", help="run `pulumi stack output --json --show-secrets --stack NAME` for them"
    )


def _outputs_source(args: argparse.Namespace) -> OutputsSource:
    return OutputsSource(file=args.outputs, stack=args.stack)


# --- plan ----------------------------------------------------------------------------------------------


def _add_plan(subparsers: argparse._SubParsersAction[_Parser]) -> None:
    parser = subparsers.add_parser(
        "plan",
        help="offline plan of a stack: resources, IAM policy, appliance script, policy verdicts",
        description=(
            "Evaluate the program for stacks/Pulumi.NAME.yaml in Pulumi's mock runtime (no Pulumi CLI, no cloud "
            "account, no network; secure values are never decrypted) and run every rule of the policy pack. "
            f"Exit {ExitCode.OK} when all is well, {ExitCode.FAILED} when a mandatory rule is violated, "
            f"{ExitCode.USAGE} on invalid settings or an unknown stack; one line per problem on stderr."
        ),
    )
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--stack", metavar="NAME", help="plan stacks/Pulumi.NAME.yaml")
    target.add_argument("--all", action="store_true", help="plan every stack in the stacks folder")
    parser.add_argument(
        "--stacks-dir",
        type=Path,
        default=STACKS_DIR,
        metavar="DIR",
        help=f"folder of Pulumi.NAME.yaml files (default: {STACKS_DIR})",
    )
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--format", choices=PLAN_FORMATS, default="text", help="text (default), json or markdown")
    output.add_argument("--json", action="store_const", const="json", dest="format", help="the same as --format json")

    def run(args: argparse.Namespace) -> int:
        from .plan.command import PlanFormat, plan

        return plan(stacks_dir=args.stacks_dir, stack=None if args.all else args.stack, output=PlanFormat(args.format))

    parser.set_defaults(run=run)


# --- render --------------------------------------------------------------------------------------------


def _add_render(subparsers: argparse._SubParsersAction[_Parser]) -> None:
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
    _add_outputs_source(parser)
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
        from .appliance.render import render

        return render(_outputs_source(args), as_json=args.json, show_secrets=args.show_secrets, out=args.out)

    parser.set_defaults(run=run)


# --- configure -----------------------------------------------------------------------------------------


def _add_configure(subparsers: argparse._SubParsersAction[_Parser]) -> None:
    parser = subparsers.add_parser(
        "configure",
        help="set the stack's Packages storage on the appliance over ssh (check first, restore on failure)",
        description=(
            "Run the configure script on the appliance's admin shell with the system ssh client; the script and "
            "its secret travel only on ssh's standard input. It refuses an appliance whose hostname is not the "
            "stack's, checks the storage before applying, restores the previous settings if the check fails, and "
            f"runs {APPLY_COMMAND} only if it changed a setting (or with --force-apply). ssh options come from your "
            f"ssh config (or --ssh-config, or ${SSH_CONFIG_ENV}); this command never turns host key checking off "
            f"and refuses options that do. Exit {ExitCode.OK}: done; {ExitCode.USAGE}: a bad option; "
            f"{ExitCode.FAILED}: unusable stack outputs; 10-16: the appliance script's outcome; 20-25: ssh. "
            "See docs/exit-codes.md and docs/appliance.md."
        ),
    )
    _add_outputs_source(parser)
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

    def run(args: argparse.Namespace) -> int:
        from .appliance.configure import ApplyMode, configure
        from .appliance.ssh import SshTarget

        target = SshTarget(
            host=args.host,
            port=args.port,
            user=args.user,
            ssh_config=args.ssh_config,
            options=tuple(args.ssh_option),
            batch=args.batch,
        )
        mode = ApplyMode.NO_APPLY if args.no_apply else ApplyMode.FORCE if args.force_apply else ApplyMode.IF_CHANGED
        return configure(_outputs_source(args), target, mode)

    parser.set_defaults(run=run)


# --- verify --------------------------------------------------------------------------------------------


def _add_verify(subparsers: argparse._SubParsersAction[_Parser]) -> None:
    from .verify import DEFAULT_WAIT_SECONDS

    parser = subparsers.add_parser(
        "verify",
        help="check the stack's access key can do exactly what GHES Packages needs",
        description=(
            "Use the stack's access key, and nothing from this machine's AWS environment, against the stack's "
            "service URL: put, get, list, multipart upload, abort and delete under a unique probe prefix (every "
            "current object and open upload removed afterwards), then check that creating or deleting buckets, "
            "reading or writing the bucket policy, listing all buckets and touching the Actions bucket are denied. "
            f"Exit {ExitCode.OK}: all checks passed; {ExitCode.FAILED}: a check failed or the stack outputs are "
            f"unusable; {ExitCode.USAGE}: bad options; {ExitCode.NOT_ACCEPTED}: the service did not accept the key "
            "or could not be reached."
        ),
    )
    _add_outputs_source(parser)
    parser.add_argument(
        "--wait",
        type=_seconds,
        default=DEFAULT_WAIT_SECONDS,
        metavar="SECONDS",
        help=f"how long to retry while a new key is not yet valid (IAM propagation); default {DEFAULT_WAIT_SECONDS:g}",
    )
    parser.add_argument(
        "--ca-bundle",
        metavar="FILE",
        type=_readable_file,
        help="PEM file of the CA certificates to trust for the service URL (MinIO)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of the table")

    def run(args: argparse.Namespace) -> int:
        from .verify.command import verify

        return verify(_outputs_source(args), wait=args.wait, ca_bundle=args.ca_bundle, as_json=args.json)

    parser.set_defaults(run=run)


def build_parser() -> argparse.ArgumentParser:
    """The `ghes-packages` parser with every command."""
    parser = _Parser(prog=PROG, description="Operator commands for ghes-packages: GHES Packages storage as code.")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=_Parser)
    for add in (_add_plan, _add_render, _add_configure, _add_verify):
        add(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command; every failure is one line on stderr and an exit code of ExitCode."""
    args = build_parser().parse_args(argv)
    try:
        code: int = args.run(args)
        return code
    except CliError as error:
        print(f"{PROG}: error: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return ExitCode.INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
