"""`ghes-packages plan`: what a stack would create, and whether it keeps every guardrail, offline.

The real program runs in Pulumi's mock runtime (plan.evaluation) for stacks/Pulumi.NAME.yaml: no Pulumi
CLI, no cloud account, no network. Then every rule of the policy pack runs on what it declared. A reviewer
of a settings change sees the resources, the IAM policy, the appliance script (secrets masked) and each
rule's verdict; the exit code gates the change.
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Any

from ghes_packages.errors import CliError
from ghes_packages.exits import ExitCode
from ghes_packages.redaction import redact
from ghes_packages.stack_files import StackConfig, read_stack, stack_file, stack_names

from . import markdown, text
from .planning import StackPlan, exit_code, plan_stacks, problem_lines, stack_json


class PlanFormat(StrEnum):
    """How the plan is printed: text for a terminal, JSON for tools, Markdown for a job summary or PR comment."""

    TEXT = "text"
    JSON = "json"
    MARKDOWN = "markdown"


def _plans(stacks_dir: Path, stack: str | None) -> list[StackPlan]:
    """The plan of one stack, or of every stack (stack None), where an unreadable file is one stack's problem."""
    if stack is not None:
        return plan_stacks([read_stack(stacks_dir, stack)])
    names = stack_names(stacks_dir)
    if not names:
        raise CliError(f"--all: no Pulumi.NAME.yaml stack files in {stacks_dir}", ExitCode.USAGE)
    configs, unreadable = [], []
    for name in names:
        try:
            configs.append(read_stack(stacks_dir, name))
        except CliError as error:
            config = StackConfig(name, stack_file(stacks_dir, name), {}, frozenset())
            unreadable.append(StackPlan(config, problems=[str(error)]))
    return sorted([*plan_stacks(configs), *unreadable], key=lambda plan: plan.config.stack)


def _json(plans: list[StackPlan], stack: str | None) -> str:
    objects = [stack_json(p) for p in plans]
    document: dict[str, Any] = objects[0] if stack is not None else {"stacks": objects}
    if stack is None:
        document["problems"] = [{"stack": p.config.stack, "problem": x} for p in plans for x in p.problems]
        document["violations"] = [{"stack": o["stack"], **v} for o in objects for v in o["violations"]]
    return json.dumps(document, indent=2)


def plan(stacks_dir: Path, stack: str | None, *, output: PlanFormat = PlanFormat.TEXT) -> int:
    """Plan one stack, or every stack in `stacks_dir` when `stack` is None; print it with every secret masked.

    :param stacks_dir: the folder of Pulumi.NAME.yaml files.
    :param stack: the stack to plan; None plans them all.
    :param output: text, one JSON object, or Markdown.
    """
    plans = _plans(stacks_dir, stack)
    if output is PlanFormat.JSON:
        shown = _json(plans, stack)
    else:
        shown = (markdown if output is PlanFormat.MARKDOWN else text).render(plans)
    secrets = set().union(*(p.secrets() for p in plans))
    print(redact(shown, secrets))
    sys.stdout.flush()
    for one in plans:
        for line in problem_lines(one):
            print(redact(line, secrets), file=sys.stderr)
    return exit_code(plans)
