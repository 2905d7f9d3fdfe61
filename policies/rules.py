"""The rules of the ghes-packages policy pack: what must stay true of every stack, whatever a change does.

Each validation is a plain function of (args, report_violation), so tests and the offline plan call it
directly with pulumi_policy's own argument objects; `POLICIES` wraps them for the pack (policies/__main__.py).

During `pulumi preview` some values are unknown until AWS creates a resource (the bucket's ARN, so also the
IAM policy's JSON). Reading one raises pulumi_policy's UnknownValueError, which the pack reports as an
advisory "can't run during preview", never as a violation; the rule then runs with the real value during
`pulumi up`, before the resource is created. Stack rules fall back to the dependency graph where a value
is unknown.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi
from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyConfigSchema,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UnknownValueError

from ghes_packages.project import PROJECT
from ghes_packages.resource_types import (
    BUCKET,
    BUCKET_POLICY,
    ENCRYPTION,
    GROUP_MEMBERSHIP,
    OWNERSHIP,
    POLICY_ATTACHMENT,
    PUBLIC_ACCESS_BLOCK,
    USER_GROUP_MEMBERSHIP,
    USER_POLICY,
    USER_POLICY_ATTACHMENT,
)

from . import documents, key_age

# Ways to give an IAM user permissions besides its inline policy.
OTHER_GRANTS = (USER_POLICY_ATTACHMENT, POLICY_ATTACHMENT, USER_GROUP_MEMBERSHIP, GROUP_MEMBERSHIP)
# What every bucket of the stack must have attached, by type, in words.
GUARDS = {
    PUBLIC_ACCESS_BLOCK: "public access block",
    ENCRYPTION: "default encryption configuration",
    BUCKET_POLICY: "bucket policy (TLS-only)",
    OWNERSHIP: "ownership controls",
}
PUBLIC_ACCESS_FLAGS = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
SSE_ALGORITHMS = ("AES256", "aws:kms", "aws:kms:dsse")
OWNER_ENFORCED = "BucketOwnerEnforced"
ACTIONS_BUCKET_SETTING = "actionsBucketName"
ACTIONS_BUCKETS_CONFIG = "actionsBucketNames"


def _known(props: Mapping[str, Any], key: str) -> Any:
    """A property's value, or None when it is absent or not known yet (preview)."""
    try:
        return props.get(key)
    except UnknownValueError:
        return None


# --- resource rules ----------------------------------------------------------------------------------


def iam_policy_least_privilege(args: ResourceValidationArgs, report: ReportViolation) -> None:
    """The Packages user's policy allows exactly the seven S3 actions, each on its own ARN, no wildcard."""
    if args.resource_type != USER_POLICY:
        return
    try:
        document = documents.load(args.props.get("policy"))
    except documents.DocumentError as error:
        report(f"the IAM policy {error}", None)
        return
    for problem in documents.least_privilege_problems(document):
        report(f"the IAM policy {problem}", None)


def user_has_no_other_grants(args: ResourceValidationArgs, report: ReportViolation) -> None:
    """Nothing attaches further permissions (managed policies, groups) to an IAM user of this stack."""
    if args.resource_type in OTHER_GRANTS:
        report(f"{args.resource_type.rpartition(':')[2]} would grant permissions beyond the seven S3 actions", None)


def bucket_protected(args: ResourceValidationArgs, report: ReportViolation) -> None:
    """The bucket is protected and never force-destroyed: moving Packages storage needs a migration."""
    if args.resource_type != BUCKET:
        return
    if not args.opts.protect:
        report("the bucket is not protected: set protect=True so no update can delete or replace it", None)
    if args.props.get("forceDestroy") is True:
        report("forceDestroy is true: deleting the bucket would delete every package in it", None)


def configured_actions_buckets(args: ResourceValidationArgs | StackValidationArgs) -> set[str]:
    """The Actions bucket names: the stack's `actionsBucketName` setting and the pack's `actionsBucketNames`."""
    names = {str(n) for n in args.get_config().get(ACTIONS_BUCKETS_CONFIG, [])}
    setting = pulumi.Config(PROJECT).get(ACTIONS_BUCKET_SETTING)
    return {n.strip() for n in (*names, setting or "") if n.strip()}


