"""The wiring of `ghes-packages verify`: the stack's key against its storage, as GHES will use it."""

from __future__ import annotations

import argparse

from ghes_packages.exits import ExitCode

from .common import Parser, add_outputs_source, outputs_source, readable_file, seconds


def add_verify(subparsers: argparse._SubParsersAction[Parser]) -> None:
    from ghes_packages.verify import DEFAULT_WAIT_SECONDS

    parser = subparsers.add_parser(
        "verify",
        help="check the stack's access key can do exactly what GHES Packages needs",
        description=(
            "Use the stack's access key, and nothing from this machine's AWS environment, against the stack's "
            "service URL: put, get, list, multipart upload, abort and delete under a unique probe prefix (afterwards no "
            "probe object is current and no upload open; on a versioned bucket each deleted probe object stays as a "
            "noncurrent version, with a delete marker, until the lifecycle rule expires it after "
            "noncurrentVersionDays, since the key may not delete versions), then check that creating or deleting buckets, "
            "reading or writing the bucket policy, listing all buckets and touching the Actions bucket are denied. "
            f"Exit {ExitCode.OK}: all checks passed; {ExitCode.FAILED}: a check failed or the stack outputs are "
            f"unusable; {ExitCode.USAGE}: bad options; {ExitCode.NOT_ACCEPTED}: the service did not accept the key "
            "or could not be reached."
        ),
    )
    add_outputs_source(parser)
    parser.add_argument(
        "--wait",
        type=seconds,
        default=DEFAULT_WAIT_SECONDS,
        metavar="SECONDS",
        help=f"how long to retry while a new key is not yet valid (IAM propagation); default {DEFAULT_WAIT_SECONDS:g}",
    )
    parser.add_argument(
        "--ca-bundle",
        metavar="FILE",
        type=readable_file,
        help="PEM file of the CA certificates to trust for the service URL (MinIO)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of the table")

    def run(args: argparse.Namespace) -> int:
        from ghes_packages.verify.command import verify

        return verify(outputs_source(args), wait=args.wait, ca_bundle=args.ca_bundle, as_json=args.json)

    parser.set_defaults(run=run)
