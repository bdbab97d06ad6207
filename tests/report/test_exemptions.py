"""Waivers and suppressions in the report: grouped with their findings, expiry counted from the report's day."""

from __future__ import annotations

from datetime import date

from conformance.report.build import build_report
from org_report_samples import TODAY, finding, outcomes, repository, run, two_runs


def test_waivers_and_suppressions_with_expiry() -> None:
    report = build_report(two_runs(), TODAY)
    table = [(e.state, e.days_left, e.repository, e.kind, e.policy_id, e.owner, e.expires, e.findings)
             for e in report.exemptions]
    assert table == [
        ("expired", -2, "delta", "waiver", "repo/readme", "bob", "2026-11-30", ("F8",)),
        ("expiring", 10, "alpha", "waiver", "k8s/no-host-network", "alice", "2026-12-12", ("F1",)),
        ("permanent", None, "beta", "inline", "repo/readme", None, None, ("F5",)),
        ("permanent", None, "delta", "baseline", "k8s/run-as-non-root", None, None, ("F7",)),
    ]


def test_a_waiver_still_in_force_at_scan_time_can_be_expired_on_the_report_day() -> None:
    later = build_report(two_runs(), date(2026, 12, 13))
    alpha = next(e for e in later.exemptions if e.repository == "alpha")
    assert (alpha.state, alpha.days_left) == ("expired", -1)
    far = build_report(two_runs(), date(2026, 11, 1))
    alpha = next(e for e in far.exemptions if e.repository == "alpha")
    assert (alpha.state, alpha.days_left) == ("active", 41)


def test_an_unreadable_expiry_is_shown_as_unknown() -> None:
    odd = run("r1", "2026-11-01", (
        repository("solo", "t", "bronze", outcomes(p1="pass"), (
            finding("s1", "k8s/no-host-network", "waived", suppression_kind="waiver", expires="someday"),
        )),
    ))
    (exemption,) = build_report([odd], TODAY).exemptions
    assert (exemption.state, exemption.days_left, exemption.expires) == ("unknown", None, "someday")


def test_an_expired_waiver_notice_that_does_not_parse_keeps_its_message() -> None:
    odd = run("r1", "2026-11-01", (
        repository("solo", "t", None, outcomes(p1="pass"), (
            finding("n1", "conformance/expired-waiver", message="the waiver <b>w</b> lapsed", resource=""),
        )),
    ))
    (exemption,) = build_report([odd], TODAY).exemptions
    assert (exemption.state, exemption.policy_id, exemption.reason, exemption.findings) == (
        "expired", "", "the waiver <b>w</b> lapsed", ("F1",)
    )
