"""Shared fixtures: stack configurations and evaluations of the real program in the mock runtime."""

from __future__ import annotations

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
