"""The project's settings as Pulumi.yaml declares them: key, type, description, default.

Pulumi.yaml's `config:` is the one place a setting's type and default are written; settings.py validates
against it, the docs' reference table is checked against it.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

import yaml

from ghes_packages.project import PROJECT, PROJECT_DIR


@dataclass(frozen=True)
class Declaration:
    """One setting as Pulumi.yaml declares it."""

    key: str
    type: str
    description: str
    default: Any = None

    @property
    def required(self) -> bool:
        return self.default is None


@cache
def declarations() -> dict[str, Declaration]:
    """The project's settings, by key without namespace, as declared in Pulumi.yaml."""
    project = yaml.safe_load((PROJECT_DIR / "Pulumi.yaml").read_text())
    return {
        key: Declaration(key, spec["type"], spec["description"], spec.get("default"))
        for key, spec in project["config"].items()
    }


def unknown_keys(raw: Mapping[str, Any]) -> list[str]:
    """One problem line per key in the project's namespace that Pulumi.yaml does not declare."""
    known = set(declarations())
    problems = []
    for key in sorted(raw):
        namespace, _, name = key.partition(":")
        if namespace != PROJECT or name in known:
            continue
        close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.6)
        hint = f"; did you mean '{PROJECT}:{close[0]}'?" if close else f"; known settings: {', '.join(sorted(known))}"
        problems.append(f"{key}: unknown setting{hint}")
    return problems
