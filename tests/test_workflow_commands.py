"""Every command the workflows run exists: a Makefile target, or a `ghes-packages` command with those options.
"""

from __future__ import annotations

import contextlib
import io
import re

import pytest

from ghes_packages.cli import build_parser
from tests.helpers import PROJECT_DIR, RunStep, run_steps, shell_commands

COMMAND = "ghes-packages"


def _make_targets() -> set[str]:
    makefile = (PROJECT_DIR / "Makefile").read_text()
    return set(re.findall(r"^([A-Za-z0-9_.-]+):(?!=)", makefile, re.MULTILINE))


def _calls(program: str) -> list[tuple[RunStep, list[str]]]:
    """(step, arguments) of every call of `program` in the workflows' run: scripts."""
    found = []
    for step in run_steps():
        for words in shell_commands(step.script):
            if words[0] == program or words[0].endswith(f"/{program}"):
                found.append((step, words[1:]))
    return found


def _realistic(word: str) -> str:
    """A shell variable as an argument stands for a real value: the stack names the workflows pass."""
    return "dev" if re.fullmatch(r"\$\{?\w+\}?", word) else word


def _id(call: tuple[RunStep, list[str]]) -> str:
    step, args = call
    return f"{step.workflow}:{step.job}:{' '.join(args)}"


MAKE_CALLS = _calls("make")
GHES_CALLS = _calls(COMMAND)


def test_the_workflows_call_make_and_the_command() -> None:
    assert MAKE_CALLS and GHES_CALLS, "no `make` or `ghes-packages` call found: the run: script parsing is broken"
    called = {args[0] for _, args in GHES_CALLS}
    assert {"plan", "verify", "configure", "status", "rotate"} <= called, f"commands called: {called}"


@pytest.mark.parametrize("call", MAKE_CALLS, ids=[_id(c) for c in MAKE_CALLS])
def test_every_make_call_names_real_targets(call: tuple[RunStep, list[str]]) -> None:
    step, args = call
    targets = [a for a in args if not a.startswith("-") and "=" not in a]
    missing = set(targets) - _make_targets()
    assert targets and not missing, f"{step.workflow} step {step.step!r} runs make targets {missing or args} not in Makefile"


@pytest.mark.parametrize("call", GHES_CALLS, ids=[_id(c) for c in GHES_CALLS])
def test_every_ghes_packages_call_parses_with_the_real_parser(call: tuple[RunStep, list[str]]) -> None:
    step, args = call
    argv = [_realistic(a) for a in args]
    errors = io.StringIO()
    with contextlib.redirect_stderr(errors), contextlib.redirect_stdout(io.StringIO()):
        try:
            build_parser().parse_args(argv)
        except SystemExit as exit_:
            pytest.fail(
                f"{step.workflow} step {step.step!r} runs `{COMMAND} {' '.join(args)}`, which the command "
                f"rejects (exit {exit_.code}): {errors.getvalue().strip()}"
            )
