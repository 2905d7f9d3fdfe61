"""The resource graph `pulumi up` would create for a MinIO stack, asserted through Pulumi's mock runtime."""

from __future__ import annotations

import json

import pytest

from components import MINIO_COMPONENT_TYPE
from components.iam_policy import BUCKET_ACTIONS, OBJECT_ACTIONS
from ghes_packages import resource_types as types
from ghes_packages.appliance.ghe_config import GheConfigKey
from ghes_packages.outputs import StackOutput
from ghes_packages.plan.evaluation import Evaluation, mock_secret_access_key
from tests.helpers import MINIMAL, MINIMAL_MINIO, MINIO, evaluate_stack, stack_config


def test_every_resource_is_a_minio_resource_under_the_minio_component(minio: Evaluation) -> None:
    kinds = {r.type for r in minio.resources}
    aws = sorted(k for k in kinds if k.startswith("aws:"))
    assert aws == [], f"a MinIO stack declares AWS resources: {aws}"
    orphans = [r.name for r in minio.resources if r.type != MINIO_COMPONENT_TYPE and r.parent_type != MINIO_COMPONENT_TYPE]
    assert orphans == [], f"resources not parented to MinioPackagesStorage: {orphans}"
    assert kinds == {
        MINIO_COMPONENT_TYPE,
        types.MINIO_BUCKET,
        types.MINIO_VERSIONING,
        types.MINIO_ILM_POLICY,
        types.MINIO_USER,
        types.MINIO_POLICY,
        types.MINIO_USER_POLICY_ATTACHMENT,
        types.MINIO_SERVICE_ACCOUNT,
    }


def test_bucket_is_protected_retained_private_and_never_force_destroyed(minio: Evaluation) -> None:
    bucket = minio.one(types.MINIO_BUCKET)
    assert bucket.protect, "the Packages bucket must be protected: GitHub warns against replacing it"
    assert bucket.retain_on_delete, "the Packages bucket must be retained when removed from the program"
    assert bucket.inputs.get("forceDestroy") is False, "force_destroy would let the provider empty the bucket"
    assert bucket.inputs.get("acl") == "private", "any other canned ACL gives anonymous access"
    assert bucket.inputs.get("bucket") == MINIO["ghes-packages:bucketName"]
    assert "bucketPrefix" not in bucket.inputs, "a named bucket needs no prefix"
    assert not minio.of_type(types.MINIO_BUCKET_POLICY), "no bucket policy: MinIO's are for anonymous access"


def test_unnamed_bucket_gets_a_stack_derived_prefix() -> None:
    evaluation = evaluate_stack(MINIMAL_MINIO, "lab")
    bucket = evaluation.one(types.MINIO_BUCKET)
    assert "bucket" not in bucket.inputs
    assert bucket.inputs["bucketPrefix"] == "ghes-packages-lab-bucket-"
    assert evaluation.outputs["bucketName"].startswith("ghes-packages-lab-bucket-")


def test_versioning_and_an_ilm_rule_expire_noncurrent_versions(minio: Evaluation) -> None:
    versioning = minio.one(types.MINIO_VERSIONING).inputs
    assert versioning == {"bucket": MINIO["ghes-packages:bucketName"], "versioningConfiguration": {"status": "Enabled"}}
    ilm = minio.one(types.MINIO_ILM_POLICY)
    assert ilm.inputs["bucket"] == MINIO["ghes-packages:bucketName"]
    assert ilm.inputs["rules"] == [
        {"id": "expire-noncurrent-versions", "noncurrentVersionExpirationDays": 14, "expiration": "DeleteMarker"}
    ]
    assert minio.one(types.MINIO_VERSIONING).urn in ilm.dependencies, "the ILM rule needs versioning on first"


def test_without_versioning_there_is_no_versioning_and_no_ilm_rule() -> None:
    evaluation = evaluate_stack({**MINIMAL_MINIO, "ghes-packages:versioning": "false"})
    assert not evaluation.of_type(types.MINIO_VERSIONING)
    assert not evaluation.of_type(types.MINIO_ILM_POLICY)


def test_policy_holds_exactly_the_seven_actions_on_the_bucket_in_minio_arn_form(minio: Evaluation) -> None:
    document = json.loads(minio.one(types.MINIO_POLICY).inputs["policy"])
    bucket = MINIO["ghes-packages:bucketName"]
    assert minio.outputs["bucketArn"] == f"arn:aws:s3:::{bucket}"
    assert document == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "PackagesBucket",
                "Effect": "Allow",
                "Action": list(BUCKET_ACTIONS),
                "Resource": f"arn:aws:s3:::{bucket}",
            },
            {
                "Sid": "PackagesObjects",
                "Effect": "Allow",
                "Action": list(OBJECT_ACTIONS),
                "Resource": f"arn:aws:s3:::{bucket}/*",
            },
        ],
    }
    assert json.loads(minio.outputs["policyDocument"]) == document


