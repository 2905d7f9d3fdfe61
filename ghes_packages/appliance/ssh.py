"""Run a script on a remote host through the system `ssh` client, the script travelling only on stdin.

The user's ssh configuration, agent, jump hosts and known_hosts all apply, because it is their `ssh`. The
remote output is streamed as it comes, with a secret masked. ssh's own messages (printed before the script's
first line, `SESSION_STARTED`) are held back, so a failed connection is reported as one line instead of ssh's
banner; on success they are passed on.
"""

from __future__ import annotations

import enum
import io
import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from ghes_packages.appliance_identity import HostKey
from ghes_packages.errors import CliError
from ghes_packages.exits import ExitCode
from ghes_packages.redaction import redact

from .ghe_config import SESSION_STARTED
from .ssh_options import check_ssh_option, pinned_options

ADMIN_SSH_PORT = 122
"""The appliance's administrative shell listens here (port 22 is Git)."""
ADMIN_USER = "admin"
SSH_CONFIG_ENV = "GHES_SSH_CONFIG"
"""An ssh config file to use instead of ~/.ssh/config, when `--ssh-config` is not given."""
CONNECT_TIMEOUT_SECONDS = 30

SSH_FAILED = 255
"""ssh's own exit status when it could not connect, authenticate, or lost the connection."""


class SshFailure(enum.Enum):
    """Why ssh could not run the script, as far as its messages tell."""

    HOST_KEY_CHANGED = "host key changed"
    HOST_KEY_UNKNOWN = "host key unknown"
    UNREACHABLE = "unreachable"
    AUTH_REFUSED = "authentication refused"
    OTHER = "other"


# First match wins: a changed host key also prints "Host key verification failed".
_PATTERNS: tuple[tuple[SshFailure, re.Pattern[str]], ...] = (
    (SshFailure.HOST_KEY_CHANGED, re.compile(r"REMOTE HOST IDENTIFICATION HAS CHANGED|Host key for .* has changed")),
    (SshFailure.HOST_KEY_UNKNOWN, re.compile(r"Host key verification failed|No \S+ host key is known")),
    (SshFailure.AUTH_REFUSED, re.compile(r"Permission denied|Too many authentication failures|Authentication failed")),
    (
        SshFailure.UNREACHABLE,
        re.compile(
            r"Could not resolve hostname|connect to host|Connection (refused|timed out|closed by)|No route to host|"
            r"Network is unreachable|kex_exchange_identification|Connection reset"
        ),
    ),
)


def classify(messages: list[str]) -> SshFailure:
    """What went wrong, from the messages ssh printed before the session started."""
    text = "\n".join(messages)
    for failure, pattern in _PATTERNS:
        if pattern.search(text):
            return failure
    return SshFailure.OTHER


@dataclass(frozen=True)
class SshTarget:
    """An appliance's admin shell and how to reach it with the system ssh client."""

    host: str | None
    """The appliance's address (a host name, an IP address, or an alias of the ssh config); None: the stack's."""
    port: int = ADMIN_SSH_PORT
    user: str = ADMIN_USER
    ssh_config: str | None = None
    """An ssh config file to use instead of ~/.ssh/config (ssh -F)."""
    options: tuple[str, ...] = ()
    """ssh -o options; any that turns host key checking off is refused."""
    batch: bool = False
    """Never prompt (ssh BatchMode): fail instead, as a pipeline should."""
    host_key: HostKey | None = None
    """The stack's pinned host key: ssh then trusts it and no other."""

    @property
    def where(self) -> str:
        return f"{self.host} port {self.port}"


def check_target_options(target: SshTarget) -> None:
    """CliError (USAGE) for an ssh option or config file that cannot be used: checked before any output is read."""
    for option in target.options:
        check_ssh_option(option)
    if target.ssh_config and not os.path.isfile(target.ssh_config):
        raise CliError(f"--ssh-config (or ${SSH_CONFIG_ENV}): {target.ssh_config} is not a file", ExitCode.USAGE)


