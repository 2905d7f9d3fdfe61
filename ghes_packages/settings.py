"""The stack's settings, parsed and validated once into an immutable object that the rest trusts.

Types and defaults come from the `config:` declaration in Pulumi.yaml (the one place they are written), so
the Pulumi engine, the offline plan and the documentation agree. Every problem becomes one line that names
the setting and says what is allowed; all problems are reported together, before any resource exists.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi

from ghes_packages.appliance_identity import identity_problems
from ghes_packages.project import PROJECT, REGION_KEY

from .access_keys import SETTING as ACCESS_KEYS_SETTING
from .access_keys import AccessKeysError, KeyGeneration, parse_access_keys
from .declarations import declarations, unknown_keys
from .errors import shown
from .minio_settings import MinioSettings, Storage, auto_name_suffix, parse_target, without_aws_settings
from .names import (
    MAX_TAGS,
    MAX_USER_NAME,
    bucket_name_problem,
    hostname_problem,
    iam_path_problem,
    iam_user_name_problem,
    kms_key_arn_problem,
    policy_arn_problem,
    tag_keys_problem,
    tag_problem,
)
from .regions import SUPPORTED_PARTITIONS, region_problem, s3_host

BUCKET_SUFFIX = "-bucket"
"""The bucket's logical name is the component's name and this; auto-naming then appends "-" and 7 characters."""
USER_SUFFIX = "-user"
"""The IAM user's logical name is the component's name and this; auto-naming appends as for the bucket."""


class SettingsError(pulumi.RunError):
    """Invalid settings; the message holds one line per problem. A RunError ends `pulumi up` cleanly."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass(frozen=True)
class Settings:
    """Validated settings for one stack."""

    stack: str
    region: str
    hostname: str
    bucket_name: str | None
    actions_bucket_name: str | None
    versioning: bool
    noncurrent_version_days: int
    abort_incomplete_upload_days: int
    kms_key_arn: str | None
    permissions_boundary_arn: str | None
    user_path: str
    access_keys: tuple[KeyGeneration, ...]
    """The access-key generations, oldest first; the newest is the one GHES uses."""
    tags: tuple[tuple[str, str], ...] = field(default=())
    appliance_address: str = ""
    """The appliance's admin SSH address (applianceAddress; the hostname when not set)."""
    appliance_host_key: str | None = None
    """The admin port's pinned SSH host key, `TYPE BASE64` (applianceHostKey), or None when none is pinned."""
    # The storage target; a MinIO stack's server (None on AWS); valid but risky choices, shown by up and plan.
    storage: Storage = Storage.S3
    minio: MinioSettings | None = None
    warnings: tuple[str, ...] = ()

    @property
    def tag_map(self) -> dict[str, str]:
        """The tags as a fresh dict (the object itself stays immutable)."""
        return dict(self.tags)

    @property
    def service_url(self) -> str:
        """The endpoint that GHES's `secrets.packages.service-url` wants: the regional S3 one, or MinIO's."""
        if self.minio is not None:
            return self.minio.service_url
        return f"https://{s3_host(self.region)}"

    @property
    def resource_prefix(self) -> str:
        """The logical-name prefix of every resource; auto-named physical names derive from it."""
        return f"{PROJECT}-{self.stack}"


_DAYS = (1, 36500)
_WHOLE_NUMBER = re.compile(r"[0-9]+")


# --- parsing -----------------------------------------------------------------------------------------


