"""What a run reads beside manifests: files that file policies select, and the repositories repository
policies check."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from conformance.catalog.policy import Policy

if TYPE_CHECKING:
    from conformance.inputs import Excludes
    from conformance.targets.repo import Repository


def file_selector(policies: Sequence[Policy]) -> Callable[[str], bool] | None:
    """What a directory walk takes beside YAML and JSON: files some file policy selects (Dockerfiles)."""
    from conformance.targets.adapters import adapter_for

    file_policies = [p for p in policies if adapter_for(p.target).needs_files]
    if not file_policies:
        return None
    return lambda relative: any(p.applies_to_file(relative) for p in file_policies)


def repositories_of(
    paths: Sequence[str],
    policies: Sequence[Policy],
    base: str,
    plain_directories: bool = False,
    excludes: Excludes | None = None,
) -> list[Repository]:
    """Repository views for the scanned directories that are repository roots (when repository policies run).

    A directory is a repository root when it is the top of a git work tree: scanning ``k8s/`` inside a
    repository checks its manifests, not whether ``k8s/`` has a README. With ``plain_directories``
    (``--target repository``) every scanned directory is checked as a repository: one outside any work tree
    (an exported tree), and a directory inside one (a service of a monorepo, over the files git lists there).
    """
    from conformance.targets.adapters import REPOSITORY_FORMAT, adapter_for

    if not any(adapter_for(p.target).reads == REPOSITORY_FORMAT for p in policies):
        return []
    from conformance.inputs import display_path
    from conformance.targets.repo import is_repository_root, open_repository

    repositories = []
    seen: set[str] = set()
    for path in paths:
        real = os.path.realpath(path)
        if path == "-" or real in seen or not os.path.isdir(path):
            continue
        if not plain_directories and not is_repository_root(path):
            continue
        seen.add(real)
        repositories.append(open_repository(path, display_path(path, base) or ".", excludes))
    return repositories
