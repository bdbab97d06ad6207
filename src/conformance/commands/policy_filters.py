"""What ``conformance policies list`` (and ``policies docs``) know about a policy beyond its ``PolicyInfo``, and
the filters on it: target, severity, compliance framework.

Frameworks: a policy's ``frameworks`` metadata, when ``PolicyInfo`` carries one (a mapping framework ->
controls, or a sequence of framework names), is read by :func:`frameworks_of`. A framework defined as data
elsewhere (framework -> control -> policy ids) is passed to :func:`select` as ``framework_members``; both
sources are merged, so the filter works with whichever exists.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

from conformance.catalog.policy import KUBERNETES, PolicyDefinition
from conformance.errors import ConfigError, ConformanceError


def target_of(definition: PolicyDefinition) -> str:
    """The target a policy checks (``kubernetes``, ``yaml``, ``dockerfile``, ``repository``): the one its
    default build declares."""
    try:
        return definition.build(definition.defaults(), definition.info.severity).target
    except ConformanceError:  # a policy that cannot be built with its defaults still lists; a scan says why
        return KUBERNETES


def frameworks_of(info: Any) -> dict[str, tuple[str, ...]]:
    """``{framework: controls}`` from a policy's ``frameworks`` metadata, if it has any."""
    raw = getattr(info, "frameworks", None)
    if isinstance(raw, Mapping):
        return {str(name): tuple(str(c) for c in (controls or ())) for name, controls in raw.items()}
    if isinstance(raw, (list, tuple)):  # control keys as PolicyInfo holds them: ``pss-baseline:host-namespaces``
        grouped: dict[str, list[str]] = {}
        for key in raw:
            name, _, control = str(key).partition(":")
            grouped.setdefault(name, [])
            if control:
                grouped[name].append(control)
        return {name: tuple(controls) for name, controls in grouped.items()}
    return {}


def framework_index(
    definitions: Iterable[PolicyDefinition], framework_members: Mapping[str, Collection[str]] | None = None
) -> dict[str, frozenset[str]]:
    """``{framework: policy ids}`` from the policies' metadata and the given framework data."""
    index: dict[str, set[str]] = {name: set(ids) for name, ids in (framework_members or {}).items()}
    for definition in definitions:
        for name in frameworks_of(definition.info):
            index.setdefault(name, set()).add(definition.id)
    return {name: frozenset(ids) for name, ids in index.items()}


def select(
    definitions: Sequence[PolicyDefinition],
    *,
    profiles: Collection[str] = (),
    targets: Collection[str] = (),
    severities: Collection[str] = (),
    frameworks: Collection[str] = (),
    framework_members: Mapping[str, Collection[str]] | None = None,
) -> list[PolicyDefinition]:
    """The definitions every given filter keeps (each filter: any of its values). An unknown framework is a
    usage error naming the known ones."""
    members: frozenset[str] | None = None
    if frameworks:
        index = framework_index(definitions, framework_members)
        unknown = [name for name in frameworks if name not in index]
        if unknown:
            known = ", ".join(sorted(index)) or "none are defined"
            raise ConfigError(f"--framework {', '.join(unknown)}: unknown framework (known: {known})")
        members = frozenset().union(*(index[name] for name in frameworks))
    chosen = []
    for definition in definitions:
        info = definition.info
        if profiles and not set(profiles) & set(info.profiles):
            continue
        if severities and info.severity not in severities:
            continue
        if members is not None and definition.id not in members:
            continue
        if targets and target_of(definition) not in targets:
            continue
        chosen.append(definition)
    return chosen


def listing(definition: PolicyDefinition) -> dict[str, Any]:
    """A policy as ``policies list -f json`` shows it: its metadata, target, frameworks and options."""
    document = definition.info.to_dict()
    document["target"] = target_of(definition)
    frameworks = frameworks_of(definition.info)
    if frameworks:
        document["frameworks"] = {name: list(controls) for name, controls in frameworks.items()}
    document["options"] = {
        name: {key: spec[key] for key in ("default", "description", "schema") if key in spec}
        for name, spec in definition.option_specs.items()
    }
    return document
