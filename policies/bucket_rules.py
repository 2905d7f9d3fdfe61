"""The pack's rules for the Packages bucket and what guards it.

Each rule matches every type the provider has for its kind of resource (ghes_packages.resource_types): a
bucket declared as `aws.s3.BucketV2`, or encryption as `BucketServerSideEncryptionConfigurationV2`, is held
to the same rules as the program's own. Other kinds of S3 bucket (directory buckets, vector buckets) cannot
hold Packages and cannot carry the guards: the guards rule refuses them.
"""

from __future__ import annotations

from collections.abc import Mapping

import pulumi
from pulumi_policy import ReportViolation, ResourceValidationArgs, StackValidationArgs

from ghes_packages.project import PROJECT
from ghes_packages.resource_types import (
    BUCKET_POLICIES,
    BUCKETS,
    ENCRYPTIONS,
    MINIO_BUCKET,
    OTHER_BUCKETS,
    OWNERSHIPS,
    PUBLIC_ACCESS_BLOCKS,
)

from . import documents
from .linking import attached, known

# What every bucket of the stack must have attached: in words, and every type of it.
GUARDS = {
    "public access block": PUBLIC_ACCESS_BLOCKS,
    "default encryption configuration": ENCRYPTIONS,
    "bucket policy (TLS-only)": BUCKET_POLICIES,
    "ownership controls": OWNERSHIPS,
}
# Every kind of bucket the stack might declare; only BUCKETS (general-purpose) can be the Packages bucket.
ANY_BUCKET = BUCKETS | OTHER_BUCKETS
PUBLIC_ACCESS_FLAGS = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
SSE_ALGORITHMS = ("AES256", "aws:kms", "aws:kms:dsse")
OWNER_ENFORCED = "BucketOwnerEnforced"
DENY = "Deny"
ACTIONS_BUCKET_SETTING = "actionsBucketName"
ACTIONS_BUCKETS_CONFIG = "actionsBucketNames"


def kind(resource_type: str) -> str:
    """A type token's resource name, for messages: `aws:s3/bucketV2:BucketV2` -> `BucketV2`."""
    return resource_type.rpartition(":")[2]


# --- resource rules ----------------------------------------------------------------------------------


def bucket_protected(args: ResourceValidationArgs, report: ReportViolation) -> None:
    """The bucket (AWS or MinIO) is protected and never force-destroyed: moving Packages storage needs a migration."""
    if args.resource_type not in ANY_BUCKET | {MINIO_BUCKET}:
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
    """The Packages bucket (AWS or MinIO) is not the GitHub Actions bucket (GitHub recommends a dedicated bucket)."""
    if args.resource_type not in ANY_BUCKET | {MINIO_BUCKET}:
        return
    name = args.props.get("bucket")
    if name and name in configured_actions_buckets(args):
        report(f"bucket '{name}' is the GitHub Actions bucket; Packages needs a dedicated bucket", None)


def public_access_block_on(args: ResourceValidationArgs, report: ReportViolation) -> None:
    """All four public access block settings are on."""
    if args.resource_type not in PUBLIC_ACCESS_BLOCKS:
        return
    off = [flag for flag in PUBLIC_ACCESS_FLAGS if args.props.get(flag) is not True]
    if off:
        report(f"public access block has {', '.join(off)} off; all four must be true", None)


def bucket_encrypted(args: ResourceValidationArgs, report: ReportViolation) -> None:
    """Default encryption is SSE-S3 or SSE-KMS."""
    if args.resource_type not in ENCRYPTIONS:
        return
    rules = args.props.get("rules") or []
    algorithms = [
        (rule.get("applyServerSideEncryptionByDefault") or {}).get("sseAlgorithm") if isinstance(rule, Mapping) else None
        for rule in rules
    ]
    if not algorithms or any(a not in SSE_ALGORITHMS for a in algorithms):
        report(f"default encryption must apply one of {', '.join(SSE_ALGORITHMS)} (got {algorithms or 'no rule'})", None)


def bucket_policy_tls_only(args: ResourceValidationArgs, report: ReportViolation) -> None:
    """The bucket policy denies every request made without TLS, and allows nothing.

    Access to the bucket comes from the Packages user's own IAM policy only; an Allow here (`s3:*` to another
    account, say) would open the bucket around it. A policy written inline on the bucket is refused: S3 keeps
    one policy per bucket, and this rule checks it as its own resource.
    """
    if args.resource_type in BUCKETS:
        if args.props.get("policy"):
            report(
                f"the {kind(args.resource_type)} sets its policy inline; declare it as one BucketPolicy resource, "
                "which this rule checks (S3 keeps one policy, the two would overwrite each other)",
                None,
            )
        return
    if args.resource_type not in BUCKET_POLICIES:
        return
    try:
        document = documents.load(args.props.get("policy"))
    except documents.DocumentError as error:
        report(f"the bucket policy {error}", None)
        return
    for label, statement in documents.statements(document):
        if statement.get("Effect") != DENY:
            report(
                f"the bucket policy {label} has Effect {statement.get('Effect')!r}; it may only deny: "
                "the Packages user's own IAM policy is what grants access",
                None,
            )
    if not documents.denies_insecure_transport(document):
        report(
            "the bucket policy must deny everyone (Principal *) every S3 action on the bucket and its objects "
            "when aws:SecureTransport is false",
            None,
        )


def ownership_enforced(args: ResourceValidationArgs, report: ReportViolation) -> None:
    """Object ownership is BucketOwnerEnforced: ACLs are off, the bucket owner owns every object."""
    if args.resource_type not in OWNERSHIPS:
        return
    rule = args.props.get("rule") or {}
    got = rule.get("objectOwnership") if isinstance(rule, Mapping) else None
    if got != OWNER_ENFORCED:
        report(f"object ownership must be {OWNER_ENFORCED} (got {got})", None)


# --- stack rules -------------------------------------------------------------------------------------


def bucket_guards_attached(args: StackValidationArgs, report: ReportViolation) -> None:
    """Every bucket is general-purpose and has exactly one public access block, encryption, policy and ownership."""
    for bucket in (r for r in args.resources if r.resource_type in ANY_BUCKET):
        label = known(bucket.props, "bucket") or bucket.name
        if bucket.resource_type in OTHER_BUCKETS:
            report(
                f"bucket {label} is a {kind(bucket.resource_type)}; Packages storage is a general-purpose S3 bucket "
                f"({', '.join(sorted(kind(t) for t in BUCKETS))}), the only kind these guards apply to",
                bucket.urn,
            )
            continue
        for what, types in GUARDS.items():
            found = [r for r in args.resources if r.resource_type in types and attached(r, "bucket", bucket, "bucket")]
            if not found:
                report(f"bucket {label} has no {what}", bucket.urn)
            elif len(found) > 1:
                report(
                    f"bucket {label} has {len(found)} {what} resources; S3 keeps one, they would overwrite each other",
                    bucket.urn,
                )
