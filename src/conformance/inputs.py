"""Which files a scan reads: explicit files, directories walked recursively, excludes, and symlink safety."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import BinaryIO

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
SKIPPED_DIRS = frozenset({".git", ".hg", ".svn", "node_modules", ".venv", "__pycache__", ".tox"})


@dataclass(frozen=True)
class InputFile:
    """A file to scan: ``display`` is the path reports show (relative, forward slashes)."""

    path: str
    display: str
    relative: str = ""
    """The path relative to its repository root (the git work tree, else the scanned directory), with forward
    slashes: what file policies' ``FILES`` globs match. Empty when unknown (then ``display`` is used)."""
    tree: str = field(default="", compare=False)
    """The real path of the directory walk that found the file: when it is opened (``read_input``), the file
    must still lie inside it. Empty for a file named on the command line (a link named on purpose is read)."""

    @property
    def glob_path(self) -> str:
        return self.relative or self.display


DANGLING_LINK = "symbolic link inside the scanned tree points at nothing: not read"
"""The problem of a link whose target (inside the tree) does not exist: a note, not a scan error."""


def _dangling(path: str) -> bool:
    """Whether the symbolic link ``path`` points at a missing file (not a loop, not a permission problem)."""
    try:
        os.stat(path)
    except FileNotFoundError:
        return True
    except OSError:
        return False
    return False


@dataclass(frozen=True)
class InputProblem:
    """A path the scan could not or would not read."""

    display: str
    message: str


def display_path(path: str, base: str) -> str:
    """Relative to ``base`` when inside it, else as given; always with forward slashes."""
    absolute = os.path.abspath(path)
    try:
        relative = os.path.relpath(absolute, base)
    except ValueError:
        relative = absolute
    if relative == os.pardir or relative.startswith(os.pardir + os.sep):
        relative = path
    relative = printable_path(relative.replace(os.sep, "/"))
    return relative[2:] if relative.startswith("./") else relative


def printable_path(path: str) -> str:
    """A path as reports show it: bytes of a name that are not UTF-8 (``caf\\xe9.yaml``, read by Python as
    lone surrogates) are written as ``\\xe9`` escapes, so fingerprints, JSON and terminals never meet a
    character that cannot be encoded. Valid names are unchanged."""
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        return path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return path


def git_root(directory: str) -> str | None:
    """The work tree holding ``directory`` (the nearest ancestor with a ``.git`` entry), if any."""
    current = os.path.abspath(directory)
    while True:
        if os.path.exists(os.path.join(current, ".git")):
            return current
        parent = os.path.dirname(current)
        if parent == current:
            return None
        current = parent


_cached_git_root = lru_cache(maxsize=4096)(git_root)
cached_git_root = _cached_git_root
""":func:`git_root`, remembered per directory (the engine asks once per file)."""


def repository_of(display: str) -> tuple[str, str]:
    """``(root, path)``: the git work tree holding a file (else the working directory) and the file's path
    there, which fingerprints use, so a finding keeps its identity whichever directory the scan started from.
    Standard input (``<stdin>``) has no root; a path outside its root is kept as shown."""
    if display.startswith("<"):
        return "", display
    absolute = os.path.abspath(display)
    # a directory (the repository subject of a scan) belongs to the work tree it is in, or is the root of:
    # a clone scanned as /cache/x or as x has the same identity (".") as when scanned from inside it
    holder = absolute if os.path.isdir(absolute) else os.path.dirname(absolute)
    root = _cached_git_root(holder) or os.getcwd()
    relative = os.path.relpath(absolute, root)
    return root, display if relative.startswith(os.pardir + os.sep) else relative.replace(os.sep, "/")


def repository_path(display: str) -> str:
    """The path fingerprints use (see :func:`repository_of`)."""
    return repository_of(display)[1]


