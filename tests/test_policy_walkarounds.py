"""Guardrails a stack could walk around (issue 9, items 15-17): other IAM grants, an Allow in the bucket policy,
and buckets or guards declared with another type of the provider. Rules called directly, and the offline plan
of the real program with a hostile addition."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pulumi
import pulumi_aws as aws
import pytest
from pulumi_policy import PolicyResource
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE

from components.iam_policy import tls_only_bucket_policy
from ghes_packages import resource_types as rt
from ghes_packages.plan.evaluation import Evaluation
from ghes_packages.plan.guardrails import policy_resources
from ghes_packages.plan.planning import plan_stack
from ghes_packages.project import PROJECT_DIR
from ghes_packages.stack_files import read_stack
from policies import bucket_rules, iam_rules
from tests.helpers import STACKS_DIR, resource, stack, violations, with_props

ARN = "arn:aws:s3:::example-packages"
S3_FULL_ACCESS = "arn:aws:iam::aws:policy/AmazonS3FullAccess"
ANOTHER_ACCOUNT = "arn:aws:iam::444455556666:root"


def _token(cls: type[pulumi.CustomResource]) -> str:
    token = pulumi.get_type_token(cls)
    assert token, f"{cls.__name__} has no type token"
    return token


def _iam_classes(pattern: str) -> list[type[pulumi.CustomResource]]:
    """The provider's IAM resource classes whose name matches `pattern`: a second way to find them, by name."""
    return [
        c
        for c in vars(aws.iam).values()
        if isinstance(c, type) and issubclass(c, pulumi.CustomResource) and re.search(pattern, c.__name__)
    ]


# --- 15: nothing but the one inline policy grants the Packages user anything -----------------------------


def test_an_exclusive_attachment_of_s3_full_access_fails() -> None:
    args = resource(
        _token(aws.iam.UserPolicyAttachmentsExclusive), {"userName": "ghes-packages", "policyArns": [S3_FULL_ACCESS]}
    )
    assert violations(iam_rules.user_has_no_other_grants, args) == [
        "UserPolicyAttachmentsExclusive would grant permissions beyond the Packages user's one inline policy "
        "(the seven S3 actions)"
    ]


def test_every_attachment_group_policy_and_membership_type_of_the_provider_is_a_grant() -> None:
    by_name = _iam_classes(r"Attachment|Membership|PoliciesExclusive|^GroupPolic")
    assert len(by_name) >= 10, "the provider's IAM classes were not found by name"
    missed = sorted(c.__name__ for c in by_name if not c.__name__.startswith("Role") and _token(c) not in rt.IAM_GRANTS)
    assert missed == [], f"these IAM resources give users or groups permissions but are not refused: {missed}"


def test_role_only_resources_are_not_user_grants() -> None:
    # A role's policies reach no user; refusing them would refuse stacks for nothing the user can use.
    roles = _iam_classes(r"^Role")
    assert roles and not {_token(c) for c in roles} & iam_rules.OTHER_GRANTS


@pytest.mark.parametrize(
    "credential", [aws.iam.UserLoginProfile, aws.iam.SshKey, aws.iam.ServiceSpecificCredential, aws.iam.SigningCertificate]
)
def test_a_credential_besides_the_access_key_fails(credential: type[pulumi.CustomResource]) -> None:
    found = violations(iam_rules.user_has_no_other_grants, resource(_token(credential), {"user": "ghes-packages"}))
    assert found == [
        f"{credential.__name__} would give an IAM user of the stack a way to sign in besides its access key, "
        "the only credential GHES uses"
    ]


def test_the_programs_own_iam_resources_are_no_other_grant(prod: Evaluation) -> None:
    for r in policy_resources(prod.resources):
        args = resource(r.resource_type, {k: r.props[k] for k in r.props})
        assert violations(iam_rules.user_has_no_other_grants, args) == [], f"{r.resource_type} was refused"


def _with_second_inline_policy(prod: Evaluation, **unknown: str) -> list[PolicyResource]:
    """The prod stack plus a second inline policy for its user; `unknown` maps types to the property not yet known."""
    resources = policy_resources(prod.resources)
    (policy,) = [r for r in resources if r.resource_type == rt.USER_POLICY]
    second = PolicyResource(
        policy.resource_type,
        policy.props,
        f"{policy.urn}-2",
        "ghes-second",
        policy.opts,
        None,
        None,
        policy.dependencies,
        {},
    )
    resources.append(second)
    return [
        with_props(r, **{unknown[r.resource_type]: UNKNOWN_STRING_VALUE}) if r.resource_type in unknown else r
        for r in resources
    ]


