"""``conformance policies list`` and ``conformance policies explain``."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path as FsPath

from conformance.catalog.discovery import build_catalog
from conformance.catalog.select import check_profiles, known_profiles
from conformance.config import resolve_config
from conformance.errors import ConfigError
from conformance.suppress.ids import unknown_policy_message


def run_list(
    profiles: Sequence[str] = (),
    config_path: str | None = None,
    policy_dirs: Sequence[str] = (),
    output_format: str = "table",
    targets: Sequence[str] = (),
    severities: Sequence[str] = (),
    frameworks: Sequence[str] = (),
) -> int:
    from conformance.commands.policy_filters import listing, select, target_of

    config = resolve_config(FsPath(config_path) if config_path else None, ["."])
    dirs = [(FsPath(d), True) for d in policy_dirs] + [(p, False) for p in config.policy_paths]
    catalog = build_catalog(dirs)
    check_profiles(profiles, known_profiles(catalog.definitions, bool(catalog.dormant_ids)), "--profile")
    from conformance.frameworks import load_frameworks, mapped_policies, with_frameworks

    data = load_frameworks()
    members = {name: mapped_policies([framework], data) for name, framework in data.items()}
    chosen = select(
        with_frameworks(catalog.definitions),
        profiles=profiles,
        targets=targets,
        severities=severities,
        frameworks=frameworks,
        framework_members=members,
    )
    if output_format == "json":
        json.dump([listing(definition) for definition in chosen], sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    from tabulate import tabulate

    rows = [(d.id, d.info.severity, target_of(d), ",".join(d.info.profiles), d.info.title) for d in chosen]
    print(tabulate(rows, headers=["id", "severity", "target", "profiles", "title"], tablefmt="simple"))
    return 0


def run_explain(policy_id: str, policy_dirs: Sequence[str] = ()) -> int:
    from conformance.frameworks import with_frameworks

    catalog = build_catalog([(FsPath(d), True) for d in policy_dirs])
    definition = next((d for d in with_frameworks(catalog.definitions) if d.id == policy_id), None)
    if definition is None:
        message = unknown_policy_message(policy_id, [d.id for d in catalog.definitions])
        raise ConfigError(f"{message}: see `conformance policies list`")
    info = definition.info
    out = [
        f"{info.id}: {info.title}",
        f"severity: {info.severity}   category: {info.category}   profiles: {', '.join(info.profiles) or '-'}",
        "",
        info.description,
    ]
    if info.frameworks:
        out += ["", f"Frameworks: {', '.join(info.frameworks)}"]
    if definition.option_specs:
        out += ["", "Options:"]
        for name, spec in definition.option_specs.items():
            default = json.dumps(spec.get("default"))
            out.append(f"  {name} (default {default}): {spec.get('description', '')}".rstrip())
    if info.fix:
        out += ["", "How to fix:", info.fix]
    if definition.example:
        out += ["", "Example:", definition.example.rstrip()]
    print("\n".join(out))
    return 0
