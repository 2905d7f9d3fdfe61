"""The offline plan as GitHub-flavoured Markdown: a pull request's job summary or comment.

The same content as plan.text (settings, resources, outputs, IAM policy, appliance script, verdicts), laid
out as tables and code blocks. Like the text form it is masked by the caller (plan.command) before it is
printed; secret outputs are never rendered in the first place.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator, Sequence

from ghes_packages.stack_files import SECRET

from .planning import POLICY_OUTPUT, SCRIPT_OUTPUT, StackPlan, appliance_script, ordered, policy_document
from .text import flags, shown_path, shown_properties, status, value_text

# Backslash-escaping any ASCII punctuation is always literal in GitHub-flavoured Markdown; these are the ones
# that could start markup, a table cell or raw HTML in a value taken from a stack file.
_MARKUP = re.compile(r"([\\`*_{}\[\]<>()#+\-.!|~])")
_VERDICT = {"pass": "✅ pass", "FAIL": "❌ FAIL", "warn": "⚠️ warn (advisory)", "n/a": "n/a"}


def _text(value: str) -> str:
    """Plain text for a paragraph or a table cell: markup escaped, on one line."""
    return _MARKUP.sub(r"\\\1", " ".join(value.splitlines()))


def _code(value: str) -> str:
    """An inline code span for a table cell, whatever backticks or pipes the value holds."""
    value = " ".join(value.splitlines()).replace("|", "\\|")
    ticks = "`" * (max((len(run) for run in re.findall(r"`+", value)), default=0) + 1)
    pad = " " if value.startswith("`") or value.endswith("`") else ""
    return f"{ticks}{pad}{value}{pad}{ticks}"


def _block(language: str, body: str) -> Iterator[str]:
    """A fenced code block, its fence longer than any backtick run inside."""
    fence = "`" * max(3, max((len(run) for run in re.findall(r"`+", body)), default=0) + 1)
    yield f"{fence}{language}"
    yield from body.splitlines()
    yield fence


def _table(header: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> Iterator[str]:
    yield f"| {' | '.join(header)} |"
    yield f"|{'---|' * len(header)}"
    yield from (f"| {' | '.join(row)} |" for row in rows)


def _details(summary: str, body: Iterator[str]) -> Iterator[str]:
    # Blank lines around the body: GitHub renders Markdown inside <details> only when it is set apart.
    yield f"<details><summary>{html.escape(summary)}</summary>"
    yield ""
    yield from body
    yield ""
    yield "</details>"


def _outcome(plan: StackPlan) -> str:
    if plan.problems:
        return "❌ invalid settings"
    failed = sum(1 for v in plan.verdicts if v.violations)
    return f"❌ {failed} rule(s) failed" if failed else "✅ all rules pass"


def _summary(plans: list[StackPlan]) -> Iterator[str]:
    yield "# ghes-packages: offline plan"
    yield ""
    yield "Evaluated in Pulumi's mock runtime: no cloud account, nothing created; secret values masked."
    yield ""
    rows = [
        (
            _code(p.config.stack),
            _outcome(p),
            str(len(p.evaluation.resources)) if p.evaluation else "-",
            str(sum(1 for v in p.verdicts if not v.violations)),
            str(len(p.violations)),
        )
        for p in plans
    ]
    yield from _table(("stack", "result", "resources", "rules passed", "violations"), rows)


def _resources(plan: StackPlan) -> Iterator[str]:
    assert plan.evaluation is not None
    resources = ordered(plan.evaluation)
    yield f"### Resources that would be created ({len(resources)})"
    yield ""
    yield from _table(("type", "name", "options"), [(_code(r.type), _code(r.name), ", ".join(flags(r))) for r in resources])
    yield ""
    body = "\n\n".join(
        "\n".join([f"+ {r.type}  {r.name}", *(f"    {k}: {v}" for k, v in shown_properties(r).items())]) for r in resources
    )
    yield from _details("Properties of each resource", _block("text", body))


def _outputs(plan: StackPlan) -> Iterator[str]:
    assert plan.evaluation is not None
    ev = plan.evaluation
    shown = [(k, v) for k, v in ev.outputs.items() if k not in (POLICY_OUTPUT, SCRIPT_OUTPUT)]
    yield "### Stack outputs"
    yield ""
    yield "Values from the plan's stand-in provider where AWS decides them."
    yield ""
    rows = [(_code(k), _code(SECRET if k in ev.secret_outputs else value_text(k, v))) for k, v in shown]
    yield from _table(("output", "value"), rows)
    yield ""
    document = policy_document(ev)
    yield f"### IAM policy of the Packages user (output {_code(POLICY_OUTPUT)})"
    yield ""
    if document is None:
        yield "Not in this program's outputs."
    else:
        yield from _block("json", json.dumps(document, indent=2))
    yield ""
    script = appliance_script(ev)
    if script is None:
        yield f"Appliance script: not in this program's outputs ({_code(SCRIPT_OUTPUT)})."
    else:
        yield from _details(f"Appliance script (output {SCRIPT_OUTPUT}; secret values masked)", _block("bash", script))


def _verdicts(plan: StackPlan) -> Iterator[str]:
    yield "### Rules of the policy pack (all mandatory)"
    yield ""
    rows = [(_VERDICT[status(v)], _code(v.rule), _text(v.description)) for v in plan.verdicts]
    yield from _table(("verdict", "rule", "what it checks"), rows)
    problems = [
        f"- {_code(verdict.rule)}: {_code(v.resource or 'stack')}: {_text(v.message)}"
        for verdict in plan.verdicts
        for v in verdict.violations
    ]
    problems += [f"- {_code(v.rule)}: not decided: {_text(v.unknown)}" for v in plan.verdicts if v.unknown]
    if problems:
        yield ""
        yield "**Violations**"
        yield ""
        yield from problems


def _stack(plan: StackPlan) -> Iterator[str]:
    config = plan.config
    yield f"## Stack {_code(config.stack)}: {_outcome(plan)}"
    yield ""
    yield f"From {_code(shown_path(config.path))}."
    yield ""
    yield "### Settings"
    yield ""
    yield from _table(("setting", "value"), [(_code(k), _code(config.values[k])) for k in sorted(config.values)])
    yield ""
    if plan.evaluation is None:
        yield f"**Invalid settings: nothing planned** ({len(plan.problems)} problem(s))"
        yield ""
        yield from (f"- {_text(p)}" for p in plan.problems)
        return
    yield from _resources(plan)
    yield ""
    yield from _outputs(plan)
    yield ""
    yield from _verdicts(plan)


def render(plans: list[StackPlan]) -> str:
    """A summary table of every stack, then each stack's plan."""
    sections = ["\n".join(_summary(plans)), *("\n".join(_stack(plan)) for plan in plans)]
    return "\n\n".join(sections)