class Excludes:
    """gitignore-style exclude patterns, relative to a root directory."""

    def __init__(self, patterns: Sequence[str], root: str) -> None:
        self.root = os.path.abspath(root)
        self._spec = None
        if patterns:
            import pathspec

            self._spec = pathspec.GitIgnoreSpec.from_lines(patterns)

    def excluded(self, path: str, is_dir: bool = False) -> bool:
        if self._spec is None:
            return False
        relative = os.path.relpath(os.path.abspath(path), self.root).replace(os.sep, "/")
        if relative == ".." or relative.startswith("../"):
            return False
        return bool(self._spec.match_file(relative + ("/" if is_dir else "")))


def _inside(path: str, root: str) -> bool:
    real = os.path.realpath(path)
    return real == root or real.startswith(root.rstrip(os.sep) + os.sep)


def relative_to_root(path: str, root: str | None) -> str:
    """``path`` relative to a repository root, with forward slashes ('' when outside it or no root)."""
    if root is None:
        return ""
    relative = os.path.relpath(os.path.abspath(path), root)
    if relative == os.pardir or relative.startswith(os.pardir + os.sep):
        return ""
    return printable_path(relative.replace(os.sep, "/"))


def collect(
    paths: Sequence[str],
    excludes: Excludes,
    base: str | None = None,
    include: Callable[[str], bool] | None = None,
    manifests: bool = True,
) -> tuple[list[InputFile], list[InputProblem]]:
    """Expand scan arguments into files; problems (missing paths, symlinks leaving the tree) are returned.

    A directory walk takes YAML and JSON files (unless ``manifests`` is false: no Kubernetes policy runs),
    plus files whose repository-relative path ``include`` accepts (Dockerfiles and other files that file
    policies select). Inside a git work tree, files git ignores are left out, as git leaves them out (a
    directory that is itself ignored is walked whole: it was named on purpose).
    """
    base = base or os.getcwd()
    files: list[InputFile] = []
    problems: list[InputProblem] = []
    seen: set[str] = set()

    def add(path: str, root: str | None, tree: str = "") -> None:
        key = os.path.realpath(path) if os.path.islink(path) else os.path.abspath(path)
        if key not in seen:
            seen.add(key)
            files.append(InputFile(path, display_path(path, base), relative_to_root(path, root), tree))

    for arg in paths:
        if not os.path.lexists(arg):
            problems.append(InputProblem(arg, "no such file or directory"))
        elif os.path.isdir(arg):
            git_top = _cached_git_root(os.path.abspath(arg))
            root = git_top or os.path.abspath(arg)
            visible = _git_visible(arg, git_top) if git_top else None
            for path, problem in _walk(arg, excludes, include, root, manifests, visible):
                if problem:
                    problems.append(InputProblem(display_path(path, base), problem))
                else:
                    add(path, root, os.path.realpath(arg))
        else:
            special = _special_file(arg)
            if special:
                problems.append(InputProblem(display_path(arg, base), special))
            else:
                add(arg, _cached_git_root(os.path.dirname(os.path.abspath(arg))))  # named explicitly: read it
    return files, problems


def _git_visible(directory: str, top: str) -> set[str] | None:
    """Absolute paths of the files git sees under ``directory`` (tracked, or untracked and not ignored), asking
    the work tree ``top`` only (never a repository git would discover inside the scanned tree); None when git
    cannot tell (not installed, not a work tree) or the directory itself is ignored."""
    from conformance.gitexec import try_git

    here = os.path.abspath(directory)  # names are relative to it, as the walk's paths are
    ignored = try_git(top, ["check-ignore", "-q", "."], cwd=here)
    if ignored is None or ignored.returncode == 0:
        return None
    listed = try_git(top, ["ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", "."], cwd=here)
    if listed is None or not listed.ok:
        return None
    names = listed.text().split("\0")
    return {os.path.normpath(os.path.join(here, name)) for name in names if name}


