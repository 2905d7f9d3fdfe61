"""The read-only step: what the appliance holds, read without sending it any secret, and compared with the stack.

The read script (read-packages.sh) prints one line per key: `KEY unset`, `KEY value BASE64`, or for the secret
key `KEY sha256 HEX`, a SHA-256 of a random salt (new for every read) followed by the value. The salt is in the
script; the secret never is. The last line says whether a configure run holds the appliance's lock.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import secrets
from dataclasses import dataclass

from ghes_packages.exits import SCRIPT_EXITS

from .ghe_config import LOCK_DIR, LOCK_NAME, SESSION_STARTED, GheConfigKey, PackagesSettings, template_environment

READ_TEMPLATE = "read-packages.sh"
READ_KEYS: tuple[GheConfigKey, ...] = tuple(GheConfigKey)
"""The appliance's hostname, then the six Packages settings."""


@dataclass(frozen=True)
class ReadValue:
    """One key as the appliance holds it."""

    is_set: bool
    value: str | None = None
    """The value (None for the secret key, whose value never leaves the appliance)."""
    digest: str | None = None
    """For the secret key: SHA-256 of the salt and the value."""


@dataclass(frozen=True)
class ApplianceState:
    """What the read step found."""

    values: dict[GheConfigKey, ReadValue]
    lock_held: bool
    """A configure run holds the appliance's lock: values may be changing."""
    salt: str

    @property
    def hostname(self) -> str | None:
        return self.values[GheConfigKey.HOSTNAME].value


@dataclass(frozen=True)
class KeyComparison:
    """One key: what the stack expects and what the appliance holds (None for the secret, and for unset)."""

    key: str
    expected: str | None
    actual: str | None
    in_sync: bool
    secret: bool = False


def new_salt() -> str:
    return secrets.token_hex(16)


def secret_digest(salt: str, secret: str) -> str:
    """What the read script prints for a secret key holding `secret`."""
    return hashlib.sha256((salt + secret).encode("utf-8", "surrogateescape")).hexdigest()


def render_read_script(salt: str) -> str:
    """The read-only script; it holds no value of the stack, only the names of the keys and the salt."""
    return (
        template_environment()
        .get_template(READ_TEMPLATE)
        .render(
            keys=[key.value for key in READ_KEYS],
            secret_key=GheConfigKey.AWS_SECRET_KEY.value,
            salt=salt,
            lock_dir=LOCK_DIR,
            lock_name=LOCK_NAME,
            session_started=SESSION_STARTED,
            exit={member.name: int(member) for member in SCRIPT_EXITS},
        )
    )


def _read_value(key: GheConfigKey, kind: str, data: str) -> ReadValue:
    if kind == "unset" and not data:
        return ReadValue(False)
    if kind == "sha256" and key is GheConfigKey.AWS_SECRET_KEY and len(data) == 64:
        return ReadValue(True, digest=data)
    if kind == "value" and key is not GheConfigKey.AWS_SECRET_KEY:
        try:
            return ReadValue(True, value=base64.b64decode(data, validate=True).decode("utf-8", "surrogateescape"))
        except (binascii.Error, ValueError):
            pass
    raise ValueError(f"unexpected line for {key.value}")


def parse_report(stdout: bytes, salt: str) -> ApplianceState:
    """The read script's output as an ApplianceState; ValueError if it is not exactly that."""
    lines = stdout.decode("ascii").splitlines()
    if len(lines) != len(READ_KEYS) + 1 or lines[-1] not in ("lock held", "lock free"):
        raise ValueError(f"expected {len(READ_KEYS) + 1} lines ending with the lock's state")
    values = {}
    for key, line in zip(READ_KEYS, lines, strict=False):
        name, _, rest = line.partition(" ")
        kind, _, data = rest.partition(" ")
        if name != key.value:
            raise ValueError(f"expected {key.value}, got {name!r}")
        values[key] = _read_value(key, kind, data)
    return ApplianceState(values, lines[-1] == "lock held", salt)


def compare(state: ApplianceState, settings: PackagesSettings) -> list[KeyComparison]:
    """Each key read, against what the stack says it should hold. The hostname compares without case."""
    expected = {GheConfigKey.HOSTNAME: settings.hostname, **dict(settings.items())}
    found = []
    for key in READ_KEYS:
        read = state.values[key]
        if key is GheConfigKey.AWS_SECRET_KEY:
            in_sync = read.is_set and read.digest == secret_digest(state.salt, settings.secret_access_key)
            found.append(KeyComparison(key.value, None, None, in_sync, secret=True))
            continue
        want = expected[key]
        if key is GheConfigKey.HOSTNAME:
            in_sync = read.value is not None and read.value.lower() == want.lower()
        else:
            in_sync = read.is_set and read.value == want
        found.append(KeyComparison(key.value, want, read.value, in_sync))
    return found
