"""Every YAML access of conformance: safe loading with positions kept out-of-band, and path lookup.

Documents are read with libyaml (``yaml.CSafeLoader``) which has the YAML 1.1 semantics Kubernetes uses
(``yes`` is true, ``0644`` is octal). The composed node tree is kept beside the plain data so a path inside
the data resolves to a line and column only when a finding needs one.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

import yaml

from conformance import goyaml

MAX_DEPTH = 256
"""Deepest nesting accepted; deeper documents are rejected before libyaml's recursive composer sees them."""
MAX_DOCUMENTS = 10_000
MAX_ALIAS_EXPANSION = 10_000
"""A document whose aliases expand it to more than this many nodes (and 10x its size) is a bomb."""

_Loader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class Problem:
    """Something wrong in a YAML stream, with a 1-based position."""

    message: str
    line: int
    column: int
    fatal: bool = True
    """False for problems Kubernetes tolerates (duplicate keys): the document is still used."""


@dataclass(frozen=True)
class LoadedDocument:
    index: int
    data: Any
    node: yaml.Node


@dataclass(frozen=True)
class LoadResult:
    documents: tuple[LoadedDocument, ...]
    problems: tuple[Problem, ...]


class _UntrustedTag(yaml.constructor.ConstructorError):
    pass


class _Loader11(_Loader):
    """libyaml safe loader with Kubernetes' view of scalars and a record of duplicate keys."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.duplicates: list[Problem] = []
        self._written: dict[int, list[yaml.Node]] = {}

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        mapping = super().construct_mapping(node, deep=deep)
        if len(mapping) != len(node.value):
            self._record_duplicates(self._written.get(id(node), [k for k, _ in node.value]))
        return mapping

    def _record_duplicates(self, written: list[yaml.Node]) -> None:
        seen: set[Any] = set()
        for key_node in written:
            if not isinstance(key_node, yaml.ScalarNode):
                continue
            if key_node.value in seen:
                mark = key_node.start_mark
                self.duplicates.append(
                    Problem(
                        f"duplicate key {key_node.value!r}: the last value wins, as Kubernetes reads it",
                        mark.line + 1,
                        mark.column + 1,
                        fatal=False,
                    )
                )
            seen.add(key_node.value)


class _MergeLoader(_Loader11):
    """For streams with merge keys (``<<``): remembers each mapping's keys as written, so keys merged in from
    an anchor are not mistaken for duplicates."""

    def flatten_mapping(self, node: yaml.MappingNode) -> None:
        self._written.setdefault(id(node), [k for k, _ in node.value if k.tag != "tag:yaml.org,2002:merge"])
        super().flatten_mapping(node)


def _construct_as_string(loader: yaml.BaseLoader, node: yaml.Node) -> Any:
    # Kubernetes converts YAML to JSON, where a timestamp is just a string.
    return node.value


def _construct_untagged(loader: yaml.BaseLoader, suffix: str, node: yaml.Node) -> Any:
    # Local tags (GitLab's !reference, CloudFormation's !Ref) carry plain data; read it as such.
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node)
    return node.value


def _reject_python_tag(loader: yaml.BaseLoader, suffix: str, node: yaml.Node) -> Any:
    raise _UntrustedTag(None, None, f"tag !!python/{suffix} is not allowed in untrusted YAML", node.start_mark)


def _construct_value_as_string(loader: yaml.BaseLoader, node: yaml.ScalarNode) -> Any:
    # YAML 1.1's "value" type (a plain ``=``), which PyYAML's safe loader cannot build: a string everywhere else
    return loader.construct_scalar(node)


_Loader11.add_constructor("tag:yaml.org,2002:timestamp", _construct_as_string)
_Loader11.add_constructor("tag:yaml.org,2002:value", _construct_value_as_string)
_Loader11.add_multi_constructor("!", _construct_untagged)
_Loader11.add_multi_constructor("tag:yaml.org,2002:python/", _reject_python_tag)

_ANCHOR = re.compile(r"(?:^|[\s\[{,:-])&[^\s\[\]{},&]")
_ALIAS = re.compile(r"(?:^|[\s\[{,:-])\*[^\s\[\]{},*]")
"""Anchor and alias tokens (shell ``&&`` and cron ``* *`` are neither): without both, no alias can expand."""
_BLOCK_PREFIX = re.compile(r"^[ \t?-]*", re.MULTILINE)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_BRACKET_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


def _may_be_too_deep(text: str) -> bool:
    """A cheap upper bound on nesting, so the exact (slower) check runs only on suspicious files.

    Each block level needs one more character of indentation or one more ``- ``/``? `` indicator at the start
    of a line, and each flow level an open bracket, so block depth is bounded by the longest such line prefix
    and flow depth by the bracket depth (brackets inside strings only make the bound looser).
    """
    if len(text) < MAX_DEPTH:
        return False
    block = max((len(m) for m in _BLOCK_PREFIX.findall(text)), default=0)
    if block >= MAX_DEPTH:
        return True
    flow = 0
    if "[" in text or "{" in text:
        depth = 0
        for char in _NOT_BRACKET.sub("", text):
            depth += _BRACKET_STEP[char]
            flow = max(flow, depth)
    return block + flow >= MAX_DEPTH


def _depth_problem(text: str) -> Problem | None:
    """Measure nesting with the event stream (no recursion) and report where it gets too deep."""
    depth = 0
    try:
        for event in yaml.parse(text, Loader=_Loader):
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
                if depth > MAX_DEPTH:
                    mark = event.start_mark
                    line, column = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
                    return Problem(f"nesting deeper than {MAX_DEPTH} levels", line, column)
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
    except yaml.YAMLError:
        return None  # the real load reports the syntax error with its position
    return None


def _alias_problem(root: yaml.Node) -> Problem | None:
    """Reject recursive aliases and aliases that expand a document exponentially (billion laughs)."""
    expanded: dict[int, int] = {}
    on_stack: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if children_done:
            on_stack.discard(key)
            total = 1 + sum(expanded[id(child)] for child in _children(node))
            expanded[key] = total
            continue
        if key in expanded:
            continue
        if key in on_stack:
            mark = node.start_mark
            return Problem("recursive alias: the document refers to itself", mark.line + 1, mark.column + 1)
        on_stack.add(key)
        stack.append((node, True))
        for child in _children(node):
            if id(child) in on_stack:
                mark = child.start_mark
                return Problem("recursive alias: the document refers to itself", mark.line + 1, mark.column + 1)
            if id(child) not in expanded:
                stack.append((child, False))
    total = expanded[id(root)]
    if total > MAX_ALIAS_EXPANSION and total > 10 * len(expanded):
        mark = root.start_mark
        return Problem(
            f"aliases expand this document to {total} nodes from {len(expanded)}: refused as an alias bomb",
            mark.line + 1,
            mark.column + 1,
        )
    return None


def _children(node: yaml.Node) -> Iterator[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            yield key
            yield value
    elif isinstance(node, yaml.SequenceNode):
        yield from node.value


_LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")


def _reader_problem(error: yaml.reader.ReaderError, text: str) -> Problem:
    # a reader error has no marks, only an offset: in bytes of UTF-8 for libyaml, in characters otherwise
    if _Loader is yaml.SafeLoader:
        prefix = text[: error.position]
    else:
        prefix = text.encode("utf-8")[: error.position].decode("utf-8", errors="replace")
    lines = _LINE_BREAK.split(prefix)
    character = error.character
    shown = f"#x{character:04x}" if isinstance(character, int) else repr(character)
    return Problem(f"invalid YAML: unacceptable character {shown}: {error.reason}", len(lines), len(lines[-1]) + 1)


def _problem_from_error(error: yaml.YAMLError, text: str = "") -> Problem:
    if isinstance(error, yaml.reader.ReaderError):
        return _reader_problem(error, text)
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    line, column = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    problem = getattr(error, "problem", None)
    context = getattr(error, "context", None)
    text = " ".join(part for part in (context, problem) if part) or str(error)
    return Problem(f"invalid YAML: {text}", line, column)


_JSON_START = re.compile(r"\A[\s\ufeff]*\{")
_SURROGATE_ESCAPE = re.compile(
    r"(?<!\\)(?P<before>(?:\\\\)*)"  # an even run of backslashes: the next one starts an escape
    r"(?:\\u(?P<high>[dD][89abAB][0-9a-fA-F]{2})\\u(?P<low>[dD][c-fC-F][0-9a-fA-F]{2})"
    r"|\\u(?P<lone>[dD][89a-fA-F][0-9a-fA-F]{2}))"
)


class _ColumnShifts:
    """Where rewriting a text removed characters: maps positions in the rewritten text back to the original."""

    def __init__(self) -> None:
        self.by_line: dict[int, list[int]] = {}
        """0-based line -> rewritten columns of each 2-character cut on that line, ascending."""

    def column(self, line: int, column: int) -> int:
        cuts = self.by_line.get(line)
        return column if not cuts else column + 2 * bisect.bisect_right(cuts, column)

    def mark(self, mark: Any) -> Any:
        if mark is None or mark.line not in self.by_line:
            return mark
        return yaml.error.Mark(mark.name, mark.index, mark.line, self.column(mark.line, mark.column), None, 0)

    def problem(self, problem: Problem) -> Problem:
        return replace(problem, column=self.column(problem.line - 1, problem.column - 1) + 1)

    def document(self, document: LoadedDocument) -> None:
        seen: set[int] = set()
        stack: list[yaml.Node] = [document.node]
        while stack:
            node = stack.pop()
            if id(node) in seen:  # an alias shares its node: shift it once
                continue
            seen.add(id(node))
            node.start_mark = self.mark(node.start_mark)
            node.end_mark = self.mark(node.end_mark)
            stack.extend(_children(node))


def _join_surrogate_escapes(text: str) -> tuple[str, _ColumnShifts | None]:
    """JSON escapes a character outside the BMP as a UTF-16 surrogate pair (Python's ``json.dumps`` writes an
    emoji as ``"\\ud83d\\ude00"``), which YAML has no notion of: libyaml refuses the document. Kubernetes reads a
    stream that starts with ``{`` as JSON, so for such a stream each pair becomes YAML's ``\\U0001f600`` (two
    characters shorter: positions after it on its line are mapped back) and a lone surrogate becomes U+FFFD, as
    Go's JSON decoder reads it (same length). Outside JSON the escapes stay errors, as they are for Kubernetes."""
    if "\\u" not in text or not _JSON_START.match(text):
        return text, None
    shifts = _ColumnShifts()
    pieces: list[str] = []
    done = 0
    line = 0
    line_start = 0
    removed = 0  # characters removed so far on the current line
    for match in _SURROGATE_ESCAPE.finditer(text):
        escape = match.start() + len(match["before"])
        for brk in _LINE_BREAK.finditer(text, line_start, escape):
            line += 1
            line_start = brk.end()
            removed = 0
        pieces.append(text[done:escape])
        if match["lone"]:
            pieces.append("\\ufffd")
        else:
            code = 0x10000 + ((int(match["high"], 16) - 0xD800) << 10) + (int(match["low"], 16) - 0xDC00)
            pieces.append(f"\\U{code:08x}")
            shifts.by_line.setdefault(line, []).append(escape - line_start - removed + 10)
            removed += 2
        done = match.end()
    if done == 0:
        return text, None
    pieces.append(text[done:])
    return "".join(pieces), shifts if shifts.by_line else None


