"""``extends:``: what a configuration builds on, found and merged parents first.

A reference is one of:

- ``conformance:<name>``: a built-in preset (``conformance/presets/<name>.yaml``, see :func:`builtin_presets`);
- ``<pack>:<name>``: the preset ``presets/<name>.yaml`` of the installed pack whose entry point is ``<pack>``
  (see :mod:`conformance.catalog.packs`);
- anything else: a path relative to the file that names it. It must stay inside that file's tree: the git
  work tree holding the repository's configuration (else its directory), or the pack a preset comes from.
  Symbolic links are followed before the check, so a link out of the tree is refused.

A file extending several references merges them in order, then itself on top (:func:`conformance.config_merge.merge`).
A cycle, a missing file or preset, a chain deeper than :data:`MAX_DEPTH` or more than :data:`MAX_FILES` files
in all is a config error naming the chain.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, replace
from pathlib import Path as FsPath
from typing import Any

from conformance.config import Config, load_file
from conformance.errors import ConfigError

BUILTIN = "conformance"
MAX_DEPTH = 16
MAX_FILES = 64
"""Files one configuration may bring in, counting repeats: a scanned repository's config is untrusted, and
references repeated at every level would otherwise multiply."""
PRESET = re.compile(r"^([a-z0-9][a-z0-9_-]*):([A-Za-z0-9][A-Za-z0-9_.-]*)$")


def presets_dir() -> FsPath:
    return FsPath(__file__).parent / "presets"


def builtin_presets() -> tuple[str, ...]:
    """The names of the built-in presets (``conformance:<name>``)."""
    return tuple(sorted(p.stem for p in presets_dir().glob("*.yaml")))


@dataclass(frozen=True)
class _Link:
    """One file of a chain: its identity (real path), how messages name it, and the tree it may refer into."""

    path: FsPath
    display: str
    tree: FsPath

    @property
    def identity(self) -> str:
        return os.path.realpath(self.path)


def _display(path: FsPath) -> str:
    relative = os.path.relpath(os.path.abspath(path))
    return str(path) if relative.startswith(os.pardir) else relative


def _chain(links: tuple[_Link, ...], last: str) -> str:
    return " → ".join([*(link.display for link in links), last])


def _tree_of(path: FsPath) -> FsPath:
    from conformance.inputs import git_root

    directory = os.path.dirname(os.path.abspath(path))
    return FsPath(os.path.realpath(git_root(directory) or directory))


def _locate(reference: str, chain: tuple[_Link, ...]) -> _Link:
    """The file a reference names, or a config error naming the chain that led to it."""
    referrer = chain[-1]
    match = PRESET.match(reference)
    if match is not None:
        pack_name, name = match.groups()
        if pack_name == BUILTIN:
            candidate = presets_dir() / f"{name}.yaml"
            if not candidate.is_file():
                known = ", ".join(f"{BUILTIN}:{n}" for n in builtin_presets())
                raise ConfigError(f"extends {_chain(chain, reference)}: no such built-in preset (built-in: {known})")
            return _Link(candidate, reference, presets_dir())
        from conformance.catalog.packs import find_pack

        try:
            pack = find_pack(pack_name)
        except ConfigError as exc:
            raise ConfigError(f"extends {_chain(chain, reference)}: {exc}") from None
        preset = pack.preset(name)
        if preset is None:
            known = ", ".join(f"{pack_name}:{n}" for n in pack.presets()) or "none"
            raise ConfigError(
                f"extends {_chain(chain, reference)}: pack {pack_name!r} has no preset {name!r} (its presets: {known})"
            )
        return _Link(preset, reference, FsPath(os.path.realpath(pack.root)))
    if os.path.isabs(reference):
        raise ConfigError(f"extends {_chain(chain, reference)}: a path must be relative to the file naming it")
    candidate = referrer.path.parent / reference
    real = os.path.realpath(candidate)
    tree = str(referrer.tree)
    if real != tree and not real.startswith(tree.rstrip(os.sep) + os.sep):
        raise ConfigError(
            f"extends {_chain(chain, reference)}: {reference!r} leads out of {tree} (links are followed): "
            "a configuration may only extend files of its own tree, or presets"
        )
    if not os.path.lexists(candidate):
        raise ConfigError(f"extends {_chain(chain, _display(candidate))}: file not found")
    if os.path.isdir(candidate):
        raise ConfigError(f"extends {_chain(chain, _display(candidate))}: a directory, not a configuration file")
    candidate = FsPath(os.path.abspath(candidate))
    return _Link(candidate, _display(candidate), referrer.tree)


def _line_of(node: Any) -> Any:
    if node is None:
        return None
    from conformance import yamlio

    return lambda path: yamlio.locate(node, tuple(path)).line


def _resolve(link: _Link, above: tuple[_Link, ...], loaded: list[str]) -> Config:
    if link.identity in {parent.identity for parent in above}:
        raise ConfigError(f"extends: a cycle: {_chain(above, link.display)}")
    chain = (*above, link)
    if len(chain) > MAX_DEPTH:
        raise ConfigError(f"extends: deeper than {MAX_DEPTH} files: {_chain(above, link.display)}")
    loaded.append(link.identity)
    if len(loaded) > MAX_FILES:
        raise ConfigError(f"extends: more than {MAX_FILES} files to merge, at {_chain(above, link.display)}")
    from conformance.config_merge import check_locks, merge

    config, node = load_file(link.path)
    config = replace(config, chain=(link.display,), locked=dict.fromkeys(config.locked, link.display))
    merged: Config | None = None
    for reference in config.extends:
        parent = _resolve(_locate(reference, chain), chain, loaded)
        if merged is None:
            merged = parent
            continue
        floors = check_locks(parent, merged)  # an earlier file beside a locked one must not loosen its locks
        merged = merge(merged, parent)
        merged = replace(merged, severity_floors=(*merged.severity_floors, *floors))
    return config if merged is None else merge(merged, config, _line_of(node))


def load_extended(path: FsPath, files: list[str] | None = None) -> Config:
    """A configuration file merged onto everything it extends; ``files`` (if given) gets the real path of every
    file read, in the order read (what a digest of the configuration must cover)."""
    loaded: list[str] = [] if files is None else files
    return _resolve(_Link(path, _display(path), _tree_of(path)), (), loaded)
