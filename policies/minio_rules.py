"""The pack's rules for MinIO stacks (pulumi-minio resources); rules.py appends them to POLICIES.

The rules that concern every bucket (protected, not the Actions bucket) live in rules.py and cover MinIO's
bucket too. Here: the bucket stays private, the user's policy holds exactly the seven actions on this
stack's bucket, it is attached to that user alone, and nothing else grants the user anything.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UnknownValueError

from ghes_packages.resource_types import (
    MINIO_BUCKET,
    MINIO_BUCKET_POLICY,
    MINIO_GROUP_MEMBERSHIP,
    MINIO_GROUP_USER_ATTACHMENT,
    MINIO_POLICY,
    MINIO_SERVICE_ACCOUNT,
    MINIO_USER,
    MINIO_USER_POLICY_ATTACHMENT,
)

from . import documents

PRIVATE_ACL = "private"
# Ways to put a MinIO user in a group, whose policies it would then hold as well.
GROUP_GRANTS = (MINIO_GROUP_USER_ATTACHMENT, MINIO_GROUP_MEMBERSHIP)


def _known(props: Mapping[str, Any], key: str) -> Any:
    """A property's value, or None when it is absent or not known yet (preview)."""
    try:
        return props.get(key)
    except UnknownValueError:
        return None


def _policy_problems(what: str, value: Any, report: ReportViolation) -> None:
    try:
        document = documents.load(value)
    except documents.DocumentError as error:
        report(f"{what} {error}", None)
        return
    for problem in documents.least_privilege_problems(document):
        report(f"{what} {problem}", None)
    if documents.kms_keys(document):
        report(f"{what} grants KMS actions; MinIO's encryption is the server's, the key needs none", None)


def minio_policy_least_privilege(args: ResourceValidationArgs, report: ReportViolation) -> None:
    """A MinIO policy (and a service account's own policy, if set) allows exactly the seven S3 actions."""
    if args.resource_type == MINIO_POLICY:
        _policy_problems("the MinIO policy", args.props.get("policy"), report)
    elif args.resource_type == MINIO_SERVICE_ACCOUNT and args.props.get("policy"):
        _policy_problems("the service account's policy", args.props.get("policy"), report)


def minio_bucket_private(args: ResourceValidationArgs, report: ReportViolation) -> None:
    """The bucket's canned ACL is private, and no bucket policy allows anything (MinIO's are for anonymous access)."""
    if args.resource_type == MINIO_BUCKET and args.props.get("acl") != PRIVATE_ACL:
        report(f"the bucket's acl is {args.props.get('acl')!r}; it must be '{PRIVATE_ACL}' (no anonymous access)", None)
    if args.resource_type == MINIO_BUCKET_POLICY:
        try:
            document = documents.load(args.props.get("policy"))
        except documents.DocumentError as error:
            report(f"the bucket policy {error}", None)
            return
        allows = [label for label, s in documents.statements(document) if s.get("Effect") == "Allow"]
        if allows:
            report(f"the bucket policy allows access ({', '.join(allows)}); the Packages bucket needs none", None)


def minio_user_in_no_group(args: ResourceValidationArgs, report: ReportViolation) -> None:
    """No MinIO user of the stack joins a group: a group's policies would add to the seven actions."""
    if args.resource_type in GROUP_GRANTS:
        report(f"{args.resource_type.rpartition(':')[2]} would grant permissions beyond the seven S3 actions", None)


def _linked(resource: PolicyResource, key: str, target: PolicyResource, target_key: str) -> bool:
    """Whether `resource`'s property `key` names `target`: by value when known, else by the dependency graph."""
    value, name = _known(resource.props, key), _known(target.props, target_key)
    if value is not None and name is not None:
        return bool(value == name)
    return any(r.urn == target.urn for r in resource.property_dependencies.get(key) or [])


def minio_policy_attached_to_the_user_only(args: StackValidationArgs, report: ReportViolation) -> None:
    """Each MinIO user holds one policy, a Packages policy of this stack, attached to no one else."""
    of_type = {t: [r for r in args.resources if r.resource_type == t] for t in (MINIO_USER, MINIO_POLICY)}
    attachments = [r for r in args.resources if r.resource_type == MINIO_USER_POLICY_ATTACHMENT]
    for attachment in attachments:
        if not any(_linked(attachment, "policyName", p, "name") for p in of_type[MINIO_POLICY]):
            name = _known(attachment.props, "policyName")
            report(f"attaches policy {name or '(unknown)'}, which is not this stack's Packages policy", attachment.urn)
        if not any(_linked(attachment, "userName", u, "name") for u in of_type[MINIO_USER]):
            report(f"attaches a policy to {_known(attachment.props, 'userName')}, not this stack's user", attachment.urn)
    for user in of_type[MINIO_USER]:
        held = [a for a in attachments if _linked(a, "userName", user, "name")]
        if len(held) != 1:
            report(f"the user holds {len(held)} policy attachments; it must hold exactly the Packages policy", user.urn)
    for policy in of_type[MINIO_POLICY]:
        users = [a for a in attachments if _linked(a, "policyName", policy, "name")]
        if len(users) > 1:
            report(f"the Packages policy is attached {len(users)} times; only to the stack's user", policy.urn)


def minio_policy_targets_bucket(args: StackValidationArgs, report: ReportViolation) -> None:
    """The MinIO policy names this stack's bucket (by its ARN, `arn:aws:s3:::BUCKET`), no other."""
    arns = [_known(r.props, "arn") for r in args.resources if r.resource_type == MINIO_BUCKET]
    if not all(arns):
        return  # not known yet (preview): the rule runs again when it is
    for policy in (r for r in args.resources if r.resource_type == MINIO_POLICY):
        try:
            document = documents.load(_known(policy.props, "policy"))
        except documents.DocumentError:
            continue  # not known yet, or not a document: the least-privilege rule reports the latter
        for bucket in sorted(documents.s3_buckets(document) - set(arns)):
            report(f"the MinIO policy grants S3 actions on {bucket}, which is not a bucket of this stack", policy.urn)


def _resource_rule(name: str, description: str, validate: Any) -> Policy:
    return ResourceValidationPolicy(name, description, validate, enforcement_level=EnforcementLevel.MANDATORY)


def _stack_rule(name: str, description: str, validate: Any) -> Policy:
    return StackValidationPolicy(name, description, validate, enforcement_level=EnforcementLevel.MANDATORY)


MINIO_POLICIES: list[Policy] = [
    _resource_rule(
        "minio-policy-least-privilege",
        "MinIO: the Packages policy allows exactly the seven S3 actions, scoped to the bucket and its objects, no wildcard.",
        minio_policy_least_privilege,
    ),
    _resource_rule(
        "minio-bucket-private",
        "MinIO: the bucket's ACL is private and no bucket policy allows access.",
        minio_bucket_private,
    ),
    _resource_rule(
        "minio-user-in-no-group",
        "MinIO: no group membership adds a group's policies to a user of the stack.",
        minio_user_in_no_group,
    ),
    _stack_rule(
        "minio-policy-attached-to-user-only",
        "MinIO: each user holds exactly one policy, this stack's Packages policy, which no one else holds.",
        minio_policy_attached_to_the_user_only,
    ),
    _stack_rule(
        "minio-policy-targets-bucket",
        "MinIO: the Packages policy names this stack's bucket and no other.",
        minio_policy_targets_bucket,
    ),
]
