"""The file's own style, detected per file, and new scalars quoted only when a plain scalar would read otherwise."""

from __future__ import annotations

from conformance.fix import yamlstyle, yamltree
from conformance.fix.yamlstyle import Style, render_block, render_scalar


def test_style_is_detected_per_file() -> None:
    four = "a:\n    b:\n        c: 1\n    d:\n    -   x\n"
    style = yamlstyle.detect_style(four, yamltree.parse(four))
    assert (style.step, style.indentless, style.newline, style.json) == (4, True, "\n", False)
    two = "a:\r\n  b: 1\r\n  l:\r\n    - x\r\n"
    style = yamlstyle.detect_style(two, yamltree.parse(two))
    assert (style.step, style.indentless, style.newline) == (2, False, "\r\n")
    assert yamlstyle.detect_style('{"a": 1}', yamltree.parse('{"a": 1}')).json


def test_scalars_are_plain_only_when_they_read_back_as_the_same_string() -> None:
    style = Style()
    assert [render_scalar(v, style) for v in ("ALL", "yes", "1.0", "on", "a b", "", None, True, 30)] == [
        "ALL", '"yes"', '"1.0"', '"on"', '"a b"', '""', "null", "true", "30"
    ]  # fmt: skip
    assert render_scalar("ALL", Style(json=True)) == '"ALL"'


def test_block_rendering_follows_step_and_sequence_indentation() -> None:
    value = {"capabilities": {"drop": ["ALL"]}, "items": [{"a": 1, "b": [2]}]}
    assert render_block(value, 4, Style(step=4, indentless=True)) == [
        "    capabilities:",
        "        drop:",
        "        - ALL",
        "    items:",
        "    - a: 1",
        "      b:",
        "      - 2",
    ]
