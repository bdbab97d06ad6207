"""How a configuration is merged onto the one it extends, and what a parent's ``locked:`` forbids.

One function, :func:`merge`, holds every rule (the org scan overlays a repository's configuration on the
organisation's with it too):

- **lists** ``profiles``, ``enable``, ``disable``, ``exclude``, ``policy-paths``: union, parent entries first.
  ``disable`` is applied after ``enable`` wherever each was written: a child's ``disable`` turns off a policy
  the parent enabled, and a policy the parent disables stays off even if the child enables it.
- **maps** ``severity`` and ``options``: deep merge, the child wins on each leaf (a list inside
  an option is a leaf: the child's replaces the parent's).
- ``helm.values``: per chart directory, the child's list of values files replaces the parent's.
- ``workloads``: concatenated; a child entry for the same kind replaces the parent's.
- ``waivers``: concatenated, parents first; each keeps the file it was written in (reports and stale-waiver
  warnings name that file). Their ``paths`` are relative to the directory of the configuration the scan uses.
- **scalars** (``fail-on``, ``max-file-size``, ``policy-timeout``, ``inline-suppressions``) and the
  ``levels`` list as a whole: the child's value when it sets one, else the parent's.
  ``helm.require-rendering`` and ``kustomize.render`` are on when any file of the chain turns them on.
- **locks**: a file's ``locked:`` binds every file that extends it, directly or not, and a child cannot unlock.
  Locked, a child may not: ``disable`` any policy (nor narrow the selection with ``profiles`` or ``enable``
  when the parent selects every policy); lower a ``severity`` below the parent's (or, where the parent names
  none, below the policy's own); set ``inline-suppressions: true`` when the parent has it off; add
  ``waivers``; add ``exclude`` patterns; raise ``fail-on`` above the parent's; set ``options`` (an option can
  widen what a policy accepts, such as an allowed registry). A violation is a config error
  naming the key, the child file and the file that locked it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from typing import Any

from conformance.config import Config
from conformance.errors import ConfigError
from conformance.model import SEVERITY_RANK

LineOf = Callable[[tuple[Any, ...]], "int | None"]


def _union(*lists: Iterable[Any]) -> tuple[Any, ...]:
    return tuple(dict.fromkeys(item for items in lists for item in items))


def deep_merge(parent: Mapping[str, Any], child: Mapping[str, Any]) -> dict[str, Any]:
    """Mappings merged key by key, the child winning on every value that is not itself a mapping on both sides."""
    merged = dict(parent)
    for key, value in child.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _workloads(parent: Iterable[Mapping[str, Any]], child: Iterable[Mapping[str, Any]]) -> tuple[Any, ...]:
    replaced = {entry.get("kind") for entry in child}
    return (*(entry for entry in parent if entry.get("kind") not in replaced), *child)


class _Locks:
    """Checks a child's settings against the locks in force, with errors naming key, child and parent."""

    def __init__(self, parent: Config, child: Config, line_of: LineOf | None) -> None:
        self.parent, self.child, self.line_of = parent, child, line_of

    def refuse(self, key: str, path: tuple[Any, ...], what: str) -> ConfigError:
        line = self.line_of(path) if self.line_of else None
        shown = self.child.chain[-1] if self.child.chain else str(self.child.source)
        where = f"{shown}:{line}" if line else shown
        from conformance.config import key_text

        return ConfigError(
            f"{where}: key {key_text(path)}: {what}, but {key} is locked by {self.parent.locked[key]} "
            f"(extended as {' → '.join(self.parent.chain)})"
        )

    def check(self) -> tuple[tuple[str, str, str, str], ...]:
        """Raise on the first loosening; return the severity floors left to check against the catalog."""
        parent, child, locked = self.parent, self.child, self.parent.locked
        if "disable" in locked:
            if child.disable:
                raise self.refuse("disable", ("disable", 0), f"disables {child.disable[0]!r}")
            selections = (("profiles", child.profiles, parent.profiles), ("enable", child.enable, parent.enable))
            for key, mine, theirs in selections:
                if mine and not theirs:
                    raise self.refuse("disable", (key,), f"narrows the selection to {', '.join(mine)}")
        floors: list[tuple[str, str, str, str]] = []
        if "severity" in locked:
            for policy_id, severity in child.severity.items():
                before = parent.severity.get(policy_id)
                if before is None:
                    shown = child.chain[-1] if child.chain else str(child.source)
                    floors.append((policy_id, severity, shown, locked["severity"]))
                elif SEVERITY_RANK[severity] < SEVERITY_RANK[before]:
                    what = f"lowers {policy_id} from {before} to {severity}"
                    raise self.refuse("severity", ("severity", policy_id), what)
        loosened = child.inline_suppressions and not parent.inline_suppressions
        if "inline-suppressions" in locked and loosened and "inline-suppressions" in child.set_keys:
            raise self.refuse("inline-suppressions", ("inline-suppressions",), "turns inline suppressions on")
        if "waivers" in locked and child.waivers:
            raise self.refuse("waivers", ("waivers", 0), f"adds a waiver for {child.waivers[0].policy}")
        if "exclude" in locked and child.exclude:
            raise self.refuse("exclude", ("exclude", 0), f"excludes {child.exclude[0]!r}")
        if "options" in locked and child.options:
            policy_id = next(iter(child.options))
            raise self.refuse("options", ("options", policy_id), f"sets options of {policy_id}")
        raised = SEVERITY_RANK[child.fail_on] > SEVERITY_RANK[parent.fail_on]
        if "fail-on" in locked and "fail-on" in child.set_keys and raised:
            what = f"raises fail-on from {parent.fail_on} to {child.fail_on}"
            raise self.refuse("fail-on", ("fail-on",), what)
        return tuple(floors)


