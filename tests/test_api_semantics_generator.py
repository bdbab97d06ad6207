"""Generated variants of the pass fixtures of the container and pod policies, checked against a small oracle.

Each pod-bearing object of those fixtures is mutated — keys set to null (in every spelling), empty mappings
and lists, values of the wrong type, go-yaml v2 spellings of booleans and integers, securityContext fields
moved between the pod and its containers, containers copied into ``initContainers`` and
``ephemeralContainers`` — and written back as YAML by the emitter below. The expected verdict of each policy
is computed by :class:`Oracle` from the API semantics (null is unset, PodSecurityContext fields are inherited,
a field of the wrong type makes the object invalid), independently of the scanner's code: the base objects
are read with PyYAML's own safe loader, and every mutated value carries the value Kubernetes reads for it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import pytest
import yaml

from conformance.engine import FileScanner, ScanOptions
from conformance.model import INVALID_OBJECT
from conftest import FIXTURES
from k8s_scan import k8s_policies

LINE_CHECKED = {  # policy -> the field it requires of each regular container (for the line of a null key)
    "k8s/memory-limits": ("resources", "limits", "memory"),
    "k8s/resource-requests": ("resources", "requests", "cpu"),
}
CONTAINER_ONLY = {  # policy -> the container field it requires (none of them is inherited from the pod)
    "k8s/drop-all-capabilities": ("securityContext", "capabilities", "drop"),
    "k8s/no-privilege-escalation": ("securityContext", "allowPrivilegeEscalation"),
    "k8s/read-only-root-filesystem": ("securityContext", "readOnlyRootFilesystem"),
}
POLICIES = (
    *CONTAINER_ONLY,
    "k8s/run-as-non-root",
    "k8s/seccomp-profile-required",
    "k8s/no-privileged-containers",
    "k8s/no-host-network",
    "k8s/no-host-pid",
    "k8s/no-host-ipc",
    "k8s/no-host-ports",
    "k8s/no-unconfined-seccomp",
    "k8s/memory-limits",
    "k8s/resource-requests",
    "k8s/liveness-probe",
    "k8s/readiness-probe",
    "k8s/no-host-path-volumes",
)
BUILTIN_GROUPS = ("", "apps", "batch", "extensions")
"""The API groups of the kinds in POD_SPEC."""
LONG_RUNNING = ("Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController")
INHERITED = ("runAsUser", "runAsGroup", "runAsNonRoot", "seccompProfile", "seLinuxOptions", "appArmorProfile")
CONTAINER_TYPES = ("containers", "initContainers", "ephemeralContainers")
POD_SPEC = {
    "Pod": ("spec",),
    "PodTemplate": ("template", "spec"),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
    **dict.fromkeys(
        ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job"),
        ("spec", "template", "spec"),
    ),
}
NULLS = ("", "~", "null", "Null", "NULL")
TRUE_SPELLINGS = ("y", "Y", "yes", "On", "TRUE")
FALSE_SPELLINGS = ("n", "N", "no", "Off", "FALSE")
BOOL_FIELDS = ("privileged", "allowPrivilegeEscalation", "readOnlyRootFilesystem", "runAsNonRoot")
INT_FIELDS = ("runAsUser", "runAsGroup")
TYPES = {  # field -> Go type, for the oracle's validity check
    **dict.fromkeys((*BOOL_FIELDS, "hostNetwork", "hostPID", "hostIPC"), bool),
    **dict.fromkeys(INT_FIELDS, int),
    **dict.fromkeys(("seccompProfile", "seLinuxOptions", "appArmorProfile", "capabilities"), dict),
    "drop": list,
}


@dataclass(frozen=True)
class Raw:
    """A scalar written exactly as ``text``, which Kubernetes reads as ``api``."""

    text: str
    api: Any


@dataclass(frozen=True)
class Null:
    spelling: str


# --- reading the fixtures (PyYAML's own loader, timestamps as strings) and writing variants ----------------


class _BaseLoader(yaml.SafeLoader):
    pass


_BaseLoader.add_constructor("tag:yaml.org,2002:timestamp", lambda loader, node: node.value)


def base_objects() -> list[tuple[str, dict[str, Any]]]:
    found = []
    for policy_id in POLICIES:
        for path in sorted((FIXTURES / "policies" / policy_id).glob("pass*.yaml")):
            for index, doc in enumerate(yaml.load_all(path.read_text("utf-8"), Loader=_BaseLoader)):
                if not (isinstance(doc, dict) and isinstance(doc.get("apiVersion"), str)):
                    continue  # not an object (a kustomize patch): the scanner skips it
                if doc["apiVersion"].rpartition("/")[0] not in BUILTIN_GROUPS:
                    continue  # a custom resource (a kind of another API group): the oracle knows built-ins only
                if doc.get("kind") in POD_SPEC and _get(doc, POD_SPEC[doc["kind"]]):
                    found.append((f"{policy_id}/{path.name}#{index}", doc))
    return found


def _scalar(value: Any) -> str:
    if isinstance(value, Raw):
        return value.text
    if isinstance(value, Null):
        return value.spelling
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    return json.dumps(str(value))


def emit(doc: Any) -> tuple[str, dict[tuple[Any, ...], int]]:
    """Block YAML for a tree, and the 1-based line of every mapping key by its path."""
    lines: list[str] = []
    where: dict[tuple[Any, ...], int] = {}

    def block(value: Any, indent: int, path: tuple[Any, ...]) -> None:
        pad = " " * indent
        if isinstance(value, dict):
            for key, item in value.items():
                where[(*path, key)] = len(lines) + 1
                head = f"{pad}{json.dumps(str(key))}:"
                if isinstance(item, (dict, list)) and item:
                    lines.append(head)
                    block(item, indent + 2, (*path, key))
                else:
                    text = "{}" if isinstance(item, dict) else "[]" if isinstance(item, list) else _scalar(item)
                    lines.append(f"{head} {text}".rstrip())
        else:
            for i, item in enumerate(value):
                if isinstance(item, (dict, list)) and item:
                    start = len(lines)
                    block(item, indent + 2, (*path, i))
                    lines[start] = f"{pad}- {lines[start][indent + 2 :]}"
                else:
                    text = "{}" if isinstance(item, dict) else "[]" if isinstance(item, list) else _scalar(item)
                    lines.append(f"{pad}- {text}".rstrip())

    block(doc, 0, ())
    return "\n".join(lines) + "\n", where


# --- the oracle: API semantics, written from the Kubernetes documentation, not from the scanner -----------


def api(value: Any) -> Any:
    """What the API server decodes: null mapping values are unset, written spellings become their values."""
    if isinstance(value, dict):
        return {k: api(v) for k, v in value.items() if not isinstance(v, Null) and v is not None}
    if isinstance(value, list):
        return [None if isinstance(v, Null) else api(v) for v in value]
    return value.api if isinstance(value, Raw) else value


def _get(data: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        in_list = isinstance(data, list) and isinstance(step, int) and 0 <= step < len(data)
        if not (in_list or (isinstance(data, dict) and step in data)):
            return None
        data = data[step]
    return data


class Oracle:
    def __init__(self, doc: dict[str, Any]) -> None:
        self.spec = _get(doc, POD_SPEC[doc["kind"]])
        template = POD_SPEC[doc["kind"]][:-1]
        self.annotations = _get(doc, (*template, "metadata", "annotations")) or {}
        self.pod_context = self.spec.get("securityContext", {})
        self.containers = [c for t in CONTAINER_TYPES for c in self.spec.get(t, [])]
        self.regular = self.spec.get("containers", [])
        self.long_running = doc["kind"] in LONG_RUNNING

    def invalid(self) -> bool:
        contexts = [self.pod_context, *(c.get("securityContext", {}) for c in self.containers)]
        checked = [self.spec, *contexts, *(ctx.get("capabilities", {}) for ctx in contexts if isinstance(ctx, dict))]
        for fields in checked:
            if not isinstance(fields, dict):
                return True
            for name, go_type in TYPES.items():
                value = fields.get(name)
                if value is not None and (
                    not isinstance(value, go_type) or (go_type is int and isinstance(value, bool))
                ):
                    return True  # JSON true is no integer for Go
        return False

    def effective(self, container: dict[str, Any]) -> dict[str, Any]:
        own = container.get("securityContext", {})
        inherited = {k: v for k, v in self.pod_context.items() if k in INHERITED}
        return {**inherited, **own}

    def failing(self) -> set[str]:
        fails: set[str] = set()
        for container in self.containers:
            own = container.get("securityContext", {})
            drop = _get(own, ("capabilities", "drop")) or []
            if not any(isinstance(item, str) and item.lower() == "all" for item in drop):
                fails.add("k8s/drop-all-capabilities")
            if own.get("allowPrivilegeEscalation") is not False:
                fails.add("k8s/no-privilege-escalation")
            if own.get("readOnlyRootFilesystem") is not True:
                fails.add("k8s/read-only-root-filesystem")
            if own.get("privileged") is True:
                fails.add("k8s/no-privileged-containers")
            effective = self.effective(container)
            if effective.get("runAsUser") == 0 or effective.get("runAsNonRoot") is not True:
                fails.add("k8s/run-as-non-root")
            if _get(effective, ("seccompProfile", "type")) not in ("RuntimeDefault", "Localhost"):
                fails.add("k8s/seccomp-profile-required")
            if _get(own, ("seccompProfile", "type")) == "Unconfined":
                fails.add("k8s/no-unconfined-seccomp")
            if any(port.get("hostPort") not in (None, 0) for port in container.get("ports", [])):
                fails.add("k8s/no-host-ports")
        if _get(self.pod_context, ("seccompProfile", "type")) == "Unconfined":
            fails.add("k8s/no-unconfined-seccomp")
        if any(v == "unconfined" for k, v in self.annotations.items() if "seccomp.security.alpha" in k):
            fails.add("k8s/no-unconfined-seccomp")
        fails |= self.failing_regular_containers()
        if any("hostPath" in volume for volume in self.spec.get("volumes", [])):
            fails.add("k8s/no-host-path-volumes")
        for field, policy_id in (("hostNetwork", "network"), ("hostPID", "pid"), ("hostIPC", "ipc")):
            if self.spec.get(field) is True:
                fails.add(f"k8s/no-host-{policy_id}")
        return fails

    def failing_regular_containers(self) -> set[str]:
        """Policies of the regular containers only (with their default options): resources and probes."""
        fails: set[str] = set()
        pod_resources = self.spec.get("resources", {})
        pod_declared = {*pod_resources.get("requests", {}), *pod_resources.get("limits", {})}
        for container in self.regular:
            resources = container.get("resources", {})
            if "memory" not in resources.get("limits", {}) and "memory" not in pod_resources.get("limits", {}):
                fails.add("k8s/memory-limits")
            declared = {*resources.get("requests", {}), *resources.get("limits", {}), *pod_declared}
            if not {"cpu", "memory"} <= declared:
                fails.add("k8s/resource-requests")
            for probe in ("liveness", "readiness"):
                if self.long_running and not isinstance(container.get(f"{probe}Probe"), dict):
                    fails.add(f"k8s/{probe}-probe")
        return fails


# --- mutations ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Variant:
    name: str
    doc: dict[str, Any]
    null_path: tuple[Any, ...] = ()
    """The path (inside the document) of a key this variant set to null, when it did."""


def _copy(value: Any) -> Any:
    return json.loads(json.dumps(value)) if not _has_markers(value) else _deep(value)


def _has_markers(value: Any) -> bool:
    if isinstance(value, (Raw, Null)):
        return True
    if isinstance(value, dict):
        return any(_has_markers(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_markers(v) for v in value)
    return False


def _deep(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _deep(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_deep(v) for v in value]
    return value


def _container_paths(doc: dict[str, Any]) -> Iterator[tuple[Any, ...]]:
    spec_path = POD_SPEC[doc["kind"]]
    spec = _get(doc, spec_path)
    for container_type in CONTAINER_TYPES:
        for i, container in enumerate(spec.get(container_type) or []):
            if isinstance(container, dict):
                yield (*spec_path, container_type, i)


def _set(doc: dict[str, Any], path: tuple[Any, ...], value: Any) -> None:
    node: Any = doc
    for step in path[:-1]:
        if isinstance(node, dict) and not isinstance(node.get(step), (dict, list)):
            node[step] = {}
        node = node[step]
    node[path[-1]] = value


def _pop(doc: dict[str, Any], path: tuple[Any, ...]) -> Any:
    parent = _get(doc, path[:-1])
    return parent.pop(path[-1], None) if isinstance(parent, dict) else None


def _present(doc: dict[str, Any], path: tuple[Any, ...]) -> bool:
    parent = _get(doc, path[:-1])
    return isinstance(parent, dict) and path[-1] in parent


def variants(doc: dict[str, Any]) -> Iterator[Variant]:
    spec_path = POD_SPEC[doc["kind"]]
    pod_context = (*spec_path, "securityContext")
    counter = iter(range(10**6))

    def mutated(name: str, change: Callable[[dict[str, Any]], None], null_path: tuple[Any, ...] = ()) -> Variant:
        copy = _copy(doc)
        change(copy)
        return Variant(name, copy, null_path)

    def nulled(path: tuple[Any, ...]) -> Variant:
        spelling = NULLS[next(counter) % len(NULLS)]
        return mutated(f"null {'.'.join(map(str, path))}", lambda d: _set(d, path, Null(spelling)), path)

    context_fields = ("capabilities", "seccompProfile", *BOOL_FIELDS, *INT_FIELDS)
    for base in (pod_context, *((*c, "securityContext") for c in _container_paths(doc))):
        yield nulled(base)
        for field in (*context_fields, "seLinuxOptions"):
            yield nulled((*base, field))  # present or not: a null field is the same as no field
        if _present(doc, (*base, "capabilities")):
            yield nulled((*base, "capabilities", "drop"))
        if _present(doc, (*base, "seccompProfile")):
            yield nulled((*base, "seccompProfile", "type"))
        yield mutated(f"empty {base}", lambda d, b=base: _set(d, b, {}))
        yield mutated(
            f"string seccompProfile {base}", lambda d, b=base: _set(d, (*b, "seccompProfile"), "RuntimeDefault")
        )
        yield mutated(f"quoted runAsUser {base}", lambda d, b=base: _set(d, (*b, "runAsUser"), "1000"))
        yield mutated(f"quoted runAsNonRoot y {base}", lambda d, b=base: _set(d, (*b, "runAsNonRoot"), "y"))
        for field in BOOL_FIELDS:
            value = _get(doc, (*base, field))
            if isinstance(value, bool):
                spellings = TRUE_SPELLINGS if value else FALSE_SPELLINGS
                first = next(counter)  # two of the spellings, rotating over the variants
                for spelling in (spellings[first % 5], spellings[(first + 2) % 5]):
                    yield mutated(
                        f"{field}: {spelling}",
                        lambda d, b=base, f=field, s=spelling, v=value: _set(d, (*b, f), Raw(s, v)),
                    )
                flipped = FALSE_SPELLINGS[0] if value else TRUE_SPELLINGS[0]
                yield mutated(
                    f"{field} flipped", lambda d, b=base, f=field, s=flipped, v=value: _set(d, (*b, f), Raw(s, not v))
                )
        for field in INT_FIELDS:
            value = _get(doc, (*base, field))
            if isinstance(value, int) and not isinstance(value, bool):
                forms = (f"0o{value:o}", f"0x{value:X}", f"{value}.0", f"+{value}", f"0O{value:o}", f"{value}e0")
                first = next(counter)
                for text in (forms[first % 6], forms[(first + 3) % 6]):
                    yield mutated(
                        f"{field}: {text}", lambda d, b=base, f=field, t=text, v=value: _set(d, (*b, f), Raw(t, v))
                    )
        yield mutated(f"root as 0o0 {base}", lambda d, b=base: _set(d, (*b, "runAsUser"), Raw("0o0", 0)))
    for container in _container_paths(doc):
        for sub in (
            ("resources",),
            ("resources", "limits"),
            ("resources", "requests"),
            ("livenessProbe",),
            ("readinessProbe",),
            ("resources", "limits", "memory"),
            ("resources", "requests", "cpu"),
        ):
            if sub[:-1] == () or isinstance(_get(doc, (*container, *sub[:-1])), dict):
                yield nulled((*container, *sub))
    for i, volume in enumerate(_get(doc, (*spec_path, "volumes")) or []):
        if isinstance(volume, dict) and "hostPath" in volume:
            yield nulled((*spec_path, "volumes", i, "hostPath"))
    yield nulled((*spec_path, "resources"))
    for container in _container_paths(doc):
        context = (*container, "securityContext")
        if isinstance(_get(doc, context), dict):
            yield mutated(f"capabilities empty {container}", lambda d, c=context: _set(d, (*c, "capabilities"), {}))
            yield mutated(f"drop empty {container}", lambda d, c=context: _set(d, (*c, "capabilities", "drop"), []))
            yield mutated(f"drop as list {container}", lambda d, c=context: _set(d, (*c, "capabilities"), ["ALL"]))
    for field in INHERITED:
        if _present(doc, (*pod_context, field)):
            yield mutated(f"move {field} to containers", lambda d, f=field: _to_containers(d, pod_context, f))
        first = next(_container_paths(doc), None)
        if first is not None and _present(doc, (*first, "securityContext", field)):
            yield mutated(f"move {field} to the pod", lambda d, f=field: _to_pod(d, pod_context, f))
    for flag in ("hostNetwork", "hostPID", "hostIPC"):
        yield mutated(f"{flag}: Y", lambda d, f=flag: _set(d, (*spec_path, f), Raw("Y", True)))
        yield mutated(f"{flag}: n", lambda d, f=flag: _set(d, (*spec_path, f), Raw("n", False)))
        yield nulled((*spec_path, flag))
    first = next(_container_paths(doc), None)
    if first is not None:
        for container_type in ("initContainers", "ephemeralContainers"):
            yield mutated(f"copy to {container_type}", lambda d, t=container_type: _copy_container(d, first, t, False))
            yield mutated(
                f"copy to {container_type}, null context",
                lambda d, t=container_type: _copy_container(d, first, t, True),
            )


def _to_containers(doc: dict[str, Any], pod_context: tuple[Any, ...], field: str) -> None:
    value = _pop(doc, (*pod_context, field))
    for container in _container_paths(doc):
        if not _present(doc, (*container, "securityContext", field)):
            _set(doc, (*container, "securityContext", field), _copy(value))


def _to_pod(doc: dict[str, Any], pod_context: tuple[Any, ...], field: str) -> None:
    containers = list(_container_paths(doc))
    value = _get(doc, (*containers[0], "securityContext", field))
    for container in containers:
        _pop(doc, (*container, "securityContext", field))
    _set(doc, (*pod_context, field), value)


def _copy_container(doc: dict[str, Any], source: tuple[Any, ...], container_type: str, null_context: bool) -> None:
    container = _copy(_get(doc, source))
    container["name"] = f"{container.get('name', 'c')}-{container_type.lower()}"
    if null_context:
        container["securityContext"] = Null("")
    spec = _get(doc, POD_SPEC[doc["kind"]])
    spec.setdefault(container_type, []).append(container)


# --- the test -----------------------------------------------------------------------------------------------


def cases() -> list[tuple[str, Variant]]:
    found = []
    for name, doc in base_objects():
        found.append((name, Variant("as written", doc)))
        found.extend((name, variant) for variant in variants(doc))
    return found


CASES = cases()
SELECTED = tuple(p for p in k8s_policies() if p.id in POLICIES)


def scan(text: str) -> tuple[set[str], set[tuple[str, int]], bool]:
    outcome = FileScanner(SELECTED, ScanOptions()).scan_bytes(text.encode(), "variant.yaml")
    assert not [e for e in outcome.errors if e.policy_id != INVALID_OBJECT], [e.message for e in outcome.errors]
    lines = {(f.policy_id, f.location.line) for f in outcome.findings}
    return {f.policy_id for f in outcome.findings}, lines, bool(outcome.errors)


def test_there_are_enough_variants() -> None:
    assert len({name for name, _ in CASES}) >= 15
    assert len(CASES) >= 1000


@pytest.mark.parametrize("chunk", range(4))
def test_variants_agree_with_the_api_semantics(chunk: int) -> None:
    disagreements = []
    for name, variant in CASES[chunk::4]:
        text, where = emit(variant.doc)
        decoded = api(variant.doc)
        oracle = Oracle(decoded)
        failing, lines, invalid = scan(text)
        if oracle.invalid():
            if not invalid or failing:
                disagreements.append(f"{name}: {variant.name}: expected invalid-object, got {failing}\n{text}")
            continue
        expected = oracle.failing()
        if invalid or failing != expected:
            disagreements.append(f"{name}: {variant.name}: expected {sorted(expected)}, got {sorted(failing)}\n{text}")
            continue
        disagreements.extend(_line_problems(name, variant, expected, where, lines))
    assert not disagreements, "\n".join(disagreements[:5]) + f"\n({len(disagreements)} disagreements)"


def _line_problems(
    name: str, variant: Variant, expected: set[str], where: Mapping[tuple[Any, ...], int], lines: set
) -> Iterator[str]:
    """A failing policy whose required field lies under a key set to null reports at that key's line."""
    path = variant.null_path
    for container in _container_paths(variant.doc):
        if path[: len(container)] != container:
            continue
        inside = path[len(container) :]
        checked = {**CONTAINER_ONLY, **(LINE_CHECKED if container[-2] == "containers" else {})}
        for policy_id, field in checked.items():
            if policy_id not in expected or field[: len(inside)] != inside:
                continue
            if (policy_id, where[path]) not in lines:
                yield f"{name}: {variant.name}: {policy_id} not at the null key's line {where[path]}: {lines}"


def test_the_emitter_round_trips() -> None:
    doc = {"a": {"b": [1, {"c": Null(""), "d": Raw("y", True)}, []], "e": {}}, "f": "0o1"}
    text, where = emit(doc)
    assert yaml.safe_load(text) == {"a": {"b": [1, {"c": None, "d": "y"}, []], "e": {}}, "f": "0o1"}
    assert where[("a", "b", 1, "d")] == 5
