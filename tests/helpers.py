"""Test helpers: stack configurations, the program in the mock runtime, and the two ways to run a command.

- `run_in_process` (via the `ghes` fixture): `ghes_packages.cli.main` in this process, output captured;
  quick, and monkeypatching reaches the code.
- `run_process`: the installed `ghes-packages` console script as a fresh process, as a user or a pipeline
  runs it; it asserts that nothing printed a traceback.
"""

from __future__ import annotations

import ast
import io
import json
import os
import re
import shlex
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from pulumi_policy import (
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    StackValidationArgs,
)
from pulumi_policy.proxy import unknown_checking_proxy

from ghes_packages.cli import main
from ghes_packages.plan.evaluation import Evaluation, evaluate
from ghes_packages.project import PROJECT_DIR, STACKS_DIR
from ghes_packages.stack_files import read_stack

# The `ghes-packages` console script of the environment running the tests.
COMMAND = Path(sys.executable).parent / "ghes-packages"

# A minimal valid stack: only the two required settings.
MINIMAL = {"aws:region": "eu-west-1", "ghes-packages:hostname": "ghes.example.com"}
# A minimal valid MinIO stack; its password must be passed as a secret key (evaluate(..., secret_keys=...)).
MINIO_PASSWORD = "minio:minioPassword"  # noqa: S105 - the setting's name
MINIMAL_MINIO = {
    "ghes-packages:storage": "minio",
    "ghes-packages:hostname": "ghes.example.com",
    "minio:minioServer": "minio.example.com:9000",
    "minio:minioSsl": "true",
    "minio:minioUser": "provisioner",
    MINIO_PASSWORD: "provisioner-password",
}
# The sample MinIO stack as the plan passes it to the program (its secure password as the placeholder).
MINIO = read_stack(STACKS_DIR, "lab").values

__all__ = [
    "COMMAND",
    "MINIMAL",
    "MINIMAL_MINIO",
    "MINIO",
    "MINIO_PASSWORD",
    "PROJECT_DIR",
    "STACKS_DIR",
    "WORKFLOWS_DIR",
    "Result",
    "RunStep",
    "code_strings",
    "evaluate_stack",
    "fake_pulumi",
    "fake_pulumi_moto",
    "project_sources",
    "run_in_process",
    "run_process",
    "run_steps",
    "shell_commands",
    "stack_config",
    "stdin_of",
    "workflows",
]


def stack_config(stack: str) -> dict[str, Any]:
    """The `config:` map of stacks/Pulumi.STACK.yaml."""
    return dict(yaml.safe_load((STACKS_DIR / f"Pulumi.{stack}.yaml").read_text())["config"])


def evaluate_stack(config: dict[str, Any], stack: str = "test") -> Evaluation:
    """Evaluate the program with `config` for `stack` in the mock runtime (a MinIO password as a secret)."""
    return evaluate(config, stack, secret_keys={MINIO_PASSWORD} & set(config))


@dataclass(frozen=True)
class Result:
    """How a command ended and what it printed."""

    code: int
    out: str
    err: str

    @property
    def err_lines(self) -> list[str]:
        return self.err.splitlines()

    def json(self) -> Any:
        return json.loads(self.out)


def stdin_of(data: str | bytes) -> io.TextIOWrapper:
    """A standard input holding `data` (bytes as given, text as UTF-8), with the byte stream a real one has."""
    return io.TextIOWrapper(io.BytesIO(data.encode() if isinstance(data, str) else data), encoding="utf-8")


def run_in_process(capsys: pytest.CaptureFixture[str], *args: str, stdin: str | bytes | None = None) -> Result:
    """`ghes-packages ARGS` in this process; argparse's own exits count as exit codes."""
    saved = sys.stdin
    if stdin is not None:
        sys.stdin = stdin_of(stdin)
    try:
        code = main(list(args))
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    finally:
        sys.stdin = saved
    captured = capsys.readouterr()
    return Result(code, captured.out, captured.err)


def run_process(
    *args: str,
    stdin: str | bytes = "",
    env: dict[str, str] | None = None,
    cwd: Path = PROJECT_DIR,
    timeout: float = 120,
) -> Result:
    """`ghes-packages ARGS` as a fresh process (`stdin` text as UTF-8, bytes as given); fails the test if it
    printed a traceback."""
    done = subprocess.run(
        [str(COMMAND), *args],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        input=stdin.encode() if isinstance(stdin, str) else stdin,
        capture_output=True,
        check=False,
        timeout=timeout,
    )
    out, err = done.stdout.decode(errors="replace"), done.stderr.decode(errors="replace")
    assert "Traceback" not in out + err, err
    return Result(done.returncode, out, err)


def project_sources(*patterns: str) -> list[Path]:
    """The project's files matching the glob patterns, outside the environments (.venv, .uv)."""
    found = (path for pattern in patterns for path in PROJECT_DIR.glob(pattern))
    return sorted({path for path in found if not {".venv", ".uv"} & set(path.relative_to(PROJECT_DIR).parts)})


def code_strings(path: Path) -> str:
    """The string literals of a Python file (docstrings aside), or the non-comment lines of any other file."""
    text = path.read_text()
    if path.suffix != ".py":
        return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    tree = ast.parse(text)
    docstrings = {id(node.value) for node in ast.walk(tree) if isinstance(node, ast.Expr)}
    return "\n".join(
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
    )


