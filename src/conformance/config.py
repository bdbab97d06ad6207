"""``.conformance.yaml``: found upward from the scan root (or given with ``--config``), schema-validated."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path as FsPath
from typing import TYPE_CHECKING, Any

from conformance.errors import ConfigError

if TYPE_CHECKING:
    from conformance.levels import Level
    from conformance.suppress import Waiver

CONFIG_NAMES = (".conformance.yaml", ".conformance.yml")
DEFAULT_MAX_FILE_SIZE = 20 * 1024 * 1024
DEFAULT_POLICY_TIMEOUT = 10.0


@dataclass(frozen=True)
class Config:
    """Validated settings; paths are absolute (relative ones are taken from the config file's directory)."""

    source: FsPath | None = None
    profiles: tuple[str, ...] = ()
    enable: tuple[str, ...] = ()
    disable: tuple[str, ...] = ()
    severity: Mapping[str, str] = field(default_factory=dict)
    options: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    policy_paths: tuple[FsPath, ...] = ()
    exclude: tuple[str, ...] = ()
    fail_on: str = "error"
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    policy_timeout: float = DEFAULT_POLICY_TIMEOUT
    inline_suppressions: bool = True
    """False: inline comments and annotations suppress nothing; only waivers (and a baseline) do."""
    waivers: tuple[Waiver, ...] = ()
    workloads: tuple[Mapping[str, Any], ...] = ()
    """Custom kinds whose pods are checked like a Deployment's, beside the shipped table (``workloads``)."""
    helm_values: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Values files per chart directory (absolute), each file relative to its chart."""
    require_rendering: bool = False
    """Charts and templates that cannot be rendered fail the run (errors) instead of being noted."""
    render_kustomize: bool = False
    """Build kustomization roots and check their objects (see :mod:`conformance.targets.kustomize`)."""
    levels: tuple[Level, ...] = ()
    """Compliance levels, lowest first (``levels``); their selectors are checked against the catalog by
    :func:`conformance.planning.policies.check_levels`."""
    level_places: Mapping[str, str] = field(default_factory=dict, compare=False)
    """Where each level selector was written (``levels[1].policies[0]`` → ``org.yaml:12``), for the errors found
    once policies load (the levels may come from a file this one extends)."""
    extends: tuple[str, ...] = ()
    """What this file extends, as written (presets and paths, see :mod:`conformance.config_extends`)."""
    chain: tuple[str, ...] = ()
    """Every file merged into this configuration, parents first and this one last (as messages name them)."""
    locked: Mapping[str, str] = field(default_factory=dict)
    """Keys a parent locked (``disable``, ``severity``, ...) and the file that locked each: see
    :mod:`conformance.config_merge`. A file's own ``locked:`` binds the files that extend it, not itself."""
    set_keys: frozenset[str] = frozenset()
    """The top-level keys the file (or a file it extends) sets, so merging knows which scalars to take."""
    severity_floors: tuple[tuple[str, str, str, str], ...] = ()
    """(policy id, severity, file, locking file): severities set under a ``severity`` lock where no parent named
    the policy, checked against the policy's own severity once the catalog is loaded."""

    @property
    def root(self) -> FsPath | None:
        """The directory exclude patterns and waiver paths are relative to."""
        return self.source.parent if self.source else None


def find_config(start: FsPath) -> FsPath | None:
    """The nearest config file in ``start`` or one of its parents."""
    directory = start.resolve()
    if not directory.is_dir():
        directory = directory.parent
    for candidate_dir in (directory, *directory.parents):
        for name in CONFIG_NAMES:
            candidate = candidate_dir / name
            if candidate.is_file():
                return candidate
    return None


def _schema() -> dict[str, Any]:
    text = (FsPath(__file__).parent / "schemas" / "config.schema.json").read_text("utf-8")
    return dict(json.loads(text))


def key_text(path: Sequence[Any]) -> str:
    """How messages name a place in a document: ``waivers[2].match.paths[0]``; ``(top level)`` for the root."""
    text = ""
    for step in path:
        text += f"[{step}]" if isinstance(step, int) else (f".{step}" if text else str(step))
    return text or "(top level)"


def schema_error(schema: Mapping[str, Any], data: Any) -> tuple[tuple[Any, ...], str] | None:
    """The first error of ``data`` against a draft 2020-12 schema, as (path, message), or None if it is valid.

    A subschema's ``errorMessage`` replaces the library's message (``'2025-6-1' is not a date ...``). Valid data
    is recognised by jsonschema-rs; the pure-Python library (80 ms to import) is loaded only to explain an error.
    """
    from conformance.validation import compile_schema

    error = compile_schema(schema).first_error(data, custom_messages=True)
    return None if error is None else (error.path, error.message)


def _line_of(node: Any, path: Sequence[Any]) -> int | None:
    if node is None:
        return None
    from conformance import yamlio

    return yamlio.locate(node, tuple(path)).line


def _config_error(source: FsPath, node: Any, path: Sequence[Any], message: str) -> ConfigError:
    line = _line_of(node, path) if path else None
    where = f"{source}:{line}" if line else str(source)
    return ConfigError(f"{where}: key {key_text(path)}: {message}")


def _waivers(raw: Sequence[Mapping[str, Any]], source: FsPath, node: Any) -> tuple[Waiver, ...]:
    from conformance.suppress import Waiver

    waivers = []
    for index, entry in enumerate(raw):
        expires = entry.get("expires")
        if expires is not None:
            try:
                date.fromisoformat(expires)
            except ValueError as exc:
                path = ("waivers", index, "expires")
                raise _config_error(source, node, path, f"{expires!r} is not a real date ({exc})") from None
        match = entry.get("match", {})
        waivers.append(
            Waiver(
                policy=entry["policy"],
                reason=entry["reason"].strip(),
                owner=entry["owner"].strip(),
                expires=expires,
                paths=tuple(match.get("paths", ())),
                kind=match.get("kind"),
                namespace=match.get("namespace"),
                name=match.get("name"),
                container=match.get("container"),
                index=index,
                line=_line_of(node, ("waivers", index)) or 0,
                config=str(source),
            )
        )
    return tuple(waivers)


def _levels(raw: Sequence[Mapping[str, Any]], source: FsPath, node: Any) -> tuple[tuple[Level, ...], dict[str, str]]:
    """The ``levels`` list as records (names unique, each selecting something) and where its selectors are."""
    from conformance.levels import Level

    levels: list[Level] = []
    places: dict[str, str] = {}
    seen: dict[str, int] = {}
    for index, entry in enumerate(raw):
        name = entry["name"]
        if name in seen:
            message = f"level {name!r} is defined twice (first as levels[{seen[name]}])"
            raise _config_error(source, node, ("levels", index, "name"), message)
        seen[name] = index
        if not entry.get("policies") and not entry.get("profiles"):
            message = f"level {name!r} selects nothing: give it policies (ids or prefixes) or profiles"
            raise _config_error(source, node, ("levels", index), message)
        for key in ("policies", "profiles"):
            for number, _ in enumerate(entry.get(key, ())):
                path = ("levels", index, key, number)
                line = _line_of(node, path)
                places[key_text(path)] = f"{source}:{line}" if line else str(source)
        levels.append(Level.from_config(entry))
    return tuple(levels), places


def _check_glob_complexity(data: Mapping[str, Any], source: FsPath, node: Any) -> None:
    """``exclude`` and waiver ``paths`` globs are matched with backtracking regexes (``pathspec``): one with
    too many nested wildcards (``*a*a*a*a*b``) would hang the walk or the suppression step, so it is refused."""
    from conformance.globmatch import glob_complexity_problem

    places: list[tuple[tuple[Any, ...], Any]] = [(("exclude", i), p) for i, p in enumerate(data.get("exclude", ()))]
    for index, entry in enumerate(data.get("waivers", ())):
        for number, pattern in enumerate(entry.get("match", {}).get("paths", ())):
            places.append((("waivers", index, "match", "paths", number), pattern))
    for path, pattern in places:
        problem = glob_complexity_problem(pattern) if isinstance(pattern, str) else None
        if problem is not None:
            raise _config_error(source, node, path, problem)


def parse_config(data: Any, source: FsPath, node: Any = None) -> Config:
    """Validate raw config data; every error names the key (and its line, given the YAML ``node``)."""
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        raise ConfigError(f"{source}: the configuration must be a mapping")
    error = schema_error(_schema(), data)
    if error is not None:
        raise _config_error(source, node, *error)
    _check_glob_complexity(data, source, node)
    base = source.parent
    levels, level_places = _levels(data.get("levels", ()), source, node)
    return Config(
        source=source,
        profiles=tuple(data.get("profiles", ())),
        enable=tuple(data.get("enable", ())),
        disable=tuple(data.get("disable", ())),
        severity=dict(data.get("severity", {})),
        options={k: dict(v) for k, v in data.get("options", {}).items()},
        policy_paths=tuple((base / p).resolve() for p in data.get("policy-paths", ())),
        exclude=tuple(data.get("exclude", ())),
        fail_on=data.get("fail-on", "error"),
        max_file_size=int(data.get("max-file-size", DEFAULT_MAX_FILE_SIZE)),
        policy_timeout=float(data.get("policy-timeout", DEFAULT_POLICY_TIMEOUT)),
        inline_suppressions=data.get("inline-suppressions", True),
        waivers=_waivers(data.get("waivers", ()), source, node),
        workloads=tuple(dict(entry) for entry in data.get("workloads", ())),
        helm_values={
            str((base / chart).resolve()): tuple(files)
            for chart, files in data.get("helm", {}).get("values", {}).items()
        },
        require_rendering=bool(data.get("helm", {}).get("require-rendering", False)),
        render_kustomize=bool(data.get("kustomize", {}).get("render", False)),
        levels=levels,
        level_places=level_places,
        extends=_extends(data.get("extends", ())),
        chain=(str(source),),
        locked=_locks(data.get("locked", False), source),
        set_keys=frozenset(data) - {"extends", "locked"},
    )


LOCKABLE = ("disable", "severity", "inline-suppressions", "waivers", "exclude", "fail-on", "options")
"""What ``locked:`` may name (``locked: true`` locks all): see :mod:`conformance.config_merge`."""


def _extends(value: str | Sequence[str]) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)


