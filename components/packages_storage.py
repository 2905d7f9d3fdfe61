"""PackagesStorage: the dedicated GHES Packages bucket, its least-privilege IAM user and access key."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from ghes_packages.access_keys import KeyGeneration
from ghes_packages.outputs import StackOutput
from ghes_packages.settings import BUCKET_SUFFIX, USER_SUFFIX, Settings

from .access_keys import IssuedKey, key_name, key_options
from .iam_policy import packages_policy_document, tls_only_bucket_policy
from .storage import PackagesStorageBase

COMPONENT_TYPE = "ghes-packages:storage:PackagesStorage"


@dataclass(frozen=True)
class PackagesStorageArgs:
    """What PackagesStorage builds; see Pulumi.yaml for each setting (and its default, written only there)."""

    bucket_name: str | None
    """The bucket's name; None lets Pulumi auto-name it from the component's name."""
    versioning: bool
    """Keep object versions."""
    noncurrent_version_days: int
    """With versioning, days until a noncurrent version expires."""
    abort_incomplete_upload_days: int
    """Days until an incomplete multipart upload is aborted."""
    kms_key_arn: str | None
    """Customer-managed KMS key for SSE-KMS; None means SSE-S3 (AES256)."""
    permissions_boundary_arn: str | None
    """Permissions boundary of the IAM user."""
    user_path: str
    """IAM path of the user."""
    tags: dict[str, str]
    """Tags for the bucket and the IAM user."""
    access_keys: tuple[KeyGeneration, ...]
    """The access-key generations, oldest first; the newest is emitted (see ghes_packages/access_keys.py)."""

    @classmethod
    def from_settings(cls, settings: Settings) -> PackagesStorageArgs:
        """The component's arguments for a validated stack."""
        return cls(
            bucket_name=settings.bucket_name,
            versioning=settings.versioning,
            noncurrent_version_days=settings.noncurrent_version_days,
            abort_incomplete_upload_days=settings.abort_incomplete_upload_days,
            kms_key_arn=settings.kms_key_arn,
            permissions_boundary_arn=settings.permissions_boundary_arn,
            user_path=settings.user_path,
            tags=settings.tag_map,
            access_keys=settings.access_keys,
        )


