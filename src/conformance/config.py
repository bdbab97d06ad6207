"""``.conformance.yaml``: found upward from the scan root (or given with ``--config``), schema-validated."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path as FsPath
from typing import Any

from conformance.errors import ConfigError

CONFIG_NAMES = (".conformance.yaml", ".conformance.yml")
DEFAULT_MAX_FILE_SIZE = 20 * 1024 * 1024


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

    @property
    def root(self) -> FsPath | None:
        """The directory exclude patterns are relative to."""
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


def parse_config(data: Any, source: FsPath) -> Config:
    """Validate raw config data; every error names the key."""
    from jsonschema import Draft202012Validator

    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        raise ConfigError(f"{source}: the configuration must be a mapping")
    errors = sorted(Draft202012Validator(_schema()).iter_errors(data), key=lambda e: list(e.path))
    if errors:
        error = errors[0]
        key = ".".join(str(p) for p in error.absolute_path) or "(top level)"
        raise ConfigError(f"{source}: key {key}: {error.message}")
    base = source.parent
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
    )


def load_config(path: FsPath) -> Config:
    """Read and validate one config file."""
    from conformance import yamlio

    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the configuration: {exc}") from None
    loaded = yamlio.load(text)
    fatal = [p for p in loaded.problems if p.fatal]
    if fatal:
        raise ConfigError(f"{path}:{fatal[0].line}:{fatal[0].column}: {fatal[0].message}")
    if len(loaded.documents) > 1:
        raise ConfigError(f"{path}: the configuration must be a single YAML document")
    return parse_config(loaded.documents[0].data if loaded.documents else None, path)


def resolve_config(explicit: FsPath | None, scan_paths: Sequence[str]) -> Config:
    """The explicit config, else the one found upward from the first scan path, else defaults."""
    if explicit is not None:
        if not explicit.is_file():
            raise ConfigError(f"{explicit}: configuration file not found")
        return load_config(explicit)
    start = FsPath(next((p for p in scan_paths if p != "-"), "."))
    found = find_config(start if start.exists() else FsPath("."))
    return load_config(found) if found else Config()
