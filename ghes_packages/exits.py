"""Every exit code of the `ghes-packages` command and of the appliance script, in one table.

docs/exit-codes.md documents this table; tests/test_docs_and_ci.py keeps the two in agreement. The codes
10-17 are the appliance script's own (it runs on the appliance, `configure` passes them on); they stay
clear of bash's own codes (1, 2, 126, 127, 128+signal) and of ssh's 255.
"""

from __future__ import annotations

import enum


class ExitCode(enum.IntEnum):
    """How a command ended; one code per outcome an operator or a pipeline acts on differently."""

    OK = 0
    """Done: every check passed."""
    FAILED = 1
    """A check found a problem: a guardrail violated (plan), an action missing or in excess (verify), unusable stack outputs or a file that cannot be written."""  # noqa: E501
    USAGE = 2
    """A bad option, an invalid setting or an unreadable stack file: nothing was done."""
    NOT_ACCEPTED = 3
    """verify: the storage service did not accept the key, or could not be reached."""
    HOSTNAME_MISMATCH = 10
    """The appliance is not the stack's appliance: nothing was written."""
    NOT_AN_APPLIANCE = 11
    """A GHES command is missing, or a setting could not be read: nothing was written."""
    CHECK_FAILED = 12
    """The storage check failed: the previous settings were restored, nothing applied."""
    WRITE_FAILED = 13
    """Writing a setting failed or the run was interrupted: the previous settings were restored."""
    RESTORE_FAILED = 14
    """A previous setting could not be put back: the appliance needs a human (nothing applied)."""
    APPLY_FAILED = 15
    """`ghe-config-apply` failed after the check passed: the new settings stay written."""
    SCRIPT_USAGE = 16
    """The appliance script was given an argument it does not know (a script from another version)."""
    LOCKED = 17
    """Another ghes-packages run holds the appliance's configure lock: nothing was written."""
    UNREACHABLE = 20
    """ssh could not reach the appliance."""
    AUTH_REFUSED = 21
    """The appliance refused ssh authentication."""
    HOST_KEY_REJECTED = 22
    """The appliance's host key is unknown or changed: nothing was sent."""
    SSH_FAILED = 23
    """ssh failed for another reason before the script started."""
    CONNECTION_LOST = 24
    """The connection dropped during the run (the script restores what it was writing)."""
    SCRIPT_NOT_RUN = 25
    """The remote side did not run the script (not a bash admin shell)."""
    INTERRUPTED = 130
    """Interrupted (Ctrl-C)."""


SCRIPT_EXITS: tuple[ExitCode, ...] = (
    ExitCode.OK,
    ExitCode.HOSTNAME_MISMATCH,
    ExitCode.NOT_AN_APPLIANCE,
    ExitCode.CHECK_FAILED,
    ExitCode.WRITE_FAILED,
    ExitCode.RESTORE_FAILED,
    ExitCode.APPLY_FAILED,
    ExitCode.SCRIPT_USAGE,
    ExitCode.LOCKED,
)
"""The codes the appliance script itself can exit with (written into it when it is rendered)."""