class _Parser:
    def __init__(self, raw: Mapping[str, Any]):
        self.raw = raw
        self.problems: list[str] = []

    def fail(self, key: str, message: str) -> None:
        self.problems.append(f"{key}: {message}")

    def value(self, name: str) -> Any:
        key = f"{PROJECT}:{name}"
        return self.raw[key] if key in self.raw else declarations()[name].default

    def string(self, name: str) -> str | None:
        value = self.value(name)
        if value is None:
            self.fail(f"{PROJECT}:{name}", f"is not set: {declarations()[name].description}")
            return None
        if not isinstance(value, str):
            self.fail(f"{PROJECT}:{name}", f"must be a string (got {shown(value)})")
            return None
        if declarations()[name].required and not value.strip():
            self.fail(f"{PROJECT}:{name}", f"is empty: {declarations()[name].description}")
            return None
        return value.strip()

    def optional(self, name: str) -> str | None:
        return self.string(name) or None

    def boolean(self, name: str) -> bool:
        value = self.value(name)
        if isinstance(value, bool):
            return value
        if value in ("true", "false"):
            return bool(value == "true")
        self.fail(f"{PROJECT}:{name}", f"must be true or false (got {shown(value)})")
        return bool(declarations()[name].default)

    def days(self, name: str) -> int:
        value = self.value(name)
        low, high = _DAYS
        number: int | None = None
        if isinstance(value, int) and not isinstance(value, bool):
            number = value
        elif isinstance(value, str) and _WHOLE_NUMBER.fullmatch(value):
            number = int(value)
        if number is None or not low <= number <= high:
            self.fail(f"{PROJECT}:{name}", f"must be a whole number of days, {low} to {high} (got {shown(value)})")
            return int(declarations()[name].default)
        return number

    def tags(self) -> tuple[tuple[str, str], ...]:
        key, value = f"{PROJECT}:tags", self.value("tags")
        if isinstance(value, str):
            try:
                value = json.loads(value or "{}")
            except json.JSONDecodeError:
                self.fail(key, 'must be a JSON object of strings, e.g. {"team":"platform"} (got invalid JSON)')
                return ()
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            self.fail(key, 'must be a JSON object of string values, e.g. {"team":"platform"}')
            return ()
        if len(value) > MAX_TAGS:
            self.fail(key, f"may hold at most {MAX_TAGS} tags (got {len(value)})")
        for tag, text in value.items():
            if why := tag_problem(tag, text):
                self.fail(key, why)
        if why := tag_keys_problem(value):
            self.fail(key, why)
        return tuple(sorted(value.items()))


    def access_keys(self) -> tuple[KeyGeneration, ...]:
        key, value = f"{PROJECT}:{ACCESS_KEYS_SETTING}", self.value(ACCESS_KEYS_SETTING)
        try:
            return parse_access_keys(value)
        except AccessKeysError as error:
            self.fail(key, str(error))
            return parse_access_keys(declarations()[ACCESS_KEYS_SETTING].default)


def _region(p: _Parser, region: Any) -> str:
    """The validated region, or "" after reporting why it is not one."""
    if not isinstance(region, str) or not region.strip():
        got = "not set" if region is None else f"got {shown(region)}"
        partitions = f"{', '.join(SUPPORTED_PARTITIONS[:-1])} or {SUPPORTED_PARTITIONS[-1]}"
        p.fail(REGION_KEY, f"is required: an AWS region such as eu-west-1, in the {partitions} partition ({got})")
        return ""
    if why := region_problem(region.strip()):
        p.fail(REGION_KEY, why)
        return ""
    return region.strip()