def bucket_not_actions_bucket(args: ResourceValidationArgs, report: ReportViolation) -> None:
    """The Packages bucket is not the GitHub Actions bucket (GitHub recommends a dedicated bucket)."""
    if args.resource_type != BUCKET:
        return
    name = args.props.get("bucket")
    if name and name in configured_actions_buckets(args):
        report(f"bucket '{name}' is the GitHub Actions bucket; Packages needs a dedicated bucket", None)


def public_access_block_on(args: ResourceValidationArgs, report: ReportViolation) -> None:
    """All four public access block settings are on."""
    if args.resource_type != PUBLIC_ACCESS_BLOCK:
        return
    off = [flag for flag in PUBLIC_ACCESS_FLAGS if args.props.get(flag) is not True]
    if off:
        report(f"public access block has {', '.join(off)} off; all four must be true", None)


def bucket_encrypted(args: ResourceValidationArgs, report: ReportViolation) -> None:
    """Default encryption is SSE-S3 or SSE-KMS."""
    if args.resource_type != ENCRYPTION:
        return
    rules = args.props.get("rules") or []
    algorithms = [
        (rule.get("applyServerSideEncryptionByDefault") or {}).get("sseAlgorithm") if isinstance(rule, Mapping) else None
        for rule in rules
    ]
    if not algorithms or any(a not in SSE_ALGORITHMS for a in algorithms):
        report(f"default encryption must apply one of {', '.join(SSE_ALGORITHMS)} (got {algorithms or 'no rule'})", None)


def bucket_policy_tls_only(args: ResourceValidationArgs, report: ReportViolation) -> None:
    """The bucket policy denies every request made without TLS."""
    if args.resource_type != BUCKET_POLICY:
        return
    try:
        document = documents.load(args.props.get("policy"))
    except documents.DocumentError as error:
        report(f"the bucket policy {error}", None)
        return
    if not documents.denies_insecure_transport(document):
        report(
            "the bucket policy must deny everyone (Principal *) every S3 action on the bucket and its objects "
            "when aws:SecureTransport is false",
            None,
        )


def ownership_enforced(args: ResourceValidationArgs, report: ReportViolation) -> None:
    """Object ownership is BucketOwnerEnforced: ACLs are off, the bucket owner owns every object."""
    if args.resource_type != OWNERSHIP:
        return
    rule = args.props.get("rule") or {}
    got = rule.get("objectOwnership") if isinstance(rule, Mapping) else None
    if got != OWNER_ENFORCED:
        report(f"object ownership must be {OWNER_ENFORCED} (got {got})", None)


# --- stack rules -------------------------------------------------------------------------------------


def _attached(resource: PolicyResource, bucket: PolicyResource) -> bool:
    """Whether a bucket sub-resource configures `bucket`: by name when known, else by the dependency graph."""
    target, name = _known(resource.props, "bucket"), _known(bucket.props, "bucket")
    if target is not None and name is not None:
        return bool(target == name)
    linked = resource.property_dependencies.get("bucket") or resource.dependencies
    return any(r.urn == bucket.urn for r in linked)


def bucket_guards_attached(args: StackValidationArgs, report: ReportViolation) -> None:
    """Every bucket has exactly one public access block, encryption, bucket policy and ownership controls."""
    for bucket in (r for r in args.resources if r.resource_type == BUCKET):
        label = _known(bucket.props, "bucket") or bucket.name
        for guard, what in GUARDS.items():
            found = [r for r in args.resources if r.resource_type == guard and _attached(r, bucket)]
            if not found:
                report(f"bucket {label} has no {what}", bucket.urn)
            elif len(found) > 1:
                report(
                    f"bucket {label} has {len(found)} {what} resources; S3 keeps one, they would overwrite each other",
                    bucket.urn,
                )


