"""Reporters: each turns a ScanResult into one output format. Looked up by name, imported on use."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import IO

from conformance.model import ScanResult

Reporter = Callable[[ScanResult, IO[str], bool], None]
"""render(result, stream, color)"""

FORMATS = {
    "text": "conformance.reporters.text",
    "json": "conformance.reporters.json_report",
}


def get_reporter(name: str) -> Reporter:
    """The render function of a format (a KeyError names an unknown format)."""
    module = importlib.import_module(FORMATS[name])
    render: Reporter = module.render
    return render
