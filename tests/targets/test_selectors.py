from __future__ import annotations

from typing import Any

import pytest

from conformance.targets.selectors import (
    expression_matches,
    label_selector_matches,
    label_text,
    map_matches,
    normalize_labels,
    selector_problems,
    selects_everything,
)

POD = {"app.kubernetes.io/name": "web", "tier": "frontend", "track": "stable"}


@pytest.mark.parametrize(
    ("value", "expected"),
    [("web", "web"), (True, "true"), (False, "false"), (1, "1"), (1.5, "1.5"), (None, "")],
)
def test_label_text(value: Any, expected: str) -> None:
    assert label_text(value) == expected


def test_normalize_labels() -> None:
    assert normalize_labels({"enabled": True, "version": 2, "name": "web"}) == {
        "enabled": "true",
        "version": "2",
        "name": "web",
    }
    assert normalize_labels(None) == {}
    assert normalize_labels(["app", "web"]) == {}


def test_map_matches_requires_every_pair() -> None:
    assert map_matches({"app.kubernetes.io/name": "web"}, POD) is True
    assert map_matches({"app.kubernetes.io/name": "web", "tier": "frontend"}, POD) is True
    assert map_matches({"app.kubernetes.io/name": "web", "tier": "backend"}, POD) is False
    assert map_matches({"role": "web"}, POD) is False


def test_map_matches_empty_selector_matches_anything() -> None:
    assert map_matches({}, POD) is True
    assert map_matches({}, {}) is True


def test_map_matches_compares_as_strings() -> None:
    assert map_matches({"version": "1"}, {"version": 1}) is True
    assert map_matches({"canary": True}, {"canary": "true"}) is True
    assert map_matches({"canary": "True"}, {"canary": True}) is False


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ({"key": "tier", "operator": "In", "values": ["frontend", "edge"]}, True),
        ({"key": "tier", "operator": "In", "values": ["backend"]}, False),
        ({"key": "zone", "operator": "In", "values": ["a"]}, False),
        ({"key": "track", "operator": "NotIn", "values": ["canary"]}, True),
        ({"key": "track", "operator": "NotIn", "values": ["stable", "canary"]}, False),
        ({"key": "zone", "operator": "NotIn", "values": ["a"]}, True),
        ({"key": "tier", "operator": "Exists"}, True),
        ({"key": "zone", "operator": "Exists"}, False),
        ({"key": "zone", "operator": "DoesNotExist"}, True),
        ({"key": "tier", "operator": "DoesNotExist"}, False),
        ({"key": "tier", "operator": "Exists", "values": []}, True),
        ({"key": "tier", "operator": "Equals", "values": ["frontend"]}, False),
    ],
)
def test_expression_matches(expression: dict[str, Any], expected: bool) -> None:
    assert expression_matches(expression, POD) is expected


def test_expression_values_compare_as_strings() -> None:
    numbers = {"key": "version", "operator": "In", "values": [2, 3]}
    strings = {"key": "version", "operator": "In", "values": ["2"]}
    assert expression_matches(numbers, {"version": "2"}) is True
    assert expression_matches(strings, {"version": 2}) is True


def test_selector_problems_of_valid_selectors() -> None:
    assert selector_problems(None) == []
    assert selector_problems({}) == []
    assert selector_problems({"matchLabels": {"app": "web"}}) == []
    assert (
        selector_problems(
            {
                "matchLabels": {"app": "web"},
                "matchExpressions": [
                    {"key": "tier", "operator": "In", "values": ["a"]},
                    {"key": "track", "operator": "NotIn", "values": ["canary"]},
                    {"key": "zone", "operator": "Exists"},
                    {"key": "gpu", "operator": "DoesNotExist", "values": []},
                ],
            }
        )
        == []
    )


def test_selector_problems_of_invalid_selectors() -> None:
    assert selector_problems("app=web") == ["a label selector must be a mapping"]
    assert selector_problems({"matchLabels": ["app"]}) == ["matchLabels must be a mapping"]
    assert selector_problems({"matchExpressions": {"key": "app"}}) == ["matchExpressions must be a list"]
    assert selector_problems(
        {
            "matchExpressions": [
                "app",
                {"operator": "Exists"},
                {"key": "a", "operator": "Equals", "values": ["x"]},
                {"key": "b", "operator": "In", "values": "x"},
                {"key": "c", "operator": "In"},
                {"key": "d", "operator": "NotIn", "values": []},
                {"key": "e", "operator": "Exists", "values": ["x"]},
            ]
        }
    ) == [
        "matchExpressions[0] must be a mapping",
        "matchExpressions[1] has no key",
        "matchExpressions[2] has operator 'Equals'; expected one of In, NotIn, Exists, DoesNotExist",
        "matchExpressions[3].values must be a list",
        "matchExpressions[4] uses In and needs at least one value",
        "matchExpressions[5] uses NotIn and needs at least one value",
        "matchExpressions[6] uses Exists and must not have values",
    ]


def test_none_selector_matches_nothing() -> None:
    assert label_selector_matches(None, POD) is False
    assert label_selector_matches(None, {}) is False


def test_empty_selector_matches_everything() -> None:
    assert label_selector_matches({}, POD) is True
    assert label_selector_matches({}, {}) is True
    assert label_selector_matches({"matchLabels": {}, "matchExpressions": []}, POD) is True
    assert label_selector_matches({"matchLabels": None, "matchExpressions": None}, POD) is True


def test_match_labels_only() -> None:
    assert label_selector_matches({"matchLabels": {"app.kubernetes.io/name": "web"}}, POD) is True
    assert label_selector_matches({"matchLabels": {"app.kubernetes.io/name": "api"}}, POD) is False
    assert label_selector_matches({"matchLabels": {"app.kubernetes.io/name": "web"}}, {}) is False


def test_match_expressions_only() -> None:
    selector = {
        "matchExpressions": [
            {"key": "tier", "operator": "In", "values": ["frontend"]},
            {"key": "track", "operator": "NotIn", "values": ["canary"]},
        ]
    }
    assert label_selector_matches(selector, POD) is True
    assert label_selector_matches(selector, {**POD, "track": "canary"}) is False
    assert label_selector_matches(selector, {"tier": "frontend"}) is True


def test_match_labels_and_expressions_must_both_hold() -> None:
    selector = {
        "matchLabels": {"app.kubernetes.io/name": "web"},
        "matchExpressions": [{"key": "tier", "operator": "Exists"}],
    }
    assert label_selector_matches(selector, POD) is True
    assert label_selector_matches(selector, {"app.kubernetes.io/name": "web"}) is False
    assert label_selector_matches(selector, {"tier": "frontend"}) is False


def test_invalid_selector_matches_nothing() -> None:
    assert label_selector_matches({"matchExpressions": [{"key": "tier", "operator": "In"}]}, POD) is False
    assert label_selector_matches({"matchLabels": "app=web"}, POD) is False
    assert label_selector_matches(["app"], POD) is False


def test_selects_everything() -> None:
    assert selects_everything({}) is True
    assert selects_everything({"matchLabels": {}}) is True
    assert selects_everything(None) is False
    assert selects_everything({"matchLabels": {"app": "web"}}) is False
    assert selects_everything({"matchExpressions": [{"key": "a", "operator": "Exists"}]}) is False
    assert selects_everything({"matchExpressions": {}}) is False
