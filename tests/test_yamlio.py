"""yamlio: YAML 1.1 semantics as Kubernetes reads them, positions, locate(), and the safety limits."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from conformance import yamlio
from conformance.engine import FileScanner, ScanOptions, decode
from conformance.model import DUPLICATE_KEY, INVALID_OBJECT, PARSE_ERROR, Location
from conformance.yamlio import MAX_DEPTH, MAX_DOCUMENTS, NodeSpan, Problem, load, locate

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "loader"


def only_data(text: str) -> Any:
    result = load(text)
    assert result.problems == ()
    assert len(result.documents) == 1
    return result.documents[0].data


def node_of(text: str, index: int = 0) -> Any:
    result = load(text)
    assert not [p for p in result.problems if p.fatal]
    return result.documents[index].node


# --- YAML 1.1 scalars ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scalar", "expected"),
    [
        ("yes", True),
        ("Yes", True),
        ("YES", True),
        ("on", True),
        ("On", True),
        ("true", True),
        ("True", True),
        ("no", False),
        ("No", False),
        ("off", False),
        ("OFF", False),
        ("false", False),
        ("0644", 420),
        ("0755", 493),
        ("0", 0),
        ("0x1F", 31),
        ("1_000", 1000),
        ("+12", 12),
        ("1.5", 1.5),
        ("~", None),
        ("null", None),
        ("", None),
        ("y", "y"),
        ("n", "n"),
        ('"yes"', "yes"),
        ("'0644'", "0644"),
        ("2024-01-02", "2024-01-02"),
        ("2024-01-02T03:04:05Z", "2024-01-02T03:04:05Z"),
        ("2024-01-02 03:04:05.5 +01:00", "2024-01-02 03:04:05.5 +01:00"),
        ("!!timestamp 2024-01-02", "2024-01-02"),
        ("1:30", 90),  # YAML 1.1 sexagesimal
    ],
)
def test_yaml_1_1_scalars(scalar: str, expected: Any) -> None:
    data = only_data(f"value: {scalar}\n")
    assert data == {"value": expected}
    assert type(data["value"]) is type(expected)


def test_timestamps_stay_strings_inside_structures() -> None:
    data = only_data("created: 2024-01-02\nitems: [2024-01-02T03:04:05Z, {at: 2001-12-14t21:59:43.10-05:00}]\n")
    assert data == {
        "created": "2024-01-02",
        "items": ["2024-01-02T03:04:05Z", {"at": "2001-12-14t21:59:43.10-05:00"}],
    }


def test_json_document_is_yaml() -> None:
    result = load('{"apiVersion": "v1", "kind": "Pod", "spec": {"hostNetwork": true, "n": [1, 2.5, null]}}')
    assert result.problems == ()
    assert [d.data for d in result.documents] == [
        {"apiVersion": "v1", "kind": "Pod", "spec": {"hostNetwork": True, "n": [1, 2.5, None]}}
    ]


# --- multi-document streams ------------------------------------------------------------------------


def test_empty_stream_has_no_documents() -> None:
    assert load("") == yamlio.LoadResult((), ())
    assert load("# only a comment\n") == yamlio.LoadResult((), ())


def test_empty_documents_keep_their_index() -> None:
    result = load("---\n---\na: 1\n---\n--- []\n")
    assert result.problems == ()
    assert [(d.index, d.data) for d in result.documents] == [(0, None), (1, {"a": 1}), (2, None), (3, [])]


def test_positions_in_second_and_third_documents() -> None:
    text = "a: 1\n---\nb:\n  c: 2\n---\n# comment\nd:\n  - e: 3\n    f: 4\n"
    result = load(text)
    assert result.problems == ()
    assert [d.index for d in result.documents] == [0, 1, 2]
    assert locate(result.documents[1].node, ("b", "c")) == NodeSpan(4, 3, 4, 7, 2)
    assert locate(result.documents[2].node, ("d", 0, "f")) == NodeSpan(9, 5, 9, 9, 3)
    assert locate(result.documents[2].node, ("d", 0)) == NodeSpan(8, 5, 10, 1, 2)


# --- locate ----------------------------------------------------------------------------------------

BLOCK = """\
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: app
      image: nginx
      securityContext:
        privileged: true
    - name: side
      ports: [{containerPort: 80}, {containerPort: 443}]
