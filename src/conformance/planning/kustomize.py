"""Kustomize: the files a kustomization lists as patches are partial objects, never checked on their own.

A strategic-merge patch that only sets a container's ``args`` is not a Deployment without probes, limits or a
security context: checked as a whole object it would be reported for everything it does not say. The
kustomizations met by a scan (those scanned, and those in the directories of scanned files up to their
project's root, so a pre-commit hook given one patch still knows it is one) are read, and the files their
``patches``, ``patchesStrategicMerge`` and ``patchesJson6902`` name leave the list of files to check.

With ``--render-kustomize`` each kustomization root is also built (see :mod:`conformance.targets.kustomize`)
and the files its objects come from are checked through the build instead.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from conformance.inputs import InputFile, cached_git_root

if TYPE_CHECKING:
    from conformance.model import Finding
    from conformance.targets.kustomize import Built

KUSTOMIZATION_NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
MAX_KUSTOMIZATION_BYTES = 1024 * 1024


def kustomizations_near(files: Sequence[InputFile]) -> list[str]:
    """Kustomization files among the scanned files and in their directories up to their project's root."""
    found: dict[str, None] = {}
    seen: set[str] = set()
    for item in files:
        absolute = os.path.abspath(item.path)
        if os.path.basename(absolute) in KUSTOMIZATION_NAMES:
            found[absolute] = None
        top = cached_git_root(os.path.dirname(absolute)) or os.getcwd()
        directory = os.path.dirname(absolute)
        while directory not in seen and (directory == top or directory.startswith(top.rstrip(os.sep) + os.sep)):
            seen.add(directory)
            for name in KUSTOMIZATION_NAMES:
                candidate = os.path.join(directory, name)
                if os.path.isfile(candidate) and not os.path.islink(candidate):
                    found[candidate] = None
            if directory == top:
                break
            directory = os.path.dirname(directory)
    return list(found)


def _read(path: str) -> Any:
    from conformance import yamlio

    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_KUSTOMIZATION_BYTES + 1)
    except OSError:
        return None
    if len(raw) > MAX_KUSTOMIZATION_BYTES:
        return None
    loaded = yamlio.load(raw.decode("utf-8", "replace"))
    return loaded.documents[0].data if loaded.documents else None


def _named(entries: Any, key: str | None) -> Iterator[str]:
    """Paths in a list of patch entries: strings, or mappings with ``path`` (inline patches have none)."""
    if not isinstance(entries, list):
        return
    for entry in entries:
        value = entry.get("path") if key and isinstance(entry, Mapping) else entry
        if isinstance(value, str) and value.strip() and "\n" not in value:
            yield value.strip()


def patch_paths(kustomization: Mapping[str, Any]) -> list[str]:
    """The patch files a kustomization names, as written (relative to its directory)."""
    return [
        *_named(kustomization.get("patches"), "path"),
        *_named(kustomization.get("patchesStrategicMerge"), None),
        *_named(kustomization.get("patchesJson6902"), "path"),
    ]


def patch_files(kustomization_files: Iterable[str]) -> set[str]:
    """Absolute, normalised paths of every file the given kustomizations name as patches."""
    patches: set[str] = set()
    for path in kustomization_files:
        data = _read(path)
        if not isinstance(data, Mapping):
            continue
        directory = os.path.dirname(path)
        for relative in patch_paths(data):
            patches.add(os.path.normpath(os.path.join(directory, relative)))
    return patches


def without_patches(files: Sequence[InputFile], patches: set[str]) -> list[InputFile]:
    """The files that are not patches."""
    if not patches:
        return list(files)
    return [item for item in files if os.path.normpath(os.path.abspath(item.path)) not in patches]


def kustomization_roots(kustomization_files: Iterable[str]) -> list[str]:
    """The directories of kustomizations no other of them includes (overlays, and lone kustomizations)."""
    directories = {os.path.dirname(path): path for path in kustomization_files}
    included: set[str] = set()
    for directory, path in directories.items():
        data = _read(path)
        if isinstance(data, Mapping):
            from conformance.targets.kustomize import references

            included.update(os.path.normpath(os.path.join(directory, ref)) for ref in references(data))
    return sorted(d for d in directories if os.path.normpath(d) not in included)


def plan_builds(
    files: Sequence[InputFile], explicit: str | None
) -> tuple[list[Built], list[Finding], set[str]]:
    """Build every kustomization root among the scanned files: the builds, errors for those that failed, and the
    source files the builds checked (which are then not checked again on their own)."""
    from conformance.engine.findings import error_finding
    from conformance.errors import ConfigError
    from conformance.model import KUSTOMIZE_BUILD_ERROR, Location
    from conformance.targets.kustomize import build, find_command, origins_in

    listed = [os.path.abspath(f.path) for f in files if os.path.basename(f.path) in KUSTOMIZATION_NAMES]
    displays = {os.path.abspath(f.path): f.display for f in files}
    if not listed:
        return [], [], set()
    command = find_command(explicit)
    if command is None:
        raise ConfigError("--render-kustomize: neither kustomize nor kubectl was found (name one with --kustomize)")
    built: list[Built] = []
    errors: list[Finding] = []
    checked: set[str] = set()
    by_directory = {os.path.dirname(path): path for path in listed}
    for root in kustomization_roots(listed):
        display = displays[by_directory[root]]
        output = build(command, root, display, cached_git_root(root) or os.getcwd())
        if isinstance(output, str):
            errors.append(error_finding(KUSTOMIZE_BUILD_ERROR, output, Location(display)))
            continue
        built.append(output)
        checked |= origins_in(output)
    return built, errors, checked
