from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures"
CORPUS = REPO.parent / "shared" / "corpus" / "k8s"


def need(condition: bool, why: str) -> None:
    """Skip on a developer's machine when something optional is missing; fail loudly in CI."""
    if condition:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"required in CI but missing: {why}")
    pytest.skip(why)


@pytest.fixture
def builtin_definitions():
    from conformance.catalog.discovery import build_catalog

    return build_catalog(entry_points=False).definitions
