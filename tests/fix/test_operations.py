"""Fix operations on plain data: RFC 6902's add / replace / remove / test, with parents created by add."""

from __future__ import annotations

import pytest

from conformance.errors import PolicyDefinitionError
from conformance.fix.operations import (
    NotApplicable,
    Operation,
    apply,
    holds,
    operations_from_spec,
    parse_pointer,
)


def test_add_creates_missing_parent_mappings_and_replaces_null_ones() -> None:
    data = {"name": "web", "securityContext": None}
    result = apply(data, [Operation("add", ("securityContext", "capabilities", "drop"), ["ALL"])])
    assert result == {"name": "web", "securityContext": {"capabilities": {"drop": ["ALL"]}}}
    assert data == {"name": "web", "securityContext": None}  # the input is never changed


def test_add_to_a_sequence_with_dash_appends_or_creates_it() -> None:
    path = ("securityContext", "capabilities", "drop", "-")
    assert apply({"securityContext": {"capabilities": {"drop": ["NET_RAW"]}}}, [Operation("add", path, "ALL")]) == {
        "securityContext": {"capabilities": {"drop": ["NET_RAW", "ALL"]}}
    }
    assert apply({}, [Operation("add", path, "ALL")]) == {"securityContext": {"capabilities": {"drop": ["ALL"]}}}


def test_add_places_a_new_key_after_another_and_keeps_the_place_of_an_existing_one() -> None:
    workflow = {"name": "ci", True: {"push": None}, "jobs": {}}
    added = apply(workflow, [Operation("add", ("permissions",), {"contents": "read"}, after=True)])
    assert list(added) == ["name", True, "permissions", "jobs"]
    again = apply(added, [Operation("add", ("permissions",), {"contents": "write"}, after="name")])
    assert list(again) == ["name", True, "permissions", "jobs"] and again["permissions"] == {"contents": "write"}
    missing_anchor = apply({"a": 1}, [Operation("add", ("b",), 2, after="zzz")])
    assert list(missing_anchor) == ["a", "b"]


def test_replace_and_remove_need_the_target() -> None:
    assert apply({"hostNetwork": True}, [Operation("replace", ("hostNetwork",), False)]) == {"hostNetwork": False}
    with pytest.raises(NotApplicable, match="'hostNetwork' does not exist"):
        apply({}, [Operation("replace", ("hostNetwork",), False)])
    assert apply({"a": 1, "b": 2}, [Operation("remove", ("a",))]) == {"b": 2}
    with pytest.raises(NotApplicable):
        apply({"b": 2}, [Operation("remove", ("a",))])
    with pytest.raises(NotApplicable, match="the parent of the target is not a mapping"):
        apply({"a": "text"}, [Operation("add", ("a", "b"), 1)])


def test_pointer_steps_are_indices_in_sequences() -> None:
    data = {"containers": [{"name": "a"}, {"name": "b"}]}
    assert apply(data, [Operation("add", ("containers", "1", "image"), "x")])["containers"][1] == {
        "name": "b",
        "image": "x",
    }
    assert apply(data, [Operation("remove", ("containers", "0"))]) == {"containers": [{"name": "b"}]}
    with pytest.raises(NotApplicable, match="out of range"):
        apply(data, [Operation("replace", ("containers", "5"), {})])


def test_test_compares_values_strictly_or_checks_absence() -> None:
    assert holds({"a": True}, Operation("test", ("a",), True))
    assert not holds({"a": 1}, Operation("test", ("a",), True))  # 1 is not true
    assert holds({"a": {}}, Operation("test", ("a", "b"), absent=True))
    assert not holds({"a": {"b": None}}, Operation("test", ("a", "b"), absent=True))
    with pytest.raises(NotApplicable, match="test of a does not hold"):
        apply({"a": 2}, [Operation("test", ("a",), 1), Operation("add", ("b",), 1)])


def test_pointers_and_specs() -> None:
    assert parse_pointer("/metadata/annotations/a~1b~0c", "here") == ("metadata", "annotations", "a/b~c")
    assert parse_pointer("", "here") == ()
    with pytest.raises(PolicyDefinitionError, match="here: path 'a/b' is not a JSON Pointer"):
        parse_pointer("a/b", "here")
    specs = [{"op": "test", "path": "/x", "absent": True}, {"op": "add", "path": "/x", "value": 1, "after": "y"}]
    assert operations_from_spec(specs, "autofix.operations") == (
        Operation("test", ("x",), None, None, True),
        Operation("add", ("x",), 1, "y"),
    )
    with pytest.raises(PolicyDefinitionError, match=r"autofix.operations.0: a replace operation needs a value"):
        operations_from_spec([{"op": "replace", "path": "/x"}], "autofix.operations")
    with pytest.raises(PolicyDefinitionError, match="a test operation needs a value or absent: true"):
        operations_from_spec([{"op": "test", "path": "/x"}], "autofix.operations")
    with pytest.raises(PolicyDefinitionError, match="cannot replace the selected node itself"):
        operations_from_spec([{"op": "add", "path": "", "value": 1}], "autofix.operations")


def test_moved_puts_the_selected_node_before_the_path() -> None:
    operation = Operation("add", ("securityContext", "runAsNonRoot"), True)
    assert operation.moved(("spec", "containers", 0)).path == (
        "spec",
        "containers",
        0,
        "securityContext",
        "runAsNonRoot",
    )
