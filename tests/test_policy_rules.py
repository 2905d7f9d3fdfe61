"""Each rule of the policy pack, passing and failing, called directly with pulumi_policy's own arguments."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pulumi
import pytest
from pulumi_policy import (
    EnforcementLevel,
    PolicyResource,
    ResourceValidationArgs,
)
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, UnknownValueError

from components.iam_policy import KMS_ACTIONS, BucketAction, ObjectAction, packages_policy_document, tls_only_bucket_policy
from ghes_packages import resource_types as rt
from ghes_packages.plan.evaluation import Evaluation
from ghes_packages.plan.guardrails import policy_resources
from ghes_packages.project import PROJECT_DIR
from policies import bucket_rules, iam_rules, rules
from tests.helpers import code_strings, project_sources, resource, stack, violations, with_props

ARN = "arn:aws:s3:::example-packages"
OTHER_ARN = "arn:aws:s3:::example-other"
KEY = "arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
GUARD_TYPES = frozenset().union(*bucket_rules.GUARDS.values())
# An S3 action GHES does not need: the kind of grant a careless change adds.
EXTRA_ACTION = "s3:PutBucketPolicy"


def user_policy(document: Any) -> ResourceValidationArgs:
    return resource(rt.USER_POLICY, {"policy": document if isinstance(document, str) else json.dumps(document)})


def least_privilege(document: Any) -> list[str]:
    return violations(iam_rules.iam_policy_least_privilege, user_policy(document))


# --- the IAM policy ----------------------------------------------------------------------------------


def test_the_programs_policy_passes_with_and_without_a_kms_key() -> None:
    assert least_privilege(packages_policy_document(ARN)) == []
    assert least_privilege(packages_policy_document(ARN, KEY)) == []


def test_an_eighth_action_fails() -> None:
    document = packages_policy_document(ARN)
    document["Statement"][1]["Action"].append(EXTRA_ACTION)
    assert any(EXTRA_ACTION in v and "none of the seven" in v for v in least_privilege(document))


@pytest.mark.parametrize("wildcard", ["s3:*", "*", "s3:Get*", "s3:?etObject"])
def test_a_wildcard_action_fails(wildcard: str) -> None:
    document = packages_policy_document(ARN)
    document["Statement"][1]["Action"].append(wildcard)
    assert any(f"wildcard action '{wildcard}'" in v for v in least_privilege(document))


def test_allow_everything_is_reported_as_its_two_wildcards_only() -> None:
    document = {"Version": "2012-10-17", "Statement": [{"Sid": "All", "Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
    assert least_privilege(document) == [
        "the IAM policy All: wildcard resource '*'",
        "the IAM policy All: wildcard action 's3:*'",
    ]


@pytest.mark.parametrize("wildcard", ["*", "arn:aws:s3:::*", "arn:aws:s3:::example-*/*"])
def test_a_wildcard_resource_fails(wildcard: str) -> None:
    document = packages_policy_document(ARN)
    document["Statement"][0]["Resource"] = [ARN, wildcard]
    assert any(f"wildcard resource '{wildcard}'" in v for v in least_privilege(document))


def test_object_actions_on_the_bucket_arn_fail() -> None:
    document = packages_policy_document(ARN)
    document["Statement"][1]["Resource"] = ARN
    found = least_privilege(document)
    assert any(ObjectAction.GET_OBJECT in v and "only on the bucket's objects" in v for v in found), found


def test_bucket_actions_on_the_objects_fail() -> None:
    document = packages_policy_document(ARN)
    document["Statement"][0]["Resource"] = f"{ARN}/*"
    assert any(f"{BucketAction.LIST_BUCKET} " in v and "only on the bucket ARN" in v for v in least_privilege(document))


def test_a_missing_action_fails() -> None:
    document = packages_policy_document(ARN)
    document["Statement"][1]["Action"].remove(ObjectAction.DELETE_OBJECT)
    assert least_privilege(document) == [
        f"the IAM policy does not allow {ObjectAction.DELETE_OBJECT}, one of the seven S3 actions GHES needs"
    ]


def test_a_second_bucket_fails() -> None:
    document = packages_policy_document(ARN)
    document["Statement"][1]["Resource"] = f"{OTHER_ARN}/*"
    assert any("names 2 buckets" in v for v in least_privilege(document))


@pytest.mark.parametrize("key", ["NotAction", "NotResource"])
def test_allow_with_not_action_or_not_resource_fails(key: str) -> None:
    document = packages_policy_document(ARN)
    document["Statement"].append({"Sid": "Sneaky", "Effect": "Allow", key: ["s3:DeleteBucket"], "Resource": ARN})
    assert any(v.startswith(f"the IAM policy Sneaky: Allow with {key}") for v in least_privilege(document))


def test_action_names_are_case_insensitive_as_in_aws() -> None:
    document = packages_policy_document(ARN)
    document["Statement"][1]["Action"] = [a.lower() for a in document["Statement"][1]["Action"]]
    assert least_privilege(document) == []


def test_a_single_statement_and_string_actions_are_read_like_aws_does() -> None:
    document = packages_policy_document(ARN)
    bucket, objects = document["Statement"]
    split = [{**bucket, "Action": action} for action in bucket["Action"]]
    assert least_privilege({**document, "Statement": [*split, objects]}) == []
    assert any("does not allow" in v for v in least_privilege({**document, "Statement": objects}))


def test_a_deny_statement_is_allowed_it_only_takes_away() -> None:
    document = packages_policy_document(ARN)
    document["Statement"].append(
        {"Effect": "Deny", "Action": "s3:*", "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}
    )
    assert least_privilege(document) == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda s: s.update(Resource="*"), "wildcard resource '*'"),
        (lambda s: s.update(Resource="arn:aws:kms:us-west-2:111122223333:alias/packages"), "only on one KMS key ARN"),
        (lambda s: s.update(Action=KMS_ACTIONS[1]), f"without {KMS_ACTIONS[0]}"),
        (lambda s: s.update(Resource=[KEY, KEY.replace("1234abcd", "5678abcd")]), "on 2 keys"),
        (lambda s: s.update(Action=[*KMS_ACTIONS, "kms:CreateGrant"]), "'kms:CreateGrant', which is none of the seven"),
    ],
)
def test_the_kms_statement_is_only_the_kms_actions_on_one_key(
    change: Callable[[dict[str, Any]], None], expected: str
) -> None:
    document = packages_policy_document(ARN, KEY)
    change(document["Statement"][2])
    found = least_privilege(document)
    assert any(expected in v for v in found), found


VIA = "kms:ViaService"
CONTEXT = "kms:EncryptionContext:aws:s3:arn"


def _kms_conditions(document: dict[str, Any]) -> dict[str, Any]:
    conditions: dict[str, Any] = document["Statement"][2]["Condition"]["StringEquals"]
    return conditions


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda c: c.pop(VIA), f"without the condition StringEquals {VIA}"),
        (lambda c: c.pop(CONTEXT), f"without the condition StringEquals {CONTEXT}"),
        (lambda c: c.update({VIA: "ec2.us-west-2.amazonaws.com"}), "s3.us-west-2.amazonaws.com"),
        (lambda c: c.update({VIA: ["s3.us-west-2.amazonaws.com", "ec2.us-west-2.amazonaws.com"]}), "exactly one value"),
        (lambda c: c.update({CONTEXT: OTHER_ARN}), f"{CONTEXT} must be the Packages bucket's ARN"),
        (lambda c: c.update({CONTEXT: f"{ARN}/*"}), f"{CONTEXT} must be the Packages bucket's ARN"),
    ],
)
def test_the_kms_statement_needs_s3_and_this_bucket_as_conditions(
    change: Callable[[dict[str, Any]], None], expected: str
) -> None:
    document = packages_policy_document(ARN, KEY)
    change(_kms_conditions(document))
    found = least_privilege(document)
    assert any(expected in v for v in found), found


def test_a_kms_statement_without_conditions_fails() -> None:
    document = packages_policy_document(ARN, KEY)
    del document["Statement"][2]["Condition"]
    found = least_privilege(document)
    assert any(VIA in v for v in found) and any(CONTEXT in v for v in found), found


def test_kms_conditions_under_a_looser_operator_fail() -> None:
    document = packages_policy_document(ARN, KEY)
    statement = document["Statement"][2]
    statement["Condition"] = {"StringLike": {VIA: "s3.*", CONTEXT: "*"}}
    found = least_privilege(document)
    assert any(f"without the condition StringEquals {VIA}" in v for v in found), found


def test_a_policy_that_is_not_json_fails() -> None:
    assert least_privilege("{not json") == [
        "the IAM policy is not valid JSON (Expecting property name enclosed in double quotes)"
    ]


def test_an_unknown_policy_in_preview_is_no_violation_but_unknown() -> None:
    # pulumi_policy turns UnknownValueError into an advisory "can't run during preview"; the rule runs at update.
    found: list[str] = []
    with pytest.raises(UnknownValueError):
        iam_rules.iam_policy_least_privilege(user_policy(UNKNOWN_STRING_VALUE), lambda m, u=None: found.append(m))
    assert found == []


def test_other_resource_types_are_not_checked_as_the_iam_policy() -> None:
    assert violations(iam_rules.iam_policy_least_privilege, resource(rt.BUCKET, {"policy": "{}"})) == []


# --- grants besides the inline policy ------------------------------------------------------------------


@pytest.mark.parametrize("type_", sorted(iam_rules.OTHER_GRANTS))
def test_any_other_grant_to_a_user_fails(type_: str) -> None:
    assert violations(iam_rules.user_has_no_other_grants, resource(type_, {"user": "u"})) != []


def test_the_user_itself_is_no_other_grant() -> None:
    assert violations(iam_rules.user_has_no_other_grants, resource("aws:iam/user:User", {"name": "u"})) == []


# --- the bucket --------------------------------------------------------------------------------------


def test_a_protected_bucket_passes_and_an_unprotected_one_fails() -> None:
    assert violations(bucket_rules.bucket_protected, resource(rt.BUCKET, {"bucket": "b"}, protect=True)) == []
    assert any("not protected" in v for v in violations(bucket_rules.bucket_protected, resource(rt.BUCKET, {"bucket": "b"})))


def test_a_force_destroyed_bucket_fails_even_when_protected() -> None:
    args = resource(rt.BUCKET, {"bucket": "b", "forceDestroy": True}, protect=True)
    assert any("forceDestroy" in v for v in violations(bucket_rules.bucket_protected, args))


@pytest.fixture
def stack_config() -> Iterator[Callable[[dict[str, str]], None]]:
    """Set the stack configuration a policy pack reads (the engine passes it in PULUMI_CONFIG)."""
    yield lambda config: pulumi.runtime.set_all_config(config, [])
    pulumi.runtime.set_all_config({}, [])


def test_the_actions_bucket_fails_from_the_stacks_setting(stack_config: Callable[[dict[str, str]], None]) -> None:
    stack_config({"ghes-packages:actionsBucketName": "example-actions"})
    assert violations(bucket_rules.bucket_not_actions_bucket, resource(rt.BUCKET, {"bucket": "example-packages"})) == []
    found = violations(bucket_rules.bucket_not_actions_bucket, resource(rt.BUCKET, {"bucket": "example-actions"}))
    assert found == ["bucket 'example-actions' is the GitHub Actions bucket; Packages needs a dedicated bucket"]


def test_the_actions_bucket_fails_from_the_packs_config(stack_config: Callable[[dict[str, str]], None]) -> None:
    stack_config({})
    config = {bucket_rules.ACTIONS_BUCKETS_CONFIG: ["org-actions-1", "org-actions-2"]}
    rule = bucket_rules.bucket_not_actions_bucket
    assert violations(rule, resource(rt.BUCKET, {"bucket": "org-actions-2"}, config=config))
    assert not violations(rule, resource(rt.BUCKET, {"bucket": "packages"}, config=config))
    assert not violations(rule, resource(rt.BUCKET, {"bucket": "org-actions-2"}))


def test_all_four_public_access_flags_on_pass() -> None:
    on = dict.fromkeys(bucket_rules.PUBLIC_ACCESS_FLAGS, True)
    assert violations(bucket_rules.public_access_block_on, resource(rt.PUBLIC_ACCESS_BLOCK, on)) == []


@pytest.mark.parametrize("flag", bucket_rules.PUBLIC_ACCESS_FLAGS)
def test_one_public_access_flag_off_or_missing_fails(flag: str) -> None:
    for props in (
        {**dict.fromkeys(bucket_rules.PUBLIC_ACCESS_FLAGS, True), flag: False},
        {f: True for f in bucket_rules.PUBLIC_ACCESS_FLAGS if f != flag},
    ):
        found = violations(bucket_rules.public_access_block_on, resource(rt.PUBLIC_ACCESS_BLOCK, props))
        assert found == [f"public access block has {flag} off; all four must be true"]


def _sse(*algorithms: str) -> ResourceValidationArgs:
    return resource(
        rt.ENCRYPTION, {"rules": [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": a}} for a in algorithms]}
    )


def test_sse_s3_and_sse_kms_pass() -> None:
    assert violations(bucket_rules.bucket_encrypted, _sse("AES256")) == []
    assert violations(bucket_rules.bucket_encrypted, _sse("aws:kms")) == []


def test_no_encryption_rule_or_an_unknown_algorithm_fails() -> None:
    assert violations(bucket_rules.bucket_encrypted, _sse()) != []
    assert violations(bucket_rules.bucket_encrypted, _sse("none")) != []
    assert violations(bucket_rules.bucket_encrypted, resource(rt.ENCRYPTION, {"rules": [{}]})) != []


def _bucket_policy(document: Any) -> list[str]:
    return violations(bucket_rules.bucket_policy_tls_only, resource(rt.BUCKET_POLICY, {"policy": json.dumps(document)}))


def test_the_programs_tls_only_bucket_policy_passes() -> None:
    assert _bucket_policy(tls_only_bucket_policy(ARN)) == []


@pytest.mark.parametrize(
    "change",
    [
        lambda s: s.update(Effect="Allow"),
        lambda s: s.update(Principal={"AWS": "arn:aws:iam::111122223333:root"}),
        lambda s: s.update(Resource=ARN),
        lambda s: s.update(Resource=f"{ARN}/*"),
        lambda s: s.update(Action=[ObjectAction.GET_OBJECT]),
        lambda s: s.update(Condition={"Bool": {"aws:SecureTransport": "true"}}),
        lambda s: s["Condition"].update(StringEquals={"aws:PrincipalAccount": "111122223333"}),
        lambda s: s.pop("Condition"),
    ],
)
def test_a_bucket_policy_without_the_full_tls_deny_fails(change: Callable[[dict[str, Any]], Any]) -> None:
    document = tls_only_bucket_policy(ARN)
    document["Statement"] = document["Statement"][:1]  # the TLS version statement alone does not deny plain HTTP
    change(document["Statement"][0])
    assert _bucket_policy(document) != []


def test_the_tls_deny_may_be_written_differently() -> None:
    deny = copy.deepcopy(tls_only_bucket_policy(ARN)["Statement"][0])
    deny.update(Principal={"AWS": ["*"]}, Action="*", Condition={"Bool": {"aws:securetransport": False}})
    assert _bucket_policy({"Statement": deny}) == []


def test_ownership_enforced_passes_and_object_writer_fails() -> None:
    enforced = resource(rt.OWNERSHIP, {"rule": {"objectOwnership": bucket_rules.OWNER_ENFORCED}})
    assert violations(bucket_rules.ownership_enforced, enforced) == []
    writer = resource(rt.OWNERSHIP, {"rule": {"objectOwnership": "ObjectWriter"}})
    assert violations(bucket_rules.ownership_enforced, writer) == [
        "object ownership must be BucketOwnerEnforced (got ObjectWriter)"
    ]
    assert violations(bucket_rules.ownership_enforced, resource(rt.OWNERSHIP, {})) != []


# --- stack rules, on the resources the real program declares -------------------------------------------


def test_the_real_stacks_pass_the_stack_rules(prod: Evaluation, minimal: Evaluation) -> None:
    for evaluation in (prod, minimal):
        resources = policy_resources(evaluation.resources)
        assert violations(bucket_rules.bucket_guards_attached, stack(resources)) == []
        assert violations(iam_rules.iam_policy_targets_packages_bucket, stack(resources)) == []


@pytest.mark.parametrize("guard", list(bucket_rules.GUARDS))
def test_a_bucket_without_a_guard_fails(prod: Evaluation, guard: str) -> None:
    resources = [r for r in policy_resources(prod.resources) if r.resource_type not in bucket_rules.GUARDS[guard]]
    assert violations(bucket_rules.bucket_guards_attached, stack(resources)) == [
        f"bucket example-ghes-prod-packages has no {guard}"
    ]


def test_a_guard_of_another_bucket_does_not_count(prod: Evaluation) -> None:
    resources = [
        with_props(r, bucket="someone-elses-bucket") if r.resource_type == rt.PUBLIC_ACCESS_BLOCK else r
        for r in policy_resources(prod.resources)
    ]
    assert violations(bucket_rules.bucket_guards_attached, stack(resources)) == [
        "bucket example-ghes-prod-packages has no public access block"
    ]


def test_two_bucket_policies_fail(prod: Evaluation) -> None:
    resources = policy_resources(prod.resources)
    resources += [r for r in resources if r.resource_type == rt.BUCKET_POLICY]
    assert any("2 bucket policy" in v for v in violations(bucket_rules.bucket_guards_attached, stack(resources)))


def test_in_preview_an_unknown_bucket_id_falls_back_to_the_dependency_graph(prod: Evaluation) -> None:
    resources = [
        with_props(r, bucket=UNKNOWN_STRING_VALUE) if r.resource_type in GUARD_TYPES else r
        for r in policy_resources(prod.resources)
    ]
    assert violations(bucket_rules.bucket_guards_attached, stack(resources)) == []
    unlinked = [
        PolicyResource(r.resource_type, r.props, r.urn, r.name, r.opts, None, None, [], {})
        if r.resource_type == rt.OWNERSHIP
        else r
        for r in resources
    ]
    assert violations(bucket_rules.bucket_guards_attached, stack(unlinked)) == [
        "bucket example-ghes-prod-packages has no ownership controls"
    ]


def _replace_policy(resources: list[PolicyResource], document: dict[str, Any]) -> list[PolicyResource]:
    return [with_props(r, policy=json.dumps(document)) if r.resource_type == rt.USER_POLICY else r for r in resources]


def test_an_iam_policy_for_another_bucket_fails(prod: Evaluation) -> None:
    resources = _replace_policy(
        policy_resources(prod.resources), packages_policy_document(OTHER_ARN, KEY.replace("1234abcd", "0000abcd"))
    )
    found = violations(iam_rules.iam_policy_targets_packages_bucket, stack(resources))
    assert any(f"S3 actions on {OTHER_ARN}, which is not a bucket of this stack" in v for v in found), found
    assert any("does not encrypt the bucket" in v for v in found) and any("does not allow its use" in v for v in found)


def test_a_customer_key_without_the_kms_statement_fails(prod: Evaluation) -> None:
    resources = _replace_policy(
        policy_resources(prod.resources), packages_policy_document("arn:aws:s3:::example-ghes-prod-packages")
    )
    found = violations(iam_rules.iam_policy_targets_packages_bucket, stack(resources))
    assert len(found) == 1 and "does not allow its use" in found[0]


def test_a_kms_statement_without_a_customer_key_fails(minimal: Evaluation) -> None:
    arn = minimal.outputs["bucketArn"]
    resources = _replace_policy(policy_resources(minimal.resources), packages_policy_document(arn, KEY))
    assert violations(iam_rules.iam_policy_targets_packages_bucket, stack(resources)) == [
        f"the IAM policy grants use of KMS key {KEY}, which does not encrypt the bucket"
    ]


def test_an_unknown_bucket_arn_in_preview_skips_the_bucket_check(prod: Evaluation) -> None:
    resources = [
        with_props(r, arn=UNKNOWN_STRING_VALUE) if r.resource_type == rt.BUCKET else r
        for r in policy_resources(prod.resources)
    ]
    resources = _replace_policy(resources, packages_policy_document(OTHER_ARN, KEY))
    assert violations(iam_rules.iam_policy_targets_packages_bucket, stack(resources)) == []


# --- the pack ----------------------------------------------------------------------------------------


def test_every_rule_but_the_key_age_is_mandatory_and_named_once() -> None:
    names = [p.name for p in rules.POLICIES]
    assert len(names) == len(set(names)) == 16, "10 rules for AWS stacks, 5 for MinIO stacks, 1 for key age"
    advisory = [p.name for p in rules.POLICIES if p.enforcement_level != EnforcementLevel.MANDATORY]
    assert advisory == ["packages-access-key-age"], f"only the key-age rule may be advisory, got {advisory}"


def test_no_module_but_iam_policy_writes_an_s3_action() -> None:
    # The seven actions are written once, in components/iam_policy.py; a rule or probe that retyped one could drift.
    from components.iam_policy import PACKAGES_S3_ACTIONS

    sources = [path for path in project_sources("**/*.py") if "tests" not in path.relative_to(PROJECT_DIR).parts]
    assert len(sources) > 20, "the project's modules were not found"
    for path in sources:
        restated = [a for a in PACKAGES_S3_ACTIONS if a in code_strings(path)]
        if path.relative_to(PROJECT_DIR) != Path("components/iam_policy.py"):
            assert not restated, f"{path} restates {restated}; import them from components.iam_policy"
