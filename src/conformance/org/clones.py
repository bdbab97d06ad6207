"""The clone cache: each repository URL fetched (shallow, one branch) into its own directory, updated in place.

Every git command runs through GitPython with the environment of ``conformance.gitexec.fetch_environment``
(the scan's own git commands, on a work tree, get ``gitexec.environment``): hooks, fsmonitor, submodules, LFS
smudging and every filter driver off; only the https, ssh and file protocols; no terminal prompt; the process
killed (with its children) when the repository's time is up. The URL is never on a command line nor stored in
the cache's ``.git/config``, so a token in it is not written anywhere; every message is redacted.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import time
from dataclasses import dataclass
from functools import lru_cache

from conformance.gitexec import fetch_environment
from conformance.org.inventory import url_problem
from conformance.org.results import redact_url

FETCHED_REF = "refs/conformance/fetched"


class CloneError(Exception):
    """A repository could not be fetched; the message holds no credentials."""


@dataclass(frozen=True)
class Checkout:
    path: str
    commit: str
    changed: bool
    """False: the fetched commit was the one already checked out (the update cost one fetch)."""


def cache_path(cache_dir: str, repository_id: str) -> str:
    """The directory of one repository in the cache: a readable slug of its id and a hash of it."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", repository_id).strip("-.")[-60:] or "repository"
    return os.path.join(cache_dir, f"{slug}-{hashlib.sha256(repository_id.encode()).hexdigest()[:16]}")


class _Runner:
    """Runs git commands in one work tree until a deadline; a command still running then is killed."""

    def __init__(self, work_tree: str, url: str, deadline: float, timeout: float) -> None:
        from git import Git  # gitpython: imported when a repository is fetched (80 ms)

        self.git = Git(work_tree)
        self.work_tree = work_tree
        self.url = url
        self.deadline = deadline
        self.timeout = timeout
        self.env = fetch_environment(work_tree, url)

    def harden(self) -> None:
        """Override the filter drivers the operator's configuration defines (git-lfs and the like); the cache's
        own configuration is ours and names none."""
        where = os.path.dirname(self.work_tree)
        self.env = fetch_environment(self.work_tree, self.url, operator_filters(where, _configuration_key()))

    def __call__(self, *args: str, check: bool = True) -> tuple[int, str]:
        from git import GitError

        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise CloneError(f"timed out after {self.timeout:g} s")
        try:
            status, stdout, stderr = self.git.execute(
                ["git", *args],
                env=self.env,
                kill_after_timeout=remaining,
                with_extended_output=True,
                with_exceptions=False,
            )
        except GitError as exc:  # git is not installed, or could not be started
            raise CloneError(f"git {args[0]} could not be run: {type(exc).__name__}") from None
        if check and status != 0:  # GitPython's own timeout message names the command: not used
            if time.monotonic() >= self.deadline - 0.01 or "did not complete in" in str(stderr):
                raise CloneError(f"git {args[0]} did not finish in {self.timeout:g} s: killed")
            raise CloneError(f"git {args[0]} failed: {self.redact(str(stderr))}")
        return status, str(stdout).strip()

    def redact(self, text: str) -> str:
        lines = [line.strip() for line in text.replace(self.url, redact_url(self.url)).splitlines() if line.strip()]
        fatal = [line for line in lines if line.startswith(("fatal:", "error:"))]
        message = (fatal or lines or ["no message"])[0]
        return redact_url(message.removeprefix("fatal: ").removeprefix("error: "))


LOCAL_STEPS = ("checkout", "clean", "rev-parse")
"""Steps whose failure means the cache entry itself is broken (a stale ``index.lock`` left by a killed run):
the entry is removed and cloned again, once."""


