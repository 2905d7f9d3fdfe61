"""Bad settings: one line naming the setting and what is allowed, and nothing declared."""

from __future__ import annotations

import pulumi
import pytest

from ghes_packages.plan.evaluation import Evaluation, evaluate
from ghes_packages.settings import SettingsError, declarations, parse_settings
from tests.helpers import MINIMAL, stack_config

NS = "ghes-packages"
KMS = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"

# (what is wrong, config change, stack, expected fragment of the one line)
INVALID = [
    (
        "region missing",
        {"aws:region": None},
        "dev",
        "aws:region: is required: an AWS region such as eu-west-1, in the aws, aws-cn or aws-us-gov partition (not set)",
    ),
    (
        "region misspelt",
        {"aws:region": "eu-west"},
        "dev",
        '"eu-west" is not an AWS region (did you mean eu-west-1, eu-west-2 or eu-west-3?)',
    ),
    (
        "region in an unsupported ISO partition",
        {"aws:region": "us-iso-east-1"},
        "dev",
        '"us-iso-east-1" is in the aws-iso partition, which is not supported: only aws, aws-cn, aws-us-gov',
    ),
    ("hostname missing", {f"{NS}:hostname": None}, "dev", f"{NS}:hostname: is not set: The GHES appliance's DNS name"),
    ("hostname with scheme", {f"{NS}:hostname": "https://ghes.example.com"}, "dev", "without scheme or path"),
    ("hostname with path", {f"{NS}:hostname": "ghes.example.com/setup"}, "dev", "without scheme or path"),
    ("hostname with port", {f"{NS}:hostname": "ghes.example.com:8443"}, "dev", "without a port"),
    ("hostname with underscore", {f"{NS}:hostname": "ghes_01.example.com"}, "dev", "must be a DNS name"),
    (
        "bucket too short",
        {f"{NS}:bucketName": "ab"},
        "dev",
        "\"ab\" is not a valid S3 bucket name: it must be 3 to 63 characters long (got 2)",
    ),
    ("bucket too long", {f"{NS}:bucketName": "a" * 64}, "dev", "must be 3 to 63 characters long (got 64)"),
    (
        "bucket uppercase",
        {f"{NS}:bucketName": "GHES-packages"},
        "dev",
        "may hold only lowercase letters, digits, dots and hyphens",
    ),
    ("bucket underscore", {f"{NS}:bucketName": "ghes_packages"}, "dev", "may hold only lowercase letters"),
    ("bucket ends with hyphen", {f"{NS}:bucketName": "ghes-packages-"}, "dev", "must begin and end with a letter or digit"),
    ("bucket adjacent dots", {f"{NS}:bucketName": "ghes..packages"}, "dev", "must not contain two adjacent dots"),
    ("bucket as IP address", {f"{NS}:bucketName": "192.168.10.1"}, "dev", "must not be formatted as an IP address"),
    (
        "bucket reserved prefix",
        {f"{NS}:bucketName": "xn--ghes-packages"},
        "dev",
        "must not start with the reserved prefix 'xn--'",
    ),
    (
        "bucket reserved suffix",
        {f"{NS}:bucketName": "ghes-packages-s3alias"},
        "dev",
        "must not end with the reserved suffix '-s3alias'",
    ),
    (
        "bucket is the Actions bucket",
        {f"{NS}:bucketName": "ghes-shared", f"{NS}:actionsBucketName": "ghes-shared"},
        "dev",
        "is the Actions bucket (actionsBucketName)",
    ),
    (
        "actions bucket invalid",
        {f"{NS}:actionsBucketName": "Actions"},
        "dev",
        f'{NS}:actionsBucketName: "Actions" is not a valid S3 bucket name',
    ),
    (
        "stack name unusable for a default bucket name",
        {},
        "Prod_EU",
        "is not set and the stack name 'Prod_EU' does not make a valid bucket name",
    ),
    ("versioning not boolean", {f"{NS}:versioning": "yes"}, "dev", f'{NS}:versioning: must be true or false (got "yes")'),
    (
        "noncurrent days zero",
        {f"{NS}:noncurrentVersionDays": "0"},
        "dev",
        f'{NS}:noncurrentVersionDays: must be a whole number of days, 1 to 36500 (got "0")',
    ),
    ("noncurrent days not a number", {f"{NS}:noncurrentVersionDays": "thirty"}, "dev", "must be a whole number of days"),
    (
        "abort days negative",
        {f"{NS}:abortIncompleteUploadDays": "-1"},
        "dev",
        f"{NS}:abortIncompleteUploadDays: must be a whole number of days",
    ),
    (
        "kms alias instead of key",
        {f"{NS}:kmsKeyArn": "arn:aws:kms:eu-west-1:111122223333:alias/ghes"},
        "dev",
        'must name a key (arn:PARTITION:kms:REGION:ACCOUNT:key/KEY-ID), not "alias"',
    ),
    (
        "kms key in another region",
        {f"{NS}:kmsKeyArn": KMS.replace("eu-west-1", "us-east-1")},
        "dev",
        "must be a key in the bucket's region eu-west-1 (got \"us-east-1\")",
    ),
    ("boundary not a policy ARN", {f"{NS}:permissionsBoundaryArn": "ghes-boundary"}, "dev", "must be an IAM policy ARN"),
    (
        "boundary in another partition",
        {f"{NS}:permissionsBoundaryArn": "arn:aws-cn:iam::111122223333:policy/b"},
        "dev",
        "must be in the bucket's partition aws, as the region eu-west-1 is (got partition \"aws-cn\")",
    ),
    ("user path without slashes", {f"{NS}:userPath": "ghes"}, "dev", f"{NS}:userPath: must be / or start and end with /"),
    ("tags not JSON", {f"{NS}:tags": "team=platform"}, "dev", f"{NS}:tags: must be a JSON object of strings"),
    ("tags with a number value", {f"{NS}:tags": '{"cost": 12}'}, "dev", "must be a JSON object of string values"),
    (
        "tag with aws: prefix",
        {f"{NS}:tags": '{"aws:team": "x"}'},
        "dev",
        "tag key \"aws:team\" must be 1 to 128 characters and must not start with 'aws:'",
    ),
    (
        "unknown setting, close to a known one",
        {f"{NS}:bucketname": "x-packages"},
        "dev",
        f"{NS}:bucketname: unknown setting; did you mean '{NS}:bucketName'?",
    ),
    ("unknown setting, nothing close", {f"{NS}:colour": "blue"}, "dev", f"{NS}:colour: unknown setting; known settings:"),
    ("versioning capitalised, which the engine refuses", {f"{NS}:versioning": "True"}, "dev", "must be true or false"),
    ("days padded with spaces", {f"{NS}:abortIncompleteUploadDays": " 7 "}, "dev", "must be a whole number of days"),
    ("tag key with a character S3 refuses", {f"{NS}:tags": '{"team!": "x"}'}, "dev", 'tag "team!" may hold only letters'),
    ("tag value with a character IAM refuses", {f"{NS}:tags": '{"team": "a;b"}'}, "dev", 'tag "team" may hold only letters'),
    # Issue 9, item 1: everything the appliance script needs is checked here, before any resource exists.
    ("hostname empty", {f"{NS}:hostname": ""}, "dev", f"{NS}:hostname: is empty: The GHES appliance's DNS name"),
    ("hostname only spaces", {f"{NS}:hostname": "   "}, "dev", f"{NS}:hostname: is empty"),
    ("hostname with a NUL", {f"{NS}:hostname": "ghes\0.example.com"}, "dev", "must be a DNS name"),
    ("hostname with a control character", {f"{NS}:hostname": "ghes\x07.example.com"}, "dev", "must be a DNS name"),
    ("hostname with a tab inside", {f"{NS}:hostname": "ghes.\texample.com"}, "dev", "must be a DNS name"),
    ("hostname with a lone surrogate", {f"{NS}:hostname": "ghes\udc80.example.com"}, "dev", "must be a DNS name"),
    ("hostname with a non-ASCII letter", {f"{NS}:hostname": "gh\u00e9s.example.com"}, "dev", "must be a DNS name"),
    ("hostname with the Kelvin sign", {f"{NS}:hostname": "\u212a.example.com"}, "dev", "must be a DNS name"),
    ("hostname with an empty label", {f"{NS}:hostname": "ghes..example.com"}, "dev", "must be a DNS name"),
    ("hostname label over 63", {f"{NS}:hostname": "a" * 64 + ".example.com"}, "dev", "must be a DNS name"),
    ("hostname over 253", {f"{NS}:hostname": ".".join(["a" * 63] * 4) + ".com"}, "dev", "at most 253"),
    # Item 4: `$` matches before a final newline; every pattern must match the whole value.
    ("hostname with an interior newline", {f"{NS}:hostname": "ghes\n.example.com"}, "dev", "must be a DNS name"),
    ("bucket with an interior newline", {f"{NS}:bucketName": "ghes-pkgs\nx"}, "dev", "may hold only lowercase"),
    ("user path with an interior newline", {f"{NS}:userPath": "/ghes/\n/"}, "dev", f"{NS}:userPath: must be /"),
    # Item 2: regions as botocore knows them.
    ("region typo", {"aws:region": "eu-wset-1"}, "dev", "aws partition (did you mean eu-west-1?); it may be newer"),
    ("region unknown to botocore", {"aws:region": "us-east-9"}, "dev", "may be newer than that botocore"),
    ("region in upper case", {"aws:region": "EU-WEST-1"}, "dev", "(did you mean eu-west-1?)"),
    ("region with an interior newline", {"aws:region": "eu-west-1\nx"}, "dev", "is not an AWS region"),
    ("region in the EU sovereign cloud", {"aws:region": "eusc-de-east-1"}, "dev", "aws-eusc partition, which is not"),
    # Item 3: IAM's own rules.
    (
        "stack name too long for the IAM user name",
        {f"{NS}:bucketName": "ghes-packages-long"},
        "s" * 38,
        "IAM allows at most 64: use a stack name of at most 37 characters",
    ),
    ("user path with //", {f"{NS}:userPath": "/ghes//x/"}, "dev", "without //"),
    ("user path with a space", {f"{NS}:userPath": "/gh es/"}, "dev", "no spaces"),
    ("user path non-ASCII", {f"{NS}:userPath": "/gh\u00e9s/"}, "dev", "printable ASCII"),
    ("user path over 512", {f"{NS}:userPath": "/" + "a" * 511 + "/"}, "dev", "at most 512"),
    ("tag keys differing in case", {f"{NS}:tags": '{"Team": "a", "team": "b"}'}, "dev", "differ only in case"),
    ("tag value with a newline", {f"{NS}:tags": '{"team": "a\\nb"}'}, "dev", 'tag "team" may hold only letters'),
    (
        "boundary with a short account id",
        {f"{NS}:permissionsBoundaryArn": "arn:aws:iam::1111:policy/b"},
        "dev",
        'has the account id "1111"',
    ),
    (
        "boundary name with a space",
        {f"{NS}:permissionsBoundaryArn": "arn:aws:iam::111122223333:policy/my boundary"},
        "dev",
        'has the policy name "my boundary"',
    ),
    (
        "boundary name non-ASCII",
        {f"{NS}:permissionsBoundaryArn": "arn:aws:iam::111122223333:policy/na\u00efve"},
        "dev",
        "has the policy name",
    ),
    (
        "boundary path with //",
        {f"{NS}:permissionsBoundaryArn": "arn:aws:iam::111122223333:policy/a//b"},
        "dev",
        "has a policy path that IAM refuses",
    ),
    (
        "boundary without a name",
        {f"{NS}:permissionsBoundaryArn": "arn:aws:iam::111122223333:policy/"},
        "dev",
        'has the policy name ""',
    ),
    (
        "boundary with a region",
        {f"{NS}:permissionsBoundaryArn": "arn:aws:iam:eu-west-1:111122223333:policy/b"},
        "dev",
        "must be an IAM policy ARN",
    ),
    ("kms key id of dashes", {f"{NS}:kmsKeyArn": KMS.replace(KMS.rpartition("/")[2], "-" * 36)}, "dev", "key id"),
    ("kms key id upper case", {f"{NS}:kmsKeyArn": KMS.replace("abcd", "ABCD")}, "dev", "lowercase UUID"),
    ("kms key with a short account", {f"{NS}:kmsKeyArn": KMS.replace("111122223333", "1111")}, "dev", "account id"),
    ("kms key with an interior newline", {f"{NS}:kmsKeyArn": KMS + "\nx"}, "dev", "key id"),
    (
        "kms key in another partition",
        {f"{NS}:kmsKeyArn": "arn:aws-cn:kms:cn-north-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"},
        "dev",
        "must be in the bucket's partition aws",
    ),
    (
        "kms key in the same region name of an unsupported partition",
        {f"{NS}:kmsKeyArn": KMS.replace("arn:aws:", "arn:aws-iso:")},
        "dev",
        'partition aws, as the region eu-west-1 is (got partition "aws-iso")',
    ),
]


