"""A stack's outputs for the operator commands: read from `--outputs FILE|-` or `--stack NAME` (the Pulumi CLI)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import CliError
from .project import PROJECT_DIR


@dataclass(frozen=True)
class OutputsSource:
    """Where a command reads the stack outputs from: exactly one of a file ('-' is standard input) or a stack."""

    file: str | None = None
    """JSON of `pulumi stack output --json --show-secrets`; '-' reads standard input."""
    stack: str | None = None
    """A stack whose outputs `pulumi stack output --json --show-secrets --stack NAME` prints."""


def load_stack_outputs(source: OutputsSource) -> dict[str, Any]:
    """The stack outputs named by `source`, as a dict; CliError on any problem."""
    if source.file is not None:
        where = "standard input" if source.file == "-" else source.file
        try:
            text = sys.stdin.read() if source.file == "-" else Path(source.file).read_text()
        except OSError as error:
            raise CliError(f"--outputs: cannot read {where}: {error.strerror}") from None
    elif source.stack is not None:
        text = _pulumi_stack_output(source.stack)
        where = f"stack {source.stack}"
    else:
        raise CliError("stack outputs: give --outputs FILE or --stack NAME")
    try:
        outputs = json.loads(text)
    except json.JSONDecodeError as error:
        raise CliError(f"--outputs: {where} is not JSON ({error.msg} at line {error.lineno})") from None
    if not isinstance(outputs, dict):
        raise CliError(f"--outputs: {where} must hold a JSON object of stack outputs")
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
