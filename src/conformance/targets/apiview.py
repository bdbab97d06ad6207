"""Kubernetes objects as the API server decodes them: a mapping key whose value is null is not there.

Go's JSON decoder leaves a struct field untouched when its value is null, so to the API server
``securityContext:`` left empty is the same as no ``securityContext`` at all. :func:`api_view` gives every
policy (built-in or user-written, YAML or Python) that view of an object, and remembers where the null keys
were written so findings about them can point at their lines.
"""

from __future__ import annotations

from collections.abc import Mapping
from itertools import islice
from typing import Any

from conformance.model import Path

STRING_MAP_FIELDS = frozenset({"nodeSelector", "matchLabels"})
"""Fields of type ``map[string]string`` wherever they appear (besides ``metadata.labels``/``annotations`` and a
ConfigMap's or Secret's ``data``): a null value there is the empty string, and the key stays."""
_METADATA_STRING_MAPS = frozenset({"labels", "annotations"})
_TOP_LEVEL_STRING_MAPS = frozenset({"data", "stringData", "binaryData", *STRING_MAP_FIELDS})
_DATA_KINDS = frozenset({"ConfigMap", "Secret"})


class ApiObject(dict[Any, Any]):
    """An object as :func:`api_view` reads it, remembering where null values were written."""

    nulls: frozenset[Path] = frozenset()
    """Paths (inside the object) of the mapping keys whose null value was dropped."""


def api_view(data: Mapping[str, Any]) -> ApiObject:
    """The object as the API server decodes it: every mapping key whose value is null is dropped.

    Go's JSON decoder leaves a struct field untouched when its value is null, so ``securityContext:`` left empty
    is the same as no ``securityContext`` at all. In a ``map[string]string`` (labels, annotations,
    ``nodeSelector``, ``matchLabels``, a ConfigMap's or Secret's ``data``) a null value is the empty string, so
    the key is kept with ``""``. Null *items* of a sequence are kept as None: Go decodes them to the zero value
    (an empty string in ``drop: [null]``; a container without a name, which the API server refuses).
    """
    nulls: list[Path] = []
    top = _TOP_LEVEL_STRING_MAPS if data.get("kind") in _DATA_KINDS else STRING_MAP_FIELDS
    view = ApiObject(_without_nulls(data, top, (), nulls))
    view.nulls = frozenset(nulls)
    return view


def _without_nulls(value: Any, string_maps: frozenset[str], path: Path, nulls: list[Path]) -> Any:
    """The value without null mapping values; unchanged mappings and lists are returned as they are."""
    if isinstance(value, list):
        copied: list[Any] | None = None
        for i, item in enumerate(value):
            if isinstance(item, (dict, list)):
                new = _without_nulls(item, STRING_MAP_FIELDS, (*path, i), nulls)
                if new is not item:
                    copied = copied if copied is not None else list(value)
                    copied[i] = new
        return value if copied is None else copied
    out: dict[Any, Any] | None = None
    for index, (key, item) in enumerate(value.items()):
        if item is None:
            nulls.append((*path, key))
            new = _DROPPED
        elif isinstance(item, dict) and key in string_maps:
            new = {k: "" if v is None else v for k, v in item.items()} if None in item.values() else item
        elif isinstance(item, (dict, list)):
            inner = _METADATA_STRING_MAPS if key == "metadata" else STRING_MAP_FIELDS
            new = _without_nulls(item, inner, (*path, key), nulls)
        else:
            new = item
        if out is None:
            if new is item:
                continue
            out = dict(islice(value.items(), index))  # the entries before this one, unchanged
        if new is not _DROPPED:
            out[key] = new
    return value if out is None else out


_DROPPED = object()


def extend_to_null_key(nulls: frozenset[Path], path: Path, message: str) -> Path:
    """``path`` extended by the key a "required property" ``message`` names, when that key under ``path`` was
    written with a null value; else ``path``."""
    depth = len(path)
    for null in nulls:
        if len(null) == depth + 1 and null[:depth] == path:
            key = null[-1]
            if f'"{key}"' in message or f"'{key}'" in message:
                return (*path, key)
    return path
