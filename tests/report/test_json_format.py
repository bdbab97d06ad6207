"""The JSON report: exact (golden), valid against its schema, and a faithful copy of the report."""

from __future__ import annotations

import io
import json
from pathlib import Path

import jsonschema
import pytest

from conformance.report import json_format
from conformance.report.build import build_report
from org_report_samples import IMG, SCRIPT, TODAY, check_golden, latest_run, two_runs

SCHEMA = json.loads(
    (Path(json_format.__file__).parent.parent / "schemas" / "org-report.schema.json").read_text(encoding="utf-8")
)


def _render(runs) -> str:
    stream = io.StringIO()
    json_format.render(build_report(runs, TODAY), stream)
    return stream.getvalue()


def test_golden() -> None:
    check_golden("org-report.json", _render(two_runs()))


@pytest.mark.parametrize("runs", [two_runs(), [latest_run()]], ids=["two runs", "one run"])
def test_valid_against_the_schema(runs) -> None:
    data = json.loads(_render(runs))
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.FormatChecker()).validate(data)


def test_the_schema_is_strict() -> None:
    data = json.loads(_render(two_runs()))
    data["overall"]["extra"] = 1
    with pytest.raises(jsonschema.ValidationError, match="extra"):
        jsonschema.validate(data, SCHEMA)


def test_every_id_named_anywhere_is_a_finding() -> None:
    data = json.loads(_render(two_runs()))
    ids = {finding["id"] for finding in data["findings"]}
    named = set(data["overall"]["findings"]) | set(data["changes"]["fixed_findings"])
    for row in data["repositories"]:
        named |= set(row["score"]["findings"]) | set(row["new_findings"])
    for exemption in data["exemptions"]:
        named |= set(exemption["findings"])
    assert named == ids == {f"F{n}" for n in range(1, 10)}


def test_hostile_text_is_kept_as_data() -> None:
    text = _render(two_runs())
    finding = next(f for f in json.loads(text)["findings"] if f["id"] == "F4")
    assert finding["resource"] == f"Deployment/default/{SCRIPT}"
    assert finding["message"] == f"image tag {IMG} is mutable"
