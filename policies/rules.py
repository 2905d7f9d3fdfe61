"""The rules of the ghes-packages policy pack: what must stay true of every stack, whatever a change does.

Each validation is a plain function of (args, report_violation), so tests and the offline plan call it
directly with pulumi_policy's own argument objects; `POLICIES` wraps them for the pack (policies/__main__.py).
The rules live by concept: iam_rules.py (the Packages user), bucket_rules.py (the bucket and its guards),
minio_rules.py (what MinIO stacks add).

During `pulumi preview` some values are unknown until AWS creates a resource (the bucket's ARN, so also the
IAM policy's JSON). Reading one raises pulumi_policy's UnknownValueError, which the pack reports as an
advisory "can't run during preview", never as a violation; the rule then runs with the real value during
`pulumi up`, before the resource is created. Stack rules fall back to the dependency graph where a value
is unknown.
"""

from __future__ import annotations

from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyConfigSchema,
    ResourceValidationPolicy,
    StackValidationPolicy,
)

from . import key_age
from .bucket_rules import (
    ACTIONS_BUCKETS_CONFIG,
    bucket_encrypted,
    bucket_guards_attached,
    bucket_not_actions_bucket,
    bucket_policy_tls_only,
    bucket_protected,
    ownership_enforced,
    public_access_block_on,
)
from .iam_rules import iam_policy_least_privilege, iam_policy_targets_packages_bucket, user_has_no_other_grants
from .minio_rules import MINIO_POLICIES


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
        "No policy attachment (of any kind), group policy, group membership or credential besides the access key is "
        "given to an IAM user of the stack.",
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
        "The bucket policy denies every request made without TLS and allows nothing (no Allow, no inline policy).",
        bucket_policy_tls_only,
    ),
    _resource_rule(
        "packages-bucket-owner-enforced",
        "The bucket's object ownership is BucketOwnerEnforced (ACLs off).",
        ownership_enforced,
    ),
    _stack_rule(
        "packages-bucket-guards-attached",
        "Every bucket is a general-purpose bucket with one public access block, encryption configuration, bucket "
        "policy and ownership controls.",
        bucket_guards_attached,
    ),
    _stack_rule(
        "packages-iam-policy-targets-bucket",
        "Each IAM user has one inline policy; it names this stack's bucket, and its KMS key exactly when the bucket "
        "is encrypted with one.",
        iam_policy_targets_packages_bucket,
    ),
    *MINIO_POLICIES,
    key_age.POLICY,
]
