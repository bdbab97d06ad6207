"""Surgical edits of YAML text: the difference between a document's data before and after its operations,
written into the text at the offsets of :mod:`.yamltree`, and nowhere else.

Why text edits and not a re-emitted tree: ruamel.yaml's round-trip dumper keeps comments and key order, but it
re-indents sequences to one style, re-wraps long lines, normalises spacing after ``-`` and ``:`` and moves some
comments, so a file it re-emits differs in lines nobody edited. Cutting the text at the parser's offsets leaves
every byte outside the edited nodes as it was, by construction; the new text is then loaded again and must give
exactly the expected data (see :mod:`.apply`).

What is written: a changed scalar replaces the scalar's characters; a new key goes after the entry before it
in the new data (its own line at the mapping's indentation in block style, ``, key: value`` in flow style);
new sequence items go after the last item; collections are written in the style of their surroundings, with the
file's own indentation step and sequence indentation. Anchors and aliases: an alias whose value must change is
replaced by a copy of the new value (the anchor and its other users keep theirs); an anchored node that must
change is edited only when every alias of it must change the same way, else the edit is refused.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from conformance.fix.yamlstyle import (
    Style,
    dash_column,
    is_collection,
    plain_tag,
    render_block,
    render_entry,
    render_flow,
    render_key,
)
from conformance.fix.yamltree import (
    ALIAS,
    MAPPING,
    SCALAR,
    SEQUENCE,
    TextDocument,
    TextNode,
    colon_end,
    content_end,
    line_end,
    line_start,
)

MERGE_KEY = "<<"


class EditRefused(Exception):
    """The change cannot be written safely into the text (the message says why)."""


@dataclass(frozen=True)
class Edit:
    """Replace ``text[start:end]`` by ``replacement``."""

    start: int
    end: int
    replacement: str


# --- matching data keys to written keys ---------------------------------------------------------------------


def key_matches(node: TextNode, key: Any) -> bool:
    """Whether a written key is the data key ``key`` (YAML 1.1 as the scanner reads it, JSON keys for objects)."""
    import yaml

    from conformance.yamlio import _key_matches

    if node.kind != SCALAR:
        return False
    plain = node.style is None
    tag = plain_tag(node.value) if plain else "tag:yaml.org,2002:str"
    return bool(_key_matches(yaml.ScalarNode(tag, node.value, style=node.style), key))


def _is_merge(node: TextNode) -> bool:
    return node.kind == SCALAR and node.style is None and node.value == MERGE_KEY


# --- the difference, as edits ---------------------------------------------------------------------------------

_MISSING = object()


def plain_copy(data: Any) -> Any:
    """A copy without shared parts: what an alias shares in the loaded data becomes independent, so an
    operation through one path changes that path only."""
    if isinstance(data, Mapping):
        return {key: plain_copy(value) for key, value in data.items()}
    if isinstance(data, list):
        return [plain_copy(value) for value in data]
    return data


def same(a: Any, b: Any) -> bool:
    """Equality that tells ``True`` from ``1`` and keeps key order out of it."""
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=False))
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    return type(a) is type(b) and a == b if isinstance(a, (int, float, str)) else a is b or a == b


class DocumentEditor:
    """Edits that turn one document's text from its ``old`` data into ``new``."""

    def __init__(self, text: str, document: TextDocument, style: Style) -> None:
        self.text = text
        self.document = document
        self.style = style
        self.edits: list[Edit] = []
        self.copied: list[str] = []
        """Anchors whose alias was replaced by a copy (reported to the user)."""
        self._anchor_values: dict[str, list[Any]] = {}

    def diff(self, old: Any, new: Any) -> list[Edit]:
        self._collect(self.document.root, new)
        self._walk(self.document.root, old, new, None)
        return sorted(self.edits, key=lambda e: (e.start, e.end))

    # the new values every user of an anchor sees (the anchored node itself first)
    def _collect(self, node: TextNode, new: Any) -> None:
        stack: list[tuple[TextNode, Any]] = [(node, new)]
        while stack:
            current, value = stack.pop()
            if current.anchor is not None:
                self._anchor_values.setdefault(current.anchor, []).insert(0, value)
            if current.kind == ALIAS:
                self._anchor_values.setdefault(current.value, []).append(value)
            elif current.kind == MAPPING:
                for key, item in current.entries:
                    if _is_merge(key):
                        for alias in item.items if item.kind == SEQUENCE else [item]:
                            self._anchor_values.setdefault(alias.value, []).append(_MISSING)
                        continue
                    data_key = _data_key(key, value) if isinstance(value, Mapping) else _MISSING
                    if data_key is not _MISSING:
                        stack.append((item, value[data_key]))
            elif current.kind == SEQUENCE and isinstance(value, list):
                stack.extend(zip(current.items, value, strict=False))

    def _walk(self, node: TextNode, old: Any, new: Any, holder: TextNode | None) -> None:
        """``holder`` is the key whose value ``node`` is (None for a sequence item or the root)."""
        if same(old, new):
            return
        if node.kind == ALIAS:
            users = self._anchor_values.get(node.value, [])
            if users and users[0] is not _MISSING and same(users[0], new):
                return  # the anchored node is changed the same way, and the alias reads it
            self.copied.append(node.value)
            self._replace(node, new, holder)
            return
        if node.anchor is not None and node.anchor in self.document.aliased:
            users = self._anchor_values.get(node.anchor, [])
            if not all(value is not _MISSING and same(value, new) for value in users):
                raise EditRefused(
                    f"the change would also change the other users of anchor &{node.anchor} (at line "
                    f"{node.line + 1}): fix it by hand"
                )
        if node.kind == MAPPING and isinstance(old, Mapping) and isinstance(new, Mapping):
            self._walk_mapping(node, old, new)
        elif node.kind == SEQUENCE and isinstance(old, list) and isinstance(new, list):
            self._walk_sequence(node, old, new)
        else:
            self._replace(node, new, holder)

    def _walk_mapping(self, node: TextNode, old: Mapping[Any, Any], new: Mapping[Any, Any]) -> None:
        entries: dict[Any, tuple[TextNode, TextNode]] = {}
        merges = False
        for key_node, value_node in node.entries:
            if _is_merge(key_node):
                merges = True
                continue
            for data_key in (*old.keys(), *(k for k in new if k not in old)):
                if key_matches(key_node, data_key):
                    entries[data_key] = (key_node, value_node)  # the last duplicate wins, as in the data
                    break
        added: list[tuple[Any, Any, Any]] = []  # (key, value, the key it follows)
        previous: Any = _MISSING
        for key, value in new.items():
            if key in entries:
                key_node, value_node = entries[key]
                if key in old:
                    self._walk(value_node, old[key], value, key_node)
                else:  # written as null, which Kubernetes' reading leaves out of the data
                    self._replace(value_node, value, key_node)
            elif key not in old or not same(old[key], value):
                added.append((key, value, previous))
            previous = key
        for key in old:
            if key not in new:
                if key not in entries:
                    raise EditRefused(f"cannot remove {key!r}: it comes from a merged anchor")
                self._remove_entry(node, *entries[key])
        if added:
            self._insert_entries(node, entries, added, merges)

    def _walk_sequence(self, node: TextNode, old: list[Any], new: list[Any]) -> None:
        if len(node.items) != len(old):
            raise EditRefused(f"the sequence at line {node.line + 1} is not written as it reads")
        if len(new) > len(old) and all(same(a, b) for a, b in zip(old, new, strict=False)):
            self._append_items(node, new[len(old) :])
            return
        if len(new) != len(old):
            raise EditRefused(f"cannot rewrite the sequence at line {node.line + 1} in place")
        for item, before, after in zip(node.items, old, new, strict=False):
            self._walk(item, before, after, None)

    # --- writing ---

    def _replace(self, node: TextNode, value: Any, holder: TextNode | None) -> None:
        """Write ``value`` in place of ``node`` (a scalar, an alias, a collection of another shape)."""
        text, style = self.text, self.style
        block_context = node.kind != ALIAS and not self._in_flow(node)
        if node.kind == ALIAS:
            block_context = not self._in_flow(node)
        start = _properties_end(text, node)  # an anchor (&a) or tag (!t) written before the value stays
        properties = text[node.start : start].rstrip(" \t")
        if not is_collection(value) or not block_context:
            rendered = render_flow(value, style)
            if node.empty and holder is not None:
                self.edits.append(Edit(colon_end(text, holder), colon_end(text, holder), " " + rendered))
            else:
                self.edits.append(Edit(start, content_end(text, node), rendered))
            return
        if holder is not None:
            indent = holder.column + (0 if isinstance(value, list) and style.indentless else style.step)
            lines = render_block(value, indent, style)
            begin = colon_end(text, holder)
            end = begin if node.empty else content_end(text, node)
            head = " " + properties if properties else ""
            self.edits.append(Edit(begin, end, head + style.newline + style.newline.join(lines)))
            return
        if properties:
            raise EditRefused(f"cannot rewrite the anchored or tagged value at line {node.line + 1}: fix it by hand")
        lines = render_block(value, node.column, style)
        lines[0] = lines[0][node.column :]
        self.edits.append(Edit(node.start, content_end(text, node), style.newline.join(lines)))

    def _in_flow(self, target: TextNode) -> bool:
        """Whether a node sits inside a flow collection (then whatever replaces it is written in flow style)."""
        stack: list[tuple[TextNode, bool]] = [(self.document.root, False)]
        while stack:
            node, flow = stack.pop()
            if node is target:
                return flow
            inner = flow or node.flow
            if node.kind == MAPPING:
                stack.extend((child, inner) for pair in node.entries for child in pair)
            elif node.kind == SEQUENCE:
                stack.extend((child, inner) for child in node.items)
        return False

    def _insert_entries(
        self,
        node: TextNode,
        entries: dict[Any, tuple[TextNode, TextNode]],
        added: list[tuple[Any, Any, Any]],
        merges: bool,
    ) -> None:
        text, style = self.text, self.style
        groups: dict[int, list[tuple[Any, Any]]] = {}
        order: list[int] = []
        for key, value, previous in added:
            after = entries.get(previous)
            anchor_pair = after if after is not None else (node.entries[-1] if node.entries else None)
            if node.flow:
                position = content_end(text, anchor_pair[1]) if anchor_pair else node.start + 1
                if anchor_pair and anchor_pair[1].empty:
                    position = colon_end(text, anchor_pair[0])
            else:
                assert anchor_pair is not None  # a block mapping has at least one entry
                value_node = anchor_pair[1]
                end = colon_end(text, anchor_pair[0]) if value_node.empty else content_end(text, value_node)
                position = line_end(text, end)
            if position not in groups:
                groups[position] = []
                order.append(position)
            groups[position].append((key, value))
        for position in order:
            pairs = groups[position]
            if node.flow:
                self.edits.append(Edit(position, position, self._flow_entries(node, pairs)))
            else:
                indent = node.entries[0][0].column
                lines = [line for key, value in pairs for line in render_entry(key, value, indent, style)]
                self.edits.append(Edit(position, position, style.newline + style.newline.join(lines)))

    def _flow_entries(self, node: TextNode, pairs: list[tuple[Any, Any]]) -> str:
        style = self.style
        rendered = [f"{render_key(k, style)}: {render_flow(v, style)}" for k, v in pairs]
        if not node.entries:
            return ", ".join(rendered)
        multiline = "\n" in self.text[node.start : node.end] or "\r" in self.text[node.start : node.end]
        if multiline:
            indent = " " * node.entries[-1][0].column
            return "".join("," + style.newline + indent + item for item in rendered)
        return "".join(", " + item for item in rendered)

    def _append_items(self, node: TextNode, values: list[Any]) -> None:
        text, style = self.text, self.style
        if node.flow:
            rendered = [render_flow(v, style) for v in values]
            if node.items:
                self.edits.append(Edit(node.items[-1].end, node.items[-1].end, "".join(", " + r for r in rendered)))
            else:
                self.edits.append(Edit(node.start + 1, node.start + 1, ", ".join(rendered)))
            return
        last = node.items[-1]
        dash = dash_column(text, last)
        if dash is None:
            raise EditRefused(f"cannot append to the sequence at line {node.line + 1}")
        gap = max(last.column - dash, 2) if last.line == _line_of(text, last.start - 1) else 2
        lines: list[str] = []
        for value in values:
            if is_collection(value):
                inner = render_block(value, dash + gap, style)
                lines.append(" " * dash + "-" + " " * (gap - 1) + inner[0][dash + gap :])
                lines.extend(inner[1:])
            else:
                lines.append(" " * dash + "-" + " " * (gap - 1) + render_flow(value, style))
        position = line_end(text, content_end(text, last))
        self.edits.append(Edit(position, position, style.newline + style.newline.join(lines)))

    def _remove_entry(self, node: TextNode, key: TextNode, value: TextNode) -> None:
        text = self.text
        if node.flow:
            raise EditRefused(f"removing {key.value!r} from a flow mapping is not supported: fix it by hand")
        start = line_start(text, key.start)
        if text[start : key.start].strip(" \t"):
            raise EditRefused(f"cannot remove {key.value!r}: it shares its line with other content")
        end = line_end(text, colon_end(text, key) if value.empty else content_end(text, value))
        if end < len(text):
            end += 2 if text.startswith("\r\n", end) else 1
        self.edits.append(Edit(start, end, ""))


