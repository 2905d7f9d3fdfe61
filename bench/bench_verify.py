"""`verify` against a local moto server (IAM enforced), as a ratio to a floor measured in the same run.

The floor is the least any check of the same depth could cost: a client made the same way, then the same
number of bare authenticated requests (ListObjectsV2) in a row. Both are measured in this process after
a warm-up, so loading botocore's models once counts for neither. Aim: verify at most 1.5 times the floor.
"""

from __future__ import annotations

import statistics
import time
import warnings

from ghes_packages.plan.evaluation import evaluate
from ghes_packages.verify.engine import run_checks as verify
from ghes_packages.verify.s3client import RequestCounter, S3Endpoint, make_client
from tests.moto_s3 import REGION, moto_s3

AIM = 1.5
ROUNDS = 11
PACKAGES_BUCKET = "ghes-packages-bench"
ACTIONS_BUCKET = "ghes-actions-bench"


def _emitted_policy() -> str:
    config = {
        "aws:region": REGION,
        "ghes-packages:hostname": "ghes.example.com",
        "ghes-packages:bucketName": PACKAGES_BUCKET,
        "ghes-packages:actionsBucketName": ACTIONS_BUCKET,
    }
    with warnings.catch_warnings():  # pulumi_aws.s3 warns about deprecated classes the program does not use
        warnings.simplefilter("ignore", DeprecationWarning)
        return str(evaluate(config, "bench").outputs["policyDocument"])


def main() -> int:
    policy = _emitted_policy()
    with moto_s3() as moto:
        moto.create_bucket(PACKAGES_BUCKET)
        moto.create_bucket(ACTIONS_BUCKET)
        key = moto.create_access_key(moto.create_user("bench", policy))
        endpoint = S3Endpoint(moto.url, REGION, key.access_key_id, key.secret_access_key)

        def run_verify() -> tuple[float, int]:
            start = time.perf_counter()
            report = verify(endpoint, PACKAGES_BUCKET, ACTIONS_BUCKET, wait=0)
            elapsed = time.perf_counter() - start
            if not report.ok:
                raise SystemExit(f"bench_verify: verify failed against moto:\n{report.as_table()}")
            return elapsed, report.requests

        def run_floor(requests: int) -> tuple[float, float]:
            counter = RequestCounter()
            start = time.perf_counter()
            client = make_client(endpoint, counter)
            made = time.perf_counter()
            for _ in range(requests):
                client.list_objects_v2(Bucket=PACKAGES_BUCKET, MaxKeys=1)
            elapsed = time.perf_counter() - start
            assert counter.count == requests
            return elapsed, made - start

        _, requests = run_verify()  # warm-up: models, connections, moto's first-request costs
        run_floor(requests)
        verify_times, floor_times, client_times = [], [], []
        for _ in range(ROUNDS):  # interleaved, so drift in the machine's load hits both alike
            elapsed, counted = run_verify()
            assert counted == requests, "verify sent a different number of requests from one run to the next"
            verify_times.append(elapsed)
            floor, client = run_floor(requests)
            floor_times.append(floor)
            client_times.append(client)

    verify_ms, floor_ms = statistics.median(verify_times) * 1000, statistics.median(floor_times) * 1000
    client_ms = statistics.median(client_times) * 1000
    ratio = verify_ms / floor_ms
    print(f"verify: {verify_ms:.0f} ms for {requests} requests (median of {ROUNDS})")
    print(
        f"floor:  {floor_ms:.0f} ms for a client ({client_ms:.0f} ms) and {requests} bare authenticated requests "
        f"(median of {ROUNDS})"
    )
    print(f"ratio:  {ratio:.2f} (aim: at most {AIM}; {'met' if ratio <= AIM else 'NOT met'})")
    return 0