_SPECIAL_KINDS = (
    (stat.S_ISFIFO, "a named pipe"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _special_file(path: str) -> str | None:
    """Why a path named on the command line is not read, if it is not a regular file: opening a FIFO blocks
    until something writes to it (forever, for one planted in a repository), and a device such as /dev/zero
    never ends. Standard input is read with ``-``."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return None  # missing target, link loop, no permission: the read reports it
    for test, kind in _SPECIAL_KINDS:
        if test(mode):
            return f"not a regular file ({kind}): not read; pipe the manifests to standard input (-) instead"
    return None


def _walk(
    top: str,
    excludes: Excludes,
    include: Callable[[str], bool] | None = None,
    root: str | None = None,
    manifests: bool = True,
    visible: set[str] | None = None,
) -> Iterator[tuple[str, str | None]]:
    """Files under ``top`` worth reading; with ``visible`` (what git sees), ignored directories are not
    even entered (a gitignored virtualenv or build tree can hold a hundred thousand files)."""
    visible_dirs: set[str] = set()
    if visible is not None:
        here = os.path.normpath(os.path.abspath(top))
        for path in visible:
            parent = os.path.dirname(path)
            while parent not in visible_dirs and parent.startswith(here) and parent != here:
                visible_dirs.add(parent)
                parent = os.path.dirname(parent)
    tree = os.path.realpath(top)  # symbolic links must stay inside it
    root = root or tree  # what ``include`` sees paths relative to: the repository root
    unreadable: list[OSError] = []  # directories os.walk could not list: reported, never silently skipped
    for dirpath, dirnames, filenames in walk_tree(top, onerror=unreadable.append):
        yield from _unreadable_directories(unreadable, dirpath)
        kept = []
        for name in sorted(dirnames):
            full = os.path.join(dirpath, name)
            if name in SKIPPED_DIRS or excludes.excluded(full, is_dir=True):
                continue
            absolute = os.path.normpath(os.path.abspath(full))
            if visible is not None and absolute not in visible_dirs and absolute not in visible:
                continue  # ignored by git (a listed symbolic link is a file to git, handled below)
            if os.path.islink(full):
                if not _inside(full, tree):
                    yield full, "symbolic link points outside the scanned tree: not followed"
                continue  # a link inside the tree: its target is walked on its own
            kept.append(name)
        dirnames[:] = kept
        for name in sorted(filenames):
            full = os.path.join(dirpath, name)
            if visible is not None and os.path.normpath(os.path.abspath(full)) not in visible:
                continue  # ignored by git
            wanted = manifests and name.endswith(MANIFEST_SUFFIXES)
            if not wanted and not (include and include(relative_to_root(full, root))):
                continue
            if excludes.excluded(full):
                continue
            if os.path.islink(full):
                if not _inside(full, tree):
                    yield full, "symbolic link points outside the scanned tree: not followed"
                    continue
                if not os.path.exists(full):
                    yield full, DANGLING_LINK if _dangling(full) else "broken or looping symbolic link"
                    continue
            try:
                mode = os.stat(full).st_mode
            except OSError as exc:
                yield full, f"cannot stat: {exc.strerror}"
                continue
            if stat.S_ISREG(mode):
                yield full, None
    yield from _unreadable_directories(unreadable, top)  # the last directory the walk tried to list


def walk_tree(
    top: str, onerror: Callable[[OSError], object] | None = None
) -> Iterator[tuple[str, list[str], list[str]]]:
    """``os.walk(top, followlinks=False)``, top-down, without recursion: 10,000 nested directories do not
    reach Python's recursion limit (Python 3.11's ``os.walk`` recurses once per level). The caller may prune
    ``dirnames`` in place; a link to a directory is listed there but never entered. A directory too deep to
    name (``ENAMETOOLONG``) or unreadable goes to ``onerror``."""
    stack = [top]
    while stack:
        directory = stack.pop()
        dirnames: list[str] = []
        filenames: list[str] = []
        links: set[str] = set()
        try:
            with os.scandir(directory) as entries:
                for entry in entries:
                    try:
                        is_dir = entry.is_dir()
                    except OSError:
                        is_dir = False
                    (dirnames if is_dir else filenames).append(entry.name)
                    if is_dir and entry.is_symlink():
                        links.add(entry.name)
        except OSError as error:
            if onerror is not None:
                onerror(error)
            continue
        yield directory, dirnames, filenames
        stack.extend(os.path.join(directory, name) for name in reversed(dirnames) if name not in links)


def _unreadable_directories(errors: list[OSError], fallback: str) -> Iterator[tuple[str, str | None]]:
    for error in errors:
        yield str(error.filename or fallback), f"cannot read directory: {error.strerror or error}"
    errors.clear()


@dataclass(frozen=True)
class ReadRefusal:
    """Why a file's bytes were not read: ``kind`` is ``"read-error"`` (unreadable, not a regular file, a link
    out of its tree) or ``"parse-error"`` (over the size limit), the policy ids of the error finding."""

    kind: str
    message: str


_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOCTTY", 0)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


def _opened_path(descriptor: int) -> str | None:
    """Where an open descriptor really points (Linux ``/proc``), or None where the system cannot tell."""
    try:
        return os.readlink(f"/proc/self/fd/{descriptor}")
    except OSError:
        return None


def _open_inside(path: str, tree: str) -> int | ReadRefusal:
    """Open ``path`` so that the file opened lies inside ``tree``, whatever was swapped since the walk."""
    try:
        return os.open(path, _OPEN_FLAGS | _NOFOLLOW)
    except OSError:
        if not (_NOFOLLOW and os.path.islink(path)):
            raise
    # a symbolic link: read only what it points at inside the tree, and never a link again
    target = os.path.realpath(path)
    if not _within(target, tree):
        return ReadRefusal("read-error", "symbolic link points outside the scanned tree: not followed")
    return os.open(target, _OPEN_FLAGS | _NOFOLLOW)


def _within(path: str, tree: str) -> bool:
    return path == tree or path.startswith(tree.rstrip(os.sep) + os.sep)


def read_input(path: str, limit: int, tree: str = "") -> bytes | ReadRefusal:
    """A scanned file's bytes, at most ``limit`` of them, checked on the open descriptor, not before it.

    With ``tree`` (``InputFile.tree``: the file was found by a walk) the last component is opened with
    ``O_NOFOLLOW`` and, where the system tells (``/proc/self/fd``), the opened file must lie inside ``tree``,
    so a file or directory swapped for a link out of the tree between the walk and the read is refused. The
    open never blocks (a FIFO planted since the walk) and a device, socket or FIFO is refused; a file over
    ``limit`` when opened, or grown past it while read, is refused whole (a truncated prefix is never parsed).
    """
    try:
        opened = _open_inside(path, os.path.realpath(tree)) if tree else os.open(path, _OPEN_FLAGS)
    except OSError as exc:
        return ReadRefusal("read-error", f"cannot read file: {exc.strerror or exc}")
    if isinstance(opened, ReadRefusal):
        return opened
    with os.fdopen(opened, "rb") as handle:
        try:
            info = os.fstat(opened)
            if not stat.S_ISREG(info.st_mode):
                return ReadRefusal("read-error", "not a regular file (a FIFO, socket or device): skipped")
            where = _opened_path(opened) if tree else None
            if where is not None and not _within(where, os.path.realpath(tree)):
                return ReadRefusal("read-error", "the file left the scanned tree (a symbolic link): not read")
            raw = b"" if info.st_size > limit else handle.read(limit + 1)
        except OSError as exc:
            return ReadRefusal("read-error", f"cannot read file: {exc.strerror or exc}")
    size = max(info.st_size, len(raw))
    if size > limit:
        return ReadRefusal("parse-error", f"file is {size} bytes, over the {limit}-byte limit: not read")
    return raw


def read_stream(stream: BinaryIO, limit: int, name: str = "standard input") -> bytes | ReadRefusal:
    """At most ``limit`` bytes of a stream (standard input): more is refused whole, as for a file, and the rest
    is not read (the producer gets a broken pipe instead of filling memory)."""
    chunks: list[bytes] = []
    size = 0
    while size <= limit:
        chunk = stream.read(min(1 << 20, limit + 1 - size))
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        size += len(chunk)
    return ReadRefusal("parse-error", f"{name} is over the {limit}-byte limit: not read")
