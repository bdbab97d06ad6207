"""Results kept for reuse: a repository at a commit already scanned with the same policy set and org config is
not scanned again. One small JSON file per repository in ``CACHE_DIR/results`` (each task writes only its own)."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence

from conformance.catalog.policy import PolicyDefinition
from conformance.org.results import RepositoryResult

RESULTS_DIR = "results"


def policy_digest(definitions: Sequence[PolicyDefinition], org_config_digest: str) -> str:
    """sha256 of the tool version, every policy's id and source bytes, and the org config's bytes."""
    from conformance import __version__

    digest = hashlib.sha256(f"conformance {__version__}\n".encode())
    for definition in sorted(definitions, key=lambda d: d.id):
        source = str(definition.info.source or "")
        try:
            with open(source, "rb") as handle:
                content = hashlib.sha256(handle.read()).hexdigest()
        except OSError:
            content = "unreadable"
        digest.update(f"{definition.id} {content}\n".encode())
    digest.update(f"org-config {org_config_digest}\n".encode())
    return digest.hexdigest()


def _entry_path(cache_dir: str, repository_id: str) -> str:
    name = hashlib.sha256(repository_id.encode()).hexdigest()[:32]
    return os.path.join(cache_dir, RESULTS_DIR, f"{name}.json")


def lookup(cache_dir: str, repository_id: str, commit: str, digest: str) -> RepositoryResult | None:
    """The stored result of this repository at this commit with this policy digest, or None."""
    try:
        with open(_entry_path(cache_dir, repository_id), encoding="utf-8") as handle:
            stored = json.load(handle)
        if (stored.get("id"), stored.get("commit"), stored.get("digest")) != (repository_id, commit, digest):
            return None
        return RepositoryResult.from_dict(stored["result"])
    except (OSError, ValueError, KeyError, TypeError):
        return None  # none yet, or unreadable: scan again


def store(cache_dir: str, result: RepositoryResult, digest: str) -> None:
    """Keep a scanned result for the next run (atomically; a failure to write only costs a rescan)."""
    from conformance.atomic import write_atomic

    if result.commit is None:
        return
    path = _entry_path(cache_dir, result.id)
    entry = {"id": result.id, "commit": result.commit, "digest": digest, "result": result.to_dict()}
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        write_atomic(path, json.dumps(entry, sort_keys=True))
    except OSError:
        pass
