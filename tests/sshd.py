"""A real OpenSSH server on 127.0.0.1 for end-to-end tests: throwaway keys, a free port, the fake appliance on PATH.

The client side is a private ssh config (`ssh -F`): its own identity and known_hosts, BatchMode, and nothing
from ~/.ssh, so the tests neither depend on nor touch the user's ssh setup.
"""

from __future__ import annotations

import contextlib
import getpass
import os
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.fake_appliance import BIN_DIR, FakeAppliance

SSHD = Path("/usr/sbin/sshd")
READY_WAIT_SECONDS = 20


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def keygen(path: Path) -> Path:
    """A new ed25519 key pair at `path` (private) and `path`.pub; returns the public key's path."""
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "throwaway", "-f", str(path)], check=True)
    return path.with_name(path.name + ".pub")


def known_hosts_line(port: int, public_key: Path) -> str:
    """A known_hosts entry for 127.0.0.1:`port` with the given host key."""
    kind, key = public_key.read_text().split()[:2]
    return f"[127.0.0.1]:{port} {kind} {key}\n"


@dataclass
class SshServer:
    """A running sshd whose sessions see the fake appliance's commands."""

    host: str
    port: int
    user: str
    client_config: Path
    """`ssh -F` file: identity, known_hosts, BatchMode."""
    known_hosts: Path
    identity: Path
    log: Path
    folder: Path
    host_key: str
    """The server's host key as the stack pins it: `TYPE BASE64`."""
    process: subprocess.Popen[bytes]

    def stop_listening(self) -> None:
        """Stop the listening sshd; sessions already open go on (each has its own process)."""
        self.process.terminate()
        self.process.wait()

    @property
    def received(self) -> bytes:
        """Everything the sessions' shells were sent on standard input (with `record_stdin` only)."""
        path = self.folder / "received"
        return path.read_bytes() if path.exists() else b""

    def client_config_with(self, **overrides: str) -> Path:
        """Another client config, identical but for the given options (e.g. UserKnownHostsFile)."""
        options = dict(_client_options(self))
        options.update(overrides)
        path = self.folder / f"ssh_config-{len(list(self.folder.glob('ssh_config-*')))}"
        path.write_text("Host *\n" + "".join(f"  {key} {value}\n" for key, value in options.items()))
        return path


def _client_options(server: SshServer) -> dict[str, str]:
    return {
        "IdentityFile": str(server.identity),
        "IdentitiesOnly": "yes",
        "UserKnownHostsFile": str(server.known_hosts),
        "GlobalKnownHostsFile": str(server.folder / "global_known_hosts"),  # empty: configure refuses /dev/null
        "StrictHostKeyChecking": "yes",
        "BatchMode": "yes",
        "LogLevel": "ERROR",
    }


@contextlib.contextmanager
def running_sshd(folder: Path, appliance: FakeAppliance, record_stdin: bool = False) -> Iterator[SshServer]:
    """Start sshd in `folder` (keys, config, log); stop it on exit.

    :param record_stdin: run each session's command behind a ForceCommand that first copies what the client
        sends to `SshServer.received`, to prove what a (wrong) appliance was or was not sent.
    """
    folder.mkdir(parents=True, exist_ok=True)
    host_key_pub = keygen(folder / "host_key")
    user_key_pub = keygen(folder / "user_key")
    (folder / "authorized_keys").write_text(user_key_pub.read_text())
    port = free_port()
    user = getpass.getuser()
    log = folder / "sshd.log"
    if os.geteuid() == 0:
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # sshd's privilege-separation directory
    path = f"{BIN_DIR}:/usr/local/bin:/usr/bin:/bin"
    force = ""
    if record_stdin:
        recorder = folder / "record-stdin"
        recorder.write_text(f'#!/bin/sh\ntee -a {folder / "received"} | /bin/sh -c "$SSH_ORIGINAL_COMMAND"\n')
        recorder.chmod(0o755)
        force = f"ForceCommand {recorder}\n"
    (folder / "global_known_hosts").touch()
    (folder / "sshd_config").write_text(
        f"ListenAddress 127.0.0.1\nPort {port}\nHostKey {folder / 'host_key'}\n"
        f"AuthorizedKeysFile {folder / 'authorized_keys'}\nPidFile {folder / 'sshd.pid'}\n"
        "PermitRootLogin prohibit-password\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n"
        "UsePAM no\nStrictModes no\nLogLevel VERBOSE\n"
        # The admin shell's commands are the fake appliance's.
        f"SetEnv PATH={path} {' '.join(f'{k}={v}' for k, v in appliance.remote_env().items())}\n{force}"
    )
    process = subprocess.Popen(
        [str(SSHD), "-D", "-f", str(folder / "sshd_config"), "-E", str(log)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + READY_WAIT_SECONDS
        while "Server listening" not in (log.read_text() if log.exists() else ""):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"sshd did not start: {log.read_text() if log.exists() else 'no log'}")
            time.sleep(0.05)
        server = SshServer("127.0.0.1", port, user, folder / "ssh_config", folder / "known_hosts",
                           folder / "user_key", log, folder, " ".join(host_key_pub.read_text().split()[:2]),
                           process)  # fmt: skip
        server.known_hosts.write_text(known_hosts_line(port, host_key_pub))
        server.client_config.write_text("Host *\n" + "".join(f"  {k} {v}\n" for k, v in _client_options(server).items()))
        yield server
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait()
