"""The organisation's configuration: an ordinary ``.conformance.yaml`` with ``levels:`` and an ``org:`` section
(gate, whether scanned repositories may waive or suppress, the fetch timeout)."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, replace
from pathlib import Path as FsPath
from typing import Any

from conformance.config import Config
from conformance.levels import Level
from conformance.org.documents import read_mapping, validate

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


def load_scan_config(path: str, what: str = "configuration", files: list[str] | None = None) -> Config:
    """A configuration file merged onto what it ``extends``, as a scan reads it (``files`` gets every file read).

    A scanned repository's ``levels`` and ``org`` keys are the organisation's business: its config is read
    without them (:func:`load_repository_config`)."""
    from conformance.config_extends import load_extended

    read_mapping(path, what)  # a clear error for a file that is not a YAML mapping, naming what it is
    return load_extended(FsPath(os.path.abspath(path)), files)


def load_repository_config(path: str) -> Config:
    """A scanned repository's own configuration (and what it extends), without organisation keys."""
    return replace(load_scan_config(path, "repository configuration"), levels=(), level_places={})


def load_settings(path: str | None) -> OrgSettings:
    """The org config at ``path`` (None: defaults, every built-in policy); ``ConfigError`` names key and line.

    Its ``levels`` are read as any config's are (:attr:`Config.levels`: unique names, and selectors checked
    against the catalog by :func:`conformance.planning.policies.check_levels`); what it ``extends`` is merged in
    (and locks it), and the digest covers every file of the chain."""
    if path is None:
        return OrgSettings(Config())
    data, node = read_mapping(path, "org configuration")
    validate(path, node, {"org": data["org"]} if "org" in data else {}, "org-config.schema.json")
    files: list[str] = []
    config = load_scan_config(path, "org configuration", files)
    org: dict[str, Any] = data.get("org", {})
    digest = hashlib.sha256()
    for file in files:  # content only: shards on other machines, with other paths, get the same digest
        with open(file, "rb") as handle:
            digest.update(hashlib.sha256(handle.read()).digest())
    return OrgSettings(
        config=config,
        levels=config.levels,
        gate=org.get("gate", "error"),
        allow_repository_waivers=org.get("allow-repository-waivers", True),
        allow_inline_suppressions=org.get("allow-inline-suppressions", True),
        timeout=float(org.get("timeout", DEFAULT_TIMEOUT)),
        digest=digest.hexdigest(),
    )
