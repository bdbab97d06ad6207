from __future__ import annotations

from conformance.model import Finding, Location
from conformance.store import FindingStore, store_of


def finding(file: str, line: int, severity: str = "error") -> Finding:
    return Finding("t/p", severity, f"m{line}", Location(file, line))


def test_ordered_batches_spill_to_disk_and_merge_with_late_findings() -> None:
    store = FindingStore(spill_after=300)
    store.append_ordered([finding("a.yaml", 1), finding("a.yaml", 5)])
    store.append_ordered([finding("b.yaml", 2), finding("b.yaml", 3, "warning")])  # spills
    store.append_ordered([finding("c.yaml", 1, "note")])
    store.add_unordered([finding("b.yaml", 2), finding("a.yaml", 9)])
    expected = [("a.yaml", 1), ("a.yaml", 5), ("a.yaml", 9), ("b.yaml", 2), ("b.yaml", 2), ("b.yaml", 3), ("c.yaml", 1)]
    for _ in range(2):  # a store can be read more than once
        assert [(f.location.file, f.location.line) for f in store] == expected
    assert len(store) == 7
    assert store.counts() == {"error": 5, "warning": 1, "note": 1}
    store.close()


def test_store_of_sorts() -> None:
    store = store_of([finding("b.yaml", 1), finding("a.yaml", 2)])
    assert [f.location.file for f in store] == ["a.yaml", "b.yaml"]
    assert list(FindingStore()) == []
