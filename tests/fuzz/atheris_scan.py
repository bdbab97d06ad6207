"""Coverage-guided fuzzing of the engine's byte scanning with atheris (libFuzzer). Optional: not a dev
dependency, not collected by pytest (the name does not start with ``test_``), never run by CI.

    pip install atheris                     # a manylinux wheel exists for CPython 3.11 on x86-64
    mkdir -p /tmp/conformance-fuzz          # libFuzzer writes the inputs it finds into the FIRST directory
    python tests/fuzz/atheris_scan.py /tmp/conformance-fuzz fixtures/policies/k8s -max_total_time=600
    python tests/fuzz/atheris_scan.py crash-0123abcd...                   # replay one saved crash

Any further corpus directory (read recursively) seeds the run: the policy fixtures, the shared corpus. The
target is the one tests/fuzz/test_scan_fuzz.py drives with Hypothesis: ``FileScanner.scan_bytes`` with every
built-in policy, then the cross-resource policies. It must never raise, built-in policies must never fail, and
every position must be inside the file. libFuzzer saves a failing input as ``crash-<sha1>``: copy it to
``tests/hostile/regressions/`` and give it an entry in ``tests/hostile/test_regressions.py``.
"""

from __future__ import annotations

import re
import sys

import atheris

with atheris.instrument_imports(include=["conformance", "yaml"]):
    from conformance.catalog.discovery import build_catalog
    from conformance.catalog.select import configure
    from conformance.engine import FileScanner, ScanOptions, decode, run_scope_policies
    from conformance.model import DUPLICATE_KEY, INVALID_OBJECT, PARSE_ERROR
    from conformance.scope import ScopeStore

SCANNER = FileScanner(configure(build_catalog(entry_points=False).definitions), ScanOptions(jobs=1))
LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")


def TestOneInput(data: bytes) -> None:  # the name atheris looks for
    outcome = SCANNER.scan_bytes(data, "fuzz.yaml")
    store = ScopeStore()
    try:
        for policy_id, entries in outcome.scope.items():
            store.add(policy_id, entries)
        outcome.merge(run_scope_policies(SCANNER.scope_policies, store))
    finally:
        store.close()
    text = decode(data)[0]
    lines = len(LINE_BREAK.split(text)) if text is not None else data.count(b"\n") + 1
    for finding in [*outcome.findings, *outcome.errors]:
        location = finding.location
        if not 1 <= location.line <= lines + 1 or location.column < 1:
            raise AssertionError(f"position outside the file ({lines} lines): {finding}")
        if location.end_line is not None and (location.end_line, location.end_column or 0) < (
            location.line,
            location.column,
        ):
            raise AssertionError(f"span ends before it starts: {finding}")
    for error in outcome.errors:
        if error.policy_id not in (PARSE_ERROR, INVALID_OBJECT):
            raise AssertionError(f"a built-in policy failed: {error}")
    for finding in outcome.findings:
        if finding.policy_id != DUPLICATE_KEY and "/" not in finding.policy_id:
            raise AssertionError(f"unexpected finding: {finding}")


def main() -> None:
    atheris.Setup(sys.argv, TestOneInput)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
