"""The organisation's configuration: an ordinary ``.conformance.yaml`` with ``levels:`` and an ``org:`` section
(gate, whether scanned repositories may waive or suppress, the fetch timeout)."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path as FsPath
from typing import Any

from conformance.config import Config, parse_config
from conformance.levels import Level
from conformance.org.documents import read_mapping, validate

ORG_KEYS = ("levels", "org")
"""Keys only the organisation's config gives; a scanned repository's are ignored."""
DEFAULT_TIMEOUT = 600.0


@dataclass(frozen=True)
class OrgSettings:
    """The organisation's config, split into the scan configuration and the org-scan settings."""

    config: Config
    levels: tuple[Level, ...] = ()
    gate: str = "error"
    allow_repository_waivers: bool = True
    allow_inline_suppressions: bool = True
    timeout: float = DEFAULT_TIMEOUT
    digest: str = ""
    """sha256 of the file's bytes (empty without a file)."""


def load_scan_config(path: str, what: str = "configuration", keep_levels: bool = False) -> Config:
    """A configuration file without its organisation keys (``levels``, ``org``), validated as ``.conformance.yaml``;
    ``keep_levels``: the organisation's own file, whose ``levels`` the config parser reads and checks."""
    data, node = read_mapping(path, what)
    dropped = ("org",) if keep_levels else ORG_KEYS
    rest = {key: value for key, value in data.items() if key not in dropped}
    return parse_config(rest, FsPath(os.path.abspath(path)), node)


def load_settings(path: str | None) -> OrgSettings:
    """The org config at ``path`` (None: defaults, every built-in policy); ``ConfigError`` names key and line.

    Its ``levels`` are read as any config's are (:attr:`Config.levels`: unique names, and selectors checked
    against the catalog by :func:`conformance.planning.policies.check_levels`)."""
    if path is None:
        return OrgSettings(Config())
    data, node = read_mapping(path, "org configuration")
    validate(path, node, {"org": data["org"]} if "org" in data else {}, "org-config.schema.json")
    config = load_scan_config(path, "org configuration", keep_levels=True)
    org: dict[str, Any] = data.get("org", {})
    with open(path, "rb") as handle:
        digest = hashlib.sha256(handle.read()).hexdigest()
    return OrgSettings(
        config=config,
        levels=config.levels,
        gate=org.get("gate", "error"),
        allow_repository_waivers=org.get("allow-repository-waivers", True),
        allow_inline_suppressions=org.get("allow-inline-suppressions", True),
        timeout=float(org.get("timeout", DEFAULT_TIMEOUT)),
        digest=digest,
    )