def fetch(url: str, branch: str | None, path: str, timeout: float) -> Checkout:
    """Clone ``url`` (its ``branch``, else the remote's HEAD) into ``path``, or update the clone there.

    One process at a time works on a cache entry (an exclusive lock on ``path.lock``: two runs sharing a cache
    wait for each other). Raises :class:`CloneError` (redacted) on a forbidden URL, a git failure or the
    timeout."""
    import fcntl

    problem = url_problem(url)
    if problem is not None:
        raise CloneError(f"{redact_url(url)}: {problem}")
    deadline = time.monotonic() + timeout
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(f"{path}.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            return _fetch(url, branch, path, timeout, deadline)
        except CloneError as exc:
            if not str(exc).startswith(tuple(f"git {step} failed" for step in LOCAL_STEPS)):
                raise
            shutil.rmtree(path, ignore_errors=True)  # the cache is ours: start the entry again
            return _fetch(url, branch, path, timeout, deadline)


def _fetch(url: str, branch: str | None, path: str, timeout: float, deadline: float) -> Checkout:
    if not os.path.isdir(os.path.join(path, ".git")):
        if os.path.lexists(path):
            shutil.rmtree(path, ignore_errors=True)
        os.makedirs(path)
        git = _Runner(path, url, deadline, timeout)
        git("init", "--quiet", "--template=", path)
    else:
        git = _Runner(path, url, deadline, timeout)
    git.harden()
    source = f"refs/heads/{branch}" if branch else "HEAD"
    git(
        "fetch", "--quiet", "--depth=1", "--no-tags", "--no-recurse-submodules", "--no-write-fetch-head",
        "origin", f"+{source}:{FETCHED_REF}",
    )  # fmt: skip
    commit = (
        _read_ref(path, FETCHED_REF) or git("rev-parse", "--verify", "--end-of-options", f"{FETCHED_REF}^{{commit}}")[1]
    )
    if _read_ref(path, "HEAD") == commit:
        return Checkout(path, commit, changed=False)
    git("checkout", "--quiet", "--force", "--detach", commit)
    git("clean", "-ffdxq")
    return Checkout(path, commit, changed=True)


_OBJECT_ID = re.compile(r"^[0-9a-f]{40}(?:[0-9a-f]{24})?$")


def _read_ref(work_tree: str, name: str) -> str | None:
    """A loose ref or a detached HEAD of the cache's own repository, read without running git (None: ask git)."""
    try:
        with open(os.path.join(work_tree, ".git", name), encoding="ascii") as handle:
            value = handle.read(200).strip()
    except (OSError, UnicodeDecodeError):
        return None
    return value if _OBJECT_ID.match(value) else None


def _configuration_key() -> tuple[str | None, ...]:
    return tuple(os.environ.get(name) for name in ("GIT_CONFIG_GLOBAL", "GIT_CONFIG_SYSTEM", "HOME", "XDG_CONFIG_HOME"))


@lru_cache(maxsize=8)
def operator_filters(outside: str, _key: tuple[str | None, ...] = ()) -> tuple[str, ...]:
    """The filter drivers the operator's system and global configuration define, from a directory ``outside``
    any repository (read once per process and configuration)."""
    from git import Git

    env = {"GIT_CEILING_DIRECTORIES": outside, "GIT_DIR": os.path.join(outside, ".no-repository"), "LC_ALL": "C"}
    _, stdout, _ = Git(outside).execute(
        ["git", "config", "--null", "--name-only", "--get-regexp", r"^filter\."],
        env=env,
        kill_after_timeout=60,
        with_extended_output=True,
        with_exceptions=False,
    )
    from conformance.gitexec import filter_names

    return filter_names(str(stdout))


def local_commit(path: str) -> str | None:
    """The HEAD commit of the work tree holding ``path`` (read with the scan's hardened git), or None."""
    from conformance.gitexec import try_git
    from conformance.inputs import git_root

    top = git_root(path)
    if top is None:
        return None
    result = try_git(top, ["rev-parse", "--verify", "-q", "HEAD"], timeout=30)
    return result.text().strip() if result is not None and result.ok else None
