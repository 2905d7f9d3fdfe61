"""Host key checking, decided by what ssh itself will do: the pinned key's options, and `ssh -G` to confirm them.

Two layers. `check_ssh_option` refuses an `-o` option that plainly turns checking off while the options are
parsed, before any stack output is read. `check_effective_options` then asks `ssh -G`, with the exact
arguments the run will use, what ssh will really do (an ssh config file, a quoted keyword or an `Include`
can say more than the options show), and refuses before any connection is made.

`ssh -G` runs the `Match exec` commands of the ssh config. It is run with $SHELL (which ssh runs them with)
set to a stand-in that runs nothing and answers "no match", so no command of the user's config runs twice
or before the check; the stand-in notes that it was asked. With a pinned key that is harmless: the pinned
options are on the command line, which wins over every config file, `Match` block or not. Without one, what
such a command decides cannot be known without running it, so that configuration is refused.
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

from ghes_packages.appliance_identity import HostKey
from ghes_packages.errors import CliError
from ghes_packages.exits import ExitCode

PINNED_ALIAS = "ghes-packages-pinned-appliance"
"""The name the pinned key is filed under (HostKeyAlias), so it matches whatever address and port are used."""

# Values of `ssh -G` (lower-case keywords) that mean a key is not really checked. accept-new trusts any key the
# first time: with the secret in the second step, the first-seen key would be the one that receives it.
_CHECKING_OFF = frozenset({"false", "no", "off", "accept-new"})
_NO_FILE = "none"
_HOST_KEY_KEYWORDS = frozenset({"stricthostkeychecking", "userknownhostsfile", "globalknownhostsfile", "knownhostscommand"})
# As ssh reads one `-o` line: a keyword (which may be quoted), then `=` and/or whitespace, then the value.
_OPTION_LINE = re.compile(r"\s*(\"[^\"]*\"|[^\s=]+)\s*(?:=\s*|\s+)(.*)", re.DOTALL)
_G_TIMEOUT_SECONDS = 30


def pinned_options(known_hosts: Path) -> list[str]:
    """`-o` options making ssh trust the key in `known_hosts` and no other, whatever any config file says."""
    options = {
        "UserKnownHostsFile": f'"{known_hosts}"',
        "GlobalKnownHostsFile": _NO_FILE,
        "KnownHostsCommand": _NO_FILE,
        "StrictHostKeyChecking": "yes",
        "HostKeyAlias": PINNED_ALIAS,
        "UpdateHostKeys": "no",  # the file is ours; ssh must not add the server's other keys to it
        "CheckHostIP": "no",
        "VerifyHostKeyDNS": "no",  # an SSHFP record in DNS is another key source
    }
    return [arg for keyword, value in options.items() for arg in ("-o", f"{keyword}={value}")]


@contextlib.contextmanager
def pinned_known_hosts(key: HostKey | None) -> Iterator[Path | None]:
    """A private (0700 folder, 0600 file) known_hosts holding only `key`, removed afterwards; None without a key."""
    if key is None:
        yield None
        return
    with tempfile.TemporaryDirectory(prefix="ghes-packages-") as folder:
        path = Path(folder) / "known_hosts"
        if '"' in str(path):
            raise CliError(f"the temporary folder {folder} holds a '\"', which ssh's options cannot carry; set TMPDIR")
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(f"{PINNED_ALIAS} {key.line}\n")
        yield path


def check_ssh_option(option: str) -> None:
    """CliError (exit 2) if an `-o` option plainly turns host key checking off (or is not an option line).

    A first, early refusal; `check_effective_options` decides from what ssh will really do.
    """
    match = _OPTION_LINE.fullmatch(option)
    if match is None:
        raise CliError(f"--ssh-option {option!r}: must be KEYWORD=VALUE, e.g. ProxyJump=bastion", ExitCode.USAGE)
    keyword = match.group(1).strip('"').lower()
    if keyword not in _HOST_KEY_KEYWORDS:
        return
    try:
        values = shlex.split(match.group(2))  # ssh reads quoted values too: StrictHostKeyChecking="no"
    except ValueError:
        values = []
    if not values or _weakens(keyword, values):
        raise CliError(
            f"--ssh-option {option}: host key checking is never turned off; add the host key to known_hosts or pin it "
            "(applianceHostKey)",
            ExitCode.USAGE,
        )


def _weakens(keyword: str, values: list[str]) -> bool:
    if keyword == "stricthostkeychecking":
        return any(value.lower() in _CHECKING_OFF for value in values)
    if keyword == "knownhostscommand":
        return any(value.lower() != _NO_FILE for value in values)
    return any(  # a known-hosts file option
        value.lower() == _NO_FILE or os.path.realpath(os.path.expanduser(value)) == os.devnull for value in values
    )


def _effective(base_command: list[str]) -> tuple[dict[str, str], bool]:
    """What `ssh -G` says ssh will do with these arguments, and whether a `Match exec` was evaluated."""
    program = shutil.which(base_command[0])
    if program is None:
        raise CliError(f"the ssh client ({base_command[0]}) is not on PATH; install OpenSSH's client", ExitCode.USAGE)
    with tempfile.TemporaryDirectory(prefix="ghes-packages-") as folder:
        asked, shell = Path(folder) / "match-exec-asked", Path(folder) / "no-match-exec"
        shell.write_text(f"#!/bin/sh\n: > {shlex.quote(str(asked))}\nexit 1\n")
        shell.chmod(0o700)
        try:
            done = subprocess.run(
                [program, "-G", *base_command[1:]],
                env={**os.environ, "SHELL": str(shell)},
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                errors="replace",
                timeout=_G_TIMEOUT_SECONDS,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise CliError("`ssh -G` did not answer within 30 s; nothing was sent", ExitCode.SSH_FAILED) from None
        exec_asked = asked.exists()
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise CliError(f"ssh refused its options or config (ssh -G): {last}; nothing was sent", ExitCode.USAGE)
    effective: dict[str, str] = {}
    for line in done.stdout.splitlines():
        keyword, _, value = line.partition(" ")
        effective.setdefault(keyword.lower(), value)
    return effective, exec_asked


def _pinned_problem(effective: dict[str, str], known_hosts: Path) -> str | None:
    wanted = {
        "stricthostkeychecking": "true",
        "userknownhostsfile": str(known_hosts),
        "globalknownhostsfile": _NO_FILE,
        "hostkeyalias": PINNED_ALIAS,
    }
    for keyword, value in wanted.items():
        if effective.get(keyword) != value:
            return f"its {keyword} is {effective.get(keyword)!r}, not {value!r}"
    if "knownhostscommand" in effective:
        return f"it would run the knownhostscommand {effective['knownhostscommand']!r}"
    return None


def _unpinned_problem(effective: dict[str, str]) -> str | None:
    checking = effective.get("stricthostkeychecking", "")
    if checking in _CHECKING_OFF:
        return f"stricthostkeychecking is {checking}"
    for keyword in ("userknownhostsfile", "globalknownhostsfile"):
        if _weakens(keyword, effective.get(keyword, "").split()):
            return f"{keyword} is {effective[keyword]}"
    if "knownhostscommand" in effective:
        return f"knownhostscommand {effective['knownhostscommand']!r} may vouch for any key"
    return None


def check_effective_options(base_command: list[str], host: str, known_hosts: Path | None) -> None:
    """CliError (exit 2) unless ssh, run with `base_command`, will check the host key (only the pinned one, if any).

    :param base_command: `ssh ... -- HOST`, exactly as the run will use it.
    :param host: the address, for the message.
    :param known_hosts: the pinned key's file, or None when the stack pins no key.
    """
    effective, exec_asked = _effective(base_command)
    if known_hosts is not None:
        if why := _pinned_problem(effective, known_hosts):
            raise CliError(f"ssh would not use only the pinned host key for {host}: {why}; nothing was sent", ExitCode.USAGE)
        return
    if exec_asked:
        raise CliError(
            f"the ssh config has a `Match exec` that applies to {host}: what it decides about host key checking cannot "
            "be known without running it; pin the appliance's host key (applianceHostKey) or use --ssh-config without "
            "Match exec; nothing was sent",
            ExitCode.USAGE,
        )
    if why := _unpinned_problem(effective):
        raise CliError(
            f"ssh would not check the host key of {host} ({why}, from the ssh config or -o options): host key "
            "checking is never turned off; fix that, or pin the key (applianceHostKey); nothing was sent",
            ExitCode.USAGE,
        )
