"""The stack's appliance as rotate uses it: which key id it holds (status's read step), and configure."""

from __future__ import annotations

from dataclasses import dataclass

from ghes_packages.appliance.configure import ApplyMode, configure
from ghes_packages.appliance.ghe_config import GheConfigKey
from ghes_packages.appliance.remote import connection, read_appliance, resolve_target
from ghes_packages.appliance.render import APPLIANCE_OUTPUTS, appliance_settings
from ghes_packages.appliance.ssh import SshTarget, check_target_options
from ghes_packages.errors import CliError
from ghes_packages.exits import ExitCode
from ghes_packages.stack_outputs import OutputsSource, load_stack_outputs


@dataclass(frozen=True)
class StackAppliance:
    """The appliance of one stack, reached as configure and status reach it (pinned host key, ssh options)."""

    stack: str
    target: SshTarget

    def __post_init__(self) -> None:
        check_target_options(self.target)  # before any stack output is read

    def key_id(self) -> str | None:
        """The access key id the appliance holds: read-only, nothing sent; refused on another appliance."""
        outputs = load_stack_outputs(OutputsSource(stack=self.stack), APPLIANCE_OUTPUTS)
        settings = appliance_settings(outputs)
        target = resolve_target(self.target, outputs)
        with connection(target) as base:
            state = read_appliance(base, target)
        if (state.hostname or "").lower() != settings.hostname.lower():
            raise CliError(
                f"{target.host} reports the hostname {state.hostname!r}, not the stack's {settings.hostname}: "
                "not the stack's appliance",
                ExitCode.HOSTNAME_MISMATCH,
            )
        return state.values[GheConfigKey.AWS_ACCESS_KEY].value

    def configure(self) -> None:
        """`ghes-packages configure --stack STACK` with the same ssh options."""
        configure(OutputsSource(stack=self.stack), self.target, ApplyMode.IF_CHANGED)
