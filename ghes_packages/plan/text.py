"""The offline plan as text for a reviewer: settings, resources, IAM policy, appliance script, verdicts."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ghes_packages import resource_types
from ghes_packages.plan.evaluation import DeclaredResource, Evaluation
from ghes_packages.plan.guardrails import Verdict
from ghes_packages.stack_files import SECRET
from policies import documents

from .planning import (
    POLICY_OUTPUT,
    SCRIPT_OUTPUT,
    StackPlan,
    appliance_identity,
    appliance_script,
    ordered,
    policy_document,
)

INDENT = "  "
# The inputs that name a resource; when the program leaves them out, Pulumi picks the name at deploy time.
_NAME_INPUTS: dict[str | None, str] = {
    **dict.fromkeys(resource_types.BUCKETS, "bucket"),
    resource_types.USER: "name",
    resource_types.MINIO_BUCKET: "bucket",
    resource_types.MINIO_USER: "name",
    resource_types.MINIO_POLICY: "name",
}


def value_text(key: str, value: Any) -> str:
    """A property or output value as a reviewer reads it: a policy as its statement ids, others as text or JSON."""
    if key == "policy" and isinstance(value, str):
        try:
            labels = [label for label, _ in documents.statements(documents.load(value))]
        except documents.DocumentError:
            return value
        return f"JSON policy, {len(labels)} statement(s): {', '.join(labels)}"
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


def shown_properties(r: DeclaredResource) -> dict[str, str]:
    """The resource's inputs as a reviewer reads them, sorted; a name Pulumi picks at deploy time says so."""
    properties = dict(r.inputs)
    name_input = _NAME_INPUTS.get(r.type)
    if name_input and name_input not in properties:
        properties[name_input] = f"auto-named at deploy time (plan stand-in: {r.state.get(name_input)})"
    return {key: value_text(key, properties[key]) for key in sorted(properties)}


def flags(r: DeclaredResource) -> list[str]:
    return ["protected" if r.protect else "not protected"] + (["retained on delete"] if r.retain_on_delete else [])


def _resource(r: DeclaredResource) -> Iterator[str]:
    yield f"{INDENT}+ {r.type}  {r.name}  [{', '.join(flags(r))}]"
    for key, value in shown_properties(r).items():
        yield f"{INDENT * 3}{key}: {value}"


def _block(text: str) -> Iterator[str]:
    yield from (f"{INDENT}{line}" for line in text.splitlines())


def _evaluation(ev: Evaluation) -> Iterator[str]:
    yield f"Resources that would be created ({len(ev.resources)})"
    for r in ordered(ev):
        yield from _resource(r)
    yield ""
    shown = {k: v for k, v in ev.outputs.items() if k not in (POLICY_OUTPUT, SCRIPT_OUTPUT)}
    yield "Stack outputs (values from the plan's stand-in provider where AWS or MinIO decides them)"
    width = max((len(k) for k in shown), default=0)
    for key, value in shown.items():
        yield f"{INDENT}{key.ljust(width)}  {SECRET if key in ev.secret_outputs else value_text(key, value)}"
    yield ""
    document = policy_document(ev)
    if document is None:
        yield f"IAM policy: not in this program's outputs ({POLICY_OUTPUT})"
    else:
        yield f"IAM policy of the Packages user (output {POLICY_OUTPUT})"
        yield from _block(json.dumps(document, indent=2))
    yield ""
    identity = appliance_identity(ev)
    yield f"Appliance identity (configure and status reach {identity['address']}, port 122)"
    if identity["warning"]:
        yield f"{INDENT}WARNING: {identity['warning']}"
    else:
        yield f"{INDENT}pinned host key: {identity['hostKey'].split()[0]} {identity['fingerprint']}"
        yield f"{INDENT}(compare with `ssh-keygen -lf` of the appliance's key, obtained out of band; docs/appliance.md)"
    yield ""
    script = appliance_script(ev)
    if script is None:
        yield f"Appliance script: not in this program's outputs ({SCRIPT_OUTPUT})"
    else:
        yield f"Appliance script (output {SCRIPT_OUTPUT}; secret values masked)"
        yield from _block(script)


def status(verdict: Verdict) -> str:
    """A verdict in one word: an advisory rule's violations warn, a mandatory rule's fail."""
    if verdict.violations:
        return "warn" if verdict.advisory else "FAIL"
    return "n/a" if verdict.unknown else "pass"


def _verdicts(plan: StackPlan) -> Iterator[str]:
    yield "Rules of the policy pack (mandatory unless marked advisory)"
    for verdict in plan.verdicts:
        marker = " (advisory)" if verdict.advisory else ""
        yield f"{INDENT}{status(verdict).ljust(4)}  {verdict.rule}{marker}: {verdict.description}"
        if verdict.unknown:
            yield f"{INDENT * 4}not decided: {verdict.unknown}"
        for v in verdict.violations:
            yield f"{INDENT * 4}- {v.resource or 'stack'}: {v.message}"


def shown_path(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _stack(plan: StackPlan) -> Iterator[str]:
    config = plan.config
    yield f"Stack {config.stack} ({shown_path(config.path)}): offline plan in Pulumi's mock runtime; nothing is created"
    yield ""
    yield "Settings"
    width = max((len(k) for k in config.values), default=0)
    for key in sorted(config.values):
        yield f"{INDENT}{key.ljust(width)}  {config.values[key]}"
    yield ""
    if plan.evaluation is None:
        yield f"Invalid settings: nothing planned ({len(plan.problems)} problem(s))"
        yield from (f"{INDENT}- {p}" for p in plan.problems)
        return
    yield from _evaluation(plan.evaluation)
    yield ""
    if plan.evaluation.warnings:
        yield f"Warnings the program gives (pulumi up shows them too) ({len(plan.evaluation.warnings)})"
        yield from (f"{INDENT}- {w}" for w in plan.evaluation.warnings)
        yield ""
    yield from _verdicts(plan)
    failed = sum(1 for v in plan.verdicts if v.violations and not v.advisory)
    warned = sum(1 for v in plan.verdicts if v.violations and v.advisory)
    passed = len(plan.verdicts) - failed - warned
    yield ""
    yield (
        f"Result: {passed} rule(s) passed, {failed} failed ({len(plan.violations)} violation(s)), "
        f"{warned} advisory warning(s)"
    )


def render(plans: list[StackPlan]) -> str:
    """The text plan of each stack, separated by a rule line."""
    return f"\n\n{'=' * 100}\n\n".join("\n".join(_stack(plan)) for plan in plans)
