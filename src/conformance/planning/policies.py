"""Which policies a run loads and trusts: policy directories, trust of Python from the scanned tree, the
targets a run can meet (packs it cannot meet stay dormant), and the findings for policies left unrun."""

from __future__ import annotations

import os
from collections.abc import Collection, Sequence
from pathlib import Path as FsPath

from conformance.catalog.discovery import Catalog, build_catalog
from conformance.catalog.policy import Policy
from conformance.catalog.select import check_profiles, check_selectors, configure, known_profiles
from conformance.config import Config
from conformance.errors import ConfigError
from conformance.model import UNTRUSTED_POLICY, Finding, Location


def inside_any(path: FsPath, roots: Sequence[FsPath]) -> bool:
    resolved = path.resolve()
    return any(resolved == root or root in resolved.parents for root in roots)


def scanned_trees(paths: Sequence[str]) -> list[FsPath]:
    """The trees a scan reads, which the scanned repository controls: each scanned directory (a file's own
    directory) and the git work tree holding it. A config file named on the command line from inside one of
    them (``--config=evil.yaml`` as a committed file name) is no more trusted than a discovered one."""
    from conformance.inputs import git_root

    trees: list[FsPath] = []
    for path in paths:
        directory = os.path.abspath(path if os.path.isdir(path) else os.path.dirname(os.path.abspath(path)))
        trees.append(FsPath(directory).resolve())
        work_tree = git_root(directory)
        if work_tree is not None:
            trees.append(FsPath(work_tree).resolve())
    return trees


def policy_directories(
    config: Config, cli_dirs: Sequence[str], scan_roots: Sequence[FsPath], explicit_config: bool
) -> list[tuple[FsPath, bool]]:
    """Policy directories with their trust: a directory inside a scanned tree, or named by a config file
    found in the scanned tree, is not trusted to run Python."""
    dirs = [(FsPath(d), not inside_any(FsPath(d), scan_roots)) for d in cli_dirs]
    for path in config.policy_paths:
        dirs.append((path, explicit_config and not inside_any(path, scan_roots)))
    return dirs


def load_policies(
    config: Config,
    *,
    policy_dirs: Sequence[str] = (),
    scan_roots: Sequence[FsPath] = (),
    explicit_config: bool = False,
    trust_local: bool = False,
    profiles: Sequence[str] = (),
    enable: Sequence[str] = (),
    disable: Sequence[str] = (),
    targets: Sequence[str] | None = None,
    catalog: Catalog | None = None,
) -> tuple[Catalog, tuple[Policy, ...]]:
    """The catalog (``catalog``, else the one found and loaded) and the configured policies of a run
    (command-line selections win over the config)."""
    if catalog is None:
        catalog = build_catalog(
            policy_directories(config, policy_dirs, scan_roots, explicit_config),
            trust_local=trust_local,
            targets=targets,
        )
    ids = [*(d.id for d in catalog.definitions), *catalog.dormant_ids]
    if config.severity_floors:
        from conformance.config_merge import check_severity_floors

        check_severity_floors(config, {d.id: d.info.severity for d in catalog.definitions})
    check_profiles(profiles, known_profiles(catalog.definitions, bool(catalog.dormant_ids)), "--profile")
    check_selectors(enable, ids, "--policy")
    check_selectors(disable, ids, "--skip-policy")
    check_levels(config, ids, known_profiles(catalog.definitions, bool(catalog.dormant_ids)))
    policies = configure(
        catalog.definitions,
        profiles=profiles or config.profiles,
        enable=enable or config.enable,
        disable=(*config.disable, *disable),
        severity=config.severity,
        options=config.options,
        dormant=catalog.dormant_ids,
    )
    return catalog, policies


def check_levels(config: Config, ids: Sequence[str], profiles: Collection[str]) -> None:
    """Every policy selector and profile of the config's ``levels`` must name something the catalog knows (a
    level over a misspelt id could never be reached): the error names the key and its line."""
    from conformance.catalog.select import matches
    from conformance.suppress.ids import unknown_profile_message, unknown_selector_message

    for index, level in enumerate(config.levels):
        problems = [
            ("policies", number, unknown_selector_message(selector, ids))
            for number, selector in enumerate(level.policies)
            if not any(matches(policy_id, selector) for policy_id in ids)
        ]
        problems += [
            ("profiles", number, unknown_profile_message(profile, profiles))
            for number, profile in enumerate(level.profiles)
            if profile not in profiles
        ]
        if problems:
            key, number, message = problems[0]
            where = f"levels[{index}].{key}[{number}]"
            place = config.level_places.get(where, str(config.source))
            raise ConfigError(f"{place}: key {where}: {message}")


def possible_targets(paths: Sequence[str], changed_since: str | None = None) -> list[str]:
    """The targets a run over these paths can meet, as each target's adapter tells (Kubernetes always; a
    repository and its Dockerfiles and workflows when a directory is scanned; Dockerfiles and workflows when
    such files are named)."""
    from conformance.targets.adapters import ADAPTERS

    named = [(path, os.path.isdir(path)) for path in paths if path != "-"]
    diff_aware = changed_since is not None
    return sorted(
        adapter.name
        for adapter in ADAPTERS
        if adapter.walks_manifests or any(adapter.meets(path, is_dir, diff_aware) for path, is_dir in named)
    )


def untrusted_findings(catalog: Catalog) -> list[Finding]:
    from conformance.engine.findings import notice_finding
    from conformance.inputs import display_path
    from conformance.model import Origin

    findings = []
    message = "Python policy not run: it comes from the scanned tree; pass --trust-local-policies to run it"
    for found in catalog.untrusted:
        display = display_path(str(found.path), os.getcwd())
        origin = Origin(display, display)
        findings.append(notice_finding(UNTRUSTED_POLICY, "warning", message, Location(display), "", origin))
    return findings
