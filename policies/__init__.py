"""Policies for GHES Packages storage: the seven-action IAM policy and the CrossGuard rules."""

from .iam import (
    BUCKET_ACTIONS,
    KMS_ACTIONS,
    OBJECT_ACTIONS,
    PACKAGES_S3_ACTIONS,
    BucketAction,
    ObjectAction,
    objects_arn,
    packages_policy_document,
    tls_only_bucket_policy,
)

__all__ = [
    "BUCKET_ACTIONS",
    "KMS_ACTIONS",
    "OBJECT_ACTIONS",
    "PACKAGES_S3_ACTIONS",
    "BucketAction",
    "ObjectAction",
    "objects_arn",
    "packages_policy_document",
    "tls_only_bucket_policy",
]
