"""The key-age guardrail: advisory by default, mandatory by configuration; and the plan's treatment of it."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pulumi_policy import PolicyCustomTimeouts, PolicyResourceOptions, ResourceValidationArgs
from pulumi_policy.proxy import unknown_checking_proxy

from ghes_packages.exits import ExitCode
from ghes_packages.plan.evaluation import Evaluation
from ghes_packages.plan.guardrails import check
from ghes_packages.plan.planning import StackPlan, exit_code, problem_lines
from ghes_packages.resource_types import ACCESS_KEY
from ghes_packages.stack_files import StackConfig
from policies import key_age


def _days_ago(days: int) -> str:
    return (datetime.now(UTC) - timedelta(days=days, hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _findings(props: dict[str, Any], config: dict[str, Any] | None = None) -> list[str]:
    options = PolicyResourceOptions(False, [], None, [], PolicyCustomTimeouts(0, 0, 0), [])
    urn = f"urn:pulumi:test::ghes-packages::{ACCESS_KEY}::key"
    args = ResourceValidationArgs(ACCESS_KEY, unknown_checking_proxy(props), urn, "key", options, None, config or {})
    found: list[str] = []
    key_age.access_key_age(args, lambda message, urn=None: found.append(message))
    return found


def test_a_key_older_than_90_days_is_reported() -> None:
    (finding,) = _findings({"createDate": _days_ago(91), "status": "Active"})
    assert "91 days old" in finding and "older than 90 days" in finding and "ghes-packages rotate" in finding


def test_a_key_of_90_days_is_not() -> None:
    assert _findings({"createDate": _days_ago(90), "status": "Active"}) == []


def test_the_maximum_age_is_configurable() -> None:
    assert _findings({"createDate": _days_ago(31)}, {"maxAgeDays": 30}) != []
    assert _findings({"createDate": _days_ago(100)}, {"maxAgeDays": 365}) == []


def test_an_inactive_key_is_not_reported() -> None:
    assert _findings({"createDate": _days_ago(400), "status": "Inactive"}) == []


def test_a_key_not_made_yet_is_not_reported() -> None:
    assert _findings({"status": "Active"}) == []


def _aged(evaluation: Evaluation, days: int) -> list[Any]:
    return [
        replace(r, state={**r.state, "createDate": _days_ago(days)}) if r.type == ACCESS_KEY else r
        for r in evaluation.resources
    ]


def test_an_old_key_is_an_advisory_warning_in_the_plan(prod: Evaluation) -> None:
    (verdict,) = [v for v in check(_aged(prod, 120)) if v.rule == key_age.RULE]
    assert verdict.advisory and len(verdict.violations) == 1, "an old key must warn, not fail, by default"


def test_the_pack_config_can_make_it_mandatory(prod: Evaluation) -> None:
    config = {key_age.RULE: {"enforcementLevel": "mandatory"}}
    (verdict,) = [v for v in check(_aged(prod, 120), config) if v.rule == key_age.RULE]
    assert not verdict.advisory and verdict.violations, "enforcementLevel mandatory must make the rule fail"


def test_a_fresh_stack_has_no_warning(prod: Evaluation) -> None:
    (verdict,) = [v for v in check(prod.resources) if v.rule == key_age.RULE]
    assert verdict.passed


def test_a_plan_with_only_a_warning_exits_0_and_says_so_on_stderr(prod: Evaluation) -> None:
    config = StackConfig("prod", Path("Pulumi.prod.yaml"), {}, frozenset())
    plan = StackPlan(config, evaluation=prod, verdicts=check(_aged(prod, 120)))
    assert exit_code([plan]) == ExitCode.OK and plan.violations == [] and len(plan.warnings) == 1
    (line,) = problem_lines(plan)
    assert line.startswith("ghes-packages: warning: stack prod: rule packages-access-key-age (advisory): ")
