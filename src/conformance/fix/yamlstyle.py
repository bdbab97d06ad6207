"""How a YAML file is written, and new values written the same way: the file's newline, indentation step and
sequence indentation (detected per file), and scalars quoted only when a plain scalar would read otherwise."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from conformance.fix.yamltree import MAPPING, SEQUENCE, TextDocument, TextNode, line_start


@dataclass(frozen=True)
class Style:
    """How a file writes YAML: what new text imitates."""

    newline: str = "\n"
    step: int = 2
    indentless: bool = False
    """Block sequences under a key start at the key's column (``containers:\\n- name: x``)."""
    json: bool = False
    """The document is JSON: new keys and strings are double-quoted."""


def detect_style(text: str, documents: list[TextDocument]) -> Style:
    """The newline, indentation step and sequence indentation most of the file uses."""
    steps: Counter[int] = Counter()
    indentless: Counter[bool] = Counter()
    stack = [d.root for d in documents]
    while stack:
        node = stack.pop()
        if node.kind == MAPPING:
            for key, value in node.entries:
                if value.block and value.kind == MAPPING and value.entries:
                    difference = value.entries[0][0].column - key.column
                    if difference > 0 and value.entries[0][0].line > key.line:
                        steps[difference] += 1
                if value.block and value.kind == SEQUENCE and value.items:
                    dash = dash_column(text, value.items[0])
                    if dash is not None and value.items[0].line > key.line:
                        indentless[dash == key.column] += 1
                stack.append(value)
        elif node.kind == SEQUENCE:
            stack.extend(node.items)
    newline = "\r\n" if "\r\n" in text else "\n"
    first = text.lstrip("\ufeff \t\r\n")
    return Style(
        newline=newline,
        step=steps.most_common(1)[0][0] if steps else 2,
        indentless=indentless.most_common(1)[0][0] if indentless else False,
        json=first.startswith(("{", "[")),
    )


def dash_column(text: str, item: TextNode) -> int | None:
    """The column of the ``-`` that introduces a block sequence item written on the dash's line."""
    position = item.start - 1
    while position >= 0 and text[position] in " \t":
        position -= 1
    if position >= 0 and text[position] == "-":
        return position - line_start(text, position)
    return None


# --- rendering new values ---------------------------------------------------------------------------------

_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_./-]*")


def render_scalar(value: Any, style: Style) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return json.dumps(value)
    text = str(value)
    if not style.json and _PLAIN.fullmatch(text) and _reads_as_string(text):
        return text
    return json.dumps(text, ensure_ascii=False)


@lru_cache(maxsize=4096)
def plain_tag(text: str) -> str:
    """The tag YAML 1.1 (PyYAML's resolver, as the scanner's) gives a plain scalar."""
    import yaml

    return str(yaml.resolver.Resolver().resolve(yaml.ScalarNode, text, (True, False)))


def _reads_as_string(text: str) -> bool:
    """Whether a plain scalar reads back as this string in YAML 1.1 and in Kubernetes' reading."""
    from conformance import goyaml

    return plain_tag(text) == "tag:yaml.org,2002:str" and goyaml.plain_scalar(text) == text


def render_key(key: Any, style: Style) -> str:
    return render_scalar(key, style) if not isinstance(key, bool) else json.dumps(str(key).lower())


def render_flow(value: Any, style: Style) -> str:
    if isinstance(value, Mapping):
        sep = ", "
        return "{" + sep.join(f"{render_key(k, style)}: {render_flow(v, style)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(render_flow(v, style) for v in value) + "]"
    return render_scalar(value, style)


def is_collection(value: Any) -> bool:
    return isinstance(value, (Mapping, list)) and bool(value)


def render_entry(key: Any, value: Any, indent: int, style: Style) -> list[str]:
    """The lines of one block mapping entry at ``indent``."""
    head = " " * indent + render_key(key, style) + ":"
    if not is_collection(value):
        return [head + " " + render_flow(value, style)]
    if isinstance(value, Mapping):
        return [head, *render_block(value, indent + style.step, style)]
    return [head, *render_block(value, indent if style.indentless else indent + style.step, style)]


def render_block(value: Any, indent: int, style: Style) -> list[str]:
    """A non-empty collection in block style, its lines at ``indent``."""
    lines: list[str] = []
    if isinstance(value, Mapping):
        for key, item in value.items():
            lines.extend(render_entry(key, item, indent, style))
        return lines
    for item in value:
        if is_collection(item):
            inner = render_block(item, indent + 2, style)
            lines.append(" " * indent + "- " + inner[0][indent + 2 :])
            lines.extend(inner[1:])
        else:
            lines.append(" " * indent + "- " + render_flow(item, style))
    return lines
