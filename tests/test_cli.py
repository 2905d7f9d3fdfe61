"""Every command's usage errors: one line naming the option, exit 2, no usage block, no traceback."""

from __future__ import annotations

import pytest

from ghes_packages.exits import ExitCode
from tests.helpers import run_process

pytestmark = pytest.mark.e2e

USAGE_ERRORS = [
    ([], "the following arguments are required: COMMAND"),
    (["deploy"], "argument COMMAND: invalid choice: 'deploy'"),
    (["plan"], "one of the arguments --stack --all is required"),
    (["verify", "--outputs", "-", "--wait", "soon"], "argument --wait"),
    (["render"], "one of the arguments --outputs --stack is required"),
    (["configure", "--outputs", "-", "--port", "0"], "argument --port: must be a TCP port"),
    (["status"], "one of the arguments --outputs --stack is required"),
    (["status", "--outputs", "-", "--user", "-admin"], "argument --user"),
]


@pytest.mark.parametrize(("args", "expected"), USAGE_ERRORS, ids=[" ".join(a) or "(none)" for a, _ in USAGE_ERRORS])
def test_a_usage_error_is_one_line_and_exit_2(args: list[str], expected: str) -> None:
    result = run_process(*args)
    assert result.code == ExitCode.USAGE, result.err
    assert result.out == ""
    lines = result.err_lines
    assert len(lines) == 1 and expected in lines[0], f"expected one line with {expected!r}, got {result.err!r}"


def test_every_command_has_help() -> None:
    for command in ("plan", "verify", "render", "configure", "status"):
        result = run_process(command, "--help")
        assert result.code == ExitCode.OK and f"usage: ghes-packages {command}" in result.out, result.err
