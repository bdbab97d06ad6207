"""A repository that deploys a service should define at least one service level objective (SLO).

An SLO states how reliable a service must be (99.9% of requests succeed within 300 ms over 28 days) and is the
basis of its alerts and its error budget. A service without one has no agreed target: alerts are tuned by
guesswork and nobody can say whether it is healthy.

A repository is a service when it holds a Kubernetes workload manifest: a YAML file with a Deployment,
StatefulSet, Argo Rollout, OpenShift DeploymentConfig or Knative Service (items of a `kind: List`
included; Helm templates that do not parse are recognised by their top-level `kind:` line), or when its
Backstage `catalog-info.yaml` declares an entity with `spec.type: service`. Jobs, CronJobs and DaemonSets
alone do not make a service. Manifests in test and example directories do not count: the option `exclude`
(default `**/test/`, `**/tests/`, `**/testdata/`, `**/fixtures/`, `**/examples/`, `**/example/`,
`**/samples/`) lists what is not read.

An SLO is an OpenSLO document (`apiVersion: openslo/v1` or `openslo/v1alpha`, `kind: SLO`), a Sloth
`PrometheusServiceLevel` (`sloth.slok.dev/v1`) or Sloth spec (`version: prometheus/v1` with `slos`), a Pyrra
`ServiceLevelObjective` (`pyrra.dev/v1alpha1`), a Nobl9 `SLO` (`n9/v1alpha`), or any file matching the
option `slo-files` (gitignore-style globs of a convention of your own, such as `slo/*.jsonnet`).

Repositories that are not services pass. The finding points at the repository root, naming the manifest that
makes it a service, or at the `spec.type` line of the catalog entity when only the catalog says so.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from conformance.api import CheckContext, Repository, Violation, compile_globs, locate, parse_yaml

ID = "repo/slo-defined"
TITLE = "Service repositories should define a service level objective"
SEVERITY = "warning"
CATEGORY = "reliability"
PROFILES = ("hygiene",)
TARGET = "repository"
FIX = """
Add an SLO definition next to the service, such as an OpenSLO `kind: SLO` document in `slo/`, a Sloth
`PrometheusServiceLevel` or a Pyrra `ServiceLevelObjective`, and generate the alerts from it. If the team
keeps SLOs in another format, name its files with the option `slo-files`.
"""
EXAMPLE = """
apiVersion: openslo/v1
kind: SLO
metadata:
  name: checkout-availability
spec:
  service: checkout
  budgetingMethod: Occurrences
  objectives:
    - target: 0.999
"""
OPTIONS = {
    "slo-files": {
        "default": [],
        "description": "Files that define SLOs in a format of your own (gitignore-style globs).",
        "schema": {"type": "array", "items": {"type": "string", "minLength": 1}},
    },
    "exclude": {
        "default": [
            "**/test/",
            "**/tests/",
            "**/testdata/",
            "**/fixtures/",
            "**/examples/",
            "**/example/",
            "**/samples/",
        ],
        "description": "Paths whose manifests and SLOs are not read (gitignore-style globs).",
        "schema": {"type": "array", "items": {"type": "string", "minLength": 1}},
    },
}

WORKLOAD_KINDS = frozenset({"Deployment", "StatefulSet", "Rollout", "DeploymentConfig"})
KNATIVE_PREFIX = "serving.knative.dev/"
SLO_KINDS: dict[str, tuple[str, ...]] = {
    "SLO": ("openslo/", "n9/"),
    "PrometheusServiceLevel": ("sloth.slok.dev/",),
    "ServiceLevelObjective": ("pyrra.dev/",),
}
_WORKLOAD_HINT = re.compile(rb"kind:\s*[\"']?(?:Deployment|StatefulSet|Rollout|DeploymentConfig|Service)\b")
_TOP_LEVEL_WORKLOAD = re.compile(
    r"^kind:\s*[\"']?(Deployment|StatefulSet|Rollout|DeploymentConfig)[\"']?\s*(#.*)?$", re.MULTILINE
)
_SLO_HINT = re.compile(rb"SLO|ServiceLevel|slos:")
_TOP_LEVEL_SLO = re.compile(
    r"^apiVersion:\s*[\"']?(openslo/|n9/|sloth\.slok\.dev/|pyrra\.dev/)"
    r"|^version:\s*[\"']?prometheus/v1",
    re.M,
)
YAML_FILES = ("*.yaml", "*.yml")
CATALOG_FILES = ("catalog-info.yaml", "catalog-info.yml")


def _documents(text: str) -> tuple[list[Any], bool]:
    """The text's parsed documents, and whether it parsed (a Helm template usually does not)."""
    loaded = parse_yaml(text)
    fatal = any(problem.fatal for problem in loaded.problems)
    return [document.data for document in loaded.documents], not fatal


