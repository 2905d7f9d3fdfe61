"""The Pulumi CLI as `rotate` drives it: what a user's pipeline runs, with the project's policy pack.

Any backend and secrets provider work (a local file backend with a passphrase included): the CLI reads
them from its own environment (PULUMI_BACKEND_URL, PULUMI_CONFIG_PASSPHRASE[_FILE], ...), as it would in
the pipeline. Secrets never pass through an argument: `stack output --show-secrets` is read from a pipe
and never printed; `up` prints Pulumi's own masked output.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from typing import Any

from ghes_packages.errors import CliError
from ghes_packages.exits import ExitCode
from ghes_packages.output_checks import check_outputs
from ghes_packages.project import PROJECT_DIR

POLICY_PACK = "policies"
"""The policy pack every `up` runs with, relative to the project folder."""


@dataclass(frozen=True)
class PulumiCli:
    """The Pulumi CLI for one stack of this project."""

    stack: str

    def _program(self) -> str:
        program = shutil.which("pulumi")
        if program is None:
            raise CliError("the Pulumi CLI is not on PATH; install it (rotate drives `pulumi up`)", ExitCode.USAGE)
        return program

    def _run(self, *args: str, capture: bool = True, check: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [self._program(), *args, "--stack", self.stack],
            cwd=PROJECT_DIR,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE if capture else sys.stderr,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
        )
        if check and result.returncode != 0:
            last = (result.stderr.strip().splitlines() or ["no message"])[-1]
            command = " ".join(args[:2])
            raise CliError(f"`pulumi {command}` failed for stack {self.stack}: {last}", ExitCode.FAILED)
        return result

    def config_get(self, key: str) -> str | None:
        """A setting's value, or None when the stack does not set it (the project default applies)."""
        result = self._run("config", "get", key, check=False)
        return result.stdout.rstrip("\n") if result.returncode == 0 else None

    def config_set(self, key: str, value: str) -> None:
        """Set a (non-secret) setting in the stack's file."""
        self._run("config", "set", key, value)

    def up(self) -> None:
        """`pulumi up` with the policy pack; Pulumi's own (masked) output goes to stderr as it comes."""
        self._run("up", "--yes", "--skip-preview", "--policy-pack", POLICY_PACK, capture=False)

    def outputs(self) -> dict[str, Any]:
        """The stack outputs, secrets included: for this process only, never printed."""
        text = self._run("stack", "output", "--json", "--show-secrets").stdout
        try:
            outputs = json.loads(text)
        except json.JSONDecodeError:
            raise CliError(f"`pulumi stack output` for stack {self.stack} printed no JSON", ExitCode.FAILED) from None
        if not isinstance(outputs, dict):
            raise CliError(f"`pulumi stack output` for stack {self.stack} printed no JSON object", ExitCode.FAILED)
        check_outputs(outputs, ())  # every command reads outputs through the one check, rotate too
        return outputs
