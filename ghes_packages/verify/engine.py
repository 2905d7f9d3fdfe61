"""The engine of `ghes-packages verify`: probes the stack's key against its service URL, as GHES will use it.

Kept apart from the command so that loading the CLI (for `plan`, `--help`, ...) does not load botocore.
"""

from __future__ import annotations

import time
from typing import Any

from botocore.exceptions import BotoCoreError

from ghes_packages.errors import CliError
from ghes_packages.exits import ExitCode
from ghes_packages.outputs import StackOutput

from . import DEFAULT_WAIT_SECONDS
from .denied_probes import probe_denied
from .needed_probes import Clock, Sleep, delete_before_writing, delete_written, exercise
from .probes import Prober
from .report import Report
from .s3client import RequestCounter, S3Endpoint, make_client

VERIFY_OUTPUTS = (
    StackOutput.BUCKET_NAME,
    StackOutput.SERVICE_URL,
    StackOutput.REGION,
    StackOutput.ACCESS_KEY_ID,
    StackOutput.SECRET_ACCESS_KEY,
)
"""The outputs `verify` needs."""


def endpoint_from_outputs(outputs: dict[str, Any], ca_bundle: str | None) -> tuple[S3Endpoint, str, str | None]:
    """The endpoint, the Packages bucket and the Actions bucket (if any) from stack outputs that
    `load_stack_outputs` checked."""
    actions = outputs.get(StackOutput.ACTIONS_BUCKET_NAME)
    endpoint = S3Endpoint(
        service_url=outputs[StackOutput.SERVICE_URL],
        region=outputs[StackOutput.REGION],
        access_key_id=outputs[StackOutput.ACCESS_KEY_ID],
        secret_access_key=outputs[StackOutput.SECRET_ACCESS_KEY],
        ca_bundle=ca_bundle,
    )
    return endpoint, outputs[StackOutput.BUCKET_NAME], actions if isinstance(actions, str) and actions else None


def run_checks(
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
        raise CliError(f"verify: cannot talk to {endpoint.service_url}: {error}{left}", ExitCode.NOT_ACCEPTED) from None
    return Report(
        bucket=bucket,
        access_key_id=endpoint.access_key_id,
        service_url=endpoint.service_url,
        checks=prober.checks,
        leftovers=prober.leftovers,
        requests=counter.count,
    )
