"""A stack's configuration read from stacks/Pulumi.NAME.yaml, as the engine would pass it, never decrypted.

`secure:` values stay encrypted: the plan has no secrets provider and needs no account, so each one is
passed to the program as the placeholder `[secret]` and shown as such.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .bounded_read import Unreadable, decode_utf8, read_file
from .errors import CliError
from .exits import ExitCode
from .outputs import SECRET_PLACEHOLDER
from .project import PROJECT
from .stack_yaml import StackYamlError, read_config

# What a secure value is passed and shown as: the placeholder Pulumi itself shows.
SECRET = SECRET_PLACEHOLDER
MAX_STACK_FILE_BYTES = 256 * 1024
"""The largest stack file read: a real one is a few KiB; anything far larger is refused before it is parsed."""
# Pulumi stack names: letters, digits, '-', '_' and '.'; nothing that could leave the stacks folder.
_STACK_NAME = re.compile(r"[A-Za-z0-9_.-]{1,100}")
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
    return sorted(n for n in names if _STACK_NAME.fullmatch(n))


def stack_file(directory: Path, stack: str) -> Path:
    return directory / f"{_PREFIX}{stack}{_SUFFIX}"


def read_stack(directory: Path, stack: str) -> StackConfig:
    """The configuration of `stack` from `directory`/Pulumi.STACK.yaml, read as Pulumi reads it (UTF-8, a
    leading byte-order mark dropped) and within the YAML every reader agrees on (ghes_packages.stack_yaml);
    CliError (exit USAGE) naming the file and the problem, one line."""
    available = stack_names(directory)
    if not _STACK_NAME.fullmatch(stack) or stack not in available:
        listing = ", ".join(available) if available else "none"
        raise CliError(f"--stack: no stack '{stack}' in {directory} (available: {listing})", ExitCode.USAGE)
    path = stack_file(directory, stack)
    try:
        raw = read_config(decode_utf8(read_file(path, MAX_STACK_FILE_BYTES, streams=False)), SECRET)
    except (Unreadable, StackYamlError) as error:
        raise CliError(f"{path}: {error}", ExitCode.USAGE) from None
    values, secure = {}, set()
    for key, (value, is_secure) in raw.items():
        # A key without a namespace belongs to the project, as in `pulumi config set`.
        full = key if ":" in key else f"{PROJECT}:{key}"
        values[full] = value
        if is_secure:
            secure.add(full)
    return StackConfig(stack, path, values, frozenset(secure))