def _customer_keys(resources: list[PolicyResource]) -> set[str] | None:
    """The KMS keys the stack's buckets are encrypted with; None while one is not known (preview)."""
    keys: set[str] = set()
    for sse in (r for r in resources if r.resource_type == ENCRYPTION):
        rules = _known(sse.props, "rules")
        if rules is None:
            return None
        for rule in rules:
            key = _known(_known(rule, "applyServerSideEncryptionByDefault") or {}, "kmsMasterKeyId")
            if key:
                keys.add(str(key))
    return keys


def iam_policy_targets_packages_bucket(args: StackValidationArgs, report: ReportViolation) -> None:
    """The IAM policy names this stack's bucket, and the KMS key exactly when the bucket uses one."""
    arns = [_known(r.props, "arn") for r in args.resources if r.resource_type == BUCKET]
    keys = _customer_keys(args.resources)
    for user_policy in (r for r in args.resources if r.resource_type == USER_POLICY):
        try:
            document = documents.load(_known(user_policy.props, "policy"))
        except documents.DocumentError:
            continue  # not known yet, or not a document: the least-privilege rule reports the latter
        if all(arns):
            for bucket in sorted(documents.s3_buckets(document) - set(arns)):
                report(f"the IAM policy grants S3 actions on {bucket}, which is not a bucket of this stack", user_policy.urn)
        if keys is None:
            continue
        granted = documents.kms_keys(document)
        for key in sorted(granted - keys):
            report(f"the IAM policy grants use of KMS key {key}, which does not encrypt the bucket", user_policy.urn)
        for key in sorted(keys - granted):
            report(f"the bucket is encrypted with KMS key {key}, but the IAM policy does not allow its use", user_policy.urn)


def _resource_rule(name: str, description: str, validate: Any, schema: PolicyConfigSchema | None = None) -> Policy:
    return ResourceValidationPolicy(
        name, description, validate, enforcement_level=EnforcementLevel.MANDATORY, config_schema=schema
    )


def _stack_rule(name: str, description: str, validate: Any) -> Policy:
    return StackValidationPolicy(name, description, validate, enforcement_level=EnforcementLevel.MANDATORY)


_ACTIONS_SCHEMA = PolicyConfigSchema(properties={ACTIONS_BUCKETS_CONFIG: {"type": "array", "items": {"type": "string"}}})

# The pack, in the order the plan prints verdicts. Every rule is mandatory: a violation stops the update.
POLICIES: list[Policy] = [
    _resource_rule(
        "packages-iam-policy-least-privilege",
        "The Packages IAM policy allows exactly the seven S3 actions, scoped to the bucket and its objects, no wildcard.",
        iam_policy_least_privilege,
    ),
    _resource_rule(
        "packages-user-no-other-grants",
        "No managed policy attachment or group membership adds permissions to an IAM user of the stack.",
        user_has_no_other_grants,
    ),
    _resource_rule(
        "packages-bucket-protected",
        "The Packages bucket is protected and not force-destroyed.",
        bucket_protected,
    ),
    _resource_rule(
        "packages-bucket-not-actions-bucket",
        "The Packages bucket is not the GitHub Actions bucket.",
        bucket_not_actions_bucket,
        _ACTIONS_SCHEMA,
    ),
    _resource_rule(
        "packages-public-access-block-on",
        "The bucket's public access block has all four settings on.",
        public_access_block_on,
    ),
    _resource_rule(
        "packages-bucket-encrypted",
        "The bucket has default encryption (SSE-S3 or SSE-KMS).",
        bucket_encrypted,
    ),
    _resource_rule(
        "packages-bucket-policy-tls-only",
        "The bucket policy denies every request made without TLS.",
        bucket_policy_tls_only,
    ),
    _resource_rule(
        "packages-bucket-owner-enforced",
        "The bucket's object ownership is BucketOwnerEnforced (ACLs off).",
        ownership_enforced,
    ),
    _stack_rule(
        "packages-bucket-guards-attached",
        "Every bucket has one public access block, encryption configuration, bucket policy and ownership controls.",
        bucket_guards_attached,
    ),
    _stack_rule(
        "packages-iam-policy-targets-bucket",
        "The IAM policy names this stack's bucket, and its KMS key exactly when the bucket is encrypted with one.",
        iam_policy_targets_packages_bucket,
    ),
    key_age.POLICY,
]
