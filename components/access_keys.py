"""The Packages key's generations as resources: one key per generation, the newest emitted to the appliance.

Shared by every storage target (an IAM access key on AWS; a service account on MinIO). Generation 1 takes
over the single key earlier versions declared, through an alias, so an existing stack upgrades without
replacing its key (tests/test_urns.py checks the URN the alias claims).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi

from ghes_packages.access_keys import CREATED_FIELD, KEY_ID_FIELD, STATUS_FIELD, KeyGeneration

KEY_SUFFIX = "-access-key"
"""An AWS key's logical name is the component's name, this, and `-N` for generation N."""
SERVICE_ACCOUNT_SUFFIX = "-service-account"
"""A MinIO service account's logical name is the component's name, this, and `-N` for generation N."""


def key_name(prefix: str, generation: KeyGeneration, suffix: str = KEY_SUFFIX) -> str:
    """The logical name of a generation's key resource."""
    return f"{prefix}{suffix}-{generation.number}"


def key_options(
    prefix: str, generation: KeyGeneration, parent: pulumi.Resource, suffix: str = KEY_SUFFIX, **extra: Any
) -> pulumi.ResourceOptions:
    """Options of a generation's key: a child of the component; generation 1 answers to the single key's name
    that versions before generations declared (`prefix` + `suffix`)."""
    aliases = [pulumi.Alias(name=f"{prefix}{suffix}")] if generation.number == 1 else None
    return pulumi.ResourceOptions(parent=parent, aliases=aliases, **extra)


@dataclass(frozen=True)
class IssuedKey:
    """A generation's key as its provider reports it."""

    generation: KeyGeneration
    key_id: pulumi.Output[str]
    secret: pulumi.Output[str]
    create_date: pulumi.Output[str] | None = None
    """When the key was made (AWS reports it; MinIO does not)."""


def newest(keys: Sequence[IssuedKey]) -> IssuedKey:
    """The key GHES uses: the newest generation's (settings guarantee it is active)."""
    return max(keys, key=lambda key: key.generation.number)


def generations_output(keys: Sequence[IssuedKey]) -> pulumi.Output[dict[str, dict[str, Any]]]:
    """Every live generation's key id, status and (where known) creation date: non-secret, for operators."""

    def entry(key: IssuedKey) -> pulumi.Output[dict[str, Any]]:
        status = key.generation.status.value

        def shape(values: list[Any]) -> dict[str, Any]:
            key_id, date = values
            return {KEY_ID_FIELD: key_id, STATUS_FIELD: status, **({CREATED_FIELD: date} if date else {})}

        return pulumi.Output.all(key.key_id, key.create_date).apply(shape)

    return pulumi.Output.all(*(entry(key) for key in keys)).apply(
        lambda entries: {str(key.generation.number): e for key, e in zip(keys, entries, strict=True)}
    )
