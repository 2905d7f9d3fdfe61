"""Access-key generations: the `accessKeys` setting that makes a rotation of the Packages key declarative.

GHES Packages signs in to its storage with a static key (no OpenID Connect), so the key must be rotatable
with no outage. AWS lets an IAM user hold two access keys (MinIO a user several service accounts): a stack
declares at most two generations, the newest active and emitted to the appliance, an older one active
(overlap, while the appliance moves to the new key) or inactive (grace period: a forgotten user of the
old key fails visibly, and reversibly). Removing a generation deletes its key.
"""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from .errors import shown

DEFAULT_MAX_KEY_AGE_DAYS = 90
"""The key age past which the pack warns and `status` says so (CIS and AWS guidance flag keys over 90 days)."""
SETTING = "accessKeys"
"""The setting's name in the project's namespace."""
KEY_ID_FIELD, STATUS_FIELD, CREATED_FIELD = "accessKeyId", "status", "createDate"
"""The fields of each generation in the `accessKeys` stack output."""
MAX_GENERATIONS = 2
"""AWS allows two access keys per IAM user."""
_GENERATION = re.compile(r"[1-9][0-9]{0,5}")


class KeyStatus(enum.StrEnum):
    """What a generation's key may do, as the setting spells it."""

    ACTIVE = "active"
    INACTIVE = "inactive"

    @property
    def aws(self) -> str:
        """The status as IAM spells it (`Active`, `Inactive`)."""
        return self.value.capitalize()


@dataclass(frozen=True, order=True)
class KeyGeneration:
    """One generation of the Packages key."""

    number: int
    status: KeyStatus


class AccessKeysError(ValueError):
    """The `accessKeys` value is not a valid set of generations; the message says why, in one line."""


def parse_access_keys(value: Any) -> tuple[KeyGeneration, ...]:
    """The generations, oldest first, from the setting's value (a JSON object as text, or already parsed).

    :raises AccessKeysError: naming what is wrong and what is allowed.
    """
    example = 'e.g. {"1":"active"} or, while rotating, {"1":"inactive","2":"active"}'
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            raise AccessKeysError(f"must be a JSON object of generation number to status, {example}") from None
    if not isinstance(value, Mapping):
        raise AccessKeysError(f"must be a JSON object of generation number to status, {example}")
    if not value:
        raise AccessKeysError(f"must hold at least one generation, {example}")
    generations = []
    for number, status in value.items():
        if not isinstance(number, str) or not _GENERATION.fullmatch(number):
            raise AccessKeysError(
                f"generation {shown(number)} must be a whole number from 1, written without zeros in front"
            )
        if status not in tuple(KeyStatus):
            raise AccessKeysError(f'generation {number} must be "active" or "inactive" (got {shown(status)})')
        generations.append(KeyGeneration(int(number), KeyStatus(status)))
    generations.sort()
    if len(generations) > MAX_GENERATIONS:
        numbers = ", ".join(str(g.number) for g in generations)
        raise AccessKeysError(
            f"holds {len(generations)} generations ({numbers}); AWS allows {MAX_GENERATIONS} keys per user: "
            f"remove the oldest (`ghes-packages rotate --finish` does)"
        )
    if generations[-1].status is not KeyStatus.ACTIVE:
        raise AccessKeysError(
            f"the newest generation {generations[-1].number} is the key GHES uses and must be active; "
            "to roll back a rotation, remove it and make the older one active"
        )
    return tuple(generations)


def access_keys_value(generations: tuple[KeyGeneration, ...]) -> str:
    """The setting's value for `generations`, as `pulumi config set` takes it (compact JSON, oldest first)."""
    return json.dumps({str(g.number): g.status.value for g in sorted(generations)}, separators=(",", ":"))


def key_age_days(create_date: str, now: datetime | None = None) -> int | None:
    """Whole days since an IAM `createDate` (RFC 3339, e.g. 2026-01-31T12:00:00Z); None if it does not parse."""
    try:
        made = datetime.fromisoformat(create_date.replace("Z", "+00:00"))
    except ValueError:
        return None
    if made.tzinfo is None:
        made = made.replace(tzinfo=UTC)
    return ((now or datetime.now(UTC)) - made).days
