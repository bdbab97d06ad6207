"""The real-world corpus (../shared/corpus/k8s) scans with zero parse errors and no crashing policy."""

from __future__ import annotations

import pytest

from conformance.catalog.discovery import build_catalog
from conformance.catalog.select import configure
from conformance.engine import ScanOptions, scan
from conformance.inputs import Excludes, collect
from conftest import CORPUS, need


@pytest.mark.slow
def test_corpus_scans_without_errors() -> None:
    need(CORPUS.is_dir(), f"corpus missing at {CORPUS}")
    files, problems = collect([str(CORPUS)], Excludes((), str(CORPUS)))
    assert problems == []
    assert len(files) >= 2000
    policies = configure(build_catalog(entry_points=False).definitions)
    result = scan(files, policies, ScanOptions(jobs=2))
    assert [(e.location.file, e.message) for e in result.errors] == []
    assert result.stats.documents >= 4100
    assert result.stats.resources >= 4000
    assert len(result.findings) > 1000
