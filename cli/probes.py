"""The probes behind `verify`: use the seven actions as GHES Packages will, and try what must be denied.

Each check proves one IAM action. Every probe is harmless even when the key has more rights than it
should (docs/verify.md says why, probe by probe), and everything written lives under a unique prefix
and is removed in a `finally`, also when a check fails or the connection drops.
"""

from __future__ import annotations

import base64
import hashlib
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from policies import BucketAction, ObjectAction

from .errors import CliError
from .s3client import S3Endpoint
from .verify_report import Check, Expect, Result

PROBE_ROOT = "ghes-packages-verify/"
PROBE_BODY = b"ghes-packages verify probe; safe to delete\n"
PROBE_BUCKET_PREFIX = "ghes-packages-verify-"

# Actions beyond the seven that the key must NOT have. These are probes, not policy: they live here.
CREATE_BUCKET = "s3:CreateBucket"
DELETE_BUCKET = "s3:DeleteBucket"
GET_BUCKET_POLICY = "s3:GetBucketPolicy"
PUT_BUCKET_POLICY = "s3:PutBucketPolicy"
LIST_ALL_MY_BUCKETS = "s3:ListAllMyBuckets"

# The exit code when the service does not accept the key at all, or cannot be reached.
EXIT_NOT_ACCEPTED = 3
ACCESS_DENIED = "AccessDenied"
# A new key is unknown (InvalidAccessKeyId), or known without its policy (AccessDenied), for some seconds.
NOT_YET_VALID = ("InvalidAccessKeyId", ACCESS_DENIED)
FIRST_RETRY_DELAY = 0.5
MAX_RETRY_DELAY = 8.0
# Not JSON: S3 answers MalformedPolicy only after authorizing the request, and stores nothing.
INVALID_POLICY = "ghes-packages verify probe: deliberately not a policy"
# The MD5 of other bytes than the body: S3 answers BadDigest only after authorizing, and stores nothing.
WRONG_CONTENT_MD5 = base64.b64encode(hashlib.md5(b"not the probe body", usedforsecurity=False).digest()).decode()
_NO_POLICY = ""

Sleep = Callable[[float], None]
Clock = Callable[[], float]


class _Unexpected(Exception):
    """The request went through, but its answer is wrong (a read-back that differs, a missing listing)."""


@dataclass
class _Upload:
    key: str
    parts: list[dict[str, Any]] = field(default_factory=list)


def _describe(error: ClientError) -> str:
    info = error.response.get("Error", {})
    status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", "?")
    return f"{info.get('Code', 'error')} (HTTP {status}): {info.get('Message', '')}".rstrip(": ")


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