def fake_pulumi(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, outputs: dict[str, Any]) -> Path:
    """A stand-in `pulumi` CLI first on PATH: it logs each call's arguments and prints `outputs` as JSON.

    Returns the log file, which exists only once the stand-in has been called.
    """
    folder = tmp_path / "pulumi-bin"
    folder.mkdir()
    log = tmp_path / "pulumi-calls"
    (folder / "pulumi").write_text(f"#!/bin/sh\necho \"$*\" >>{log}\ncat <<'EOF'\n{json.dumps(outputs)}\nEOF\n")
    (folder / "pulumi").chmod(0o755)
    monkeypatch.setenv("PATH", f"{folder}:{os.environ['PATH']}")
    return log


def fake_pulumi_moto(folder: Path) -> Path:
    """A folder holding a `pulumi` that runs tests/fake_pulumi_moto.py (the stand-in backed by moto); put it first
    on PATH. The stand-in reads FAKE_PULUMI_STATE, FAKE_PULUMI_CALLS, FAKE_PULUMI_BREACHES, FAKE_APPLIANCE_KEY_FILE."""
    folder.mkdir()
    stand_in = Path(__file__).resolve().parent / "fake_pulumi_moto.py"
    (folder / "pulumi").write_text(f'#!/bin/sh\nexec {shlex.quote(sys.executable)} {shlex.quote(str(stand_in))} "$@"\n')
    (folder / "pulumi").chmod(0o755)
    return folder


# --- calling the policy pack's rules as the engine would -------------------------------------------------


def resource(type_: str, props: dict[str, Any], *, protect: bool = False, config: Any = None) -> ResourceValidationArgs:
    """Arguments as the pack's server builds them: properties behind pulumi_policy's unknown-checking proxy."""
    urn = f"urn:pulumi:test::ghes-packages::{type_}::r"
    options = PolicyResourceOptions(protect, [], None, [], PolicyCustomTimeouts(0, 0, 0), [])
    return ResourceValidationArgs(type_, unknown_checking_proxy(props), urn, "r", options, None, config)


def violations(validate: Callable[..., Any], args: Any) -> list[str]:
    """The messages a rule reports on `args`."""
    found: list[str] = []
    validate(args, lambda message, urn=None: found.append(message))
    return found


def stack(resources: list[PolicyResource]) -> StackValidationArgs:
    return StackValidationArgs(resources)


def with_props(r: PolicyResource, **changes: Any) -> PolicyResource:
    """The resource with some properties changed, as the engine would hand it over."""
    props = {k: r.props[k] for k in r.props} | changes
    return PolicyResource(
        r.resource_type,
        unknown_checking_proxy(props),
        r.urn,
        r.name,
        r.opts,
        None,
        None,
        r.dependencies,
        r.property_dependencies,
    )


# --- the GitHub Actions workflows --------------------------------------------------------------------------

WORKFLOWS_DIR = PROJECT_DIR / ".github" / "workflows"
# What ends one simple command and starts the next in a run: script; redirections take the next word.
_SEPARATORS = {";", "&&", "||", "|", "&", "(", ")", "{", "}", "!"}
_REDIRECTIONS = {">", ">>", "<", "<<", "<<<", "2>", "&>"}
_SHELL_KEYWORDS = {"if", "then", "else", "elif", "fi", "do", "done", "for", "while", "until"}


def workflows() -> dict[str, dict[str, Any]]:
    """Every workflow file, by file name, as parsed YAML (PyYAML reads the `on:` key as True: it is put back)."""
    found = {}
    for path in sorted(WORKFLOWS_DIR.glob("*.yml")):
        document = yaml.safe_load(path.read_text())
        if True in document:
            document["on"] = document.pop(True)
        found[path.name] = document
    return found


@dataclass(frozen=True)
class RunStep:
    workflow: str
    job: str
    step: str
    script: str
    env: dict[str, str]


def run_steps() -> Iterator[RunStep]:
    """Every `run:` step of every workflow, with the environment its job and step give it."""
    for name, workflow in workflows().items():
        for job_id, job in workflow.get("jobs", {}).items():
            for index, step in enumerate(job.get("steps", [])):
                if "run" in step:
                    env = {**workflow.get("env", {}), **job.get("env", {}), **step.get("env", {})}
                    yield RunStep(name, job_id, step.get("name", f"step {index + 1}"), step["run"], env)


def _arrays(script: str) -> dict[str, list[str]]:
    """Every word a bash array of the script may hold: `NAME=(...)` and each `NAME+=(...)`."""
    arrays: dict[str, list[str]] = {}
    for name, words in re.findall(r"\b(\w+)\+?=\(([^)]*)\)", script):
        arrays.setdefault(name, []).extend(shlex.split(words))
    return arrays


def shell_commands(script: str) -> list[list[str]]:
    """The simple commands of a run: script, as words: keywords, redirections and their targets dropped, and
    `"${NAME[@]}"` replaced by every word the script may put in array NAME."""
    arrays = _arrays(script)
    commands: list[list[str]] = []
    for line in script.replace("\\\n", " ").splitlines():
        lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        lexer.commenters = "#"
        words: list[str] = []
        skip = False
        for token in [*lexer, ";"]:
            if skip:
                skip = False
            elif token in _REDIRECTIONS:
                skip = True
            elif token in _SEPARATORS:
                if words:
                    commands.append(words)
                words = []
            elif not words and token in _SHELL_KEYWORDS:
                continue
            elif match := re.fullmatch(r"\$\{(\w+)\[@\]\}", token):
                words.extend(arrays.get(match[1], []))
            else:
                words.append(token)
    return commands
