"""The excludes of a run: the configuration's (relative to its file's directory) and ``--exclude`` (relative to
the current directory), with a record of the configuration's patterns that never matched, so a pattern that
excludes nothing (often one written for another starting point) is not silently ignored."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from conformance.inputs import Excludes


class ScanExcludes(Excludes):
    """``config`` patterns relative to ``config_root``, ``command_line`` ones relative to ``base``."""

    def __init__(self, config: Sequence[str], config_root: str, command_line: Sequence[str], base: str) -> None:
        super().__init__(config, config_root)
        self._command_line = Excludes(command_line, base)
        self._pending: dict[str, Any] = {}
        """Each written pattern that has not excluded anything yet, compiled on its own."""
        if config:
            import pathspec

            for line in config:
                text = line.strip()
                if text and not text.startswith(("#", "!")):  # a negation excludes nothing by itself
                    self._pending[text] = pathspec.GitIgnoreSpec.from_lines([text])

    def excluded(self, path: str, is_dir: bool = False) -> bool:
        if self._command_line.excluded(path, is_dir):
            return True
        hit = super().excluded(path, is_dir)
        if hit and self._pending:
            relative = os.path.relpath(os.path.abspath(path), self.root).replace(os.sep, "/") + ("/" if is_dir else "")
            for text in [text for text, spec in self._pending.items() if spec.match_file(relative)]:
                del self._pending[text]
        return hit

    def unmatched(self) -> list[str]:
        """The configuration's exclude patterns (as written) that excluded no path of this run."""
        return list(self._pending)
