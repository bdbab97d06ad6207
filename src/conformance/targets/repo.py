"""The repository target: a read-only view of a scanned repository's files, for repository-level policies.

The file list comes from git when the root is a git work tree (tracked files plus untracked files that are
not ignored), else from a directory walk that honours ``.gitignore`` files. Reads are lazy and never follow a
symbolic link out of the tree. Git is run as a subprocess (``git ls-files``), so nothing heavy is imported.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from conformance.globmatch import safe_globs
from conformance.inputs import SKIPPED_DIRS, Excludes, git_root, walk_tree

MAX_READ_BYTES = 20 * 1024 * 1024
"""Reads of larger files return None: repository policies look at configuration, not at data dumps."""


def compile_globs(patterns: Sequence[str]) -> Any:
    """A gitignore-style matcher for repository-relative paths (a pattern without ``/`` matches at any depth)."""
    import pathspec

    return pathspec.GitIgnoreSpec.from_lines(patterns)


def is_repository_root(directory: str, plain_directories: bool = False) -> bool:
    """Whether repository policies run for a scanned directory: it is the top of a git work tree (it holds
    ``.git``; git itself need not be installed), or, with ``plain_directories``, it is not inside any work
    tree (an exported tree, a tarball): then it is its own repository."""
    absolute = os.path.abspath(directory)
    root = git_root(absolute)
    if root is None:
        return plain_directories
    return os.path.samefile(root, absolute)


@dataclass(frozen=True)
class RepoFile:
    """One file of the repository: its path relative to the root (forward slashes) and its size in bytes."""

    path: str
    size: int
    symlink: bool = False


@dataclass(frozen=True)
class Repository:
    """What a ``TARGET = "repository"`` policy sees: the root, its files, and lazy, safe reads.

    Violations carry a path naming a place in the repository: ``()`` for the repository itself (reported
    at the root, line 1), ``(relative_path,)`` for a file, ``(relative_path, line)`` or
    ``(relative_path, line, column)`` for a position in a file.
    """

    root: str
    display: str
    """How reports name the root (``.`` when the scan started there)."""
    entries: tuple[RepoFile, ...] = field(repr=False)
    skipped: tuple[tuple[str, str], ...] = field(default=(), repr=False)
    """Paths left out of the view and why (symbolic links leaving the tree)."""

    @cached_property
    def files(self) -> tuple[str, ...]:
        """Every file's path relative to the root, sorted."""
        return tuple(entry.path for entry in self.entries)

    @cached_property
    def _by_path(self) -> dict[str, RepoFile]:
        return {entry.path: entry for entry in self.entries}

    def exists(self, path: str) -> bool:
        return path in self._by_path

    def size(self, path: str) -> int | None:
        entry = self._by_path.get(path)
        return entry.size if entry else None

    def glob(self, patterns: Sequence[str] | Any) -> list[str]:
        """Files matching gitignore-style patterns (``README*``, ``.github/workflows/*.yml``, ``**/*.pem``)."""
        spec: Any = compile_globs(patterns) if isinstance(patterns, (list, tuple)) else patterns
        return [path for path in self.files if spec.match_file(path)]

    def absolute(self, path: str) -> str | None:
        """The file's location on disk, or None when it is not in the view or resolves outside the tree."""
        if path not in self._by_path:
            return None
        full = os.path.join(self.root, path)
        real = os.path.realpath(full)
        root = os.path.realpath(self.root)
        if real != root and not real.startswith(root.rstrip(os.sep) + os.sep):
            return None
        return full

    def read_bytes(self, path: str, limit: int = MAX_READ_BYTES) -> bytes | None:
        """The file's bytes, or None when it is absent, unsafe, not a regular file, too large or unreadable."""
        full = self.absolute(path)
        if full is None:
            return None
        try:
            info = os.stat(full)
            if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
                return None
            with open(full, "rb") as handle:
                return handle.read(limit + 1)
        except OSError:
            return None

    def read_text(self, path: str, limit: int = MAX_READ_BYTES) -> str | None:
        """The file decoded as UTF-8 (undecodable bytes replaced), or None (see :meth:`read_bytes`)."""
        raw = self.read_bytes(path, limit)
        if raw is None:
            return None
        if raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        return raw.decode("utf-8", errors="replace")

    def load_yaml(self, path: str) -> Any:
        """The file's YAML (or JSON) documents as loaded by :func:`conformance.yamlio.load`, or None."""
        text = self.read_text(path)
        if text is None:
            return None
        from conformance import yamlio

        return yamlio.load(text)


