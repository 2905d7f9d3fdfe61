"""The state of one `verify` run, and how a check is recorded and cleaned up after.

Each check proves one IAM action (needed_probes: the seven GHES Packages needs; denied_probes: what it
must not have). Everything a run writes lives under a unique prefix and is removed in a `finally`,
also when a check fails or the connection drops; what cannot be removed is reported, never hidden.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from .report import Check, Expect, Result
from .s3client import S3Endpoint

PROBE_ROOT = "ghes-packages-verify/"
PROBE_BODY = b"ghes-packages verify probe; safe to delete\n"
PROBE_BUCKET_PREFIX = "ghes-packages-verify-"
ACCESS_DENIED = "AccessDenied"


class Unexpected(Exception):
    """The request went through, but its answer is wrong (a read-back that differs, a missing listing)."""


@dataclass
class Upload:
    """A multipart upload this run started and has not yet completed or aborted."""

    key: str
    parts: list[dict[str, Any]] = field(default_factory=list)


def describe(error: ClientError) -> str:
    """An S3 error as `Code (HTTP status): message`."""
    info = error.response.get("Error", {})
    status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", "?")
    return f"{info.get('Code', 'error')} (HTTP {status}): {info.get('Message', '')}".rstrip(": ")


def error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def _reason(error: Exception) -> str:
    return describe(error) if isinstance(error, ClientError) else str(error)


class Prober:
    """One run's state: the client, what was written (to remove it), and the checks recorded so far."""

    def __init__(self, client: Any, endpoint: S3Endpoint, bucket: str, actions_bucket: str | None):
        self.s3, self.endpoint, self.bucket, self.actions_bucket = client, endpoint, bucket, actions_bucket
        self.prefix = f"{PROBE_ROOT}{uuid.uuid4().hex}/"
        self.checks: list[Check] = []
        self.leftovers: list[str] = []
        self.written: dict[tuple[str, str], None] = {}  # (bucket, key) that may exist; an ordered set
        self.uploads: dict[str, Upload] = {}  # upload id -> upload, while not completed or aborted
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
            denied = error_code(error) == ACCESS_DENIED
            result = Result.FAILED if denied else Result.INCONCLUSIVE
            self.record(name, action, Expect.ALLOWED, result, describe(error), start)
            return None
        except Unexpected as error:
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
            code = error_code(error)
            if code == ACCESS_DENIED:
                self.record(name, action, Expect.DENIED, Result.OK, ACCESS_DENIED, start, bucket)
            elif code in proof:
                detail = f"{code}: S3 answers so only after authorizing the request"
                self.record(name, action, Expect.DENIED, Result.FAILED, detail, start, bucket)
            else:
                detail = f"{describe(error)}; expected {ACCESS_DENIED}"
                self.record(name, action, Expect.DENIED, Result.INCONCLUSIVE, detail, start, bucket)
            return False, code
        self.record(name, action, Expect.DENIED, Result.FAILED, "the request succeeded", start, bucket)
        return True, ""

    # --- multipart uploads: tracked, so that clean-up can close them -------------------------------------

    def create_upload(self, key: str) -> str:
        upload_id = str(self.s3.create_multipart_upload(Bucket=self.bucket, Key=key)["UploadId"])
        self.uploads[upload_id] = Upload(key)
        return upload_id

    def upload_part(self, upload_id: str) -> None:
        upload = self.uploads[upload_id]
        answer = self.s3.upload_part(Bucket=self.bucket, Key=upload.key, UploadId=upload_id, PartNumber=1, Body=PROBE_BODY)
        upload.parts.append({"PartNumber": 1, "ETag": answer["ETag"]})

    def complete_upload(self, upload_id: str) -> None:
        upload = self.uploads[upload_id]
        with self.writing(self.bucket, upload.key):
            self.s3.complete_multipart_upload(
                Bucket=self.bucket, Key=upload.key, UploadId=upload_id, MultipartUpload={"Parts": upload.parts}
            )
        del self.uploads[upload_id]

    @contextmanager
    def writing(self, bucket: str, key: str) -> Iterator[None]:
        """Around a request that may create an object: remember it for clean-up, unless S3 refused the request
        (a timeout leaves it remembered: the object may exist)."""
        self.written[(bucket, key)] = None
        try:
            yield
        except ClientError:
            del self.written[(bucket, key)]
            raise

    # --- clean-up: runs in `finally`, whatever happened before --------------------------------------

    def clean_up(self) -> None:
        """Remove every upload, object and bucket this run created; note what cannot be removed."""
        for upload_id, upload in list(self.uploads.items()):
            try:
                self.s3.abort_multipart_upload(Bucket=self.bucket, Key=upload.key, UploadId=upload_id)
                del self.uploads[upload_id]
            except (ClientError, BotoCoreError) as error:
                # Without s3:AbortMultipartUpload, completing the upload (s3:PutObject) closes it too; the
                # object that makes is deleted with the others below.
                try:
                    if not upload.parts:
                        raise
                    self.complete_upload(upload_id)
                except (ClientError, BotoCoreError):
                    where = f"multipart upload {upload_id} of s3://{self.bucket}/{upload.key}"
                    self.leftovers.append(f"{where} ({_reason(error)})")
        for bucket, key in list(self.written):
            try:
                self.s3.delete_object(Bucket=bucket, Key=key)
                del self.written[(bucket, key)]
            except (ClientError, BotoCoreError) as error:
                self.leftovers.append(f"object s3://{bucket}/{key} ({_reason(error)})")
        for bucket in list(self.buckets_created):
            self.remove_bucket(bucket)

    def remove_bucket(self, bucket: str) -> None:
        """Delete a bucket a create-bucket probe made, or note that it is left behind."""
        self.buckets_created.remove(bucket)
        try:
            self.s3.delete_bucket(Bucket=bucket)
        except (ClientError, BotoCoreError) as error:
            self.leftovers.append(f"bucket {bucket}, created by the create-bucket probe ({_reason(error)})")
