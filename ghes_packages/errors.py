"""The one error type operations raise for a problem the user can fix."""

from __future__ import annotations

import json
from typing import Any

from .exits import ExitCode


class CliError(Exception):
    """A one-line, user-facing error; the command prints it without a traceback and exits with `exit_code`."""

    def __init__(self, message: str, exit_code: int = ExitCode.FAILED):
        super().__init__(message)
        self.exit_code = exit_code


SHOWN_CHARACTERS = 80
"""How much of a bad value a one-line message quotes."""


def shown(value: Any) -> str:
    """A value as a message quotes it: as JSON (one line, printable), cut to SHOWN_CHARACTERS."""
    text = json.dumps(value)
    return text if len(text) <= SHOWN_CHARACTERS else f'{text[: SHOWN_CHARACTERS - 4]}..."'