def _config(change: dict[str, str | None]) -> dict[str, str]:
    merged = {**MINIMAL, **change}
    return {key: value for key, value in merged.items() if value is not None}


@pytest.mark.parametrize(("change", "stack", "expected"), [case[1:] for case in INVALID], ids=[c[0] for c in INVALID])
def test_invalid_setting_is_one_line_naming_it_and_nothing_is_declared(
    change: dict[str, str | None], stack: str, expected: str
) -> None:
    evaluation = Evaluation(stack=stack)
    with pytest.raises(SettingsError) as raised:
        evaluate(_config(change), stack, into=evaluation)
    problems = raised.value.problems
    assert len(problems) == 1, f"expected exactly one problem line, got {problems}"
    assert expected in problems[0], f"message {problems[0]!r} lacks {expected!r}"
    assert problems[0].isprintable(), f"the line must be one printable line, whatever the value holds: {problems[0]!r}"
    named = problems[0].split(":", 2)[0]
    assert named in ("aws", NS, f"stack {stack}"), f"the line must start with the setting's key: {problems[0]}"
    assert evaluation.resources == [], f"resources were declared despite invalid settings: {evaluation.resources}"


def test_every_problem_is_reported_at_once() -> None:
    raw = {**MINIMAL, f"{NS}:versioning": "maybe", f"{NS}:userPath": "x", f"{NS}:bucketName": "A"}
    with pytest.raises(SettingsError) as raised:
        parse_settings(raw, "dev")
    keys = sorted(problem.split(": ")[0] for problem in raised.value.problems)
    assert keys == [f"{NS}:bucketName", f"{NS}:userPath", f"{NS}:versioning"]


