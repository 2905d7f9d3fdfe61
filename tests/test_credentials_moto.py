"""What the emitted credentials can and cannot do, against moto with IAM enforcement on.

The bucket, user and policy are created with the exact policy document the program emits; every request
after that is signed with the Packages access key alone.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from moto import settings as moto_settings
from moto.core.authorization import ActionAuthenticatorMixin

from ghes_packages.plan.evaluation import evaluate
from tests.helpers import MINIMAL

REGION = "us-east-1"
BUCKET = "ghes-packages-moto-test"
OTHER_BUCKET = "ghes-actions-moto-test"
ADMIN_BOOTSTRAP_CALLS = 3  # create the admin user, give it a policy, issue its key: then enforcement is on


@dataclass
class Accounts:
    admin_s3: Any
    packages_s3: Any
    packages_iam: Any


def emitted_policy() -> str:
    config = {**MINIMAL, "aws:region": REGION, "ghes-packages:bucketName": BUCKET}
    return str(evaluate(config, "moto").outputs["policyDocument"])


def _client(service: str, key: dict[str, str]) -> Any:
    return boto3.client(
        service,
        region_name=REGION,
        aws_access_key_id=key["AccessKeyId"],
        aws_secret_access_key=key["SecretAccessKey"],
    )


def provision(policy_document: str) -> Accounts:
    """Bootstrap an admin, then create both buckets and the Packages user with `policy_document`."""
    root_iam = boto3.client("iam", region_name=REGION)
    root_iam.create_user(UserName="admin")
    admin_policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    root_iam.put_user_policy(UserName="admin", PolicyName="admin", PolicyDocument=json.dumps(admin_policy))
    admin_key = root_iam.create_access_key(UserName="admin")["AccessKey"]

    admin_s3, admin_iam = _client("s3", admin_key), _client("iam", admin_key)
    for bucket in (BUCKET, OTHER_BUCKET):
        admin_s3.create_bucket(Bucket=bucket)
    # As the program configures it (a fresh moto bucket has no default encryption to read).
    admin_s3.put_bucket_encryption(
        Bucket=BUCKET,
        ServerSideEncryptionConfiguration={"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]},
    )
    admin_s3.put_object(Bucket=OTHER_BUCKET, Key="actions/cache.tgz", Body=b"actions data")
    admin_iam.create_user(UserName="ghes-packages", Path="/ghes/")
    admin_iam.put_user_policy(UserName="ghes-packages", PolicyName="packages", PolicyDocument=policy_document)
    key = admin_iam.create_access_key(UserName="ghes-packages")["AccessKey"]
    return Accounts(admin_s3, _client("s3", key), _client("iam", key))


@pytest.fixture
def accounts(monkeypatch: pytest.MonkeyPatch) -> Iterator[Accounts]:
    policy = emitted_policy()  # evaluated before moto starts: the program itself makes no AWS call
    # What moto's set_initial_no_auth_action_count decorator does, kept on for the whole test body.
    monkeypatch.setattr(moto_settings, "INITIAL_NO_AUTH_ACTION_COUNT", ADMIN_BOOTSTRAP_CALLS)
    monkeypatch.setattr(ActionAuthenticatorMixin, "request_count", 0)
    with mock_aws():
        yield provision(policy)


def denied(call: Callable[[], object]) -> bool:
    """True when the request was refused for lack of permission."""
    try:
        call()
    except ClientError as error:
        return error.response["Error"]["Code"] in ("AccessDenied", "AccessDeniedException", "403")
    return False


def test_packages_key_can_do_everything_ghes_needs(accounts: Accounts) -> None:
    s3 = accounts.packages_s3
    s3.put_object(Bucket=BUCKET, Key="npm/pkg.tgz", Body=b"package bytes")
    assert s3.get_object(Bucket=BUCKET, Key="npm/pkg.tgz")["Body"].read() == b"package bytes"
    assert s3.head_object(Bucket=BUCKET, Key="npm/pkg.tgz")["ContentLength"] == len(b"package bytes")
    listed = s3.list_objects_v2(Bucket=BUCKET, Prefix="npm/")
    assert [o["Key"] for o in listed["Contents"]] == ["npm/pkg.tgz"]

    # A container layer: multipart upload, listed while in flight, then completed.
    layer = "containers/layer.bin"
    upload = s3.create_multipart_upload(Bucket=BUCKET, Key=layer)["UploadId"]
    part_body = b"x" * (5 * 1024 * 1024)
    etag = s3.upload_part(Bucket=BUCKET, Key=layer, UploadId=upload, PartNumber=1, Body=part_body)["ETag"]
    parts = s3.list_parts(Bucket=BUCKET, Key=layer, UploadId=upload)["Parts"]
    assert [p["PartNumber"] for p in parts] == [1]
    uploads = s3.list_multipart_uploads(Bucket=BUCKET)["Uploads"]
    assert [u["UploadId"] for u in uploads] == [upload]
    s3.complete_multipart_upload(
        Bucket=BUCKET, Key=layer, UploadId=upload, MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": etag}]}
    )
    assert s3.head_object(Bucket=BUCKET, Key=layer)["ContentLength"] == len(part_body)

    # An upload GHES gives up on is aborted.
    aborted = s3.create_multipart_upload(Bucket=BUCKET, Key="containers/abandoned.bin")["UploadId"]
    s3.abort_multipart_upload(Bucket=BUCKET, Key="containers/abandoned.bin", UploadId=aborted)
    assert "Uploads" not in s3.list_multipart_uploads(Bucket=BUCKET)

    for key in ("npm/pkg.tgz", layer):
        s3.delete_object(Bucket=BUCKET, Key=key)
    assert "Contents" not in s3.list_objects_v2(Bucket=BUCKET)


OUT_OF_SCOPE: dict[str, Callable[[Accounts], object]] = {
    "create a bucket": lambda a: a.packages_s3.create_bucket(Bucket="ghes-packages-rogue"),
    "delete the bucket": lambda a: a.packages_s3.delete_bucket(Bucket=BUCKET),
    "read the bucket policy": lambda a: a.packages_s3.get_bucket_policy(Bucket=BUCKET),
    "write the bucket policy": lambda a: a.packages_s3.put_bucket_policy(
        Bucket=BUCKET, Policy=json.dumps({"Version": "2012-10-17", "Statement": []})
    ),
    "delete the bucket policy": lambda a: a.packages_s3.delete_bucket_policy(Bucket=BUCKET),
    "set an object ACL": lambda a: a.packages_s3.put_object_acl(Bucket=BUCKET, Key="k", ACL="public-read"),
    "read the bucket ACL": lambda a: a.packages_s3.get_bucket_acl(Bucket=BUCKET),
    # Not "read bucket encryption": moto authorizes GetBucketEncryption as s3:ListBucket (AWS needs
    # s3:GetEncryptionConfiguration), so it would pass there and prove nothing.
    "turn off default encryption": lambda a: a.packages_s3.delete_bucket_encryption(Bucket=BUCKET),
    "turn off versioning": lambda a: a.packages_s3.put_bucket_versioning(
        Bucket=BUCKET, VersioningConfiguration={"Status": "Suspended"}
    ),
    "remove the lifecycle rules": lambda a: a.packages_s3.delete_bucket_lifecycle(Bucket=BUCKET),
    "list all buckets": lambda a: a.packages_s3.list_buckets(),
    "read another bucket's objects": lambda a: a.packages_s3.get_object(Bucket=OTHER_BUCKET, Key="actions/cache.tgz"),
    "write another bucket": lambda a: a.packages_s3.put_object(Bucket=OTHER_BUCKET, Key="x", Body=b"x"),
    "list another bucket": lambda a: a.packages_s3.list_objects_v2(Bucket=OTHER_BUCKET),
    "delete in another bucket": lambda a: a.packages_s3.delete_object(Bucket=OTHER_BUCKET, Key="actions/cache.tgz"),
    "list IAM users": lambda a: a.packages_iam.list_users(),
    "issue itself another key": lambda a: a.packages_iam.create_access_key(UserName="ghes-packages"),
    "widen its own policy": lambda a: a.packages_iam.put_user_policy(
        UserName="ghes-packages", PolicyName="more", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []})
    ),
}


@pytest.mark.parametrize("request_name", sorted(OUT_OF_SCOPE))
def test_packages_key_is_denied_out_of_scope_requests(accounts: Accounts, request_name: str) -> None:
    assert denied(lambda: OUT_OF_SCOPE[request_name](accounts)), f"the Packages key may {request_name}"


def test_enforcement_is_really_on(accounts: Accounts) -> None:
    # Guards every denial above: the admin may do what the Packages key may not.
    assert not denied(lambda: accounts.admin_s3.get_object(Bucket=OTHER_BUCKET, Key="actions/cache.tgz"))
