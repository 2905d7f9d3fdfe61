"""`python -m cli verify`: prove the stack's access key can do exactly what GHES Packages needs, before the
appliance is configured with it.

A key lacking one of the seven actions breaks uploads only later (a large layer needs multipart, a
clean-up needs delete); a key with more is a security finding. Both become a failed pipeline step here.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from botocore.exceptions import BotoCoreError

from appliance import MASK

from .denied_probes import probe_denied
from .errors import CliError
from .needed_probes import Clock, Sleep, delete_before_writing, delete_written, exercise
from .probes import EXIT_NOT_ACCEPTED, Prober
from .s3client import RequestCounter, S3Endpoint, make_client
from .stack_outputs import add_source_arguments, load_stack_outputs, require_outputs
from .verify_report import Report

DEFAULT_WAIT_SECONDS = 60.0


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "verify",
        help="check the stack's access key can do exactly what GHES Packages needs",
        description=(
            "Use the stack's access key, and nothing from this machine's AWS environment, against the stack's "
            "service URL: put, get, list, multipart upload, abort and delete under a unique probe prefix (all "
            "removed afterwards), then check that creating or deleting buckets, reading or writing the bucket "
            "policy, listing all buckets and touching the Actions bucket are denied. Exit status: 0 all checks "
            "passed; 1 a check failed or the stack outputs are unusable; 2 bad options; 3 the service did not "
            "accept the key or could not be reached."
        ),
    )
    add_source_arguments(parser)
    parser.add_argument(
        "--wait",
        type=_seconds,
        default=DEFAULT_WAIT_SECONDS,
        metavar="SECONDS",
        help=f"how long to retry while a new key is not yet valid (IAM propagation); default {DEFAULT_WAIT_SECONDS:g}",
    )
    parser.add_argument(
        "--ca-bundle", metavar="FILE", help="PEM file of the CA certificates to trust for the service URL (MinIO)"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    parser.set_defaults(run=run)


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 3600:
        raise argparse.ArgumentTypeError(f"must be a number of seconds from 0 to 3600 (got {text!r})")
    return value


def run(args: argparse.Namespace) -> int:
    outputs = load_stack_outputs(args)
    endpoint, bucket, actions_bucket = endpoint_from_outputs(outputs, args.ca_bundle)
    try:
        report = verify(endpoint, bucket, actions_bucket, wait=args.wait)
    except CliError as error:  # defence in depth: no message may carry the secret
        raise CliError(_redact(str(error), endpoint), error.exit_code) from None
    text = json.dumps(report.as_json(), indent=2) if args.json else report.as_table()
    print(_redact(text, endpoint))
    return 0 if report.ok else 1


def endpoint_from_outputs(outputs: dict[str, Any], ca_bundle: str | None) -> tuple[S3Endpoint, str, str | None]:
    """The endpoint, the Packages bucket and the Actions bucket (if any) from the stack outputs."""
    require_outputs(outputs, "bucketName", "serviceUrl", "region", "accessKeyId", "secretAccessKey")
    url = urlsplit(outputs["serviceUrl"])
    if url.scheme not in ("http", "https") or not url.hostname:
        raise CliError(f"stack outputs: serviceUrl must be an http:// or https:// URL (got {outputs['serviceUrl']!r})")
    if ca_bundle is not None and not Path(ca_bundle).is_file():
        raise CliError(f"--ca-bundle: {ca_bundle} is not a readable file", 2)
    actions = outputs.get("actionsBucketName")
    endpoint = S3Endpoint(
        service_url=outputs["serviceUrl"],
        region=outputs["region"],
        access_key_id=outputs["accessKeyId"],
        secret_access_key=outputs["secretAccessKey"],
        ca_bundle=ca_bundle,
    )
    return endpoint, outputs["bucketName"], actions if isinstance(actions, str) and actions else None


def verify(
    endpoint: S3Endpoint,
    bucket: str,
    actions_bucket: str | None = None,
    *,
    wait: float = DEFAULT_WAIT_SECONDS,
    sleep: Sleep = time.sleep,
    clock: Clock = time.monotonic,
) -> Report:
    """Run every check; the report says what works, what is missing or excess, and what was left behind.

    :param wait: seconds to keep retrying the first request while the key is not yet valid.
    :param sleep: waits between those retries (tests pass a fake that advances `clock`).
    :param clock: monotonic seconds, for the `wait` deadline.
    :raises CliError: (exit code 3) the service did not accept the key, or could not be reached.
    """
    counter = RequestCounter()
    prober = Prober(make_client(endpoint, counter), endpoint, bucket, actions_bucket)
    try:
        try:
            can_delete = delete_before_writing(prober, wait, sleep, clock)
            stored = exercise(prober, can_delete)
            probe_denied(prober, stored)
            delete_written(prober)
        finally:
            prober.clean_up()
    except BotoCoreError as error:
        left = f"; left behind: {'; '.join(prober.leftovers)}" if prober.leftovers else ""
        raise CliError(f"verify: cannot talk to {endpoint.service_url}: {error}{left}", EXIT_NOT_ACCEPTED) from None
    return Report(
        bucket=bucket,
        access_key_id=endpoint.access_key_id,
        service_url=endpoint.service_url,
        checks=prober.checks,
        leftovers=prober.leftovers,
        requests=counter.count,
    )


def _redact(text: str, endpoint: S3Endpoint) -> str:
    return text.replace(endpoint.secret_access_key, MASK) if endpoint.secret_access_key else text
