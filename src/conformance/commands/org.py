"""``conformance org scan`` and ``conformance org merge``: each returns the exit code.

Exit codes: 0 every repository scanned (or reused) and no failing finding at or above the org gate; 1 such
findings; 2 some repository could not be scanned (or a usage or configuration error).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from conformance.errors import EXIT_CLEAN, EXIT_ERROR, EXIT_VIOLATIONS, ConfigError
from conformance.org.results import FAIL, FAILED, RepositoryResult, RunResult

if TYPE_CHECKING:
    from conformance.org.inventory import InventoryEntry
    from conformance.org.settings import OrgSettings
    from conformance.org.shards import Shard
    from conformance.org.spool import RepositorySpool

DEFAULT_CACHE = os.path.join("~", ".cache", "conformance", "repos")
def exit_code(run: RunResult) -> int:
    """2 when a repository failed, else 1 when a failing finding is at or above the run's gate, else 0."""
    from conformance.model import SEVERITY_RANK

    if any(repository.status == FAILED for repository in run.repositories):
        return EXIT_ERROR
    gate = SEVERITY_RANK[run.gate]
    for repository in run.repositories:
        if any(f.status == FAIL and SEVERITY_RANK.get(f.severity, 0) >= gate for f in repository.findings):
            return EXIT_VIOLATIONS
    return EXIT_CLEAN


def _check_history(db: str | None) -> None:
    """The history database URL parses and names a database we support (nothing is opened yet)."""
    try:
        from conformance.history.urls import engine_url, resolve_url

        engine_url(resolve_url(db))
    except ImportError as exc:
        raise ConfigError(f"the history database is not available ({exc}): pass --no-history") from None


def _append_history(db: str | None, run: RunResult) -> None:
    from importlib import import_module

    try:  # by name: the history database is a module of its own, with its own dependencies
        history = import_module("conformance.history")
    except ImportError as exc:
        raise ConfigError(f"the history database is not available ({exc}): pass --no-history") from None
    from conformance.history.urls import resolve_url

    history.append_run(resolve_url(db), run)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _entries(inventory: str | None, repos_dir: str | None) -> tuple[InventoryEntry, ...]:
    from conformance.org.inventory import discover, duplicate, load_inventory

    if inventory is None and repos_dir is None:
        raise ConfigError("org scan: give an INVENTORY file, --repos-dir DIR, or both")
    entries = list(load_inventory(inventory)) if inventory else []
    if repos_dir is not None:
        entries.extend(discover(repos_dir))
    clash = duplicate(entries)
    if clash is not None:
        raise ConfigError(f"repository id {entries[clash[1]].id!r} is given twice (inventory and --repos-dir)")
    return tuple(sorted(entries, key=lambda entry: entry.id))


def run_org_scan(
    inventory: str | None,
    out: str,
    config_path: str | None = None,
    cache_dir: str | None = None,
    shard: str | None = None,
    jobs: int = 0,
    executor: str = "local",
    db: str | None = None,
    no_history: bool = False,
    timeout: float | None = None,
    repos_dir: str | None = None,
    run_id: str | None = None,
    reuse: bool = True,
) -> int:
    """Scan every repository of the inventory (or of this shard of it) and write ``OUT/shard-I-of-N.json``."""
    from conformance.catalog.discovery import build_catalog
    from conformance.catalog.select import known_profiles
    from conformance.org.executors import executor_for
    from conformance.org.overlay import overlay
    from conformance.org.progress import Progress
    from conformance.org.reuse import policy_digest
    from conformance.org.settings import load_settings
    from conformance.org.shards import parse_shard
    from conformance.org.shards import run_id as resolve_run_id
    from conformance.org.spool import RepositorySpool
    from conformance.org.task import RepositoryTask, scan_repository
    from conformance.planning.policies import check_levels, policy_directories

    selected = parse_shard(shard)
    if shard is None and not no_history:
        _check_history(db)  # a wrong --db is said before the fleet is scanned, not after
    identifier = resolve_run_id(run_id)
    settings = load_settings(config_path)
    catalog = build_catalog(policy_directories(settings.config, (), (), explicit_config=True), trust_local=False)
    overlay(settings.config, None, catalog.definitions, os.getcwd())  # the org config's selections are valid
    check_levels(  # and so are its levels: a level over a misspelt id could never be reached
        settings.config,
        [*(d.id for d in catalog.definitions), *catalog.dormant_ids],
        known_profiles(catalog.definitions, bool(catalog.dormant_ids)),
    )
    entries = selected.select(_entries(inventory, repos_dir))
    cache = os.path.abspath(os.path.expanduser(cache_dir or DEFAULT_CACHE))
    os.makedirs(cache, exist_ok=True)
    os.makedirs(out, exist_ok=True)
    digest = policy_digest(catalog.definitions, settings.digest)
    config = os.path.abspath(config_path) if config_path else None
    seconds = timeout if timeout is not None else settings.timeout
    tasks = [RepositoryTask(entry, cache, config, digest, seconds, reuse) for entry in entries]
    started = _now()
    with RepositorySpool(out) as results:  # on disk: memory stays flat however many repositories
        progress = Progress(len(tasks))

        def collect(result: RepositoryResult) -> None:
            results.add(result)
            progress(result)

        try:
            if tasks:
                executor_for(executor, scan_repository, jobs).run(tasks, collect)
        finally:
            progress.close()
        return _finish_scan(results, identifier, started, digest, selected, settings, out, shard, no_history, db)


def _finish_scan(
    results: RepositorySpool,
    identifier: str,
    started: str,
    digest: str,
    selected: Shard,
    settings: OrgSettings,
    out: str,
    shard: str | None,
    no_history: bool,
    db: str | None,
) -> int:
    from conformance import __version__
    from conformance.org.merge import write_run

    run = RunResult(
        run_id=identifier,
        started=started,
        finished=_now(),
        tool_version=__version__,
        policy_digest=digest,
        shard_index=selected.index,
        shard_count=selected.count,
        levels=tuple(level.name for level in settings.levels),
        gate=settings.gate,
        repositories=results,
    )
    path = os.path.join(out, selected.file_name)
    write_run(run, path)
    if shard is None and not no_history:
        _append_history(db, run)
    counts = ", ".join(f"{count} {status}" for status, count in run.counts().items())
    print(f"conformance: {len(run.repositories)} repositories ({counts}); wrote {path}", file=sys.stderr)
    return exit_code(run)


def run_org_merge(
    run_dirs: Sequence[str], out: str, db: str | None = None, no_history: bool = False, allow_incomplete: bool = False
) -> int:
    """Combine the shard files of a run into ``OUT/run.json`` (and the history); the run's exit code."""
    from conformance.org.merge import RUN_FILE, merge_shards, write_run
    from conformance.org.spool import RepositorySpool

    os.makedirs(out, exist_ok=True)
    with RepositorySpool(out) as spool:
        run = merge_shards(run_dirs, allow_incomplete, spool)
        path = os.path.join(out, RUN_FILE)
        write_run(run, path)
        if not no_history:
            _append_history(db, run)
        counts = ", ".join(f"{count} {status}" for status, count in run.counts().items())
        print(f"conformance: merged {len(run.repositories)} repositories ({counts}); wrote {path}", file=sys.stderr)
        return exit_code(run)