SCALARS = {
    "fail-on": "fail_on",
    "max-file-size": "max_file_size",
    "policy-timeout": "policy_timeout",
    "inline-suppressions": "inline_suppressions",
}


def check_locks(locking: Config, other: Config) -> tuple[tuple[str, str, str, str], ...]:
    """Raise when ``other`` loosens what ``locking`` locks (for files extended side by side: the locks of a later
    one bind the earlier ones too, so the order of an ``extends`` list cannot lift a lock); the severity floors
    left to check against the catalog."""
    return _Locks(locking, other, None).check() if locking.locked else ()


def merge(parent: Config, child: Config, line_of: LineOf | None = None) -> Config:
    """The child's configuration on top of its (already merged) parent; ``line_of`` finds a child key's line.

    The result has the child's ``source`` (its directory is the root of exclude patterns and waiver paths).
    """
    floors = _Locks(parent, child, line_of).check() if parent.locked else ()
    scalars = {field: getattr(child if key in child.set_keys else parent, field) for key, field in SCALARS.items()}
    return replace(
        child,
        profiles=_union(parent.profiles, child.profiles),
        enable=_union(parent.enable, child.enable),
        disable=_union(parent.disable, child.disable),
        severity={**parent.severity, **child.severity},
        options=deep_merge(parent.options, child.options),
        policy_paths=_union(parent.policy_paths, child.policy_paths),
        exclude=_union(parent.exclude, child.exclude),
        waivers=(*parent.waivers, *child.waivers),
        workloads=_workloads(parent.workloads, child.workloads),
        helm_values={**parent.helm_values, **child.helm_values},
        require_rendering=parent.require_rendering or child.require_rendering,
        render_kustomize=parent.render_kustomize or child.render_kustomize,
        chain=(*parent.chain, *child.chain),
        locked={**child.locked, **parent.locked},
        set_keys=parent.set_keys | child.set_keys,
        severity_floors=(*parent.severity_floors, *floors),
        levels=child.levels if "levels" in child.set_keys else parent.levels,
        level_places=child.level_places if "levels" in child.set_keys else parent.level_places,
        **scalars,
    )


def check_severity_floors(config: Config, defaults: Mapping[str, str]) -> None:
    """Severities set under a lock where no parent named the policy may not be below the policy's own."""
    for policy_id, severity, file, locker in config.severity_floors:
        default = defaults.get(policy_id)
        if default is not None and SEVERITY_RANK[severity] < SEVERITY_RANK[default]:
            raise ConfigError(
                f"{file}: key severity.{policy_id}: lowers {policy_id} from {default} (its own severity) to "
                f"{severity}, but severity is locked by {locker}"
            )
