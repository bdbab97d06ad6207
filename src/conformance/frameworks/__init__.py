"""Compliance frameworks as data: each ``*.yaml`` file here maps the controls of a published standard to
policy ids (schema: ``conformance/schemas/framework.schema.json``).

A control lists the ``policies`` that check it and its ``coverage``: ``full`` (the default), ``partial`` (the
policies check part of it; ``note`` says which) or ``not-covered`` (no policy checks it; ``note`` says why).
``includes`` pulls in another framework's controls (the restricted level of the Pod Security Standards
includes the baseline). A control is named ``<framework>:<control>`` (``pss-baseline:host-namespaces``).
Installed packs may ship frameworks of their own in a ``frameworks/`` directory.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path as FsPath
from typing import TYPE_CHECKING, Any

from conformance.errors import ConfigError, PolicyDefinitionError

if TYPE_CHECKING:
    from conformance.catalog.policy import Policy, PolicyDefinition

FULL, PARTIAL, NOT_COVERED = "full", "partial", "not-covered"


@dataclass(frozen=True)
class Control:
    """One control of a framework and the policies that check it."""

    framework: str
    id: str
    title: str
    policies: tuple[str, ...] = ()
    coverage: str = FULL
    description: str = ""
    note: str = ""

    @property
    def key(self) -> str:
        return f"{self.framework}:{self.id}"

    @property
    def covered(self) -> bool:
        return self.coverage != NOT_COVERED

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.key,
            "title": self.title,
            "coverage": self.coverage,
            "policies": list(self.policies),
            "note": self.note,
        }


@dataclass(frozen=True)
class Framework:
    """A framework file: its metadata, the frameworks it includes and its own controls."""

    id: str
    title: str
    controls: tuple[Control, ...]
    includes: tuple[str, ...] = ()
    version: str = ""
    url: str = ""
    description: str = ""
    source: str = ""


def builtin_dir() -> FsPath:
    return FsPath(__file__).parent


def _schema() -> dict[str, Any]:
    text = (FsPath(__file__).parent.parent / "schemas" / "framework.schema.json").read_text("utf-8")
    return dict(json.loads(text))


def load_framework(path: FsPath) -> Framework:
    """Read and validate one framework file; errors name the file, the line and the key."""
    from conformance import yamlio
    from conformance.config import key_text, schema_error
    from conformance.smallfiles import MAX_CONFIG_BYTES, read_small_file

    text = read_small_file(path, MAX_CONFIG_BYTES, "framework")
    loaded = yamlio.load(text)
    fatal = [p for p in loaded.problems if p.fatal]
    if fatal:
        raise PolicyDefinitionError(f"{path}:{fatal[0].line}:{fatal[0].column}: {fatal[0].message}")
    if len(loaded.documents) != 1:
        raise PolicyDefinitionError(f"{path}: a framework file holds exactly one YAML document")
    data, node = loaded.documents[0].data, loaded.documents[0].node
    error = schema_error(_schema(), data) if isinstance(data, Mapping) else ((), "is not a mapping")
    if error is not None:
        line = yamlio.locate(node, tuple(error[0])).line if error[0] else None
        where = f"{path}:{line}" if line else str(path)
        raise PolicyDefinitionError(f"{where}: key {key_text(error[0])}: {error[1]}")
    if data["id"] != path.stem:
        raise PolicyDefinitionError(f"{path}: key id: {data['id']!r} differs from the file name {path.stem!r}")
    controls = []
    seen: set[str] = set()
    for index, entry in enumerate(data["controls"]):
        if entry["id"] in seen:
            raise PolicyDefinitionError(f"{path}: key controls[{index}].id: {entry['id']!r} appears twice")
        seen.add(entry["id"])
        controls.append(
            Control(
                framework=data["id"],
                id=entry["id"],
                title=entry["title"],
                policies=tuple(entry.get("policies", ())),
                coverage=entry.get("coverage", FULL),
                description=entry.get("description", ""),
                note=entry.get("note", ""),
            )
        )
    return Framework(
        id=data["id"],
        title=data["title"],
        controls=tuple(controls),
        includes=tuple(data.get("includes", ())),
        version=str(data.get("version", "")),
        url=data.get("url", ""),
        description=data.get("description", ""),
        source=str(path),
    )


def framework_files(packs: bool = True) -> list[FsPath]:
    """The built-in framework files, then those of installed packs (``<pack root>/frameworks/*.yaml``)."""
    files = sorted(builtin_dir().glob("*.yaml"))
    if packs:
        from conformance.catalog.packs import installed_packs

        for pack in installed_packs():
            directory = pack.root / "frameworks"
            if directory.is_dir():
                files.extend(sorted(directory.glob("*.yaml")))
    return files


def load_frameworks(files: Iterable[FsPath] | None = None) -> dict[str, Framework]:
    """Every framework by id; two files with one id, or an include of an unknown framework, are errors."""
    frameworks: dict[str, Framework] = {}
    for path in framework_files() if files is None else files:
        framework = load_framework(path)
        previous = frameworks.get(framework.id)
        if previous is not None:
            raise PolicyDefinitionError(f"duplicate framework id {framework.id!r}: {previous.source} and {path}")
        frameworks[framework.id] = framework
    for framework in frameworks.values():
        for name in framework.includes:
            if name not in frameworks:
                raise PolicyDefinitionError(f"{framework.source}: key includes: no framework {name!r}")
    return frameworks


def controls_of(framework: Framework, frameworks: Mapping[str, Framework]) -> tuple[Control, ...]:
    """A framework's controls: those of what it includes (in order, each once), then its own."""
    seen: list[str] = []

    def visit(current: Framework) -> list[Control]:
        if current.id in seen:
            return []
        seen.append(current.id)
        found: list[Control] = []
        for name in current.includes:
            found.extend(visit(frameworks[name]))
        return [*found, *current.controls]

    return tuple(visit(framework))


def resolve(names: Sequence[str], frameworks: Mapping[str, Framework]) -> tuple[Framework, ...]:
    """The frameworks named on the command line (``--framework``), or a usage error listing the known ones."""
    chosen = []
    for name in dict.fromkeys(names):
        if name not in frameworks:
            raise ConfigError(f"--framework: no framework {name!r} (known: {', '.join(sorted(frameworks))})")
        chosen.append(frameworks[name])
    return tuple(chosen)


def mapped_policies(frameworks: Iterable[Framework], all_frameworks: Mapping[str, Framework]) -> tuple[str, ...]:
    """Every policy id the frameworks' controls map to, sorted."""
    return tuple(
        sorted({pid for framework in frameworks for c in controls_of(framework, all_frameworks) for pid in c.policies})
    )


def policy_controls(frameworks: Mapping[str, Framework]) -> dict[str, tuple[str, ...]]:
    """For each policy id, the controls (``<framework>:<control>``) that map to it, sorted."""
    found: dict[str, set[str]] = {}
    for framework in frameworks.values():
        for control in framework.controls:
            for policy_id in control.policies:
                found.setdefault(policy_id, set()).add(control.key)
    return {policy_id: tuple(sorted(keys)) for policy_id, keys in found.items()}


def unknown_policies(frameworks: Mapping[str, Framework], known_ids: Iterable[str]) -> list[str]:
    """``<file>: <control> maps unknown policy <id>`` for every mapped id the catalog does not have."""
    known = set(known_ids)
    return [
        f"{framework.source}: {control.key} maps unknown policy {policy_id}"
        for framework in frameworks.values()
        for control in framework.controls
        for policy_id in control.policies
        if policy_id not in known
    ]


def with_frameworks(definitions: Sequence[PolicyDefinition]) -> tuple[PolicyDefinition, ...]:
    """The definitions with :attr:`PolicyInfo.frameworks` filled in, on their info and on the policies they
    build (frameworks are read only where they are shown, so a plain scan does not pay for them)."""
    from dataclasses import replace

    mapping = policy_controls(load_frameworks())

    def tagged(definition: PolicyDefinition) -> PolicyDefinition:
        controls = mapping.get(definition.id, ())
        if not controls:
            return definition
        build = definition.build

        def build_tagged(options: Mapping[str, Any], severity: str) -> Policy:
            policy = build(options, severity)
            return replace(policy, info=replace(policy.info, frameworks=controls))

        return replace(definition, info=replace(definition.info, frameworks=controls), build=build_tagged)

    return tuple(tagged(d) for d in definitions)
