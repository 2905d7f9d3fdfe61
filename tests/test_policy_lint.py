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


KEYS = {
    "eu-west-1": "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    "cn-north-1": "arn:aws-cn:kms:cn-north-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    "us-gov-west-1": "arn:aws-us-gov:kms:us-gov-west-1:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab",
}


def test_emitted_policy_with_a_kms_key_has_no_findings(prod: Evaluation) -> None:
    assert "PackagesKmsKey" in prod.outputs["policyDocument"]
    assert findings(prod.outputs["policyDocument"]) == []


@pytest.mark.parametrize("region", sorted(KEYS))
def test_kms_conditions_have_no_findings_in_any_partition(region: str) -> None:
    document = run({**MINIMAL, "aws:region": region, "ghes-packages:kmsKeyArn": KEYS[region]}).outputs["policyDocument"]
    assert "kms:ViaService" in document and "kms:EncryptionContext:aws:s3:arn" in document
    assert findings(document) == [], f"parliament findings for {region}"


def test_parliament_does_flag_a_mis_scoped_policy(minimal: Evaluation) -> None:
    # Guards the tests above: object actions on the bucket ARN are a finding parliament does report.
    document = json.loads(minimal.outputs["policyDocument"])
    document["Statement"][1]["Resource"] = document["Statement"][0]["Resource"]
    assert any(f.startswith("RESOURCE_MISMATCH") for f in findings(json.dumps(document)))
