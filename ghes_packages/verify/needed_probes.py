"""The seven actions GHES Packages needs, used as the appliance will: put, get, list, a multipart upload
(create, upload part, list parts, list uploads, complete), a second multipart upload aborted, delete.

The first request deletes a key that does not exist yet: that proves s3:DeleteObject before anything is
written (a key that cannot delete would leave its probes behind), and it is the request that waits for a
new key to become valid.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from botocore.exceptions import ClientError

from components.iam_policy import BucketAction, ObjectAction
from ghes_packages.errors import CliError
from ghes_packages.exits import ExitCode

from .probes import ACCESS_DENIED, PROBE_BODY, Prober, Unexpected, describe, error_code
from .report import Expect, Result

# A new key is unknown (InvalidAccessKeyId), or known without its policy (AccessDenied), for some seconds.
NOT_YET_VALID = ("InvalidAccessKeyId", ACCESS_DENIED)
FIRST_RETRY_DELAY = 0.5
MAX_RETRY_DELAY = 8.0

Sleep = Callable[[float], None]
Clock = Callable[[], float]

PUT = ObjectAction.PUT_OBJECT
LIST_PARTS = ObjectAction.LIST_MULTIPART_UPLOAD_PARTS
LIST_UPLOADS = BucketAction.LIST_BUCKET_MULTIPART_UPLOADS
ABORT = ObjectAction.ABORT_MULTIPART_UPLOAD


def delete_before_writing(prober: Prober, wait: float, sleep: Sleep, clock: Clock) -> bool:
    """The first request, retried with backoff while the key is not yet valid; whether the key can delete.

    :raises CliError: the key is not accepted at all (wrong secret, unknown after `wait`, no such bucket).
    """
    name, action, key = "delete object before writing", ObjectAction.DELETE_OBJECT, prober.prefix + "object"
    start, deadline, delay, attempts = time.perf_counter(), clock() + wait, FIRST_RETRY_DELAY, 0
    while True:
        attempts += 1
        try:
            prober.s3.delete_object(Bucket=prober.bucket, Key=key)
            break
        except ClientError as error:
            code = error_code(error)
            if code not in NOT_YET_VALID:
                raise _rejected(prober, error) from None
            remaining = deadline - clock()
            if remaining > 0:
                sleep(min(delay, remaining))
                delay = min(delay * 2, MAX_RETRY_DELAY)
                continue
            tries = f"{attempts} attempt{'' if attempts == 1 else 's'}"
            waited = f"still after {tries} in {wait:g}s (--wait) for IAM propagation"
            if code != ACCESS_DENIED:
                raise CliError(
                    f"verify: access key {prober.endpoint.access_key_id} is not valid at {prober.endpoint.service_url} "
                    f"({code}), {waited}; is it deleted, or from another account?",
                    ExitCode.NOT_ACCEPTED,
                ) from None
            prober.record(name, action, Expect.ALLOWED, Result.FAILED, f"{describe(error)}, {waited}", start)
            return False
    prober.record(name, action, Expect.ALLOWED, Result.OK, f"after {attempts} attempts" if attempts > 1 else "", start)
    return True


def _rejected(prober: Prober, error: ClientError) -> CliError:
    code, who, url = error_code(error), f"access key {prober.endpoint.access_key_id}", prober.endpoint.service_url
    if code == "SignatureDoesNotMatch":  # the key id is known, so this is no propagation delay: do not wait
        return CliError(
            f"verify: the secret access key does not belong to {who} (SignatureDoesNotMatch)", ExitCode.NOT_ACCEPTED
        )
    if code == "NoSuchBucket":
        return CliError(f"verify: bucket {prober.bucket} does not exist at {url} (NoSuchBucket)", ExitCode.NOT_ACCEPTED)
    return CliError(f"verify: {url} refused {who}: {describe(error)}", ExitCode.NOT_ACCEPTED)


def exercise(prober: Prober, can_delete: bool) -> bool:
    """Put, get, list and the multipart uploads; whether the probe object is in the bucket afterwards."""
    s3, bucket, key = prober.s3, prober.bucket, prober.prefix + "object"
    cannot_write = "" if can_delete else f"verify writes only what it can delete ({ObjectAction.DELETE_OBJECT})"

    def put() -> None:
        with prober.writing(bucket, key):
            s3.put_object(Bucket=bucket, Key=key, Body=PROBE_BODY)

    def get() -> None:
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        if body != PROBE_BODY:
            raise Unexpected(f"read back {len(body)} bytes that differ from the {len(PROBE_BODY)} written")

    def list_objects() -> None:
        listed = s3.list_objects_v2(Bucket=bucket, Prefix=prober.prefix, MaxKeys=10).get("Contents", [])
        if stored and key not in {item["Key"] for item in listed}:
            raise Unexpected(f"the object just written, {key}, is not listed")

    stored = False
    if cannot_write:
        prober.skip("put object", PUT, cannot_write)
    else:
        stored = prober.allowed("put object", PUT, put) is not None
    if stored:
        prober.allowed("get object", ObjectAction.GET_OBJECT, get)
    else:
        prober.skip("get object", ObjectAction.GET_OBJECT, cannot_write or f"needs {PUT}")
    prober.allowed("list objects", BucketAction.LIST_BUCKET, list_objects)
    _multipart(prober, cannot_write)
    return stored


def _list_uploads(prober: Prober, upload_id: str | None) -> None:
    listed = prober.s3.list_multipart_uploads(Bucket=prober.bucket, Prefix=prober.prefix).get("Uploads", [])
    if upload_id and upload_id not in {u["UploadId"] for u in listed}:
        raise Unexpected("the multipart upload just started is not listed")


def _multipart(prober: Prober, cannot_write: str) -> None:
    started = None
    if cannot_write:
        prober.skip("create multipart upload", PUT, cannot_write)
    else:
        started = prober.allowed("create multipart upload", PUT, lambda: prober.create_upload(prober.prefix + "multipart"))
    if started is None:
        why = cannot_write or f"needs a multipart upload ({PUT})"
        prober.skip("upload part", PUT, why)
        prober.skip("list parts", LIST_PARTS, why)
        prober.allowed("list multipart uploads", LIST_UPLOADS, lambda: _list_uploads(prober, None))
        prober.skip("complete multipart upload", PUT, why)
        prober.skip("abort multipart upload", ABORT, why)
        return
    upload_id: str = started
    upload = prober.uploads[upload_id]

    def list_parts() -> None:
        parts = prober.s3.list_parts(Bucket=prober.bucket, Key=upload.key, UploadId=upload_id).get("Parts", [])
        if [p["PartNumber"] for p in parts] != [1]:
            raise Unexpected(f"the upload lists parts {[p['PartNumber'] for p in parts]}, not the one uploaded")

    parted = prober.allowed("upload part", PUT, lambda: prober.upload_part(upload_id)) is not None
    if parted:
        prober.allowed("list parts", LIST_PARTS, list_parts)
    else:
        prober.skip("list parts", LIST_PARTS, f"needs an uploaded part ({PUT})")
    prober.allowed("list multipart uploads", LIST_UPLOADS, lambda: _list_uploads(prober, upload_id))
    if parted:
        prober.allowed("complete multipart upload", PUT, lambda: prober.complete_upload(upload_id))
        _abort_second_upload(prober)
    else:
        prober.skip("complete multipart upload", PUT, f"needs an uploaded part ({PUT})")
        prober.skip("abort multipart upload", ABORT, f"needs an uploaded part ({PUT})")


def _abort_second_upload(prober: Prober) -> None:
    start, key = time.perf_counter(), prober.prefix + "aborted"
    try:  # with a part, as GHES aborts them; s3:PutObject is proven above, so this is set-up, not a check
        upload_id = prober.create_upload(key)
        prober.upload_part(upload_id)
    except ClientError as error:
        detail = f"could not start an upload to abort: {describe(error)}"
        prober.record("abort multipart upload", ABORT, Expect.ALLOWED, Result.INCONCLUSIVE, detail, start)
        return

    def abort() -> None:
        prober.s3.abort_multipart_upload(Bucket=prober.bucket, Key=key, UploadId=upload_id)
        del prober.uploads[upload_id]

    prober.allowed("abort multipart upload", ABORT, abort)


def delete_written(prober: Prober) -> None:
    """The last check, s3:DeleteObject on what was written (clean-up is the backstop when it fails)."""

    def delete_all() -> None:
        for bucket, key in list(prober.written):
            prober.s3.delete_object(Bucket=bucket, Key=key)
            del prober.written[(bucket, key)]

    if prober.written:
        prober.allowed("delete object", ObjectAction.DELETE_OBJECT, delete_all)
