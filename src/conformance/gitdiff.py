"""Which files changed since a git revision (for ``--changed-since``), by running git as a subprocess."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence

from conformance.errors import ConfigError


def _git(args: Sequence[str], cwd: str) -> str:
    try:
        completed = subprocess.run(["git", *args], cwd=cwd, capture_output=True, timeout=120, check=False)
    except FileNotFoundError:
        raise ConfigError("--changed-since needs git, and git is not installed") from None
    except subprocess.TimeoutExpired:
        raise ConfigError(f"git {' '.join(args)} did not finish in 120 s") from None
    if completed.returncode != 0:
        detail = completed.stderr.decode("utf-8", errors="replace").strip().splitlines()
        raise ConfigError(f"git {' '.join(args)} failed: {detail[-1] if detail else completed.returncode}")
    return completed.stdout.decode("utf-8", errors="surrogateescape")


def changed_files(ref: str, cwd: str) -> set[str]:
    """Absolute paths of files added, modified or renamed since ``ref``, plus untracked files; deletions are
    left out. The comparison starts at the merge base of ``ref`` and ``HEAD`` (what a pull request changed,
    not what ``ref`` gained since the branch was made) and ends at the working tree (uncommitted edits count).
    """
    if ref.startswith("-"):
        raise ConfigError(f"--changed-since: {ref!r} is not a revision")
    top = _git(["rev-parse", "--show-toplevel"], cwd).strip()
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
    diff = _git(["diff", "--name-only", "-z", "--diff-filter=ACMRT", base, "--"], top)
    untracked = _git(["ls-files", "--others", "--exclude-standard", "-z"], top)
    names = [n for n in (*diff.split("\0"), *untracked.split("\0")) if n]
    return {os.path.normpath(os.path.join(top, name)) for name in names}
