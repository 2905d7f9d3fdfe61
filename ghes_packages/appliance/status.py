"""`ghes-packages status`: does the appliance still hold what its stack says? Read-only; the secret is never sent.

It runs only the read step (remote.read_appliance): the appliance's hostname, the six Packages settings, and
the secret key as a digest of a random salt and its value, compared here with the stack's own secret.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from ghes_packages.access_keys import CREATED_FIELD, DEFAULT_MAX_KEY_AGE_DAYS, KEY_ID_FIELD, key_age_days
from ghes_packages.errors import CliError
from ghes_packages.exits import ExitCode
from ghes_packages.outputs import StackOutput
from ghes_packages.redaction import redact
from ghes_packages.stack_outputs import OutputsSource, load_stack_outputs

from .reading import KeyComparison, compare
from .remote import connection, read_appliance, resolve_target
from .render import APPLIANCE_OUTPUTS, appliance_settings
from .ssh import SshTarget, check_target_options

_UNSET = "unset"


def _shown(value: str | None) -> str:
    return _UNSET if value is None else json.dumps(value, ensure_ascii=False)


def _line(c: KeyComparison, width: int) -> str:
    state = "in sync" if c.in_sync else "DRIFT"
    if c.secret:
        detail = "(secret: compared by digest, never shown)" if c.in_sync else "differs or is unset (secret: not shown)"
    elif c.in_sync:
        detail = _shown(c.actual)
    else:
        detail = f"expected {_shown(c.expected)}, actual {_shown(c.actual)}"
    return f"{state:<7}  {c.key.ljust(width)}  {detail}"


@dataclass(frozen=True)
class KeyAge:
    """How old the emitted key is, from the stack's `accessKeys` output (AWS reports when a key was made)."""

    generation: int
    access_key_id: str
    created: str
    age_days: int
    max_age_days: int

    @property
    def too_old(self) -> bool:
        return self.age_days > self.max_age_days

    def line(self) -> str:
        verdict = (
            f"older than {self.max_age_days} days: rotate it (docs/rotation.md)"
            if self.too_old
            else (f"within {self.max_age_days} days")
        )
        return (
            f"key age: generation {self.generation}'s key {self.access_key_id} was made {self.created}, "
            f"{self.age_days} days ago, {verdict}"
        )


def key_age(outputs: Mapping[str, Any], max_age_days: int) -> KeyAge | None:
    """The emitted key's age, or None when the stack does not say when it was made (MinIO, older stacks)."""
    generation = outputs.get(StackOutput.ACCESS_KEY_GENERATION)
    entry = (outputs.get(StackOutput.ACCESS_KEYS) or {}).get(str(generation)) or {}
    created, key_id = entry.get(CREATED_FIELD), entry.get(KEY_ID_FIELD)
    if not isinstance(created, str) or not isinstance(key_id, str) or not isinstance(generation, int):
        return None
    age = key_age_days(created)
    return None if age is None else KeyAge(generation, key_id, created, age, max_age_days)


def _document(host: str, comparisons: list[KeyComparison], configure_running: bool, age: KeyAge | None) -> str:
    keys = [{k: v for k, v in asdict(c).items() if k != "secret"} for c in comparisons]
    document = {
        "host": host,
        "in_sync": all(c.in_sync for c in comparisons),
        "configure_running": configure_running,
        "keys": keys,
        "key_age": None if age is None else {**asdict(age), "too_old": age.too_old},
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def status(
    source: OutputsSource, target: SshTarget, as_json: bool = False, max_key_age_days: int = DEFAULT_MAX_KEY_AGE_DAYS
) -> int:
    """Compare the appliance's Packages settings with the stack's; OK in sync, CliError(FAILED) naming any drift.

    :param source: where the stack outputs come from.
    :param target: how to reach the appliance's admin shell; its host None means the stack's applianceAddress.
    :param as_json: print one JSON document instead of the table.
    :param max_key_age_days: past this age the key-age line says to rotate (a warning, not a failure).
    """
    check_target_options(target)  # before any stack output is read
    outputs = load_stack_outputs(source, APPLIANCE_OUTPUTS)
    settings = appliance_settings(outputs)
    target = resolve_target(target, outputs)
    with connection(target) as base:
        state = read_appliance(base, target)
    comparisons = compare(state, settings)
    age = key_age(outputs, max_key_age_days)
    if as_json:
        text = _document(str(target.host), comparisons, state.lock_held, age)
    else:
        width = max(len(c.key) for c in comparisons)
        text = "".join(_line(c, width) + "\n" for c in comparisons)
    # The appliance's values are shown; should one of them hold the stack's secret, it is masked all the same.
    sys.stdout.write(redact(text, [settings.secret_access_key]))
    if age is not None and not as_json:
        print(f"ghes-packages: {'warning: ' if age.too_old else ''}{age.line()}", file=sys.stderr)
    if state.lock_held:
        print(f"ghes-packages: a configure run holds {target.host}'s lock: values may be changing", file=sys.stderr)
    drift = [c.key for c in comparisons if not c.in_sync]
    if drift:
        raise CliError(f"{target.host}: {len(drift)} setting(s) differ from the stack: {', '.join(drift)}", ExitCode.FAILED)
    print(f"ghes-packages: {target.host}: Packages settings match the stack", file=sys.stderr)
    return ExitCode.OK
