"""One repository of an org scan, start to end: fetch (or take the local path), find the team, reuse a stored
result or scan the checkout as untrusted, and return its :class:`RepositoryResult` — never an exception.

``scan_repository`` is a top-level function of a frozen, picklable task, so any executor (processes started
with ``spawn`` or ``forkserver``, a Dask cluster) can run it.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path as FsPath
from typing import TYPE_CHECKING

from conformance.org.inventory import InventoryEntry
from conformance.org.results import FAILED, REUSED, SCANNED, FindingRecord, RepositoryResult, redact_url

if TYPE_CHECKING:
    from conformance.catalog.discovery import Catalog

DEFAULT_TIMEOUT = 600.0


@dataclass(frozen=True)
class RepositoryTask:
    """What a worker needs to scan one repository (all plain values: it crosses process boundaries)."""

    entry: InventoryEntry
    cache_dir: str
    org_config: str | None = None
    """The organisation's config file (None: defaults)."""
    policy_digest: str = ""
    """Of the run's policy set and org config (see ``conformance.org.reuse.policy_digest``)."""
    timeout: float = DEFAULT_TIMEOUT
    """Seconds the fetch may take; git is killed after it."""
    reuse: bool = True


def failed(entry: InventoryEntry, reason: str, duration: float = 0.0, **fields: object) -> RepositoryResult:
    """The record of a repository that could not be scanned (the reason redacted)."""
    return RepositoryResult(
        id=entry.id,
        url=entry.display,
        status=FAILED,
        branch=entry.branch,
        team=entry.team,
        team_source="inventory" if entry.team else None,
        tags=dict(entry.tags),
        reason=redact_url(reason),
        exit_code=2,
        duration_seconds=duration,
        **fields,  # type: ignore[arg-type]
    )


def scan_repository(task: RepositoryTask) -> RepositoryResult:
    """The result of one repository; every failure is a ``failed`` result with its reason."""
    started = time.monotonic()
    try:
        return _run(task, started)
    except Exception as exc:  # the contract: an executor never sees a repository's exception
        reason = f"{type(exc).__name__}: {exc}" if not str(exc).startswith(type(exc).__name__) else str(exc)
        return failed(task.entry, f"internal error: {reason}", time.monotonic() - started)


def _checkout(task: RepositoryTask) -> tuple[str, str | None]:
    from conformance.org.clones import cache_path, fetch, local_commit

    entry = task.entry
    if entry.url is None:
        path = str(entry.path)
        return path, local_commit(path)
    checkout = fetch(entry.url, entry.branch, cache_path(task.cache_dir, entry.id), task.timeout)
    return checkout.path, checkout.commit


def _run(task: RepositoryTask, started: float) -> RepositoryResult:
    from conformance.errors import ConformanceError
    from conformance.org import reuse
    from conformance.org.clones import CloneError
    from conformance.org.teams import resolve_team

    entry = task.entry
    try:
        root, commit = _checkout(task)
    except (CloneError, OSError) as exc:
        return failed(entry, f"could not fetch: {exc}", time.monotonic() - started)
    team = resolve_team(entry.team, root)
    identity = {
        "url": entry.display,
        "branch": entry.branch,
        "commit": commit,
        "team": team.name,
        "team_source": team.source,
        "tags": dict(entry.tags),
    }
    if task.reuse and entry.url is not None and commit is not None:
        stored = reuse.lookup(task.cache_dir, entry.id, commit, task.policy_digest)
        if stored is not None:
            duration = time.monotonic() - started
            return replace(stored, status=REUSED, duration_seconds=duration, **identity)  # type: ignore[arg-type]
    try:
        result = _scan(task, root)
    except ConformanceError as exc:
        return replace(failed(entry, str(exc), time.monotonic() - started), **identity)  # type: ignore[arg-type]
    result = replace(result, duration_seconds=time.monotonic() - started, **identity)  # type: ignore[arg-type]
    if result.status == SCANNED and entry.url is not None:  # kept even with --no-reuse, for the next run
        reuse.store(task.cache_dir, result, task.policy_digest)
    return result


def repository_config(root: str) -> str | None:
    """The repository's own config file at its root (never one above it), if any."""
    from conformance.config import CONFIG_NAMES

    for name in CONFIG_NAMES:
        path = os.path.join(root, name)
        if os.path.lexists(path):
            return path
    return None


def _relative(record: FindingRecord, root: str) -> FindingRecord:
    if not record.file or record.file.startswith("<"):
        return record
    relative = os.path.relpath(os.path.abspath(record.file), root)
    if relative.startswith(os.pardir):
        return record
    return replace(record, file=relative.replace(os.sep, "/"))


@lru_cache(maxsize=4)
def _catalog(directories: tuple[tuple[str, bool], ...], digest: str) -> Catalog:
    """The policies of the run, loaded once per worker process (a new policy digest loads them again: a Dask
    worker outlives runs)."""
    from conformance.catalog.discovery import build_catalog

    return build_catalog([(FsPath(path), trusted) for path, trusted in directories], trust_local=False)


def _scan(task: RepositoryTask, root: str) -> RepositoryResult:
    """Scan the checkout with the overlaid configuration, as untrusted (no Python from the tree)."""
    from conformance.errors import ConfigError
    from conformance.levels import level_reached
    from conformance.org.outcomes import summarize
    from conformance.org.overlay import overlay
    from conformance.org.settings import load_repository_config, load_settings
    from conformance.planning.plan import ScanRequest, execute_scan, prepare_scan
    from conformance.planning.policies import policy_directories

    root = os.path.abspath(root)
    settings = load_settings(task.org_config)
    own = repository_config(root)
    repository = load_repository_config(own) if own else None
    directories = policy_directories(settings.config, (), [FsPath(root).resolve()], explicit_config=True)
    catalog = _catalog(tuple((str(path), trusted) for path, trusted in directories), task.policy_digest)
    try:
        config = overlay(
            settings.config,
            repository,
            catalog.definitions,
            root,
            allow_waivers=settings.allow_repository_waivers,
            allow_inline=settings.allow_inline_suppressions,
        )
    except ConfigError as exc:  # the org config was checked before the run: the repository's is wrong
        raise ConfigError(f"{os.path.basename(own or '.conformance.yaml')}: {exc}") from None
    request = ScanRequest(paths=(root,), resolved_config=config, catalog=catalog, jobs=1)
    prepared = prepare_scan(request, record_evaluations=True)
    result = execute_scan(prepared)
    outcomes, records = summarize(result)
    profiles_of = {d.id: d.info.profiles for d in prepared.catalog.definitions}
    level = level_reached(settings.levels, {o.policy_id: o.outcome for o in outcomes}, profiles_of)
    errors = [record for record in records if record.status == "error"]
    reason = None
    if result.errors:
        first = _relative(errors[0], root) if errors else None
        where = f"{first.file}:{first.line}: " if first and first.file else ""
        detail = f"{where}{first.policy_id}: {first.message}" if first else "scan error"
        reason = f"{len(result.errors)} scan error(s), first: {detail}"
    return RepositoryResult(
        id=task.entry.id,
        url=task.entry.display,
        status=FAILED if result.errors else SCANNED,
        reason=reason,
        exit_code=result.exit_code,
        level=level,
        policies=outcomes,
        findings=tuple(_relative(record, root) for record in records),
    )
