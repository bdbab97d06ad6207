"""The report as one self-contained HTML page: inline CSS, inline SVG charts, a small inline script for the
filters and the drill-down, and nothing fetched from anywhere.

The page is rendered by Jinja2 with autoescaping on (``templates/report.html.j2``, package data). The
Content-Security-Policy allows nothing but the page's own style and script, named by their SHA-256 hashes, so
markup that slipped through could still not run a script or load anything. The findings the drill-down shows
are embedded as JSON in a ``<script type="application/json">`` with ``<``, ``>``, ``&`` and U+2028/U+2029
escaped, and the script writes them with ``textContent`` only.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Sequence
from typing import IO, Any

from conformance.report.model import NO_LEVEL, NOT_SCANNED, Report

_SCRIPT_ESCAPES = (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029"))


def script_json(data: Any) -> str:
    """JSON that cannot end the ``<script>`` element it sits in, nor start a comment or an entity there."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    for char, escaped in _SCRIPT_ESCAPES:
        text = text.replace(char, escaped)
    return text


def _hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


def content_security_policy(style: str, script: str) -> str:
    return (
        f"default-src 'none'; style-src {_hash(style)}; script-src {_hash(script)}; "
        "img-src 'none'; base-uri 'none'; form-action 'none'"
    )


def _drill_data(report: Report) -> dict[str, Any]:
    keys = ("repository", "team", "policy_id", "severity", "status", "change", "file", "line", "resource",
            "message", "suppression_kind", "owner", "reason", "expires", "fingerprint")
    return {"findings": [{"id": f.id, **{key: getattr(f, key) for key in keys}} for f in report.findings]}


def to_html(report: Report) -> str:
    from jinja2 import Environment, PackageLoader, StrictUndefined
    from markupsafe import Markup

    from conformance.report.charts import levels_chart, trend_chart

    environment = Environment(
        loader=PackageLoader("conformance.report", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    assert environment.loader is not None
    style = environment.loader.get_source(environment, "report.css")[0]
    script = environment.loader.get_source(environment, "report.js")[0]
    statuses = {finding.id: finding.status for finding in report.findings}

    def only(ids: Sequence[str], *wanted: str) -> tuple[str, ...]:
        return tuple(finding_id for finding_id in ids if statuses.get(finding_id) in wanted)

    anchors = {row.id: f"repo-{index}" for index, row in enumerate(report.repositories, 1)}
    template = environment.get_template("report.html.j2")
    return template.render(
        report=report,
        csp=content_security_policy(style, script),
        style=Markup(style),
        script=Markup(script),
        data=Markup(script_json(_drill_data(report))),
        only=only,
        anchors=anchors,
        trend=trend_chart(report.trend),
        levels=levels_chart(report.teams, report.run.levels),
        NO_LEVEL=NO_LEVEL,
        NOT_SCANNED=NOT_SCANNED,
    )


def render(report: Report, stream: IO[str]) -> None:
    stream.write(to_html(report))
