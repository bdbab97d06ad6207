"""The error every history function raises: a usage or database problem, exit code 2, URL shown redacted."""

from __future__ import annotations

from conformance.errors import ConformanceError


class HistoryError(ConformanceError):
    """The history database cannot be opened, read, migrated or written."""
