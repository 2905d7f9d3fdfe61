"""`ghes-packages configure`'s options, checked before anything runs: exit 2, one line, no stack output read.

No sshd needed: every case here stops before ssh starts. A stand-in `pulumi` records whether the stack's
outputs (with --show-secrets) were ever asked for.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ghes_packages.appliance.ghe_config import FORCE_APPLY_ARGUMENT, NO_APPLY_ARGUMENT
from ghes_packages.appliance.ssh import check_ssh_option
from ghes_packages.cli import main
from ghes_packages.errors import CliError
from tests.helpers import fake_pulumi

REFUSED = [
    "StrictHostKeyChecking=no",
    "stricthostkeychecking off",
    "StrictHostKeyChecking=FALSE",
    "StrictHostKeyChecking = no",
    " StrictHostKeyChecking=no",
    'StrictHostKeyChecking="no"',
    "StrictHostKeyChecking\tno",
    "UserKnownHostsFile=/dev/null",
    "userknownhostsfile /dev/null",
    "UserKnownHostsFile=/dev//null",
    "UserKnownHostsFile=/dev/../dev/null",
    "UserKnownHostsFile=none",
    "UserKnownHostsFile NONE",
    "UserKnownHostsFile=~/.ssh/known_hosts /dev/null",
    "GlobalKnownHostsFile=/dev/null",
    "globalknownhostsfile=None",
    "StrictHostKeyChecking=",
    "UserKnownHostsFile='unbalanced",
    "StrictHostKeyChecking=accept-new",  # trust on first use: the first key seen would receive the secret
    '"StrictHostKeyChecking" no',
    '"stricthostkeychecking"=off',
    "KnownHostsCommand=/usr/bin/printf %H",
    "knownhostscommand /bin/true",
]
ALLOWED = [
    "KnownHostsCommand=none",
    "StrictHostKeyChecking=yes",
    "StrictHostKeyChecking ask",
    "UserKnownHostsFile=/home/ci/.ssh/appliance_known_hosts",
    "GlobalKnownHostsFile /etc/ssh/ssh_known_hosts",
    "ProxyJump=bastion.example.com",
    "ProxyCommand=ssh -W %h:%p bastion",
    "ServerAliveInterval=15",
]


@pytest.mark.parametrize("option", REFUSED)
def test_options_that_turn_host_key_checking_off_are_refused(option: str) -> None:
    with pytest.raises(CliError, match="host key checking is never turned off") as refused:
        check_ssh_option(option)
    assert refused.value.exit_code == 2


@pytest.mark.parametrize("option", ALLOWED)
def test_other_options_pass(option: str) -> None:
    check_ssh_option(option)


@pytest.fixture
def pulumi_calls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("GHES_SSH_CONFIG", raising=False)
    return fake_pulumi(tmp_path, monkeypatch, {})


def configure(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[str]]:
    try:
        code = main(["configure", "--stack", "prod", "--host", "ghes.example.com", *args])
    except SystemExit as exit_:  # argparse's own errors
        code = int(exit_.code or 0)
    captured = capsys.readouterr()
    assert captured.out == ""
    return code, captured.err.splitlines()


@pytest.mark.parametrize("option", ["StrictHostKeyChecking=no", "UserKnownHostsFile=none", "ProxyJump"])
def test_a_refused_ssh_option_exits_2_before_any_stack_output_is_read(
    capsys: pytest.CaptureFixture[str], pulumi_calls: Path, option: str
) -> None:
    code, err = configure(capsys, "-o", "ProxyJump=bastion", "-o", option)
    assert code == 2
    assert len(err) == 1
    assert err[0].startswith("ghes-packages: error: --ssh-option ")
    assert option in err[0]
    assert not pulumi_calls.exists(), "a bad option ran `pulumi stack output --show-secrets`"


def test_an_ssh_config_that_is_not_a_file_exits_2(
    capsys: pytest.CaptureFixture[str], pulumi_calls: Path, tmp_path: Path
) -> None:
    code, err = configure(capsys, "--ssh-config", str(tmp_path / "missing"))
    assert code == 2
    assert err == [f"ghes-packages: error: --ssh-config (or $GHES_SSH_CONFIG): {tmp_path / 'missing'} is not a file"]
    assert not pulumi_calls.exists()


def test_no_apply_and_force_apply_exclude_each_other(capsys: pytest.CaptureFixture[str], pulumi_calls: Path) -> None:
    code, err = configure(capsys, NO_APPLY_ARGUMENT, FORCE_APPLY_ARGUMENT)
    assert code == 2
    assert any("not allowed with argument" in line for line in err)
    assert not pulumi_calls.exists()
