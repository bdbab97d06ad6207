"""Kubernetes objects are read as go-yaml v2 and sigs.k8s.io/yaml read them; other YAML keeps PyYAML's 1.1 reading.

One row per line of the README's table ("What is read, and how"): the value written, what Kubernetes reads,
and what PyYAML alone reads (what conformance read before, and still reads for files that are not objects).
"""

from __future__ import annotations

import math
from typing import Any

import pytest

from conformance import goyaml, yamlio
from conformance.model import PARSE_ERROR
from k8s_scan import scan_text

_UNREADABLE = object()

ROWS: list[tuple[str, Any, Any]] = [
    # (written, Kubernetes, PyYAML YAML 1.1)
    ("y", True, "y"),
    ("Y", True, "Y"),
    ("n", False, "n"),
    ("N", False, "N"),
    ("0o17", 15, "0o17"),
    ("0O17", 15, "0O17"),
    ("0B101", 5, "0B101"),
    ("0X1F", 31, "0X1F"),
    ("08", 8, "08"),
    ("0999", 999, "0999"),
    ("1e3", 1000, "1e3"),
    ("+.5", 0.5, "+.5"),
    ("80.0", 80, 80.0),
    ("0.0", 0, 0.0),
    ("1:30", "1:30", 90),
    ("1:30.5", "1:30.5", 90.5),
    ("=", "=", _UNREADABLE),
    # the same in both
    ("yes", True, True),
    ("Off", False, False),
    ("0644", 420, 420),
    ("0x1F", 31, 31),
    ("0b101", 5, 5),
    ("1_000", 1000, 1000),
    ("+80", 80, 80),
    ("-0b11", -3, -3),
    ("1.5", 1.5, 1.5),
    ("~", None, None),
    ("2024-01-02", "2024-01-02", "2024-01-02"),
    ("100m", "100m", "100m"),
    ("'y'", "y", "y"),
    ('"0o17"', "0o17", "0o17"),
]


def _kubernetes_value(written: str) -> Any:
    result = yamlio.load(f"apiVersion: v1\nkind: ConfigMap\nvalue: {written}\n")
    assert result.problems == ()
    return result.documents[0].data["value"]


@pytest.mark.parametrize(("written", "kubernetes", "pyyaml"), ROWS, ids=[row[0] for row in ROWS])
def test_kubernetes_objects_read_scalars_as_kubernetes_does(written: str, kubernetes: Any, pyyaml: Any) -> None:
    value = _kubernetes_value(written)
    assert value == kubernetes
    assert type(value) is type(kubernetes)


@pytest.mark.parametrize(("written", "kubernetes", "pyyaml"), ROWS, ids=[row[0] for row in ROWS])
def test_other_yaml_keeps_the_yaml_1_1_reading(written: str, kubernetes: Any, pyyaml: Any) -> None:
    result = yamlio.load(f"value: {written}\n")
    if pyyaml is _UNREADABLE:  # PyYAML alone has no constructor for YAML 1.1's "value" type: read as a string
        assert result.documents[0].data == {"value": written}
        return
    assert result.documents[0].data == {"value": pyyaml}
    assert type(result.documents[0].data["value"]) is type(pyyaml)


def test_nan_and_infinity_stay_floats() -> None:
    # Kubernetes cannot turn them into JSON and refuses the document; policies see a float
    assert math.isnan(_kubernetes_value(".nan"))
    assert _kubernetes_value("-.inf") == -math.inf


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("9223372036854775807", 2**63 - 1),
        ("18446744073709551615", 2**64 - 1),  # ParseUint
        ("-9223372036854775809", None),  # beyond int64: a float for go-yaml
        ("0x", None),
        ("0o8", None),
        ("+0x10", 16),
        ("-0o7", -7),
    ],
)
def test_go_parse_int(text: str, expected: int | None) -> None:
    assert goyaml.go_parse_int(text) == expected


def test_a_float_too_large_for_json_integers_stays_a_float() -> None:
    assert goyaml.json_number(1e21) == 1e21
    assert goyaml.json_number(1e20) == 10**20


