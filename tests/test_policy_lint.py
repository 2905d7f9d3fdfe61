"""parliament, AWS IAM's offline linter, finds nothing in the policy the program emits."""

from __future__ import annotations

import json

import pytest
from parliament import analyze_policy_string

from ghes_packages.plan.evaluation import Evaluation
from tests.helpers import MINIMAL
from tests.helpers import evaluate_stack as run


def findings(document: str) -> list[str]:
    return [f"{f.issue} {f.detail}" for f in analyze_policy_string(document).findings]


@pytest.mark.parametrize("region", ["eu-west-1", "cn-north-1", "us-gov-west-1"])
def test_emitted_policy_has_no_findings(region: str) -> None:
    document = run({**MINIMAL, "aws:region": region}).outputs["policyDocument"]
    assert findings(document) == [], f"parliament findings for {region}"


def test_emitted_policy_with_a_kms_key_has_no_findings(prod: Evaluation) -> None:
    assert "PackagesKmsKey" in prod.outputs["policyDocument"]
    assert findings(prod.outputs["policyDocument"]) == []


def test_parliament_does_flag_a_mis_scoped_policy(minimal: Evaluation) -> None:
    # Guards the tests above: object actions on the bucket ARN are a finding parliament does report.
    document = json.loads(minimal.outputs["policyDocument"])
    document["Statement"][1]["Resource"] = document["Statement"][0]["Resource"]
    assert any(f.startswith("RESOURCE_MISMATCH") for f in findings(json.dumps(document)))
