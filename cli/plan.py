"""`python -m cli plan`: what a stack would create, and whether it keeps every guardrail, offline.

The real program runs in Pulumi's mock runtime (cli.offline) for stacks/Pulumi.NAME.yaml: no Pulumi CLI,
no cloud account, no network. Then every rule of the policy pack runs on what it declared. A reviewer of a
settings change sees the resources, the IAM policy, the appliance script (secrets masked) and each rule's
verdict; the exit code gates the change.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from .errors import CliError
from .plan_text import render
from .planning import (
    EXIT_INVALID,
    EXIT_VIOLATION,
    StackPlan,
    exit_code,
    mask,
    plan_stacks,
    problem_lines,
    stack_json,
)
from .stack_config import STACKS_DIR, StackConfig, read_stack, stack_file, stack_names


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "plan",
        help="offline plan of a stack: resources, IAM policy, appliance script, policy verdicts",
        description=(
            "Evaluate the program for stacks/Pulumi.NAME.yaml in Pulumi's mock runtime (no Pulumi CLI, no cloud "
            "account, no network; secure values are never decrypted) and run every rule of the policy pack. "
            f"Exit 0 when all is well, {EXIT_VIOLATION} when a mandatory rule is violated, "
            f"{EXIT_INVALID} on invalid settings or an unknown stack; one line per problem on stderr."
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
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    parser.set_defaults(run=run)


def _plans(args: argparse.Namespace) -> list[StackPlan]:
    """The plan of `--stack NAME`, or of every stack with `--all`, where an unreadable file is one stack's problem."""
    if not args.all:
        return plan_stacks([read_stack(args.stacks_dir, args.stack)])
    names = stack_names(args.stacks_dir)
    if not names:
        raise CliError(f"--all: no Pulumi.NAME.yaml stack files in {args.stacks_dir}", exit_code=EXIT_INVALID)
    configs, unreadable = [], []
    for name in names:
        try:
            configs.append(read_stack(args.stacks_dir, name))
        except CliError as error:
            config = StackConfig(name, stack_file(args.stacks_dir, name), {}, frozenset())
            unreadable.append(StackPlan(config, problems=[str(error)]))
    return sorted([*plan_stacks(configs), *unreadable], key=lambda plan: plan.config.stack)


def run(args: argparse.Namespace) -> int:
    plans = _plans(args)
    if args.json:
        objects = [stack_json(p) for p in plans]
        document: dict[str, Any] = objects[0] if not args.all else {"stacks": objects}
        if args.all:
            document["problems"] = [{"stack": p.config.stack, "problem": x} for p in plans for x in p.problems]
            document["violations"] = [{"stack": o["stack"], **v} for o in objects for v in o["violations"]]
        text = json.dumps(document, indent=2)
    else:
        text = render(plans)
    secrets = set().union(*(p.secrets() for p in plans))
    print(mask(text, secrets))
    sys.stdout.flush()
    for plan in plans:
        for line in problem_lines(plan):
            print(mask(line, secrets), file=sys.stderr)
    return exit_code(plans)
