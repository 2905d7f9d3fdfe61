"""The IAM policy GHES needs for Packages storage: exactly the seven S3 actions GitHub documents.

This module is the one place the seven actions are written. The component, the CrossGuard rules, the
credential verifier and the tests all import them from here.
"""

from __future__ import annotations

import enum
from typing import Any

from ghes_packages.names import KMS_KEY_ARN
from ghes_packages.regions import s3_host


class BucketAction(enum.StrEnum):
    """S3 actions that act on the bucket itself (resource `arn:PARTITION:s3:::BUCKET`)."""

    LIST_BUCKET = "s3:ListBucket"
    LIST_BUCKET_MULTIPART_UPLOADS = "s3:ListBucketMultipartUploads"


class ObjectAction(enum.StrEnum):
    """S3 actions that act on the bucket's objects (resource `arn:PARTITION:s3:::BUCKET/*`)."""

    PUT_OBJECT = "s3:PutObject"
    GET_OBJECT = "s3:GetObject"
    DELETE_OBJECT = "s3:DeleteObject"
    LIST_MULTIPART_UPLOAD_PARTS = "s3:ListMultipartUploadParts"
    ABORT_MULTIPART_UPLOAD = "s3:AbortMultipartUpload"


BUCKET_ACTIONS: tuple[str, ...] = tuple(a.value for a in BucketAction)
OBJECT_ACTIONS: tuple[str, ...] = tuple(a.value for a in ObjectAction)
PACKAGES_S3_ACTIONS: frozenset[str] = frozenset(BUCKET_ACTIONS + OBJECT_ACTIONS)

# A customer-managed KMS key must also let the user encrypt new objects and read existing ones.
KMS_ACTIONS: tuple[str, ...] = ("kms:GenerateDataKey", "kms:Decrypt")

# Conditions that let the user use the key only through S3 (in the key's region) and only for the Packages bucket.
KMS_CONDITION_OPERATOR = "StringEquals"
KMS_VIA_SERVICE = "kms:ViaService"
KMS_S3_CONTEXT = "kms:EncryptionContext:aws:s3:arn"

BUCKET_STATEMENT_ID = "PackagesBucket"
OBJECT_STATEMENT_ID = "PackagesObjects"
KMS_STATEMENT_ID = "PackagesKmsKey"


def objects_arn(bucket_arn: str) -> str:
    """The ARN of every object in the bucket, derived from the bucket's own ARN."""
    return f"{bucket_arn}/*"


def packages_policy_document(bucket_arn: str, kms_key_arn: str | None = None) -> dict[str, Any]:
    """The least-privilege policy for the GHES Packages IAM user.

    :param bucket_arn: the Packages bucket's ARN, as the provider reports it (so every partition works).
    :param kms_key_arn: the customer-managed KMS key encrypting the bucket, if any.
    """
    statements: list[dict[str, Any]] = [
        {
            "Sid": BUCKET_STATEMENT_ID,
            "Effect": "Allow",
            "Action": list(BUCKET_ACTIONS),
            "Resource": bucket_arn,
        },
        {
            "Sid": OBJECT_STATEMENT_ID,
            "Effect": "Allow",
            "Action": list(OBJECT_ACTIONS),
            "Resource": objects_arn(bucket_arn),
        },
    ]
    if kms_key_arn:
        statements.append(
            {
                "Sid": KMS_STATEMENT_ID,
                "Effect": "Allow",
                "Action": list(KMS_ACTIONS),
                "Resource": kms_key_arn,
                "Condition": {KMS_CONDITION_OPERATOR: kms_conditions(bucket_arn, kms_key_arn)},
            }
        )
    return {"Version": "2012-10-17", "Statement": statements}


def kms_conditions(bucket_arn: str, kms_key_arn: str) -> dict[str, str]:
    """The condition values that confine the use of `kms_key_arn` to S3 encrypting the bucket `bucket_arn`.

    The key is in the bucket's region (the settings check it), so S3 calls KMS from that region's endpoint.
    With an S3 Bucket Key (the component turns it on), S3 passes the bucket's ARN, not the object's, as
    the encryption context.
    """
    match = KMS_KEY_ARN.fullmatch(kms_key_arn)
    if match is None:
        raise ValueError(f"not a KMS key ARN: {kms_key_arn!r}")
    return {KMS_VIA_SERVICE: s3_host(match["region"]), KMS_S3_CONTEXT: bucket_arn}


def minio_policy_document(bucket_arn: str) -> dict[str, Any]:
    """The least-privilege MinIO policy for the GHES Packages user: the same seven actions, no KMS statement.

    MinIO reads AWS's policy language with resources in the `arn:aws:s3:::BUCKET` form, whatever its region.

    :param bucket_arn: the bucket's ARN as the pulumi-minio provider reports it (`arn:aws:s3:::BUCKET`).
    """
    return packages_policy_document(bucket_arn)


def tls_only_bucket_policy(bucket_arn: str) -> dict[str, Any]:
    """A bucket policy denying every request made without TLS, or with TLS older than 1.2.

    :param bucket_arn: the Packages bucket's ARN, as the provider reports it.
    """
    resources = [bucket_arn, objects_arn(bucket_arn)]
    deny = {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": resources}
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "DenyInsecureTransport", **deny, "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
            {"Sid": "DenyTlsBelow12", **deny, "Condition": {"NumericLessThan": {"s3:TlsVersion": "1.2"}}},
        ],
    }
