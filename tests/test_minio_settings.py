"""The storage target and a MinIO stack's settings: each bad one is one line naming it, and nothing is declared."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from ghes_packages import minio_settings
from ghes_packages.exits import ExitCode
from ghes_packages.plan.evaluation import Evaluation, evaluate
from ghes_packages.settings import SettingsError, parse_settings
from tests.helpers import MINIMAL, MINIMAL_MINIO, MINIO, MINIO_PASSWORD, Result

NS = "ghes-packages"
SECRET_KEYS = {MINIO_PASSWORD}

# (what is wrong, base stack, config change (None removes a key), the key named, expected fragment of the one line)
INVALID = [
    ("unknown storage", MINIMAL, {f"{NS}:storage": "gcs"}, f"{NS}:storage", 'must be s3 or minio (got "gcs")'),
    ("storage in capitals", MINIMAL, {f"{NS}:storage": "MinIO"}, f"{NS}:storage", "must be s3 or minio"),
    ("server missing", MINIMAL_MINIO, {"minio:minioServer": None}, "minio:minioServer", "is required on a MinIO stack"),
    ("server empty", MINIMAL_MINIO, {"minio:minioServer": " "}, "minio:minioServer", "is required on a MinIO stack"),
    ("server without port", MINIMAL_MINIO, {"minio:minioServer": "minio.example.com"}, "minio:minioServer", "a port"),
    ("server port 0", MINIMAL_MINIO, {"minio:minioServer": "minio.example.com:0"}, "minio:minioServer", "1 to 65535"),
    ("server port too big", MINIMAL_MINIO, {"minio:minioServer": "m.example.com:65536"}, "minio:minioServer", "1 to 65535"),
    ("server port not a number", MINIMAL_MINIO, {"minio:minioServer": "m.example.com:http"}, "minio:minioServer", "65535"),
    (
        "server with scheme",
        MINIMAL_MINIO,
        {"minio:minioServer": "https://m.example.com:9000"},
        "minio:minioServer",
        "scheme",
    ),
    ("server with path", MINIMAL_MINIO, {"minio:minioServer": "m.example.com:9000/s3"}, "minio:minioServer", "path"),
    ("server with user", MINIMAL_MINIO, {"minio:minioServer": "u@m.example.com:9000"}, "minio:minioServer", "user"),
    ("server bad host", MINIMAL_MINIO, {"minio:minioServer": "minio_1.example.com:9000"}, "minio:minioServer", "DNS name"),
    ("ssl not a boolean", MINIMAL_MINIO, {"minio:minioSsl": "yes"}, "minio:minioSsl", 'must be true or false (got "yes")'),
    ("ssl false", MINIMAL_MINIO, {"minio:minioSsl": "false"}, "minio:minioSsl", f"{NS}:allowPlainHttp true"),
    ("ssl not set (the provider's false)", MINIMAL_MINIO, {"minio:minioSsl": None}, "minio:minioSsl", "plain HTTP"),
    ("allowPlainHttp not a boolean", MINIMAL_MINIO, {f"{NS}:allowPlainHttp": "1"}, f"{NS}:allowPlainHttp", "true or false"),
    ("user missing", MINIMAL_MINIO, {"minio:minioUser": None}, "minio:minioUser", "is required on a MinIO stack"),
    ("password missing", MINIMAL_MINIO, {MINIO_PASSWORD: None}, MINIO_PASSWORD, "pulumi config set --secret"),
    ("region invalid", MINIMAL_MINIO, {"minio:minioRegion": "eu west"}, "minio:minioRegion", "MinIO region name"),
    ("region starts with a digit", MINIMAL_MINIO, {"minio:minioRegion": "1a"}, "minio:minioRegion", "MinIO region name"),
    (
        "provider setting misspelt",
        MINIMAL_MINIO,
        {"minio:minioServr": "x"},
        "minio:minioServr",
        "did you mean minio:minioServer",
    ),
    ("deprecated access key", MINIMAL_MINIO, {"minio:minioAccessKey": "x"}, "minio:minioAccessKey", "set minio:minioUser"),
    (
        "deprecated secret key",
        MINIMAL_MINIO,
        {"minio:minioSecretKey": "x"},
        "minio:minioSecretKey",
        "set minio:minioPassword",
    ),
    ("aws:region on MinIO", MINIMAL_MINIO, {"aws:region": "eu-west-1"}, "aws:region", "applies to AWS stacks only"),
    ("kmsKeyArn on MinIO", MINIMAL_MINIO, {f"{NS}:kmsKeyArn": "x"}, f"{NS}:kmsKeyArn", "applies to AWS stacks only"),
    ("boundary on MinIO", MINIMAL_MINIO, {f"{NS}:permissionsBoundaryArn": "x"}, f"{NS}:permissionsBoundaryArn", "AWS"),
    ("userPath on MinIO", MINIMAL_MINIO, {f"{NS}:userPath": "/ghes/"}, f"{NS}:userPath", "applies to AWS stacks only"),
    (
        "abort days on MinIO",
        MINIMAL_MINIO,
        {f"{NS}:abortIncompleteUploadDays": "3"},
        f"{NS}:abortIncompleteUploadDays",
        "ILM",
    ),
    ("MinIO setting on AWS", MINIMAL, {"minio:minioServer": "m.example.com:9000"}, "minio:minioServer", "MinIO stacks only"),
    ("allowPlainHttp on AWS", MINIMAL, {f"{NS}:allowPlainHttp": "true"}, f"{NS}:allowPlainHttp", "MinIO stacks only"),
    (
        "stack name too long for MinIO's bucket suffix",
        MINIMAL_MINIO,
        {},
        f"{NS}:bucketName",
        "does not make a valid bucket name",
    ),
]
LONG_STACK = "a-stack-name-of-20ch"  # AWS's 7-character suffix fits; MinIO's 26 digits do not


def _config(base: dict[str, str], change: dict[str, str | None]) -> dict[str, str]:
    merged = {**base, **change}
    return {key: value for key, value in merged.items() if value is not None}


@pytest.mark.parametrize(("base", "change", "key", "expected"), [c[1:] for c in INVALID], ids=[c[0] for c in INVALID])
def test_invalid_setting_is_one_line_naming_it_and_nothing_is_declared(
    base: dict[str, str], change: dict[str, str | None], key: str, expected: str
) -> None:
    stack = LONG_STACK if not change else "lab"
    evaluation = Evaluation(stack=stack)
    with pytest.raises(SettingsError) as raised:
        evaluate(_config(base, change), stack, into=evaluation, secret_keys=SECRET_KEYS)
    problems = raised.value.problems
    assert len(problems) == 1, f"expected exactly one problem line, got {problems}"
    assert problems[0].startswith(f"{key}: "), f"the line must start with the setting's key {key}: {problems[0]}"
    assert expected in problems[0], f"message {problems[0]!r} lacks {expected!r}"
    assert "\n" not in problems[0]
    assert evaluation.resources == [], f"resources were declared despite invalid settings: {evaluation.resources}"


def test_a_long_stack_name_is_fine_on_aws() -> None:
    parse_settings(MINIMAL, LONG_STACK)


def test_a_plain_text_password_is_refused_without_echoing_it() -> None:
    with pytest.raises(SettingsError) as raised:
        parse_settings(MINIMAL_MINIO, "lab", secret_keys=())
    (problem,) = raised.value.problems
    fix = f"`pulumi config set --secret {MINIO_PASSWORD}`"
    assert problem == f"{MINIO_PASSWORD}: must be a secret, never plain text in a stack file: {fix}"
    assert MINIMAL_MINIO[MINIO_PASSWORD] not in str(raised.value)


def test_the_password_never_appears_in_any_problem() -> None:
    raw = {**MINIMAL_MINIO, "minio:minioServer": "bad", "minio:minioSsl": "no", "minio:minioRegion": "?"}
    with pytest.raises(SettingsError) as raised:
        parse_settings(raw, "lab", secret_keys=SECRET_KEYS)
    assert len(raised.value.problems) == 3
    assert MINIMAL_MINIO[MINIO_PASSWORD] not in str(raised.value)


def test_a_valid_minio_stack_parses_into_its_server_and_service_url() -> None:
    settings = parse_settings(MINIMAL_MINIO, "lab", secret_keys=SECRET_KEYS)
    assert settings.storage is minio_settings.Storage.MINIO
    assert settings.minio == minio_settings.MinioSettings("minio.example.com:9000", True, "provisioner", "us-east-1")
    assert settings.service_url == "https://minio.example.com:9000"
    assert settings.region == "us-east-1" and settings.warnings == ()


@pytest.mark.parametrize("server", ["10.0.0.5:9000", "[2001:db8::5]:9000", "minio:443"])
def test_ip_addresses_and_single_label_hosts_are_servers(server: str) -> None:
    settings = parse_settings({**MINIMAL_MINIO, "minio:minioServer": server}, "lab", secret_keys=SECRET_KEYS)
    assert settings.service_url == f"https://{server}"


def test_yaml_booleans_and_engine_strings_parse_alike() -> None:
    as_yaml = {**MINIMAL_MINIO, "minio:minioSsl": True}
    assert parse_settings(as_yaml, "lab", SECRET_KEYS) == parse_settings(MINIMAL_MINIO, "lab", SECRET_KEYS)


def test_the_providers_other_settings_pass_through() -> None:
    raw = {**MINIMAL_MINIO, "minio:minioInsecure": "false", "minio:minioCacertFile": "/etc/ssl/minio-ca.pem"}
    parse_settings(raw, "lab", secret_keys=SECRET_KEYS)


def test_the_read_settings_are_the_providers_own() -> None:
    # Read from the pinned SDK (pulumi_minio.config), not guessed: a renamed provider setting fails here.
    read = {minio_settings.SERVER, minio_settings.SSL, minio_settings.USER, minio_settings.PASSWORD, minio_settings.REGION}
    assert read <= minio_settings.PROVIDER_KEYS
    assert read == {"minio:minioServer", "minio:minioSsl", "minio:minioUser", "minio:minioPassword", "minio:minioRegion"}


def test_the_sample_minio_stack_is_valid() -> None:
    settings = parse_settings(MINIO, "lab", secret_keys=SECRET_KEYS)
    assert settings.storage is minio_settings.Storage.MINIO and settings.minio is not None


PLAIN_PASSWORD = "hunter2-written-in-plain-text"  # noqa: S105 - a test value


@pytest.mark.parametrize("output", ["text", "json", "markdown"])
def test_a_plain_text_password_is_refused_and_never_shown_by_the_plan(
    tmp_path: Path, ghes: Callable[..., Result], output: str
) -> None:
    config = {**MINIMAL_MINIO, "minio:minioPassword": PLAIN_PASSWORD}
    (tmp_path / "Pulumi.lab.yaml").write_text(yaml.safe_dump({"config": config}))
    run = ghes("plan", "--stack", "lab", "--stacks-dir", str(tmp_path), "--format", output)
    assert run.code == ExitCode.USAGE and "minio:minioPassword: must be a secret" in run.err, run.err
    assert PLAIN_PASSWORD not in run.out + run.err, f"the {output} plan shows the plain-text MinIO password"
