"""Waivers of the configuration, and how findings find them."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from conformance.errors import ConfigError
from conformance.model import Finding, Location, ResourceId
from conformance.suppress import (
    Waiver,
    check_waiver_ids,
    find_waiver,
    relative_to,
)

KNOWN = frozenset({"k8s/no-host-network", "k8s/no-privileged-containers", "k8s/image-tag-pinned", "docker/no-root"})


# --- waivers ---------------------------------------------------------------------------------------------------


def waiver(**fields: object) -> Waiver:
    base: dict[str, object] = {"policy": "k8s/no-host-network", "reason": "agent", "owner": "team-a"}
    return Waiver(**{**base, **fields})  # type: ignore[arg-type]


def test_waiver_match_criteria() -> None:
    paths = ("monitoring/**/*.yaml", "!monitoring/test/**")
    w = waiver(paths=paths, kind="DaemonSet", namespace="mon-*", name="node-*")
    args = ("DaemonSet", "mon-prod", "node-exporter", None)
    assert w.matches("k8s/no-host-network", "monitoring/prod/ds.yaml", *args)
    assert w.matches("k8s/no-host-network", "monitoring/ds.yaml", *args)
    assert not w.matches("k8s/no-privileged-containers", "monitoring/ds.yaml", *args)
    assert not w.matches("k8s/no-host-network", "monitoring/test/ds.yaml", *args)  # negated
    assert not w.matches("k8s/no-host-network", "apps/ds.yaml", *args)
    assert not w.matches("k8s/no-host-network", None, *args)  # standard input, or outside the config's directory
    assert not w.matches("k8s/no-host-network", "monitoring/ds.yaml", "Deployment", "mon-prod", "node-exporter")
    assert not w.matches("k8s/no-host-network", "monitoring/ds.yaml", "DaemonSet", "prod", "node-exporter")
    assert not w.matches("k8s/no-host-network", "monitoring/ds.yaml", "DaemonSet", "mon-prod", "exporter")
    assert not w.matches("k8s/no-host-network", "monitoring/ds.yaml")  # no resource


def test_waiver_namespace_and_container() -> None:
    anywhere = waiver(namespace="*")
    assert anywhere.matches("k8s/no-host-network", None, "Pod", None, "p")  # no namespace is matched as ""
    assert not anywhere.matches("k8s/no-host-network", None)  # no resource: no namespace criterion holds
    default = waiver(namespace="default")
    assert not default.matches("k8s/no-host-network", None, "Pod", None, "p")
    assert waiver().matches("k8s/no-host-network", None)  # no criteria: every finding of the policy
    scoped = waiver(container="web")
    assert scoped.matches("k8s/no-host-network", "a.yaml", "Pod", "ns", "p", "web")
    assert not scoped.matches("k8s/no-host-network", "a.yaml", "Pod", "ns", "p", "sidecar")
    assert not scoped.matches("k8s/no-host-network", "a.yaml", "Pod", "ns", "p", None)


def test_waiver_expiry_is_the_last_valid_day() -> None:
    w = waiver(expires="2025-06-30", line=12, config=".conformance.yaml")
    assert not w.expired(date(2025, 6, 30))
    assert w.expired(date(2025, 7, 1))
    assert not waiver().expired(date(9999, 1, 1))
    assert w.suppression().to_dict() == {
        "kind": "waiver",
        "reason": "agent",
        "owner": "team-a",
        "expires": "2025-06-30",
        "source": ".conformance.yaml:12",
    }
    assert w.suppression("conf/.conformance.yaml").source == "conf/.conformance.yaml:12"


def test_find_waiver_prefers_one_in_force() -> None:
    finding = Finding(
        "k8s/no-host-network",
        "error",
        "m",
        Location("ds.yaml", 3),
        ResourceId("DaemonSet", "agent", "kube-system"),
        "spec.template.spec.hostNetwork",
    )
    old = waiver(expires="2024-01-31", index=0)
    current = waiver(expires="2030-01-01", index=1, kind="DaemonSet")
    other = waiver(index=2, name="not-agent")
    today = date(2025, 1, 1)
    assert find_waiver([old, current, other], finding, "ds.yaml", None, today) is current
    assert find_waiver([old, other], finding, "ds.yaml", None, today) is old  # expired: the caller says so
    assert find_waiver([other], finding, "ds.yaml", None, today) is None
    assert waiver(container="web").matches_finding(finding, "ds.yaml", "web")
    no_resource = Finding("k8s/no-host-network", "error", "m", Location("x"))
    assert not waiver(kind="DaemonSet").matches_finding(no_resource, "x")
    assert waiver().matches_finding(no_resource, "x")


def test_check_waiver_ids() -> None:
    good = waiver(index=0, line=3, config="/repo/.conformance.yaml")
    bad = waiver(policy="k8s/no-host-networks", index=1, line=9, config="/repo/.conformance.yaml")
    check_waiver_ids([good], KNOWN)
    with pytest.raises(ConfigError) as info:
        check_waiver_ids([good, bad, waiver(policy="k8s/zzz", index=2)], KNOWN)
    assert str(info.value) == (
        "/repo/.conformance.yaml:9: key waivers[1].policy: unknown policy id 'k8s/no-host-networks' "
        "(did you mean 'k8s/no-host-network'?) (and 1 more unknown waiver ids)"
    )


def test_relative_to(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "k8s").mkdir()
    monkeypatch.chdir(tmp_path / "k8s")
    assert relative_to("app/deploy.yaml", tmp_path) == "k8s/app/deploy.yaml"
    assert relative_to(str(tmp_path / "x.yaml"), str(tmp_path)) == "x.yaml"
    assert relative_to("../../elsewhere.yaml", tmp_path) is None
    assert relative_to("<stdin>", tmp_path) is None
    assert relative_to("a.yaml", None) is None