def open_repository(root: str, display: str, excludes: Excludes | None = None) -> Repository:
    """Build the view of a repository rooted at ``root`` (a directory), without the configuration's excludes."""
    top = git_root(root)
    listed = _git_files(top, root) if top is not None else None
    paths = listed if listed is not None else list(_walk(root))
    if excludes is not None:
        paths = [path for path in paths if not excludes.excluded(os.path.join(root, path))]
    entries: list[RepoFile] = []
    skipped: list[tuple[str, str]] = []
    real_root = os.path.realpath(root)
    for path in sorted(set(paths)):
        full = os.path.join(root, path)
        try:
            link = os.lstat(full)
        except OSError:
            continue  # listed by git but deleted from the work tree
        is_link = stat.S_ISLNK(link.st_mode)
        if is_link:
            real = os.path.realpath(full)
            if real != real_root and not real.startswith(real_root.rstrip(os.sep) + os.sep):
                skipped.append((path, "symbolic link points outside the repository: not followed"))
                continue
            try:
                target = os.stat(full)
            except OSError:
                skipped.append((path, "broken or looping symbolic link"))
                continue
        else:
            target = link
        if stat.S_ISREG(target.st_mode):
            entries.append(RepoFile(path, target.st_size, is_link))
    return Repository(root, display, tuple(entries), tuple(skipped))


def _git_files(top: str, root: str) -> list[str] | None:
    """Tracked and untracked-but-not-ignored files under ``root``, relative to it, as the work tree ``top``
    holding it lists them; None when git cannot tell."""
    from conformance.gitexec import try_git

    arguments = ["ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", "."]
    completed = try_git(top, arguments, cwd=os.path.abspath(root), timeout=60)
    if completed is None or not completed.ok:
        return None  # git is not installed, or this is no work tree: fall back to a walk
    return [name for name in completed.text().split("\0") if name]


def _walk(root: str) -> Iterator[str]:
    """Files under ``root`` (relative paths) that no ``.gitignore`` on their way ignores."""
    specs: list[tuple[str, Any]] = []  # (directory relative to root, its .gitignore spec)

    def ignored(relative: str, is_dir: bool) -> bool:
        # as git does: the deepest .gitignore with a matching pattern decides, and its last matching
        # pattern wins, so a deeper `!pattern` re-includes what a shallower file ignores
        for base, spec in reversed(specs):
            if base and not relative.startswith(base + "/"):
                continue
            inner = relative[len(base) + 1 :] if base else relative
            verdict = spec.check_file(inner + ("/" if is_dir else "")).include
            if verdict is not None:
                return bool(verdict)
        return False

    for dirpath, dirnames, filenames in walk_tree(root):
        here = os.path.relpath(dirpath, root).replace(os.sep, "/")
        here = "" if here == "." else here
        if ".gitignore" in filenames:
            lines = _read_lines(os.path.join(dirpath, ".gitignore"))
            if lines:
                specs.append((here, compile_globs(safe_globs(lines)[0])))  # a hostile pattern is dropped
        kept = []
        for name in sorted(dirnames):
            relative = f"{here}/{name}" if here else name
            if name in SKIPPED_DIRS or ignored(relative, True):
                continue
            if os.path.islink(os.path.join(dirpath, name)):
                yield relative  # reported (or dropped) as a link by the caller, never walked
                continue
            kept.append(name)
        dirnames[:] = kept
        for name in sorted(filenames):
            relative = f"{here}/{name}" if here else name
            if not ignored(relative, False):
                yield relative


def _read_lines(path: str, limit: int = MAX_READ_BYTES) -> list[str]:
    """A .gitignore's lines; one that is not a regular file (a FIFO, a link to /dev/zero) or is too large is
    ignored, never opened (git does not follow a symbolic .gitignore either)."""
    try:
        info = os.lstat(path)
        if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
            return []
        with open(path, "rb") as handle:
            return handle.read(limit).decode("utf-8", errors="replace").splitlines()
    except OSError:
        return []


def first_match(repository: Repository, candidates: Iterable[str]) -> str | None:
    """The first of several conventional names that exists (``README.md``, ``README.rst``, ...)."""
    for candidate in candidates:
        if repository.exists(candidate):
            return candidate
    return None
