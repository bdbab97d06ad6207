"""Which files changed since a git revision (for ``--changed-since``), by running git as a subprocess."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from conformance.errors import ConfigError
from conformance.gitexec import GitUnavailable, run_git, try_git


def _git(args: Sequence[str], top: str) -> str:
    try:
        completed = run_git(top, args)
    except GitUnavailable as exc:
        raise ConfigError(f"--changed-since needs git: {exc}") from None
    if not completed.ok:
        raise ConfigError(f"git {' '.join(args)} failed: {completed.last_error()}")
    return completed.text()


@dataclass(frozen=True)
class ChangeSet:
    """Files changed since the merge base of a revision and ``HEAD``: absolute path -> the path it had at the
    base (relative to the work tree), or None for a file that did not exist there."""

    top: str
    base: str
    files: Mapping[str, str | None]

    def old_text(self, path: str) -> bytes | None:
        """A changed file's content at the base, or None when it was added since."""
        old = self.files.get(path)
        if old is None:
            return None
        completed = try_git(self.top, ["cat-file", "blob", f"{self.base}:{old}"])  # plumbing: no textconv
        return completed.stdout if completed is not None and completed.ok else None


def changes_since(ref: str, cwd: str) -> ChangeSet:
    """Files added, modified or renamed since ``ref``, plus untracked files; deletions are left out.

    The comparison starts at the merge base of ``ref`` and ``HEAD`` (what a pull request changed, not what
    ``ref`` gained since the branch was made) and ends at the working tree (uncommitted edits count).
    """
    if ref.startswith("-"):
        raise ConfigError(f"--changed-since: {ref!r} is not a revision")
    from conformance.inputs import git_root

    work_tree = git_root(cwd)  # found once, here; git never searches for a repository itself
    if work_tree is None:
        raise ConfigError(f"--changed-since: not a git repository: no .git in {cwd} or above")
    top = _git(["rev-parse", "--show-toplevel"], work_tree).strip()
    try:
        _git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], top)
    except ConfigError:
        raise ConfigError(
            f"--changed-since: unknown revision {ref!r} (in CI, fetch it first: a shallow clone may lack it)"
        ) from None
    try:
        base = _git(["merge-base", ref, "HEAD"], top).strip() or ref
    except ConfigError:
        base = ref  # unrelated histories or a shallow clone: compare with the revision itself
    status = _git(["diff", "--name-status", "-z", "-M", "--diff-filter=ACMRT", base, "--"], top).split("\0")
    files: dict[str, str | None] = {}
    index = 0
    while index < len(status) and status[index]:
        code = status[index]
        if code.startswith(("R", "C")):
            old, new = status[index + 1], status[index + 2]
            files[_absolute(top, new)] = old if code.startswith("R") else None
            index += 3
        else:
            name = status[index + 1]
            files[_absolute(top, name)] = None if code.startswith("A") else name
            index += 2
    for name in _git(["ls-files", "--others", "--exclude-standard", "-z"], top).split("\0"):
        if name:
            files[_absolute(top, name)] = None
    return ChangeSet(top, base, files)


def _absolute(top: str, name: str) -> str:
    return os.path.normpath(os.path.join(top, name))