def test_policy_is_attached_to_the_user_only_and_the_key_is_its_service_account(minio: Evaluation) -> None:
    user = minio.one(types.MINIO_USER)
    policy = minio.one(types.MINIO_POLICY)
    attachment = minio.one(types.MINIO_USER_POLICY_ATTACHMENT).inputs
    assert attachment == {"userName": user.state["name"], "policyName": policy.state["name"]}
    account = minio.one(types.MINIO_SERVICE_ACCOUNT)
    assert account.inputs == {"targetUser": user.state["name"], "disableUser": False}, (
        "the service account must inherit the user's policy, and be enabled"
    )
    assert minio.outputs["accessKeyId"] == account.state["accessKey"]
    assert minio.outputs["iamUserName"] == user.state["name"]
    assert user.inputs["tags"] == json.loads(MINIO["ghes-packages:tags"])


def test_user_waits_for_the_bucket(minio: Evaluation) -> None:
    assert minio.one(types.MINIO_BUCKET).urn in minio.one(types.MINIO_USER).dependencies


def test_outputs_are_the_aws_outputs_but_iam_user_arn(minio: Evaluation, prod: Evaluation) -> None:
    assert set(minio.outputs) == set(StackOutput) - {StackOutput.IAM_USER_ARN}
    assert minio.outputs["storage"] == "minio" and prod.outputs["storage"] == "s3"
    assert minio.outputs["serviceUrl"] == "https://minio-lab.example.com:9000"
    assert minio.outputs["region"] == "us-east-1", "the provider's default region"
    assert minio.outputs["hostname"] == MINIO["ghes-packages:hostname"]


def test_secret_key_is_a_secret_output_and_only_there(minio: Evaluation) -> None:
    secret = mock_secret_access_key("lab", "ghes-packages-lab-service-account-1")
    assert minio.outputs["secretAccessKey"] == secret
    assert {"secretAccessKey", "ghesConfigureScript", "ghesSettings"} <= minio.secret_outputs
    leaking = [name for name, value in minio.outputs.items() if name not in minio.secret_outputs and secret in str(value)]
    assert not leaking, f"the service account's secret appears in non-secret outputs {leaking}"


def test_appliance_settings_carry_the_minio_endpoint_and_key(minio: Evaluation) -> None:
    settings = minio.outputs["ghesSettings"]
    assert settings[GheConfigKey.BLOB_STORAGE_TYPE] == "s3", "GHES takes MinIO through its S3 settings"
    assert settings[GheConfigKey.SERVICE_URL] == minio.outputs["serviceUrl"]
    assert settings[GheConfigKey.S3_BUCKET] == minio.outputs["bucketName"]
    assert settings[GheConfigKey.AWS_ACCESS_KEY] == minio.outputs["accessKeyId"]
    assert settings[GheConfigKey.AWS_SECRET_KEY] == minio.outputs["secretAccessKey"]


def test_plain_http_gives_an_http_service_url_and_a_warning() -> None:
    config = {**MINIMAL_MINIO, "minio:minioSsl": "false", "ghes-packages:allowPlainHttp": "true"}
    evaluation = evaluate_stack(config)
    assert evaluation.outputs["serviceUrl"] == "http://minio.example.com:9000"
    assert len(evaluation.warnings) == 1 and "plain HTTP" in evaluation.warnings[0], evaluation.warnings
    assert evaluate_stack(MINIMAL_MINIO).warnings == [], "TLS needs no warning"


def test_the_aws_graph_does_not_change_with_the_minio_target() -> None:
    # An AWS stack that says storage: s3 declares exactly what one without the setting does.
    plain = evaluate_stack(stack_config("prod"), "prod")
    explicit = evaluate_stack({**stack_config("prod"), "ghes-packages:storage": "s3"}, "prod")
    assert sorted((r.urn, json.dumps(r.inputs, sort_keys=True)) for r in explicit.resources) == sorted(
        (r.urn, json.dumps(r.inputs, sort_keys=True)) for r in plain.resources
    )
    assert not [r.type for r in plain.resources if r.type.startswith("minio:")], "an AWS stack declares MinIO resources"


@pytest.mark.parametrize("config", [MINIMAL, MINIMAL_MINIO], ids=["aws", "minio"])
def test_program_uses_no_deprecated_provider_resource_or_property(
    config: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import pulumi

    warned: list[str] = []
    monkeypatch.setattr(pulumi.log, "warn", lambda message, *args, **kwargs: warned.append(str(message)))
    evaluate_stack(config)
    assert not [m for m in warned if "deprecated" in m], f"the program uses deprecated provider APIs: {warned}"
