"""A scanned repository's ``.conformance.yaml`` laid over the organisation's config: it may only tighten.

The organisation's config is the base. The repository may add policies (its ``profiles``/``enable`` select
policies that run *besides* the organisation's; its ``disable`` removes none of those), raise severities, set
options the organisation left unset, turn inline suppressions off, require chart rendering, and add waivers —
unless the organisation forbids repository waivers or inline suppressions. Its ``exclude``, ``policy-paths``,
``fail-on``, limits and Kustomize rendering are ignored: Python or YAML policies from a scanned tree never load.
Exclude and waiver paths are relative to the repository's root, for both files.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path as FsPath
from typing import Any

from conformance.catalog.policy import PolicyDefinition
from conformance.config import CONFIG_NAMES, Config
from conformance.model import SEVERITY_RANK


def _selected(definitions: Sequence[PolicyDefinition], config: Config, *, own: bool) -> dict[str, str]:
    """Policy id → severity of what ``config`` selects (a repository's config: only what it names)."""
    from conformance.catalog.select import configure

    if not own and not (config.profiles or config.enable):
        return {}
    policies = configure(
        definitions,
        profiles=config.profiles,
        enable=config.enable,
        disable=config.disable,
        severity=config.severity if own else {},
    )
    return {policy.id: policy.info.severity for policy in policies}


def _severities(base: Mapping[str, str], added: Mapping[str, str], repository: Config) -> dict[str, str]:
    severities = dict(base)
    for policy_id, severity in added.items():
        severities.setdefault(policy_id, severity)
    for policy_id, severity in repository.severity.items():
        current = severities.get(policy_id)
        if current is not None and SEVERITY_RANK[severity] > SEVERITY_RANK[current]:
            severities[policy_id] = severity
    return severities


def _options(org: Config, repository: Config) -> dict[str, dict[str, Any]]:
    options = {policy_id: dict(values) for policy_id, values in org.options.items()}
    for policy_id, values in repository.options.items():
        merged = options.setdefault(policy_id, {})
        for name, value in values.items():
            merged.setdefault(name, value)
    return options


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def overlay(
    org: Config,
    repository: Config | None,
    definitions: Sequence[PolicyDefinition],
    root: str,
    *,
    allow_waivers: bool = True,
    allow_inline: bool = True,
) -> Config:
    """The configuration a repository checked out at ``root`` is scanned with (see the module docstring).

    The result selects policies by exact id; ``definitions`` is the catalog both configs are read against
    (a selector or option naming an unknown policy raises ``ConfigError``)."""
    root = os.path.abspath(root)
    repo = repository or Config()
    base = _selected(definitions, org, own=True)
    added = _selected(definitions, repo, own=False)
    severities = _severities(base, added, repo)
    ids = sorted(severities)
    waivers = list(org.waivers)
    if allow_waivers:
        waivers.extend(repo.waivers)
    helm_values = dict(org.helm_values)
    for chart, files in repo.helm_values.items():
        if _inside(chart, root):
            helm_values.setdefault(chart, files)
    known_kinds = {entry.get("kind") for entry in org.workloads}
    return replace(
        org,
        source=repo.source if repository is not None else FsPath(root) / CONFIG_NAMES[0],
        profiles=(),
        enable=tuple(ids),
        disable=() if ids else tuple(d.id for d in definitions),
        severity=severities,
        options=_options(org, repo),
        inline_suppressions=org.inline_suppressions and allow_inline and repo.inline_suppressions,
        waivers=tuple(replace(waiver, index=index) for index, waiver in enumerate(waivers)),
        workloads=(*org.workloads, *(w for w in repo.workloads if w.get("kind") not in known_kinds)),
        helm_values=helm_values,
        require_rendering=org.require_rendering or repo.require_rendering,
    )