def test_one_inline_policy_per_user_passes(prod: Evaluation) -> None:
    assert violations(iam_rules.iam_policy_targets_packages_bucket, stack(policy_resources(prod.resources))) == []


def test_a_second_inline_policy_for_the_user_fails(prod: Evaluation) -> None:
    found = violations(iam_rules.iam_policy_targets_packages_bucket, stack(_with_second_inline_policy(prod)))
    user = prod.one(rt.USER).state["name"]
    assert found == [
        f"IAM user {user} has 2 inline policies (ghes-packages-prod-policy, ghes-second); "
        "the Packages user has one, the seven S3 actions"
    ]


def test_in_preview_a_second_inline_policy_is_found_through_the_dependency_graph(prod: Evaluation) -> None:
    resources = _with_second_inline_policy(prod, **{rt.USER: "name", rt.USER_POLICY: "user"})
    found = violations(iam_rules.iam_policy_targets_packages_bucket, stack(resources))
    assert len(found) == 1 and "has 2 inline policies" in found[0], found


# --- 16: the bucket policy only denies ---------------------------------------------------------------


def _bucket_policy(document: Any) -> list[str]:
    args = resource(rt.BUCKET_POLICY, {"policy": json.dumps(document)})
    return violations(bucket_rules.bucket_policy_tls_only, args)


def test_a_bucket_policy_with_an_allow_fails_even_with_the_tls_deny() -> None:
    document = tls_only_bucket_policy(ARN)
    grant = {
        "Sid": "Partner",
        "Effect": "Allow",
        "Principal": {"AWS": ANOTHER_ACCOUNT},
        "Action": "s3:*",
        "Resource": f"{ARN}/*",
    }
    document["Statement"].append(grant)
    assert _bucket_policy(document) == [
        "the bucket policy Partner has Effect 'Allow'; it may only deny: "
        "the Packages user's own IAM policy is what grants access"
    ]


@pytest.mark.parametrize("effect", ["allow", None, ["Allow"]])
def test_any_statement_that_is_not_a_deny_fails(effect: Any) -> None:
    document = tls_only_bucket_policy(ARN)
    document["Statement"].append({"Effect": effect, "Principal": "*", "Action": "s3:GetObject", "Resource": f"{ARN}/*"})
    found = _bucket_policy(document)
    assert len(found) == 1 and "it may only deny" in found[0], found


def test_more_deny_statements_pass() -> None:
    document = tls_only_bucket_policy(ARN)
    document["Statement"].append({"Effect": "Deny", "Principal": "*", "Action": "s3:DeleteBucket", "Resource": ARN})
    assert _bucket_policy(document) == []


@pytest.mark.parametrize("bucket_type", sorted(rt.BUCKETS))
def test_a_bucket_policy_written_inline_on_the_bucket_fails(bucket_type: str) -> None:
    inline = resource(bucket_type, {"bucket": "b", "policy": json.dumps(tls_only_bucket_policy(ARN))})
    found = violations(bucket_rules.bucket_policy_tls_only, inline)
    assert len(found) == 1 and "sets its policy inline; declare it as one BucketPolicy resource" in found[0], found
    assert violations(bucket_rules.bucket_policy_tls_only, resource(bucket_type, {"bucket": "b"})) == []


# --- 17: every bucket type, every guard type ---------------------------------------------------------


def test_every_general_purpose_bucket_type_of_the_provider_is_a_bucket() -> None:
    assert {_token(aws.s3.Bucket), _token(aws.s3.BucketV2)} <= rt.BUCKETS
    assert _token(aws.s3.DirectoryBucket) in rt.OTHER_BUCKETS
    assert (
        _token(aws.s3.BucketServerSideEncryptionConfigurationV2) in bucket_rules.GUARDS["default encryption configuration"]
    )