"""


@pytest.mark.parametrize(
    ("path", "span"),
    [
        ((), NodeSpan(1, 1, 13, 1, 0)),
        (("kind",), NodeSpan(2, 1, 2, 10, 1)),
        (("metadata",), NodeSpan(3, 1, 5, 1, 1)),
        (("metadata", "name"), NodeSpan(4, 3, 4, 12, 2)),
        (("spec", "containers"), NodeSpan(6, 3, 13, 1, 2)),
        (("spec", "containers", 0), NodeSpan(7, 7, 11, 5, 3)),
        (("spec", "containers", 0, "image"), NodeSpan(8, 7, 8, 19, 4)),
        (("spec", "containers", 0, "securityContext", "privileged"), NodeSpan(10, 9, 10, 25, 5)),
        (("spec", "containers", 1, "ports"), NodeSpan(12, 7, 12, 57, 4)),
        (("spec", "containers", 1, "ports", 1), NodeSpan(12, 36, 12, 56, 5)),
        (("spec", "containers", 1, "ports", 1, "containerPort"), NodeSpan(12, 37, 12, 55, 6)),
    ],
)
def test_locate_block_and_flow(path: tuple[Any, ...], span: NodeSpan) -> None:
    assert locate(node_of(BLOCK), path) == span


@pytest.mark.parametrize(
    ("path", "span"),
    [
        # a missing key points at the nearest existing parent (its key), `matched` says how far it got
        (("spec", "containers", 0, "resources", "limits"), NodeSpan(7, 7, 11, 5, 3)),
        (("spec", "hostNetwork"), NodeSpan(5, 1, 13, 1, 1)),
        (("status",), NodeSpan(1, 1, 13, 1, 0)),
        # an index past the end, a negative index, or a string step on a sequence does not match
        (("spec", "containers", 2), NodeSpan(6, 3, 13, 1, 2)),
        (("spec", "containers", -1), NodeSpan(6, 3, 13, 1, 2)),
        (("spec", "containers", "0"), NodeSpan(6, 3, 13, 1, 2)),
        # stepping into a scalar stops at the scalar's key
        (("metadata", "name", "first"), NodeSpan(4, 3, 4, 12, 2)),
    ],
)
def test_locate_missing_path(path: tuple[Any, ...], span: NodeSpan) -> None:
    assert locate(node_of(BLOCK), path) == span


def test_locate_json_document() -> None:
    node = node_of('{"a": {"b": [1, {"c": true}]}, "d": "x"}')
    assert locate(node, ("a",)) == NodeSpan(1, 2, 1, 30, 1)
    assert locate(node, ("a", "b")) == NodeSpan(1, 8, 1, 29, 2)
    assert locate(node, ("a", "b", 1)) == NodeSpan(1, 17, 1, 28, 3)
    assert locate(node, ("a", "b", 1, "c")) == NodeSpan(1, 18, 1, 27, 4)
    assert locate(node, ("d",)) == NodeSpan(1, 32, 1, 40, 1)
    assert locate(node, ("a", "zz")) == NodeSpan(1, 2, 1, 30, 1)


def test_locate_json_pretty_printed() -> None:
    text = json.dumps({"kind": "Pod", "spec": {"containers": [{"name": "a", "image": "x"}]}}, indent=2)
    node = node_of(text)
    # "image" is on line 7: {, "kind", "spec": {, "containers": [, {, "name", "image"
    assert locate(node, ("spec", "containers", 0, "image")) == NodeSpan(7, 9, 7, 21, 4)
    assert locate(node, ("spec", "containers", 0)) == NodeSpan(5, 7, 8, 8, 3)


def test_locate_top_level_sequence() -> None:
    node = node_of("- a\n- b: 1\n  c: 2\n-   - z\n")
    assert locate(node, (0,)) == NodeSpan(1, 3, 1, 4, 1)
    assert locate(node, (1, "c")) == NodeSpan(3, 3, 3, 7, 2)
    assert locate(node, (2, 0)) == NodeSpan(4, 7, 4, 8, 2)
    assert locate(node, (3,)) == NodeSpan(1, 1, 5, 1, 0)


def test_locate_integer_keys() -> None:
    node = node_of("ports:\n  80: http\n  443: https\n")
    assert locate(node, ("ports", 443)) == NodeSpan(3, 3, 3, 13, 2)
    assert locate(node, ("ports", "80")) == NodeSpan(2, 3, 2, 11, 2)


@pytest.mark.parametrize(("true_word", "false_word"), [("true", "false"), ("yes", "no"), ("on", "off")])
def test_locate_boolean_keys(true_word: str, false_word: str) -> None:
    # SRC BUG (yamlio._key_matches): a False step matches a "true"/"yes" key, and "on"/"false"/"off"/"no"
    # keys are never found. The data has {True: "a", False: "b"}; locate must agree with it.
    text = f"{true_word}: a\n{false_word}: b\n"
    assert only_data(text) == {True: "a", False: "b"}
    node = node_of(text)
    assert locate(node, (True,)) == NodeSpan(1, 1, 1, len(true_word) + 4, 1)
    assert locate(node, (False,)) == NodeSpan(2, 1, 2, len(false_word) + 4, 1)


def test_locate_with_non_ascii_counts_characters() -> None:
    node = node_of("é: {ü: 1, k: 2}\n")
    assert locate(node, ("é", "k")) == NodeSpan(1, 11, 1, 15, 2)


# --- duplicate keys --------------------------------------------------------------------------------


def test_duplicate_key_last_wins_with_nonfatal_problem() -> None:
    text = "apiVersion: v1\nkind: Pod\nspec:\n  hostNetwork: false\n  dnsPolicy: Default\n"
    text += "  hostNetwork: true\n"
    result = load(text)
    assert [d.data for d in result.documents] == [
        {"apiVersion": "v1", "kind": "Pod", "spec": {"hostNetwork": True, "dnsPolicy": "Default"}}
    ]
    assert result.problems == (
        Problem("duplicate key 'hostNetwork': the last value wins, as Kubernetes reads it", 6, 3, fatal=False),
    )
    # locate agrees with the data: the last duplicate
    assert locate(result.documents[0].node, ("spec", "hostNetwork")) == NodeSpan(6, 3, 6, 20, 2)


def test_duplicate_keys_in_flow_and_later_document() -> None:
    result = load("a: 1\n---\nx: {k: 1, j: 2, k: 3}\n")
    assert [d.data for d in result.documents] == [{"a": 1}, {"x": {"k": 3, "j": 2}}]
    assert result.problems == (
        Problem("duplicate key 'k': the last value wins, as Kubernetes reads it", 3, 17, fatal=False),
    )


def test_each_extra_duplicate_is_reported() -> None:
    result = load("a: 1\na: 2\nb: 0\na: 3\n")
    assert result.documents[0].data == {"a": 3, "b": 0}
    assert [(p.line, p.column, p.fatal) for p in result.problems] == [(2, 1, False), (4, 1, False)]


# --- merge keys ------------------------------------------------------------------------------------


def test_merge_keys() -> None:
    text = "base: &b {x: 1, y: 2}\nm:\n  <<: *b\n  y: 3\n"
    result = load(text)
    assert result.problems == ()  # an override of a merged key is not a duplicate
    assert result.documents[0].data == {"base": {"x": 1, "y": 2}, "m": {"x": 1, "y": 3}}
    node = result.documents[0].node
    assert locate(node, ("m", "y")) == NodeSpan(4, 3, 4, 7, 2)
    # a merged key is located where the anchor writes it
    assert locate(node, ("m", "x")) == NodeSpan(1, 11, 1, 15, 2)


def test_merge_key_list() -> None:
    text = "a: &a {x: 1}\nb: &b {y: 2, x: 9}\nm:\n  <<: [*a, *b]\n  z: 3\n"
    result = load(text)
    assert result.problems == ()
    assert result.documents[0].data["m"] == {"x": 1, "y": 2, "z": 3}
    assert locate(result.documents[0].node, ("m", "z")) == NodeSpan(5, 3, 5, 7, 2)


def test_real_duplicate_beside_a_merge_is_reported() -> None:
    result = load("b: &b {x: 1}\nm:\n  <<: *b\n  z: 1\n  z: 2\n")
    assert result.documents[0].data["m"] == {"x": 1, "z": 2}
    assert result.problems == (
        Problem("duplicate key 'z': the last value wins, as Kubernetes reads it", 5, 3, fatal=False),
    )


@pytest.mark.parametrize(
    ("text", "data"),
    [
        ("m:\n  base: &b {y: 1}\n  <<: *b\n  y: 2\n", {"m": {"base": {"y": 1}, "y": 2}}),
        (
            "first:\n  <<: &defaults\n    <<: &base\n      source: staging\n    source: production\n"
            "second: *defaults\n",
            {"first": {"source": "production"}, "second": {"source": "production"}},
        ),
    ],
)
def test_override_of_merged_key_is_never_a_duplicate(text: str, data: Any) -> None:
    # SRC BUG (yamlio._Loader11._record_duplicates): merged keys are told apart from written ones by their
    # position, so keys merged from an anchor defined inside the same mapping (or a nested merge) count as
    # written keys and the legal override is reported as a duplicate.
    result = load(text)
    assert result.documents[0].data == data
    assert result.problems == ()


# --- tags ------------------------------------------------------------------------------------------


def test_local_tags_are_plain_data() -> None:
    data = only_data("script: !reference [.setup, script]\nbucket: !Ref Bucket\nsub: !Sub {a: 1}\nn: !int 5\n")
    assert data == {"script": [".setup", "script"], "bucket": "Bucket", "sub": {"a": 1}, "n": "5"}


@pytest.mark.parametrize(
    ("text", "tag", "line", "column"),
    [
        ("a: 1\nb: !!python/object:os.system {}\n", "!!python/object:os.system", 2, 4),
        ("a: !!python/name:os.system\n", "!!python/name:os.system", 1, 4),
        ("a:\n  - !!python/object/apply:os.system [ls]\n", "!!python/object/apply:os.system", 2, 5),
        ("!!python/object/new:dict\nx: 1\n", "!!python/object/new:dict", 1, 1),
    ],
)
def test_python_tags_are_rejected(text: str, tag: str, line: int, column: int) -> None:
    result = load(text)
    assert result.documents == ()
    assert result.problems == (
        Problem(f"invalid YAML: tag {tag} is not allowed in untrusted YAML", line, column, fatal=True),
    )


def test_python_tag_keeps_earlier_documents() -> None:
    result = load("x: 1\n---\n!!python/object:__main__.A\nx: 1\n")
    assert [(d.index, d.data) for d in result.documents] == [(0, {"x": 1})]
    assert result.problems == (
        Problem("invalid YAML: tag !!python/object:__main__.A is not allowed in untrusted YAML", 3, 1),
    )


# --- syntax errors ---------------------------------------------------------------------------------


def test_syntax_error_keeps_earlier_documents() -> None:
    result = load("a: 1\n---\nb: 2\n---\nc: [1, 2\nd: 4\n")
    assert [(d.index, d.data) for d in result.documents] == [(0, {"a": 1}), (1, {"b": 2})]
    assert result.problems == (
        Problem("invalid YAML: while parsing a flow sequence did not find expected ',' or ']'", 6, 2),
    )


def test_syntax_error_position_mapping_values() -> None:
    result = load("# 日本語\na: b: c\n")
    assert result.documents == ()
    assert result.problems == (Problem("invalid YAML: mapping values are not allowed in this context", 2, 5),)


def test_tab_indentation_is_an_error_at_the_tab() -> None:
    result = load("a:\n\tb: 1\n")
    assert result.documents == ()
    assert len(result.problems) == 1
    problem = result.problems[0]
    assert (problem.line, problem.column, problem.fatal) == (2, 1, True)
    assert "cannot start any token" in problem.message


def test_tabs_inside_values_and_after_colon_are_fine() -> None:
    assert only_data("a:\t1\nb: x\ty\nc: 'p\tq'\n") == {"a": 1, "b": "x\ty", "c": "p\tq"}


def test_crlf_line_endings_keep_positions() -> None:
    text = "apiVersion: v1\r\nkind: Pod\r\nspec:\r\n  hostNetwork: yes\r\n  dup: 1\r\n  dup: 2\r\n"
    result = load(text)
    assert result.documents[0].data == {
        "apiVersion": "v1",
        "kind": "Pod",
        "spec": {"hostNetwork": True, "dup": 2},
    }
    assert result.problems == (
        Problem("duplicate key 'dup': the last value wins, as Kubernetes reads it", 6, 3, fatal=False),
    )
    assert locate(result.documents[0].node, ("spec", "hostNetwork")) == NodeSpan(4, 3, 4, 19, 2)


def test_crlf_syntax_error_position() -> None:
    result = load("a: 1\r\n---\r\nb: [x\r\n")
    assert [d.data for d in result.documents] == [{"a": 1}]
    assert result.problems == (
        Problem("invalid YAML: while parsing a flow sequence did not find expected ',' or ']'", 4, 1),
    )


@pytest.mark.parametrize(
    ("text", "line", "column"),
    [
        ("a: 1\nb: x\x00y\n", 2, 5),
        ("a: 1\r\nb: x\x00y\r\n", 2, 5),
        ("a: é\nb: x\x07y\n", 2, 5),  # libyaml reports a byte offset: é is two bytes
        ("\x00", 1, 1),
    ],
)
def test_control_characters_are_fatal_at_their_position(text: str, line: int, column: int) -> None:
    # SRC BUG (yamlio._problem_from_error): yaml.reader.ReaderError has no marks, only a byte `position`,
    # so the problem lands on 1:1 and its message carries `\n  in "<unicode string>", position N`.
    result = load(text)
    assert result.documents == ()
    assert len(result.problems) == 1
    problem = result.problems[0]
    assert problem.fatal
    assert "control characters are not allowed" in problem.message
    assert "\n" not in problem.message
    assert (problem.line, problem.column) == (line, column)


# --- aliases ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line", "column"),
    [("&a [*a]\n", 1, 1), ("a: &x [*x]\n", 1, 4), ("a: &m {b: {c: *m}}\n", 1, 4)],
)
def test_recursive_alias_is_fatal(text: str, line: int, column: int) -> None:
    result = load(text)
    assert result.documents == ()
    assert result.problems == (Problem("recursive alias: the document refers to itself", line, column),)


def test_recursive_alias_skips_only_its_document() -> None:
    result = load("a: 1\n---\nb: &x [*x]\n---\nc: 3\n")
    assert [(d.index, d.data) for d in result.documents] == [(0, {"a": 1}), (2, {"c": 3})]
    assert result.problems == (Problem("recursive alias: the document refers to itself", 3, 4),)


BOMB = "".join(
    f"{name}: &{name} [{', '.join([f'*{prev}'] * 9) if prev else ', '.join(['lol'] * 9)}]\n"
    for prev, name in zip([None, "a", "b", "c", "d", "e", "f", "g", "h"], "abcdefghi", strict=True)
)


def test_billion_laughs_is_refused_fast() -> None:
    started = time.perf_counter()
    result = load("ok: 1\n---\n" + BOMB)
    elapsed = time.perf_counter() - started
    assert elapsed < 1.0
    assert [d.data for d in result.documents] == [{"ok": 1}]
    assert len(result.problems) == 1
    problem = result.problems[0]
    assert (problem.line, problem.column, problem.fatal) == (3, 1, True)
    assert problem.message.startswith("aliases expand this document to ")
    assert problem.message.endswith(" nodes from 28: refused as an alias bomb")


def test_ordinary_aliases_and_large_documents_are_not_bombs() -> None:
    assert only_data("a: &v {x: 1}\nb: *v\nc: [*v, *v]\n") == {
        "a": {"x": 1},
        "b": {"x": 1},
        "c": [{"x": 1}] * 2,
    }
    # more than MAX_ALIAS_EXPANSION nodes, but an alias that expands nothing much: not a bomb
    big = "note: &n x\nref: *n\nitems:\n" + "".join(f"  - {i}\n" for i in range(10_500))
    data = only_data(big)
    assert len(data["items"]) == 10_500


# --- limits ----------------------------------------------------------------------------------------


def test_depth_limit_boundary() -> None:
    ok = load("[" * MAX_DEPTH + "]" * MAX_DEPTH)
    assert ok.problems == ()
    assert len(ok.documents) == 1
    deep = load("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1))
    assert deep == yamlio.LoadResult((), (Problem("nesting deeper than 256 levels", 1, 257),))


DEEP_SCRIPT = r"""
import json
from conformance.yamlio import load
cases = {
    "brackets": "[" * 100_000 + "]" * 100_000,
    "open_brackets": "[" * 100_000,
    "flow_maps": "{a: " * 50_000 + "1" + "}" * 50_000,
    "block_maps": "".join("  " * i + "k:\n" for i in range(300)),
    "block_seqs": "a:\n" + "- " * 300 + "x\n",
    "after_a_document": "ok: 1\n---\n" + "[" * 100_000 + "]" * 100_000,
}
out = {}
for name, text in cases.items():
    result = load(text)
    out[name] = {
        "documents": [d.data for d in result.documents],
        "problems": [[p.message, p.line, p.column, p.fatal] for p in result.problems],
    }
