"""Where a rotation stands, and what is left to do: worked out from what is found, so any run can resume.

A rotation of generation N to N+1 is, in order: add N+1 (active) to `accessKeys` and deploy it; verify the
new key; configure the appliance with it and see the appliance report its key id; mark N inactive and
deploy. Finishing, after the grace period, removes N. At no step is the key the appliance holds inactive:
the appliance moves to N+1 only once N+1 is deployed and verified, and N is deactivated only once the
appliance reports N+1's key id.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ghes_packages.access_keys import KEY_ID_FIELD, STATUS_FIELD, KeyGeneration, KeyStatus, access_keys_value


class Action(enum.Enum):
    """One step of a rotation."""

    ADD = "add generation {new} (active) to accessKeys"
    DEPLOY = "pulumi up (with the policy pack) for accessKeys {value}"
    VERIFY = "verify generation {new}'s key against the storage (waiting out IAM propagation)"
    CONFIGURE = "configure the appliance with generation {new}'s key, then check it reports that key id"
    DEACTIVATE = "mark generation {old} inactive in accessKeys"
    REMOVE = "remove generation {old} from accessKeys (its key is deleted)"


@dataclass(frozen=True)
class Found:
    """What a run finds before each step: the stack's setting, its deployed outputs and the appliance."""

    generations: tuple[KeyGeneration, ...]
    """The `accessKeys` setting, oldest first."""
    deployed: Mapping[str, Mapping[str, Any]]
    """The `accessKeys` stack output: generation -> accessKeyId, status (what the last `up` made)."""
    appliance_key_id: str | None = None
    """The key id the appliance holds; None when not asked (it is asked only where a step depends on it)."""
    verified_key_id: str | None = None
    """The key id this run has verified. Verifying leaves no trace in the stack or on the appliance, so only
    the run itself knows it did; a new run verifies again."""

    @property
    def in_effect(self) -> bool:
        """Whether the deployed keys are what the setting declares (the last `up` ran with it)."""
        declared = {str(g.number): g.status.value for g in self.generations}
        return {n: str(e.get(STATUS_FIELD)) for n, e in self.deployed.items()} == declared

    def key_id(self, generation: KeyGeneration) -> str | None:
        entry = self.deployed.get(str(generation.number)) or {}
        value = entry.get(KEY_ID_FIELD)
        return value if isinstance(value, str) else None

    @property
    def needs_appliance(self) -> bool:
        """Whether the next step depends on which key the appliance holds."""
        return len(self.generations) == 2 and self.in_effect


@dataclass(frozen=True)
class Step:
    """One step to take, with the generations it concerns."""

    action: Action
    old: int
    new: int
    value: str = ""

    def describe(self) -> str:
        return self.action.value.format(old=self.old, new=self.new, value=self.value)


class Refused(Exception):
    """The rotation cannot go on from what was found; the message says why and what to do."""


def switched_off(found: Found) -> dict[str, int]:
    """The deployed keys that deploying the setting as it stands would switch off or delete: key id -> generation."""
    declared = {str(g.number): g.status for g in found.generations}
    at_risk: dict[str, int] = {}
    for number, entry in found.deployed.items():
        key_id = entry.get(KEY_ID_FIELD)
        wanted = declared.get(number)
        deactivated = wanted is KeyStatus.INACTIVE and entry.get(STATUS_FIELD) == KeyStatus.ACTIVE.value
        if isinstance(key_id, str) and number.isdigit() and (wanted is None or deactivated):
            at_risk[key_id] = int(number)
    return at_risk


def rotation_steps(found: Found) -> list[Step]:
    """The steps still to take to rotate, from what was found (empty when the rotation has done its part)."""
    gens = found.generations
    steps: list[Step] = []
    if len(gens) == 1:
        (current,) = gens
        new = KeyGeneration(current.number + 1, KeyStatus.ACTIVE)
        overlap = (current, new)
        deactivated = (KeyGeneration(current.number, KeyStatus.INACTIVE), new)
        if not found.in_effect:
            steps.append(Step(Action.DEPLOY, current.number, current.number, access_keys_value(gens)))
        return [
            *steps,
            Step(Action.ADD, current.number, new.number),
            Step(Action.DEPLOY, current.number, new.number, access_keys_value(overlap)),
            Step(Action.VERIFY, current.number, new.number),
            Step(Action.CONFIGURE, current.number, new.number),
            Step(Action.DEACTIVATE, current.number, new.number),
            Step(Action.DEPLOY, current.number, new.number, access_keys_value(deactivated)),
        ]
    old, new = gens
    deactivated = (KeyGeneration(old.number, KeyStatus.INACTIVE), new)
    if not found.in_effect:
        steps.append(Step(Action.DEPLOY, old.number, new.number, access_keys_value(gens)))
    if old.status is KeyStatus.INACTIVE:
        return steps  # what is left is --finish, after the grace period
    if not (found.in_effect and found.verified_key_id is not None and found.verified_key_id == found.key_id(new)):
        steps.append(Step(Action.VERIFY, old.number, new.number))
    on_new = found.in_effect and found.appliance_key_id is not None and found.appliance_key_id == found.key_id(new)
    if not on_new:
        steps.append(Step(Action.CONFIGURE, old.number, new.number))
    steps.append(Step(Action.DEACTIVATE, old.number, new.number))
    steps.append(Step(Action.DEPLOY, old.number, new.number, access_keys_value(deactivated)))
    return steps


def finish_steps(found: Found) -> list[Step]:
    """The steps still to take to finish a rotation: remove the inactive generation.

    :raises Refused: while the older generation is active, or the appliance does not hold the newest key.
    """
    gens = found.generations
    if len(gens) == 1:
        (current,) = gens
        if found.in_effect:
            return []
        return [Step(Action.DEPLOY, current.number, current.number, access_keys_value(gens))]
    old, new = gens
    if old.status is KeyStatus.ACTIVE:
        raise Refused(
            f"generation {old.number} is still active: the rotation to {new.number} is not done; run rotate without --finish"
        )
    steps = [] if found.in_effect else [Step(Action.DEPLOY, old.number, new.number, access_keys_value(gens))]
    expected = found.key_id(new)
    if found.in_effect and found.appliance_key_id != expected:
        held = found.appliance_key_id or "no key"
        which = f"generation {old.number}'s key" if held == found.key_id(old) else held
        raise Refused(
            f"the appliance still reports {which}, not generation {new.number}'s key {expected}: run rotate to "
            "configure it; the inactive key is kept until the appliance has moved"
        )
    remaining = (new,)
    return [
        *steps,
        Step(Action.REMOVE, old.number, new.number),
        Step(Action.DEPLOY, old.number, new.number, access_keys_value(remaining)),
    ]
