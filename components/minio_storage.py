"""MinioPackagesStorage: the dedicated GHES Packages bucket on a MinIO server, its least-privilege user and key."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_minio as minio

from ghes_packages.access_keys import KeyGeneration, KeyStatus
from ghes_packages.settings import BUCKET_SUFFIX, Settings

from .access_keys import SERVICE_ACCOUNT_SUFFIX, IssuedKey, key_name, key_options
from .iam_policy import minio_policy_document
from .storage import PackagesStorageBase

MINIO_COMPONENT_TYPE = "ghes-packages:storage:MinioPackagesStorage"
# MinIO's bucket "ACL" is a canned bucket policy; private sets none, so no anonymous access.
PRIVATE_ACL = "private"
NONCURRENT_RULE_ID = "expire-noncurrent-versions"
# MinIO's ILM expiration value that removes a delete marker once it is the only version left.
EXPIRED_DELETE_MARKERS = "DeleteMarker"


@dataclass(frozen=True)
class MinioPackagesStorageArgs:
    """What MinioPackagesStorage builds; see Pulumi.yaml for each setting (and its default, written only there)."""

    bucket_name: str | None
    """The bucket's name; None lets the provider add a unique suffix to `<component name>-bucket-`."""
    versioning: bool
    """Keep object versions."""
    noncurrent_version_days: int
    """With versioning, days until a noncurrent version expires."""
    tags: dict[str, str]
    """Tags for the MinIO user (the provider's bucket takes none)."""
    access_keys: tuple[KeyGeneration, ...]
    """The key generations, oldest first: one service account each; the newest is emitted."""

    @classmethod
    def from_settings(cls, settings: Settings) -> MinioPackagesStorageArgs:
        """The component's arguments for a validated MinIO stack."""
        return cls(
            bucket_name=settings.bucket_name,
            versioning=settings.versioning,
            noncurrent_version_days=settings.noncurrent_version_days,
            tags=settings.tag_map,
            access_keys=settings.access_keys,
        )


class MinioPackagesStorage(PackagesStorageBase):
    """A private MinIO bucket that only GHES Packages uses, and the MinIO user and service account GHES signs in with."""

    def __init__(self, name: str, args: MinioPackagesStorageArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(MINIO_COMPONENT_TYPE, name, None, opts)
        self._prefix, self._child = name, pulumi.ResourceOptions(parent=self)
        bucket = self._bucket(args)
        self._versioning(bucket, args)
        user, policy_document, keys = self._user_and_keys(bucket, args)
        self._finish(bucket.bucket, bucket.arn, user.name, policy_document, keys)

    def _bucket(self, args: MinioPackagesStorageArgs) -> minio.S3Bucket:
        """The bucket, protected and kept on delete: GitHub warns that moving Packages storage needs a migration."""
        name = f"{self._prefix}{BUCKET_SUFFIX}"
        return minio.S3Bucket(
            name,
            bucket=args.bucket_name,
            # The provider does not auto-name buckets; a prefix gets its unique suffix, as AWS stacks' names do.
            bucket_prefix=None if args.bucket_name else f"{name}-",
            acl=PRIVATE_ACL,
            force_destroy=False,
            opts=pulumi.ResourceOptions(parent=self, protect=True, retain_on_delete=True),
        )

    def _versioning(self, bucket: minio.S3Bucket, args: MinioPackagesStorageArgs) -> None:
        """With versioning: versioning on, and an ILM rule expiring noncurrent versions and lone delete markers.

        MinIO's ILM has no abort-incomplete-upload action: the server removes stale multipart uploads itself.
        """
        if not args.versioning:
            return
        versioning = minio.S3BucketVersioning(
            f"{self._prefix}-versioning",
            bucket=bucket.bucket,
            versioning_configuration=minio.S3BucketVersioningVersioningConfigurationArgs(status="Enabled"),
            opts=self._child,
        )
        minio.IlmPolicy(
            f"{self._prefix}-lifecycle",
            bucket=bucket.bucket,
            rules=[
                minio.IlmPolicyRuleArgs(
                    id=NONCURRENT_RULE_ID,
                    noncurrent_version_expiration_days=args.noncurrent_version_days,
                    expiration=EXPIRED_DELETE_MARKERS,
                )
            ],
            opts=pulumi.ResourceOptions(parent=self, depends_on=[versioning]),
        )

    def _user_and_keys(
        self, bucket: minio.S3Bucket, args: MinioPackagesStorageArgs
    ) -> tuple[minio.IamUser, pulumi.Output[str], list[IssuedKey]]:
        """The user, its seven-action policy (as JSON) attached to it alone, and a service account per generation."""
        name, child = self._prefix, self._child
        # After the bucket: a bucket that cannot be created (a taken name) must leave no user or key behind.
        user = minio.IamUser(f"{name}-user", tags=args.tags, opts=pulumi.ResourceOptions(parent=self, depends_on=[bucket]))
        policy_document = bucket.arn.apply(lambda arn: json.dumps(minio_policy_document(arn), indent=2))
        policy = minio.IamPolicy(f"{name}-policy", policy=policy_document, opts=child)
        attachment = minio.IamUserPolicyAttachment(
            f"{name}-policy-attachment", user_name=user.name, policy_name=policy.name, opts=child
        )
        # Service accounts of the user, not the user's own secret: each inherits exactly the user's policy, and a
        # second one can be issued (and the first disabled, then deleted) to rotate the key without replacing the user.
        keys = []
        for generation in args.access_keys:
            account = minio.IamServiceAccount(
                key_name(name, generation, SERVICE_ACCOUNT_SUFFIX),
                target_user=user.name,
                disable_user=generation.status is KeyStatus.INACTIVE,
                opts=key_options(name, generation, self, SERVICE_ACCOUNT_SUFFIX, depends_on=[attachment]),
            )
            keys.append(IssuedKey(generation, account.access_key, account.secret_key))
        return user, policy_document, keys
