"""Who owns a repository: the inventory's ``team``, else its Backstage ``catalog-info.yaml`` Component owner,
else the owners of its CODEOWNERS catch-all rule (``*``). Files are read inside the repository only."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

INVENTORY = "inventory"
CATALOG_INFO = "catalog-info"
CODEOWNERS = "codeowners"
CATALOG_FILES = ("catalog-info.yaml", "catalog-info.yml")
MAX_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Team:
    name: str | None
    source: str | None
    """``inventory``, ``catalog-info`` or ``codeowners`` (None: no owner found)."""


def owner_name(reference: str) -> str:
    """A Backstage owner reference as Backstage shows it: the default kind (``group``) and namespace
    (``default``) are dropped, any other kind is kept: ``group:default/team-a`` → ``team-a``,
    ``group:ops/sre`` → ``ops/sre``, ``user:default/jdoe`` → ``user:jdoe``."""
    reference = reference.strip()
    kind, colon, rest = reference.partition(":")
    if not colon or "/" in kind:
        kind, rest = "group", reference
    namespace, slash, name = rest.partition("/")
    if not slash:
        namespace, name = "default", rest
    shown = name if namespace.lower() == "default" else f"{namespace}/{name}"
    return shown if kind.lower() == "group" else f"{kind.lower()}:{shown}"


def _read(root: str, relative: str) -> str | None:
    from conformance.inputs import ReadRefusal, read_input

    path = os.path.join(root, relative)
    if not os.path.lexists(path):
        return None
    raw = read_input(path, MAX_BYTES, tree=root)
    if isinstance(raw, ReadRefusal):
        return None
    return raw.decode("utf-8", errors="replace")


def catalog_owner(root: str) -> str | None:
    """The ``spec.owner`` of the first Backstage Component in the repository's ``catalog-info.yaml``."""
    from conformance import yamlio

    for name in CATALOG_FILES:
        text = _read(root, name)
        if text is None:
            continue
        for document in yamlio.load(text).documents:
            data: Any = document.data
            if not isinstance(data, Mapping) or str(data.get("kind", "")).lower() != "component":
                continue
            spec = data.get("spec")
            owner = spec.get("owner") if isinstance(spec, Mapping) else None
            if isinstance(owner, str) and owner.strip():
                return owner_name(owner)
        return None
    return None


def codeowners_owner(root: str) -> str | None:
    """The owners of the last valid catch-all rule of the CODEOWNERS file GitHub uses, space-separated."""
    from conformance.targets.codeowners import LOCATIONS, parse

    for location in LOCATIONS:
        text = _read(root, location)
        if text is None:
            continue
        rules = [rule for rule in parse(text, location).rules if rule.valid and rule.catch_all and rule.owners]
        return " ".join(rules[-1].owners) if rules else None
    return None


def resolve_team(inventory_team: str | None, root: str | None) -> Team:
    """The team of a repository checked out at ``root`` (None: nothing to read), and where it came from."""
    if inventory_team:
        return Team(inventory_team, INVENTORY)
    if root is None:
        return Team(None, None)
    owner = catalog_owner(root)
    if owner:
        return Team(owner, CATALOG_INFO)
    owner = codeowners_owner(root)
    if owner:
        return Team(owner, CODEOWNERS)
    return Team(None, None)
