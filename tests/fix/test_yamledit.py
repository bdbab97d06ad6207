"""Surgical YAML edits: only the edited nodes change, in the file's own style, and the result reads back as the
data plus the operations (through :func:`conformance.fix.apply.apply_file`, which checks exactly that)."""

from __future__ import annotations

import pytest

from conformance.fix import yamledit, yamltree
from conformance.fix.apply import FileResult, apply_file
from conformance.fix.operations import Operation
from conformance.fix.plan import FilePlan, Fix
from conformance.model import Finding, Location

FINDING = Finding("k8s/example", "error", "m", Location("f.yaml"))


def _fix(text: str, *operations: Operation, document: int = 0) -> FileResult:
    plan = FilePlan("f.yaml", "f.yaml", "yaml", text, False, (Fix(FINDING, tuple(operations), document),))
    return apply_file(plan, {})


def _fixed(text: str, *operations: Operation, document: int = 0) -> str:
    result = _fix(text, *operations, document=document)
    assert result.error == "" and result.refused == (), (result.error, result.refused)
    return result.text


def test_a_new_key_goes_after_a_block_scalar_without_touching_it() -> None:
    text = "a:\n  script: |\n    echo hi\n\n  # comment\nb: 1\n"
    assert (
        _fixed(text, Operation("add", ("a", "x"), True))
        == "a:\n  script: |\n    echo hi\n  x: true\n\n  # comment\nb: 1\n"
    )


def test_a_file_without_a_final_line_break_keeps_it_so() -> None:
    assert _fixed("a: 1", Operation("add", ("b",), {"c": [1, 2]})) == "a: 1\nb:\n  c:\n    - 1\n    - 2"


def test_quoting_tags_and_comments_of_untouched_parts_stay() -> None:
    text = "'a': \"x\"   # keep\nb: !!bool true  # flag\nc: 'y'\n"
    assert _fixed(text, Operation("replace", ("b",), False)) == "'a': \"x\"   # keep\nb: !!bool false  # flag\nc: 'y'\n"


def test_new_strings_are_quoted_when_a_plain_scalar_would_read_otherwise() -> None:
    out = _fixed("a: 1\n", Operation("add", ("b",), ["yes", "1.0", "a: b", "y", "plain-text", "", "~"]))
    assert out == 'a: 1\nb:\n  - "yes"\n  - "1.0"\n  - "a: b"\n  - "y"\n  - plain-text\n  - ""\n  - "~"\n'


def test_a_null_value_written_as_nothing_or_tilde_is_replaced_in_place() -> None:
    assert _fixed("a:\nb: 2\n", Operation("add", ("a", "c"), 1)) == "a:\n  c: 1\nb: 2\n"
    assert _fixed("a: ~   # unset\nb: 2\n", Operation("replace", ("a",), 5)) == "a: 5   # unset\nb: 2\n"


def test_the_last_duplicate_key_is_the_one_edited() -> None:
    text = "a: true\nb: 1\na: true\n"
    assert _fixed(text, Operation("replace", ("a",), False)) == "a: true\nb: 1\na: false\n"


def test_remove_deletes_the_entry_lines() -> None:
    text = "a: 1\nb:\n  c: 2   # gone too\n  d: 3\ne: 4\n"
    assert _fixed(text, Operation("remove", ("b", "c"))) == "a: 1\nb:\n  d: 3\ne: 4\n"
    assert _fixed(text, Operation("remove", ("b",))) == "a: 1\ne: 4\n"


def test_untouched_documents_and_separators_stay_byte_identical() -> None:
    text = "%YAML 1.1\n---\na: 1\n...\n--- # second\nb: {c: 1}\n---\n\n# third\nd: [1]\n"
    out = _fixed(text, Operation("add", ("b", "e"), 2), document=1)
    assert out == "%YAML 1.1\n---\na: 1\n...\n--- # second\nb: {c: 1, e: 2}\n---\n\n# third\nd: [1]\n"


def test_flow_sequences_and_empty_flow_collections() -> None:
    assert _fixed("a: []\n", Operation("add", ("a", "-"), "x")) == "a: [x]\n"
    assert _fixed("a: [1, 2]\n", Operation("add", ("a", "-"), 3)) == "a: [1, 2, 3]\n"
    assert _fixed("a: {}\n", Operation("add", ("a", "k"), {"x": 1})) == "a: {k: {x: 1}}\n"


def test_json_gets_json() -> None:
    text = '{\n  "a": {"b": 1},\n  "c": [1]\n}\n'
    assert _fixed(text, Operation("add", ("a", "d"), "x"), Operation("add", ("e",), True)) == (
        '{\n  "a": {"b": 1, "d": "x"},\n  "c": [1],\n  "e": true\n}\n'
    )


def test_an_anchor_shared_with_a_user_that_must_not_change_is_refused() -> None:
    text = "a: &x {k: 1}\nb: *x\n"
    result = _fix(text, Operation("add", ("a", "z"), 2))
    assert result.text == text and result.applied == ()
    assert [u.reason for u in result.refused] == [
        "the change would also change the other users of anchor &x (at line 1): fix it by hand"
    ]
    copied = _fixed(text, Operation("add", ("b", "z"), 2))
    assert copied == "a: &x {k: 1}\nb:\n  k: 1\n  z: 2\n"


def test_a_key_merged_from_an_anchor_is_overridden_locally() -> None:
    text = "base: &b {p: true}\nuse:\n  <<: *b\n  q: 1\n"
    assert (
        _fixed(text, Operation("replace", ("use", "p"), False))
        == "base: &b {p: true}\nuse:\n  <<: *b\n  q: 1\n  p: false\n"
    )


def test_a_document_the_round_trip_parser_cannot_read_is_left_alone() -> None:
    text = "a: [1, 2\n"
    result = _fix(text, Operation("add", ("b",), 1))
    assert result.text == text and "file left untouched" in result.error


def test_apply_edits_refuses_overlaps() -> None:
    with pytest.raises(yamledit.EditRefused):
        yamledit.apply_edits("abcdef", [yamledit.Edit(0, 3, "x"), yamledit.Edit(2, 4, "y")])
    assert yamledit.apply_edits("abcdef", [yamledit.Edit(4, 4, "Z"), yamledit.Edit(0, 1, "")]) == "bcdZef"


def test_keys_are_matched_as_the_scanner_reads_them() -> None:
    root = yamltree.parse('on: push\n"on": x\n8080: a\nyes: b\n')[0].root
    keys = [key for key, _ in root.entries]
    assert yamledit.key_matches(keys[0], True) and not yamledit.key_matches(keys[0], "on-ish")
    assert yamledit.key_matches(keys[0], "true")  # a Kubernetes object's JSON key
    assert yamledit.key_matches(keys[1], "on") and not yamledit.key_matches(keys[1], True)
    assert yamledit.key_matches(keys[2], 8080) and yamledit.key_matches(keys[2], "8080")
    assert yamledit.key_matches(keys[3], True)


def test_a_workflow_permissions_key_lands_after_on_whatever_its_spelling() -> None:
    text = "name: ci\non: [push]\njobs: {}\n"
    assert _fixed(text, Operation("add", ("permissions",), {"contents": "read"}, after=True)) == (
        "name: ci\non: [push]\npermissions:\n  contents: read\njobs: {}\n"
    )
