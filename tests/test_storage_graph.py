"""The resource graph `pulumi up` would create, asserted through Pulumi's mock runtime."""

from __future__ import annotations

import json

import pytest

from components.iam_policy import BUCKET_ACTIONS, KMS_ACTIONS, OBJECT_ACTIONS, PACKAGES_S3_ACTIONS
from ghes_packages.outputs import StackOutput
from ghes_packages.plan.evaluation import Evaluation, mock_secret_access_key
from tests.helpers import MINIMAL, stack_config
from tests.helpers import evaluate_stack as run

BUCKET = "aws:s3/bucket:Bucket"
COMPONENT = "ghes-packages:storage:PackagesStorage"
PROD_KMS = stack_config("prod")["ghes-packages:kmsKeyArn"]


def test_every_resource_is_a_child_of_the_component(prod: Evaluation) -> None:
    children = [r for r in prod.resources if r.type != COMPONENT]
    assert children, "the program declared no resources"
    orphans = [r.name for r in children if r.parent_type != COMPONENT]
    assert not orphans, f"resources not parented to PackagesStorage: {orphans}"


def test_bucket_is_protected_retained_and_never_force_destroyed(prod: Evaluation) -> None:
    bucket = prod.one(BUCKET)
    assert bucket.protect, "the Packages bucket must be protected: GitHub warns against replacing it"
    assert bucket.retain_on_delete, "the Packages bucket must be retained when removed from the program"
    assert bucket.inputs.get("forceDestroy") is not True, "force_destroy would let Pulumi empty the bucket"


def test_bucket_uses_the_configured_name_and_tags(prod: Evaluation) -> None:
    bucket = prod.one(BUCKET)
    assert bucket.inputs["bucket"] == "example-ghes-prod-packages"
    assert bucket.inputs["tags"] == json.loads(stack_config("prod")["ghes-packages:tags"])


def test_bucket_name_defaults_to_a_stack_derived_auto_name(minimal: Evaluation) -> None:
    bucket = minimal.one(BUCKET)
    assert "bucket" not in bucket.inputs, "without bucketName, Pulumi auto-naming must choose the name"
    assert bucket.name == "ghes-packages-dev-bucket", f"logical name not derived from the stack: {bucket.name}"
    assert minimal.outputs["bucketName"].startswith("ghes-packages-dev-bucket-")


def test_public_access_block_has_all_four_flags_on(prod: Evaluation) -> None:
    block = prod.one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").inputs
    flags = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
    assert all(block.get(flag) is True for flag in flags), f"public access block not fully on: {block}"
    assert block["bucket"] == "example-ghes-prod-packages"


def test_ownership_is_bucket_owner_enforced(prod: Evaluation) -> None:
    rule = prod.one("aws:s3/bucketOwnershipControls:BucketOwnershipControls").inputs["rule"]
    assert rule["objectOwnership"] == "BucketOwnerEnforced", "ACLs must be disabled on the bucket"


def _encryption(evaluation: Evaluation) -> dict[str, object]:
    sse = evaluation.one("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration").inputs
    (rule,) = sse["rules"]
    return dict(rule)


def test_default_encryption_is_sse_s3_without_a_kms_key(minimal: Evaluation) -> None:
    rule = _encryption(minimal)
    assert rule["applyServerSideEncryptionByDefault"] == {"sseAlgorithm": "AES256"}


def test_default_encryption_is_sse_kms_with_bucket_key_when_a_key_is_set(prod: Evaluation) -> None:
    rule = _encryption(prod)
    assert rule["applyServerSideEncryptionByDefault"] == {"sseAlgorithm": "aws:kms", "kmsMasterKeyId": PROD_KMS}
    assert rule["bucketKeyEnabled"] is True, "a bucket key cuts KMS requests (and cost) per object"


def test_versioning_is_enabled_by_default(minimal: Evaluation) -> None:
    versioning = minimal.one("aws:s3/bucketVersioning:BucketVersioning").inputs
    assert versioning["versioningConfiguration"] == {"status": "Enabled"}


def test_lifecycle_aborts_uploads_and_expires_noncurrent_versions(prod: Evaluation) -> None:
    rules = {
        r["id"]: r for r in prod.one("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration").inputs["rules"]
    }
    abort = rules["abort-incomplete-multipart-uploads"]
    assert abort["status"] == "Enabled"
    assert abort["abortIncompleteMultipartUpload"] == {"daysAfterInitiation": 3}
    noncurrent = rules["expire-noncurrent-versions"]
    assert noncurrent["noncurrentVersionExpiration"] == {"noncurrentDays": 90}
    assert noncurrent["expiration"] == {"expiredObjectDeleteMarker": True}


