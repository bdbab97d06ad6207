"""Property test on real files of ``../shared/corpus/k8s``: a fix changes no line outside the nodes it edits,
and the fixed text loads (with the scanner's loader) to exactly the data plus the patches."""

from __future__ import annotations

import difflib
from functools import lru_cache
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conformance import yamlio
from conformance.catalog.discovery import build_catalog
from conformance.catalog.select import configure
from conformance.engine import ScanOptions, scan
from conformance.fix import yamltree
from conformance.fix.apply import apply_file
from conformance.fix.operations import apply, value_at
from conformance.fix.plan import make_plan
from conformance.inputs import Excludes, collect
from conftest import CORPUS, need

pytestmark = pytest.mark.slow


@lru_cache(maxsize=1)
def _corpus() -> tuple[Any, ...]:
    files, _ = collect([str(CORPUS)], Excludes((), str(CORPUS)))
    return tuple(sorted((f for f in files if f.path.endswith((".yaml", ".yml"))), key=lambda f: f.path))


@lru_cache(maxsize=1)
def _policies() -> tuple[Any, ...]:
    return tuple(p for p in configure(build_catalog(entry_points=False).definitions) if p.fixer is not None)


def _edited_lines(text: str, tree: yamltree.TextDocument, path: tuple[Any, ...]) -> tuple[int, int]:
    """The lines (0-based, inclusive) of the node at ``path`` (which exists): what an operation there may edit."""
    from conformance.fix.yamledit import key_matches

    node = tree.root
    for step in path:
        if node.kind == yamltree.MAPPING:
            pairs = [(k, v) for k, v in node.entries if key_matches(k, step)]
            if not pairs:
                break
            key, value = pairs[-1]
            node = key if value.empty else value
        elif node.kind == yamltree.SEQUENCE and isinstance(step, int) and 0 <= step < len(node.items):
            node = node.items[step]
        else:
            break
    end = yamltree.line_end(text, yamltree.content_end(text, node))
    return node.line, text.count("\n", 0, end)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_fix_edits_only_the_edited_nodes_and_loads_to_data_plus_patches(data: st.DataObject) -> None:
    need(CORPUS.is_dir(), f"corpus missing at {CORPUS}")
    files = _corpus()
    assert len(files) > 1500
    item = data.draw(st.sampled_from(files), label="file")
    fixing = _policies()
    chosen = data.draw(st.sets(st.sampled_from([p.id for p in fixing]), min_size=1), label="policies")
    policies = [p for p in fixing if p.id in chosen]
    result = scan([item], policies, ScanOptions(jobs=1))
    plan = make_plan(result.findings, policies, [item], 20 * 1024 * 1024)
    if not plan.files:
        return
    (file_plan,) = plan.files
    outcome = apply_file(file_plan, {p.id: p for p in policies})
    assert outcome.error == "" or "round-trip parser" in outcome.error, outcome.error
    if outcome.error:
        return
    old, new = file_plan.text, outcome.text
    fixes = [fix for fix in file_plan.fixes if any(fix.finding is f for f in outcome.applied)]
    # exactly the data plus the patches, document by document
    before = yamlio.load(old).documents
    after = yamlio.load(new)
    assert not [p for p in after.problems if p.fatal]
    expected = [d.data for d in before]
    for index in range(len(expected)):
        operations = [op for fix in fixes if fix.document == index for op in fix.operations]
        if operations:
            expected[index] = apply(_plain(expected[index]), operations)
    assert [d.data for d in after.documents] == expected
    # no line outside the edited nodes changes
    trees = yamltree.parse(old.replace("\t", " "))
    allowed: list[tuple[int, int]] = []
    for fix in fixes:
        for op in fix.operations:
            existing = _existing_prefix(before[fix.document or 0].data, op.path)
            allowed.append(_edited_lines(old, trees[fix.document or 0], existing))
    matcher = difflib.SequenceMatcher(None, old.splitlines(), new.splitlines(), autojunk=False)
    for tag, i1, i2, _, _ in matcher.get_opcodes():
        if tag == "equal":
            continue
        first, last = (i1, i2 - 1) if i2 > i1 else (i1 - 1, i1 - 1)
        assert any(lo <= first and last <= hi + 1 for lo, hi in allowed), (tag, i1, i2, allowed)


def _existing_prefix(data: Any, path: tuple[Any, ...]) -> tuple[Any, ...]:
    from conformance.fix.operations import _MISSING

    for end in range(len(path), -1, -1):
        if value_at(data, path[:end]) is not _MISSING and (end == len(path) or path[end] != "-"):
            return tuple(path[:end])
    return ()


def _plain(data: Any) -> Any:
    from conformance.fix.yamledit import plain_copy

    return plain_copy(data)
