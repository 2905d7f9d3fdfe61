"""`ghes-packages rotate`: run a rotation's remaining steps, each checked before the next (docs/rotation.md).

Every step starts from what is found (the stack's `accessKeys`, its deployed outputs, the key id the
appliance reports), so a run that stopped anywhere is resumed by running the command again.
"""

from __future__ import annotations

import sys
from typing import Any, Protocol

from ghes_packages.access_keys import SETTING as ACCESS_KEYS_SETTING
from ghes_packages.access_keys import AccessKeysError, KeyGeneration, KeyStatus, access_keys_value, parse_access_keys
from ghes_packages.declarations import declarations
from ghes_packages.errors import CliError
from ghes_packages.exits import ExitCode
from ghes_packages.outputs import StackOutput
from ghes_packages.project import PROJECT
from ghes_packages.verify import DEFAULT_WAIT_SECONDS

from .pulumi_cli import PulumiCli
from .steps import Action, Found, Refused, Step, finish_steps, rotation_steps, switched_off

SETTING = f"{PROJECT}:{ACCESS_KEYS_SETTING}"
MAX_STEPS = 12
"""A rotation has at most seven steps; more means a step is not taking effect."""


class ApplianceLink(Protocol):
    """The stack's appliance, as rotate needs it."""

    def key_id(self) -> str | None:
        """The access key id the appliance holds (`secrets.packages.aws-access-key`), None if unset."""
        ...

    def configure(self) -> None:
        """Configure the appliance from the stack's outputs (CliError on any failure)."""
        ...


def _say(text: str) -> None:
    print(f"{PROJECT}: rotate: {text}", file=sys.stderr, flush=True)


def _generations(pulumi: PulumiCli) -> tuple[KeyGeneration, ...]:
    value = pulumi.config_get(SETTING)
    try:
        return parse_access_keys(value if value is not None else declarations()[ACCESS_KEYS_SETTING].default)
    except AccessKeysError as error:
        raise CliError(f"{SETTING}: {error}", ExitCode.USAGE) from None


def _deployed(pulumi: PulumiCli) -> dict[str, Any]:
    """The `accessKeys` output of the last deploy; empty for a stack never deployed (or from before generations)."""
    deployed = pulumi.outputs().get(StackOutput.ACCESS_KEYS)
    return deployed if isinstance(deployed, dict) else {}


def _found(pulumi: PulumiCli, appliance: ApplianceLink, verified: str | None) -> Found:
    generations = _generations(pulumi)
    found = Found(generations, _deployed(pulumi), verified_key_id=verified)
    if found.needs_appliance:
        found = Found(generations, found.deployed, appliance.key_id(), verified)
    return found


def _verify(pulumi: PulumiCli, step: Step, wait: float) -> str:
    """Verify the emitted key (generation `step.new`); the key id verified."""
    from ghes_packages.verify.engine import endpoint_from_outputs, run_checks  # botocore: only when verifying

    outputs = pulumi.outputs()
    endpoint, bucket, actions_bucket = endpoint_from_outputs(outputs, None)
    if outputs.get(StackOutput.ACCESS_KEY_GENERATION) != step.new:
        raise CliError(f"the stack emits generation {outputs.get(StackOutput.ACCESS_KEY_GENERATION)}, not {step.new}")
    report = run_checks(endpoint, bucket, actions_bucket, wait=wait)
    if not report.ok:
        raise CliError(f"verify: generation {step.new}'s key {endpoint.access_key_id}: {report.verdict}")
    return endpoint.access_key_id


def _configure(pulumi: PulumiCli, appliance: ApplianceLink, step: Step) -> None:
    appliance.configure()
    expected = pulumi.outputs().get(StackOutput.ACCESS_KEY_ID)
    held = appliance.key_id()
    if held != expected:
        raise CliError(f"after configure the appliance reports key {held}, not generation {step.new}'s {expected}")


def guard_deploy(stack: str, found: Found, appliance: ApplianceLink) -> None:
    """CliError unless deploying the setting as it stands leaves the key the appliance holds active.

    The one rule a rotation lives by, checked before every `pulumi up` it runs (and by `--check-deploy`
    before a pipeline's): a deploy may switch off or delete a key only once the appliance has moved off it.
    """
    at_risk = switched_off(found)
    if not at_risk:
        return  # nothing is switched off: the appliance is not asked
    held = found.appliance_key_id if found.appliance_key_id is not None else appliance.key_id()
    if held in at_risk:
        generation = at_risk[held]
        raise CliError(
            f"stack {stack}: deploying {SETTING} {access_keys_value(found.generations)} would switch off generation "
            f"{generation}'s key {held}, which the appliance still holds: move the appliance to the newest key first "
            f"(`ghes-packages rotate --stack {stack}`), or declare generation {generation} active again",
            ExitCode.FAILED,
        )


