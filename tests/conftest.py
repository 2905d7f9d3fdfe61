"""Shared fixtures: evaluations of the real program in the mock runtime, and the in-process command runner.

Helpers that are not fixtures live in tests/helpers.py.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from ghes_packages.plan.evaluation import Evaluation, evaluate
from tests.helpers import MINIMAL, MINIO, MINIO_PASSWORD, Result, run_in_process, stack_config


@pytest.fixture(scope="session")
def prod() -> Evaluation:
    return evaluate(stack_config("prod"), "prod")


@pytest.fixture(scope="session")
def minimal() -> Evaluation:
    return evaluate(MINIMAL, "dev")


@pytest.fixture(scope="session")
def minio() -> Evaluation:
    """The sample MinIO stack (stacks/Pulumi.lab.yaml), its password a secret as `pulumi config set --secret` makes it."""
    return evaluate(MINIO, "lab", secret_keys={MINIO_PASSWORD})


@pytest.fixture
def ghes(capsys: pytest.CaptureFixture[str]) -> Callable[..., Result]:
    """`ghes(*args, stdin=None)`: run `ghes-packages ARGS` in this process and return its Result."""

    def run(*args: str, stdin: str | bytes | None = None) -> Result:
        return run_in_process(capsys, *args, stdin=stdin)

    return run
