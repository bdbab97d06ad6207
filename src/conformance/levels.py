"""Compliance levels (bronze, silver, gold, ...): named sets of policies, reached cumulatively.

A level is reached when every policy it selects passed (or had nothing to check) *and* every level below it
is reached, as Port and OpsLevel scorecards count. Suppressed, waived and baselined findings do not fail a
policy; they are counted and shown beside the level, never dropped. A policy a level names that the scan did
not run (disabled, or an unknown id) keeps the level from being reached: an unchecked standard is not met.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from conformance.model import selector_matches

PASSING = frozenset({"pass", "not-applicable"})


@dataclass(frozen=True)
class Level:
    """One level of the config's ``levels`` list: policy ids or prefixes, and profiles."""

    name: str
    policies: tuple[str, ...] = ()
    profiles: tuple[str, ...] = ()

    @classmethod
    def from_config(cls, data: Mapping[str, Any]) -> Level:
        return cls(
            name=str(data["name"]),
            policies=tuple(data.get("policies", ())),
            profiles=tuple(data.get("profiles", ())),
        )

    def selects(self, policy_id: str, profiles: Sequence[str], known_ids: frozenset[str]) -> bool:
        return any(selector_matches(policy_id, selector, known_ids) for selector in self.policies) or any(
            profile in self.profiles for profile in profiles
        )


def level_blockers(
    level: Level, outcomes: Mapping[str, str], profiles_of: Mapping[str, Sequence[str]]
) -> tuple[str, ...]:
    """The policies that keep ``level`` from being reached (sorted): failing, erroring, or not run."""
    known = frozenset(outcomes)
    selected = {policy_id for policy_id in outcomes if level.selects(policy_id, profiles_of.get(policy_id, ()), known)}
    missing = {selector for selector in level.policies if "/" in selector and selector not in known}
    missing = {m for m in missing if not any(selector_matches(p, m, known) for p in known)}
    failing = {policy_id for policy_id in selected if outcomes[policy_id] not in PASSING}
    return tuple(sorted(failing | missing))


def level_reached(
    levels: Sequence[Level], outcomes: Mapping[str, str], profiles_of: Mapping[str, Sequence[str]]
) -> str | None:
    """The highest level reached cumulatively (None: not even the first), from policy id → outcome."""
    reached: str | None = None
    for level in levels:
        if level_blockers(level, outcomes, profiles_of):
            break
        reached = level.name
    return reached
