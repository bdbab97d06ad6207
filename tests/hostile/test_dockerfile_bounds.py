"""Dockerfile parser directives are read in linear time, with BuildKit's meaning."""

from __future__ import annotations

import itertools
import re
import time

from conformance.targets import dockerfile

BUILDKIT_DIRECTIVE = re.compile(r"#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$")
"""The pattern BuildKit uses (linear in Go's RE2, quadratic in Python's backtracking ``re``)."""


def test_a_directive_with_a_long_run_of_blanks_parses_in_linear_time() -> None:
    text = "# escape=x" + " " * 2_000_000 + "y\n# syntax=a" + "\t" * 1_000_000 + "b\nFROM alpine\n"
    started = time.monotonic()
    parsed = dockerfile.parse(text)
    assert time.monotonic() - started < 2
    assert [i.keyword for i in parsed.instructions] == ["FROM"]


def test_directive_reading_matches_buildkits_pattern() -> None:
    alphabet = ["#", " ", "\t", "e", "=", "x", "`"]
    for length in range(1, 6):
        for characters in itertools.product(alphabet, repeat=length):
            line = "".join(characters)
            match = BUILDKIT_DIRECTIVE.match(line.lstrip())
            expected = None if match is None else (match.group(1).lower(), match.group(2))
            assert dockerfile._directive(line) == expected, repr(line)
