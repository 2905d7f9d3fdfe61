"""A fake GHES admin shell for tests: the bash stand-ins in tests/fake_appliance_bin and their state directory.

The stand-ins keep every setting as one file (exact bytes) and log every `ghe-config` call, so a test can
assert the final settings, count writes, and see whether the configuration was checked and applied.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from pathlib import Path

from ghes_packages.appliance.ghe_config import LOCK_NAME, GheConfigKey

LOCK_DIR_ENV = "GHES_PACKAGES_LOCK_DIR"
"""Read by the appliance scripts (lock-file.sh) so the stand-in, which has no /data/user/tmp, has a lock directory."""

BIN_DIR = Path(__file__).resolve().parent / "fake_appliance_bin"


def _decode(raw: bytes) -> str:
    return raw.decode("utf-8", "surrogateescape")


class FakeAppliance:
    """One fake appliance: its state lives in `state`; `env()` puts its commands first on PATH."""

    def __init__(self, state: Path, hostname: str = "ghes.example.com"):
        self.state = state
        (state / "settings").mkdir(parents=True)
        (state / "storage").mkdir()
        (state / "fail-write").mkdir()
        (state / "tmp").mkdir()  # the appliance's /data/user/tmp, where configure runs take their lock
        self.set(GheConfigKey.HOSTNAME, hostname)

    def env(self, base: Mapping[str, str] | None = None) -> dict[str, str]:
        """An environment in which `ghe-config` and friends are this fake appliance's."""
        env = dict(os.environ if base is None else base)
        env["PATH"] = f"{BIN_DIR}{os.pathsep}{env.get('PATH', '/usr/bin:/bin')}"
        env.update(self.remote_env())
        return env

    def remote_env(self) -> dict[str, str]:
        """What the stand-in admin shell's environment adds: its state, and its lock directory."""
        return {"GHE_FAKE_STATE": str(self.state), LOCK_DIR_ENV: str(self.state / "tmp")}

    @property
    def lock_file(self) -> Path:
        """The lock file configure runs take on this appliance."""
        return self.state / "tmp" / LOCK_NAME

    # --- arranging -----------------------------------------------------------------------------------

    def set(self, key: str, value: str) -> None:
        """Set a key directly, as if an admin had set it earlier (not logged as a call)."""
        (self.state / "settings" / key).write_bytes(value.encode("utf-8", "surrogateescape"))

    def accept_storage(self, expected: Mapping[str, str]) -> None:
        """Make the storage check pass only when these keys hold exactly these values."""
        for key, value in expected.items():
            (self.state / "storage" / key).write_bytes(value.encode("utf-8", "surrogateescape"))

    def knob(self, name: str) -> None:
        """Switch on one of the stand-ins' knobs (see the comments in tests/fake_appliance_bin)."""
        (self.state / name).touch()

    def fail_writing(self, key: str, once: bool = True, before: bool = False) -> None:
        """Make writing `key` fail half-way (the value changes, then ghe-config exits non-zero).

        :param once: fail only the first write of `key`; otherwise every write fails, restores included.
        :param before: fail before changing the value (the key keeps what it held, or stays unset).
        """
        (self.state / "fail-write" / key).write_text("before" if before else "once" if once else "always")

    # --- observing -----------------------------------------------------------------------------------

    def settings(self) -> dict[str, str]:
        """Every key currently set, with its exact value.

        A script may be unsetting keys while this reads (a restore after a dropped connection): a key whose
        file is gone between the listing and the read is unset, not an error.
        """
        return _read_keys(self.state / "settings")

    def applied(self) -> dict[str, str] | None:
        """The settings the last successful ghe-config-apply saw, or None if none ran."""
        folder = self.state / "applied"
        if not folder.is_dir():
            return None
        return _read_keys(folder)

    def calls(self) -> list[list[str]]:
        """The arguments of every ghe-config call, in order."""
        log = self.state / "calls"
        fields = log.read_bytes().split(b"\0")[:-1] if log.exists() else []
        calls, at = [], 0
        while at < len(fields):
            count = int(fields[at])
            calls.append([_decode(f) for f in fields[at + 1 : at + 1 + count]])
            at += 1 + count
        return calls

    def writes(self) -> list[list[str]]:
        """Every ghe-config call that changes a setting (`KEY VALUE` or `--unset KEY`)."""
        return [call for call in self.calls() if len(call) == 2]

    def _count(self, name: str) -> int:
        path = self.state / name
        return len(path.read_text().splitlines()) if path.exists() else 0

    @property
    def applies(self) -> int:
        """How many times ghe-config-apply ran (failed runs included)."""
        return self._count("applies")

    @property
    def checks(self) -> int:
        """How many times the storage check ran."""
        return self._count("checks")

    def run_script(self, script: str, *args: str) -> subprocess.CompletedProcess[bytes]:
        """Run a configure script with real bash in this appliance's environment, on standard input."""
        return subprocess.run(
            ["bash", "-s", "--", *args],
            input=script.encode("utf-8", "surrogateescape"),
            env=self.env(),
            cwd=self.state.parent,
            capture_output=True,
            check=False,
        )


def _read_keys(folder: Path) -> dict[str, str]:
    """Each key file of a folder and its value; a file removed while the folder is read counts as absent."""
    found = {}
    for path in sorted(folder.iterdir()):
        try:
            found[path.name] = _decode(path.read_bytes())
        except FileNotFoundError:
            continue
    return found
