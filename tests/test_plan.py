"""`ghes-packages plan`: the offline plan of the real stacks and of broken ones, as a user runs it."""

from __future__ import annotations

import gc
import json
import warnings
from pathlib import Path
from typing import Any

import pytest
import yaml

from components.iam_policy import PACKAGES_S3_ACTIONS
from ghes_packages.cli import main
from ghes_packages.plan.evaluation import evaluate, mock_secret_access_key
from ghes_packages.plan.planning import exit_code, plan_stack, plan_stacks, problem_lines, stack_json
from ghes_packages.redaction import MASK
from ghes_packages.stack_files import read_stack
from policies.rules import POLICIES
from tests.helpers import STACKS_DIR, Result, run_process, stack_config

CIPHERTEXT = "AAABAKxL3MZhwkk4Tyb0dDDWCQ6kHiJJ8v0kEBlX9nW3fJ8="


def plan(*args: str) -> Result:
    """The plan as a user runs it: a fresh process, from the project folder."""
    return run_process("plan", *args)


def assert_no_secret(run: Result, *stacks: str) -> None:
    # The AWS access key's secret; on MinIO, the service account's secret key and the user's own secret.
    for stack in stacks:
        for holder in ("access-key-1", "service-account-1", "user"):
            secret = mock_secret_access_key(stack, f"ghes-packages-{stack}-{holder}")
            assert secret not in run.out + run.err, f"the secret of {stack}'s {holder} leaked"


def write_stack(directory: Path, name: str, config: dict[str, Any]) -> None:
    directory.mkdir(exist_ok=True)
    (directory / f"Pulumi.{name}.yaml").write_text(yaml.safe_dump({"config": config}))


# --- the real stacks ---------------------------------------------------------------------------------


@pytest.mark.e2e
def test_plan_of_dev_lists_resources_policy_and_verdicts() -> None:
    run = plan("--stack", "dev")
    assert run.code == 0 and run.err == ""
    assert "+ aws:s3/bucket:Bucket  ghes-packages-dev-bucket  [protected, retained on delete]" in run.out
    assert "+ aws:iam/accessKey:AccessKey  ghes-packages-dev-access-key-1  [not protected]" in run.out
    assert "IAM policy of the Packages user (output policyDocument)" in run.out
    assert all(f"pass  {p.name}:" in run.out or f"pass  {p.name} (advisory):" in run.out for p in POLICIES)
    assert any(line.split() == ["secretAccessKey", "[secret]"] for line in run.out.splitlines())
    assert_no_secret(run, "dev")


@pytest.mark.e2e
def test_plan_json_of_prod_has_the_documented_shape() -> None:
    run = plan("--stack", "prod", "--json")
    assert run.code == 0
    result = run.json()
    assert result["stack"] == "prod" and result["violations"] == [] and result["problems"] == []
    assert all(r["type"] and r["name"] and isinstance(r["protected"], bool) for r in result["resources"])
    assert [r["protected"] for r in result["resources"] if r["type"] == "aws:s3/bucket:Bucket"] == [True]
    actions = {a for s in result["policyDocument"]["Statement"] for a in s["Action"] if a.startswith("s3:")}
    assert actions == PACKAGES_S3_ACTIONS
    assert [r["name"] for r in result["rules"]] == [p.name for p in POLICIES] and all(r["passed"] for r in result["rules"])
    assert result["outputs"]["secretAccessKey"] == "[secret]"
    assert_no_secret(run, "prod")


@pytest.mark.e2e
def test_plan_all_plans_every_stack() -> None:
    run = plan("--all", "--json")
    assert run.code == 0
    result = run.json()
    assert [s["stack"] for s in result["stacks"]] == ["dev", "lab", "prod", "staging"]
    assert result["violations"] == [] and result["problems"] == []
    assert_no_secret(run, "dev", "lab", "prod", "staging")


@pytest.mark.e2e
def test_an_unknown_stack_is_one_line_listing_the_stacks() -> None:
    run = plan("--stack", "nope")
    assert run.code == 2 and run.out == ""
    assert run.err.splitlines() == [
        f"ghes-packages: error: --stack: no stack 'nope' in {STACKS_DIR} (available: dev, lab, prod, staging)"
    ]
    assert plan("--stack", "../stacks/Pulumi.dev").code == 2, "a stack name must not reach outside the stacks folder"


# --- broken settings ---------------------------------------------------------------------------------


