"""Who owns a reported file: its repository's CODEOWNERS, read once per repository, looked up per file.

Reports (JSON ``owners``, SARIF ``properties.owners``) carry the owners of every finding's file so an
organisation can group findings by team. Nothing is read until a report asks.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING

from conformance.inputs import git_root

if TYPE_CHECKING:
    from conformance.targets.codeowners import Codeowners

MAX_CODEOWNERS_BYTES = 3 * 1024 * 1024
"""GitHub ignores CODEOWNERS files over 3 MB."""


class OwnerIndex:
    """``owners(display_path) -> ("@org/team", ...)``, by the last matching CODEOWNERS rule."""

    def __init__(self, scan_dirs: Sequence[str] = ()) -> None:
        self._scan_dirs = [os.path.abspath(d) for d in scan_dirs]
        self._files: dict[str, Codeowners | None] = {}
        self._owners: dict[str, tuple[str, ...]] = {}

    def __call__(self, display: str) -> tuple[str, ...]:
        cached = self._owners.get(display)
        if cached is not None:
            return cached
        owners = self._lookup(display)
        self._owners[display] = owners
        return owners

    def _root_of(self, absolute: str) -> str | None:
        root = git_root(absolute if os.path.isdir(absolute) else os.path.dirname(absolute))
        if root is not None:
            return root
        for directory in self._scan_dirs:  # a plain directory that was scanned is its own repository
            if absolute == directory or absolute.startswith(directory.rstrip(os.sep) + os.sep):
                return directory
        return None

    def _lookup(self, display: str) -> tuple[str, ...]:
        if display.startswith("<"):  # <stdin>
            return ()
        absolute = os.path.abspath(display)
        root = self._root_of(absolute)
        if root is None:
            return ()
        codeowners = self._codeowners(root)
        if codeowners is None:
            return ()
        relative = os.path.relpath(absolute, root).replace(os.sep, "/")
        return codeowners.owners_of("" if relative == "." else relative)

    def _codeowners(self, root: str) -> Codeowners | None:
        if root not in self._files:
            self._files[root] = _read(root)
        return self._files[root]


def _read(root: str) -> Codeowners | None:
    from conformance.targets.codeowners import LOCATIONS, parse

    real_root = os.path.realpath(root)
    for location in LOCATIONS:
        path = os.path.join(root, location)
        real = os.path.realpath(path)
        if not real.startswith(real_root.rstrip(os.sep) + os.sep) or not os.path.isfile(real):
            continue  # never follow a link out of the repository
        try:
            with open(real, "rb") as handle:
                raw = handle.read(MAX_CODEOWNERS_BYTES + 1)
        except OSError:
            return None
        if len(raw) > MAX_CODEOWNERS_BYTES:
            return None
        return parse(raw.decode("utf-8", errors="replace"), location)
    return None
