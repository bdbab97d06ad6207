"""``conformance org merge``: the shard files of one run combined into ``run.json``. An incomplete set of shards,
or shards of different runs, tool versions or policy sets, is refused unless the caller allows it."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import replace

from conformance.errors import ConfigError
from conformance.org.results import RepositoryResult, RunResult, sorted_repositories
from conformance.org.shards import SHARD_FILE
from conformance.org.spool import RepositorySpool

RUN_FILE = "run.json"


def shard_files(paths: Sequence[str]) -> list[str]:
    """Every ``shard-I-of-N.json`` in the given directories (a file given is taken as it is)."""
    found: list[str] = []
    for path in paths:
        if os.path.isdir(path):
            names = sorted(name for name in os.listdir(path) if SHARD_FILE.match(name))
            if not names:
                raise ConfigError(f"{path}: no shard-I-of-N.json file in it")
            found.extend(os.path.join(path, name) for name in names)
        elif os.path.isfile(path):
            found.append(path)
        else:
            raise ConfigError(f"{path}: no such directory or file")
    return found


def read_shard(path: str) -> RunResult:
    from conformance.smallfiles import read_small_file

    try:
        return RunResult.from_dict(json.loads(read_small_file(path, 1024 * 1024 * 1024, "shard file")))
    except (ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"{path}: not a shard result file ({exc})") from None


def _differences(shards: Sequence[tuple[str, RunResult]]) -> list[str]:
    problems = []
    first_path, first = shards[0]
    for field in ("run_id", "tool_version", "policy_digest", "shard_count"):
        for path, shard in shards[1:]:
            if getattr(shard, field) != getattr(first, field):
                problems.append(f"{path} has {field} {getattr(shard, field)!r}, {first_path} {getattr(first, field)!r}")
                break
    return problems


def _missing(shards: Sequence[tuple[str, RunResult]]) -> list[str]:
    count = max(shard.shard_count for _, shard in shards)
    have: dict[int, str] = {}
    problems = []
    for path, shard in shards:
        if shard.shard_index in have:
            problems.append(f"shard {shard.shard_index} of {count} is given twice ({have[shard.shard_index]}, {path})")
        have[shard.shard_index] = path
    absent = [f"shard-{index}-of-{count}.json" for index in range(count) if index not in have]
    if absent:
        problems.append(f"missing {len(absent)} of {count} shards: {', '.join(absent)}")
    return problems


def merge_shards(
    paths: Sequence[str], allow_incomplete: bool = False, spool: RepositorySpool | None = None
) -> RunResult:
    """The run the shard files in ``paths`` make up (``ConfigError`` naming what is missing or mixed).

    With a ``spool``, the repositories go there as each shard is read (one shard in memory at a time)."""
    files = shard_files(paths)
    headers: list[tuple[str, RunResult]] = []
    repositories: list[RepositoryResult] = []
    seen: dict[str, str] = {}
    for path in files:
        shard = read_shard(path)
        for repository in shard.repositories:
            if repository.id in seen and seen[repository.id] != path:
                raise ConfigError(f"repository {repository.id!r} is in both {seen[repository.id]} and {path}")
            seen[repository.id] = path
            if spool is not None:
                spool.add(repository)
            else:
                repositories.append(repository)
        headers.append((path, replace(shard, repositories=())))
    problems = _differences(headers) + _missing(headers)
    if problems and not allow_incomplete:
        raise ConfigError("refusing to merge: " + "; ".join(problems) + " (--allow-incomplete merges anyway)")
    first = headers[0][1]
    return RunResult(
        run_id=first.run_id,
        started=min(shard.started for _, shard in headers),
        finished=max(shard.finished for _, shard in headers),
        tool_version=first.tool_version,
        policy_digest=first.policy_digest,
        shard_index=0,
        shard_count=1,
        levels=first.levels,
        gate=first.gate,
        repositories=spool if spool is not None else sorted_repositories(repositories),
    )


def write_run(run: RunResult, path: str) -> None:
    """Write a run (or shard) file atomically, one repository at a time."""
    from conformance.atomic import atomic_writer

    with atomic_writer(path) as handle:
        for chunk in run.json_chunks():
            handle.write(chunk)
