from __future__ import annotations

import io
import json

import pytest
from jsonschema import Draft202012Validator

from conformance.model import Finding, Location, PolicyInfo, ResourceId, ScanResult, ScanStats, make_fingerprint
from conformance.reporters.json_report import PRETTY_UP_TO, render
from conformance.store import store_of
from conftest import REPO

SCHEMA = json.loads((REPO / "src/conformance/schemas/report.schema.json").read_text())
POLICY = PolicyInfo("k8s/x", "X", "warning", "hygiene", ("hygiene",), "Describes x.", "Fix x.", "x.yaml")


def result_with(count: int) -> ScanResult:
    resource = ResourceId("Deployment", "web", "shop", "apps/v1")
    findings = [
        Finding(
            "k8s/x",
            "warning",
            f"message {i}",
            Location(f"f{i:04}.yaml", i + 1, 3, i + 1, 9),
            resource,
            "spec.replicas",
            make_fingerprint("k8s/x", f"f{i:04}.yaml", resource, "spec.replicas"),
        )
        for i in range(count)
    ]
    return ScanResult((POLICY,), store_of(findings), (), ScanStats(count, count, count, 0.5), "warning")


@pytest.mark.parametrize("count", [0, PRETTY_UP_TO, PRETTY_UP_TO + 1, 1500])
def test_small_and_streamed_reports_are_the_same_valid_document(count: int) -> None:
    stream = io.StringIO()
    render(result_with(count), stream)
    text = stream.getvalue()
    document = json.loads(text)
    Draft202012Validator(SCHEMA).validate(document)
    assert len(document["findings"]) == count
    assert document["summary"] == {
        "counts": {"error": 0, "warning": count, "note": 0},
        "suppressed": 0,
        "baselined": 0,
        "errors": 0,
        "fail_on": "warning",
        "exit_code": 1 if count else 0,
    }
    assert [f["location"]["file"] for f in document["findings"]] == [f"f{i:04}.yaml" for i in range(count)]
    assert text.count("\n") == (1 if count > PRETTY_UP_TO else text.count("\n"))
