"""Every command's usage errors: one line naming the option, exit 2, no usage block, no traceback."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import PROJECT_DIR

USAGE_ERRORS = [
    ([], "the following arguments are required: COMMAND"),
    (["deploy"], "argument COMMAND: invalid choice: 'deploy'"),
    (["plan"], "one of the arguments --stack --all is required"),
    (["verify", "--outputs", "-", "--wait", "soon"], "argument --wait"),
    (["render"], "one of the arguments --outputs --stack is required"),
    (["configure", "--outputs", "-"], "the following arguments are required: --host"),
]


@pytest.mark.parametrize(("args", "expected"), USAGE_ERRORS, ids=[" ".join(a) or "(none)" for a, _ in USAGE_ERRORS])
def test_a_usage_error_is_one_line_and_exit_2(args: list[str], expected: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "cli", *args], cwd=PROJECT_DIR, capture_output=True, text=True, input="", check=False
    )
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and expected in lines[0], f"expected one line with {expected!r}, got {result.stderr!r}"


def test_every_command_has_help() -> None:
    for command in ("plan", "verify", "render", "configure"):
        result = subprocess.run(
            [sys.executable, "-m", "cli", command, "--help"], cwd=PROJECT_DIR, capture_output=True, text=True, check=False
        )
        assert result.returncode == 0 and f"usage: python -m cli {command}" in result.stdout, result.stderr
