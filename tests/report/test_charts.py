"""Chart geometry: exact coordinates for the sample runs, and the edge cases (one run, nothing applicable)."""

from __future__ import annotations

from dataclasses import replace

from conformance.report.build import build_report
from conformance.report.charts import HEIGHT, levels_chart, trend_chart
from org_report_samples import TODAY, two_runs


def test_trend_chart_places_runs_left_to_right() -> None:
    report = build_report(two_runs(), TODAY)
    chart = trend_chart(report.trend)
    # 13/15 and 10/14 of the plot's height (200 - 12 top - 28 bottom = 160) from the top at y = 12
    assert [(dot.x, dot.y, dot.label) for dot in chart.dots] == [(44.0, 33.3, "run-1"), (624.0, 57.7, "run-2")]
    assert chart.line == "44.0,33.3 624.0,57.7"
    assert chart.ticks[0] == (172.0, "0%") and chart.ticks[-1] == (12.0, "100%")
    assert chart.dots[1].title == "run-2: 71.4% (10 of 14 pass; 1 suppressed, 1 waived, 1 baselined)"


def test_one_run_is_a_centred_dot_and_a_run_with_nothing_applicable_has_none() -> None:
    (point,) = build_report(two_runs()[-1:], TODAY).trend
    (dot,) = trend_chart([point]).dots
    assert dot.x == 334.0
    empty = replace(point, passed=0, applicable=0)
    assert trend_chart([empty, point]).dots[0].label == "run-2"
    assert len(trend_chart([empty, point]).dots) == 1
    assert HEIGHT == 200


def test_levels_chart_splits_each_team_by_level() -> None:
    report = build_report(two_runs(), TODAY)
    chart = levels_chart(report.teams, report.run.levels)
    bars = {bar.label: [(s.css, s.x, s.width) for s in bar.segments] for bar in chart.bars}
    assert bars == {
        "=cmd|' /C calc'!A0": [("level-1", 150.0, 474.0)],
        "payments": [("level-3", 150.0, 237.0), ("level-0", 387.0, 237.0)],
        "platform": [("level-2", 150.0, 237.0), ("not-scanned", 387.0, 237.0)],
    }
    assert chart.bars[2].segments[1].title == "(not scanned): 1 (gamma)"
    assert chart.legend[0] == ("level-0", "(none)") and chart.legend[-1] == ("not-scanned", "(not scanned)")
    assert chart.height == 12 + 3 * 26 + 28
