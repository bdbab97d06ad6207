"""``conformance policies test [DIR...]``: every policy of the directories against its fixtures.

Exit 0 when every fixture holds, 1 on a mismatch (or a policy without a pass and a fail fixture, unless
``--allow-missing``; or fixtures for no known policy under ``--fixtures``), 2 when a policy fails to load.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from conformance.config import resolve_config
from conformance.errors import EXIT_CLEAN, EXIT_ERROR, EXIT_VIOLATIONS, ConfigError
from conformance.testing.fixtures import FixtureResult
from conformance.testing.suite import PolicyReport, collect, orphan_fixtures, run_policy


def policy_directories(directories: Sequence[str], config_path: str | None) -> list[tuple[Path, bool]]:
    """Named directories (trusted, like ``--policy-dir``), else the configuration's ``policy-paths`` (untrusted:
    their Python policies need ``--trust-local-policies``). None at all is a usage error."""
    if directories:
        return [(Path(d), True) for d in directories]
    config = resolve_config(Path(config_path) if config_path else None, ["."])
    if not config.policy_paths:
        raise ConfigError("no policy directory: name one (conformance policies test policies/) or set policy-paths")
    return [(path, False) for path in config.policy_paths]


def _fixture_row(result: FixtureResult) -> tuple[str, str, str]:
    if result.ok:
        return result.fixture.name, "ok", ""
    problem = result.problem or ""
    return result.fixture.name, "FAIL", problem.removeprefix(f"{result.fixture.name}: ")


def _diff(result: FixtureResult) -> list[str]:
    if result.ok or result.errors:
        return []
    missing, unexpected = result.differences()
    lines = [f"      - {line}   (expected, not found)" for line in missing]
    lines += [f"      + {line}   (found, not expected)" for line in unexpected]
    return lines


def render_text(reports: Sequence[PolicyReport], orphans: Sequence[str], allow_missing: bool) -> str:
    """A table per policy, the differences below each failing fixture, and a summary line."""
    from tabulate import tabulate

    out: list[str] = []
    for report in reports:
        policy = report.policy
        out.append(f"{policy.policy_id}  ({policy.source})")
        if report.broken:
            out += [f"  BROKEN: {policy.error}", ""]
            continue
        rows = [_fixture_row(result) for result in report.results]
        if rows:
            table = tabulate(rows, headers=["fixture", "result", "detail"], tablefmt="simple")
            out.extend(_table_with_diffs(table, report.results))
        for kind in policy.missing:
            out.append(f"  {'missing' if not allow_missing else 'missing (allowed)'}: no {kind}-* fixture")
        out.append("")
    out.extend(f"fixtures for unknown policy {pid}" for pid in orphans)
    out.append(summary(reports, orphans, allow_missing))
    from conformance.reporters import printable  # names and messages come from the policy repository

    return printable("\n".join(out) + "\n")


def _table_with_diffs(table: str, results: Sequence[FixtureResult]) -> list[str]:
    lines = table.splitlines()
    out = ["  " + line.rstrip() for line in lines[:2]]
    for row_text, result in zip(lines[2:], results, strict=True):
        out.append("  " + row_text.rstrip())
        out.extend(_diff(result))
    return out


def summary(reports: Sequence[PolicyReport], orphans: Sequence[str], allow_missing: bool) -> str:
    fixtures = [result for report in reports for result in report.results]
    failed = sum(not result.ok for result in fixtures)
    broken = sum(report.broken for report in reports)
    missing = 0 if allow_missing else sum(bool(r.policy.missing) for r in reports if not r.broken)
    policies = f"{len(reports)} {'policy' if len(reports) == 1 else 'policies'}"
    parts = [f"{policies}, {len(fixtures)} fixtures: {len(fixtures) - failed} passed, {failed} failed"]
    if broken:
        parts.append(f"{broken} broken")
    if missing:
        parts.append(f"{missing} without pass and fail fixtures")
    if orphans:
        parts.append(f"{len(orphans)} fixture directories of unknown policies")
    return ", ".join(parts)


def _result_json(result: FixtureResult) -> dict[str, Any]:
    missing, unexpected = result.differences()
    return {
        "fixture": str(result.fixture),
        "kind": "pass" if result.passing else "fail",
        "ok": result.ok,
        "problem": result.problem,
        "expected": [{"file": f, "line": n, "policy": p} for f, n, p in result.expected],
        "actual": [{"file": f, "line": n, "column": c, "policy": p} for f, n, p, c in result.actual_columns],
        "missing": list(missing),
        "unexpected": list(unexpected),
        "errors": list(result.errors),
    }


def render_json(reports: Sequence[PolicyReport], orphans: Sequence[str], allow_missing: bool, code: int) -> str:
    document = {
        "exit_code": code,
        "summary": summary(reports, orphans, allow_missing),
        "policies": [
            {
                "id": report.policy.policy_id,
                "source": str(report.policy.source),
                "ok": report.ok and (allow_missing or not report.policy.missing),
                "error": report.policy.error,
                "fixture_directory": None if report.policy.fixture_dir is None else str(report.policy.fixture_dir),
                "missing": list(report.policy.missing),
                "fixtures": [_result_json(result) for result in report.results],
            }
            for report in reports
        ],
        "unknown_policy_fixtures": list(orphans),
    }
    return json.dumps(document, indent=2) + "\n"


def exit_code(reports: Sequence[PolicyReport], orphans: Sequence[str], allow_missing: bool) -> int:
    if any(report.broken for report in reports):
        return EXIT_ERROR
    failing = any(not report.ok for report in reports) or bool(orphans)
    missing = not allow_missing and any(report.policy.missing for report in reports)
    return EXIT_VIOLATIONS if failing or missing else EXIT_CLEAN


def run_test(
    directories: Sequence[str] = (),
    fixtures_root: str | None = None,
    config_path: str | None = None,
    output_format: str = "table",
    allow_missing: bool = False,
    trust_local_policies: bool = False,
    policy_ids: Sequence[str] = (),
    pack: str = "",
) -> int:
    from conformance.catalog.select import matches

    root = Path(fixtures_root) if fixtures_root else None
    if root is not None and not root.is_dir():
        raise ConfigError(f"--fixtures {fixtures_root}: not a directory")
    directories_ = policy_directories(directories, config_path)
    policies = collect(directories_, root, trust_local=trust_local_policies, pack=pack)
    if policy_ids:
        policies = [p for p in policies if any(matches(p.policy_id, s) for s in policy_ids)]
        if not policies:
            raise ConfigError(f"--policy {', '.join(policy_ids)}: no policy of these directories matches")
    reports = [run_policy(policy) for policy in policies]
    orphans = orphan_fixtures(root, [p.policy_id for p in policies]) if root is not None and not policy_ids else []
    code = exit_code(reports, orphans, allow_missing)
    if output_format == "json":
        sys.stdout.write(render_json(reports, orphans, allow_missing, code))
    else:
        sys.stdout.write(render_text(reports, orphans, allow_missing))
    return code
