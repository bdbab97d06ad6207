"""Installed policy packs: distributions that expose the ``conformance.policies`` entry point.

The entry point's *name* is the pack's name (``acme`` in ``acme:strict``); its *value* names an importable
package (``acme = acme_conformance``) or a callable returning a directory. That directory is the pack root:

- ``policies/``: the pack's policy files (YAML and Python, nested directories allowed); a pack without this
  directory keeps its policy files at the root (``presets/`` and ``fixtures/`` are then skipped);
- ``presets/<name>.yaml``: configuration files a repository extends as ``<pack>:<name>``;
- ``fixtures/<pack>/<slug>/pass-*|fail-*``: the policies' fixtures, as ``conformance policies test`` runs them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path as FsPath

from conformance.errors import ConfigError, PolicyDefinitionError

ENTRY_POINT_GROUP = "conformance.policies"
RESERVED_DIRS = ("presets", "fixtures")
"""Directories of a pack root that hold no policies."""


@dataclass(frozen=True)
class Pack:
    """One installed pack: its entry point name, root directory and the distribution providing it."""

    name: str
    root: FsPath
    distribution: str = ""

    @property
    def policies_dir(self) -> FsPath:
        nested = self.root / "policies"
        return nested if nested.is_dir() else self.root

    @property
    def presets_dir(self) -> FsPath:
        return self.root / "presets"

    @property
    def fixtures_dir(self) -> FsPath:
        return self.root / "fixtures"

    def skips(self, path: FsPath) -> bool:
        """Whether a file under :attr:`policies_dir` is no policy (a preset or fixture of a flat pack)."""
        if self.policies_dir != self.root:
            return False
        relative = path.relative_to(self.root).parts
        return bool(relative) and relative[0] in RESERVED_DIRS

    def presets(self) -> tuple[str, ...]:
        if not self.presets_dir.is_dir():
            return ()
        return tuple(sorted(p.stem for p in self.presets_dir.iterdir() if p.suffix in (".yaml", ".yml")))

    def preset(self, name: str) -> FsPath | None:
        for suffix in (".yaml", ".yml"):
            candidate = self.presets_dir / f"{name}{suffix}"
            if candidate.is_file():
                return candidate
        return None


def may_have_entry_points() -> bool:
    """Whether any installed distribution declares our entry point group.

    Reading every distribution's metadata costs tens of milliseconds a run; a pre-commit hook runs on every
    commit. The ``entry_points.txt`` files are few and small, so look for the group's name in them first.
    """
    import glob
    import sys

    marker = f"[{ENTRY_POINT_GROUP}]"
    for entry in sys.path:
        for path in glob.glob(os.path.join(glob.escape(entry or "."), "*.*-info", "entry_points.txt")):
            try:
                with open(path, encoding="utf-8", errors="replace") as handle:
                    if marker in handle.read():
                        return True
            except OSError:
                continue
    return False


def installed_packs() -> Iterator[Pack]:
    """Every installed pack, sorted by name; a broken entry point is an error naming it."""
    if not may_have_entry_points():
        return
    from importlib.metadata import entry_points

    seen: dict[str, str] = {}
    for entry in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: (e.name, e.value)):
        distribution = entry.dist.name if entry.dist is not None else ""
        if entry.name in seen and seen[entry.name] != entry.value:
            raise PolicyDefinitionError(
                f"two installed packs are named {entry.name!r}: {seen[entry.name]} and {entry.value}"
            )
        if entry.name in seen:
            continue  # the same distribution seen twice on sys.path
        seen[entry.name] = entry.value
        try:
            target = entry.load()
        except Exception as exc:
            raise PolicyDefinitionError(f"entry point {entry.name!r} ({entry.value}) failed: {exc}") from None
        file = getattr(target, "__file__", None)
        try:
            directory = FsPath(file).parent if file else FsPath(target() if callable(target) else target)
        except (TypeError, ValueError) as exc:
            message = f"entry point {entry.name!r} ({entry.value}) names no directory: {exc}"
            raise PolicyDefinitionError(message) from None
        if not directory.is_dir():
            raise PolicyDefinitionError(f"entry point {entry.name!r}: {directory} is not a directory")
        yield Pack(entry.name, directory, distribution)


def find_pack(name: str) -> Pack:
    """The installed pack of that name, or a config error listing the installed ones."""
    packs = {pack.name: pack for pack in installed_packs()}
    if name not in packs:
        known = ", ".join(sorted(packs)) or "none installed"
        raise ConfigError(f"no installed policy pack is named {name!r} (installed packs: {known})")
    return packs[name]