def load(text: str) -> LoadResult:
    """Load every document of a YAML (or JSON) stream, keeping what precedes a syntax error."""
    text, shifts = _join_surrogate_escapes(text)
    result = _load(text)
    if result.problems and _JSON_START.match(text) and any(p.fatal for p in result.problems):
        result = _json_stream(text) or result
    if shifts is None:
        return result
    for document in result.documents:
        shifts.document(document)
    return LoadResult(result.documents, tuple(shifts.problem(p) for p in result.problems))


def _load(text: str) -> LoadResult:
    if _may_be_too_deep(text):
        deep = _depth_problem(text)
        if deep is not None:
            return LoadResult((), (deep,))
    check_aliases = "*" in text and "&" in text and _ANCHOR.search(text) is not None and _ALIAS.search(text) is not None
    documents: list[LoadedDocument] = []
    problems: list[Problem] = []
    loader = _MergeLoader(text) if "<<" in text else _Loader11(text)
    try:
        index = 0
        while loader.check_node():
            node = loader.get_node()
            if len(documents) >= MAX_DOCUMENTS:
                mark = node.start_mark
                problems.append(Problem(f"more than {MAX_DOCUMENTS} documents in one file", mark.line + 1, 1))
                break
            if check_aliases:
                alias_problem = _alias_problem(node)
                if alias_problem is not None:
                    problems.append(alias_problem)
                    index += 1
                    continue
            data = _construct(loader, node)
            documents.append(LoadedDocument(index, data, node))
            index += 1
    except yaml.YAMLError as error:
        problems.append(_problem_from_error(error, text))
    except RecursionError:
        problems.append(Problem(f"nesting deeper than {MAX_DEPTH} levels", 1, 1))
    finally:
        loader.dispose()
    problems.extend(loader.duplicates)
    return LoadResult(tuple(documents), tuple(problems))


