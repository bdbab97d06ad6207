"""Every git command conformance runs goes through ``run_git``: git is told which repository to use, and nothing
the scanned repository configures may run a program.

The scanned tree, its ``.git`` directory (a tarball or a CI artifact carries one) and any directory laid out as
a bare repository inside it are the attacker's. So:

- the work tree is found once, in Python (the nearest ancestor with a ``.git`` entry, see
  ``conformance.inputs.git_root``), and git is given ``GIT_DIR`` and ``GIT_WORK_TREE`` explicitly: git never
  *discovers* a repository, so an embedded bare repository (``HEAD``, ``config``, ``objects/``, ``refs/``
  committed as ordinary files) is never opened; ``GIT_CEILING_DIRECTORIES`` and ``safe.bareRepository=explicit``
  back this up;
- configuration that runs programs is overridden from the command scope (``GIT_CONFIG_COUNT``, which outranks the
  repository's own config and, unlike ``-c``, needs no quoting): ``core.fsmonitor``, ``core.hooksPath``,
  ``core.pager``, ``core.sshCommand``, credential helpers, and the ``clean``/``smudge``/``process`` commands of
  every filter driver the repository's configuration names; diffs run with ``--no-ext-diff --no-textconv``;
- no transport is allowed (``GIT_ALLOW_PROTOCOL`` empty, ``protocol.allow=never``), so a partial clone whose
  promisor remote is ``ext::sh -c ...`` cannot lazily "fetch" a missing object;
- git's own environment variables inherited from the caller (``GIT_DIR`` from a hook, ``GIT_CONFIG_PARAMETERS``)
  are dropped; the operator's system and global configuration are kept (``safe.directory`` lives there).

Git 2.39 honours all of these; ``tests/hostile/test_git_hardening.py`` checks each with real git.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

KEPT_GIT_VARIABLES = frozenset({"GIT_CONFIG_GLOBAL", "GIT_CONFIG_SYSTEM", "GIT_CONFIG_NOSYSTEM", "GIT_EXEC_PATH"})
"""Inherited ``GIT_*`` variables that stay: they select the operator's configuration or git's installation."""

SAFE_CONFIG: tuple[tuple[str, str], ...] = (
    ("safe.bareRepository", "explicit"),
    ("core.fsmonitor", "false"),
    ("core.hooksPath", os.devnull),
    ("core.pager", "cat"),
    ("core.sshCommand", "false"),
    ("core.askPass", ""),
    ("credential.helper", ""),
    ("protocol.allow", "never"),
    ("submodule.recurse", "false"),
    ("diff.ignoreSubmodules", "all"),
    ("diff.external", ""),
    ("log.showSignature", "false"),
    ("gc.auto", "0"),
    ("maintenance.auto", "false"),
)
"""Command-scope configuration every git call gets."""

FILTER_KEYS = ("clean", "smudge", "process")
DIFF_FLAGS = ("--no-ext-diff", "--no-textconv")
"""Options every ``git diff`` conformance runs must carry (``diff.<driver>.command`` and ``textconv``)."""


class GitUnavailable(Exception):
    """Git is not installed, or did not finish in time."""


@dataclass(frozen=True)
class GitResult:
    returncode: int
    stdout: bytes
    stderr: bytes

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    def text(self) -> str:
        return self.stdout.decode("utf-8", errors="surrogateescape")

    def last_error(self) -> str:
        lines = self.stderr.decode("utf-8", errors="replace").strip().splitlines()
        return lines[-1] if lines else f"exit code {self.returncode}"


def base_environment(top: str, inherited: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of a git command on the work tree ``top``, without the filter overrides."""
    source = os.environ if inherited is None else inherited
    env = {key: value for key, value in source.items() if not key.startswith("GIT_") or key in KEPT_GIT_VARIABLES}
    top = os.path.abspath(top)
    env.update(
        GIT_DIR=os.path.join(top, ".git"),
        GIT_WORK_TREE=top,
        GIT_CEILING_DIRECTORIES=os.path.dirname(top),
        GIT_ALLOW_PROTOCOL="",  # an empty list: no transport at all (overrides protocol.<name>.allow)
        GIT_NO_LAZY_FETCH="1",  # git >= 2.45 (older versions: the empty protocol list above)
        GIT_TERMINAL_PROMPT="0",
        GIT_OPTIONAL_LOCKS="0",  # a read-only command does not rewrite the scanned repository's index
        GIT_NO_REPLACE_OBJECTS="1",
        GIT_PAGER="cat",
        PAGER="cat",
        LC_ALL="C",
    )
    return env


def _with_config(env: dict[str, str], pairs: Sequence[tuple[str, str]]) -> dict[str, str]:
    env = dict(env)
    env["GIT_CONFIG_COUNT"] = str(len(pairs))
    for index, (key, value) in enumerate(pairs):
        env[f"GIT_CONFIG_KEY_{index}"] = key
        env[f"GIT_CONFIG_VALUE_{index}"] = value
    return env


