"""The storage target (`ghes-packages:storage`), and a MinIO stack's server settings, parsed for settings.py.

A MinIO stack names its server the way a Pulumi user of the pulumi-minio provider does, in the provider's
own `minio:` namespace; the provider reads them itself, the program derives the service URL from them.
Settings that mean something for one target only are refused on the other, one line each, never ignored.
"""

from __future__ import annotations

import difflib
import enum
import ipaddress
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit

from pulumi_minio.config.vars import _ExportableConfig as _ProviderConfig

from .errors import shown
from .names import hostname_problem
from .project import PROJECT, REGION_KEY


class Storage(enum.StrEnum):
    """Where the Packages bucket lives (`ghes-packages:storage`)."""

    S3 = "s3"
    MINIO = "minio"


MINIO_NAMESPACE = "minio"


def _config_key(attribute: str) -> str:
    """The provider's config key of an SDK attribute (`minio_server` -> `minio:minioServer`), as Pulumi names it."""
    head, *rest = attribute.split("_")
    return f"{MINIO_NAMESPACE}:{head}{''.join(part.capitalize() for part in rest)}"


# The SDK's config module becomes an instance of this class, one property per provider setting (generated code).
PROVIDER_KEYS = frozenset(_config_key(name) for name, value in vars(_ProviderConfig).items() if isinstance(value, property))
"""Every setting the pinned pulumi-minio provider reads, from its SDK (pulumi_minio.config)."""
SERVER, SSL, USER, PASSWORD, REGION = (
    _config_key(a) for a in ("minio_server", "minio_ssl", "minio_user", "minio_password", "minio_region")
)
# The provider deprecates these two in favour of minioUser and minioPassword.
DEPRECATED = {_config_key("minio_access_key"): USER, _config_key("minio_secret_key"): PASSWORD}
CREDENTIALS = frozenset({PASSWORD, *(k for k, v in DEPRECATED.items() if v == PASSWORD)})
"""The provider settings that hold a credential: masked wherever a stack's settings are shown."""
ALLOW_PLAIN_HTTP = "allowPlainHttp"
# The provider's own defaults (its documentation of minioSsl and minioRegion), not the project's settings.
DEFAULT_SSL = False
DEFAULT_REGION = "us-east-1"
# The project's settings that only an AWS bucket and IAM user have; with `aws:region` itself.
AWS_ONLY = {
    "kmsKeyArn": "MinIO server-side encryption is configured on the server (its KMS), not per bucket here",
    "permissionsBoundaryArn": "MinIO users have no permissions boundary",
    "userPath": "MinIO users have no IAM path",
    "abortIncompleteUploadDays": "MinIO's ILM has no abort-upload action; the server removes stale uploads itself",
}
# MinIO's region names (its server refuses others): a letter, then letters, digits, '-' or '_'.
_REGION = re.compile(r"[a-zA-Z][a-zA-Z0-9_-]+", re.ASCII)
# What the engine appends to an unnamed bucket's name: Pulumi auto-naming on AWS ("-" and 7 characters); on
# MinIO the provider gives bucket_prefix ("<name>-") a 26-digit unique suffix (its id.PrefixedUniqueId).
_AUTO_NAME_SUFFIX = {Storage.S3: "-abcdefg", Storage.MINIO: "-" + "0" * 26}


def auto_name_suffix(storage: Storage | None) -> str:
    """A stand-in for what an unnamed bucket's name gets appended, to check the result is still a bucket name."""
    return _AUTO_NAME_SUFFIX[storage or Storage.S3]


@dataclass(frozen=True)
class MinioSettings:
    """A MinIO stack's server, as the provider and GHES reach it."""

    server: str
    """HOST:PORT of the MinIO S3 API."""
    ssl: bool
    """Whether the S3 API is reached over TLS."""
    user: str
    """The MinIO account the provider signs in as (not the one GHES uses)."""
    region: str
    """The region MinIO signs requests for."""

    @property
    def service_url(self) -> str:
        """The URL GHES's `secrets.packages.service-url` wants: the scheme and HOST:PORT."""
        return f"{'https' if self.ssl else 'http'}://{self.server}"


@dataclass(frozen=True)
class Target:
    """The parsed storage target: the storage, the MinIO server (MinIO stacks) and warnings to show."""

    storage: Storage | None
    """None when `storage` itself is invalid (its problem is reported)."""
    minio: MinioSettings | None = None
    warnings: tuple[str, ...] = ()


class Parser(Protocol):
    """What this module needs of settings.py's parser: the raw configuration, its problems, its readers."""

    raw: Mapping[str, Any]

    def fail(self, key: str, message: str) -> None: ...
    def value(self, name: str) -> Any: ...
    def boolean(self, name: str) -> bool: ...


def _boolean(p: Parser, key: str, default: bool) -> bool | None:
    """A provider setting read as strictly as the project's own booleans: true or false (YAML or string)."""
    value = p.raw.get(key, default)
    if isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return bool(value == "true")
    p.fail(key, f"must be true or false (got {shown(value)})")
    return None


def _text(p: Parser, key: str, what: str) -> str | None:
    value, fail = p.raw.get(key), p.fail
    if value is None or (isinstance(value, str) and not value.strip()):
        fail(key, f"is required on a MinIO stack: {what}")
        return None
    if not isinstance(value, str):
        fail(key, f"must be a string (got {shown(value)})")
        return None
    return value.strip()


