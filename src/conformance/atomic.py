"""Atomic file writes: a temporary file in the target's directory, then ``os.replace``.

Readers see the old file or the new one, never a half-written one, and a failed write leaves the old file as
it was and no temporary file behind.
"""

from __future__ import annotations

import os
import secrets
import stat
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import IO, Any


@contextmanager
def atomic_writer(path: str | os.PathLike[str], binary: bool = False, encoding: str = "utf-8") -> Iterator[IO[Any]]:
    """A stream whose content replaces ``path`` when the block ends without an exception.

    The temporary file is created next to the target (so the rename stays on one file system) with the
    permissions a new file gets, or those of the file it replaces. A symbolic link is followed: the file it
    points at is replaced, the link kept. A target that exists and is not a regular file (``/dev/null``, a
    FIFO) is written through, never replaced. Raises ``OSError`` when the file cannot be written.
    """
    target = os.path.realpath(path)
    mode = "wb" if binary else "w"
    text_args: dict[str, Any] = {} if binary else {"encoding": encoding, "newline": ""}
    try:
        existing = os.stat(target)
    except FileNotFoundError:
        existing = None
    if existing is not None and not stat.S_ISREG(existing.st_mode):
        with open(target, mode, **text_args) as stream:
            yield stream
        return
    directory, name = os.path.split(target)
    temporary, descriptor = _create_temporary(directory, name)
    try:
        with os.fdopen(descriptor, mode, **text_args) as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        if existing is not None:
            os.chmod(temporary, stat.S_IMODE(existing.st_mode))
        os.replace(temporary, target)
    except BaseException:
        with suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def _create_temporary(directory: str, name: str) -> tuple[str, int]:
    """A new file ``.<name>.<random>.tmp`` (mode 0666 less the umask, like any new file), and its descriptor."""
    while True:
        temporary = os.path.join(directory, f".{name}.{secrets.token_hex(4)}.tmp")
        try:
            return temporary, os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue


def write_atomic(path: str | os.PathLike[str], data: str | bytes, encoding: str = "utf-8") -> None:
    """Replace ``path`` with ``data`` atomically (see :func:`atomic_writer`)."""
    with atomic_writer(path, binary=isinstance(data, bytes), encoding=encoding) as stream:
        stream.write(data)
