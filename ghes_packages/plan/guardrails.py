"""Run the pack's rules without the Pulumi CLI: on resources declared in the mock runtime (ghes_packages.plan.evaluation).

The engine hands a policy pack each resource's properties, options and dependencies; this module builds
the same pulumi_policy argument objects from an offline evaluation and calls each rule's validation, so
the offline plan and `pulumi preview --policy-pack policies` run one and the same code.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UnknownValueError, unknown_checking_proxy

from policies.rules import POLICIES


class Declared(Protocol):
    """What the rules need of a declared resource (plan.evaluation.DeclaredResource has it)."""

    @property
    def type(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def urn(self) -> str: ...
    @property
    def state(self) -> dict[str, Any]: ...
    @property
    def protect(self) -> bool: ...
    @property
    def dependencies(self) -> tuple[str, ...]: ...
    @property
    def additional_secret_outputs(self) -> tuple[str, ...]: ...


@dataclass(frozen=True)
class Violation:
    """One violation of a rule: the rule, the resource's logical name ('' for the stack) and why."""

    rule: str
    resource: str
    message: str


@dataclass(frozen=True)
class Verdict:
    """A rule's result on one stack."""

    rule: str
    description: str
    violations: tuple[Violation, ...] = ()
    unknown: str | None = None
    """Why the rule could not decide (a value not known before deployment); None when it ran."""
    advisory: bool = False
    """An advisory rule's violations are warnings: they do not stop an update, nor fail the plan."""

    @property
    def passed(self) -> bool:
        return not self.violations


def policy_resources(resources: Iterable[Declared]) -> list[PolicyResource]:
    """The resources as the engine would hand them to a stack validation (state as properties)."""
    built: dict[str, PolicyResource] = {}
    for r in resources:
        options = PolicyResourceOptions(
            r.protect, [], None, [], PolicyCustomTimeouts(0, 0, 0), list(r.additional_secret_outputs)
        )
        props = unknown_checking_proxy(dict(r.state))
        built[r.urn] = PolicyResource(r.type, props, r.urn, r.name, options, None, None, [], {})
    for r in resources:
        built[r.urn].dependencies.extend(built[d] for d in r.dependencies if d in built)
    return list(built.values())


def _advisory(policy: Policy, settings: Mapping[str, Any]) -> bool:
    """Whether the rule is advisory: its own level, unless the pack's configuration sets `enforcementLevel`."""
    level = settings.get("enforcementLevel") or policy.enforcement_level
    return str(getattr(level, "value", level)) == EnforcementLevel.ADVISORY.value


def _verdict(policy: Policy, stack: list[PolicyResource], settings: Mapping[str, Any]) -> Verdict:
    names = {r.urn: r.name for r in stack}
    advisory = _advisory(policy, settings)
    violations: list[Violation] = []

    def reporter(resource: str) -> ReportViolation:
        def report(message: str, urn: str | None = None) -> None:
            violations.append(Violation(policy.name, names.get(urn, resource) if urn else resource, message))

        return report

    results: list[Any] = []
    try:
        if isinstance(policy, StackValidationPolicy):
            results.append(policy.validate(StackValidationArgs(stack, settings), reporter("")))
        elif isinstance(policy, ResourceValidationPolicy):
            for r in stack:
                args = ResourceValidationArgs(r.resource_type, r.props, r.urn, r.name, r.opts, None, settings)
                results.append(policy.validate(args, reporter(r.name)))
    except UnknownValueError as error:
        return Verdict(policy.name, policy.description, tuple(violations), error.message, advisory)
    if any(result is not None for result in results):
        raise TypeError(f"rule {policy.name} is asynchronous; the offline plan runs synchronous rules only")
    return Verdict(policy.name, policy.description, tuple(violations), advisory=advisory)


def check(
    resources: Sequence[Declared],
    config: Mapping[str, Mapping[str, Any]] | None = None,
    policies: Sequence[Policy] = POLICIES,
) -> list[Verdict]:
    """Every rule's verdict on the resources, in the pack's order.

    :param resources: the resources one evaluation of the program declared.
    :param config: policy configuration by rule name, as `--policy-pack-config` would give it.
    :param policies: the rules to run; the whole pack by default.
    """
    stack = policy_resources(resources)
    return [_verdict(policy, stack, dict((config or {}).get(policy.name, {}))) for policy in policies]