class PackagesStorage(PackagesStorageBase):
    """A hardened S3 bucket that only GHES Packages uses, and the IAM user and key GHES signs in with."""

    iam_user_arn: pulumi.Output[str]
    """The IAM user's ARN (AWS only: a MinIO user has none)."""

    def __init__(self, name: str, args: PackagesStorageArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(COMPONENT_TYPE, name, None, opts)
        self._prefix, self._child = name, pulumi.ResourceOptions(parent=self)
        bucket = self._bucket(args)
        self._guards(bucket, args)
        self._lifecycle(bucket, args)
        user, policy_document, keys = self._user_and_keys(bucket, args)
        self.iam_user_arn = user.arn
        self._finish(bucket.bucket, bucket.arn, user.name, policy_document, keys, **{StackOutput.IAM_USER_ARN: user.arn})

    def _bucket(self, args: PackagesStorageArgs) -> aws.s3.Bucket:
        """The bucket, protected and kept on delete: GitHub warns that moving Packages storage needs a migration."""
        return aws.s3.Bucket(
            f"{self._prefix}{BUCKET_SUFFIX}",
            bucket=args.bucket_name,
            force_destroy=False,
            tags=args.tags,
            opts=pulumi.ResourceOptions(parent=self, protect=True, retain_on_delete=True),
        )

    def _guards(self, bucket: aws.s3.Bucket, args: PackagesStorageArgs) -> None:
        """What keeps the bucket private: public access block, ACLs off, default encryption, TLS-only policy."""
        name, child = self._prefix, self._child
        public_access_block = aws.s3.BucketPublicAccessBlock(
            f"{name}-public-access-block",
            bucket=bucket.id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
            opts=child,
        )
        aws.s3.BucketOwnershipControls(
            f"{name}-ownership",
            bucket=bucket.id,
            rule=aws.s3.BucketOwnershipControlsRuleArgs(object_ownership="BucketOwnerEnforced"),
            opts=child,
        )
        encryption = aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
            sse_algorithm="aws:kms" if args.kms_key_arn else "AES256",
            kms_master_key_id=args.kms_key_arn,
        )
        aws.s3.BucketServerSideEncryptionConfiguration(
            f"{name}-encryption",
            bucket=bucket.id,
            rules=[
                aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
                    apply_server_side_encryption_by_default=encryption,
                    bucket_key_enabled=True if args.kms_key_arn else None,
                )
            ],
            opts=child,
        )
        # S3 rejects a bucket policy written while the public access block is still being set.
        aws.s3.BucketPolicy(
            f"{name}-tls-only",
            bucket=bucket.id,
            policy=bucket.arn.apply(lambda arn: json.dumps(tls_only_bucket_policy(arn))),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[public_access_block]),
        )

    def _lifecycle(self, bucket: aws.s3.Bucket, args: PackagesStorageArgs) -> None:
        """Versioning (if on), and the rules that abort stale uploads and expire noncurrent versions."""
        name = self._prefix
        lifecycle_after: list[pulumi.Resource] = []
        rules = [
            aws.s3.BucketLifecycleConfigurationRuleArgs(
                id="abort-incomplete-multipart-uploads",
                status="Enabled",
                filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(),
                abort_incomplete_multipart_upload=aws.s3.BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs(
                    days_after_initiation=args.abort_incomplete_upload_days,
                ),
            )
        ]
        if args.versioning:
            lifecycle_after.append(
                aws.s3.BucketVersioning(
                    f"{name}-versioning",
                    bucket=bucket.id,
                    versioning_configuration=aws.s3.BucketVersioningVersioningConfigurationArgs(status="Enabled"),
                    opts=self._child,
                )
            )
            rules.append(
                aws.s3.BucketLifecycleConfigurationRuleArgs(
                    id="expire-noncurrent-versions",
                    status="Enabled",
                    filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(),
                    noncurrent_version_expiration=aws.s3.BucketLifecycleConfigurationRuleNoncurrentVersionExpirationArgs(
                        noncurrent_days=args.noncurrent_version_days,
                    ),
                    # Without this, delete markers of fully expired objects pile up and slow listings.
                    expiration=aws.s3.BucketLifecycleConfigurationRuleExpirationArgs(expired_object_delete_marker=True),
                )
            )
        aws.s3.BucketLifecycleConfiguration(
            f"{name}-lifecycle",
            bucket=bucket.id,
            rules=rules,
            opts=pulumi.ResourceOptions(parent=self, depends_on=lifecycle_after),
        )

    def _user_and_keys(
        self, bucket: aws.s3.Bucket, args: PackagesStorageArgs
    ) -> tuple[aws.iam.User, pulumi.Output[str], list[IssuedKey]]:
        """The IAM user, its seven-action inline policy (as JSON) and one access key per generation."""
        name, child = self._prefix, self._child
        # After the bucket: a bucket that cannot be created (a taken name) must leave no user or key behind.
        user = aws.iam.User(
            f"{name}{USER_SUFFIX}",
            path=args.user_path,
            permissions_boundary=args.permissions_boundary_arn,
            tags=args.tags,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[bucket]),
        )
        kms_key_arn = args.kms_key_arn
        policy_document = bucket.arn.apply(lambda arn: json.dumps(packages_policy_document(arn, kms_key_arn), indent=2))
        aws.iam.UserPolicy(f"{name}-policy", user=user.name, policy=policy_document, opts=child)
        keys = []
        for generation in args.access_keys:
            key = aws.iam.AccessKey(
                key_name(name, generation),
                user=user.name,
                status=generation.status.aws,
                opts=key_options(name, generation, self),
            )
            keys.append(IssuedKey(generation, key.id, key.secret, key.create_date))
        return user, policy_document, keys