def test_settings_error_ends_pulumi_up_cleanly_without_a_traceback() -> None:
    # The Python language host prints a RunError's message alone, without the program's stack trace.
    assert issubclass(SettingsError, pulumi.RunError)


def test_valid_settings_get_their_defaults_from_pulumi_yaml() -> None:
    settings = parse_settings(MINIMAL, "dev")
    declared = declarations()
    assert settings.versioning is declared["versioning"].default is True
    assert settings.noncurrent_version_days == declared["noncurrentVersionDays"].default
    assert settings.abort_incomplete_upload_days == declared["abortIncompleteUploadDays"].default
    assert settings.user_path == declared["userPath"].default
    assert (settings.bucket_name, settings.kms_key_arn, settings.tags) == (None, None, ())


def test_settings_are_immutable() -> None:
    settings = parse_settings(MINIMAL, "dev")
    with pytest.raises(AttributeError):
        settings.hostname = "other.example.com"  # type: ignore[misc]


def test_engine_strings_and_yaml_scalars_parse_alike() -> None:
    as_yaml = {**MINIMAL, f"{NS}:versioning": False, f"{NS}:noncurrentVersionDays": 9}
    as_engine = {**MINIMAL, f"{NS}:versioning": "false", f"{NS}:noncurrentVersionDays": "9"}
    assert parse_settings(as_yaml, "dev") == parse_settings(as_engine, "dev")


def test_other_namespaces_are_not_ours_to_reject() -> None:
    parse_settings({**MINIMAL, "aws:profile": "ops", "pulumi:tags": "{}"}, "dev")


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_shipped_stacks_are_valid(stack: str) -> None:
    parse_settings(stack_config(stack), stack)


def test_service_url_follows_the_partition() -> None:
    assert parse_settings(MINIMAL, "dev").service_url == "https://s3.eu-west-1.amazonaws.com"
    china = parse_settings({**MINIMAL, "aws:region": "cn-northwest-1"}, "dev")
    assert china.service_url == "https://s3.cn-northwest-1.amazonaws.com.cn"


@pytest.mark.parametrize("key", [f"{NS}:hostname", f"{NS}:bucketName", f"{NS}:userPath", "aws:region"])
def test_a_huge_bad_value_is_quoted_short_in_its_one_line(key: str) -> None:
    with pytest.raises(SettingsError) as raised:
        parse_settings({**MINIMAL, key: "x/" * 50_000}, "dev")
    (problem,) = [p for p in raised.value.problems if p.startswith(key)]
    assert len(problem) < 500, f"{key}: a problem line must quote a bad value short, got {len(problem)} characters"
