"""The appliance step: the GHES Packages settings, as `ghe-config` keys, and the script that applies them safely.

This module is the one place the `ghe-config` keys and the storage check are written (the script's exit
codes are ghes_packages.exits). The Pulumi program (stack outputs `ghesConfigureScript`, `ghesSettings`), the `render` and
`configure` commands and the tests all build on it; the bash template only iterates over what it is given.
"""

from __future__ import annotations

import enum
import shlex
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path

import jinja2

from ghes_packages.exits import SCRIPT_EXITS
from ghes_packages.redaction import MASK

TEMPLATES_DIR = Path(__file__).resolve().parent
CONFIGURE_TEMPLATE = "configure-packages.sh"

BLOB_STORAGE_TYPE_S3 = "s3"
"""GHES's storage type for S3 and for S3-compatible stores such as MinIO."""

STORAGE_CHECK_COMMAND = "ghe-check-blob-connection"
STORAGE_CHECK_PASSED = "All Storage tests passed"
# Unverified on a real appliance: whether the check reads settings that are written but not yet applied. The
# script relies on it (check before apply); if it turns out to read only applied settings, this is the place
# to change, together with the "check" step of ghes_packages/appliance/configure-packages.sh (see docs/appliance.md).
APPLY_COMMAND = "ghe-config-apply"
APPLY_LOG = "/data/user/common/ghe-config.log"

LOCK_DIR = "/data/user/tmp"
"""Where the lock of configure runs lives on the appliance (GHES's own scratch space on the data volume)."""
LOCK_NAME = "ghes-packages-configure.lock"
UNSET_MISSING_STATUS = 5
"""`ghe-config --unset KEY`'s status for a key that is not set (it wraps `git config`, which exits 5 there)."""

SESSION_STARTED = "ghes-packages: appliance session started"
"""The script's first line on stderr: what ssh printed before it came from ssh itself, not the appliance."""

NO_APPLY_ARGUMENT = "--no-apply"
"""Script argument (`bash -s -- --no-apply`): write and check the settings, but do not apply them."""
FORCE_APPLY_ARGUMENT = "--force-apply"
"""Script argument: apply even when this run wrote nothing (an earlier `--no-apply` run wrote the values)."""

UP_TO_DATE = f"ghes-packages: every setting already up to date: {APPLY_COMMAND} not run ({FORCE_APPLY_ARGUMENT} runs it)"
"""The script's line on stderr when it wrote nothing and so skipped the apply; `configure` reports it."""


class GheConfigKey(enum.StrEnum):
    """The appliance's configuration keys this project reads or writes (`ghe-config KEY [VALUE]`)."""

    HOSTNAME = "core.github-hostname"
    BLOB_STORAGE_TYPE = "secrets.packages.blob-storage-type"
    SERVICE_URL = "secrets.packages.service-url"
    S3_BUCKET = "secrets.packages.s3-bucket"
    AWS_ACCESS_KEY = "secrets.packages.aws-access-key"
    AWS_SECRET_KEY = "secrets.packages.aws-secret-key"  # noqa: S105 - the key's name, not a secret
    PACKAGES_ENABLED = "app.packages.enabled"


class InvalidSetting(ValueError):
    """A PackagesSettings value the appliance cannot be given; `field` names it, `problem` says why."""

    def __init__(self, field: str, problem: str):
        super().__init__(f"{field} {problem}")
        self.field = field
        self.problem = problem


@dataclass(frozen=True)
class PackagesSettings:
    """What the appliance must be told about its Packages storage, for one stack."""

    hostname: str
    """The appliance's hostname (`core.github-hostname`): the script refuses any other appliance."""
    service_url: str
    bucket_name: str
    access_key_id: str
    secret_access_key: str = field(repr=False)

    def __post_init__(self) -> None:
        for name in ("hostname", "service_url", "bucket_name", "access_key_id", "secret_access_key"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value:
                raise InvalidSetting(name, "must be a non-empty string")
            # A shell argument cannot hold a NUL byte; ghe-config would receive a truncated value.
            if "\0" in value:
                raise InvalidSetting(name, "contains a NUL character, which no shell argument can carry")

    def masked(self) -> PackagesSettings:
        """The same settings with the secret access key replaced by MASK."""
        return replace(self, secret_access_key=MASK)

    def items(self) -> tuple[tuple[GheConfigKey, str], ...]:
        """The `ghe-config` key and value of each Packages setting, in the order the script writes them."""
        return (
            (GheConfigKey.BLOB_STORAGE_TYPE, BLOB_STORAGE_TYPE_S3),
            (GheConfigKey.SERVICE_URL, self.service_url),
            (GheConfigKey.S3_BUCKET, self.bucket_name),
            (GheConfigKey.AWS_ACCESS_KEY, self.access_key_id),
            (GheConfigKey.AWS_SECRET_KEY, self.secret_access_key),
            # Enabled last: Packages is switched on only once its storage is described.
            (GheConfigKey.PACKAGES_ENABLED, "true"),
        )


def settings_document(settings: PackagesSettings) -> dict[str, str]:
    """The Packages settings as a JSON-ready `ghe-config` key -> value map, for other automation."""
    return {key.value: value for key, value in settings.items()}


@cache
def template_environment() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # noqa: S701 - the output is a shell script: every value goes through `shq`, not HTML escaping
        keep_trailing_newline=True,
        # Bash's `${#array[@]}` would open a Jinja comment with the default `{#`.
        comment_start_string="{##",
        comment_end_string="##}",
    )
    environment.filters["shq"] = shlex.quote
    return environment


def render_configure_script(settings: PackagesSettings) -> str:
    """The bash script that configures one appliance's Packages storage (see ghes_packages/appliance/configure-packages.sh).

    It holds the secret access key: render `settings.masked()` for anything a human or a log may see.
    """
    return (
        template_environment()
        .get_template(CONFIGURE_TEMPLATE)
        .render(
            hostname=settings.hostname,
            hostname_key=GheConfigKey.HOSTNAME.value,
            settings=[(key.value, value) for key, value in settings.items()],
            check_command=STORAGE_CHECK_COMMAND,
            check_passed=STORAGE_CHECK_PASSED,
            apply_command=APPLY_COMMAND,
            apply_log=APPLY_LOG,
            session_started=SESSION_STARTED,
            no_apply_argument=NO_APPLY_ARGUMENT,
            force_apply_argument=FORCE_APPLY_ARGUMENT,
            up_to_date=UP_TO_DATE,
            lock_dir=LOCK_DIR,
            lock_name=LOCK_NAME,
            unset_missing=UNSET_MISSING_STATUS,
            exit={member.name: int(member) for member in SCRIPT_EXITS},
        )
    )