def test_without_versioning_there_is_no_versioning_and_no_noncurrent_rule() -> None:
    evaluation = run({**MINIMAL, "ghes-packages:versioning": "false"})
    assert not evaluation.of_type("aws:s3/bucketVersioning:BucketVersioning")
    rules = evaluation.one("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration").inputs["rules"]
    assert [r["id"] for r in rules] == ["abort-incomplete-multipart-uploads"]


def test_bucket_policy_denies_plain_http_and_tls_below_1_2(prod: Evaluation) -> None:
    policy = json.loads(prod.one("aws:s3/bucketPolicy:BucketPolicy").inputs["policy"])
    arn = prod.outputs["bucketArn"]
    conditions = []
    for statement in policy["Statement"]:
        assert statement["Effect"] == "Deny" and statement["Principal"] == "*" and statement["Action"] == "s3:*"
        assert statement["Resource"] == [arn, f"{arn}/*"], "the deny must cover the bucket and every object"
        conditions.append(statement["Condition"])
    assert {"Bool": {"aws:SecureTransport": "false"}} in conditions
    assert {"NumericLessThan": {"s3:TlsVersion": "1.2"}} in conditions


def test_iam_user_has_path_tags_and_permissions_boundary(prod: Evaluation) -> None:
    user = prod.one("aws:iam/user:User").inputs
    assert user["path"] == "/ghes/"
    assert user["permissionsBoundary"] == stack_config("prod")["ghes-packages:permissionsBoundaryArn"]
    assert user["tags"]["environment"] == "prod"


def test_iam_user_has_no_permissions_boundary_unless_set(minimal: Evaluation) -> None:
    assert "permissionsBoundary" not in minimal.one("aws:iam/user:User").inputs


def _statements(evaluation: Evaluation) -> dict[str, dict[str, object]]:
    document = json.loads(evaluation.one("aws:iam/userPolicy:UserPolicy").inputs["policy"])
    return {s["Sid"]: s for s in document["Statement"]}


def test_user_policy_grants_exactly_the_seven_actions_with_arn_scoping(minimal: Evaluation) -> None:
    statements = _statements(minimal)
    arn = minimal.outputs["bucketArn"]
    assert statements["PackagesBucket"] == {
        "Sid": "PackagesBucket",
        "Effect": "Allow",
        "Action": list(BUCKET_ACTIONS),
        "Resource": arn,
    }
    assert statements["PackagesObjects"] == {
        "Sid": "PackagesObjects",
        "Effect": "Allow",
        "Action": list(OBJECT_ACTIONS),
        "Resource": f"{arn}/*",
    }
    granted = {a for s in statements.values() for a in s["Action"]}  # type: ignore[attr-defined]
    assert granted == PACKAGES_S3_ACTIONS and len(PACKAGES_S3_ACTIONS) == 7


def test_kms_key_gets_its_own_statement_on_that_key_only(prod: Evaluation) -> None:
    statements = _statements(prod)
    assert statements["PackagesKmsKey"]["Action"] == list(KMS_ACTIONS)
    assert statements["PackagesKmsKey"]["Resource"] == PROD_KMS
    assert "PackagesKmsKey" not in _statements(run(MINIMAL)), "no KMS grant without a KMS key"


def test_kms_statement_allows_the_key_only_through_s3_for_this_bucket(prod: Evaluation) -> None:
    condition = _statements(prod)["PackagesKmsKey"].get("Condition")
    assert condition == {
        "StringEquals": {
            "kms:ViaService": "s3.us-west-2.amazonaws.com",
            # With an S3 Bucket Key, S3 asks KMS with the bucket's ARN as encryption context (not the object's).
            "kms:EncryptionContext:aws:s3:arn": prod.outputs["bucketArn"],
        }
    }, "without these conditions the key's user could call KMS directly, or through S3 for any bucket"


