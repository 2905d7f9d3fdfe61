"""The policy pack as the Pulumi engine runs it: its entry point serves the analyzer protocol on loopback.

The Pulumi CLI is not available here, so the test plays the engine: it starts the pack with the Python SDK's
policy-pack runner (`python -m pulumi.policy ENGINE PROGRAM`, in policies/), then calls GetAnalyzerInfo,
Analyze and AnalyzeStack over gRPC, as `pulumi preview --policy-pack policies` would.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
import yaml
from google.protobuf import empty_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc

from components.iam_policy import packages_policy_document
from ghes_packages import resource_types as rt
from policies import bucket_rules, rules

# The pack is served over gRPC by a real `pulumi.policy` process, as the engine would start it.
pytestmark = pytest.mark.e2e

POLICIES_DIR = Path(rules.__file__).resolve().parent
ACTIONS_BUCKET = "example-actions"
MANDATORY = analyzer_pb2.EnforcementLevel.Value("MANDATORY")


@pytest.fixture(scope="module")
def pack() -> Iterator[Any]:
    env = {**os.environ, "PULUMI_CONFIG": json.dumps({"ghes-packages:actionsBucketName": ACTIONS_BUCKET})}
    process = subprocess.Popen(
        [sys.executable, "-u", "-m", "pulumi.policy", "127.0.0.1:0", "."],
        cwd=POLICIES_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None and process.stderr is not None
        ready, _, _ = select.select([process.stdout], [], [], 60)
        port = process.stdout.readline().strip() if ready else ""
        assert port.isdigit(), (
            f"the pack did not start: {process.stderr.read() if process.poll() is not None else 'no port'}"
        )
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            yield analyzer_pb2_grpc.AnalyzerStub(channel)
    finally:
        process.terminate()
        process.wait(timeout=10)


def _request(type_: str, props: dict[str, Any], protect: bool = False) -> analyzer_pb2.AnalyzeRequest:
    request = analyzer_pb2.AnalyzeRequest(
        type=type_,
        urn=f"urn:pulumi:dev::ghes-packages::{type_}::r",
        name="r",
        options=analyzer_pb2.AnalyzerResourceOptions(protect=protect),
    )
    request.properties.update(props)
    return request


def test_the_pack_file_runs_the_pack_in_the_projects_virtualenv() -> None:
    manifest = yaml.safe_load((POLICIES_DIR / "PulumiPolicy.yaml").read_text())
    assert manifest["runtime"]["name"] == "python"
    assert (POLICIES_DIR / manifest["runtime"]["options"]["virtualenv"]).resolve() == (
        POLICIES_DIR.parent / ".venv"
    ).resolve()


def test_the_pack_serves_every_rule_as_mandatory_but_the_key_age(pack: Any) -> None:
    info = pack.GetAnalyzerInfo(empty_pb2.Empty())
    assert info.name == "ghes-packages"
    assert [p.name for p in info.policies] == [p.name for p in rules.POLICIES]
    levels = {p.name: p.enforcementLevel for p in info.policies}
    assert levels.pop("packages-access-key-age") == analyzer_pb2.EnforcementLevel.Value("ADVISORY")
    assert set(levels.values()) == {MANDATORY}


def test_the_pack_passes_the_programs_policy_and_blocks_an_eighth_action(pack: Any) -> None:
    document = packages_policy_document("arn:aws:s3:::example-packages")
    assert list(pack.Analyze(_request(rt.USER_POLICY, {"policy": json.dumps(document)})).diagnostics) == []
    document["Statement"][0]["Action"].append("s3:PutBucketPolicy")
    (diagnostic,) = pack.Analyze(_request(rt.USER_POLICY, {"policy": json.dumps(document)})).diagnostics
    assert diagnostic.policyName == "packages-iam-policy-least-privilege" and diagnostic.enforcementLevel == MANDATORY
    assert "s3:PutBucketPolicy" in diagnostic.message


def test_the_pack_reads_the_actions_bucket_from_the_stack_config_and_protect_from_the_options(pack: Any) -> None:
    names = {d.policyName for d in pack.Analyze(_request(rt.BUCKET, {"bucket": ACTIONS_BUCKET})).diagnostics}
    assert names == {"packages-bucket-not-actions-bucket", "packages-bucket-protected"}
    assert list(pack.Analyze(_request(rt.BUCKET, {"bucket": "example-packages"}, protect=True)).diagnostics) == []


def test_the_pack_blocks_a_bucket_without_its_guards(pack: Any) -> None:
    bucket = analyzer_pb2.AnalyzerResource(type=rt.BUCKET, urn="urn:pulumi:dev::ghes-packages::b", name="b")
    bucket.properties.update({"bucket": "example-packages", "arn": "arn:aws:s3:::example-packages"})
    diagnostics = pack.AnalyzeStack(analyzer_pb2.AnalyzeStackRequest(resources=[bucket])).diagnostics
    assert sorted(d.message.splitlines()[-1] for d in diagnostics) == sorted(
        f"bucket example-packages has no {what}" for what in bucket_rules.GUARDS
    )


def test_an_unknown_policy_in_preview_is_advisory_not_a_violation(pack: Any) -> None:
    from pulumi_policy.proxy import UNKNOWN_STRING_VALUE

    (diagnostic,) = pack.Analyze(_request(rt.USER_POLICY, {"policy": UNKNOWN_STRING_VALUE})).diagnostics
    assert diagnostic.enforcementLevel == analyzer_pb2.EnforcementLevel.Value("ADVISORY")
    assert "can't be known during preview" in diagnostic.message