def _objects(documents: list[Any]) -> Iterator[Mapping[str, Any]]:
    for data in documents:
        if not isinstance(data, Mapping):
            continue
        items = data.get("items")
        if str(data.get("kind", "")).endswith("List") and isinstance(items, list):
            yield from (item for item in items if isinstance(item, Mapping))
        else:
            yield data


def _workload(obj: Mapping[str, Any]) -> str | None:
    kind, api_version = obj.get("kind"), obj.get("apiVersion")
    if not isinstance(kind, str) or not isinstance(api_version, str):
        return None
    if kind in WORKLOAD_KINDS or (kind == "Service" and api_version.startswith(KNATIVE_PREFIX)):
        metadata = obj.get("metadata")
        name = metadata.get("name") if isinstance(metadata, Mapping) else None
        label = "Knative Service" if kind == "Service" else kind
        return f"{label} '{name}'" if isinstance(name, str) else label
    return None


def _is_slo(obj: Mapping[str, Any]) -> bool:
    kind, api_version = obj.get("kind"), obj.get("apiVersion")
    if isinstance(kind, str) and isinstance(api_version, str):
        return api_version.startswith(SLO_KINDS.get(kind, ()))
    return str(obj.get("version", "")).startswith("prometheus/v1") and isinstance(obj.get("slos"), list)


def scan_yaml(repository: Repository, paths: list[str]) -> tuple[tuple[str, str] | None, bool]:
    """The first workload found (file, description), and whether an SLO document exists."""
    workload: tuple[str, str] | None = None
    slo = False
    for path in paths:
        data = repository.read_bytes(path)
        if data is None:
            continue
        workload_hint = workload is None and _WORKLOAD_HINT.search(data) is not None
        slo_hint = not slo and _SLO_HINT.search(data) is not None
        if not (workload_hint or slo_hint):
            continue
        text = data.decode("utf-8", errors="replace")
        documents, parsed = _documents(text)
        if parsed:
            for obj in _objects(documents):
                if workload is None and workload_hint:
                    found = _workload(obj)
                    if found:
                        workload = (path, found)
                slo = slo or (slo_hint and _is_slo(obj))
        else:  # a template: trust top-level lines
            match = _TOP_LEVEL_WORKLOAD.search(text) if workload_hint and workload is None else None
            if match and re.search(r"^apiVersion:", text, re.M):
                workload = (path, match.group(1))
            if slo_hint and _TOP_LEVEL_SLO.search(text) and re.search(r"^kind:|^slos:", text, re.M):
                slo = True
        if slo and workload is not None:
            break
    return workload, slo


def catalog_service(repository: Repository) -> tuple[str, int, str] | None:
    """(file, line, entity name) of a root catalog entity with ``spec.type: service``."""
    for path in CATALOG_FILES:
        if not repository.exists(path):
            continue
        loaded = repository.load_yaml(path)
        if loaded is None:
            continue
        for document in loaded.documents:
            data = document.data
            spec = data.get("spec") if isinstance(data, Mapping) else None
            if isinstance(spec, Mapping) and spec.get("type") == "service":
                metadata = data.get("metadata")
                name = metadata.get("name") if isinstance(metadata, Mapping) else None
                span = locate(document.node, ("spec", "type"))
                return path, span.line, str(name or "")
    return None


def check(repository: Repository, ctx: CheckContext) -> Iterator[Violation]:
    excluded = compile_globs(ctx.options["exclude"]) if ctx.options["exclude"] else None
    yaml_files = [p for p in repository.glob(list(YAML_FILES)) if excluded is None or not excluded.match_file(p)]
    custom = ctx.options["slo-files"]
    if custom and any(excluded is None or not excluded.match_file(p) for p in repository.glob(list(custom))):
        return
    workload, slo = scan_yaml(repository, yaml_files)
    if slo:
        return
    if workload is not None:
        path, what = workload
        yield Violation(f"the repository deploys a service ({what} in {path}) but defines no SLO", ())
        return
    entity = catalog_service(repository)
    if entity is not None:
        path, line, name = entity
        named = f" '{name}'" if name else ""
        yield Violation(f"catalog entity{named} is a service but the repository defines no SLO", (path, line))
