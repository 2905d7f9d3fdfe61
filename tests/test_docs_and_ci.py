"""The README's references match Pulumi.yaml and the program; CI runs exactly the README's test command."""

from __future__ import annotations

import re

import pytest

from ghes_packages import minio_settings
from ghes_packages.exits import ExitCode
from ghes_packages.outputs import StackOutput
from ghes_packages.plan.evaluation import Evaluation
from ghes_packages.settings import declarations
from tests.helpers import PROJECT_DIR, project_sources

README = (PROJECT_DIR / "README.md").read_text()


def _table(heading: str) -> dict[str, list[str]]:
    section = README.split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    return {re.sub(r"`", "", cells[1].strip()): [c.strip() for c in cells[2:-1]] for cells in (r.split("|") for r in rows)}


def _yaml_scalar(value: object) -> str:
    if value == "":
        return '""'
    return str(value).lower() if isinstance(value, bool) else str(value)


def test_settings_reference_lists_every_declared_setting_with_its_type_and_default() -> None:
    table = _table("Settings reference")
    documented = {key for key in table if ":" not in key}
    assert documented == set(declarations()), "README settings reference differs from Pulumi.yaml"
    for key, declaration in declarations().items():
        kind, default = table[key][0], table[key][1]
        assert kind == declaration.type, f"README gives {key} the type {kind}, Pulumi.yaml {declaration.type}"
        shown = "(required)" if declaration.required else f"`{_yaml_scalar(declaration.default)}`"
        assert default == shown, f"README gives {key} the default {default}, Pulumi.yaml {shown}"


def test_outputs_reference_lists_exactly_what_the_program_exports(prod: Evaluation) -> None:
    table = _table("Outputs reference")
    assert set(table) == set(prod.outputs), "README outputs reference differs from the program's exports"
    for name, cells in table.items():
        marked_secret = cells[0] == "yes"
        assert marked_secret == (name in prod.secret_outputs), f"README says {name} secret={marked_secret}"


def test_settings_reference_lists_exactly_the_minio_settings_the_program_reads() -> None:
    table = _table("Settings reference")
    read = {minio_settings.SERVER, minio_settings.SSL, minio_settings.USER, minio_settings.PASSWORD, minio_settings.REGION}
    assert {key for key in table if key.startswith("minio:")} == read, "README's minio: rows differ from what is read"
    assert table[minio_settings.REGION][1] == f"`{minio_settings.DEFAULT_REGION}`"
    assert table[minio_settings.SSL][1] == f"`{str(minio_settings.DEFAULT_SSL).lower()}`"
    for key in read:
        assert key in minio_settings.PROVIDER_KEYS, f"{key} is not a setting of the pinned pulumi-minio provider"


def test_settings_reference_marks_each_target_only_setting(minio: Evaluation) -> None:
    table = _table("Settings reference")
    aws_only = {*minio_settings.AWS_ONLY, "aws:region"}
    minio_only = {minio_settings.ALLOW_PLAIN_HTTP, *(k for k in table if k.startswith("minio:"))}
    for key, cells in table.items():
        expected = "*AWS only.*" if key in aws_only else "*MinIO only.*" if key in minio_only else None
        marked = [m for m in ("*AWS only.*", "*MinIO only.*") if m in cells[2]]
        assert marked == ([expected] if expected else []), f"README marks {key} as {marked}, expected {expected}"


def test_outputs_reference_says_which_outputs_a_minio_stack_lacks(prod: Evaluation, minio: Evaluation) -> None:
    table = _table("Outputs reference")
    absent = set(prod.outputs) - set(minio.outputs)
    assert absent == {StackOutput.IAM_USER_ARN}, f"a MinIO stack lacks {absent}"
    for name, cells in table.items():
        says_absent = "Absent on MinIO stacks" in cells[1]
        assert says_absent == (name in absent), f"README's {name} row: 'Absent on MinIO stacks' is {says_absent}"
    assert set(minio.outputs) - set(prod.outputs) == set(), "a MinIO stack exports an output the README does not list"


def test_ci_runs_exactly_the_readme_test_command() -> None:
    ci = (PROJECT_DIR / ".ci" / "run").read_text()
    match = re.search(r"^make test\b.*$", README, re.MULTILINE)
    assert match, "README names no `make test` command"
    commands = [line.strip() for line in ci.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    assert commands[-1] == "make test", f".ci/run must end by running the README's test command, got {commands[-1]!r}"
    assert "set -euo pipefail" in ci


@pytest.mark.e2e
def test_make_fails_when_pytest_runs_no_test() -> None:
    import os
    import subprocess

    # Every test deselected: pytest exits 5, and the README's test command must fail with it.
    env = {**os.environ, "PYTEST_ADDOPTS": "-k no_test_has_this_name"}
    result = subprocess.run(
        ["make", "--no-print-directory", "-o", ".venv/bin/.dev", "pytest"],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0, "make pytest passed although pytest ran no test"
    assert "Error 5" in result.stderr, f"make should fail with pytest's exit 5 (no tests ran): {result.stderr[-500:]}"


def test_the_exit_code_page_documents_exactly_the_exit_code_table() -> None:
    page = (PROJECT_DIR / "docs" / "exit-codes.md").read_text()
    rows = [line.split("|") for line in page.splitlines() if re.match(r"^\| \d+ \|", line)]
    documented = {int(cells[1]): cells[2].strip().strip("`") for cells in rows}
    assert documented == {int(code): code.name for code in ExitCode}, "docs/exit-codes.md differs from ExitCode"


def test_no_module_exits_with_a_number_of_its_own() -> None:
    # Every exit code comes from ExitCode: a bare number in a CliError or a return of main() would escape the table.
    bare = re.compile(r"CliError\([^)]*,\s*\d+\)|exit_code\s*=\s*\d|sys\.exit\(\d|return [1-9]\d*$", re.MULTILINE)
    sources = [p for p in project_sources("ghes_packages/**/*.py", "components/*.py", "policies/*.py")]
    offenders = [str(path.relative_to(PROJECT_DIR)) for path in sources if bare.search(path.read_text())]
    assert offenders == [], f"exit codes written as numbers in {offenders}; use ghes_packages.exits.ExitCode"
