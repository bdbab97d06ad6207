"""``conformance baseline create|prune``: record today's findings as accepted debt, or drop what was fixed."""

from __future__ import annotations

import os
import sys
from dataclasses import replace
from pathlib import Path as FsPath
from typing import Any

from conformance.errors import EXIT_ERROR
from conformance.planning.plan import ScanRequest, execute_scan, prepare_scan

DEFAULT_BASELINE = ".conformance-baseline.json"


def _say(message: str) -> None:
    print(f"conformance: {message}", file=sys.stderr)


def run_create(output: str, **values: Any) -> int:
    """Scan and write every active finding's fingerprint to ``output`` (replacing it atomically).

    Exit code 0 once written; 2 when the scan had errors (the baseline is written all the same, without
    them: a file that could not be read has no findings to accept).
    """
    from conformance.baseline import baseline_from_findings, write_baseline

    request = ScanRequest(**values)
    request = replace(request, paths=tuple(request.paths) or (".",), baseline=None)
    result = execute_scan(prepare_scan(request))
    accepted = [f for f in result.findings if f.suppression is None]
    baseline = baseline_from_findings(accepted, FsPath(output))
    write_baseline(baseline)
    _say(f"baseline {output}: {len(baseline)} finding{'s' if len(baseline) != 1 else ''} accepted")
    if result.errors:
        _say(f"{len(result.errors)} scan error(s) were not baselined; run `conformance scan` to see them")
        return EXIT_ERROR
    return 0


def run_prune(baseline_path: str, **values: Any) -> int:
    """Scan with the baseline and rewrite it without the entries no finding matches any more."""
    from conformance.baseline import load_baseline, write_baseline

    request = ScanRequest(**values)
    request = replace(request, paths=tuple(request.paths) or (".",), baseline=baseline_path)
    result = execute_scan(prepare_scan(request))
    baseline = load_baseline(FsPath(baseline_path))
    fixed = {entry["fingerprint"] for entry in result.fixed}
    if result.errors:
        _say(f"{len(result.errors)} scan error(s): not pruning, an unreadable file would look fixed")
        return EXIT_ERROR
    kept = replace(baseline, entries={fp: e for fp, e in baseline.entries.items() if fp not in fixed})
    write_baseline(kept)
    _say(f"baseline {os.path.normpath(baseline_path)}: {len(fixed)} fixed entr{'y' if len(fixed) == 1 else 'ies'} "
         f"removed, {len(kept)} kept")
    return 0
