"""The offline plan of one stack: evaluate the program in the mock runtime, then run the policy pack on it.

What `ghes-packages plan` prints comes from here (JSON) and from plan.text (text). Secret values never
leave: the caller masks every one of `StackPlan.secrets()` in all it prints.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ghes_packages.appliance_identity import HostKeyError, parse_host_key
from ghes_packages.exits import ExitCode
from ghes_packages.minio_settings import CREDENTIALS as MINIO_CREDENTIALS
from ghes_packages.outputs import StackOutput
from ghes_packages.plan.guardrails import Verdict, Violation, check
from ghes_packages.project import PROGRAM
from ghes_packages.settings import SettingsError
from ghes_packages.stack_files import SECRET, StackConfig

from .evaluation import DeclaredResource, Evaluation, evaluate

SCRIPT_OUTPUT = StackOutput.GHES_CONFIGURE_SCRIPT
POLICY_OUTPUT = StackOutput.POLICY_DOCUMENT


# Provider settings that hold a credential (the AWS provider's own secret key and session token, MinIO's
# password): a stack file may hold one in plain text by mistake; the plan refuses it but must not show it.
CREDENTIAL_SETTINGS = frozenset({"aws:secretKey", "aws:token", *MINIO_CREDENTIALS})


@dataclass
class StackPlan:
    """One stack's plan: its settings problems, or what it declares and each rule's verdict."""

    config: StackConfig
    problems: list[str] = field(default_factory=list)
    evaluation: Evaluation | None = None
    verdicts: list[Verdict] = field(default_factory=list)

    @property
    def violations(self) -> list[Violation]:
        """Violations of mandatory rules: they would stop `pulumi up`, and fail the plan."""
        return [v for verdict in self.verdicts if not verdict.advisory for v in verdict.violations]

    @property
    def warnings(self) -> list[Violation]:
        """Violations of advisory rules: shown, never failing."""
        return [v for verdict in self.verdicts if verdict.advisory for v in verdict.violations]

    def secrets(self) -> set[str]:
        """Every secret value: credentials written in plain text in the stack file (refused, but still shown in
        its settings), and what the evaluation produced: secret outputs and secret resource outputs."""
        plain = {v for k, v in self.config.values.items() if k in CREDENTIAL_SETTINGS and k not in self.config.secure}
        if self.evaluation is None:
            return {v for v in plain if v}
        ev = self.evaluation
        # Composite secret outputs (the script, the settings document) hold these values; masking these masks them.
        found = [ev.outputs.get(name) for name in ev.secret_outputs if name != SCRIPT_OUTPUT]
        found += [r.state.get(key) for r in ev.resources for key in r.additional_secret_outputs]
        return {s for s in [*found, *plain] if isinstance(s, str) and s}


def _secure_problem(problem: str, secure: frozenset[str]) -> str:
    key = problem.split(": ", 1)[0]
    if key not in secure:
        return problem
    return f"{key}: is a secure value, which the offline plan never decrypts, so it cannot be checked; keep it in plain text"


def plan_stack(config: StackConfig, program: Path = PROGRAM) -> StackPlan:
    """Evaluate `program` for the stack in the mock runtime and run every rule of the pack on it."""
    try:
        evaluation = evaluate(config.values, config.stack, program, secret_keys=config.secure)
    except SettingsError as error:
        return StackPlan(config, problems=[_secure_problem(p, config.secure) for p in error.problems])
    return StackPlan(config, evaluation=evaluation, verdicts=check(ordered(evaluation)))


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def plan_stacks(configs: Sequence[StackConfig], workers: int | None = None) -> list[StackPlan]:
    """Plan each stack, in order; several at once in forked worker processes when cores are free.

    The Pulumi runtime is process-global, so stacks can only run in parallel in separate processes; a
    forked worker starts with every module already loaded. Results come back through a pipe, in memory.
    """
    if not configs:
        return []
    # The first stack is planned here: that loads every module the program uses, once, before any fork.
    first, rest = plan_stack(configs[0]), configs[1:]
    workers = min(len(rest), workers or _cores())
    # fork only on Linux: elsewhere it is not the platform's default and some native libraries break on it.
    if workers < 2 or sys.platform != "linux":
        return [first, *(plan_stack(config) for config in rest)]
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        return [first, *pool.map(plan_stack, rest, chunksize=-(-len(rest) // workers))]


def ordered(evaluation: Evaluation) -> list[DeclaredResource]:
    """The declared resources in a stable order (parents first, then by name): the SDK registers them
    concurrently, so declaration order varies from run to run and would make plans needlessly differ."""
    return sorted(evaluation.resources, key=lambda r: (r.urn.count("$"), r.name, r.type))


def policy_document(evaluation: Evaluation) -> Any:
    """The IAM policy output, parsed when it is JSON."""
    value = evaluation.outputs.get(POLICY_OUTPUT)
    try:
        return json.loads(value) if isinstance(value, str) else value
    except json.JSONDecodeError:
        return value


def appliance_script(evaluation: Evaluation) -> str | None:
    value = evaluation.outputs.get(SCRIPT_OUTPUT)
    return value if isinstance(value, str) else None


NO_PINNED_KEY = (
    "no applianceHostKey: configure and status trust whatever host key known_hosts holds for the address, so "
    "an appliance answering under the same name (a staging box restored from production) cannot be told apart; "
    "pin the key (docs/appliance.md)"
)


def appliance_identity(evaluation: Evaluation) -> dict[str, Any]:
    """The appliance the stack's operator commands reach: address, pinned key and its fingerprint, or a warning."""
    address = evaluation.outputs.get(StackOutput.APPLIANCE_ADDRESS)
    line = evaluation.outputs.get(StackOutput.APPLIANCE_HOST_KEY)
    identity: dict[str, Any] = {"address": address, "hostKey": None, "fingerprint": None, "warning": None}
    try:
        key = parse_host_key(line) if isinstance(line, str) and line else None
    except HostKeyError:  # the settings refuse such a key; a program exporting one anyway is not pinned
        key = None
    if key is None:
        identity["warning"] = NO_PINNED_KEY
    else:
        identity.update(hostKey=key.line, fingerprint=key.fingerprint)
    return identity


