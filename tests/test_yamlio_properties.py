"""Property tests of yamlio.load and yamlio.locate, with Hypothesis.

Documents are built from generated data (nested mappings and sequences of scalars) dumped with
``yaml.safe_dump`` in block, flow and mixed style (and as JSON), then also mutated as raw text. For every
document the loader accepts, every path into its data must resolve with ``locate`` to a position inside the
file, and the text there must be what ``locate``'s docstring promises: the key of a mapping entry, or the first
character of a sequence item. The positions are checked against libyaml's *token* stream (the scanner), which is
independent of the composed node tree ``locate`` walks.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Iterator
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conformance.yamlio import MAX_DEPTH, load, locate

PROPERTY_SETTINGS = settings(
    max_examples=int(os.environ.get("PROPERTY_EXAMPLES", "150")),  # raise it locally to search longer
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# YAML's line breaks (what libyaml counts): CRLF, CR, LF, NEL, LS, PS
LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")
TOKENS_STARTING_A_NODE = (
    yaml.ScalarToken,
    yaml.FlowSequenceStartToken,
    yaml.FlowMappingStartToken,
    yaml.BlockSequenceStartToken,
    yaml.BlockMappingStartToken,
    yaml.BlockEntryToken,
    yaml.KeyToken,  # a single-pair mapping inside a flow sequence: [a: b], [? a]
    yaml.AnchorToken,
    yaml.AliasToken,
    yaml.TagToken,
)

# --- strategies ------------------------------------------------------------------------------------

texts = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x85\u2028\u2029"), max_size=12)
"""Any text without lone surrogates (which no file can hold); NEL, LS and PS are left out because PyYAML's
emitter does not round-trip them with ``allow_unicode`` (the mutations below still insert them raw)."""
scalars = st.one_of(
    texts,
    st.sampled_from(["yes", "no", "on", "off", "~", "null", "0644", "1:30", "2024-01-02", "-", "? x", "a: b", "#"]),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.booleans(),
    st.none(),
    st.floats(allow_nan=False),
)
keys = st.one_of(
    texts, st.integers(min_value=-(2**40), max_value=2**40), st.booleans(), st.none(), st.floats(-1e30, 1e30)
)
data_trees = st.recursive(
    scalars,
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(keys, children, max_size=4)),
    max_leaves=25,
)
# JSON allows raw DEL, C1 controls and U+FFFE/U+FFFF in strings, YAML 1.1 refuses them; and YAML folds a raw
# NEL inside a quoted string into a space (KNOWN LIMITATION: JSON manifests are read as YAML, see the report).
json_texts = st.text(
    st.characters(
        exclude_categories=("Cs",),
        exclude_characters="".join(map(chr, range(0x7F, 0xA0))) + "\ufffe\uffff",
    ),
    max_size=12,
)
# YAML 1.1 floats need a dot: JSON's 1e-05 reads as the string "1e-05" (KNOWN LIMITATION, see the report)
json_floats = st.floats(allow_nan=False, allow_infinity=False).filter(lambda x: "e" not in json.dumps(x))
json_trees = st.recursive(
    st.one_of(json_texts, st.integers(), st.booleans(), st.none(), json_floats),
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(json_texts, children, max_size=4)),
    max_leaves=25,
)
dump_options = st.fixed_dictionaries(
    {
        "default_flow_style": st.sampled_from([False, True, None]),
        "allow_unicode": st.booleans(),
        "indent": st.sampled_from([2, 4, 7]),
        "width": st.sampled_from([20, 80, 1_000_000]),
        "explicit_start": st.booleans(),
        "sort_keys": st.booleans(),
    }
)


def dump(data: Any, options: dict[str, Any]) -> str:
    return yaml.safe_dump(data, **options)


@st.composite
def dumped_documents(draw: st.DrawFn) -> tuple[Any, str]:
    """Generated data and its text: YAML in some style, JSON, with CRLF line breaks or with a comment header."""
    how = draw(st.sampled_from(["yaml", "yaml", "yaml", "json", "crlf", "commented", "multi", "aliases"]))
    if how == "json":  # a JSON manifest is an object (what Kubernetes sniffs as JSON: a leading "{")
        data = draw(st.dictionaries(json_texts, json_trees, max_size=4))
        return data, json.dumps(data, indent=draw(st.sampled_from([None, 2])), ensure_ascii=draw(st.booleans()))
    data = draw(data_trees)
    if how == "aliases":  # one object in several places: the dumper writes an anchor and aliases to it
        shared = draw(
            st.one_of(st.lists(scalars, min_size=1, max_size=3), st.dictionaries(keys, data_trees, max_size=3))
        )
        data = {"anchored": shared, "alias": shared, "items": [shared, data, shared], "nested": {"again": shared}}
    text = dump(data, draw(dump_options))
    if how == "crlf":
        text = text.replace("\n", "\r\n")
    elif how == "commented":
        text = "# header: [not, data]\n\n" + text
    elif how == "multi":
        text = "first: document\n---\n" + text
    return data, text


@st.composite
def mutated_texts(draw: st.DrawFn) -> str:
    """A dumped document with raw text mutations: cuts, insertions of YAML syntax, duplicated or swapped lines."""
    _, text = draw(dumped_documents())
    for _ in range(draw(st.integers(1, 4))):
        position = draw(st.integers(0, len(text)))
        action = draw(st.sampled_from(["cut", "insert", "duplicate_line", "swap_lines", "line_break"]))
        if action == "cut":
            text = text[:position] + text[position + draw(st.integers(1, 8)) :]
        elif action == "insert":
            piece = draw(
                st.one_of(
                    st.sampled_from(["-", ": ", "? ", "[", "]", "{", "}", ",", "&a ", "*a", "!t ", "!!str ", "'", '"']),
                    st.sampled_from(["\t", "#", "|", ">", "%", "@", "`", "\r", "\x85", "\u2028", "\ufeff", "<<: "]),
                    texts,
                )
            )
            text = text[:position] + piece + text[position:]
        elif action == "line_break":
            text = text[:position] + draw(st.sampled_from(["\n", "\r\n", "\r", "\n  ", "\n- "])) + text[position:]
        else:
            lines = text.split("\n")
            i = draw(st.integers(0, len(lines) - 1))
            j = draw(st.integers(0, len(lines) - 1))
            if action == "duplicate_line":
                lines.insert(j, lines[i])
            else:
                lines[i], lines[j] = lines[j], lines[i]
            text = "\n".join(lines)
    return text


# --- the oracle: libyaml's token stream ------------------------------------------------------------


def yaml_lines(text: str) -> list[str]:
    return LINE_BREAK.split(text)


def assert_inside(text: str, line: int, column: int) -> None:
    """A problem's position is in the file, or just past its end: libyaml reports an error at the end of a file
    without a final line break on the line after the last one, column 1."""
    lines = yaml_lines(text)
    if line == len(lines) + 1 and column == 1:
        return
    assert 1 <= line <= len(lines), (line, column, len(lines))
    assert 1 <= column <= len(lines[line - 1]) + 1, (line, column, lines[line - 1][:80])


SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def scan_tokens(text: str) -> list[yaml.Token]:
    # libyaml refuses JSON's surrogate-pair escapes; a same-length valid escape keeps every position
    text = SURROGATE_ESCAPE.sub(r"\\u0041", text)
    return list(yaml.scan(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)))


def line_offsets(text: str) -> list[int]:
    return [0, *(brk.end() for brk in LINE_BREAK.finditer(text))]


def json_at(text: str, offsets: list[int], line: int, column: int) -> Any:
    """The JSON value that starts at a 1-based position (Python's JSON decoder as the oracle)."""
    return json.JSONDecoder().raw_decode(text, offsets[line - 1] + column - 1)[0]


RESOLVER = yaml.resolver.Resolver()


def plain_value(token: yaml.ScalarToken) -> Any:
    """What a scalar token reads as (YAML 1.1): plain scalars resolve, quoted and block ones are strings."""
    if not token.plain:
        return token.value
    tag = RESOLVER.resolve(yaml.ScalarNode, token.value, (True, False))
    try:
        return yaml.constructor.SafeConstructor().construct_object(yaml.ScalarNode(tag, token.value))
    except (ValueError, yaml.YAMLError):
        return token.value


def key_tokens(tokens: list[yaml.Token]) -> dict[tuple[int, int], list[yaml.Token]]:
    """The first token of each mapping key (its anchor, tag or scalar), by 0-based (line, column)."""
    starts: dict[tuple[int, int], list[yaml.Token]] = {}
    for i, token in enumerate(tokens[:-1]):
        if isinstance(token, yaml.KeyToken):
            node = tokens[i + 1 :]
            start = node[0].start_mark
            starts.setdefault((start.line, start.column), []).extend(node[:3])
    return starts


def token_starts(tokens: list[yaml.Token]) -> dict[tuple[int, int], list[yaml.Token]]:
    starts: dict[tuple[int, int], list[yaml.Token]] = {}
    for token in tokens:
        starts.setdefault((token.start_mark.line, token.start_mark.column), []).append(token)
    return starts


def first_scalar(tokens: list[yaml.Token]) -> yaml.ScalarToken | None:
    for token in tokens:
        if isinstance(token, (yaml.AnchorToken, yaml.TagToken)):
            continue
        return token if isinstance(token, yaml.ScalarToken) else None
    return None


def same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return bool(a == b)


def paths(data: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any, bool]]:
    """Every path into the data, with the value there and whether its last step is a mapping key."""
    if isinstance(data, dict):
        for key, value in data.items():
            yield (*prefix, key), value, True
            yield from paths(value, (*prefix, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield (*prefix, index), value, False
            yield from paths(value, (*prefix, index))


def check_positions(text: str, strict: bool) -> int:
    """Assert the locate property for every path of every document the loader accepts; returns paths checked.

    ``strict``: the text is what a YAML emitter wrote, so every key is a scalar token and is compared with the
    key; in mutated text an empty key (``: v``) has no token of its own and only the bounds are checked.
    """
    result = load(text)
    if not result.documents:
        return 0
    lines = yaml_lines(text)
    offsets = line_offsets(text)
    is_json = strict and _parses_as_json(text)
    # token values of surrogate escapes were substituted (positions kept): compare values through JSON then
    compare_tokens = not SURROGATE_ESCAPE.search(text)
    tokens = scan_tokens(text)
    keys_at = key_tokens(tokens)
    starts = token_starts(tokens)
    checked = 0
    for document in result.documents:
        for path, value, is_key in paths(document.data):
            span = locate(document.node, path)
            assert span.matched == len(path), (path, span)
            assert 1 <= span.line <= len(lines), (path, span)
            assert 1 <= span.column <= len(lines[span.line - 1]) + 1, (path, span)
            assert (span.line, span.column) <= (span.end_line, span.end_column), (path, span)
            at = (span.line - 1, span.column - 1)
            if is_json:  # the key, or the whole item, is the JSON value written at the position
                assert same(json_at(text, offsets, span.line, span.column), path[-1] if is_key else value), path
            if is_key:
                key = path[-1]
                found = keys_at.get(at)
                if found is None:
                    assert not strict, f"{path}: no key starts at {span}"
                    continue
                scalar = first_scalar(found)
                if compare_tokens and (scalar is not None or strict):
                    assert scalar is not None, (path, span, found)
                    # a str step matches a key by its text, as locate documents (ports."80" finds 80: http)
                    assert same(plain_value(scalar), key) or scalar.value == str(key), (path, key, scalar)
            else:
                found = starts.get(at, [])
                if value is None and not strict and not found:
                    continue  # an empty node (``- `` then a line break) has no token of its own
                assert any(isinstance(t, TOKENS_STARTING_A_NODE) for t in found), (path, span, found)
                if not isinstance(value, (dict, list)):
                    scalar = first_scalar(found)
                    if compare_tokens and scalar is not None:
                        assert same(plain_value(scalar), value) or not strict, (path, value, scalar)
            checked += 1
    return checked


# --- properties ------------------------------------------------------------------------------------


@PROPERTY_SETTINGS
@given(dumped_documents())
def test_dumped_documents_round_trip_and_every_path_points_at_its_text(document: tuple[Any, str]) -> None:
    data, text = document
    result = load(text)
    assert [p for p in result.problems if p.fatal] == []
    loaded = [d.data for d in result.documents]
    assert same(loaded[-1], data) if not _has_nan(data) else True
    check_positions(text, strict=True)


@PROPERTY_SETTINGS
@given(mutated_texts())
def test_mutated_documents_locate_inside_the_file(text: str) -> None:
    result = load(text)  # never raises: everything wrong is a problem
    for problem in result.problems:
        assert_inside(text, problem.line, problem.column)
        assert "\n" not in problem.message
    if not [p for p in result.problems if p.fatal]:
        check_positions(text, strict=False)


@PROPERTY_SETTINGS
@given(st.one_of(st.text(max_size=300), st.text(alphabet="-:?[]{},&*!|>'\"#%@` \t\n\r\\ax01.~", max_size=300)))
def test_load_never_raises_on_arbitrary_text(text: str) -> None:
    result = load(text)
    lines = yaml_lines(text)
    for problem in result.problems:
        assert_inside(text, problem.line, problem.column)
    for document in result.documents:
        for path, _value, _is_key in paths(document.data):
            span = locate(document.node, path)
            assert 1 <= span.line <= len(lines)


@PROPERTY_SETTINGS
@given(st.integers(MAX_DEPTH - 3, MAX_DEPTH + 3), st.sampled_from(["flow", "block", "mapping"]))
def test_depth_limit_is_exact_in_every_style(depth: int, style: str) -> None:
    if style == "flow":
        text = "[" * depth + "x" + "]" * depth
    elif style == "block":
        text = "- " * depth + "x\n"
    else:
        text = "".join(" " * i + "k:\n" for i in range(depth)) + " " * depth + "v\n"
    result = load(text)
    if depth <= MAX_DEPTH:
        assert result.problems == ()
        check_positions(text, strict=True)
    else:
        assert [p.message for p in result.problems] == [f"nesting deeper than {MAX_DEPTH} levels"]


def _parses_as_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def _has_nan(data: Any) -> bool:
    if isinstance(data, float):
        return math.isnan(data)
    if isinstance(data, dict):
        return any(_has_nan(k) or _has_nan(v) for k, v in data.items())
    if isinstance(data, list):
        return any(_has_nan(v) for v in data)
    return False