class Prober:
    """One run's state: the client, what was written (to remove it), and the checks recorded so far."""

    def __init__(self, client: Any, endpoint: S3Endpoint, bucket: str, actions_bucket: str | None):
        self.s3, self.endpoint, self.bucket, self.actions_bucket = client, endpoint, bucket, actions_bucket
        self.prefix = f"{PROBE_ROOT}{uuid.uuid4().hex}/"
        self.checks: list[Check] = []
        self.leftovers: list[str] = []
        self.written: dict[tuple[str, str], None] = {}  # (bucket, key) that may exist; an ordered set
        self.uploads: dict[str, _Upload] = {}  # upload id -> upload, while not completed or aborted
        self.buckets_created: list[str] = []

    # --- recording -----------------------------------------------------------------------------------

    def record(
        self, name: str, action: str, expected: Expect, result: Result, detail: str, start: float, bucket: str | None = None
    ) -> None:
        ms = (time.perf_counter() - start) * 1000
        self.checks.append(Check(name, action, expected, result, detail, ms, bucket))

    def skip(self, name: str, action: str, reason: str, expected: Expect = Expect.ALLOWED) -> None:
        self.record(name, action, expected, Result.SKIPPED, reason, time.perf_counter())

    def allowed(self, name: str, action: str, call: Callable[[], Any]) -> Any:
        """Run a check that must succeed; its value, or None when it failed (and was recorded so)."""
        start = time.perf_counter()
        try:
            value = call()
        except ClientError as error:
            denied = _code(error) == ACCESS_DENIED
            result = Result.FAILED if denied else Result.INCONCLUSIVE
            self.record(name, action, Expect.ALLOWED, result, _describe(error), start)
            return None
        except _Unexpected as error:
            self.record(name, action, Expect.ALLOWED, Result.INCONCLUSIVE, str(error), start)
            return None
        self.record(name, action, Expect.ALLOWED, Result.OK, "", start)
        return True if value is None else value

    def denied(
        self, name: str, action: str, call: Callable[[], Any], proof: tuple[str, ...] = (), bucket: str | None = None
    ) -> tuple[bool, str]:
        """Run a probe that must be denied: (whether the request went through, the error code if any).

        :param proof: error codes S3 returns only after authorizing the request: they prove the permission.
        """
        start = time.perf_counter()
        try:
            call()
        except ClientError as error:
            code = _code(error)
            if code == ACCESS_DENIED:
                self.record(name, action, Expect.DENIED, Result.OK, ACCESS_DENIED, start, bucket)
            elif code in proof:
                detail = f"{code}: S3 answers so only after authorizing the request"
                self.record(name, action, Expect.DENIED, Result.FAILED, detail, start, bucket)
            else:
                detail = f"{_describe(error)}; expected {ACCESS_DENIED}"
                self.record(name, action, Expect.DENIED, Result.INCONCLUSIVE, detail, start, bucket)
            return False, code
        self.record(name, action, Expect.DENIED, Result.FAILED, "the request succeeded", start, bucket)
        return True, ""

    # --- the first request: waits for a new key, proves s3:DeleteObject before anything is written ------

    def delete_before_writing(self, wait: float, sleep: Sleep, clock: Clock) -> bool:
        name, action, key = "delete object before writing", ObjectAction.DELETE_OBJECT, self.prefix + "object"
        start, deadline, delay, attempts = time.perf_counter(), clock() + wait, FIRST_RETRY_DELAY, 0
        while True:
            attempts += 1
            try:
                self.s3.delete_object(Bucket=self.bucket, Key=key)
                break
            except ClientError as error:
                code = _code(error)
                if code not in NOT_YET_VALID:
                    raise self._rejected(error) from None
                remaining = deadline - clock()
                if remaining > 0:
                    sleep(min(delay, remaining))
                    delay = min(delay * 2, MAX_RETRY_DELAY)
                    continue
                waited = f"still after {attempts} attempts in {wait:g}s (--wait) for IAM propagation"
                if code != ACCESS_DENIED:
                    raise CliError(
                        f"verify: access key {self.endpoint.access_key_id} is not valid at {self.endpoint.service_url} "
                        f"({code}), {waited}; is it deleted, or from another account?",
                        EXIT_NOT_ACCEPTED,
                    ) from None
                self.record(name, action, Expect.ALLOWED, Result.FAILED, f"{_describe(error)}, {waited}", start)
                return False
        self.record(name, action, Expect.ALLOWED, Result.OK, f"after {attempts} attempts" if attempts > 1 else "", start)
        return True

    def _rejected(self, error: ClientError) -> CliError:
        code, who = _code(error), f"access key {self.endpoint.access_key_id}"
        if code == "SignatureDoesNotMatch":
            return CliError(
                f"verify: the secret access key does not belong to {who} (SignatureDoesNotMatch)", EXIT_NOT_ACCEPTED
            )
        if code == "NoSuchBucket":
            return CliError(
                f"verify: bucket {self.bucket} does not exist at {self.endpoint.service_url} (NoSuchBucket)",
                EXIT_NOT_ACCEPTED,
            )
        return CliError(f"verify: {self.endpoint.service_url} refused {who}: {_describe(error)}", EXIT_NOT_ACCEPTED)

    # --- the seven actions ---------------------------------------------------------------------------

    def needed_actions(self, can_write: bool) -> bool:
        """Exercise the seven actions; whether the probe object is in the bucket afterwards."""
        put, key = ObjectAction.PUT_OBJECT, self.prefix + "object"
        why = f"needs {put}" if can_write else f"verify writes only what it can delete ({ObjectAction.DELETE_OBJECT})"
        stored = can_write and self.allowed("put object", put, lambda: self._put(key)) is not None
        if not can_write:
            self.skip("put object", put, why)
        if stored:
            self.allowed("get object", ObjectAction.GET_OBJECT, lambda: self._get(key))
        else:
            self.skip("get object", ObjectAction.GET_OBJECT, why)
        self.allowed("list objects", BucketAction.LIST_BUCKET, lambda: self._list_objects(key if stored else None))

        self._multipart(why if not can_write else "")
        return stored

    def _multipart(self, cannot_write: str) -> None:
        put, parts, uploads = (
            ObjectAction.PUT_OBJECT,
            ObjectAction.LIST_MULTIPART_UPLOAD_PARTS,
            BucketAction.LIST_BUCKET_MULTIPART_UPLOADS,
        )
        started = None
        if cannot_write:
            self.skip("create multipart upload", put, cannot_write)
        else:
            started = self.allowed("create multipart upload", put, lambda: self._create_upload(self.prefix + "multipart"))
        if started is None:
            self.skip("upload part", put, cannot_write or f"needs a multipart upload ({put})")
            self.allowed("list multipart uploads", uploads, lambda: self._list_uploads(None))
            for name, action in (
                ("list parts", parts),
                ("complete multipart upload", put),
                ("abort multipart upload", ObjectAction.ABORT_MULTIPART_UPLOAD),
            ):
                self.skip(name, action, cannot_write or f"needs a multipart upload ({put})")
            return
        upload_id: str = started
        parted = self.allowed("upload part", put, lambda: self._upload_part(upload_id)) is not None
        needs_part = f"needs an uploaded part ({put})"
        if parted:
            self.allowed("list parts", parts, lambda: self._list_parts(upload_id))
        else:
            self.skip("list parts", parts, needs_part)
        self.allowed("list multipart uploads", uploads, lambda: self._list_uploads(upload_id))
        if parted:
            self.allowed("complete multipart upload", put, lambda: self._complete(upload_id))
            self._abort_second_upload()
        else:
            self.skip("complete multipart upload", put, needs_part)
            self.skip("abort multipart upload", ObjectAction.ABORT_MULTIPART_UPLOAD, needs_part)

    def _put(self, key: str) -> None:
        self.written[(self.bucket, key)] = None
        self.s3.put_object(Bucket=self.bucket, Key=key, Body=PROBE_BODY)

    def _get(self, key: str) -> None:
        body = self.s3.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        if body != PROBE_BODY:
            raise _Unexpected(f"read back {len(body)} bytes that differ from the {len(PROBE_BODY)} written")

    def _list_objects(self, expected_key: str | None) -> None:
        listed = self.s3.list_objects_v2(Bucket=self.bucket, Prefix=self.prefix, MaxKeys=10).get("Contents", [])
        if expected_key and expected_key not in {item["Key"] for item in listed}:
            raise _Unexpected(f"the object just written, {expected_key}, is not listed")

    def _create_upload(self, key: str) -> str:
        upload_id = str(self.s3.create_multipart_upload(Bucket=self.bucket, Key=key)["UploadId"])
        self.uploads[upload_id] = _Upload(key)
        return upload_id

    def _upload_part(self, upload_id: str) -> None:
        upload = self.uploads[upload_id]
        answer = self.s3.upload_part(Bucket=self.bucket, Key=upload.key, UploadId=upload_id, PartNumber=1, Body=PROBE_BODY)
        upload.parts.append({"PartNumber": 1, "ETag": answer["ETag"]})

    def _list_parts(self, upload_id: str) -> None:
        parts = self.s3.list_parts(Bucket=self.bucket, Key=self.uploads[upload_id].key, UploadId=upload_id).get("Parts", [])
        if [p["PartNumber"] for p in parts] != [1]:
            raise _Unexpected(f"the upload lists parts {[p['PartNumber'] for p in parts]}, not the one uploaded")

    def _list_uploads(self, upload_id: str | None) -> None:
        listed = self.s3.list_multipart_uploads(Bucket=self.bucket, Prefix=self.prefix).get("Uploads", [])
        if upload_id and upload_id not in {u["UploadId"] for u in listed}:
            raise _Unexpected("the multipart upload just started is not listed")

    def _complete(self, upload_id: str) -> None:
        upload = self.uploads[upload_id]
        self.written[(self.bucket, upload.key)] = None
        self.s3.complete_multipart_upload(
            Bucket=self.bucket, Key=upload.key, UploadId=upload_id, MultipartUpload={"Parts": upload.parts}
        )
        del self.uploads[upload_id]

    def _abort_second_upload(self) -> None:
        name, action = "abort multipart upload", ObjectAction.ABORT_MULTIPART_UPLOAD
        start = time.perf_counter()
        try:  # with a part, as GHES aborts them; s3:PutObject was proven above, so this is set-up, not a check
            upload_id = self._create_upload(self.prefix + "aborted")
            self._upload_part(upload_id)
        except ClientError as error:
            self.record(
                name, action, Expect.ALLOWED, Result.INCONCLUSIVE, f"could not start an upload: {_describe(error)}", start
            )
            return
        if self.allowed(
            name,
            action,
            lambda: self.s3.abort_multipart_upload(Bucket=self.bucket, Key=self.prefix + "aborted", UploadId=upload_id),
        ):
            del self.uploads[upload_id]

    def delete_written(self) -> None:
        """The final s3:DeleteObject check: remove every object written."""
        if self.written:
            self.allowed("delete object", ObjectAction.DELETE_OBJECT, self._delete_all)

    def _delete_all(self) -> None:
        for bucket, key in list(self.written):
            self.s3.delete_object(Bucket=bucket, Key=key)
            del self.written[(bucket, key)]

    # --- clean-up: runs in `finally`, whatever happened before --------------------------------------

    def clean_up(self) -> None:
        """Remove every upload, object and bucket this run created; note what cannot be removed."""
        for upload_id, upload in list(self.uploads.items()):
            where = f"multipart upload {upload_id} of s3://{self.bucket}/{upload.key}"
            try:
                self.s3.abort_multipart_upload(Bucket=self.bucket, Key=upload.key, UploadId=upload_id)
            except (ClientError, BotoCoreError) as error:
                if not upload.parts or not self._complete_instead(upload_id, upload):
                    self.leftovers.append(f"{where} ({_reason(error)})")
                    continue
            del self.uploads[upload_id]
        for bucket, key in list(self.written):
            try:
                self.s3.delete_object(Bucket=bucket, Key=key)
                del self.written[(bucket, key)]
            except (ClientError, BotoCoreError) as error:
                self.leftovers.append(f"object s3://{bucket}/{key} ({_reason(error)})")
        for bucket in list(self.buckets_created):
            self.remove_bucket(bucket)

    def _complete_instead(self, upload_id: str, upload: _Upload) -> bool:
        # Without s3:AbortMultipartUpload an upload can still be closed by completing it (s3:PutObject);
        # the object this makes is deleted with the others.
        self.written[(self.bucket, upload.key)] = None
        try:
            self.s3.complete_multipart_upload(
                Bucket=self.bucket, Key=upload.key, UploadId=upload_id, MultipartUpload={"Parts": upload.parts}
            )
        except (ClientError, BotoCoreError):
            return False
        return True

    def remove_bucket(self, bucket: str) -> None:
        """Delete a bucket a create-bucket probe made, or note that it is left behind."""
        self.buckets_created.remove(bucket)
        try:
            self.s3.delete_bucket(Bucket=bucket)
        except (ClientError, BotoCoreError) as error:
            self.leftovers.append(f"bucket {bucket}, created by the create-bucket probe ({_reason(error)})")


def _reason(error: Exception) -> str:
    return _describe(error) if isinstance(error, ClientError) else str(error)