# --- Kubernetes objects: plain scalars as go-yaml v2 and the JSON step read them (see conformance.goyaml) ---


def _is_kubernetes_root(node: yaml.Node) -> bool:
    """A document whose top is a mapping with scalar ``apiVersion`` and ``kind``: what the API server reads."""
    if not isinstance(node, yaml.MappingNode):
        return False
    found = 0
    for key_node, value_node in node.value:
        if (
            isinstance(key_node, yaml.ScalarNode)
            and key_node.value in ("apiVersion", "kind")
            and isinstance(value_node, yaml.ScalarNode)
        ):
            found += 1
    return found >= 2


def _go_string(loader: yaml.BaseLoader, node: yaml.ScalarNode) -> Any:
    value = node.value
    if type(value) is not str:  # ``!!str`` on a collection: PyYAML's error
        return loader.construct_scalar(node)
    if node.style or not value or value[0] not in _GO_HINTS:
        return value
    return goyaml.plain_scalar(value)


def _go_number(loader: yaml.BaseLoader, node: yaml.ScalarNode) -> Any:
    if node.style:  # an explicit tag on a quoted scalar (``!!int "8"``): PyYAML's reading
        return _Loader11.yaml_constructors[node.tag](loader, node)
    return goyaml.plain_scalar(node.value)