def _locks(value: bool | Sequence[str], source: FsPath) -> dict[str, str]:
    keys = LOCKABLE if value is True else () if value is False else value
    return dict.fromkeys(keys, str(source))


def load_config(path: FsPath) -> Config:
    """Read and validate a config file and everything it extends, merged (see :mod:`conformance.config_merge`)."""
    from conformance.config_extends import load_extended

    return load_extended(path)


def load_file(path: FsPath) -> tuple[Config, Any]:
    """Read and validate one config file, ignoring what it extends: the config and its YAML node."""
    from conformance import yamlio
    from conformance.smallfiles import MAX_CONFIG_BYTES, read_small_file

    text = read_small_file(path, MAX_CONFIG_BYTES, "configuration")
    loaded = yamlio.load(text)
    fatal = [p for p in loaded.problems if p.fatal]
    if fatal:
        raise ConfigError(f"{path}:{fatal[0].line}:{fatal[0].column}: {fatal[0].message}")
    if len(loaded.documents) > 1:
        raise ConfigError(f"{path}: the configuration must be a single YAML document")
    if not loaded.documents:
        return parse_config(None, path), None
    return parse_config(loaded.documents[0].data, path, loaded.documents[0].node), loaded.documents[0].node


def resolve_config(explicit: FsPath | None, scan_paths: Sequence[str]) -> Config:
    """The explicit config, else the one found upward from the first scan path, else defaults."""
    if explicit is not None:
        if not os.path.lexists(explicit):
            raise ConfigError(f"{explicit}: configuration file not found")
        return load_config(explicit)  # a FIFO, a device, a link out of the tree: refused there, with a reason
    start = FsPath(next((p for p in scan_paths if p != "-"), "."))
    found = find_config(start if start.exists() else FsPath("."))
    return load_config(found) if found else Config()