def _properties_end(text: str, node: TextNode) -> int:
    """Where a node's value starts after the anchor and tag written before it (``&a !!str value``)."""
    position = node.start
    if node.kind == ALIAS or node.empty:
        return position
    while position < len(text) and text[position] in "&!":
        while position < len(text) and text[position] not in " \t\r\n,[]{}":
            position += 1
        while position < len(text) and text[position] in " \t":
            position += 1
    return position


def _line_of(text: str, position: int) -> int:
    return text.count("\n", 0, max(position, 0))


def _data_key(key_node: TextNode, data: Mapping[Any, Any]) -> Any:
    found: Any = _MISSING
    for key in data:
        if key_matches(key_node, key):
            found = key
    return found


def apply_edits(text: str, edits: list[Edit]) -> str:
    """The text with non-overlapping edits applied (overlapping ones are refused)."""
    ordered = sorted(edits, key=lambda e: (e.start, e.end))
    for first, second in itertools.pairwise(ordered):
        if second.start < first.end:
            raise EditRefused("two edits overlap: fix this file by hand")
    pieces: list[str] = []
    done = 0
    for edit in ordered:
        pieces.append(text[done : edit.start])
        pieces.append(edit.replacement)
        done = edit.end
    pieces.append(text[done:])
    return "".join(pieces)
