"""`ghes-packages plan --format markdown`: the job summary and pull-request comment of the pipeline."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from components.iam_policy import PACKAGES_S3_ACTIONS
from ghes_packages.cli.plan import PLAN_FORMATS
from ghes_packages.plan.command import PlanFormat
from ghes_packages.plan.evaluation import mock_secret_access_key
from ghes_packages.plan.planning import plan_stack
from ghes_packages.redaction import MASK
from ghes_packages.stack_files import read_stack, stack_names
from policies.rules import POLICIES
from tests.helpers import STACKS_DIR, Result, stack_config

Ghes = Callable[..., Result]


def _secret(stack: str, key: str = "") -> str:
    return mock_secret_access_key(stack, key or f"ghes-packages-{stack}-access-key-1")


def _tables(markdown: str) -> list[list[list[str]]]:
    """Each table's rows as cells, split on pipes that are not escaped."""
    tables: list[list[list[str]]] = []
    previous = ""
    for line in markdown.splitlines():
        if line.startswith("|"):
            if not previous.startswith("|"):
                tables.append([])
            tables[-1].append([c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]])
        previous = line
    return tables


def _write_stack(directory: Path, name: str, config: dict[str, object]) -> None:
    (directory / f"Pulumi.{name}.yaml").write_text(yaml.safe_dump({"config": config}))


def test_markdown_plan_of_prod_has_resources_policy_verdicts_and_no_secret(ghes: Ghes) -> None:
    run = ghes("plan", "--stack", "prod", "--format", "markdown")
    assert run.code == 0, run.err
    assert "| `aws:s3/bucket:Bucket` | `ghes-packages-prod-bucket` | protected, retained on delete |" in run.out
    policy = run.out.split("(output `policyDocument`)", 1)[1].split("```json\n", 1)[1].split("\n```", 1)[0]
    assert all(f'"{action}"' in policy for action in PACKAGES_S3_ACTIONS), "the IAM policy block lacks an S3 action"
    for rule in POLICIES:
        assert f"| ✅ pass | `{rule.name}` |" in run.out, f"no passing verdict row for {rule.name}"
    assert "| `secretAccessKey` | `[secret]` |" in run.out
    assert _secret("prod") not in run.out + run.err, "the access key's secret leaked into the Markdown plan"


def test_markdown_plan_of_every_stack_starts_with_one_summary_row_each(ghes: Ghes) -> None:
    run = ghes("plan", "--all", "--format", "markdown")
    assert run.code == 0, run.err
    summary = _tables(run.out)[0]
    assert summary[0] == ["stack", "result", "resources", "rules passed", "violations"]
    stacks = stack_names(STACKS_DIR)
    assert [row[0] for row in summary[2:]] == [f"`{s}`" for s in stacks]
    assert all(row[1] == "✅ all rules pass" and row[4] == "0" for row in summary[2:]), summary
    assert [line for line in run.out.splitlines() if line.startswith("## Stack ")] == [
        f"## Stack `{s}`: ✅ all rules pass" for s in stacks
    ]
    for stack in ("dev", "prod", "staging"):
        assert _secret(stack) not in run.out + run.err, f"the access key's secret of {stack} leaked"


def test_every_markdown_table_row_has_as_many_cells_as_its_header(ghes: Ghes, tmp_path: Path) -> None:
    # A value with pipes, backticks and markup must stay inside its cell, whatever a stack file holds.
    awkward = "a|b`c``d*e_<b>"
    _write_stack(tmp_path, "dev", {**stack_config("dev"), "aws:profile": awkward})
    run = ghes("plan", "--stack", "dev", "--stacks-dir", str(tmp_path), "--format", "markdown")
    assert run.code == 0, run.err
    for table in _tables(run.out):
        assert all(len(row) == len(table[0]) for row in table), f"a row broke out of its table: {table}"
    (row,) = [r for t in _tables(run.out) for r in t if r[0] == "`aws:profile`"]
    assert row[1] == "```a\\|b`c``d*e_<b>```", "the value is not one code span with its pipe escaped"


def test_markdown_of_invalid_settings_lists_the_problem_and_exits_2(ghes: Ghes, tmp_path: Path) -> None:
    _write_stack(tmp_path, "bad", {**stack_config("dev"), "ghes-packages:noncurrentVersionDays": "0"})
    run = ghes("plan", "--all", "--stacks-dir", str(tmp_path), "--format", "markdown")
    assert run.code == 2
    assert "## Stack `bad`: ❌ invalid settings" in run.out
    assert "**Invalid settings: nothing planned** (1 problem(s))" in run.out
    assert "ghes\\-packages:noncurrentVersionDays: must be a whole number of days" in run.out
    assert len(run.err_lines) == 1, "the problem must still be one line on stderr"


BROKEN_PROGRAM = """
import pulumi
import pulumi_aws as aws

bucket = aws.s3.Bucket("packages")
user = aws.iam.User("ghes")
key = aws.iam.AccessKey("key", user=user.name)
pulumi.export("secretAccessKey", pulumi.Output.secret(key.secret))
pulumi.export("ghesConfigureScript", pulumi.Output.secret(key.secret.apply(lambda s: "stored-key='" + s + "'")))
"""


def test_markdown_of_a_rule_breaking_program_marks_failures_and_masks_the_script(
    ghes: Ghes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    program = tmp_path / "__main__.py"
    program.write_text(BROKEN_PROGRAM)
    monkeypatch.setattr(plan_stack, "__defaults__", (program,))
    run = ghes("plan", "--stack", "dev", "--format", "markdown")
    assert run.code == 1
    assert "| ❌ FAIL | `packages-bucket-protected` |" in run.out
    assert "**Violations**" in run.out
    assert "- `packages-bucket-protected`: `packages`: the bucket is not protected" in run.out
    assert f"stored-key='{MASK}'" in run.out, "the appliance script is missing or not masked"
    assert _secret("dev", "key") not in run.out + run.err


def test_json_flag_is_the_same_as_format_json(ghes: Ghes) -> None:
    assert ghes("plan", "--stack", "dev", "--json").out == ghes("plan", "--stack", "dev", "--format", "json").out


def test_json_flag_and_format_together_are_one_usage_error(ghes: Ghes) -> None:
    run = ghes("plan", "--stack", "dev", "--json", "--format", "markdown")
    assert run.code == 2 and run.out == ""
    assert run.err_lines == [
        "ghes-packages plan: error: argument --format: not allowed with argument --json (see --help)"
    ], run.err


def test_an_unknown_format_is_one_usage_error_listing_the_formats(ghes: Ghes) -> None:
    run = ghes("plan", "--stack", "dev", "--format", "html")
    assert run.code == 2 and len(run.err_lines) == 1
    assert "argument --format: invalid choice: 'html'" in run.err, run.err
    assert all(name in run.err.split("choose from", 1)[1] for name in PLAN_FORMATS), f"formats not listed: {run.err}"


def test_the_cli_offers_exactly_the_plan_formats() -> None:
    assert tuple(PLAN_FORMATS) == tuple(f.value for f in PlanFormat)


def test_the_markdown_and_text_plans_show_the_same_resources() -> None:
    from ghes_packages.plan import markdown, text

    plans = [plan_stack(read_stack(STACKS_DIR, "staging"))]
    names = sorted(re.findall(r"^  \+ \S+  (\S+)", text.render(plans), re.MULTILINE))
    section = markdown.render(plans).split("### Resources that would be created", 1)[1].split("<details>", 1)[0]
    assert names and names == sorted(re.findall(r"^\| `[^`]+` \| `([^`]+)` \|", section, re.MULTILINE))
