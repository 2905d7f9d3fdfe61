"""The one error type operations raise for a problem the user can fix."""

from __future__ import annotations

from .exits import ExitCode


class CliError(Exception):
    """A one-line, user-facing error; the command prints it without a traceback and exits with `exit_code`."""

    def __init__(self, message: str, exit_code: int = ExitCode.FAILED):
        super().__init__(message)
        self.exit_code = exit_code
