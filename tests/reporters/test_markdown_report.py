from __future__ import annotations

import io

from reporter_samples import LABELS, POLICIES, PROBES, check_golden, empty_result, finding, sample_result

from conformance.model import Location, ScanResult, ScanStats
from conformance.reporters import ReportOptions, markdown
from conformance.store import store_of


def test_golden() -> None:
    stream = io.StringIO()
    markdown.render(sample_result(), stream)
    check_golden("sample.md", stream.getvalue())


def test_golden_with_links_to_the_commit() -> None:
    options = ReportOptions(link_base="https://github.com/acme/shop/blob/0123abc/")
    text = markdown.to_markdown(sample_result(fail_on="warning"), options)
    check_golden("sample-fail-on-warning.md", text)


def test_escaping() -> None:
    hostile = "a|b <img src=x onerror=alert(1)> *em* _u_ `code` [l](http://x) ~s~ $m$ \\ @team\nnext"
    escaped = markdown.escape(hostile)
    assert escaped == (
        "a\\|b &lt;img src=x onerror=alert(1)&gt; \\*em\\* \\_u\\_ \\`code\\` \\[l\\](http://x) \\~s\\~ \\$m\\$ "
        "\\\\ @\u200bteam next"
    )
    assert markdown.escape("nul\x00 esc\x1b[1m") == "nul\ufffd esc\ufffd\\[1m"


def test_verdicts() -> None:
    assert markdown.to_markdown(empty_result()).startswith(
        "### ✅ conformance: passed\n\nNo finding at or above the fail-on severity (`error`).\n"
    )
    warnings_only = ScanResult(
        POLICIES, store_of([finding(PROBES, "no probe", Location("a.yaml", 2, 1))]), (), ScanStats(files=1)
    )
    text = markdown.to_markdown(warnings_only)
    assert text.startswith("### ✅ conformance: passed\n\nNo finding at or above the fail-on severity (`error`). ")
    assert "1 finding below it is listed for information." in text
    assert "<details><summary>Warnings (1), below the fail-on severity</summary>" in text
    assert "Failing policies" not in text
    failing = markdown.to_markdown(sample_result(errors=()))
    assert failing.startswith("### ❌ conformance: failed\n\n2 findings at or above")


def test_stays_under_the_size_limit_with_a_note() -> None:
    many = [finding(PROBES, "x" * 200 + f" {i}", Location(f"k8s/{i:05}.yaml", 3, 1)) for i in range(2000)]
    many += [finding(LABELS, f"note {i}", Location(f"k8s/{i:05}.yaml", 1, 1)) for i in range(10)]
    result = ScanResult(POLICIES, store_of(many), (), ScanStats(files=2000), fail_on="warning")
    text = markdown.to_markdown(result)
    assert len(text.encode("utf-8")) < 60_000
    assert text.rstrip().endswith("The SARIF or JSON report lists them all._")
    shown = text.count("| warning | `k8s/readiness-probe` |")
    assert 100 < shown < 2000
    assert f"_{2010 - shown} more findings not listed" in text
    assert "<details>" not in text, "no section is opened once the budget is spent"


def test_truncation_closes_an_open_details_block() -> None:
    many = [finding(LABELS, "y" * 300 + f" {i}", Location(f"k8s/{i:04}.yaml", 1, 1)) for i in range(100)]
    text = markdown.to_markdown(ScanResult(POLICIES, store_of(many), (), ScanStats()), limit=8_000)
    assert len(text.encode("utf-8")) < 8_000
    assert text.count("<details>") == text.count("</details>") == 1
    assert "more findings not listed: this summary stays under 8 KB" in text


def test_locations_without_a_repository_file_are_plain_text() -> None:
    from conformance.reporters import STDIN_FILE

    piped = finding(PROBES, "no probe", Location(STDIN_FILE, 7, 1))
    whole = finding(PROBES, "no probe", Location("", 1, 1))
    text = markdown.to_markdown(ScanResult(POLICIES, store_of([piped, whole]), (), ScanStats()))
    assert "| `k8s/readiness-probe` | &lt;stdin&gt;:7 | no probe |" in text
    assert "| `k8s/readiness-probe` | .:1 | no probe |" in text