def parse_settings(raw: Mapping[str, Any], stack: str, secret_keys: Collection[str] = ()) -> Settings:
    """Validate a stack's raw configuration (full `namespace:key` keys) into Settings.

    :param raw: configuration values, as strings (as the engine passes them) or YAML scalars.
    :param stack: the stack's name; it seeds the default bucket name.
    :param secret_keys: the keys set as secrets (`pulumi config set --secret`); a MinIO password must be one.
    :raises SettingsError: with one line per problem, naming the setting and what is allowed.
    """
    p = _Parser(raw)
    p.problems.extend(unknown_keys(raw))
    target = parse_target(p, stack, secret_keys)
    if target.storage is Storage.MINIO:
        raw = p.raw = without_aws_settings(raw)
    if target.storage is Storage.MINIO:
        region = target.minio.region if target.minio else ""
    else:  # AWS; an unknown storage value is reported already, the region is still checked
        region = _region(p, raw.get(REGION_KEY))

    hostname = p.string("hostname") or ""
    if hostname and (why := hostname_problem(hostname)):
        p.fail(f"{PROJECT}:hostname", why)
    hostname = hostname.lower()

    bucket = p.optional("bucketName")
    if bucket and (why := bucket_name_problem(bucket)):
        p.fail(f"{PROJECT}:bucketName", f"{shown(bucket)} is not a valid S3 bucket name: it {why}")
    if bucket is None:
        # Auto-naming appends a unique suffix to the logical name; the result must still be a bucket name.
        derived = f"{PROJECT}-{stack}{BUCKET_SUFFIX}{auto_name_suffix(target.storage)}"
        if why := bucket_name_problem(derived):
            p.fail(
                f"{PROJECT}:bucketName",
                f"is not set and the stack name '{stack}' does not make a valid bucket name ({why}); set bucketName",
            )
    user = f"{PROJECT}-{stack}{USER_SUFFIX}{auto_name_suffix(Storage.S3)}"  # Pulumi auto-names the user
    if why := iam_user_name_problem(user):
        longest = len(stack) - (len(user) - MAX_USER_NAME)
        p.problems.append(
            f"stack {stack}: names the IAM user {PROJECT}-{stack}{USER_SUFFIX}-XXXXXXX, which {why}: "
            f"use a stack name of at most {longest} characters"
        )

    actions = p.optional("actionsBucketName")
    if actions and (why := bucket_name_problem(actions)):
        p.fail(f"{PROJECT}:actionsBucketName", f"{shown(actions)} is not a valid S3 bucket name: it {why}")
    if bucket and actions and bucket == actions:
        p.fail(
            f"{PROJECT}:bucketName",
            f"{shown(bucket)} is the Actions bucket (actionsBucketName); Packages needs a dedicated bucket of its own",
        )

    # The ARNs are compared with the region only when it is valid (an invalid one is reported already).
    kms = p.optional("kmsKeyArn")
    if kms and (why := kms_key_arn_problem(kms, region or None)):
        p.fail(f"{PROJECT}:kmsKeyArn", why)
    boundary = p.optional("permissionsBoundaryArn")
    if boundary and (why := policy_arn_problem(boundary, region or None)):
        p.fail(f"{PROJECT}:permissionsBoundaryArn", why)

    user_path = p.string("userPath") or "/"
    if why := iam_path_problem(user_path):
        p.fail(f"{PROJECT}:userPath", why)

    address, host_key = p.optional("applianceAddress"), p.optional("applianceHostKey")
    for name, why in identity_problems(address, host_key):
        p.fail(f"{PROJECT}:{name}", why)
    settings = Settings(
        stack=stack,
        region=region,
        hostname=hostname,
        bucket_name=bucket,
        actions_bucket_name=actions,
        versioning=p.boolean("versioning"),
        noncurrent_version_days=p.days("noncurrentVersionDays"),
        abort_incomplete_upload_days=p.days("abortIncompleteUploadDays"),
        kms_key_arn=kms,
        permissions_boundary_arn=boundary,
        user_path=user_path,
        tags=p.tags(),
        appliance_address=(address or hostname).lower(),
        appliance_host_key=" ".join(host_key.split()) if host_key else None,
        storage=target.storage or Storage.S3,
        minio=target.minio,
        warnings=target.warnings,
        access_keys=p.access_keys(),
    )
    if p.problems:
        raise SettingsError(p.problems)
    return settings


def load_settings() -> Settings:
    """Settings for the stack the Pulumi engine (or its mock runtime) is running."""
    # pulumi.Config reads one key at a time; unknown-key checks need the whole map, which the SDK keeps here.
    from pulumi.runtime import config as runtime_config

    raw = {**runtime_config.get_config_env(), **runtime_config.CONFIG.get()}
    secret_keys = {key for key in raw if runtime_config.is_config_secret(key)}
    return parse_settings(raw, pulumi.get_stack(), secret_keys | set(runtime_config.get_config_secret_keys_env()))
