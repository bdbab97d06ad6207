"""Where every node of a YAML stream is written: a tree of positions built from ruamel.yaml's round-trip parser.

ruamel.yaml's events carry character offsets for every node, aliases included (a composed tree loses where an
alias is written: it shares the anchor's node). The tree keeps, per node, its kind, its span in the text, its
style (block or flow, scalar quoting), its anchor and, for scalars, the text ruamel read. The editor
(:mod:`.yamledit`) cuts the text at these offsets; nothing is ever re-emitted from a parsed tree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SCALAR = "scalar"
MAPPING = "mapping"
SEQUENCE = "sequence"
ALIAS = "alias"


class TreeError(Exception):
    """The text cannot be parsed by the round-trip parser (with its position when known)."""


@dataclass
class TextNode:
    """One node as written: ``start``/``end`` are character offsets into the file's text."""

    kind: str
    start: int
    end: int
    line: int
    column: int
    flow: bool = False
    anchor: str | None = None
    value: str = ""
    style: str | None = None
    """Scalars: None (plain), ``'``, ``"``, ``|`` or ``>``."""
    tag: str | None = None
    entries: list[tuple[TextNode, TextNode]] = field(default_factory=list)
    items: list[TextNode] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        """A null written as nothing (``key:``): ruamel places it at the next token, so its span is meaningless."""
        return self.kind == SCALAR and self.style is None and self.value == "" and self.start == self.end

    @property
    def block(self) -> bool:
        return self.kind in (MAPPING, SEQUENCE) and not self.flow


@dataclass(frozen=True)
class TextDocument:
    index: int
    root: TextNode
    aliased: frozenset[str]
    """Anchors some alias of the document refers to: editing inside such a node changes every user."""


def parse(text: str) -> list[TextDocument]:
    """Every document of the stream, with positions; ``TreeError`` when ruamel.yaml cannot parse it."""
    from ruamel.yaml import YAML
    from ruamel.yaml import events as ev
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    documents: list[TextDocument] = []
    stack: list[TextNode] = []
    pending_key: list[TextNode | None] = []
    root: TextNode | None = None
    aliased: set[str] = set()

    def attach(node: TextNode) -> None:
        nonlocal root
        if not stack:
            root = node
            return
        parent = stack[-1]
        if parent.kind == SEQUENCE:
            parent.items.append(node)
        elif pending_key[-1] is None:
            pending_key[-1] = node
        else:
            key = pending_key[-1]
            assert key is not None
            parent.entries.append((key, node))
            pending_key[-1] = None

    try:
        for event in YAML(typ="rt").parse(text):
            mark = event.start_mark
            if isinstance(event, ev.DocumentStartEvent):
                root, aliased = None, set()
            elif isinstance(event, ev.DocumentEndEvent):
                if root is not None:
                    documents.append(TextDocument(len(documents), root, frozenset(aliased)))
            elif isinstance(event, ev.ScalarEvent):
                attach(
                    TextNode(
                        SCALAR,
                        mark.index,
                        event.end_mark.index,
                        mark.line,
                        mark.column,
                        anchor=_anchor(event),
                        value=event.value,
                        style=event.style,
                        tag=event.tag,
                    )
                )
            elif isinstance(event, ev.AliasEvent):
                aliased.add(_anchor(event) or "")
                attach(
                    TextNode(
                        ALIAS, mark.index, event.end_mark.index, mark.line, mark.column, value=_anchor(event) or ""
                    )
                )
            elif isinstance(event, (ev.MappingStartEvent, ev.SequenceStartEvent)):
                kind = MAPPING if isinstance(event, ev.MappingStartEvent) else SEQUENCE
                node = TextNode(
                    kind,
                    mark.index,
                    mark.index,
                    mark.line,
                    mark.column,
                    bool(event.flow_style),
                    _anchor(event),
                    tag=event.tag,
                )
                attach(node)
                stack.append(node)
                pending_key.append(None)
            elif isinstance(event, (ev.MappingEndEvent, ev.SequenceEndEvent)):
                node = stack.pop()
                pending_key.pop()
                node.end = event.end_mark.index
    except MarkedYAMLError as exc:
        where = exc.problem_mark or exc.context_mark
        position = f" at line {where.line + 1}, column {where.column + 1}" if where is not None else ""
        raise TreeError(f"the round-trip parser cannot read the file{position}: {exc.problem or exc}") from None
    except (YAMLError, ValueError) as exc:
        raise TreeError(f"the round-trip parser cannot read the file: {exc}") from None
    return documents


def _anchor(event: Any) -> str | None:
    anchor = getattr(event, "anchor", None)
    if anchor is None:
        return None
    return str(getattr(anchor, "value", anchor))


def content_end(text: str, node: TextNode) -> int:
    """Where the last character written for a node ends (a block scalar without its trailing blank lines, a
    block collection at its last child's end)."""
    while node.block:
        last = (
            node.entries[-1][1] if node.kind == MAPPING and node.entries else (node.items[-1] if node.items else None)
        )
        if last is None:
            return node.start
        if node.kind == MAPPING and last.empty:
            return colon_end(text, node.entries[-1][0])
        node = last
    if node.kind == SCALAR and node.style in ("|", ">"):
        end = node.end
        while end > node.start and text[end - 1] in " \t\r\n":
            end -= 1
        return end
    return node.end


def colon_end(text: str, key: TextNode) -> int:
    """The offset just past the ``:`` that follows a mapping key."""
    position = key.end
    while position < len(text) and text[position] in " \t":
        position += 1
    if position < len(text) and text[position] == ":":
        return position + 1
    return key.end


def line_end(text: str, position: int) -> int:
    """The offset of the line break ending the line that holds ``position`` (or the end of the text)."""
    for index in range(position, len(text)):
        if text[index] in "\r\n":
            return index
    return len(text)


def line_start(text: str, position: int) -> int:
    return max(text.rfind("\n", 0, position), text.rfind("\r", 0, position)) + 1
