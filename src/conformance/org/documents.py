"""One YAML mapping file read for the org scan (inventory, org config, a repository's config, catalog-info):
bounded, safe, and every schema error naming the file, the key and its line."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path as FsPath
from typing import Any

from conformance.errors import ConfigError


@lru_cache(maxsize=8)
def schema(name: str) -> dict[str, Any]:
    """A schema shipped in ``conformance/schemas`` (read once per process)."""
    text = (FsPath(__file__).parent.parent / "schemas" / name).read_text("utf-8")
    return dict(json.loads(text))


def read_mapping(path: str, what: str) -> tuple[dict[str, Any], Any]:
    """The single YAML document of ``path`` as a mapping, with its node (for lines); ``ConfigError`` otherwise."""
    from conformance import yamlio
    from conformance.smallfiles import MAX_CONFIG_BYTES, read_small_file

    loaded = yamlio.load(read_small_file(path, MAX_CONFIG_BYTES, what))
    fatal = [p for p in loaded.problems if p.fatal]
    if fatal:
        raise ConfigError(f"{path}:{fatal[0].line}:{fatal[0].column}: {fatal[0].message}")
    if len(loaded.documents) > 1:
        raise ConfigError(f"{path}: the {what} must be a single YAML document")
    if not loaded.documents or loaded.documents[0].data is None:
        return {}, None
    document = loaded.documents[0]
    if not isinstance(document.data, Mapping):
        raise ConfigError(f"{path}: the {what} must be a mapping")
    return dict(document.data), document.node


def error_at(path: str, node: Any, key: Sequence[Any], message: str) -> ConfigError:
    """``FILE:LINE: key KEY: MESSAGE`` (the line of the key when it is known)."""
    from conformance import yamlio
    from conformance.config import key_text

    line = yamlio.locate(node, tuple(key)).line if node is not None and key else None
    where = f"{path}:{line}" if line else path
    return ConfigError(f"{where}: key {key_text(key)}: {message}")


def validate(path: str, node: Any, data: Any, schema_name: str) -> None:
    """Raise the first schema error of ``data``, naming the key and its line."""
    from conformance.config import schema_error

    error = schema_error(schema(schema_name), data)
    if error is not None:
        raise error_at(path, node, *error)
