"""Reading a file the user names, or standard input, without trusting it: bounded, never blocking on a FIFO.

`--outputs /dev/zero` must not fill memory, a stack file in a stranger's pull request must not hang the
plan, and a folder or a FIFO must be one line, not a traceback. Callers turn `Unreadable` into their own
one-line CliError (they know which option or file to name, and which exit code applies).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import BinaryIO

_CHUNK = 64 * 1024


class Unreadable(Exception):
    """Why the input cannot be used, in words for the user (without the file's name)."""


def size_words(limit: int) -> str:
    """`limit` bytes as a person says it (256 KiB, 1 MiB)."""
    if limit % (1 << 20) == 0:
        return f"{limit >> 20} MiB"
    return f"{limit >> 10} KiB" if limit % (1 << 10) == 0 else f"{limit} bytes"


def _too_big(limit: int) -> Unreadable:
    return Unreadable(f"is larger than {size_words(limit)}, the most this command reads")


def read_stream(stream: BinaryIO, limit: int) -> bytes:
    """At most `limit` bytes of `stream`; Unreadable if it holds more (an endless stream stops at limit + 1)."""
    chunks, total = [], 0
    while total <= limit:
        chunk = stream.read(min(_CHUNK, limit + 1 - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    if total > limit:
        raise _too_big(limit)
    return b"".join(chunks)


def read_file(path: Path, limit: int, *, streams: bool = True) -> bytes:
    """The bytes of the file at `path`, at most `limit` of them; Unreadable for a folder, a missing file,
    an endless device or anything larger than `limit`.

    :param streams: accept a FIFO, a pipe (`<(command)`) or a device; without, only a regular file. A FIFO
        is opened without waiting for a writer: with none, it reads as empty instead of hanging.
    """
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as error:
        raise Unreadable(f"cannot be read: {error.strerror}") from None
    mode = os.fstat(descriptor).st_mode
    if stat.S_ISDIR(mode):
        os.close(descriptor)
        raise Unreadable("is a folder, not a file")
    with os.fdopen(descriptor, "rb") as stream:
        if not streams and not stat.S_ISREG(mode):
            raise Unreadable("is not a regular file")
        if stat.S_ISREG(mode) and os.fstat(descriptor).st_size > limit:
            raise _too_big(limit)
        # Reads block again once open: a writer that is still producing is waited for, bounded by `limit`.
        os.set_blocking(descriptor, True)
        try:
            return read_stream(stream, limit)
        except OSError as error:
            raise Unreadable(f"cannot be read: {error.strerror}") from None


def decode_utf8(data: bytes) -> str:
    """`data` as UTF-8 text (a leading byte-order mark dropped, as Pulumi does); Unreadable naming the
    first byte that is not UTF-8 and its line."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise Unreadable(f"is not UTF-8 text (byte 0x{data[error.start]:02x} on line {line})") from None
