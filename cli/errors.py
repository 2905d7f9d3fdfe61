"""The one error type operator commands raise for a problem the user can fix."""


class CliError(Exception):
    """A one-line, user-facing error; the command prints it without a traceback and exits non-zero."""

    def __init__(self, message: str, exit_code: int = 1):
        super().__init__(message)
        self.exit_code = exit_code
