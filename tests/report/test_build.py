"""build_report: every number of the report, exactly, from two runs built by hand."""

from __future__ import annotations

from dataclasses import replace

import pytest

from conformance.report.build import build_report
from conformance.report.model import LevelChange, Offender
from org_report_samples import (
    FORMULA_TEAM,
    TODAY,
    finding,
    latest_run,
    outcomes,
    previous_run,
    repository,
    run,
    two_runs,
)


@pytest.fixture(scope="module")
def report():
    return build_report(two_runs(), TODAY)


def test_overall_score_counts_pairs_and_shows_exemptions(report) -> None:
    overall = report.overall
    # alpha 3 pass + 1 n/a; beta 2 pass, 2 fail; delta 2 pass, 1 fail, 1 n/a; epsilon 3 pass, 1 fail
    assert (overall.passed, overall.failed, overall.not_applicable) == (10, 4, 2)
    assert overall.percent == "71.4%"
    assert (overall.active, overall.suppressed, overall.waived, overall.baselined) == (5, 1, 1, 1)
    # every finding of the latest run is behind it; F2 is the fixed one of the previous run
    assert overall.findings == ("F1", "F3", "F4", "F5", "F6", "F7", "F8", "F9")
    assert overall.to_dict()["rate"] == 0.7143


def test_trend_has_one_point_per_run(report) -> None:
    first, second = report.trend
    assert (first.run_id, first.passed, first.applicable, first.scanned, first.unscannable) == ("run-1", 13, 15, 4, 0)
    assert first.levels == (("bronze", 1), ("silver", 1), ("gold", 2), ("(none)", 0))
    assert (second.passed, second.applicable, second.suppressed, second.waived, second.baselined) == (10, 14, 1, 1, 1)
    assert second.levels == (("bronze", 1), ("silver", 1), ("gold", 1), ("(none)", 1))


def test_repositories_levels_and_changes(report) -> None:
    rows = {row.id: row for row in report.repositories}
    assert [row.id for row in report.repositories] == ["alpha", "beta", "delta", "epsilon", "gamma"]
    summary = {
        name: (row.level, row.previous_level, row.level_change, row.score.percent, row.failing_policies)
        for name, row in rows.items()
    }
    assert summary == {
        "alpha": ("gold", "silver", "up", "100.0%", ()),
        "beta": (None, "bronze", "down", "50.0%", ("k8s/no-host-network", "repo/codeowners")),
        "delta": ("bronze", None, "new", "66.7%", ("k8s/run-as-non-root",)),
        "epsilon": ("silver", "gold", "down", "75.0%", ("repo/codeowners",)),
        "gamma": (None, "gold", "", "n/a", ()),
    }
    assert rows["alpha"].new_findings == ("F1",) and rows["alpha"].fixed_findings == ("F2",)
    assert rows["beta"].new_findings == ("F4", "F5")
    assert rows["gamma"].reason == "clone failed: <img src=x onerror=alert(2)>"
    assert rows["gamma"].outcomes == ()
    pair = next(p for p in rows["delta"].outcomes if p.policy_id == "k8s/run-as-non-root")
    assert (pair.outcome, pair.fail, pair.baselined, pair.findings) == ("fail", 1, 1, ("F6", "F7"))
    assert [r.id for r in report.unscannable] == ["gamma"]


def test_teams_with_repositories_per_level(report) -> None:
    teams = {team.name: team for team in report.teams}
    assert list(teams) == [FORMULA_TEAM, "payments", "platform"]
    buckets = {name: {b.level: b.repositories for b in team.levels if b.repositories} for name, team in teams.items()}
    assert buckets == {
        FORMULA_TEAM: {"bronze": ("delta",)},
        "payments": {"gold": ("alpha",), "(none)": ("beta",)},
        "platform": {"silver": ("epsilon",), "(not scanned)": ("gamma",)},
    }
    assert [b.level for b in teams["payments"].levels] == ["bronze", "silver", "gold", "(none)", "(not scanned)"]
    assert (teams["payments"].score.passed, teams["payments"].score.applicable) == (5, 7)
    assert teams["payments"].failing_policies == ("k8s/no-host-network", "repo/codeowners")
    assert (teams["platform"].score.passed, teams["platform"].score.applicable) == (3, 4)


def test_policies_worst_first_with_offenders(report) -> None:
    table = [(p.policy_id, p.score.percent, p.failing_repositories) for p in report.policies]
    assert table == [
        ("repo/codeowners", "33.3%", ("beta", "epsilon")),
        ("k8s/no-host-network", "75.0%", ("beta",)),
        ("k8s/run-as-non-root", "75.0%", ("delta",)),
        ("repo/readme", "100.0%", ()),
    ]
    by_id = {p.policy_id: p for p in report.policies}
    assert by_id["k8s/run-as-non-root"].worst_offenders == (Offender("delta", 1, ("F6", "F7")),)
    assert by_id["k8s/no-host-network"].score.waived == 1
    assert by_id["repo/readme"].score.suppressed == 1


def test_changes_since_the_previous_run(report) -> None:
    changes = report.changes
    assert changes.previous_run_id == "run-1" and changes.comparable
    assert changes.new_findings == ("F1", "F4", "F5", "F6", "F7", "F8", "F9")
    assert changes.fixed_findings == ("F2",)
    fixed = report.findings[1]
    assert (fixed.id, fixed.fingerprint, fixed.repository, fixed.change) == ("F2", "a1", "alpha", "fixed")
    assert changes.level_changes == (
        LevelChange("alpha", "silver", "gold", "up"),
        LevelChange("beta", "bronze", None, "down"),
        LevelChange("epsilon", "gold", "silver", "down"),
    )
    assert changes.newly_failing == ("epsilon",)
    assert changes.newly_unscannable == ("gamma",)
    assert [f.change for f in report.findings if f.repository == "beta"] == ["existing", "new", "new"]


def test_one_run_has_no_changes() -> None:
    report = build_report([latest_run()], TODAY)
    assert report.previous is None and report.changes is None
    assert {row.level_change for row in report.repositories} == {""}
    assert {f.change for f in report.findings} == {""}
    assert len(report.trend) == 1


def test_no_runs_is_an_error() -> None:
    with pytest.raises(ValueError, match="no runs"):
        build_report([], TODAY)


def test_a_new_policy_digest_is_not_comparable_and_unknown_levels_just_change() -> None:
    old = previous_run()
    renamed = replace(
        old, repositories=tuple(replace(r, level="platinum") if r.id == "alpha" else r for r in old.repositories)
    )
    new = replace(latest_run(), policy_digest="sha256:def")
    report = build_report([renamed, new], TODAY)
    assert not report.changes.comparable
    assert report.changes.level_changes[0] == LevelChange("alpha", "platinum", "gold", "changed")


def test_a_repository_unscannable_before_is_not_compared() -> None:
    before = run("r1", "2026-11-01", (repository("solo", None, None, (), status="failed", reason="timeout"),))
    after = run("r2", "2026-11-02", (
        repository("solo", None, "bronze", outcomes(p1="fail"), (finding("s1", "k8s/no-host-network"),)),
    ))
    report = build_report([before, after], TODAY)
    (row,) = report.repositories
    assert (row.team, row.level_change, row.previous_level, row.new_findings) == ("(no team)", "", None, ())
    assert report.changes.new_findings == () and report.changes.newly_failing == ()
    assert report.changes.level_changes == ()