def _go_map(loader: yaml.BaseLoader, node: yaml.MappingNode) -> Iterator[dict[Any, Any]]:
    data: dict[Any, Any] = {}
    yield data
    value = loader.construct_mapping(node)
    if all(type(key) is str for key in value):
        data.update(value)
    else:  # JSON keys are strings: ``8080:`` is "8080", ``on:`` is "true"
        data.update((goyaml.json_key(key), item) for key, item in value.items())


_GO_HINTS = goyaml.HINTS
_GO_CONSTRUCTORS: dict[Any, Any] = {
    **_Loader11.yaml_constructors,
    "tag:yaml.org,2002:map": _go_map,
    "tag:yaml.org,2002:str": _go_string,
    "tag:yaml.org,2002:int": _go_number,
    "tag:yaml.org,2002:float": _go_number,
}


def _construct(loader: _Loader11, node: yaml.Node) -> Any:
    """Build a document's data; a Kubernetes object's plain scalars are read as Kubernetes reads them."""
    if not _is_kubernetes_root(node):
        return loader.construct_document(node)
    loader.yaml_constructors = _GO_CONSTRUCTORS  # this document only: the class keeps PyYAML's table
    try:
        return loader.construct_document(node)
    finally:
        del loader.yaml_constructors


@dataclass(frozen=True)
class NodeSpan:
    """Where a path was found: 1-based start and end of the node (or its key), and how much matched."""

    line: int
    column: int
    end_line: int
    end_column: int
    matched: int
    """How many steps of the path exist in the document (== len(path) when the path resolved fully)."""


