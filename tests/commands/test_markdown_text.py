"""Markdown from untrusted policy text: inert prose, code spans and fences nothing inside can close."""

from __future__ import annotations

from conformance.commands import markdown_text as md


def test_code_spans_and_fences() -> None:
    assert md.code("a`b") == "``a`b``"
    assert md.code("`x`") == "`` `x` ``"
    assert md.fenced("```\nx", "yaml") == "````yaml\n```\nx\n````"
    assert md.prose("1. one\n+ two") == "1\\. one\n\\+ two"
    assert md.prose("a\u202eb") == "a\ufffdb"


def test_prose_keeps_code_and_paragraphs_and_escapes_the_rest() -> None:
    assert md.prose("a `<b>` c\n\n<i>d</i>") == "a `<b>` c\n\n&lt;i&gt;d&lt;/i&gt;"
    assert md.prose("see `x`. next") == "see `x`. next"  # a period after a code span is no list item
    assert md.prose("a ` b\n\nc `x` d") == "a \\` b\n\nc `x` d"  # no code span across paragraphs
    assert md.prose("[a](b) *c* @team") == "\\[a\\](b) \\*c\\* @\u200bteam"
    assert md.cell("a | b\nc") == "a \\| b c"
    assert md.code_cell("a|b") == "`a\\|b`"
