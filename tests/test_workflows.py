"""The GitOps workflows keep the promises docs/gitops.md makes: promotion order, credentials, pins, permissions."""

from __future__ import annotations

import itertools
import re
from typing import Any

import yaml

from ghes_packages.stack_files import stack_names
from tests.helpers import PROJECT_DIR, STACKS_DIR, WORKFLOWS_DIR, run_steps, workflows

WORKFLOWS = workflows()
STACKS = stack_names(STACKS_DIR)
PROMOTION = ["dev", "staging", "prod"]
EXPRESSION = re.compile(r"\$\{\{")


def _jobs() -> list[tuple[str, str, dict[str, Any]]]:
    return [(name, job_id, job) for name, w in WORKFLOWS.items() for job_id, job in w["jobs"].items()]


def _steps_using(action: str) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (name, job_id, step)
        for name, job_id, job in _jobs()
        for step in job.get("steps", [])
        if step.get("uses", "").startswith(f"{action}@")
    ]


def test_the_four_workflows_exist() -> None:
    assert {"pull-request.yml", "deploy.yml", "deploy-stack.yml", "drift.yml", "rotate.yml"} <= set(WORKFLOWS)


def test_deploy_jobs_promote_dev_then_staging_then_prod() -> None:
    jobs = WORKFLOWS["deploy.yml"]["jobs"]
    by_stack = {job["with"]["stack"]: (job_id, job) for job_id, job in jobs.items()}
    assert set(by_stack) == set(PROMOTION), f"deploy.yml deploys {sorted(by_stack)}"
    for before, after in itertools.pairwise(PROMOTION):
        needs = by_stack[after][1].get("needs")
        needs = [needs] if isinstance(needs, str) else needs
        assert needs == [by_stack[before][0]], f"{after} must need exactly {before}, needs {needs}"
    assert "needs" not in by_stack["dev"][1], "dev is the first stage"


def test_each_stack_is_deployed_in_the_environment_of_its_name_one_run_at_a_time() -> None:
    (job,) = WORKFLOWS["deploy-stack.yml"]["jobs"].values()
    assert job["environment"] == "${{ inputs.stack }}"
    assert job["concurrency"] == {"group": "ghes-packages-stack-${{ inputs.stack }}", "cancel-in-progress": False}
    (rotate,) = WORKFLOWS["rotate.yml"]["jobs"].values()
    assert rotate["concurrency"] == job["concurrency"], "a rotation and a deployment of a stack must never overlap"


def test_every_workflow_that_lists_stacks_lists_the_deployed_ones() -> None:
    # The offline plan covers every stack file (--all); the workflows that need a backend (preview, drift,
    # rotation) cover the stacks deploy.yml promotes. A sample stack such as lab (MinIO) is planned, not deployed.
    matrices = {name: job["strategy"]["matrix"]["stack"] for name, _, job in _jobs() if "strategy" in job}
    assert set(matrices) == {"pull-request.yml", "drift.yml"}
    choices = WORKFLOWS["rotate.yml"]["on"]["workflow_dispatch"]["inputs"]["stack"]["options"]
    for name, stacks in [*matrices.items(), ("rotate.yml", choices)]:
        assert stacks == PROMOTION, f"{name} lists stacks {stacks}, deploy.yml promotes {PROMOTION}"
    assert set(PROMOTION) <= set(STACKS), f"a promoted stack has no stack file: {sorted(set(PROMOTION) - set(STACKS))}"


def test_every_workflow_grants_nothing_at_the_top_and_each_job_its_own_permissions() -> None:
    for name, workflow in WORKFLOWS.items():
        assert workflow["permissions"] == {}, f"{name}: top-level permissions must be {{}}"
    for name, job_id, job in _jobs():
        assert "permissions" in job, f"{name} job {job_id} declares no permissions"


def test_only_jobs_that_assume_a_role_get_an_oidc_token() -> None:
    for name, job_id, job in _jobs():
        wants_token = job["permissions"].get("id-token") == "write"
        # A reusable workflow's caller grants what the called job uses.
        assumes = "uses" in job or any(
            s.get("uses", "").startswith("aws-actions/configure-aws-credentials@") for s in job.get("steps", [])
        )
        assert wants_token == assumes, f"{name} job {job_id}: id-token write={wants_token}, assumes a role={assumes}"


def test_cloud_credentials_come_from_oidc_roles_never_static_keys() -> None:
    steps = _steps_using("aws-actions/configure-aws-credentials")
    assert steps, "no job assumes an AWS role"
    for name, job_id, step in steps:
        inputs = step["with"]
        assert inputs["role-to-assume"] == "${{ vars.AWS_ROLE_ARN }}", f"{name} {job_id}"
        assert not {"aws-access-key-id", "aws-secret-access-key", "aws-session-token"} & set(inputs), f"{name} {job_id}"
    text = "\n".join(p.read_text() for p in WORKFLOWS_DIR.glob("*.yml"))
    assert "AWS_SECRET_ACCESS_KEY" not in text and "AWS_ACCESS_KEY_ID" not in text


def test_checkout_never_keeps_the_token() -> None:
    steps = _steps_using("actions/checkout")
    assert steps
    for name, job_id, step in steps:
        assert step.get("with", {}).get("persist-credentials") is False, f"{name} {job_id}: persist-credentials"


