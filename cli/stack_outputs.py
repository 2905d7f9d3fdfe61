"""Stack outputs for operator commands: `--outputs FILE|-` or `--stack NAME` (runs the Pulumi CLI)."""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from settings import PROJECT_DIR

from .errors import CliError


def add_source_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the mutually exclusive `--outputs` / `--stack` options to a command."""
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument(
        "--outputs",
        metavar="FILE",
        help="JSON of `pulumi stack output --json --show-secrets`; '-' reads standard input",
    )
    source.add_argument(
        "--stack", metavar="NAME", help="run `pulumi stack output --json --show-secrets --stack NAME` for them"
    )


def load_stack_outputs(args: argparse.Namespace) -> dict[str, Any]:
    """The stack outputs named by `--outputs` or `--stack`, as a dict; CliError on any problem."""
    if args.outputs is not None:
        source = "standard input" if args.outputs == "-" else args.outputs
        try:
            text = sys.stdin.read() if args.outputs == "-" else Path(args.outputs).read_text()
        except OSError as error:
            raise CliError(f"--outputs: cannot read {source}: {error.strerror}") from None
    else:
        text = _pulumi_stack_output(args.stack)
        source = f"stack {args.stack}"
    try:
        outputs = json.loads(text)
    except json.JSONDecodeError as error:
        raise CliError(f"--outputs: {source} is not JSON ({error.msg} at line {error.lineno})") from None
    if not isinstance(outputs, dict):
        raise CliError(f"--outputs: {source} must hold a JSON object of stack outputs")
    return outputs


def require_outputs(outputs: Mapping[str, Any], *names: str) -> None:
    """CliError naming every missing or empty output among `names`."""
    missing = [name for name in names if not isinstance(outputs.get(name), str) or not outputs[name]]
    if missing:
        raise CliError(
            f"stack outputs: missing {', '.join(missing)} (is this a ghes-packages stack, run with --show-secrets?)"
        )


def _pulumi_stack_output(stack: str) -> str:
    pulumi = shutil.which("pulumi")
    if pulumi is None:
        raise CliError("--stack: the Pulumi CLI is not on PATH; install it, or pass --outputs FILE")
    result = subprocess.run(
        [pulumi, "stack", "output", "--json", "--show-secrets", "--stack", stack],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["no output"])[-1]
        raise CliError(f"--stack: `pulumi stack output` failed for stack {stack}: {last}")
    return result.stdout