def _run(step: Step, found: Found, pulumi: PulumiCli, appliance: ApplianceLink, wait: float) -> str | None:
    """Take one step; the key id it verified, if it was the verification."""
    if step.action is Action.DEPLOY:
        pulumi.up()
    elif step.action is Action.ADD:
        pulumi.config_set(SETTING, access_keys_value((*found.generations, KeyGeneration(step.new, KeyStatus.ACTIVE))))
    elif step.action is Action.DEACTIVATE:
        kept = tuple(KeyGeneration(g.number, KeyStatus.INACTIVE) if g.number == step.old else g for g in found.generations)
        pulumi.config_set(SETTING, access_keys_value(kept))
    elif step.action is Action.REMOVE:
        pulumi.config_set(SETTING, access_keys_value(tuple(g for g in found.generations if g.number != step.old)))
    elif step.action is Action.VERIFY:
        return _verify(pulumi, step, wait)
    elif step.action is Action.CONFIGURE:
        _configure(pulumi, appliance, step)
    return None


def rotate(
    stack: str, appliance: ApplianceLink, *, finish: bool = False, dry_run: bool = False, wait: float = DEFAULT_WAIT_SECONDS
) -> int:
    """Take the rotation's (or with `finish`, the finishing's) remaining steps, printing each as it goes.

    :param stack: the stack whose key to rotate.
    :param appliance: the stack's appliance (status and configure).
    :param finish: remove the inactive generation instead (refused until the appliance holds the newest key).
    :param dry_run: print the remaining steps and change nothing.
    :param wait: how long verify retries while the new key is not yet valid.
    """
    pulumi = PulumiCli(stack)
    previous: Step | None = None
    verified: str | None = None
    for number in range(1, MAX_STEPS + 1):
        found = _found(pulumi, appliance, verified)
        try:
            steps = finish_steps(found) if finish else rotation_steps(found)
        except Refused as error:
            raise CliError(f"stack {stack}: {error}", ExitCode.FAILED) from None
        if dry_run:
            if steps and steps[0].action is Action.DEPLOY:
                guard_deploy(stack, found, appliance)  # a dry run says when its next deploy would be refused
            for i, step in enumerate(steps, 1):
                print(f"{i}. {step.describe()}")
            _say(f"stack {stack}: dry run, {len(steps)} step(s) to take; nothing was changed")
            return ExitCode.OK
        if not steps:
            _say(_outcome(stack, found, finish))
            return ExitCode.OK
        step = steps[0]
        if step == previous:
            raise CliError(f"stack {stack}: step '{step.describe()}' did not take effect; see the output above")
        if step.action is Action.DEPLOY:
            guard_deploy(stack, found, appliance)  # before every up: never switch off the appliance's key
        _say(f"stack {stack}: step {number}: {step.describe()}")
        verified = _run(step, found, pulumi, appliance, wait) or verified
        _say(f"stack {stack}: step {number} done")
        previous = step
    raise CliError(f"stack {stack}: the rotation did not settle after {MAX_STEPS} steps; see the output above")


def _outcome(stack: str, found: Found, finish: bool) -> str:
    gens = found.generations
    newest = gens[-1].number
    if finish or len(gens) == 1:
        return f"stack {stack}: only generation {newest} remains; nothing left to do"
    old = gens[0].number
    rollback = access_keys_value((KeyGeneration(old, KeyStatus.ACTIVE), gens[-1]))
    return (
        f"stack {stack}: the appliance uses generation {newest}; generation {old} is inactive (grace period). "
        f"When nothing else has used it for a while, run `ghes-packages rotate --stack {stack} --finish`. "
        f"To roll back, `pulumi config set {SETTING} '{rollback}' --stack {stack}` and `pulumi up`."
    )


def check_deploy(stack: str, appliance: ApplianceLink) -> int:
    """ExitCode.OK when `pulumi up` with the stack's setting as it stands leaves the appliance's key active.

    A pipeline runs it before its own `pulumi up`: a stack file that is behind a rotation (its pull request
    not merged yet) would otherwise delete the key the appliance moved to.
    """
    pulumi = PulumiCli(stack)
    found = Found(_generations(pulumi), _deployed(pulumi))
    guard_deploy(stack, found, appliance)
    _say(f"stack {stack}: deploying {SETTING} {access_keys_value(found.generations)} leaves the appliance's key active")
    return ExitCode.OK