def _spawn(argv: Sequence[str], env: Mapping[str, str], cwd: str, timeout: float) -> GitResult:
    try:
        completed = subprocess.run(
            ["git", "--no-pager", *argv],
            cwd=cwd,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except FileNotFoundError:
        raise GitUnavailable("git is not installed") from None
    except OSError as exc:
        raise GitUnavailable(f"git could not be run: {exc.strerror or exc}") from None
    except subprocess.TimeoutExpired:
        raise GitUnavailable(f"git {' '.join(argv[:2])} did not finish in {timeout:g} s") from None
    return GitResult(completed.returncode, completed.stdout, completed.stderr)


def filter_drivers(top: str) -> tuple[str, ...]:
    """The names of the filter drivers the repository's configuration (with its includes) defines."""
    return _filter_drivers(os.path.abspath(top), _environment_key())


def _environment_key() -> tuple[tuple[str, str], ...]:
    return tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith("GIT_") or k == "HOME"))


@lru_cache(maxsize=256)
def _filter_drivers(top: str, _key: tuple[tuple[str, str], ...]) -> tuple[str, ...]:
    env = _with_config(base_environment(top), SAFE_CONFIG)
    result = _spawn(["config", "--null", "--name-only", "--get-regexp", r"^filter\."], env, top, 60)
    return filter_names(result.stdout.decode("utf-8", errors="surrogateescape"))


def filter_names(listing: str) -> tuple[str, ...]:
    """The filter drivers named in the output of ``git config --null --name-only --get-regexp`` on filters."""
    names: set[str] = set()
    for key in listing.split("\0"):
        # filter.<name>.<key>: the name may itself hold dots
        section, _, rest = key.partition(".")
        name, dot, _ = rest.rpartition(".")
        if section.lower() == "filter" and dot:
            names.add(name)
    return tuple(sorted(names))


def environment(top: str) -> dict[str, str]:
    """The full hardened environment of a git command on the work tree ``top``."""
    pairs = list(SAFE_CONFIG)
    for name in filter_drivers(top):
        pairs.extend((f"filter.{name}.{key}", "") for key in FILTER_KEYS)  # an empty command: not run
        pairs.append((f"filter.{name}.required", "false"))
    return _with_config(base_environment(top), pairs)


FETCH_PROTOCOLS = "https:ssh:file"
"""The transports the org scan's clone cache may use (never ``ext::``, ``fd::``, ``git://`` or plain http)."""
_OPERATOR_KEYS = frozenset({"core.sshCommand", "core.askPass", "credential.helper"})
"""Left to the operator's configuration when fetching: the SSH command, askpass and credential helpers that
authenticate to the forge (the cache's own configuration is written by conformance and names none)."""
FETCH_CONFIG: tuple[tuple[str, str], ...] = (
    *(pair for pair in SAFE_CONFIG if pair[0] not in _OPERATOR_KEYS),
    *((f"protocol.{name}.allow", "always") for name in FETCH_PROTOCOLS.split(":")),
    ("fetch.recurseSubmodules", "false"),
    ("fetch.writeCommitGraph", "false"),
    ("core.logAllRefUpdates", "false"),
    ("advice.detachedHead", "false"),
    ("init.templateDir", ""),
    ("filter.lfs.smudge", ""),
    ("filter.lfs.process", ""),
    ("filter.lfs.required", "false"),
)
"""Command-scope configuration of every clone-cache git command: ``SAFE_CONFIG`` with the fetch transports
allowed, and no reflog, templates, commit graph or LFS smudging."""


def fetch_environment(work_tree: str, url: str, drivers: Sequence[str] = ()) -> dict[str, str]:
    """The variables of a git command of the clone cache (``conformance.org.clones``, which runs git through
    GitPython: these are added to the inherited environment).

    The work tree is named explicitly, transports are limited to :data:`FETCH_PROTOCOLS`, prompts and LFS
    smudging are off, and the filter ``drivers`` the operator's configuration defines are overridden. The URL is
    the ``origin`` remote of the command's configuration only: it is never on a command line (which ``ps``
    shows and GitPython logs) nor in the cache's ``.git/config``."""
    pairs = [*FETCH_CONFIG, ("remote.origin.url", url)]
    for name in drivers:
        pairs.extend((f"filter.{name}.{key}", "") for key in FILTER_KEYS)
        pairs.append((f"filter.{name}.required", "false"))
    env = {
        "GIT_DIR": os.path.join(work_tree, ".git"),
        "GIT_WORK_TREE": work_tree,
        "GIT_CEILING_DIRECTORIES": os.path.dirname(work_tree),
        "GIT_ALLOW_PROTOCOL": FETCH_PROTOCOLS,
        "GIT_PROTOCOL_FROM_USER": "0",
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_LFS_SKIP_SMUDGE": "1",
        "GIT_NO_REPLACE_OBJECTS": "1",
        "GIT_CONFIG_PARAMETERS": "",
        "GIT_PAGER": "cat",
        "LC_ALL": "C",
    }
    return _with_config(env, pairs)


def run_git(top: str, args: Sequence[str], cwd: str | None = None, timeout: float = 120) -> GitResult:
    """Run ``git ARGS`` on the work tree ``top`` (found with ``inputs.git_root``), in ``cwd`` (default: ``top``;
    it must lie inside ``top``). Raises ``GitUnavailable`` when git is missing or times out."""
    argv = list(args)
    if argv and argv[0] == "diff":
        argv[1:1] = DIFF_FLAGS
    return _spawn(argv, environment(top), cwd or top, timeout)


def try_git(top: str, args: Sequence[str], cwd: str | None = None, timeout: float = 120) -> GitResult | None:
    """``run_git``, or None when git cannot be run."""
    try:
        return run_git(top, args, cwd, timeout)
    except GitUnavailable:
        return None
