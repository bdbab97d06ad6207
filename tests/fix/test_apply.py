"""Applying a file's plan: the read-back check that guards every write, and fixes refused one by one."""

from __future__ import annotations

from conformance.fix.apply import _readback_problem, apply_file
from conformance.fix.operations import Operation
from conformance.fix.plan import FilePlan, Fix
from conformance.model import Finding, Location


def _finding(policy: str) -> Finding:
    return Finding(policy, "error", "m", Location("f.yaml"))


def test_the_read_back_check_names_what_differs() -> None:
    assert _readback_problem("a: 1\n", [{"a": 1}], ()) == ""
    assert (
        _readback_problem("a: 2\n", [{"a": 1}], ())
        == "document 1 would not read back as the fix intends (please report this)"
    )
    assert (
        _readback_problem("a: 1\n---\nb: 1\n", [{"a": 1}], ())
        == "the edited text would hold another number of documents"
    )
    assert _readback_problem("a: [1\n", [{"a": 1}], ()).startswith(
        "the edited text would not read cleanly (invalid YAML"
    )
    assert _readback_problem("a: 1\na: 1\n", [{"a": 1}], ()).startswith(
        "the edited text would not read cleanly (duplicate"
    )


def test_a_refused_fix_does_not_stop_the_others_of_its_document() -> None:
    text = "a: &x {k: 1}\nb: *x\nc: true\n"
    fixes = (
        Fix(_finding("acme/one"), (Operation("add", ("a", "z"), 2),), 0),
        Fix(_finding("acme/two"), (Operation("replace", ("c",), False),), 0),
        Fix(_finding("acme/three"), (Operation("replace", ("missing",), 1),), 0),
    )
    result = apply_file(FilePlan("f.yaml", "f.yaml", "yaml", text, False, fixes), {})
    assert result.text == "a: &x {k: 1}\nb: *x\nc: false\n"
    assert [f.policy_id for f in result.applied] == ["acme/two"]
    assert [(u.finding.policy_id, u.reason) for u in result.refused] == [
        ("acme/one", "the change would also change the other users of anchor &x (at line 1): fix it by hand"),
        ("acme/three", "'missing' does not exist"),
    ]


def test_a_document_index_that_is_not_there_is_refused() -> None:
    plan = FilePlan(
        "f.yaml", "f.yaml", "yaml", "a: 1\n", False, (Fix(_finding("acme/x"), (Operation("add", ("b",), 1),), 3),)
    )
    result = apply_file(plan, {})
    assert result.text == "a: 1\n" and [u.reason for u in result.refused] == ["its document is not found again"]