def test_every_action_is_pinned_to_a_full_commit_sha_with_its_version() -> None:
    for path in sorted(WORKFLOWS_DIR.glob("*.yml")):
        for line in path.read_text().splitlines():
            match = re.search(r"uses:\s*(\S+)(.*)$", line)
            if not match or match[1].startswith("./"):
                continue
            assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", match[1]), f"{path.name}: not pinned by SHA: {line}"
            assert re.fullmatch(r"\s*# v\d+\.\d+\.\d+", match[2]), f"{path.name}: no `# vX.Y.Z` after the pin: {line}"


def test_no_run_script_interpolates_an_expression() -> None:
    # ${{ }} in a script is pasted into the shell code before it runs (template injection): pass it via env:.
    for step in run_steps():
        assert not EXPRESSION.search(step.script), f"{step.workflow} {step.job} {step.step!r} interpolates ${{{{ }}}}"


def test_every_pulumi_operation_runs_the_policy_pack() -> None:
    steps = [s for s in _steps_using("pulumi/actions") if "command" in s[2]["with"]]
    assert {s[2]["with"]["command"] for s in steps} == {"preview", "up"}
    for name, job_id, step in steps:
        assert step["with"]["policyPacks"] == "policies", f"{name} {job_id} runs pulumi without the policy pack"
        assert step["with"]["pulumi-version-file"] == ".pulumi.version", f"{name} {job_id}"


def test_the_pulumi_cli_of_the_pipeline_is_the_sdk_version() -> None:
    pinned = re.search(r'"pulumi==([^"]+)"', (PROJECT_DIR / "pyproject.toml").read_text())
    assert pinned and (PROJECT_DIR / ".pulumi.version").read_text().strip() == pinned[1]
    for name, job_id, step in _steps_using("pulumi/actions"):
        assert "pulumi-version" not in step["with"], f"{name} {job_id}: the version lives in .pulumi.version"


def test_the_pull_request_plan_needs_no_credentials_and_publishes_markdown_and_json() -> None:
    plan = WORKFLOWS["pull-request.yml"]["jobs"]["plan"]
    assert plan["permissions"] == {"contents": "read"}
    assert not re.search(r"\b(secrets|vars)\.", yaml.safe_dump(plan)), "the offline plan must read no secret or variable"
    scripts = [s["run"] for s in plan["steps"] if "run" in s]
    assert any("plan --all --format markdown >> \"$GITHUB_STEP_SUMMARY\"" in s for s in scripts)
    assert any("plan --all --format json > plan.json" in s for s in scripts)
    (upload,) = [s for s in plan["steps"] if s.get("uses", "").startswith("actions/upload-artifact@")]
    assert upload["with"]["path"] == "plan.json"
    assert WORKFLOWS["pull-request.yml"]["on"].keys() == {"pull_request"}, "pull_request_target would hand forks secrets"


def test_the_preview_runs_only_for_this_repository_once_a_backend_is_set() -> None:
    preview = WORKFLOWS["pull-request.yml"]["jobs"]["preview"]
    assert "github.event.pull_request.head.repo.full_name == github.repository" in preview["if"]
    assert "vars.PULUMI_BACKEND_URL != ''" in preview["if"]
    (step,) = [s for s in preview["steps"] if s.get("uses", "").startswith("pulumi/actions@")]
    assert step["with"]["command"] == "preview" and step["with"]["comment-on-pr"] is True


def test_the_nightly_drift_refreshes_expects_no_changes_and_compares_the_appliance() -> None:
    drift = WORKFLOWS["drift.yml"]
    assert set(drift["on"]) == {"schedule", "workflow_dispatch"}
    (job,) = drift["jobs"].values()
    (step,) = [s for s in job["steps"] if s.get("uses", "").startswith("pulumi/actions@")]
    assert step["with"]["refresh"] is True and step["with"]["expect-no-changes"] is True
    assert any('ghes-packages status --stack "$STACK"' in s.get("run", "") for s in job["steps"])


def test_the_rotation_is_manual_for_one_chosen_stack() -> None:
    rotate = WORKFLOWS["rotate.yml"]
    assert set(rotate["on"]) == {"workflow_dispatch"}
    inputs = rotate["on"]["workflow_dispatch"]["inputs"]
    assert inputs["stack"]["type"] == "choice" and inputs["finish"]["type"] == "boolean"
    (job,) = rotate["jobs"].values()
    assert job["environment"] == "${{ inputs.stack }}", "a rotation is approved like a deployment of that stack"


def test_the_appliance_key_only_ever_goes_to_ssh_agent() -> None:
    for step in run_steps():
        if "APPLIANCE_SSH_KEY" in step.env:
            assert step.env["APPLIANCE_SSH_KEY"] == "${{ secrets.APPLIANCE_SSH_KEY }}"
            uses = [line.strip() for line in step.script.splitlines() if "APPLIANCE_SSH_KEY" in line]
            # printf is a shell builtin: the key never appears in a process's arguments, nor in a file.
            assert uses == ['printf \'%s\\n\' "$APPLIANCE_SSH_KEY" | ssh-add -q -'], f"{step.workflow}: {uses}"


def test_docs_list_exactly_the_variables_and_secrets_the_workflows_read() -> None:
    text = "\n".join(p.read_text() for p in WORKFLOWS_DIR.glob("*.yml"))
    read = {(name, "variable") for name in re.findall(r"\bvars\.(\w+)", text)}
    read |= {(name, "secret") for name in re.findall(r"\bsecrets\.(\w+)", text)}
    page = (PROJECT_DIR / "docs" / "gitops.md").read_text()
    section = page.split("## Variables and secrets\n", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"^\| `(\w+)` \| (variable|secret) \|", section, re.MULTILINE))
    assert documented == read, f"docs/gitops.md lists {sorted(documented - read)} unused, misses {sorted(read - documented)}"
