"""A stack's configuration read from stacks/Pulumi.NAME.yaml, as the engine would pass it, never decrypted.

`secure:` values stay encrypted: the plan has no secrets provider and needs no account, so each one is
passed to the program as the placeholder `[secret]` and shown as such.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .errors import CliError
from .exits import ExitCode
from .project import PROJECT

# What a secure value is passed and shown as (a placeholder, not a password).
SECRET = "[secret]"  # noqa: S105
# Pulumi stack names: letters, digits, '-', '_' and '.'; nothing that could leave the stacks folder.
_STACK_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")
_PREFIX, _SUFFIX = "Pulumi.", ".yaml"


@dataclass(frozen=True)
class StackConfig:
    """One stack's configuration: full `namespace:key` keys, string values as the engine passes them."""

    stack: str
    path: Path
    values: dict[str, str]
    secure: frozenset[str]
    """Keys whose value is (or holds) a `secure:` value; their value is the placeholder SECRET."""


def stack_names(directory: Path) -> list[str]:
    """The stacks that have a Pulumi.NAME.yaml in `directory`, sorted."""
    files = directory.glob(f"{_PREFIX}*{_SUFFIX}") if directory.is_dir() else []
    names = (f.name[len(_PREFIX) : -len(_SUFFIX)] for f in files)
    return sorted(n for n in names if _STACK_NAME.match(n))


def stack_file(directory: Path, stack: str) -> Path:
    return directory / f"{_PREFIX}{stack}{_SUFFIX}"


def _is_secure(value: Any) -> bool:
    return isinstance(value, dict) and set(value) == {"secure"}


def _engine_value(value: Any) -> tuple[str, bool]:
    """A YAML config value as the engine passes it to the program (structured values as JSON), and
    whether it holds a secure value."""
    found = False

    def plain(v: Any) -> Any:
        nonlocal found
        if _is_secure(v):
            found = True
            return SECRET
        if isinstance(v, dict):
            return {str(k): plain(x) for k, x in v.items()}
        if isinstance(v, list):
            return [plain(x) for x in v]
        return v

    value = plain(value)
    if isinstance(value, str):
        return value, found
    if isinstance(value, bool | int | float | type(None)):
        return ("" if value is None else json.dumps(value)), found
    return json.dumps(value), found


def read_stack(directory: Path, stack: str) -> StackConfig:
    """The configuration of `stack` from `directory`/Pulumi.STACK.yaml; CliError naming the problem."""
    available = stack_names(directory)
    if not _STACK_NAME.match(stack) or stack not in available:
        listing = ", ".join(available) if available else "none"
        raise CliError(f"--stack: no stack '{stack}' in {directory} (available: {listing})", ExitCode.USAGE)
    path = stack_file(directory, stack)
    try:
        document = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise CliError(f"{path}: not valid YAML{where}", ExitCode.USAGE) from None
    except OSError as error:
        raise CliError(f"{path}: cannot read it: {error.strerror}", ExitCode.USAGE) from None
    raw = document.get("config", {}) if isinstance(document, dict) else None
    if not isinstance(raw, dict):
        raise CliError(f"{path}: 'config' must be a map of settings", ExitCode.USAGE)
    values, secure = {}, set()
    for key, value in raw.items():
        # A key without a namespace belongs to the project, as in `pulumi config set`.
        full = str(key) if ":" in str(key) else f"{PROJECT}:{key}"
        values[full], is_secure = _engine_value(value)
        if is_secure:
            secure.add(full)
    return StackConfig(stack, path, values, frozenset(secure))