_SCALAR_CONSTRUCTOR = yaml.constructor.SafeConstructor()
_NO_VALUE = object()
_RESOLVED_KEY_TAGS = frozenset(
    {"tag:yaml.org,2002:null", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float", "tag:yaml.org,2002:bool"}
)


def _scalar_key(key_node: yaml.ScalarNode) -> Any:
    """The value a null, int, float or bool key reads as (``~``, ``0x1F``, ``1.0e+20``), else a sentinel."""
    if key_node.tag not in _RESOLVED_KEY_TAGS:
        return _NO_VALUE
    construct = yaml.constructor.SafeConstructor.yaml_constructors[key_node.tag]
    try:
        return construct(_SCALAR_CONSTRUCTOR, key_node)
    except (ValueError, yaml.YAMLError):
        return _NO_VALUE


def _key_matches(key_node: yaml.Node, key: Any) -> bool:
    if not isinstance(key_node, yaml.ScalarNode):
        return False
    if isinstance(key, str):
        if key_node.value == key:
            return True
        # a Kubernetes object's key as JSON has it: ``on:`` is "true", ``0x1F:`` is "31" (see goyaml.json_key)
        return not key_node.style and bool(goyaml.json_key(goyaml.plain_scalar(key_node.value)) == key)
    if isinstance(key, bool):
        words = ("yes", "true", "on") if key else ("no", "false", "off")
        return key_node.tag == "tag:yaml.org,2002:bool" and key_node.value.lower() in words
    if key_node.value == str(key):
        return True
    # the key as written differs from its Python text: null (``~``, ``null``, empty), ``1.0e+20``, ``0x1F``
    value = _scalar_key(key_node)
    return value is not _NO_VALUE and bool(value == key)


def locate(root: yaml.Node, path: tuple[Any, ...]) -> NodeSpan:
    """Resolve a path to the position of its node; for a missing key, the nearest existing parent.

    A mapping entry is reported at its key (``privileged: true`` points at ``privileged``), a sequence item
    at the item itself, and the end is the end of the value. An alias is reported where its anchor is (the
    aliased node's position), except the value of a mapping entry, whose span is then its key.
    """
    node = root
    anchor: yaml.Node = root  # what the position points at: a key node or the item node
    matched = 0
    for step in path:
        found = None
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:  # the last duplicate wins, as in the data
                if _key_matches(key_node, step):
                    found = (key_node, value_node)
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and 0 <= step < len(node.value):
            item = node.value[step]
            found = (item, item)
        if found is None:
            break
        anchor, node = found
        matched += 1
    start = anchor.start_mark
    end = node.end_mark
    if (end.line, end.column) < (start.line, start.column):
        # the value is an alias (``labels: *common``): its node sits at the anchor, earlier in the file, and the
        # alias itself has no node; the span is the key alone rather than a region that ends before it starts
        end = anchor.end_mark
    return NodeSpan(start.line + 1, start.column + 1, end.line + 1, end.column + 1, matched)


MAX_JSON_VALUES = MAX_DOCUMENTS


def _json_stream(text: str) -> LoadResult | None:
    """A stream of JSON objects one after another (``{...}\n{...}``), which kubectl reads as one object each:
    each is loaded on its own, padded so its lines and columns are those of the file. None when the text is
    not such a stream (then the YAML error stands)."""
    import json

    decoder = json.JSONDecoder()
    spans: list[tuple[int, int]] = []
    position, end = 0, len(text)
    while True:
        while position < end and text[position] in " \t\r\n\ufeff":
            position += 1
        if position >= end:
            break
        if text[position] != "{" or len(spans) >= MAX_JSON_VALUES:
            return None
        try:
            _, stop = decoder.raw_decode(text, position)
        except (ValueError, RecursionError):  # not JSON, or nested past the bound the YAML reading reported
            return None
        spans.append((position, stop))
        position = stop
    if len(spans) < 2:
        return None
    documents: list[LoadedDocument] = []
    problems: list[Problem] = []
    for start, stop in spans:
        line = text.count("\n", 0, start)
        column = start - (text.rfind("\n", 0, start) + 1)
        loaded = _load("\n" * line + " " * column + text[start:stop])
        documents.extend(replace(d, index=len(documents) + i) for i, d in enumerate(loaded.documents))
        problems.extend(loaded.problems)
    return LoadResult(tuple(documents), tuple(problems))

