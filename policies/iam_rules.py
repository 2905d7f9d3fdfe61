"""The pack's rules for the Packages IAM user: one inline policy, exactly the seven S3 actions, nothing else.

Everything that could give the user more is derived from the provider's IAM resource classes
(ghes_packages.resource_types), so an attachment kind the provider adds is refused without a change here.
"""

from __future__ import annotations

from pulumi_policy import PolicyResource, ReportViolation, ResourceValidationArgs, StackValidationArgs

from ghes_packages.resource_types import BUCKETS, ENCRYPTIONS, IAM_GRANTS, IAM_SIGN_INS, USER, USER_POLICY

from . import documents
from .bucket_rules import kind
from .linking import attached, known

# Ways to give an IAM user more than its inline policy: permissions, or another way to sign in.
OTHER_GRANTS = IAM_GRANTS | IAM_SIGN_INS


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
    """Nothing attaches permissions (policies of any kind, groups) or another credential to an IAM user.

    Refused whichever user or group it names: during preview an auto-named user's name is unknown, and a
    Packages stack has no other principal to grant to.
    """
    if args.resource_type in IAM_GRANTS:
        report(
            f"{kind(args.resource_type)} would grant permissions beyond the Packages user's one inline policy "
            "(the seven S3 actions)",
            None,
        )
    elif args.resource_type in IAM_SIGN_INS:
        report(
            f"{kind(args.resource_type)} would give an IAM user of the stack a way to sign in besides its access key, "
            "the only credential GHES uses",
            None,
        )


def _customer_keys(resources: list[PolicyResource]) -> set[str] | None:
    """The KMS keys the stack's buckets are encrypted with; None while one is not known (preview)."""
    keys: set[str] = set()
    for sse in (r for r in resources if r.resource_type in ENCRYPTIONS):
        rules = known(sse.props, "rules")
        if rules is None:
            return None
        for rule in rules:
            key = known(known(rule, "applyServerSideEncryptionByDefault") or {}, "kmsMasterKeyId")
            if key:
                keys.add(str(key))
    return keys


def _one_inline_policy_each(args: StackValidationArgs, report: ReportViolation) -> None:
    """A second inline policy would add permissions that no single policy shows."""
    policies = [r for r in args.resources if r.resource_type == USER_POLICY]
    for user in (r for r in args.resources if r.resource_type == USER):
        own = [p for p in policies if attached(p, "user", user, "name")]
        if len(own) > 1:
            report(
                f"IAM user {known(user.props, 'name') or user.name} has {len(own)} inline policies "
                f"({', '.join(p.name for p in own)}); the Packages user has one, the seven S3 actions",
                user.urn,
            )


def iam_policy_targets_packages_bucket(args: StackValidationArgs, report: ReportViolation) -> None:
    """Each user has one IAM policy; it names this stack's bucket, and the KMS key exactly when the bucket uses one."""
    _one_inline_policy_each(args, report)
    arns = [known(r.props, "arn") for r in args.resources if r.resource_type in BUCKETS]
    keys = _customer_keys(args.resources)
    for user_policy in (r for r in args.resources if r.resource_type == USER_POLICY):
        try:
            document = documents.load(known(user_policy.props, "policy"))
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
