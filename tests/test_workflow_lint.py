"""The workflows lint clean, offline: actionlint (with shellcheck on every run: script) and zizmor.

Each linter is also shown a deliberately bad workflow, so a linter that silently checks nothing fails here.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import PROJECT_DIR, WORKFLOWS_DIR

pytestmark = pytest.mark.e2e

BIN = Path(sys.executable).parent
WORKFLOW_FILES = sorted(str(p) for p in WORKFLOWS_DIR.glob("*.yml"))


def actionlint(*files: str, cwd: Path = PROJECT_DIR) -> subprocess.CompletedProcess[str]:
    # shellcheck named explicitly: actionlint skips the script check without a word when none is on PATH.
    command = [str(BIN / "actionlint"), "-no-color", "-shellcheck", str(BIN / "shellcheck"), "-pyflakes=", *files]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False, timeout=120)


def zizmor(*paths: str) -> subprocess.CompletedProcess[str]:
    command = [str(BIN / "zizmor"), "--offline", "--no-progress", "--format", "plain", *paths]
    return subprocess.run(command, cwd=PROJECT_DIR, capture_output=True, text=True, check=False, timeout=120)


def _bad_workflow(tmp_path: Path, script: str) -> str:
    folder = tmp_path / ".github" / "workflows"
    folder.mkdir(parents=True)
    path = folder / "bad.yml"
    path.write_text(
        "name: bad\non: pull_request\npermissions: {}\njobs:\n  bad:\n    runs-on: ubuntu-24.04\n"
        f"    permissions: {{}}\n    steps:\n      - run: {script}\n"
    )
    return str(path)


def test_actionlint_finds_nothing_in_the_workflows() -> None:
    assert WORKFLOW_FILES
    result = actionlint(*WORKFLOW_FILES)
    assert result.returncode == 0, f"actionlint:\n{result.stdout}{result.stderr}"


def test_actionlint_runs_shellcheck_on_run_scripts(tmp_path: Path) -> None:
    result = actionlint(_bad_workflow(tmp_path, "echo $UNQUOTED"), cwd=tmp_path)
    assert result.returncode == 1 and "SC2086" in result.stdout, f"shellcheck did not run:\n{result.stdout}{result.stderr}"


def test_zizmor_finds_nothing_in_the_workflows_offline() -> None:
    result = zizmor(str(WORKFLOWS_DIR))
    assert result.returncode == 0, f"zizmor:\n{result.stdout}{result.stderr}"


def test_zizmor_reports_template_injection(tmp_path: Path) -> None:
    result = zizmor(_bad_workflow(tmp_path, "echo ${{ github.event.pull_request.title }}"))
    assert result.returncode != 0 and "template-injection" in result.stdout, f"zizmor missed it:\n{result.stdout}"