print(json.dumps(out))
"""


def test_deep_nesting_does_not_crash_the_interpreter() -> None:
    # in a child process: a regression would be a segfault in libyaml's recursive composer
    proc = subprocess.run([sys.executable, "-c", DEEP_SCRIPT], capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    limit = f"nesting deeper than {MAX_DEPTH} levels"
    for name in ("brackets", "open_brackets"):
        # libyaml's own flow-level limit or our pre-check: either way fatal, at line 1, nothing kept
        assert out[name]["documents"] == []
        [[message, line, _column, fatal]] = out[name]["problems"]
        assert "nesting" in message
        assert (line, fatal) == (1, True)
    assert out["flow_maps"] == {"documents": [], "problems": [[limit, 1, 1025, True]]}
    assert out["block_maps"] == {"documents": [], "problems": [[limit, 257, 513, True]]}
    assert out["block_seqs"] == {"documents": [], "problems": [[limit, 2, 511, True]]}
    [[message, line, _column, fatal]] = out["after_a_document"]["problems"]
    assert "nesting" in message
    assert (line, fatal) == (3, True)


def test_document_count_limit() -> None:
    result = load("--- 1\n" * (MAX_DOCUMENTS + 1))
    assert len(result.documents) == MAX_DOCUMENTS
    assert result.documents[-1].index == MAX_DOCUMENTS - 1
    assert result.problems == (Problem(f"more than {MAX_DOCUMENTS} documents in one file", MAX_DOCUMENTS + 1, 1),)


# --- the positions fixture -------------------------------------------------------------------------


def test_positions_multidoc_fixture() -> None:
    result = load((FIXTURES / "positions-multidoc.yaml").read_text(encoding="utf-8"))
    assert result.problems == ()
    assert [d.index for d in result.documents] == [0, 1, 2]
    deployment, empty, lst = (d.data for d in result.documents)

    pod = deployment["spec"]["template"]["spec"]
    assert pod["hostNetwork"] is True
    assert pod["securityContext"] == {"runAsNonRoot": True}
    assert pod["containers"][0]["securityContext"] == {"privileged": False}
    assert pod["volumes"][0]["configMap"]["defaultMode"] == 420
    assert deployment["spec"]["template"]["metadata"]["labels"] == {"app": "web", "tier": "front"}
    assert empty is None
    assert lst["kind"] == "List"
    assert lst["items"][0]["metadata"]["annotations"] == {"built": "2024-01-02T03:04:05Z"}
    assert lst["items"][0]["data"] == {"enabled": "yes"}
    assert lst["items"][1] == {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "second"},
        "spec": {"containers": [{"name": "c", "image": "busybox"}]},
    }

    d0 = result.documents[0].node
    pod_path = ("spec", "template", "spec")
    assert locate(d0, ("metadata",)) == NodeSpan(4, 1, 7, 1, 1)
    assert locate(d0, (*pod_path, "hostNetwork")) == NodeSpan(13, 7, 13, 23, 4)
    assert locate(d0, (*pod_path, "securityContext", "runAsNonRoot")) == NodeSpan(15, 9, 15, 25, 5)
    assert locate(d0, (*pod_path, "containers", 0)) == NodeSpan(17, 11, 21, 7, 5)
    assert locate(d0, (*pod_path, "containers", 0, "securityContext", "privileged")) == NodeSpan(20, 13, 20, 27, 7)
    assert locate(d0, (*pod_path, "volumes", 0, "configMap", "defaultMode")) == NodeSpan(25, 13, 25, 30, 7)
    assert locate(d0, ("spec", "template", "metadata", "labels", "tier")) == NodeSpan(11, 26, 11, 37, 5)
    # missing: the container item is the nearest parent
    assert locate(d0, (*pod_path, "containers", 0, "resources", "limits")) == NodeSpan(17, 11, 21, 7, 5)

    # the empty second document sits where the third one starts
    assert locate(result.documents[1].node, ()) == NodeSpan(28, 1, 28, 1, 0)

    d2 = result.documents[2].node
    assert locate(d2, ("items", 0, "metadata", "annotations", "built")) == NodeSpan(37, 9, 37, 36, 5)
    assert locate(d2, ("items", 0, "data", "enabled")) == NodeSpan(39, 7, 39, 21, 4)
    assert locate(d2, ("items", 1)) == NodeSpan(40, 5, 40, 107, 2)
    assert locate(d2, ("items", 1, "metadata", "name")) == NodeSpan(40, 44, 40, 56, 4)
    assert locate(d2, ("items", 1, "spec", "containers", 0, "image")) == NodeSpan(40, 89, 40, 103, 6)
    assert locate(d2, ("items", 2)) == NodeSpan(31, 1, 41, 1, 1)


# --- engine.decode and FileScanner.scan_bytes: bytes in, findings out, never an exception -----------


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        (b"a: 1\n", "a: 1\n"),
        (b"\xef\xbb\xbfa: 1\n", "a: 1\n"),
        (b"\xff\xfe" + "a: é\n".encode("utf-16-le"), "a: é\n"),
        (b"\xfe\xff" + "a: é\n".encode("utf-16-be"), "a: é\n"),
        ("a: 日本\n".encode(), "a: 日本\n"),
        (b"", ""),
    ],
)
def test_decode_text(raw: bytes, text: str) -> None:
    assert decode(raw) == (text, None, 0)


@pytest.mark.parametrize(
    ("raw", "message", "line"),
    [
        (b"a: 1\nb: 2\nc: \xff\n", "not valid UTF-8 (byte 0xff at offset 13)", 3),
        (b"a: \xc3", "not valid UTF-8 (byte 0xc3 at offset 3)", 1),
        (b"\x80\x81", "not valid UTF-8 (byte 0x80 at offset 0)", 1),
        (b"a: 1\r\nb: 2\r\n\r\nc: \xe9t\xe9\r\n", "not valid UTF-8 (byte 0xe9 at offset 17)", 4),
        (b"\xff\xfe" + b"a\x00:", "invalid UTF-16: truncated data", 1),
        (b"\xff\xfe\x00\xd8a\x00", "invalid UTF-16: illegal UTF-16 surrogate", 1),
    ],
)
def test_decode_errors(raw: bytes, message: str, line: int) -> None:
    assert decode(raw) == (None, message, line)


def test_decode_keeps_nul_for_the_parser() -> None:
    assert decode(b"a: 1\x00\n") == ("a: 1\x00\n", None, 0)


POD = b"apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n"
POD += b"spec:\n  containers:\n    - name: a\n      image: x\n"


@pytest.mark.parametrize(
    "raw",
    [
        POD,
        b"\xef\xbb\xbf" + POD,
        b"\xff\xfe" + POD.decode().encode("utf-16-le"),
        b"\xfe\xff" + POD.decode().encode("utf-16-be"),
        POD.replace(b"\n", b"\r\n"),
    ],
)
def test_scan_bytes_reads_every_supported_encoding(raw: bytes) -> None:
    outcome = FileScanner((), ScanOptions()).scan_bytes(raw, "pod.yaml")
    assert (outcome.files, outcome.documents, outcome.resources) == (1, 1, 1)
    assert outcome.errors == []
    assert outcome.findings == []


@pytest.mark.parametrize(
    ("raw", "message", "line", "column"),
    [
        (b"a: 1\nb: \xff\n", "not valid UTF-8 (byte 0xff at offset 8)", 2, 1),
        (b"\xff\xfe\x00", "invalid UTF-16: truncated data", 1, 1),
        (b"a: [1\n", "invalid YAML: while parsing a flow sequence did not find expected ',' or ']'", 2, 1),
        (
            b"a: !!python/name:os.system\n",
            "invalid YAML: tag !!python/name:os.system is not allowed in untrusted YAML",
            1,
            4,
        ),
        (b"x: &x [*x]\n", "recursive alias: the document refers to itself", 1, 4),
        (b"{a: " * 300 + b"1" + b"}" * 300, f"nesting deeper than {MAX_DEPTH} levels", 1, 1025),
    ],
)
def test_scan_bytes_bad_input_gives_positioned_error(raw: bytes, message: str, line: int, column: int) -> None:
    outcome = FileScanner((), ScanOptions()).scan_bytes(raw, "bad.yaml")
    assert outcome.findings == []
    assert [(e.policy_id, e.severity, e.message, e.location, e.is_error) for e in outcome.errors] == [
        (PARSE_ERROR, "error", message, Location("bad.yaml", line, column), True)
    ]


@pytest.mark.parametrize(
    ("raw", "line", "column"),
    [
        (b"apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\x00b\n", 4, 10),
        (b"a: 1\r\nb: \x00\r\n", 2, 4),
    ],
)
def test_scan_bytes_nul_is_a_parse_error_at_its_position(raw: bytes, line: int, column: int) -> None:
    # SRC BUG: see test_control_characters_are_fatal_at_their_position
    outcome = FileScanner((), ScanOptions()).scan_bytes(raw, "nul.yaml")
    assert outcome.resources == 0
    [error] = outcome.errors
    assert error.policy_id == PARSE_ERROR
    assert (error.location.line, error.location.column) == (line, column)


def test_scan_bytes_utf32_is_an_error_not_garbage() -> None:
    for raw in ("a: 1\n".encode("utf-32"), "a: 1\n".encode("utf-32-be"), b"a\x00:\x00 \x001\x00"):
        outcome = FileScanner((), ScanOptions()).scan_bytes(raw, "u.yaml")
        assert outcome.resources == 0
        assert [e.policy_id for e in outcome.errors] == [PARSE_ERROR]


def test_scan_bytes_duplicate_key_is_a_warning_and_the_resource_is_kept() -> None:
    raw = POD + b"metadata:\n  name: again\n"
    outcome = FileScanner((), ScanOptions()).scan_bytes(raw, "dup.yaml")
    assert outcome.errors == []
    assert outcome.resources == 1
    [finding] = outcome.findings
    assert (finding.policy_id, finding.severity, finding.is_error) == (DUPLICATE_KEY, "warning", False)
    assert finding.location == Location("dup.yaml", 9, 1)


def test_scan_bytes_keeps_documents_before_an_error() -> None:
    raw = POD + b"---\n" + POD + b"---\nkind: [\n"
    outcome = FileScanner((), ScanOptions()).scan_bytes(raw, "m.yaml")
    assert (outcome.documents, outcome.resources) == (2, 2)
    assert [(e.policy_id, e.location.line) for e in outcome.errors] == [(PARSE_ERROR, 20)]


@pytest.mark.parametrize("raw", [b"", b"# nothing\n", b"42", b"- 1\n- 2\n", b"just text", b"---\n---\n"])
def test_scan_bytes_non_kubernetes_content_is_quiet(raw: bytes) -> None:
    outcome = FileScanner((), ScanOptions()).scan_bytes(raw, "x.yaml")
    assert outcome.errors == []
    assert outcome.findings == []
    assert outcome.resources == 0


def test_scan_bytes_never_raises_on_truncated_or_corrupted_input() -> None:
    scanner = FileScanner((), ScanOptions())
    raw = (FIXTURES / "positions-multidoc.yaml").read_bytes()
    variants = [raw[:cut] for cut in range(0, len(raw), 7)]
    variants += [raw[:cut] + b"\xff" + raw[cut:] for cut in range(0, len(raw), 61)]
    variants += [raw[:cut] + b"\t{[&*!|>%@`" + raw[cut:] for cut in range(0, len(raw), 61)]
    for variant in variants:
        outcome = scanner.scan_bytes(variant, "v.yaml")
        for error in outcome.errors:
            assert error.policy_id in (PARSE_ERROR, INVALID_OBJECT)
            assert error.location.line >= 1
            assert error.location.column >= 1
