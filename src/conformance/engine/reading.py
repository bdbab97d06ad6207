"""Reading an input: a file's bytes under the size limit, never blocking, and their text."""

from __future__ import annotations

import os
import stat

from conformance.engine.findings import error_finding
from conformance.model import PARSE_ERROR, READ_ERROR, Finding, Location


def read_bytes(path: str, display: str, limit: int) -> bytes | Finding:
    """A file's bytes, or the error finding that says why they were not read.

    Opened without blocking and checked on the open descriptor, so a file swapped for a FIFO or a device after
    it was listed can neither block the scan nor feed it forever; a file over the limit (when listed, or grown
    since) is never parsed from a truncated prefix.
    """
    try:
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(descriptor, "rb") as handle:
            info = os.fstat(handle.fileno())
            if not stat.S_ISREG(info.st_mode):
                message = "not a regular file (a FIFO, socket or device): skipped"
                return error_finding(READ_ERROR, message, Location(display))
            raw = b"" if info.st_size > limit else handle.read(limit + 1)
    except OSError as exc:
        return error_finding(READ_ERROR, f"cannot read file: {exc.strerror or exc}", Location(display))
    size = max(info.st_size, len(raw))
    if size > limit:
        message = f"file is {size} bytes, over the {limit}-byte limit: not read"
        return error_finding(PARSE_ERROR, message, Location(display))
    return raw


def decode(raw: bytes) -> tuple[str | None, str | None, int]:
    """Text of a manifest (UTF-8, or UTF-16 with a BOM), or an error message and the failing line."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    elif raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16"), None, 0
        except UnicodeDecodeError as exc:
            return None, f"invalid UTF-16: {exc.reason}", 1
    try:
        return raw.decode("utf-8"), None, 0
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        return None, f"not valid UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start})", line
