"""The HTML report without a browser: self-contained, escaped, its CSP hashes right, every drill-down known."""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re

import pytest

from conformance.report.build import build_report
from conformance.report.html_format import content_security_policy, script_json, to_html
from org_report_samples import IMG, SCRIPT, TODAY, latest_run, two_runs


@pytest.fixture(scope="module")
def page() -> str:
    return to_html(build_report(two_runs(), TODAY))


def _data(page: str) -> dict:
    match = re.search(r'<script type="application/json" id="report-data">(.*?)</script>', page, re.S)
    assert match is not None
    return json.loads(match.group(1))


def test_script_json_cannot_leave_its_element() -> None:
    value = {"m": "</script><!-- & \u2028\u2029 '\""}
    text = script_json(value)
    assert text == '{"m":"\\u003c/script\\u003e\\u003c!-- \\u0026 \\u2028\\u2029 \'\\""}'
    assert json.loads(text) == value


def test_hostile_names_are_escaped_in_markup_and_data(page: str) -> None:
    assert SCRIPT not in page and IMG not in page
    assert html.escape(SCRIPT, quote=False) in page
    assert html.escape(IMG, quote=False) in page
    data = _data(page)
    by_id = {finding["id"]: finding for finding in data["findings"]}
    assert by_id["F4"]["resource"] == f"Deployment/default/{SCRIPT}"
    assert [finding["id"] for finding in data["findings"]] == [f"F{n}" for n in range(1, 10)]
    assert page.count("<script") == 2


def test_self_contained(page: str) -> None:
    assert not re.search(r"<(link|img|iframe|object|embed|base)\b", page)
    assert not re.search(r"<[^>]*\ssrc\s*=", page)  # a tag with a src attribute (escaped text has no "<")
    assert "@import" not in page and "url(" not in page
    assert not re.search(r"(href|action)=\"(https?:|//)", page)


def test_the_policy_allows_exactly_the_inline_style_and_script(page: str) -> None:
    style = re.search(r"<style>(.*?)</style>", page, re.S).group(1)
    script = re.search(r"<script>(.*?)</script>", page, re.S).group(1)
    meta = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', page).group(1)
    policy = html.unescape(meta)
    assert policy == content_security_policy(style, script)
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in policy
    assert policy.startswith("default-src 'none'; ")
    assert "unsafe" not in policy


def test_every_drill_down_names_known_findings(page: str) -> None:
    known = {finding["id"] for finding in _data(page)["findings"]}
    drills = re.findall(r'data-findings="([^"]*)" data-label="([^"]*)"', page)
    assert len(drills) > 30
    for ids, label in drills:
        assert ids and set(ids.split(" ")) <= known, label
    labels = {html.unescape(label): ids for ids, label in drills}
    assert labels["All repositories: active findings"] == "F3 F4 F6 F8 F9"
    assert labels["All repositories: waived findings"] == "F1"
    assert labels["Fixed since run-1"] == "F2"
    assert labels["k8s/run-as-non-root · delta"] == "F6 F7"


def test_sections_and_charts(page: str) -> None:
    for section in ("summary", "drill", "teams", "repositories", "policies", "changes", "exemptions",
                    "unscannable", "findings"):
        assert f'<section id="{section}"' in page
    assert page.count('<circle class="dot"') == 2
    assert '<tr class="exemption-expiring">' in page and "expires in 10 days" in page
    assert '<tr class="exemption-expired">' in page


def test_one_run_renders_without_changes() -> None:
    page = to_html(build_report([latest_run()], TODAY))
    assert "No previous run to compare with." in page
    assert page.count('<circle class="dot"') == 1
    assert "<polyline" not in page
