"""A stack's outputs for the operator commands: read from `--outputs FILE|-` or `--stack NAME` (the Pulumi CLI)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .bounded_read import Unreadable, decode_utf8, read_file, read_stream, size_words
from .errors import CliError
from .exits import ExitCode
from .output_checks import check_outputs
from .outputs import StackOutput
from .project import PROJECT_DIR

MAX_OUTPUTS_BYTES = 1024 * 1024
"""The most read of a stack's outputs (a real stack's are under 32 KiB): `--outputs /dev/zero` stops here."""


@dataclass(frozen=True)
class OutputsSource:
    """Where a command reads the stack outputs from: exactly one of a file ('-' is standard input) or a stack."""

    file: str | None = None
    """JSON of `pulumi stack output --json --show-secrets`; '-' reads standard input."""
    stack: str | None = None
    """A stack whose outputs `pulumi stack output --json --show-secrets --stack NAME` prints."""


def load_stack_outputs(source: OutputsSource, required: Collection[StackOutput]) -> dict[str, Any]:
    """The stack outputs named by `source`, checked (ghes_packages.output_checks) for a command that needs
    `required`; CliError, one line, on any problem: unreadable, too large, not UTF-8 JSON, unusable values."""
    if source.file is not None:
        where = "standard input" if source.file == "-" else source.file
        try:
            data = (
                read_stream(sys.stdin.buffer, MAX_OUTPUTS_BYTES)
                if source.file == "-"
                else read_file(Path(source.file), MAX_OUTPUTS_BYTES)
            )
            text = decode_utf8(data)
        except Unreadable as error:
            raise CliError(f"--outputs: {where} {error}") from None
    elif source.stack is not None:
        text = _pulumi_stack_output(source.stack)
        where = f"stack {source.stack}"
    else:
        raise CliError("stack outputs: give --outputs FILE or --stack NAME")
    if not text.strip():
        raise CliError(f"--outputs: {where} is empty; it must hold `pulumi stack output --json --show-secrets`")
    try:
        outputs = json.loads(text)
    except json.JSONDecodeError as error:
        raise CliError(f"--outputs: {where} is not JSON ({error.msg} at line {error.lineno})") from None
    except RecursionError:
        raise CliError(f"--outputs: {where} nests JSON too deeply to be stack outputs") from None
    if not isinstance(outputs, dict):
        raise CliError(f"--outputs: {where} must hold a JSON object of stack outputs")
    check_outputs(outputs, required)
    return outputs


def _pulumi_stack_output(stack: str) -> str:
    pulumi = shutil.which("pulumi")
    if pulumi is None:
        raise CliError("--stack: the Pulumi CLI is not on PATH; install it, or pass --outputs FILE", ExitCode.USAGE)
    result = subprocess.run(
        [pulumi, "stack", "output", "--json", "--show-secrets", "--stack", stack],
        cwd=PROJECT_DIR,
        capture_output=True,
        check=False,
    )
    if result.returncode != 0:
        last = (result.stderr.decode(errors="replace").strip().splitlines() or ["no output"])[-1]
        raise CliError(f"--stack: `pulumi stack output` failed for stack {stack}: {last}")
    if len(result.stdout) > MAX_OUTPUTS_BYTES:
        raise CliError(f"--stack: `pulumi stack output` printed more than {size_words(MAX_OUTPUTS_BYTES)} for stack {stack}")
    try:
        return decode_utf8(result.stdout)
    except Unreadable as error:
        raise CliError(f"--stack: the output of `pulumi stack output` for stack {stack} {error}") from None