@pytest.mark.e2e
def test_an_invalid_setting_is_one_line_naming_it_and_the_others_are_still_planned(tmp_path: Path) -> None:
    write_stack(tmp_path, "good", stack_config("dev"))
    write_stack(tmp_path, "bad", {**stack_config("dev"), "ghes-packages:noncurrentVersionDays": "0"})
    (tmp_path / "Pulumi.broken.yaml").write_text("config:\n  aws:region: [eu-west-1\n")
    run = plan("--all", "--stacks-dir", str(tmp_path))
    assert run.code == 2
    assert run.err.splitlines() == [
        "ghes-packages: error: stack bad: ghes-packages:noncurrentVersionDays: "
        'must be a whole number of days, 1 to 36500 (got "0")',
        f"ghes-packages: error: stack broken: {tmp_path / 'Pulumi.broken.yaml'}: not valid YAML at line 3",
    ]
    assert "Stack good" in run.out and f"Result: {len(POLICIES)} rule(s) passed" in run.out
    assert "Invalid settings: nothing planned" in run.out


@pytest.mark.e2e
def test_the_packages_bucket_may_not_be_the_actions_bucket(tmp_path: Path) -> None:
    config = {**stack_config("prod"), "ghes-packages:bucketName": stack_config("prod")["ghes-packages:actionsBucketName"]}
    write_stack(tmp_path, "prod", config)
    run = plan("--stack", "prod", "--stacks-dir", str(tmp_path), "--json")
    assert run.code == 2
    (line,) = run.err.splitlines()
    assert line.startswith(
        "ghes-packages: error: stack prod: ghes-packages:bucketName: \"example-ghes-prod-actions\" is the Actions bucket"
    )
    assert run.json()["resources"] == [] and len(run.json()["problems"]) == 1


@pytest.mark.e2e
def test_a_secure_value_is_never_decrypted_and_shown_as_secret(tmp_path: Path) -> None:
    write_stack(tmp_path, "dev", {**stack_config("dev"), "aws:secretKey": {"secure": CIPHERTEXT}})
    run = plan("--stack", "dev", "--stacks-dir", str(tmp_path))
    assert run.code == 0
    assert any(line.split() == ["aws:secretKey", "[secret]"] for line in run.out.splitlines())
    assert CIPHERTEXT not in run.out + run.err


@pytest.mark.e2e
def test_a_secure_project_setting_cannot_be_checked_offline(tmp_path: Path) -> None:
    write_stack(tmp_path, "dev", {**stack_config("dev"), "ghes-packages:hostname": {"secure": CIPHERTEXT}})
    run = plan("--stack", "dev", "--stacks-dir", str(tmp_path), "--json")
    assert run.code == 2
    (line,) = run.err.splitlines()
    assert line.startswith("ghes-packages: error: stack dev: ghes-packages:hostname: is a secure value")
    assert run.json()["settings"]["ghes-packages:hostname"] == "[secret]"
    assert CIPHERTEXT not in run.out + run.err


def test_yaml_values_reach_the_program_as_the_engine_passes_them(tmp_path: Path) -> None:
    # Unnamespaced keys belong to the project; booleans, numbers and maps arrive as strings and JSON.
    config = {
        **stack_config("dev"),
        "versioning": False,
        "ghes-packages:noncurrentVersionDays": 9,
        "ghes-packages:tags": {"team": "x"},
    }
    write_stack(tmp_path, "dev", config)
    result = stack_json(plan_stack(read_stack(tmp_path, "dev")))
    assert result["problems"] == [] and result["settings"]["ghes-packages:versioning"] == "false"
    types = {r["type"] for r in result["resources"]}
    assert "aws:s3/bucketVersioning:BucketVersioning" not in types
    (bucket,) = [r for r in result["resources"] if r["type"] == "aws:s3/bucket:Bucket"]
    assert bucket["properties"]["tags"] == {"team": "x"}


# --- a program that breaks the rules -------------------------------------------------------------------

