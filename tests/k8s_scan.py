"""Scan manifest text with the built-in Kubernetes policies, for tests that compare verdicts and exact lines."""

from __future__ import annotations

from functools import lru_cache

from conformance.catalog.discovery import build_catalog
from conformance.catalog.policy import Policy
from conformance.catalog.select import configure
from conformance.engine import FileScanner, ScanOptions


@lru_cache(maxsize=1)
def k8s_policies() -> tuple[Policy, ...]:
    definitions = [d for d in build_catalog(entry_points=False).definitions if d.id.startswith("k8s/")]
    return configure(definitions, enable=[d.id for d in definitions])


def scan_text(text: str, policies: tuple[str, ...] = ()) -> set[tuple[str, int]]:
    """(policy id, line) of every finding and scan error of one file; only the given policies when named."""
    selected = tuple(p for p in k8s_policies() if not policies or p.id in policies)
    outcome = FileScanner(selected, ScanOptions()).scan_bytes(text.encode(), "t.yaml")
    return {(f.policy_id, f.location.line) for f in (*outcome.findings, *outcome.errors)}


def ids_of(text: str, policies: tuple[str, ...] = ()) -> set[str]:
    return {policy_id for policy_id, _ in scan_text(text, policies)}
