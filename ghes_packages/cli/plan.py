"""The wiring of `ghes-packages plan`: the offline plan of one stack or all of them."""

from __future__ import annotations

import argparse
from pathlib import Path

from ghes_packages.exits import ExitCode
from ghes_packages.project import STACKS_DIR

from .common import Parser

# plan.command.PlanFormat's values; spelt here so that `--help` never imports Pulumi (a test keeps them equal).
PLAN_FORMATS = ("text", "json", "markdown")


def add_plan(subparsers: argparse._SubParsersAction[Parser]) -> None:
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
        from ghes_packages.plan.command import PlanFormat, plan

        return plan(stacks_dir=args.stacks_dir, stack=None if args.all else args.stack, output=PlanFormat(args.format))

    parser.set_defaults(run=run)
