"""`ghes-packages verify`: prove the stack's access key can do exactly what GHES Packages needs, before the
appliance is configured with it.

A key lacking one of the seven actions breaks uploads only later (a large layer needs multipart, a
clean-up needs delete); a key with more is a security finding. Both become a failed pipeline step here.
"""

from __future__ import annotations

import json

from ghes_packages.errors import CliError
from ghes_packages.exits import ExitCode
from ghes_packages.redaction import redact
from ghes_packages.stack_outputs import OutputsSource, load_stack_outputs

from . import DEFAULT_WAIT_SECONDS
from .engine import VERIFY_OUTPUTS, endpoint_from_outputs, run_checks


def verify(
    source: OutputsSource, *, wait: float = DEFAULT_WAIT_SECONDS, ca_bundle: str | None = None, as_json: bool = False
) -> int:
    """Run every check with the stack's key and print the report; ExitCode.OK only when all passed.

    :param source: where the stack outputs come from.
    :param wait: seconds to keep retrying while a new key is not yet valid (IAM propagation).
    :param ca_bundle: a PEM file of CA certificates for the service URL (MinIO); None = botocore's bundle.
    :param as_json: one JSON object instead of the table.
    """
    outputs = load_stack_outputs(source, VERIFY_OUTPUTS)
    endpoint, bucket, actions_bucket = endpoint_from_outputs(outputs, ca_bundle)
    secrets = [endpoint.secret_access_key]
    try:
        report = run_checks(endpoint, bucket, actions_bucket, wait=wait)
    except CliError as error:  # defence in depth: no message may carry the secret
        raise CliError(redact(str(error), secrets), error.exit_code) from None
    text = json.dumps(report.as_json(), indent=2) if as_json else report.as_table()
    print(redact(text, secrets))
    return ExitCode.OK if report.ok else ExitCode.FAILED
