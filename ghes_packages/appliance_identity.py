"""Which appliance a stack belongs to: its admin SSH address and its pinned SSH host key.

`core.github-hostname` cannot tell a staging appliance from production (GitHub asks for the same hostname on
both), so a stack can pin the admin port's host key. The key is one `ssh-keyscan` line without the host field,
`TYPE BASE64`; it is checked here the way ssh would read it (the blob names its own type), and its
fingerprint is the `SHA256:...` form `ssh-keygen -lf` prints, for checking it out of band.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import ipaddress
import struct
from dataclasses import dataclass

from .names import hostname_problem

HOST_KEY_TYPES = frozenset({"ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "ssh-rsa"})
"""The host key types OpenSSH servers offer (DSA is gone from current OpenSSH)."""
_MAX_KEY_CHARACTERS = 16384  # an RSA-16384 key is about 2,800 characters; anything longer is not a host key


@dataclass(frozen=True)
class HostKey:
    """A public SSH host key: its type and its base64 blob, as in a known_hosts line."""

    type: str
    blob: str

    @property
    def line(self) -> str:
        """`TYPE BASE64`, the form the setting and the stack output hold."""
        return f"{self.type} {self.blob}"

    @property
    def fingerprint(self) -> str:
        """`SHA256:...`, exactly as `ssh-keygen -lf` and ssh's own messages print it."""
        digest = hashlib.sha256(base64.b64decode(self.blob)).digest()
        return "SHA256:" + base64.b64encode(digest).decode().rstrip("=")


class HostKeyError(ValueError):
    """Not a host key line; the message says what is wrong, to follow the setting's name."""


def _blob_type(raw: bytes) -> str | None:
    """The key type a public key blob names (its first SSH string), or None if it holds none."""
    if len(raw) < 4:
        return None
    (length,) = struct.unpack(">I", raw[:4])
    if length > len(raw) - 4:
        return None
    try:
        return raw[4 : 4 + length].decode("ascii")
    except UnicodeDecodeError:
        return None


def parse_host_key(text: str) -> HostKey:
    """The host key in `text` (`TYPE BASE64`); HostKeyError saying what is wrong otherwise."""
    example = "one line 'TYPE BASE64' as `ssh-keyscan -p 122 HOST` prints it, without the host field"
    if len(text) > _MAX_KEY_CHARACTERS or "\n" in text.strip() or "\r" in text:
        raise HostKeyError(f"must be {example}")
    fields = text.split()
    if len(fields) == 3 and fields[1] in HOST_KEY_TYPES:
        raise HostKeyError(f"starts with a host field ({fields[0]!r}): drop it, keep 'TYPE BASE64'")
    if len(fields) != 2:
        raise HostKeyError(f"must be {example} (got {len(fields)} field(s))")
    kind, blob = fields
    if kind not in HOST_KEY_TYPES:
        raise HostKeyError(f"has unknown key type {kind!r}; known: {', '.join(sorted(HOST_KEY_TYPES))}")
    try:
        raw = base64.b64decode(blob, validate=True)
    except (binascii.Error, ValueError):
        raise HostKeyError("is not valid base64 after the key type") from None
    named = _blob_type(raw)
    if named != kind:
        raise HostKeyError(f"is a {kind} line whose key data names {named or 'no key type'}: copy the whole line again")
    return HostKey(kind, blob)


def address_problem(address: str) -> str | None:
    """Why `address` cannot be the appliance's SSH address (a DNS name or an IP address), or None."""
    if any(c.isspace() or not c.isprintable() for c in address):
        return "must be a DNS name or an IP address, without spaces or control characters"
    try:
        ipaddress.ip_address(address)
        return None
    except ValueError:
        pass
    if why := hostname_problem(address):
        return f"must be a DNS name or an IP address (no user, port or scheme): {why}"
    return None


def identity_problems(address: str | None, host_key: str | None) -> list[tuple[str, str]]:
    """(setting, problem) for the applianceAddress and applianceHostKey values that are set and unusable."""
    problems = []
    if address and (why := address_problem(address)):
        problems.append(("applianceAddress", why))
    if host_key:
        try:
            parse_host_key(host_key)
        except HostKeyError as error:
            problems.append(("applianceHostKey", str(error)))
    return problems
