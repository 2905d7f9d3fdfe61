"""Probes of what the Packages access key must NOT be able to do, each harmless if it is allowed after all.

"Denied" means S3 answered AccessDenied; any other answer proves nothing and is reported as inconclusive.
Where S3 can prove a permission without acting (it checks authorization first, then the request), the
probe sends a request S3 must refuse: deleting a non-empty bucket, storing a policy that is not JSON,
storing an object whose Content-MD5 does not match. A probe that goes through anyway is undone at once.
"""

from __future__ import annotations

import base64
import hashlib
import uuid

from botocore.exceptions import BotoCoreError, ClientError

from components.iam_policy import BucketAction, ObjectAction

from .probes import PROBE_BODY, PROBE_BUCKET_PREFIX, Prober
from .report import Expect

# Actions beyond the seven that the key must NOT have. These are probes, not policy: they live here.
CREATE_BUCKET = "s3:CreateBucket"
DELETE_BUCKET = "s3:DeleteBucket"
GET_BUCKET_POLICY = "s3:GetBucketPolicy"
PUT_BUCKET_POLICY = "s3:PutBucketPolicy"
LIST_ALL_MY_BUCKETS = "s3:ListAllMyBuckets"
# Not JSON: S3 answers MalformedPolicy only after authorizing the request, and stores nothing.
INVALID_POLICY = "ghes-packages verify probe: deliberately not a policy"
# The MD5 of other bytes than the body: S3 answers BadDigest only after authorizing, and stores nothing.
WRONG_CONTENT_MD5 = base64.b64encode(hashlib.md5(b"not the probe body", usedforsecurity=False).digest()).decode()

# Without a policy, S3 answers GetBucketPolicy with NoSuchBucketPolicy: only after authorizing the read.
NO_BUCKET_POLICY = "NoSuchBucketPolicy"
_UNREADABLE = object()


def probe_denied(prober: Prober, probe_object_stored: bool) -> None:
    """Every probe that must be denied; `probe_object_stored` says the Packages bucket holds the probe object."""
    s3, bucket = prober.s3, prober.bucket
    if probe_object_stored:
        # A non-empty bucket is never deleted: S3 answers BucketNotEmpty, which proves the excess permission.
        went, _ = prober.denied("delete bucket", DELETE_BUCKET, lambda: s3.delete_bucket(Bucket=bucket), ("BucketNotEmpty",))
        if went:
            prober.leftovers.append(f"the Packages bucket {bucket} was DELETED by the probe: recreate it with `pulumi up`")
    else:
        reason = "probed only while the probe object keeps the bucket non-empty (so S3 cannot delete it)"
        prober.skip("delete bucket", DELETE_BUCKET, reason, Expect.DENIED)
    _probe_bucket_policy(prober)
    _probe_create_bucket(prober)
    prober.denied("list all buckets", LIST_ALL_MY_BUCKETS, lambda: s3.list_buckets())
    if prober.actions_bucket:
        _probe_actions_bucket(prober, prober.actions_bucket)


def _probe_bucket_policy(prober: Prober) -> None:
    s3, bucket = prober.s3, prober.bucket
    original: list[object] = [_UNREADABLE]

    def read() -> None:
        original[0] = s3.get_bucket_policy(Bucket=bucket)["Policy"]

    _, code = prober.denied("get bucket policy", GET_BUCKET_POLICY, read, (NO_BUCKET_POLICY,))
    if code == NO_BUCKET_POLICY:
        original[0] = None
    went, _ = prober.denied(
        "put bucket policy",
        PUT_BUCKET_POLICY,
        lambda: s3.put_bucket_policy(Bucket=bucket, Policy=INVALID_POLICY),
        ("MalformedPolicy",),
    )
    if not went:
        return
    # This service stored a policy S3 itself would reject: put the original back, or delete the stored one.
    try:
        if isinstance(original[0], str):
            s3.put_bucket_policy(Bucket=bucket, Policy=original[0])
            return
        if original[0] is None:
            s3.delete_bucket_policy(Bucket=bucket)
            return
        problem = "reading the original was denied"
    except (ClientError, BotoCoreError) as error:
        problem = str(error)
    prober.leftovers.append(
        f"the bucket policy of {bucket} was replaced by the probe's invalid one ({problem}): "
        "restore it with `pulumi up --refresh`"
    )


def _probe_create_bucket(prober: Prober) -> None:
    # A fresh random name: no one's bucket is touched, and a bucket made after all is deleted at once.
    name = f"{PROBE_BUCKET_PREFIX}{uuid.uuid4().hex[:16]}"
    region = prober.endpoint.region
    where = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
    went, _ = prober.denied("create bucket", CREATE_BUCKET, lambda: prober.s3.create_bucket(Bucket=name, **where))
    if went:
        prober.buckets_created.append(name)
        prober.remove_bucket(name)


def _probe_actions_bucket(prober: Prober, actions: str) -> None:
    s3 = prober.s3
    prober.denied(
        "list Actions bucket",
        BucketAction.LIST_BUCKET,
        lambda: s3.list_objects_v2(Bucket=actions, MaxKeys=1),
        bucket=actions,
    )
    key = prober.prefix + "actions-write-probe"

    def write() -> None:
        with prober.writing(actions, key):
            s3.put_object(Bucket=actions, Key=key, Body=PROBE_BODY, ContentMD5=WRONG_CONTENT_MD5)

    went, _ = prober.denied(
        "write to Actions bucket", ObjectAction.PUT_OBJECT, write, ("BadDigest", "InvalidDigest"), actions
    )
    if went:  # this service stored an object S3 itself would reject: remove it now
        del prober.written[(actions, key)]
        try:
            s3.delete_object(Bucket=actions, Key=key)
        except (ClientError, BotoCoreError) as error:
            prober.leftovers.append(f"object s3://{actions}/{key}, written by the probe ({error})")
