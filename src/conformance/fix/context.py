"""What a policy's ``fix(violation, target, ctx)`` receives as ``ctx``."""

from __future__ import annotations

from dataclasses import dataclass

from conformance.catalog.policy import CheckContext


@dataclass(frozen=True)
class FixContext(CheckContext):
    """A check context that also holds the text of the file being fixed (a Dockerfile fix computes offsets in
    it; YAML fixes work on data and never need it)."""

    text: str = ""
