"""Which files a scan reads: explicit files, directories walked recursively, excludes, and symlink safety."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

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
    relative = relative.replace(os.sep, "/")
    return relative[2:] if relative.startswith("./") else relative


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


def repository_path(display: str) -> str:
    """The path fingerprints use: relative to the git work tree holding the file (else the working directory),
    so a finding keeps its identity whichever directory the scan was started from."""
    if display.startswith("<"):  # <stdin>
        return display
    absolute = os.path.abspath(display)
    root = _cached_git_root(os.path.dirname(absolute)) or os.getcwd()
    relative = os.path.relpath(absolute, root)
    return display if relative.startswith(os.pardir + os.sep) else relative.replace(os.sep, "/")


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
    return relative.replace(os.sep, "/")


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

    def add(path: str, root: str | None) -> None:
        key = os.path.realpath(path) if os.path.islink(path) else os.path.abspath(path)
        if key not in seen:
            seen.add(key)
            files.append(InputFile(path, display_path(path, base), relative_to_root(path, root)))

    for arg in paths:
        if not os.path.lexists(arg):
            problems.append(InputProblem(arg, "no such file or directory"))
        elif os.path.isdir(arg):
            git_top = _cached_git_root(os.path.abspath(arg))
            root = git_top or os.path.abspath(arg)
            visible = _git_visible(arg) if git_top else None
            for path, problem in _walk(arg, excludes, include, root, manifests, visible):
                if problem:
                    problems.append(InputProblem(display_path(path, base), problem))
                else:
                    add(path, root)
        else:
            special = _special_file(arg)
            if special:
                problems.append(InputProblem(display_path(arg, base), special))
            else:
                add(arg, _cached_git_root(os.path.dirname(os.path.abspath(arg))))  # named explicitly: read it
    return files, problems


def _git_visible(directory: str) -> set[str] | None:
    """Absolute paths of the files git sees under ``directory`` (tracked, or untracked and not ignored); None
    when git cannot tell (not installed, not a work tree) or the directory itself is ignored."""
    import subprocess

    def git(*args: str) -> subprocess.CompletedProcess[bytes] | None:
        try:
            return subprocess.run(["git", "-C", directory, *args], capture_output=True, timeout=120, check=False)
        except (OSError, subprocess.TimeoutExpired):
            return None

    ignored = git("check-ignore", "-q", ".")
    if ignored is None or ignored.returncode == 0:
        return None
    listed = git("ls-files", "-z", "--cached", "--others", "--exclude-standard", ".")
    if listed is None or listed.returncode != 0:
        return None
    here = os.path.abspath(directory)  # names are relative to it, as the walk's paths are
    names = listed.stdout.decode("utf-8", errors="surrogateescape").split("\0")
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
    for dirpath, dirnames, filenames in os.walk(top, onerror=unreadable.append, followlinks=False):
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
    yield from _unreadable_directories(unreadable, top)  # the last directory os.walk tried to list


def _unreadable_directories(errors: list[OSError], fallback: str) -> Iterator[tuple[str, str | None]]:
    for error in errors:
        yield str(error.filename or fallback), f"cannot read directory: {error.strerror or error}"
    errors.clear()
