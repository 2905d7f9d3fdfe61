"""Shared fixtures: stack configurations and evaluations of the real program in the mock runtime."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
import yaml

from cli.offline import Evaluation, evaluate

PROJECT_DIR = Path(__file__).resolve().parent.parent
STACKS_DIR = PROJECT_DIR / "stacks"

# A minimal valid stack: only the two required settings.
MINIMAL = {"aws:region": "eu-west-1", "ghes-packages:hostname": "ghes.example.com"}


def stack_config(stack: str) -> dict[str, Any]:
    """The `config:` map of stacks/Pulumi.STACK.yaml."""
    return dict(yaml.safe_load((STACKS_DIR / f"Pulumi.{stack}.yaml").read_text())["config"])


def run(config: dict[str, Any], stack: str = "test") -> Evaluation:
    """Evaluate the program with `config` for `stack`."""
    return evaluate(config, stack)


@pytest.fixture(scope="session")
def prod() -> Evaluation:
    return evaluate(stack_config("prod"), "prod")


@pytest.fixture(scope="session")
def minimal() -> Evaluation:
    return evaluate(MINIMAL, "dev")


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
