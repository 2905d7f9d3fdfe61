"""The wiring of `rotate`: the key's rotation through to the appliance (docs/rotation.md)."""

from __future__ import annotations

import argparse

from ghes_packages.exits import ExitCode
from ghes_packages.verify import DEFAULT_WAIT_SECONDS

from .appliance import add_ssh_options, ssh_target
from .common import Parser, name, seconds


def add_rotate(subparsers: argparse._SubParsersAction[Parser]) -> None:
    parser = subparsers.add_parser(
        "rotate",
        help="rotate the stack's Packages key through to the appliance, with no outage (resumable)",
        description=(
            "Rotate the key GHES Packages signs in with, one checked step at a time: add generation N+1 to the "
            "stack's accessKeys and `pulumi up` (with the policy pack), verify the new key, configure the appliance "
            "and check it reports the new key id, then mark generation N inactive and `pulumi up`. At no step is "
            "the appliance's key inactive. Re-running continues from what it finds. --finish, after the grace "
            "period, deletes the inactive generation (refused while the appliance holds its key). Drives the Pulumi "
            "CLI as your pipeline does; ssh as configure does. "
            f"Exit {ExitCode.OK}: done; {ExitCode.FAILED}: a step failed or is refused (the line says which); "
            f"{ExitCode.USAGE}: a bad option or setting; else configure's and verify's codes (docs/exit-codes.md)."
        ),
    )
    parser.add_argument(
        "--stack", required=True, metavar="NAME", type=name("stack name"), help="the stack whose key to rotate"
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--finish", action="store_true", help="remove the inactive generation (after the grace period)")
    mode.add_argument(
        "--check-deploy",
        action="store_true",
        help="change nothing; exit 1 if `pulumi up` with the stack file as it is would switch off the key the "
        "appliance holds (a pipeline runs it before its own up)",
    )
    parser.add_argument("--dry-run", action="store_true", help="print the steps it would take; change nothing")
    parser.add_argument(
        "--wait",
        type=seconds,
        default=DEFAULT_WAIT_SECONDS,
        metavar="SECONDS",
        help=f"how long verify retries while the new key propagates; default {DEFAULT_WAIT_SECONDS:g}",
    )
    add_ssh_options(parser)

    def run(args: argparse.Namespace) -> int:
        from ghes_packages.rotate.appliance_link import StackAppliance
        from ghes_packages.rotate.command import check_deploy, rotate

        appliance = StackAppliance(args.stack, ssh_target(args))
        if args.check_deploy:
            return check_deploy(args.stack, appliance)
        return rotate(args.stack, appliance, finish=args.finish, dry_run=args.dry_run, wait=args.wait)

    parser.set_defaults(run=run)