def ssh_base_command(target: SshTarget, known_hosts: Path | None = None) -> list[str]:
    """`ssh ... -- HOST`, without the remote command; with `known_hosts`, only the key it holds is trusted.

    :param known_hosts: the pinned key's private known_hosts file (see ssh_options.pinned_known_hosts).
    """
    check_target_options(target)
    if target.host is None:
        raise CliError("no appliance address: give --host", ExitCode.USAGE)
    command = ["ssh", "-T", "-p", str(target.port), "-l", target.user]
    if target.ssh_config:
        command += ["-F", target.ssh_config]
    if known_hosts is not None:
        command += pinned_options(known_hosts)  # first: ssh keeps the first value it gets, so these win
    for option in target.options:
        command += ["-o", option]
    if target.batch:
        command += ["-o", "BatchMode=yes"]
    # ssh keeps the first value it is given for an option, so the user's own options above win over these.
    command += ["-o", f"ConnectTimeout={CONNECT_TIMEOUT_SECONDS}"]
    return [*command, "--", target.host]


@dataclass
class SessionResult:
    """How the remote run ended."""

    returncode: int
    started: bool
    """Whether the script printed its first line: if not, nothing ran on the remote host."""
    ssh_messages: list[str] = field(default_factory=list)
    """What ssh printed before the session started (masked)."""
    seen: set[str] = field(default_factory=set)
    """Which of the watched lines the remote script printed on stderr."""
    stdout: bytes = b""
    """The script's standard output, when it was captured rather than relayed."""


class _Relay:
    """Copies one of ssh's output pipes to ours, line by line, masking the secret."""

    def __init__(self, secret: str, watch: Collection[str]):
        self.secret = secret
        self.started = False
        self.held: list[bytes] = []
        self.watch = {line.encode(): line for line in watch}
        self.seen: set[str] = set()

    def mask(self, line: bytes) -> bytes:
        # surrogateescape: any byte the appliance sends comes back unchanged, the secret masked.
        return redact(line.decode("utf-8", "surrogateescape"), [self.secret]).encode("utf-8", "surrogateescape")

    def stdout(self, source: IO[bytes], target: IO[bytes]) -> None:
        for line in source:
            target.write(self.mask(line))
            target.flush()

    def stderr(self, source: IO[bytes], target: IO[bytes]) -> None:
        marker = SESSION_STARTED.encode()
        for line in source:
            if not self.started and line.rstrip(b"\r\n") == marker:
                self.started = True
                for held in self.held:  # ssh's warnings of a connection that worked, e.g. a new known host
                    target.write(held)
                target.flush()
                continue
            if self.started:
                if (watched := self.watch.get(line.rstrip(b"\r\n"))) is not None:
                    self.seen.add(watched)
                target.write(self.mask(line))
                target.flush()
            else:
                self.held.append(self.mask(line))


def _feed(stdin: IO[bytes], script: bytes) -> None:
    try:
        stdin.write(script)
        stdin.close()
    except BrokenPipeError:  # ssh gave up before reading it all; its exit status says why
        pass


def run_script(
    ssh_command: list[str], script: str, secret: str, watch: Collection[str] = (), capture: bool = False
) -> SessionResult:
    """Run `ssh_command` (which runs `bash -s` remotely) with `script` on its stdin; stream its output.

    :param ssh_command: the full ssh command line; it must not hold the secret.
    :param script: the script, which may hold the secret: it only ever goes through the pipe.
    :param secret: masked in everything relayed.
    :param watch: whole stderr lines of the script to report in `SessionResult.seen` if they appear.
    :param capture: keep the script's standard output in `SessionResult.stdout` instead of relaying it.
    """
    program = shutil.which(ssh_command[0])
    if program is None:
        raise CliError(f"the ssh client ({ssh_command[0]}) is not on PATH; install OpenSSH's client", ExitCode.USAGE)
    relay = _Relay(secret, watch)
    captured = io.BytesIO()
    stdout = captured if capture else sys.stdout.buffer
    process = subprocess.Popen(
        [program, *ssh_command[1:]], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert process.stdin and process.stdout and process.stderr
    threads = [
        threading.Thread(target=_feed, args=(process.stdin, script.encode()), daemon=True),
        threading.Thread(target=relay.stdout, args=(process.stdout, stdout), daemon=True),
        threading.Thread(target=relay.stderr, args=(process.stderr, sys.stderr.buffer), daemon=True),
    ]
    for thread in threads:
        thread.start()
    try:
        returncode = process.wait()
    except KeyboardInterrupt:
        process.terminate()  # the remote script restores the previous settings if it was still writing them
        process.wait()
        raise
    finally:
        for thread in threads:
            thread.join()
    messages = [line.decode(errors="replace").strip() for line in relay.held]
    return SessionResult(returncode, relay.started, [m for m in messages if m], relay.seen, captured.getvalue())