@pytest.mark.parametrize(
    ("region", "via"),
    [("cn-north-1", "s3.cn-north-1.amazonaws.com.cn"), ("us-gov-east-1", "s3.us-gov-east-1.amazonaws.com")],
)
def test_kms_via_service_follows_the_partition(region: str, via: str) -> None:
    partition = "aws-cn" if region.startswith("cn-") else "aws-us-gov"
    key = PROD_KMS.replace("arn:aws:", f"arn:{partition}:").replace("us-west-2", region)
    evaluation = run({**MINIMAL, "aws:region": region, "ghes-packages:kmsKeyArn": key})
    condition = _statements(evaluation)["PackagesKmsKey"]["Condition"]["StringEquals"]
    assert condition["kms:ViaService"] == via
    assert condition["kms:EncryptionContext:aws:s3:arn"] == evaluation.outputs["bucketArn"]


def test_user_policy_and_access_key_belong_to_the_user(prod: Evaluation) -> None:
    user_name = prod.outputs["iamUserName"]
    assert prod.one("aws:iam/userPolicy:UserPolicy").inputs["user"] == user_name
    assert prod.one("aws:iam/accessKey:AccessKey").inputs["user"] == user_name


def test_arns_come_from_the_provider_in_china_regions() -> None:
    evaluation = run({**MINIMAL, "aws:region": "cn-north-1"})
    arn = evaluation.outputs["bucketArn"]
    assert arn.startswith("arn:aws-cn:s3:::"), arn
    assert _statements(evaluation)["PackagesObjects"]["Resource"] == f"{arn}/*"
    assert evaluation.outputs["serviceUrl"] == "https://s3.cn-north-1.amazonaws.com.cn"


def test_stack_outputs_have_their_stable_names_and_values(prod: Evaluation) -> None:
    outputs = prod.outputs
    assert set(outputs) == {
        "bucketName",
        "bucketArn",
        "region",
        "serviceUrl",
        "iamUserName",
        "iamUserArn",
        "accessKeyId",
        "secretAccessKey",
        "accessKeyGeneration",
        "accessKeys",
        "policyDocument",
        "hostname",
        "actionsBucketName",
        "ghesConfigureScript",
        "ghesSettings",
        "applianceAddress",
        "applianceHostKey",
        "storage",
    }
    assert set(outputs) == set(StackOutput), "outputs.StackOutput must name exactly what the program exports"
    assert outputs["bucketName"] == "example-ghes-prod-packages"
    assert outputs["storage"] == "s3", "an AWS stack (no storage setting) must say so in its storage output"
    assert outputs["region"] == "us-west-2"
    assert outputs["serviceUrl"] == "https://s3.us-west-2.amazonaws.com"
    assert outputs["hostname"] == "ghes.example.com"
    assert outputs["actionsBucketName"] == "example-ghes-prod-actions"
    assert json.loads(outputs["policyDocument"]) == json.loads(prod.one("aws:iam/userPolicy:UserPolicy").inputs["policy"])


def test_actions_bucket_output_only_when_set(minimal: Evaluation) -> None:
    assert "actionsBucketName" not in minimal.outputs


def test_secret_access_key_is_a_secret_output_and_only_there(prod: Evaluation) -> None:
    secret = mock_secret_access_key("prod", "ghes-packages-prod-access-key-1")
    assert prod.outputs["secretAccessKey"] == secret
    # The stock mock monitor applies no additional_secret_outputs: secrecy here is the program's own doing.
    assert "secretAccessKey" in prod.secret_outputs, "the program must mark secretAccessKey as a secret"
    leaking = [name for name, value in prod.outputs.items() if name not in prod.secret_outputs and secret in str(value)]
    assert not leaking, f"the secret access key appears in non-secret outputs {leaking}"


def test_program_uses_no_deprecated_pulumi_aws_resource_or_property(monkeypatch: pytest.MonkeyPatch) -> None:
    # pulumi_aws reports a deprecated resource or property through pulumi.log.warn on every use (its Python
    # DeprecationWarning fires once per class load, so it cannot be relied on across a test session).
    import pulumi

    warned: list[str] = []
    monkeypatch.setattr(pulumi.log, "warn", lambda message, *args, **kwargs: warned.append(str(message)))
    run(stack_config("prod"), "prod")
    run({**MINIMAL, "ghes-packages:versioning": "false"})
    deprecated = [message for message in warned if "deprecated" in message]
    assert not deprecated, f"the program uses deprecated pulumi_aws APIs: {deprecated}"


def test_iam_user_waits_for_the_bucket(prod: Evaluation) -> None:
    # A bucket that cannot be created (its name is taken) must leave no user or access key behind.
    bucket = prod.one(BUCKET)
    assert bucket.urn in prod.one("aws:iam/user:User").dependencies, "the IAM user must depend on the bucket"