BROKEN_PROGRAM = """
import gc
import json
import pulumi
import pulumi_aws as aws

bucket = aws.s3.Bucket("packages", bucket="example-ghes-dev-actions")
user = aws.iam.User("ghes")
policy = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]})
aws.iam.UserPolicy("ghes", user=user.name, policy=policy)
aws.iam.UserPolicyAttachment("admin", user=user.name, policy_arn="arn:aws:iam::aws:policy/AdministratorAccess")
key = aws.iam.AccessKey("key", user=user.name)
pulumi.export("secretAccessKey", pulumi.Output.secret(key.secret))
pulumi.export("policyDocument", policy)
script = key.secret.apply(lambda s: "stored-key='" + s + "'")
pulumi.export("ghesConfigureScript", pulumi.Output.secret(script))
"""


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    program = tmp_path / "__main__.py"
    program.write_text(BROKEN_PROGRAM)
    return program


def test_a_program_breaking_the_rules_fails_with_one_line_per_violation(broken: Path) -> None:
    result = plan_stack(read_stack(STACKS_DIR, "dev"), program=broken)
    failed = {v.rule for v in result.violations}
    # No guard resource exists, so their content rules pass and guards-attached reports them missing; the policy
    # names no bucket at all ("*"), which the least-privilege rule reports.
    assert failed == {
        "packages-iam-policy-least-privilege",
        "packages-user-no-other-grants",
        "packages-bucket-protected",
        "packages-bucket-not-actions-bucket",
        "packages-bucket-guards-attached",
    }
    assert any(
        v.message == "bucket 'example-ghes-dev-actions' is the GitHub Actions bucket; Packages needs a dedicated bucket"
        for v in result.violations
    )
    assert exit_code([result]) == 1
    lines = problem_lines(result)
    assert len(lines) == len(result.violations) and all(
        line.startswith("ghes-packages: error: stack dev: rule ") for line in lines
    )


def test_the_cli_exits_non_zero_on_a_violation_and_masks_every_secret(
    broken: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("ghes_packages.plan.planning.PROGRAM", broken)
    monkeypatch.setattr(plan_stack, "__defaults__", (broken,))
    for args in ([], ["--json"]):
        assert main(["plan", "--stack", "dev", *args]) == 1
        out, err = capsys.readouterr()
        secret = mock_secret_access_key("dev", "key")
        assert secret not in out + err
        script = json.loads(out)["applianceScript"] if args else out
        assert f"stored-key='{MASK}'" in script
        assert len(err.splitlines()) == len(plan_stack(read_stack(STACKS_DIR, "dev")).violations)


def test_the_lean_mock_runtime_changes_nothing_the_program_declares(monkeypatch: pytest.MonkeyPatch) -> None:
    from contextlib import nullcontext

    from pulumi.runtime import resource as pulumi_resource

    import ghes_packages.plan.evaluation as evaluation_module

    assert pulumi_resource._get_stack_trace.__name__ == "_get_stack_trace", "an earlier plan left the SDK patched"
    lean = evaluate(stack_config("prod"), "prod")
    monkeypatch.setattr(evaluation_module, "lean_mock_runtime", nullcontext)
    plain = evaluate(stack_config("prod"), "prod")
    # Registration order varies with thread timing in the SDK; what is declared must not.
    assert sorted(lean.resources, key=repr) == sorted(plain.resources, key=repr)
    assert (lean.outputs, lean.secret_outputs) == (plain.outputs, plain.secret_outputs)
    assert pulumi_resource._get_stack_trace.__name__ == "_get_stack_trace", "the SDK must be restored after the run"


def test_stacks_planned_in_worker_processes_are_planned_as_one_at_a_time(tmp_path: Path) -> None:
    for i in range(4):
        write_stack(tmp_path, f"s{i}", {**stack_config("dev"), "ghes-packages:hostname": f"ghes-{i}.example.com"})
    write_stack(tmp_path, "s9", {**stack_config("dev"), "ghes-packages:userPath": "no-slashes"})
    configs = [read_stack(tmp_path, name) for name in ("s0", "s1", "s2", "s3", "s9")]
    parallel = [stack_json(p) for p in plan_stacks(configs, workers=2)]
    assert parallel == [stack_json(plan_stack(c)) for c in configs]
    assert [p["stack"] for p in parallel] == ["s0", "s1", "s2", "s3", "s9"] and parallel[-1]["problems"]


def test_the_plan_leaves_no_event_loop_open() -> None:
    # An unclosed loop of the mock monitor's threads can be finalized after its socket and print
    # "Exception ignored in BaseEventLoop.__del__" on stderr; the plan closes every loop it causes.
    gc.collect()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        plan_stack(read_stack(STACKS_DIR, "dev"))
        gc.collect()
    assert [str(w.message) for w in caught if "unclosed event loop" in str(w.message)] == []
