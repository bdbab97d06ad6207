"""``conformance fix``: scan with the policies that can fix, plan and apply their fixes, write atomically.

Exit codes: 0 nothing to fix, 1 files were changed (with ``--dry-run``: would be; the diff is printed),
2 usage or scan errors (a file that cannot be read or parsed is left untouched and named).
"""

from __future__ import annotations

import difflib
import os
import sys
from dataclasses import replace
from typing import Any

from conformance.errors import ConfigError

EXIT_CLEAN = 0
EXIT_CHANGED = 1
EXIT_ERROR = 2


def run_fix(
    paths: tuple[str, ...] = (),
    enable: tuple[str, ...] = (),
    disable: tuple[str, ...] = (),
    profiles: tuple[str, ...] = (),
    config_path: str | None = None,
    policy_dirs: tuple[str, ...] = (),
    trust_local_policies: bool = False,
    dry_run: bool = False,
) -> int:
    """``conformance fix``: returns the exit code."""
    from conformance.fix.apply import apply_file
    from conformance.fix.plan import Unfixed, make_plan
    from conformance.planning.plan import ScanRequest, execute_scan, prepare_scan

    if "-" in paths:
        raise ConfigError("fix edits files in place: standard input (-) cannot be fixed")
    request = ScanRequest(
        paths=tuple(paths) or (".",),
        enable=enable,
        disable=disable,
        profiles=profiles,
        config_path=config_path,
        policy_dirs=policy_dirs,
        trust_local_policies=trust_local_policies,
        jobs=1,
    )
    prepared = prepare_scan(request)
    fixing = tuple(p for p in prepared.policies if p.fixer is not None)
    if not fixing:
        print("conformance: no selected policy can fix (see `conformance policies explain`)", file=sys.stderr)
        return EXIT_CLEAN
    prepared = replace(prepared, policies=fixing, repositories=[])
    result = execute_scan(prepared)
    plan = make_plan(result.findings, fixing, prepared.files, prepared.options.max_file_size, prepared.config.workloads)
    errors = [f"{e.location.file}:{e.location.line}:{e.location.column}: {e.message}" for e in result.errors]
    errors.extend(plan.errors)
    by_id = {policy.id: policy for policy in fixing}
    changed = 0
    fixed = 0
    left = list(plan.unfixed)
    for file_plan in plan.files:
        outcome = apply_file(file_plan, by_id)
        if not outcome.error:
            left.extend(outcome.refused)
        if outcome.error:
            errors.append(f"{file_plan.display}: {outcome.error}")
            left.extend(Unfixed(fix.finding, "its file is left untouched (see the error)") for fix in file_plan.fixes)
            continue
        for note in outcome.notes:
            print(f"conformance: note: {file_plan.display}: {note}", file=sys.stderr)
        if not outcome.changed:
            continue
        changed += 1
        fixed += len(outcome.applied)
        if dry_run:
            sys.stdout.write(_diff(file_plan.display, file_plan.text, outcome.text))
            continue
        problem = _write(file_plan.path, outcome.text, file_plan.bom)
        if problem:
            errors.append(f"{file_plan.display}: {problem}")
            changed -= 1
            fixed -= len(outcome.applied)
            continue
        print(f"fixed {file_plan.display}: {_counts(outcome.applied)}")
    for unfixed in sorted(left, key=lambda u: u.finding.sort_key()):
        where = unfixed.finding.location
        policy_id = unfixed.finding.policy_id
        print(f"{where.file}:{where.line}:{where.column} {policy_id} not fixed: {unfixed.reason}", file=sys.stderr)
    for error in errors:
        print(f"conformance: error: {error}", file=sys.stderr)
    verb = "would fix" if dry_run else "fixed"
    print(
        f"{verb} {fixed} finding{'s' if fixed != 1 else ''} in {changed} file{'s' if changed != 1 else ''}; "
        f"{len(left)} left to fix by hand",
        file=sys.stderr,
    )
    if errors:
        return EXIT_ERROR
    return EXIT_CHANGED if changed else EXIT_CLEAN


def _counts(findings: Any) -> str:
    counts: dict[str, int] = {}
    for finding in findings:
        counts[finding.policy_id] = counts.get(finding.policy_id, 0) + 1
    return ", ".join(f"{policy} x{n}" if n > 1 else policy for policy, n in counts.items())


def _diff(display: str, before: str, after: str) -> str:
    lines = difflib.unified_diff(
        before.splitlines(keepends=True), after.splitlines(keepends=True), f"a/{display}", f"b/{display}"
    )
    out = []
    for line in lines:
        out.append(line if line.endswith(("\n", "\r")) else line + "\n\\ No newline at end of file\n")
    return "".join(out)


def _write(path: str, text: str, bom: bool) -> str:
    """Replace the file atomically, keeping its mode; '' or why it was not written."""
    from conformance.atomic import write_atomic

    data = (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8")
    try:
        write_atomic(os.path.abspath(path), data)
    except OSError as exc:
        return f"not written: {exc.strerror or exc}"
    return ""