@pytest.mark.parametrize("bucket_type", sorted(bucket_rules.ANY_BUCKET))
def test_every_bucket_type_must_be_protected(bucket_type: str) -> None:
    assert violations(bucket_rules.bucket_protected, resource(bucket_type, {"bucket": "b"}, protect=True)) == []
    found = violations(bucket_rules.bucket_protected, resource(bucket_type, {"bucket": "b", "forceDestroy": True}))
    assert len(found) == 2, f"{bucket_type}: {found}"


@pytest.mark.parametrize("bucket_type", sorted(bucket_rules.ANY_BUCKET))
def test_no_bucket_type_may_be_the_actions_bucket(bucket_type: str) -> None:
    config = {bucket_rules.ACTIONS_BUCKETS_CONFIG: ["example-actions"]}
    args = resource(bucket_type, {"bucket": "example-actions"}, config=config)
    assert violations(bucket_rules.bucket_not_actions_bucket, args) != [], bucket_type


def test_an_encryption_v2_of_another_algorithm_fails() -> None:
    rules = [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "none"}}]
    args = resource(_token(aws.s3.BucketServerSideEncryptionConfigurationV2), {"rules": rules})
    assert violations(bucket_rules.bucket_encrypted, args) != []


def _retyped(resources: list[PolicyResource], old: str, new: str) -> list[PolicyResource]:
    return [
        PolicyResource(new, r.props, r.urn, r.name, r.opts, None, None, r.dependencies, r.property_dependencies)
        if r.resource_type == old
        else r
        for r in resources
    ]


def test_the_stack_declared_with_v2_types_passes_the_stack_rules(prod: Evaluation) -> None:
    resources = _retyped(policy_resources(prod.resources), rt.BUCKET, rt.BUCKET_V2)
    resources = _retyped(resources, rt.ENCRYPTION, _token(aws.s3.BucketServerSideEncryptionConfigurationV2))
    assert violations(bucket_rules.bucket_guards_attached, stack(resources)) == []
    assert violations(iam_rules.iam_policy_targets_packages_bucket, stack(resources)) == []


def test_a_directory_bucket_is_refused_by_the_guards_rule(prod: Evaluation) -> None:
    resources = _retyped(policy_resources(prod.resources), rt.BUCKET, _token(aws.s3.DirectoryBucket))
    assert violations(bucket_rules.bucket_guards_attached, stack(resources)) == [
        "bucket example-ghes-prod-packages is a DirectoryBucket; Packages storage is a general-purpose S3 bucket "
        "(Bucket, BucketV2), the only kind these guards apply to"
    ]


# --- the offline plan of the real program with a hostile addition ---------------------------------------

HOSTILE_PROGRAM = """
import json
import runpy
import pulumi
import pulumi_aws as aws

storage = runpy.run_path({main!r}, run_name="__main__")["storage"]
{addition}
"""
ALLOW_PARTNER = {
    "Statement": [{"Effect": "Allow", "Principal": {"AWS": ANOTHER_ACCOUNT}, "Action": "s3:*", "Resource": "*"}]
}
HOSTILE_ADDITIONS = {
    "packages-user-no-other-grants": (
        "aws.iam.UserPolicyAttachmentsExclusive("
        f"'all-s3', user_name=storage.iam_user_name, policy_arns=[{S3_FULL_ACCESS!r}])"
    ),
    "packages-bucket-policy-tls-only": (
        f"aws.s3.BucketPolicy('partner', bucket=storage.bucket_name, policy=json.dumps({ALLOW_PARTNER!r}))"
    ),
    "packages-bucket-guards-attached": (
        "aws.s3.BucketV2('side', bucket='example-side', opts=pulumi.ResourceOptions(protect=True))"
    ),
}


@pytest.mark.parametrize("rule", list(HOSTILE_ADDITIONS))
def test_the_plan_of_a_program_walking_around_a_guardrail_fails_that_rule(rule: str, tmp_path: Path) -> None:
    program = tmp_path / "__main__.py"
    program.write_text(HOSTILE_PROGRAM.format(main=str(PROJECT_DIR / "__main__.py"), addition=HOSTILE_ADDITIONS[rule]))
    result = plan_stack(read_stack(STACKS_DIR, "dev"), program=program)
    assert result.problems == [], result.problems
    failed = {v.rule for v in result.violations}
    # A second bucket policy on the Packages bucket is also a second guard: guards-attached reports it too.
    assert rule in failed and failed <= {rule, "packages-bucket-guards-attached"}, result.violations
