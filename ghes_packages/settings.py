"""The stack's settings, parsed and validated once into an immutable object that the rest trusts.

Types and defaults come from the `config:` declaration in Pulumi.yaml (the one place they are written), so
the Pulumi engine, the offline plan and the documentation agree. Every problem becomes one line that names
the setting and says what is allowed; all problems are reported together, before any resource exists.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

import pulumi
import yaml

from ghes_packages.project import PROJECT, PROJECT_DIR, REGION_KEY

from .access_keys import AccessKeysError, KeyGeneration, parse_access_keys
from .names import (
    KMS_KEY_ARN,
    MAX_TAGS,
    POLICY_ARN,
    REGION,
    bucket_name_problem,
    dns_suffix_of,
    hostname_problem,
    partition_of,
    tag_problem,
)

BUCKET_SUFFIX = "-bucket"
"""The bucket's logical name is the component's name and this; auto-naming then appends "-" and 7 characters."""


class SettingsError(pulumi.RunError):
    """Invalid settings; the message holds one line per problem. A RunError ends `pulumi up` cleanly."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass(frozen=True)
class Declaration:
    """One setting as Pulumi.yaml declares it."""

    key: str
    type: str
    description: str
    default: Any = None

    @property
    def required(self) -> bool:
        return self.default is None


@cache
def declarations() -> dict[str, Declaration]:
    """The project's settings, by key without namespace, as declared in Pulumi.yaml."""
    project = yaml.safe_load((PROJECT_DIR / "Pulumi.yaml").read_text())
    return {
        key: Declaration(key, spec["type"], spec["description"], spec.get("default"))
        for key, spec in project["config"].items()
    }


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
    tags: tuple[tuple[str, str], ...]
    access_keys: tuple[KeyGeneration, ...]
    """The access-key generations, oldest first; the newest is the one GHES uses."""

    @property
    def tag_map(self) -> dict[str, str]:
        """The tags as a fresh dict (the object itself stays immutable)."""
        return dict(self.tags)

    @property
    def dns_suffix(self) -> str:
        """The AWS DNS suffix of the region's partition."""
        return dns_suffix_of(self.region)

    @property
    def service_url(self) -> str:
        """The regional S3 endpoint that GHES's `secrets.packages.service-url` wants."""
        return f"https://s3.{self.region}.{self.dns_suffix}"

    @property
    def resource_prefix(self) -> str:
        """The logical-name prefix of every resource; auto-named physical names derive from it."""
        return f"{PROJECT}-{self.stack}"


_USER_PATH = re.compile(r"^/([\x21-\x7e]{0,510}/)?$")
_DAYS = (1, 36500)
_WHOLE_NUMBER = re.compile(r"^\d+$")


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
            self.fail(f"{PROJECT}:{name}", f"must be a string (got {json.dumps(value)})")
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
        self.fail(f"{PROJECT}:{name}", f"must be true or false (got {json.dumps(value)})")
        return bool(declarations()[name].default)

    def days(self, name: str) -> int:
        value = self.value(name)
        low, high = _DAYS
        number: int | None = None
        if isinstance(value, int) and not isinstance(value, bool):
            number = value
        elif isinstance(value, str) and _WHOLE_NUMBER.match(value):
            number = int(value)
        if number is None or not low <= number <= high:
            self.fail(f"{PROJECT}:{name}", f"must be a whole number of days, {low} to {high} (got {json.dumps(value)})")
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
        return tuple(sorted(value.items()))


    def access_keys(self) -> tuple[KeyGeneration, ...]:
        key, value = f"{PROJECT}:accessKeys", self.value("accessKeys")
        try:
            return parse_access_keys(value)
        except AccessKeysError as error:
            self.fail(key, str(error))
            return parse_access_keys(declarations()["accessKeys"].default)


def _unknown_keys(raw: Mapping[str, Any]) -> list[str]:
    known = set(declarations())
    problems = []
    for key in sorted(raw):
        namespace, _, name = key.partition(":")
        if namespace != PROJECT or name in known:
            continue
        close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.6)
        hint = f"; did you mean '{PROJECT}:{close[0]}'?" if close else f"; known settings: {', '.join(sorted(known))}"
        problems.append(f"{key}: unknown setting{hint}")
    return problems


def parse_settings(raw: Mapping[str, Any], stack: str) -> Settings:
    """Validate a stack's raw configuration (full `namespace:key` keys) into Settings.

    :param raw: configuration values, as strings (as the engine passes them) or YAML scalars.
    :param stack: the stack's name; it seeds the default bucket name.
    :raises SettingsError: with one line per problem, naming the setting and what is allowed.
    """
    p = _Parser(raw)
    p.problems.extend(_unknown_keys(raw))

    region = raw.get(REGION_KEY)
    if not isinstance(region, str) or not REGION.match(region.strip()):
        got = "not set" if region is None else f"got {json.dumps(region)}"
        p.fail(
            REGION_KEY, f"is required: an AWS region such as eu-west-1, in the aws, aws-cn or aws-us-gov partition ({got})"
        )
        region = ""
    region = region.strip()

    hostname = p.string("hostname") or ""
    if hostname and (why := hostname_problem(hostname)):
        p.fail(f"{PROJECT}:hostname", why)
    hostname = hostname.lower()

    bucket = p.optional("bucketName")
    if bucket and (why := bucket_name_problem(bucket)):
        p.fail(f"{PROJECT}:bucketName", f"'{bucket}' is not a valid S3 bucket name: it {why}")
    if bucket is None:
        # Auto-naming appends "-" and 7 characters to the logical name; the result must still be a bucket name.
        derived = f"{PROJECT}-{stack}{BUCKET_SUFFIX}-abcdefg"
        if why := bucket_name_problem(derived):
            p.fail(
                f"{PROJECT}:bucketName",
                f"is not set and the stack name '{stack}' does not make a valid bucket name ({why}); set bucketName",
            )

    actions = p.optional("actionsBucketName")
    if actions and (why := bucket_name_problem(actions)):
        p.fail(f"{PROJECT}:actionsBucketName", f"'{actions}' is not a valid S3 bucket name: it {why}")
    if bucket and actions and bucket == actions:
        p.fail(
            f"{PROJECT}:bucketName",
            f"'{bucket}' is the Actions bucket (actionsBucketName); Packages needs a dedicated bucket of its own",
        )

    kms = p.optional("kmsKeyArn")
    if kms:
        match = KMS_KEY_ARN.match(kms)
        if not match:
            p.fail(f"{PROJECT}:kmsKeyArn", "must be a KMS key ARN, arn:PARTITION:kms:REGION:ACCOUNT:key/KEY-ID (no alias)")
        elif region and (match["region"] != region or match["partition"] != partition_of(region)):
            p.fail(f"{PROJECT}:kmsKeyArn", f"must be a key in the bucket's region {region} (got {match['region']})")

    boundary = p.optional("permissionsBoundaryArn")
    if boundary:
        match = POLICY_ARN.match(boundary)
        if not match:
            p.fail(f"{PROJECT}:permissionsBoundaryArn", "must be an IAM policy ARN, arn:PARTITION:iam::ACCOUNT:policy/NAME")
        elif region and match["partition"] != partition_of(region):
            p.fail(f"{PROJECT}:permissionsBoundaryArn", f"must be in the region's partition {partition_of(region)}")

    user_path = p.string("userPath") or "/"
    if not _USER_PATH.match(user_path):
        p.fail(f"{PROJECT}:userPath", "must start and end with '/', in printable ASCII, at most 512 characters, e.g. /ghes/")

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
    return parse_settings(raw, pulumi.get_stack())