def stack_json(plan: StackPlan) -> dict[str, Any]:
    """The machine-readable plan of one stack (documented in docs/plan.md)."""
    ev = plan.evaluation
    result: dict[str, Any] = {
        "stack": plan.config.stack,
        "file": str(plan.config.path),
        "settings": plan.config.values,
        "problems": plan.problems,
        "resources": [],
        "outputs": {},
        "policyDocument": None,
        "applianceScript": None,
        "applianceIdentity": None,
        "rules": [],
        "warnings": [],
        "violations": [{"rule": v.rule, "resource": v.resource, "message": v.message} for v in plan.violations],
        "advisories": [{"rule": v.rule, "resource": v.resource, "message": v.message} for v in plan.warnings],
    }
    if ev is None:
        return result
    result["resources"] = [
        {
            "type": r.type,
            "name": r.name,
            "parent": r.parent_type,
            "protected": r.protect,
            "retainOnDelete": r.retain_on_delete,
            "properties": r.inputs,
        }
        for r in ordered(ev)
    ]
    result["outputs"] = {k: SECRET if k in ev.secret_outputs else v for k, v in ev.outputs.items()}
    result["warnings"] = list(ev.warnings)
    result["policyDocument"] = policy_document(ev)
    result["applianceScript"] = appliance_script(ev)
    result["applianceIdentity"] = appliance_identity(ev)
    result["rules"] = [
        {
            "name": v.rule,
            "description": v.description,
            "passed": v.passed,
            "advisory": v.advisory,
            "unknown": v.unknown,
            "violations": [{"resource": x.resource, "message": x.message} for x in v.violations],
        }
        for v in plan.verdicts
    ]
    return result


def problem_lines(plan: StackPlan) -> list[str]:
    """One line per problem of the stack (each invalid setting, each violation), then each warning of the program."""
    prefix = f"ghes-packages: error: stack {plan.config.stack}: "
    lines = [prefix + p for p in plan.problems]
    lines += [prefix + f"rule {v.rule}: {v.resource or 'stack'}: {v.message}" for v in plan.violations]
    warning = f"ghes-packages: warning: stack {plan.config.stack}: "
    lines += [warning + f"rule {v.rule} (advisory): {v.resource or 'stack'}: {v.message}" for v in plan.warnings]
    warnings = plan.evaluation.warnings if plan.evaluation else []
    return lines + [warning + w for w in warnings]


def exit_code(plans: list[StackPlan]) -> int:
    """USAGE when a stack's settings are invalid, FAILED when a mandatory rule is violated, else OK."""
    if any(p.problems for p in plans):
        return ExitCode.USAGE
    return ExitCode.FAILED if any(p.violations for p in plans) else ExitCode.OK