def test_only_a_document_with_api_version_and_kind_is_an_object() -> None:
    stream = "apiVersion: v1\nkind: Pod\nx: y\n---\nkind: Pod\nx: y\n---\n- apiVersion: v1\n  kind: Pod\n  x: y\n"
    documents = yamlio.load(stream).documents
    assert [d.data for d in documents] == [
        {"apiVersion": "v1", "kind": "Pod", "x": True},
        {"kind": "Pod", "x": "y"},
        [{"apiVersion": "v1", "kind": "Pod", "x": "y"}],
    ]


def test_list_items_are_read_as_objects_too() -> None:
    data = yamlio.load("apiVersion: v1\nkind: List\nitems:\n  - {apiVersion: v1, kind: Pod, x: N}\n").documents[0].data
    assert data["items"][0]["x"] is False


def _workload(container: str, spec: str = "") -> str:
    return (
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n"
        + spec
        + "  containers:\n    - name: app\n      image: registry.example.com/app:1.0\n"
        + container
    )


@pytest.mark.parametrize(
    ("text", "policy_id", "line"),
    [
        (_workload("      securityContext:\n        privileged: y\n"), "k8s/no-privileged-containers", 10),
        (_workload("", "  hostNetwork: Y\n"), "k8s/no-host-network", 6),
        (_workload("", "  hostPID: on\n"), "k8s/no-host-pid", 6),
        (
            _workload("      securityContext:\n        runAsNonRoot: true\n        runAsUser: 0o0\n"),
            "k8s/run-as-non-root",
            11,
        ),
        (
            _workload("      securityContext:\n        runAsNonRoot: true\n        runAsUser: 0.0\n"),
            "k8s/run-as-non-root",
            11,
        ),
        (_workload("      ports:\n        - containerPort: 80\n          hostPort: 0o120\n"), "k8s/no-host-ports", 11),
    ],
)
def test_go_yaml_spellings_are_caught(text: str, policy_id: str, line: int) -> None:
    assert scan_text(text, (policy_id,)) == {(policy_id, line)}


@pytest.mark.parametrize(
    ("text", "policy_id"),
    [
        (_workload("      securityContext:\n        allowPrivilegeEscalation: n\n"), "k8s/no-privilege-escalation"),
        (_workload("      securityContext:\n        readOnlyRootFilesystem: Y\n"), "k8s/read-only-root-filesystem"),
        (_workload("      ports:\n        - containerPort: 80\n          hostPort: 0o0\n"), "k8s/no-host-ports"),
    ],
)
def test_go_yaml_spellings_pass(text: str, policy_id: str) -> None:
    assert scan_text(text, (policy_id,)) == set()


def test_a_plain_equals_sign_is_a_string_not_a_parse_error() -> None:
    found = scan_text(_workload("      args: [=]\n"))
    assert not [f for f in found if f[0] == PARSE_ERROR]


def test_keys_of_an_object_are_json_strings_and_still_located() -> None:
    text = "apiVersion: v1\nkind: ConfigMap\ndata:\n  8080: a\n  y: b\n  off: c\n  1.5: d\n  0o17: e\n  '9': f\n"
    document = yamlio.load(text).documents[0]
    assert document.data["data"] == {"8080": "a", "true": "b", "false": "c", "1.5": "d", "15": "e", "9": "f"}
    lines = {key: yamlio.locate(document.node, ("data", key)).line for key in document.data["data"]}
    assert lines == {"8080": 4, "true": 5, "false": 6, "1.5": 7, "15": 8, "9": 9}


def test_keys_of_other_yaml_keep_their_yaml_1_1_types() -> None:
    assert yamlio.load("on: {push: }\n8: x\n").documents[0].data == {True: {"push": None}, 8: "x"}


@pytest.mark.parametrize(
    ("key", "text"),
    [(True, "true"), (False, "false"), (8080, "8080"), (-3, "-3"), (1.5, "1.5"), (0.1, "0.1"), (1e-7, "1e-07"),
     (math.inf, ".inf"), (-math.inf, "-.inf"), ("s", "s"), (None, None)],
)  # fmt: skip
def test_json_key(key: Any, text: str | None) -> None:
    assert goyaml.json_key(key) == text
