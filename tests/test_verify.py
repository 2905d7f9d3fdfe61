"""`ghes-packages verify` against a local moto server that enforces IAM, with the policy the program emits."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from components.iam_policy import PACKAGES_S3_ACTIONS, BucketAction, ObjectAction
from ghes_packages.cli import main
from ghes_packages.errors import CliError
from ghes_packages.exits import ExitCode
from ghes_packages.plan.evaluation import evaluate
from ghes_packages.verify.engine import run_checks as verify
from ghes_packages.verify.probes import PROBE_ROOT
from ghes_packages.verify.s3client import S3Endpoint, client_config, is_aws_endpoint
from tests.helpers import run_process, stdin_of
from tests.moto_s3 import REGION, AccessKey, MotoS3, moto_s3

pytestmark = pytest.mark.e2e

PACKAGES_BUCKET = "ghes-packages-verify-test"
ACTIONS_BUCKET = "ghes-actions-verify-test"
# The probes that must be denied, and the permission each names when it is not.
EXCESS_UNDER_S3_STAR = [
    "s3:DeleteBucket",
    "s3:GetBucketPolicy",
    "s3:PutBucketPolicy",
    "s3:CreateBucket",
    "s3:ListAllMyBuckets",
    f"{BucketAction.LIST_BUCKET} on bucket {ACTIONS_BUCKET}",
    f"{ObjectAction.PUT_OBJECT} on bucket {ACTIONS_BUCKET}",
]
# A bucket policy that changes nothing moto enforces, so a test can see it survive the policy probes.
BENIGN_BUCKET_POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "Benign",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:PutBucketWebsite",
                "Resource": f"arn:aws:s3:::{PACKAGES_BUCKET}",
            }
        ],
    }
)


@pytest.fixture(scope="module")
def emitted() -> dict[str, Any]:
    """The stack outputs of the real program, run in Pulumi's mock runtime with the test buckets' names."""
    config = {
        "aws:region": REGION,
        "ghes-packages:hostname": "ghes.example.com",
        "ghes-packages:bucketName": PACKAGES_BUCKET,
        "ghes-packages:actionsBucketName": ACTIONS_BUCKET,
    }
    return dict(evaluate(config, "verify-test").outputs)


@pytest.fixture(scope="module")
def moto() -> Iterator[MotoS3]:
    with moto_s3() as server:
        server.create_bucket(PACKAGES_BUCKET)
        server.create_bucket(ACTIONS_BUCKET)
        yield server


def _bucket_policy(moto: MotoS3) -> str | None:
    s3 = moto.admin("s3")
    try:
        return str(s3.get_bucket_policy(Bucket=PACKAGES_BUCKET)["Policy"])
    except s3.exceptions.ClientError as error:
        assert error.response["Error"]["Code"] == "NoSuchBucketPolicy"
        return None


@pytest.fixture(autouse=True)
def nothing_left_behind(moto: MotoS3) -> Iterator[None]:
    """After every run: no current probe object, no upload, no probe bucket, the bucket policy unchanged."""
    s3 = moto.admin("s3")
    policy_before = _bucket_policy(moto)
    yield
    for bucket in (PACKAGES_BUCKET, ACTIONS_BUCKET):
        assert s3.list_objects_v2(Bucket=bucket, Prefix=PROBE_ROOT).get("Contents", []) == []
        assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []
        # Versioning keeps what was written as noncurrent versions (the key cannot delete versions; the
        # lifecycle rule expires them): none may be current.
        versions = s3.list_object_versions(Bucket=bucket, Prefix=PROBE_ROOT).get("Versions", [])
        assert [v["Key"] for v in versions if v["IsLatest"]] == []
    assert sorted(b["Name"] for b in s3.list_buckets()["Buckets"]) == sorted([PACKAGES_BUCKET, ACTIONS_BUCKET])
    assert _bucket_policy(moto) == policy_before


def _policy_without(document: str, action: str) -> str:
    policy = json.loads(document)
    for statement in policy["Statement"]:
        statement["Action"] = [a for a in statement["Action"] if a != action]
    left = {a for statement in policy["Statement"] for a in statement["Action"]}
    assert left == PACKAGES_S3_ACTIONS - {action}
    return json.dumps(policy)


def _outputs(moto: MotoS3, emitted: dict[str, Any], key: AccessKey) -> dict[str, Any]:
    return {
        **emitted,
        "serviceUrl": moto.url,
        "accessKeyId": key.access_key_id,
        "secretAccessKey": key.secret_access_key,
    }


def _user(moto: MotoS3, name: str, policy: str) -> AccessKey:
    return moto.create_access_key(moto.create_user(name, policy))


def _run(outputs: dict[str, Any], capsys: pytest.CaptureFixture[str], *options: str) -> tuple[int, str, str]:
    """`ghes-packages verify --outputs -` in this process; the secret must appear in no output."""
    stdin, sys.stdin = sys.stdin, stdin_of(json.dumps(outputs))
    try:
        code = main(["verify", "--outputs", "-", *options])
    finally:
        sys.stdin = stdin
    out, err = capsys.readouterr()
    assert not outputs["secretAccessKey"] or outputs["secretAccessKey"] not in out + err
    return code, out, err


def test_the_emitted_policy_passes(moto: MotoS3, emitted: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    outputs = _outputs(moto, emitted, _user(moto, "emitted", emitted["policyDocument"]))
    code, out, err = _run(outputs, capsys, "--json")
    report = json.loads(out)
    assert (code, err) == (0, "")
    assert report["ok"] and report["missing"] == [] and report["excess"] == [] and report["leftovers"] == []
    assert all(check["ok"] for check in report["checks"]), report["checks"]
    assert {c["action"] for c in report["checks"] if c["expected"] == "allowed"} == PACKAGES_S3_ACTIONS
    denied = {(c["action"], c["bucket"]) for c in report["checks"] if c["expected"] == "denied"}
    assert len(denied) == len(EXCESS_UNDER_S3_STAR)
    assert report["accessKeyId"] == outputs["accessKeyId"] and report["requests"] >= len(report["checks"])


def test_the_table_names_each_check_and_ends_with_a_verdict(
    moto: MotoS3, emitted: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    outputs = _outputs(moto, emitted, _user(moto, "table", emitted["policyDocument"]))
    code, out, _ = _run(outputs, capsys)
    lines = out.splitlines()
    assert code == 0
    assert lines[0].split() == ["check", "expected", "result", "time"]
    assert any(line.startswith("abort multipart upload") and " ok " in line for line in lines)
    assert lines[-1].startswith(f"ok: access key {outputs['accessKeyId']} can do exactly what GHES Packages needs")


@pytest.mark.parametrize("action", sorted(PACKAGES_S3_ACTIONS))
def test_a_policy_missing_one_action_fails_naming_it(
    action: str, moto: MotoS3, emitted: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    policy = _policy_without(emitted["policyDocument"], action)
    outputs = _outputs(moto, emitted, _user(moto, f"without-{action.split(':')[1]}", policy))
    code, out, _ = _run(outputs, capsys, "--json", "--wait", "0")
    report = json.loads(out)
    assert code == 1 and not report["ok"]
    assert report["missing"] == [action]
    assert report["excess"] == [] and report["leftovers"] == []
    assert {c["action"] for c in report["checks"] if c["result"] == "failed"} == {action}


@pytest.mark.parametrize("bucket_policy", [BENIGN_BUCKET_POLICY, None], ids=["with-bucket-policy", "without"])
def test_s3_star_fails_naming_every_excess_permission(
    bucket_policy: str | None, moto: MotoS3, emitted: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    s3 = moto.admin("s3")
    if bucket_policy:
        s3.put_bucket_policy(Bucket=PACKAGES_BUCKET, Policy=bucket_policy)
    try:
        star = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]})
        outputs = _outputs(moto, emitted, _user(moto, f"star-{bool(bucket_policy)}", star))
        code, out, _ = _run(outputs, capsys)
        assert code == 1
        verdict = out.splitlines()[-1]
        assert verdict.startswith("FAILED:") and "missing" not in verdict
        for permission in EXCESS_UNDER_S3_STAR:
            assert permission in verdict
        code, out, _ = _run(outputs, capsys, "--json")
        assert sorted(json.loads(out)["excess"]) == sorted(EXCESS_UNDER_S3_STAR)
        assert _bucket_policy(moto) == bucket_policy
    finally:
        s3.delete_bucket_policy(Bucket=PACKAGES_BUCKET)


class _FakeTime:
    """A clock that only moves when verify sleeps; `on_sleep` runs after each sleep (IAM catching up)."""

    def __init__(self, on_sleep: Any = None):
        self.now, self.sleeps, self.on_sleep = 0.0, [], on_sleep

    def sleep(self, seconds: float) -> None:
        self.now += seconds
        self.sleeps.append(seconds)
        if self.on_sleep:
            self.on_sleep(len(self.sleeps))

    def clock(self) -> float:
        return self.now


def test_a_wrong_secret_is_one_clear_line_without_retrying(moto: MotoS3, emitted: dict[str, Any]) -> None:
    key = _user(moto, "wrong-secret", emitted["policyDocument"])
    outputs = _outputs(moto, emitted, AccessKey(key.access_key_id, "x" * 40))
    endpoint = S3Endpoint(moto.url, REGION, key.access_key_id, "x" * 40)
    fake = _FakeTime()
    with pytest.raises(CliError) as raised:
        verify(endpoint, PACKAGES_BUCKET, wait=60, sleep=fake.sleep, clock=fake.clock)
    assert fake.sleeps == [] and raised.value.exit_code == 3
    # End to end, with the default --wait: one line on stderr, nothing on stdout, neither secret anywhere.
    result = run_process("verify", "--outputs", "-", stdin=json.dumps(outputs))
    assert result.code == ExitCode.NOT_ACCEPTED and result.out == ""
    assert result.err.count("\n") == 1
    assert result.err.startswith("ghes-packages: error: verify: the secret access key does not belong to")
    assert "SignatureDoesNotMatch" in result.err and key.access_key_id in result.err
    assert "x" * 40 not in result.err and key.secret_access_key not in result.err


def test_an_unknown_key_is_one_clear_line(moto: MotoS3, emitted: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    outputs = _outputs(moto, emitted, AccessKey("AKIAIOSFODNN7EXAMPLE", "y" * 40))
    code, out, err = _run(outputs, capsys, "--wait", "0")
    assert (code, out) == (3, "")
    assert err.count("\n") == 1 and "AKIAIOSFODNN7EXAMPLE is not valid" in err and "InvalidAccessKeyId" in err


def test_a_key_not_yet_valid_passes_after_retrying(moto: MotoS3, emitted: dict[str, Any]) -> None:
    user = moto.create_user("propagating", emitted["policyDocument"])
    # moto draws key ids from a seedable generator: the same seed re-creates the same key later on.
    key = moto.create_access_key(user, seed=4242)
    moto.delete_access_key(user, key)

    def propagate(sleeps: int) -> None:
        if sleeps == 3:
            assert moto.create_access_key(user, seed=4242) == key

    fake = _FakeTime(propagate)
    endpoint = S3Endpoint(moto.url, REGION, key.access_key_id, key.secret_access_key)
    report = verify(endpoint, PACKAGES_BUCKET, ACTIONS_BUCKET, wait=60, sleep=fake.sleep, clock=fake.clock)
    assert report.ok, report.as_table()
    assert fake.sleeps == [0.5, 1.0, 2.0]
    assert report.checks[0].detail == "after 4 attempts"


def test_a_policy_not_yet_attached_passes_after_retrying(moto: MotoS3, emitted: dict[str, Any]) -> None:
    iam = moto.admin("iam")
    iam.create_user(UserName="policy-later")
    key = moto.create_access_key("policy-later")

    def attach(sleeps: int) -> None:
        if sleeps == 2:
            iam.put_user_policy(UserName="policy-later", PolicyName="p", PolicyDocument=emitted["policyDocument"])

    fake = _FakeTime(attach)
    endpoint = S3Endpoint(moto.url, REGION, key.access_key_id, key.secret_access_key)
    report = verify(endpoint, PACKAGES_BUCKET, ACTIONS_BUCKET, wait=60, sleep=fake.sleep, clock=fake.clock)
    assert report.ok and fake.sleeps == [0.5, 1.0]


def test_waiting_stops_at_the_deadline_with_one_clear_line(moto: MotoS3) -> None:
    fake = _FakeTime()
    endpoint = S3Endpoint(moto.url, REGION, "AKIAIOSFODNN7EXAMPLE", "z" * 40)
    with pytest.raises(CliError) as raised:
        verify(endpoint, PACKAGES_BUCKET, wait=10, sleep=fake.sleep, clock=fake.clock)
    assert fake.sleeps == [0.5, 1.0, 2.0, 4.0, 2.5]  # backoff doubles, and never sleeps past --wait
    message = str(raised.value)
    assert "\n" not in message and "InvalidAccessKeyId" in message and "10s (--wait)" in message


def test_the_callers_aws_environment_is_ignored(moto: MotoS3, emitted: dict[str, Any], tmp_path: Path) -> None:
    key = _user(moto, "isolated", emitted["policyDocument"])
    admin = moto.admin_key
    assert admin is not None
    config = tmp_path / "config"
    config.write_text(
        f"[default]\nregion = us-gov-west-1\nendpoint_url = http://127.0.0.1:9\n[profile admin]\nregion = {REGION}\n"
    )
    credentials = tmp_path / "credentials"
    credentials.write_text(
        f"[default]\naws_access_key_id = {admin.access_key_id}\naws_secret_access_key = {admin.secret_access_key}\n"
    )
    hostile = {
        # Were any of these used, the run would fail: another key (the admin's: excess everywhere), another
        # endpoint, region or model, or a profile that does not exist.
        "AWS_PROFILE": "no-such-profile",
        "AWS_ACCESS_KEY_ID": admin.access_key_id,
        "AWS_SECRET_ACCESS_KEY": admin.secret_access_key,
        "AWS_SESSION_TOKEN": "not-a-token",
        "AWS_CONFIG_FILE": str(config),
        "AWS_SHARED_CREDENTIALS_FILE": str(credentials),
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
        "AWS_ENDPOINT_URL_S3": "http://127.0.0.1:9",
        "AWS_DEFAULT_REGION": "us-gov-west-1",
        "AWS_USE_FIPS_ENDPOINT": "true",
        "AWS_DATA_PATH": str(tmp_path / "no-models"),
    }
    outputs = _outputs(moto, emitted, key)
    result = run_process("verify", "--outputs", "-", "--json", stdin=json.dumps(outputs), env=hostile)
    assert result.code == ExitCode.OK, result.err + result.out
    assert result.json()["accessKeyId"] == key.access_key_id
    assert key.secret_access_key not in result.out + result.err


def test_a_missing_bucket_is_one_clear_line(
    moto: MotoS3, emitted: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    assert moto.admin_key is not None  # a key allowed everything, so S3 gets as far as looking for the bucket
    outputs = {**_outputs(moto, emitted, moto.admin_key), "bucketName": "ghes-packages-no-such-bucket"}
    code, out, err = _run(outputs, capsys)
    assert (code, out) == (3, "")
    assert err == (
        f"ghes-packages: error: verify: bucket ghes-packages-no-such-bucket does not exist at {moto.url} (NoSuchBucket)\n"
    )


def test_an_unreachable_service_url_is_one_clear_line(emitted: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    outputs = {**emitted, "serviceUrl": "http://127.0.0.1:9"}
    code, out, err = _run(outputs, capsys, "--wait", "0")
    assert (code, out) == (3, "")
    assert err.count("\n") == 1 and err.startswith("ghes-packages: error: verify: cannot talk to http://127.0.0.1:9")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"secretAccessKey": ""}, "stack outputs: missing secretAccessKey"),
        ({"serviceUrl": "s3.eu-west-1.amazonaws.com"}, "stack outputs: serviceUrl must be an http:// or https:// URL"),
    ],
)
def test_unusable_outputs_are_one_clear_line(
    change: dict[str, str], message: str, emitted: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _run({**emitted, **change}, capsys)
    assert (code, out) == (1, "")
    assert err.count("\n") == 1 and err.startswith(f"ghes-packages: error: {message}")


def test_a_missing_ca_bundle_is_one_clear_line(emitted: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as raised:
        _run(emitted, capsys, "--ca-bundle", "/nonexistent/ca.pem")
    out, err = capsys.readouterr()
    assert (raised.value.code, out) == (2, "")
    assert (
        err == "ghes-packages verify: error: argument --ca-bundle: /nonexistent/ca.pem is not a readable file (see --help)\n"
    )


def test_a_bad_wait_is_rejected(emitted: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as raised:
        _run(emitted, capsys, "--wait", "-1")
    assert raised.value.code == 2
    err = capsys.readouterr().err
    assert "argument --wait: must be a number of seconds from 0 to 3600" in err and len(err.splitlines()) == 1


@pytest.mark.parametrize(
    ("url", "aws"),
    [
        ("https://s3.eu-west-1.amazonaws.com", True),
        ("https://s3.cn-north-1.amazonaws.com.cn", True),
        ("https://minio.example.com:9000", False),
        ("http://127.0.0.1:9000", False),
        ("https://s3.amazonaws.com.evil.example", False),
    ],
)
def test_path_style_addressing_off_aws(url: str, aws: bool) -> None:
    assert is_aws_endpoint(url) is aws
    assert client_config(url).s3 == {"addressing_style": "auto" if aws else "path"}
