"""Targets for file policies: each YAML document of a file a policy's ``FILES`` globs select."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class YamlDocument:
    """One document of a YAML (or JSON) file, as a ``TARGET = "yaml"`` policy sees it.

    ``data`` is the parsed document (YAML 1.1, like Kubernetes reads it); violations carry a path into it
    (mapping keys and sequence indices) and the engine turns that path into a line and column.
    """

    file: str
    """The path reports show."""
    relative: str
    """The path relative to the repository root, with forward slashes (what ``FILES`` globs match)."""
    index: int
    """0-based position of the document in its file."""
    data: Any = field(repr=False)