def _server(p: Parser) -> str | None:
    fail = p.fail
    value = _text(p, SERVER, "the MinIO S3 API as HOST:PORT, e.g. minio.example.com:9000")
    if value is None:
        return None
    shape = "must be HOST:PORT, e.g. minio.example.com:9000"
    if "/" in value or "@" in value or any(c.isspace() for c in value):
        fail(SERVER, f"{shape}, without scheme, path or user (got {shown(value)})")
        return None
    try:
        parts = urlsplit(f"//{value}")
        port = parts.port
    except ValueError:
        fail(SERVER, f"{shape}, with a port from 1 to 65535 (got {shown(value)})")
        return None
    host = parts.hostname or ""
    if port is None or not 1 <= port <= 65535:
        fail(SERVER, f"{shape}, with a port from 1 to 65535 (got {shown(value)})")
        return None
    try:
        ipaddress.ip_address(host)
    except ValueError:
        if not host or hostname_problem(host):
            fail(SERVER, f"{shape}, where HOST is a DNS name or an IP address (got {shown(value)})")
            return None
    return value


def _minio(p: Parser, stack: str, secret_keys: Collection[str]) -> Target:
    raw, fail = p.raw, p.fail
    for key in sorted(k for k in raw if k.startswith(f"{MINIO_NAMESPACE}:") and k not in PROVIDER_KEYS):
        close = difflib.get_close_matches(key, sorted(PROVIDER_KEYS), n=1, cutoff=0.8)
        fail(key, f"unknown setting of the pulumi-minio provider{f'; did you mean {close[0]}?' if close else ''}")
    for old, new in DEPRECATED.items():
        if old in raw:
            fail(old, f"is deprecated by the pulumi-minio provider; set {new} instead")
    for name, why in AWS_ONLY.items():
        if f"{PROJECT}:{name}" in raw:
            fail(f"{PROJECT}:{name}", f"applies to AWS stacks only: {why}; remove it from this MinIO stack")
    if REGION_KEY in raw:
        fail(REGION_KEY, f"applies to AWS stacks only; a MinIO stack's region is {REGION} (default {DEFAULT_REGION})")

    server = _server(p)
    ssl = _boolean(p, SSL, DEFAULT_SSL)
    allow_plain = p.boolean(ALLOW_PLAIN_HTTP)
    warnings: tuple[str, ...] = ()
    if ssl is None:
        pass  # reported: whether GHES would use TLS is unknown
    elif not ssl and not allow_plain:
        fail(
            SSL,
            "is false or not set (the provider's default), so GHES would reach MinIO over plain HTTP; GitHub "
            f"recommends TLS (NuGet needs it): set {SSL} true, or {PROJECT}:{ALLOW_PLAIN_HTTP} true to accept HTTP",
        )
    elif not ssl:
        warnings = (
            f"{SSL} is false and {PROJECT}:{ALLOW_PLAIN_HTTP} is true: GHES sends the Packages key and every "
            "package to MinIO over plain HTTP, and GitHub recommends TLS (NuGet fails without it)",
        )
    user = _text(p, USER, "the MinIO account the provider signs in as")
    if PASSWORD not in raw:
        fail(PASSWORD, f"is required on a MinIO stack: set it with `pulumi config set --secret {PASSWORD}`")
    elif PASSWORD not in secret_keys:
        fail(PASSWORD, f"must be a secret, never plain text in a stack file: `pulumi config set --secret {PASSWORD}`")
    region = raw.get(REGION, DEFAULT_REGION)
    if not isinstance(region, str) or not _REGION.fullmatch(region.strip()):
        fail(REGION, f"must be a MinIO region name: a letter, then letters, digits, - or _ (got {shown(region)})")
        region = DEFAULT_REGION
    if server is None or user is None:
        return Target(Storage.MINIO)
    return Target(Storage.MINIO, MinioSettings(server, bool(ssl), user, region.strip()), warnings)


def parse_target(p: Parser, stack: str, secret_keys: Collection[str]) -> Target:
    """The stack's storage target; each problem goes to `p.fail(key, message)`, one line each.

    :param p: settings.py's parser of the stack's configuration (full `namespace:key` keys).
    :param stack: the stack's name (it seeds the default bucket name).
    :param secret_keys: the keys whose values are secrets (`pulumi config set --secret`).
    """
    raw, fail = p.raw, p.fail
    value = p.value("storage")
    storage = next((s for s in Storage if isinstance(value, str) and value.strip() == s.value), None)
    if storage is None:
        choices = " or ".join(s.value for s in Storage)
        fail(f"{PROJECT}:storage", f"must be {choices} (got {shown(value)})")
        return Target(None)
    if storage is Storage.MINIO:
        return _minio(p, stack, secret_keys)
    for key in sorted(k for k in raw if k.startswith(f"{MINIO_NAMESPACE}:")):
        fail(key, f"applies to MinIO stacks only ({PROJECT}:storage is {storage.value}); remove it")
    if f"{PROJECT}:{ALLOW_PLAIN_HTTP}" in raw:
        fail(f"{PROJECT}:{ALLOW_PLAIN_HTTP}", f"applies to MinIO stacks only ({PROJECT}:storage is {storage.value})")
    return Target(storage)


def without_aws_settings(raw: Mapping[str, Any]) -> dict[str, Any]:
    """A MinIO stack's configuration without the AWS-only settings (parse_target reports each one already)."""
    aws_only = {REGION_KEY, *(f"{PROJECT}:{name}" for name in AWS_ONLY)}
    return {key: value for key, value in raw.items() if key not in aws_only}
