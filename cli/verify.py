"""`python -m cli verify`: prove the stack's access key can do exactly what GHES Packages needs, before the
appliance is configured with it.

A key lacking one of the seven actions breaks uploads only later (a large layer needs multipart, a
clean-up needs delete); a key with more is a security finding. Both become a failed pipeline step here.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from .errors import CliError
from .stack_outputs import add_source_arguments, load_stack_outputs

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
        "--ca-bundle",
        metavar="FILE",
        type=_readable_file,
        help="PEM file of the CA certificates to trust for the service URL (MinIO)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    parser.set_defaults(run=run)


def _readable_file(text: str) -> str:
    # Checked while parsing, so a bad option never reaches `pulumi stack output --show-secrets`.
    if not Path(text).is_file():
        raise argparse.ArgumentTypeError(f"{text} is not a readable file")
    return text


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 3600:
        raise argparse.ArgumentTypeError(f"must be a number of seconds from 0 to 3600 (got {text!r})")
    return value


def run(args: argparse.Namespace) -> int:
    from .verification import endpoint_from_outputs, redact, verify  # botocore: only when verify runs

    outputs = load_stack_outputs(args)
    endpoint, bucket, actions_bucket = endpoint_from_outputs(outputs, args.ca_bundle)
    try:
        report = verify(endpoint, bucket, actions_bucket, wait=args.wait)
    except CliError as error:  # defence in depth: no message may carry the secret
        raise CliError(redact(str(error), endpoint), error.exit_code) from None
    text = json.dumps(report.as_json(), indent=2) if args.json else report.as_table()
    print(redact(text, endpoint))
    return 0 if report.ok else 1
