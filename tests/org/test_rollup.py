"""Rolling policy outcomes up per profile and against cumulative levels."""

from __future__ import annotations

from conformance.levels import Level, level_reached
from conformance.org.results import PolicyOutcome
from conformance.org.rollup import LevelStatus, Tally, level_statuses, summarize_outcomes, tally

OUTCOMES = (
    PolicyOutcome("k8s/a", "error", "pass", 3, {"suppressed": 2}),
    PolicyOutcome("k8s/b", "error", "fail", 3, {"fail": 1, "waived": 1}),
    PolicyOutcome("k8s/c", "warning", "not-applicable"),
    PolicyOutcome("repo/d", "warning", "error", 1, {"error": 1, "baselined": 4}),
)
PROFILES = {"k8s/a": ("baseline",), "k8s/b": ("baseline", "restricted"), "k8s/c": ("reliability",)}


def test_tally_counts_policies_and_accepted_findings() -> None:
    assert tally(OUTCOMES) == Tally(
        {"pass": 1, "fail": 1, "not-applicable": 1, "error": 1}, {"suppressed": 2, "waived": 1, "baselined": 4}
    )
    assert tally(()).to_dict() == {
        "policies": 0,
        "pass": 0,
        "fail": 0,
        "not-applicable": 0,
        "error": 0,
        "suppressed": 0,
        "waived": 0,
        "baselined": 0,
    }


def test_profiles_count_each_policy_in_each_of_its_profiles() -> None:
    summary = summarize_outcomes(OUTCOMES, PROFILES)
    assert [(p.profile, p.tally.policies, dict(p.tally.outcomes)) for p in summary.profiles] == [
        ("baseline", 2, {"pass": 1, "fail": 1, "not-applicable": 0, "error": 0}),
        ("reliability", 1, {"pass": 0, "fail": 0, "not-applicable": 1, "error": 0}),
        ("restricted", 1, {"pass": 0, "fail": 1, "not-applicable": 0, "error": 0}),
    ]
    assert dict(summary.profiles[0].tally.accepted) == {"suppressed": 2, "waived": 1, "baselined": 0}
    assert summary.levels == () and summary.level is None and summary.next_level is None


def test_levels_are_cumulative() -> None:
    outcomes = {o.policy_id: o.outcome for o in OUTCOMES}
    levels = (
        Level("bronze", ("k8s/a", "k8s/c")),  # pass + not-applicable: reached
        Level("silver", (), ("restricted",)),  # k8s/b fails
        Level("gold", ("k8s/c",)),  # its own policy passes, but silver is not reached
        Level("platinum", ("k8s/zz",)),  # a policy that did not run blocks
    )
    assert level_statuses(levels, outcomes, PROFILES) == (
        LevelStatus("bronze", True, ()),
        LevelStatus("silver", False, ("k8s/b",)),
        LevelStatus("gold", False, ()),
        LevelStatus("platinum", False, ("k8s/zz",)),
    )
    summary = summarize_outcomes(OUTCOMES, PROFILES, levels)
    assert summary.level == "bronze" == level_reached(levels, outcomes, PROFILES)  # what the org runner records
    assert summary.next_level == LevelStatus("silver", False, ("k8s/b",))
    assert summary.to_dict()["levels"][2] == {"name": "gold", "reached": False, "blockers": []}
