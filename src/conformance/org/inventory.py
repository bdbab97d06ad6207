"""The inventory of an org scan: a YAML list of repositories (git URL or local path, branch, team, tags),
or every git repository below a directory (``--repos-dir``)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from conformance.errors import ConfigError
from conformance.org.documents import error_at, read_mapping, validate
from conformance.org.results import redact_url

ALLOWED_SCHEMES = ("https", "ssh", "file")
_SCHEME = re.compile(r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://")
_SCP = re.compile(r"^(?:[^@/:\s]+@)?(?P<host>[^/:\s]+):(?P<path>(?!//).+)$")
MAX_REPOS_DIR_DEPTH = 4
"""How deep ``--repos-dir`` looks for repositories (a repository's own directories are not entered)."""


@dataclass(frozen=True)
class InventoryEntry:
    """One repository to scan. ``url`` may carry credentials: it is never written out (see ``display``)."""

    id: str
    url: str | None = None
    path: str | None = None
    """Absolute; scanned in place."""
    branch: str | None = None
    team: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)

    @property
    def display(self) -> str:
        """The URL without credentials, or the path: what results and logs show."""
        return redact_url(self.url) if self.url is not None else str(self.path)


def url_problem(url: str) -> str | None:
    """Why ``url`` may not be fetched (only https, ssh, scp-like and file URLs), or None."""
    if "::" in url.split("/", 1)[0] or url.startswith("-"):
        return "transport::address URLs (ext::, fd::) are not allowed: only https, ssh and file"
    match = _SCHEME.match(url)
    if match:
        scheme = match.group("scheme").lower()
        if scheme not in ALLOWED_SCHEMES:
            return f"protocol {scheme!r} is not allowed: only https, ssh and file"
        return None
    if _SCP.match(url) and not url.startswith(("/", ".")):
        return None  # user@host:path, which git fetches over ssh
    return "not a URL: give https://, ssh://, user@host:path or file:// (a local directory goes under path:)"


def id_from_url(url: str) -> str:
    """``https://tok@github.com/acme/api.git`` → ``github.com/acme/api``; ``git@host:acme/api`` → ``host/acme/api``."""
    match = _SCHEME.match(url)
    if match:
        rest = url[match.end() :]
        rest = rest.rsplit("@", 1)[-1] if "@" in rest.split("/", 1)[0] else rest
    else:
        scp = _SCP.match(url)
        rest = f"{scp.group('host')}/{scp.group('path')}" if scp else url
    rest = rest.rstrip("/")
    if rest.endswith(".git"):
        rest = rest[: -len(".git")]
    return rest.strip("/") or url


def _entry(raw: Mapping[str, Any], index: int, base: str, source: str, node: Any) -> InventoryEntry:
    key = ("repositories", index)
    url, path = raw.get("url"), raw.get("path")
    if (url is None) == (path is None):
        raise error_at(source, node, key, "give exactly one of url and path")
    if url is not None:
        problem = url_problem(url)
        if problem is not None:
            raise error_at(source, node, (*key, "url"), f"{redact_url(url)}: {problem}")
    absolute = os.path.normpath(os.path.join(base, path)) if path is not None else None
    if absolute is not None and not os.path.isdir(absolute):
        raise error_at(source, node, (*key, "path"), f"{path}: not a directory")
    name = raw.get("name") or (id_from_url(url) if url is not None else os.path.normpath(path or ""))
    tags = {str(k): _text(v) for k, v in dict(raw.get("tags", {})).items()}
    return InventoryEntry(name, url, absolute, raw.get("branch"), raw.get("team"), tags)


def _text(value: Any) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def load_inventory(path: str) -> tuple[InventoryEntry, ...]:
    """The entries of an inventory file; a schema error, a forbidden URL or a duplicate id names key and line."""
    data, node = read_mapping(path, "inventory")
    validate(path, node, data, "inventory.schema.json")
    base = os.path.dirname(os.path.abspath(path))
    raws = data["repositories"]
    entries = tuple(_entry(raw, index, base, path, node) for index, raw in enumerate(raws))
    clash = duplicate(entries)
    if clash is not None:
        first, second = clash
        key = ("repositories", second, "name") if "name" in raws[second] else ("repositories", second)
        message = f"repository id {entries[second].id!r} is also the id of repositories[{first}]: give a name"
        raise error_at(path, node, key, message)
    return entries


def duplicate(entries: Iterable[InventoryEntry]) -> tuple[int, int] | None:
    """The indices of the first two entries with the same id, or None."""
    seen: dict[str, int] = {}
    for index, entry in enumerate(entries):
        if entry.id in seen:
            return seen[entry.id], index
        seen[entry.id] = index
    return None


def _is_bare(directory: str) -> bool:
    return all(
        os.path.lexists(os.path.join(directory, name)) for name in ("HEAD", "objects", "refs")
    ) and not os.path.islink(os.path.join(directory, "objects"))


def discover(root: str, max_depth: int = MAX_REPOS_DIR_DEPTH) -> Iterator[InventoryEntry]:
    """Every git repository below ``root``: a work tree is scanned in place, a bare repository through a
    ``file://`` URL. Symbolic links are never followed; ids are paths relative to ``root``."""
    root = os.path.abspath(root)
    if not os.path.isdir(root):
        raise ConfigError(f"--repos-dir {root}: not a directory")
    pending = [(root, 0)]
    while pending:
        directory, depth = pending.pop()
        relative = os.path.relpath(directory, root).replace(os.sep, "/")
        name = os.path.basename(root) if relative == "." else relative
        git = os.path.join(directory, ".git")
        if os.path.lexists(git) and not os.path.islink(git):
            yield InventoryEntry(name, path=directory)
            continue
        if depth > 0 and _is_bare(directory):
            yield InventoryEntry(name.removesuffix(".git"), url="file://" + directory)
            continue
        if depth >= max_depth:
            continue
        try:
            children = sorted(os.scandir(directory), key=lambda e: e.name, reverse=True)
        except OSError:
            continue
        for child in children:
            if child.is_dir(follow_symlinks=False) and not child.name.startswith("."):
                pending.append((child.path, depth + 1))
