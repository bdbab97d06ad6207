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
) -> int:
    config = resolve_config(FsPath(config_path) if config_path else None, ["."])
    dirs = [(FsPath(d), True) for d in policy_dirs] + [(p, False) for p in config.policy_paths]
    catalog = build_catalog(dirs)
    check_profiles(profiles, known_profiles(catalog.definitions, bool(catalog.dormant_ids)), "--profile")
    infos = [d.info for d in catalog.definitions if not profiles or set(profiles) & set(d.info.profiles)]
    if output_format == "json":
        json.dump([info.to_dict() for info in infos], sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    from tabulate import tabulate

    rows = [(i.id, i.severity, ",".join(i.profiles), i.title) for i in infos]
    print(tabulate(rows, headers=["id", "severity", "profiles", "title"], tablefmt="simple"))
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
