"""Reading an input: a file's bytes under the size limit, never blocking, never through a link that leaves its
tree (see :func:`conformance.inputs.read_input`), and their text."""

from __future__ import annotations

from conformance.engine.findings import error_finding
from conformance.model import PARSE_ERROR, READ_ERROR, Finding, Location


def read_bytes(path: str, display: str, limit: int, tree: str = "") -> bytes | Finding:
    """A file's bytes, or the error finding that says why they were not read.

    Opened without blocking and checked on the open descriptor, so a file swapped for a FIFO, a device or (for
    a file a walk found in ``tree``) a symbolic link out of the tree after it was listed is refused; a file over
    the limit (when listed, or grown since) is never parsed from a truncated prefix.
    """
    from conformance.inputs import ReadRefusal, read_input

    raw = read_input(path, limit, tree)
    if isinstance(raw, ReadRefusal):
        policy_id = READ_ERROR if raw.kind == "read-error" else PARSE_ERROR
        return error_finding(policy_id, raw.message, Location(display))
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
