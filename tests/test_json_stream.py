"""A stream of JSON objects one after another is read as kubectl reads it: one document each, exact lines."""

from __future__ import annotations

from conformance import yamlio

STREAM = (
    '{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}}\n'
    '{"apiVersion": "v1", "kind": "Pod",\n'
    ' "metadata": {"name": "b"}, "spec": {"hostNetwork": true}}\n'
)


def test_concatenated_json_objects_are_documents_with_their_own_lines() -> None:
    loaded = yamlio.load(STREAM)
    assert loaded.problems == ()
    assert [d.data["metadata"]["name"] for d in loaded.documents] == ["a", "b"]
    assert [d.index for d in loaded.documents] == [0, 1]
    span = yamlio.locate(loaded.documents[1].node, ("spec", "hostNetwork"))
    assert (span.line, span.column) == (3, 38)


def test_what_is_not_such_a_stream_keeps_its_yaml_error() -> None:
    for text in ('{"a": 1} x', '{"a": 1}\n[1, 2]', '{"a": 1}\n{"b": '):
        loaded = yamlio.load(text)
        assert [p.fatal for p in loaded.problems] == [True], text


def test_one_json_object_or_yaml_is_read_as_before() -> None:
    assert len(yamlio.load('{"a": 1}\n').documents) == 1
    assert len(yamlio.load("a: 1\n---\nb: 2\n").documents) == 2
