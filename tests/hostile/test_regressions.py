"""Inputs that once broke the scanner (found by tests/fuzz and tests/test_yamlio_properties.py), kept as files.

Every file in ``regressions/`` is scanned with every built-in policy and loaded on its own; the invariants the
fuzzers check must hold, plus what ``EXPECTED`` says about that file. To add one: save the shrunk input that
Hypothesis printed as a file here (bytes as they were), with a comment saying what went wrong when the format
allows one, and an entry below.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from conformance.catalog.discovery import build_catalog
from conformance.catalog.select import configure
from conformance.engine import FileOutcome, FileScanner, ScanOptions, decode
from conformance.model import DUPLICATE_KEY, INVALID_OBJECT, PARSE_ERROR
from conformance.yamlio import load, locate

REGRESSIONS = Path(__file__).parent / "regressions"
LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")

EXPECTED: dict[str, dict[str, Any]] = {
    # file: {"errors": the scan error ids, "findings": (policy, line, column) that must be among the findings}
    "alias-value-span.yaml": {"errors": [], "findings": [("k8s/required-labels", 15, 7)]},
    "json-surrogate-escapes.json": {"errors": [], "findings": [("k8s/no-host-network", 1, 193)]},
    "json-surrogate-escapes-pretty.json": {"errors": [], "findings": [("k8s/no-host-network", 14, 9)]},
    "null-and-float-keys.yaml": {"errors": [], "findings": []},
}


@cache
def scanner() -> FileScanner:
    return FileScanner(configure(build_catalog(entry_points=False).definitions), ScanOptions(jobs=1))


def data_paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found: list[tuple[Any, ...]] = []
    items = data.items() if isinstance(data, dict) else enumerate(data) if isinstance(data, list) else ()
    for step, value in items:
        found.append((*prefix, step))
        found.extend(data_paths(value, (*prefix, step)))
    return found


def test_every_regression_file_has_an_expectation() -> None:
    assert sorted(p.name for p in REGRESSIONS.iterdir()) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_regression(name: str) -> None:
    raw = (REGRESSIONS / name).read_bytes()
    outcome: FileOutcome = scanner().scan_bytes(raw, name)  # must not raise
    text, _problem, _line = decode(raw)
    lines = len(LINE_BREAK.split(text)) if text is not None else raw.count(b"\n") + 1
    for finding in [*outcome.findings, *outcome.errors]:
        location = finding.location
        assert 1 <= location.line <= lines + 1, finding
        if location.end_line is not None:
            assert (location.line, location.column) <= (location.end_line, location.end_column or 0), finding
    assert sorted(e.policy_id for e in outcome.errors) == EXPECTED[name]["errors"]
    assert all(e.policy_id in (PARSE_ERROR, INVALID_OBJECT) for e in outcome.errors)
    found = {(f.policy_id, f.location.line, f.location.column) for f in outcome.findings}
    assert set(EXPECTED[name]["findings"]) <= found, sorted(found)
    assert all(f.policy_id == DUPLICATE_KEY or "/" in f.policy_id for f in outcome.findings)

    if text is None:
        return
    for document in load(text).documents:  # every path into the data has a position, start before end
        for path in data_paths(document.data):
            span = locate(document.node, path)
            assert span.matched == len(path), (path, span)
            assert (span.line, span.column) <= (span.end_line, span.end_column), (path, span)
