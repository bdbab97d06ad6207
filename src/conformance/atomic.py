"""Atomic file writes: a temporary file in the target's directory, then ``os.replace``.

Readers see the old file or the new one, never a half-written one, and a failed write leaves the old file as
it was and no temporary file behind.
"""

from __future__ import annotations

import errno
import os
import secrets
import stat
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import IO, Any


@contextmanager
def atomic_writer(path: str | os.PathLike[str], binary: bool = False, encoding: str = "utf-8") -> Iterator[IO[Any]]:
    """A stream whose content replaces ``path`` when the block ends without an exception.

    The temporary file is created next to the target (so the rename stays on one file system) with the
    permissions a new file gets, or those of the file it replaces. A target that exists and is not a regular
    file (``/dev/null``, a FIFO) is written through, never replaced. Raises ``OSError`` with a clear reason,
    before anything is written and with the previous file intact, when the target is a symbolic link (a
    scanned repository can commit ``report.json -> ~/.ssh/authorized_keys``: never written through), a
    directory, a read-only file, or in a directory that does not exist.
    """
    target = os.path.abspath(path)
    mode = "wb" if binary else "w"
    text_args: dict[str, Any] = {} if binary else {"encoding": encoding, "newline": ""}
    existing = _check_target(target)
    if existing is not None and not stat.S_ISREG(existing.st_mode):
        descriptor = _open_special(target, existing)
        with os.fdopen(descriptor, mode, **text_args) as stream:
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
        if os.path.islink(target):  # planted while the report was written
            raise OSError(errno.ELOOP, "it became a symbolic link while the report was written: not replaced")
        os.replace(temporary, target)
    except BaseException:
        with suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


FIFO_READER_WAIT = 2.0
"""Seconds a FIFO named as the report may take to get a reader: a planted one nobody reads never blocks the run."""


def _open_special(target: str, existing: os.stat_result) -> int:
    """Open a device or FIFO to write through it; a FIFO without a reader is an error after ``FIFO_READER_WAIT``
    seconds, not a hang."""
    flags = os.O_WRONLY | getattr(os, "O_NOFOLLOW", 0)
    if not stat.S_ISFIFO(existing.st_mode):
        return os.open(target, flags)
    deadline = time.monotonic() + FIFO_READER_WAIT
    while True:
        try:
            descriptor = os.open(target, flags | os.O_NONBLOCK)
        except OSError as exc:
            if exc.errno != errno.ENXIO or time.monotonic() > deadline:
                if exc.errno == errno.ENXIO:
                    raise OSError(errno.ENXIO, "it is a named pipe nobody reads: not written") from None
                raise
            time.sleep(0.01)
            continue
        os.set_blocking(descriptor, True)
        return descriptor


def _check_target(target: str) -> os.stat_result | None:
    """The target's status (None: it does not exist yet), or ``OSError`` saying why it is not written."""
    try:
        existing = os.lstat(target)
    except FileNotFoundError:
        directory = os.path.dirname(target)
        if not os.path.isdir(directory):
            raise FileNotFoundError(errno.ENOENT, f"the directory {directory} does not exist") from None
        return None
    if stat.S_ISLNK(existing.st_mode):
        raise OSError(errno.ELOOP, "it is a symbolic link: not written through it (name the file it points at)")
    if stat.S_ISDIR(existing.st_mode):
        raise IsADirectoryError(errno.EISDIR, "it is a directory")
    if stat.S_ISREG(existing.st_mode) and (not existing.st_mode & 0o222 or not os.access(target, os.W_OK)):
        raise PermissionError(errno.EACCES, "it is read-only: the previous file is kept")
    return existing


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
