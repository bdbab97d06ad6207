"""One repository's compliance at a glance: policy outcomes rolled up per profile, and the levels reached.

The summary view (``conformance scan --format summary``) and the org report count with these functions, so a
repository shows the same numbers in both. Suppressed, waived and baselined findings never fail a policy;
they are counted beside every number, never dropped.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from conformance.levels import Level, level_blockers
from conformance.org.results import BASELINED, POLICY_OUTCOMES, SUPPRESSED, WAIVED, PolicyOutcome

ACCEPTED = (SUPPRESSED, WAIVED, BASELINED)
"""Finding statuses that do not fail a policy but are shown beside its outcome."""


def _zero(keys: Iterable[str]) -> dict[str, int]:
    return dict.fromkeys(keys, 0)


@dataclass(frozen=True)
class Tally:
    """Policies by outcome (pass, fail, not-applicable, error) and accepted findings by status."""

    outcomes: Mapping[str, int] = field(default_factory=lambda: _zero(POLICY_OUTCOMES))
    accepted: Mapping[str, int] = field(default_factory=lambda: _zero(ACCEPTED))

    @property
    def policies(self) -> int:
        return sum(self.outcomes.values())

    def to_dict(self) -> dict[str, Any]:
        return {"policies": self.policies, **self.outcomes, **self.accepted}


def tally(outcomes: Iterable[PolicyOutcome]) -> Tally:
    by_outcome = _zero(POLICY_OUTCOMES)
    accepted = _zero(ACCEPTED)
    for outcome in outcomes:
        by_outcome[outcome.outcome] = by_outcome.get(outcome.outcome, 0) + 1
        for status in ACCEPTED:
            accepted[status] += outcome.counts.get(status, 0)
    return Tally(by_outcome, accepted)


@dataclass(frozen=True)
class ProfileTally:
    profile: str
    tally: Tally

    def to_dict(self) -> dict[str, Any]:
        return {"profile": self.profile, **self.tally.to_dict()}


@dataclass(frozen=True)
class LevelStatus:
    """A level of the config: reached (cumulatively) or not, and what keeps it from being reached."""

    name: str
    reached: bool
    blockers: tuple[str, ...]
    """Its own failing, erroring or unrun policies (empty for a level kept back only by one below it)."""

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "reached": self.reached, "blockers": list(self.blockers)}


@dataclass(frozen=True)
class RepositorySummary:
    """What the summary view shows for one scan and the org report for one repository."""

    policies: tuple[PolicyOutcome, ...]
    total: Tally
    profiles: tuple[ProfileTally, ...]
    levels: tuple[LevelStatus, ...] = ()
    level: str | None = None
    """The highest level reached (None: none, or no levels configured)."""

    @property
    def next_level(self) -> LevelStatus | None:
        """The lowest level not reached: what to work on next."""
        return next((status for status in self.levels if not status.reached), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "total": self.total.to_dict(),
            "level": self.level,
            "levels": [status.to_dict() for status in self.levels],
            "profiles": [profile.to_dict() for profile in self.profiles],
            "policies": [outcome.to_dict() for outcome in self.policies],
        }


def level_statuses(
    levels: Sequence[Level], outcomes: Mapping[str, str], profiles_of: Mapping[str, Sequence[str]]
) -> tuple[LevelStatus, ...]:
    """Each level with its blockers; a level is reached only when it and every level below have none."""
    statuses = []
    below = True
    for level in levels:
        blockers = level_blockers(level, outcomes, profiles_of)
        below = below and not blockers
        statuses.append(LevelStatus(level.name, below, blockers))
    return tuple(statuses)


def summarize_outcomes(
    outcomes: Sequence[PolicyOutcome], profiles_of: Mapping[str, Sequence[str]], levels: Sequence[Level] = ()
) -> RepositorySummary:
    """Roll policy outcomes up: in total, per profile (sorted; a policy counts in each of its profiles), and
    against the levels (lowest first)."""
    by_profile: dict[str, list[PolicyOutcome]] = {}
    for outcome in outcomes:
        for profile in profiles_of.get(outcome.policy_id, ()):
            by_profile.setdefault(profile, []).append(outcome)
    statuses = level_statuses(levels, {o.policy_id: o.outcome for o in outcomes}, profiles_of)
    reached = [status.name for status in statuses if status.reached]
    return RepositorySummary(
        policies=tuple(outcomes),
        total=tally(outcomes),
        profiles=tuple(ProfileTally(name, tally(members)) for name, members in sorted(by_profile.items())),
        levels=statuses,
        level=reached[-1] if reached else None,
    )
