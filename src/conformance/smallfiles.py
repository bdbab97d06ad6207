"""Reading the small files a scan is configured by (configuration, baseline, CODEOWNERS-like inputs), which a
scanned repository can commit: bounded in size, never blocking, never through a link out of their tree."""

from __future__ import annotations

import os

from conformance.errors import ConfigError

MAX_CONFIG_BYTES = 1024 * 1024
"""A configuration larger than this (1 MiB: some ten thousand waivers) is refused."""
MAX_BASELINE_BYTES = 10 * 1024 * 1024
"""A baseline larger than this (10 MiB: some fifty thousand findings) is refused."""


def _tree_of(path: str) -> str:
    from conformance.inputs import git_root

    directory = os.path.dirname(os.path.abspath(path))
    return os.path.realpath(git_root(directory) or directory)


def read_small_file(path: str | os.PathLike[str], limit: int, what: str) -> str:
    """The UTF-8 text of a configuration-like file, or ``ConfigError`` with a clear reason: over ``limit``
    bytes, not a regular file (a FIFO, ``/dev/zero``), a symbolic link whose target leaves the work tree (or
    directory) holding the link, unreadable, or not UTF-8. Nothing is read past ``limit``."""
    from conformance.inputs import ReadRefusal, read_input

    name = os.fspath(path)
    if os.path.islink(name):
        target = os.path.realpath(name)
        tree = _tree_of(name)
        if not (target == tree or target.startswith(tree.rstrip(os.sep) + os.sep)):
            raise ConfigError(f"{name}: the {what} is a symbolic link out of its tree ({tree}): not read")
    if not os.path.lexists(name):
        raise ConfigError(f"{name}: {what} file not found")
    raw = read_input(name, limit)
    if isinstance(raw, ReadRefusal):
        reason = raw.message
        if raw.kind == "parse-error":
            reason = f"over the {limit}-byte limit for a {what}: not read"
        raise ConfigError(f"{name}: cannot read the {what}: {reason}")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{name}: cannot read the {what}: not UTF-8 ({exc.reason} at byte {exc.start})") from None
