"""Kubernetes label selectors as plain functions: which label sets a selector picks.

Two selector shapes exist in the Kubernetes API:

- the *equality map* of a Service or ReplicationController (``selector: {app: web}``): every pair must be
  present with the same value;
- the *label selector* of Deployments, PodDisruptionBudgets, NetworkPolicies and many others
  (``{matchLabels: {...}, matchExpressions: [...]}``): every ``matchLabels`` pair and every expression must
  hold. ``{}`` selects everything, a missing (None) selector selects nothing, as in ``policy/v1``.

A selector the API server would refuse (an unknown operator, ``In`` without values, ``Exists`` with values,
a value that is not a mapping) selects nothing here; :func:`selector_problems` says what is wrong with it.

Label values are compared as Kubernetes reads them after YAML-to-JSON conversion: strings, with a YAML
``true`` / ``1`` turned into ``"true"`` / ``"1"``, so a manifest that quotes a value on one side only
still matches.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")
"""The operators of a ``matchExpressions`` requirement."""


def label_text(value: Any) -> str:
    """A label key or value as the string Kubernetes sees (``True`` -> ``"true"``, ``None`` -> ``""``)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def normalize_labels(labels: Any) -> dict[str, str]:
    """A label mapping with string keys and values; anything that is not a mapping has no labels."""
    if not isinstance(labels, Mapping):
        return {}
    return {label_text(key): label_text(value) for key, value in labels.items()}


def map_matches(selector: Mapping[str, Any], labels: Mapping[str, Any]) -> bool:
    """Whether every ``key: value`` pair of an equality selector is among the labels.

    An empty map matches every label set; callers decide what an empty selector means for their kind
    (a Service without selector manages no endpoints at all).
    """
    have = normalize_labels(labels)
    return all(have.get(label_text(key)) == label_text(value) for key, value in selector.items())


def _expression_problem(index: int, expression: Any) -> str | None:
    where = f"matchExpressions[{index}]"
    if not isinstance(expression, Mapping):
        return f"{where} must be a mapping"
    key = expression.get("key")
    if key is None or label_text(key) == "":
        return f"{where} has no key"
    operator = expression.get("operator")
    if operator not in OPERATORS:
        return f"{where} has operator {operator!r}; expected one of {', '.join(OPERATORS)}"
    values = expression.get("values")
    if values is not None and not isinstance(values, list):
        return f"{where}.values must be a list"
    if operator in ("In", "NotIn") and not values:
        return f"{where} uses {operator} and needs at least one value"
    if operator in ("Exists", "DoesNotExist") and values:
        return f"{where} uses {operator} and must not have values"
    return None


def selector_problems(selector: Any) -> list[str]:
    """Why the API server would refuse a label selector; empty when it is valid (None is valid)."""
    if selector is None:
        return []
    if not isinstance(selector, Mapping):
        return ["a label selector must be a mapping"]
    problems: list[str] = []
    match_labels = selector.get("matchLabels")
    if match_labels is not None and not isinstance(match_labels, Mapping):
        problems.append("matchLabels must be a mapping")
    expressions = selector.get("matchExpressions")
    if expressions is not None and not isinstance(expressions, list):
        problems.append("matchExpressions must be a list")
    elif expressions:
        for index, expression in enumerate(expressions):
            problem = _expression_problem(index, expression)
            if problem is not None:
                problems.append(problem)
    return problems


def expression_matches(expression: Mapping[str, Any], labels: Mapping[str, Any]) -> bool:
    """Whether one valid ``matchExpressions`` requirement holds for the labels.

    ``In``: the key is present with one of the values. ``NotIn``: the key is absent or has none of the
    values. ``Exists`` / ``DoesNotExist``: the key is present / absent, whatever its value.
    """
    have = normalize_labels(labels)
    key = label_text(expression.get("key"))
    operator = expression.get("operator")
    values = {label_text(v) for v in expression.get("values") or ()}
    if operator == "In":
        return key in have and have[key] in values
    if operator == "NotIn":
        return key not in have or have[key] not in values
    if operator == "Exists":
        return key in have
    if operator == "DoesNotExist":
        return key not in have
    return False


def selects_everything(selector: Any) -> bool:
    """Whether a label selector is empty (``{}``, or only empty ``matchLabels``/``matchExpressions``)."""
    return (
        isinstance(selector, Mapping)
        and not selector.get("matchLabels")
        and not selector.get("matchExpressions")
        and not selector_problems(selector)
    )


def label_selector_matches(selector: Any, labels: Mapping[str, Any]) -> bool:
    """Whether a ``matchLabels`` / ``matchExpressions`` selector selects a label set.

    None selects nothing and ``{}`` selects everything (the ``policy/v1`` PodDisruptionBudget rules; other
    kinds require a selector anyway). An invalid selector selects nothing.
    """
    if selector is None or selector_problems(selector):
        return False
    match_labels = selector.get("matchLabels") or {}
    if not map_matches(match_labels, labels):
        return False
    expressions = selector.get("matchExpressions") or ()
    return all(expression_matches(expression, labels) for expression in expressions)
