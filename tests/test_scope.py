from __future__ import annotations

import pytest

from conformance.catalog.policy import ScopeEntry
from conformance.model import Location, ResourceId
from conformance.scope import ScopeStore


def entry(kind: str, name: str, namespace: str | None, labels: dict[str, str]) -> ScopeEntry:
    return ScopeEntry(
        ResourceId(kind, name, namespace, "v1"),
        f"{name}.yaml",
        0,
        {"labels": labels},
        {(): Location(f"{name}.yaml", 3)},
    )


ENTRIES = [
    entry("Deployment", "web", "shop", {"app": "web", "tier": "front"}),
    entry("Deployment", "api", "shop", {"app": "api", "tier": "back"}),
    entry("Deployment", "floating", None, {"app": "web"}),
    entry("Deployment", "other", "ops", {"app": "web"}),
]


def pairs(e: ScopeEntry):
    return e.facts["labels"].items()


@pytest.fixture(params=["memory", "database"])
def store(request):
    store = ScopeStore(spill_after=0 if request.param == "database" else 1000)
    store.add("p", ENTRIES[:2])
    store.add("p", ENTRIES[2:])
    store.add("q", [ENTRIES[0]])
    assert store.spilled == (request.param == "database")
    yield store
    store.close()


def names(entries) -> list[str]:
    return [e.name for e in entries]


def test_both_backends_answer_alike(store: ScopeStore) -> None:
    scope = store.scope("p")
    assert names(scope.entries) == ["web", "api", "floating", "other"]
    assert names(store.scope("q").entries) == ["web"]
    assert names(store.scope("none").entries) == []
    assert sorted(names(scope.same_namespace("shop"))) == ["api", "floating", "web"]
    assert sorted(names(scope.same_namespace(None))) == ["api", "floating", "other", "web"]
    assert sorted(names(scope.lookup("labels", pairs, ("app", "web"), "shop"))) == ["floating", "web"]
    assert sorted(names(scope.lookup("labels", pairs, ("app", "web"), None))) == ["floating", "other", "web"]
    assert names(scope.lookup("labels", pairs, ("app", "nope"), "shop")) == []
    assert scope.count("labels", pairs, ("app", "web")) == 3
    assert scope.count("labels", pairs, ("tier", "back")) == 1
    (web,) = [e for e in scope.entries if e.name == "web"]
    assert web == ENTRIES[0]
    assert web.locate(("spec", "x")) == Location("web.yaml", 3)
