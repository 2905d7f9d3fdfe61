"""A MinIO stack's key against moto's S3 API (the stand-in for MinIO's S3 side: no MinIO server installs here).

The policy is the MinIO policy exactly as the program renders it; requests use path-style addressing, as
clients of MinIO do; moto enforces IAM. `verify` runs through the MinIO stack's own outputs: its service
URL is the moto server's (a MinIO stack on 127.0.0.1 over HTTP, allowed by allowPlainHttp).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from botocore.exceptions import ClientError

from ghes_packages.plan.evaluation import evaluate
from tests.helpers import MINIMAL_MINIO, MINIO_PASSWORD, Result
from tests.moto_s3 import AccessKey, MotoS3, moto_s3

pytestmark = pytest.mark.e2e

BUCKET = "ghes-packages-minio-test"
ACTIONS_BUCKET = "ghes-actions-minio-test"


@pytest.fixture(scope="module")
def moto() -> Iterator[MotoS3]:
    with moto_s3() as server:
        server.create_bucket(BUCKET)
        server.create_bucket(ACTIONS_BUCKET)
        server.admin("s3").put_object(Bucket=ACTIONS_BUCKET, Key="actions/cache.tgz", Body=b"actions data")
        yield server


@pytest.fixture(scope="module")
def outputs(moto: MotoS3) -> dict[str, Any]:
    """The outputs of a MinIO stack whose server is the moto server, with a moto-issued key for its service account."""
    config = {
        **MINIMAL_MINIO,
        "minio:minioServer": urlsplit(moto.url).netloc,
        "minio:minioSsl": "false",
        "ghes-packages:allowPlainHttp": "true",
        "ghes-packages:bucketName": BUCKET,
        "ghes-packages:actionsBucketName": ACTIONS_BUCKET,
    }
    emitted = dict(evaluate(config, "minio-moto", secret_keys={MINIO_PASSWORD}).outputs)
    assert emitted["storage"] == "minio" and emitted["serviceUrl"] == moto.url
    key = moto.create_access_key(moto.create_user("minio-packages", emitted["policyDocument"]))
    return {**emitted, "accessKeyId": key.access_key_id, "secretAccessKey": key.secret_access_key}


@pytest.fixture(scope="module")
def s3(moto: MotoS3, outputs: dict[str, Any]) -> Any:
    """A path-style S3 client signed with the Packages key (MotoS3.client addresses buckets by path)."""
    return moto.client("s3", AccessKey(outputs["accessKeyId"], outputs["secretAccessKey"]))


def denied(call: Callable[[], object]) -> bool:
    try:
        call()
    except ClientError as error:
        return error.response["Error"]["Code"] in ("AccessDenied", "403")
    return False


def test_the_minio_policy_allows_the_seven_actions(s3: Any) -> None:
    s3.put_object(Bucket=BUCKET, Key="npm/pkg.tgz", Body=b"package bytes")
    assert s3.get_object(Bucket=BUCKET, Key="npm/pkg.tgz")["Body"].read() == b"package bytes"
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET, Prefix="npm/")["Contents"]] == ["npm/pkg.tgz"]
    upload = s3.create_multipart_upload(Bucket=BUCKET, Key="containers/layer.bin")["UploadId"]
    s3.upload_part(Bucket=BUCKET, Key="containers/layer.bin", UploadId=upload, PartNumber=1, Body=b"x" * 1024)
    assert [p["PartNumber"] for p in s3.list_parts(Bucket=BUCKET, Key="containers/layer.bin", UploadId=upload)["Parts"]] == [
        1
    ]
    assert [u["UploadId"] for u in s3.list_multipart_uploads(Bucket=BUCKET)["Uploads"]] == [upload]
    s3.abort_multipart_upload(Bucket=BUCKET, Key="containers/layer.bin", UploadId=upload)
    s3.delete_object(Bucket=BUCKET, Key="npm/pkg.tgz")
    assert "Contents" not in s3.list_objects_v2(Bucket=BUCKET, Prefix="npm/")


OUT_OF_SCOPE: dict[str, Callable[[Any], object]] = {
    "create a bucket": lambda s3: s3.create_bucket(Bucket="ghes-packages-rogue"),
    "delete the bucket": lambda s3: s3.delete_bucket(Bucket=BUCKET),
    "open the bucket with a policy": lambda s3: s3.put_bucket_policy(
        Bucket=BUCKET, Policy=json.dumps({"Version": "2012-10-17", "Statement": []})
    ),
    "turn off versioning": lambda s3: s3.put_bucket_versioning(
        Bucket=BUCKET, VersioningConfiguration={"Status": "Suspended"}
    ),
    "remove the lifecycle rules": lambda s3: s3.delete_bucket_lifecycle(Bucket=BUCKET),
    "list all buckets": lambda s3: s3.list_buckets(),
    "read the Actions bucket": lambda s3: s3.get_object(Bucket=ACTIONS_BUCKET, Key="actions/cache.tgz"),
    "write the Actions bucket": lambda s3: s3.put_object(Bucket=ACTIONS_BUCKET, Key="x", Body=b"x"),
    "list the Actions bucket": lambda s3: s3.list_objects_v2(Bucket=ACTIONS_BUCKET),
}


@pytest.mark.parametrize("request_name", sorted(OUT_OF_SCOPE))
def test_the_minio_policy_denies_out_of_scope_requests(s3: Any, request_name: str) -> None:
    assert denied(lambda: OUT_OF_SCOPE[request_name](s3)), f"the MinIO stack's key may {request_name}"


def test_enforcement_is_really_on(moto: MotoS3) -> None:
    assert not denied(lambda: moto.admin("s3").get_object(Bucket=ACTIONS_BUCKET, Key="actions/cache.tgz"))


def test_verify_passes_through_the_minio_stacks_outputs(outputs: dict[str, Any], ghes: Callable[..., Result]) -> None:
    result = ghes("verify", "--outputs", "-", "--json", stdin=json.dumps(outputs))
    assert outputs["secretAccessKey"] not in result.out + result.err, "verify printed the secret key"
    report = result.json()
    assert (result.code, result.err) == (0, ""), result.err
    assert report["ok"] and report["missing"] == [] and report["excess"] == [], report
