"""Markdown from policy files, which may come from anyone: prose, table cells, code spans and fenced blocks
that cannot add HTML, links, images, mentions or document structure.

- :func:`prose`: paragraphs kept, code spans kept (their content is literal in Markdown), everything else
  escaped: no HTML, emphasis, links, headings, lists or tables;
- :func:`cell`: one line for a table cell (``|`` escaped even inside code);
- :func:`code`: an inline code span that no backtick in the text can close;
- :func:`fenced`: a fenced block whose fence is longer than any backtick run inside.
"""

from __future__ import annotations

import html
import re

from conformance.reporters import printable
from conformance.reporters.markdown import escape as cell_escape

_CODE_SPAN = re.compile(r"(?<!`)(`+)(?!`)((?:(?!\n\s*\n).)+?)(?<!`)\1(?!`)", re.DOTALL)
"""A code span: a backtick run, text (within one paragraph), the same run."""
_SPECIAL = re.compile(r"[\\`*_\[\]|~$<>!#{}]")
_LINE_START = re.compile(r"^(\s*)(\d*)([-+=.)])(?=\s|$)", re.MULTILINE)
"""A list item or setext underline at a line's start: ``-``, ``+``, ``=``, ``1.``, ``2)``."""


def _escape_plain(text: str, line_start: bool) -> str:
    """Escape a stretch of prose; ``line_start``: whether it begins a line (after a code span it does not)."""
    text = html.escape(text, quote=False)
    text = _SPECIAL.sub(lambda match: "\\" + match.group(0), text)
    marked = text if line_start else "x" + text  # a plain letter: the first line is not at a line start
    marked = _LINE_START.sub(lambda m: f"{m.group(1)}{m.group(2)}\\{m.group(3)}", marked)
    return (marked if line_start else marked[1:]).replace("@", "@\u200b")


def prose(text: str) -> str:
    """Paragraphs of untrusted text as inert Markdown (code spans kept, everything else escaped)."""
    text = printable(text).replace("\r\n", "\n").strip()
    out: list[str] = []
    position = 0
    for match in _CODE_SPAN.finditer(text):
        out.append(_escape_plain(text[position : match.start()], position == 0 or text[position - 1] == "\n"))
        out.append(code(match.group(2).replace("\n", " ")))
        position = match.end()
    out.append(_escape_plain(text[position:], position == 0 or text[position - 1] == "\n"))
    return "".join(out)


def code(text: str) -> str:
    """An inline code span holding ``text`` literally."""
    text = " ".join(printable(text).split())
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    padding = " " if text.startswith("`") or text.endswith("`") or not text else ""
    return f"{fence}{padding}{text}{padding}{fence}"


def cell(text: str) -> str:
    """One line of untrusted text for a table cell."""
    return cell_escape(text)


def code_cell(text: str) -> str:
    """An inline code span for a table cell: a ``|`` inside would end the cell, so it is escaped."""
    return code(text).replace("|", "\\|")


def fenced(text: str, language: str = "") -> str:
    """A fenced code block holding ``text`` literally (``language`` is ours, never the file's)."""
    text = printable(text).replace("\r\n", "\n").rstrip("\n")
    longest = max((len(run) for run in re.findall(r"`{3,}", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{language}\n{text}\n{fence}"
