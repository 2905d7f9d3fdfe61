"""The pack's MinIO rules, passing on the program's MinIO stack and failing on what a careless change does."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from pulumi_policy import StackValidationArgs
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, unknown_checking_proxy

from components.iam_policy import minio_policy_document
from ghes_packages import resource_types as types
from ghes_packages.plan.evaluation import DeclaredResource, Evaluation
from ghes_packages.plan.guardrails import check, policy_resources
from policies import minio_rules, rules
from tests.test_policy_rules import resource, violations

ARN = "arn:aws:s3:::example-packages"


def _failures(resources: list[DeclaredResource]) -> dict[str, list[str]]:
    return {v.rule: [x.message for x in v.violations] for v in check(resources) if v.violations}


def _changed(evaluation: Evaluation, type_: str, **state: Any) -> list[DeclaredResource]:
    """The evaluation's resources with one resource's state (as the engine hands it to the pack) changed."""
    return [replace(r, state={**r.state, **state}) if r.type == type_ else r for r in evaluation.resources]


def _extra(evaluation: Evaluation, type_: str, name: str, **state: Any) -> list[DeclaredResource]:
    template = evaluation.one(types.MINIO_USER_POLICY_ATTACHMENT)
    extra = replace(template, type=type_, name=name, urn=f"{template.urn}-{name}", state=state, dependencies=())
    return [*evaluation.resources, extra]


def test_the_programs_minio_stack_passes_every_rule(minio: Evaluation) -> None:
    assert _failures(minio.resources) == {}


def test_an_unprotected_minio_bucket_fails(minio: Evaluation) -> None:
    unprotected = [replace(r, protect=False) if r.type == types.MINIO_BUCKET else r for r in minio.resources]
    assert "packages-bucket-protected" in _failures(unprotected)


def test_a_force_destroyed_minio_bucket_fails(minio: Evaluation) -> None:
    assert (
        "forceDestroy is true"
        in _failures(_changed(minio, types.MINIO_BUCKET, forceDestroy=True))["packages-bucket-protected"][0]
    )


def test_the_actions_bucket_on_minio_fails() -> None:
    args = resource(types.MINIO_BUCKET, {"bucket": "corp-actions"}, config={"actionsBucketNames": ["corp-actions"]})
    assert violations(rules.bucket_not_actions_bucket, args) == [
        "bucket 'corp-actions' is the GitHub Actions bucket; Packages needs a dedicated bucket"
    ]


def test_a_public_acl_fails() -> None:
    found = violations(minio_rules.minio_bucket_private, resource(types.MINIO_BUCKET, {"acl": "public-read"}))
    assert found and "must be 'private'" in found[0]


def test_a_bucket_policy_that_allows_fails_and_a_deny_only_one_passes() -> None:
    allow = {
        "Version": "2012-10-17",
        "Statement": [{"Sid": "Anon", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject"}],
    }
    deny = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s3:*"}]}
    found = violations(minio_rules.minio_bucket_private, resource(types.MINIO_BUCKET_POLICY, {"policy": json.dumps(allow)}))
    assert found == ["the bucket policy allows access (Anon); the Packages bucket needs none"]
    assert (
        violations(minio_rules.minio_bucket_private, resource(types.MINIO_BUCKET_POLICY, {"policy": json.dumps(deny)})) == []
    )


def _policy(document: Any) -> list[str]:
    args = resource(types.MINIO_POLICY, {"policy": json.dumps(document)})
    return violations(minio_rules.minio_policy_least_privilege, args)


def test_the_rendered_minio_policy_passes() -> None:
    assert _policy(minio_policy_document(ARN)) == []


def test_an_eighth_action_in_the_minio_policy_fails() -> None:
    document = minio_policy_document(ARN)
    document["Statement"][0]["Action"].append("s3:PutBucketPolicy")
    assert any("s3:PutBucketPolicy" in v for v in _policy(document))


def test_a_wildcard_minio_policy_fails() -> None:
    document = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::*"}]}
    assert any("wildcard" in v for v in _policy(document))


def test_a_kms_grant_in_the_minio_policy_fails() -> None:
    document = minio_policy_document(ARN)
    key = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    document["Statement"].append({"Effect": "Allow", "Action": ["kms:GenerateDataKey", "kms:Decrypt"], "Resource": key})
    assert any("grants KMS actions" in v for v in _policy(document))


def test_a_service_account_policy_wider_than_seven_actions_fails() -> None:
    wide = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
    args = resource(types.MINIO_SERVICE_ACCOUNT, {"policy": json.dumps(wide)})
    assert violations(minio_rules.minio_policy_least_privilege, args), "a service account's own policy is checked too"
    assert violations(minio_rules.minio_policy_least_privilege, resource(types.MINIO_SERVICE_ACCOUNT, {})) == []


def test_a_group_membership_fails(minio: Evaluation) -> None:
    for type_ in (types.MINIO_GROUP_USER_ATTACHMENT, types.MINIO_GROUP_MEMBERSHIP):
        assert violations(minio_rules.minio_user_in_no_group, resource(type_, {})), f"{type_} must be refused"


def test_a_second_policy_attached_to_the_user_fails(minio: Evaluation) -> None:
    user = minio.one(types.MINIO_USER).state["name"]
    resources = _extra(minio, types.MINIO_USER_POLICY_ATTACHMENT, "admin", userName=user, policyName="consoleAdmin")
    failures = _failures(resources)["minio-policy-attached-to-user-only"]
    assert "attaches policy consoleAdmin, which is not this stack's Packages policy" in failures
    assert "the user holds 2 policy attachments; it must hold exactly the Packages policy" in failures


def test_the_packages_policy_attached_to_someone_else_fails(minio: Evaluation) -> None:
    policy = minio.one(types.MINIO_POLICY).state["name"]
    resources = _extra(minio, types.MINIO_USER_POLICY_ATTACHMENT, "other", userName="someone", policyName=policy)
    failures = _failures(resources)["minio-policy-attached-to-user-only"]
    assert "attaches a policy to someone, not this stack's user" in failures
    assert "the Packages policy is attached 2 times; only to the stack's user" in failures


def test_a_user_without_its_policy_fails(minio: Evaluation) -> None:
    resources = [r for r in minio.resources if r.type != types.MINIO_USER_POLICY_ATTACHMENT]
    assert _failures(resources)["minio-policy-attached-to-user-only"] == [
        "the user holds 0 policy attachments; it must hold exactly the Packages policy"
    ]


def test_a_policy_for_another_bucket_fails(minio: Evaluation) -> None:
    other = json.dumps(minio_policy_document("arn:aws:s3:::someone-elses-bucket"))
    failures = _failures(_changed(minio, types.MINIO_POLICY, policy=other))["minio-policy-targets-bucket"]
    assert failures == [
        "the MinIO policy grants S3 actions on arn:aws:s3:::someone-elses-bucket, which is not a bucket of this stack"
    ]


def test_attachments_are_matched_through_the_graph_while_names_are_unknown(minio: Evaluation) -> None:
    # During preview, names can be unknown: the rule then follows the dependency graph instead of failing.
    stack = policy_resources(minio.resources)
    found: list[str] = []
    for r in stack:
        if r.resource_type == types.MINIO_USER_POLICY_ATTACHMENT:
            props = {"userName": UNKNOWN_STRING_VALUE, "policyName": UNKNOWN_STRING_VALUE}
            r.props = unknown_checking_proxy(props)
            by_type = {s.resource_type: s for s in stack}
            r.property_dependencies = {
                "userName": [by_type[types.MINIO_USER]],
                "policyName": [by_type[types.MINIO_POLICY]],
            }
    minio_rules.minio_policy_attached_to_the_user_only(StackValidationArgs(stack, {}), lambda m, urn=None: found.append(m))
    assert found == []
