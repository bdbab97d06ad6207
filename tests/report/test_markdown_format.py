"""The Markdown report: exact (golden), and nothing from a repository can add markup."""

from __future__ import annotations

from conformance.report.build import build_report
from conformance.report.markdown_format import score_text, to_markdown
from org_report_samples import TODAY, check_golden, latest_run, two_runs


def test_golden() -> None:
    check_golden("org-report.md", to_markdown(build_report(two_runs(), TODAY)))


def test_one_run_says_there_is_nothing_to_compare() -> None:
    text = to_markdown(build_report([latest_run()], TODAY))
    assert "\n## Changes\n\nNo previous run to compare with.\n" in text
    assert "Compared with" not in text


def test_scores_show_exemptions_beside_them() -> None:
    report = build_report(two_runs(), TODAY)
    assert score_text(report.overall) == (
        "71.4% (10 of 14 pass, 2 not applicable) · 5 active · 1 suppressed · 1 waived · 1 baselined"
    )


def test_repository_text_cannot_add_markup() -> None:
    text = to_markdown(build_report(two_runs(), TODAY))
    assert "<script>" not in text and "<img" not in text
    assert "Deployment/default/&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "legacy \\| host \\*networking\\*" in text  # a reason cannot split a table cell or add emphasis
    assert "=cmd\\|' /C calc'!A0" in text
    for line in text.splitlines():
        if line.startswith("| F4 |"):
            assert line.count(" | ") == 8  # nine cells: nothing added a column
