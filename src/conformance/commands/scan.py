"""``conformance scan``: build the run from config and options, scan, report; returns the exit code."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path as FsPath

from conformance.catalog.discovery import Catalog, build_catalog
from conformance.catalog.policy import Policy
from conformance.catalog.select import configure
from conformance.config import Config, resolve_config
from conformance.errors import ConfigError
from conformance.model import UNTRUSTED_POLICY, Finding, Location, ScanResult, make_fingerprint


def _inside_any(path: FsPath, roots: Sequence[FsPath]) -> bool:
    resolved = path.resolve()
    return any(resolved == root or root in resolved.parents for root in roots)


def policy_directories(
    config: Config, cli_dirs: Sequence[str], scan_roots: Sequence[FsPath], explicit_config: bool
) -> list[tuple[FsPath, bool]]:
    """Policy directories with their trust: a directory inside a scanned tree, or named by a config file
    found in the scanned tree, is not trusted to run Python."""
    dirs = [(FsPath(d), not _inside_any(FsPath(d), scan_roots)) for d in cli_dirs]
    for path in config.policy_paths:
        dirs.append((path, explicit_config and not _inside_any(path, scan_roots)))
    return dirs


def load_policies(
    config: Config,
    *,
    policy_dirs: Sequence[str] = (),
    scan_roots: Sequence[FsPath] = (),
    explicit_config: bool = False,
    trust_local: bool = False,
    profiles: Sequence[str] = (),
    enable: Sequence[str] = (),
    disable: Sequence[str] = (),
) -> tuple[Catalog, tuple[Policy, ...]]:
    """The catalog and the configured policies of a run (command-line selections win over the config)."""
    catalog = build_catalog(
        policy_directories(config, policy_dirs, scan_roots, explicit_config), trust_local=trust_local
    )
    policies = configure(
        catalog.definitions,
        profiles=profiles or config.profiles,
        enable=enable or config.enable,
        disable=(*config.disable, *disable),
        severity=config.severity,
        options=config.options,
    )
    return catalog, policies


def _untrusted_findings(catalog: Catalog) -> list[Finding]:
    findings = []
    for found in catalog.untrusted:
        display = os.path.relpath(found.path) if not str(found.path).startswith("..") else str(found.path)
        message = "Python policy not run: it comes from the scanned tree; pass --trust-local-policies to run it"
        findings.append(
            Finding(
                UNTRUSTED_POLICY,
                "warning",
                message,
                Location(display.replace(os.sep, "/")),
                fingerprint=make_fingerprint(UNTRUSTED_POLICY, display, None, ""),
            )
        )
    return findings


def _use_color(color: bool | None, output: str | None) -> bool:
    if color is not None:
        return color
    return output is None and sys.stdout.isatty() and "NO_COLOR" not in os.environ


def write_report(result: ScanResult, output_format: str, output: str | None, color: bool) -> None:
    from conformance.reporters import get_reporter

    render = get_reporter(output_format)
    if output is None:
        render(result, sys.stdout, color)
        sys.stdout.flush()
        return
    target = FsPath(output)
    if target.exists() and not target.is_file():  # /dev/null, a FIFO: write through, never replace
        with open(target, "w", encoding="utf-8") as stream:
            render(result, stream, False)
        return
    temporary = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    try:
        with open(temporary, "w", encoding="utf-8") as stream:
            render(result, stream, False)
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)


def run_scan(
    paths: Sequence[str],
    output_format: str = "text",
    output: str | None = None,
    fail_on: str | None = None,
    profiles: Sequence[str] = (),
    enable: Sequence[str] = (),
    disable: Sequence[str] = (),
    config_path: str | None = None,
    policy_dirs: Sequence[str] = (),
    trust_local_policies: bool = False,
    jobs: int = 0,
    color: bool | None = None,
) -> int:
    from conformance.engine import STDIN_DISPLAY, ScanOptions, error_finding, scan
    from conformance.inputs import Excludes, collect
    from conformance.model import READ_ERROR

    paths = list(paths) or ["."]
    if paths.count("-") > 1:
        raise ConfigError("standard input (-) can be scanned once per run")
    config = resolve_config(FsPath(config_path) if config_path else None, paths)
    file_args = [p for p in paths if p != "-"]
    roots = [FsPath(p).resolve() for p in file_args if os.path.isdir(p)]
    catalog, policies = load_policies(
        config,
        policy_dirs=policy_dirs,
        scan_roots=roots,
        explicit_config=config_path is not None,
        trust_local=trust_local_policies,
        profiles=profiles,
        enable=enable,
        disable=disable,
    )
    excludes = Excludes(config.exclude, str(config.root or os.getcwd()))
    files, problems = collect(file_args, excludes)
    input_errors = [error_finding(READ_ERROR, p.message, Location(p.display)) for p in problems]
    stdin = sys.stdin.buffer.read() if "-" in paths else None
    options = ScanOptions(fail_on=fail_on or config.fail_on, max_file_size=config.max_file_size, jobs=jobs)
    result = scan(
        files,
        policies,
        options,
        stdin=stdin,
        extra_errors=input_errors,
        extra_findings=_untrusted_findings(catalog),
    )
    assert STDIN_DISPLAY
    write_report(result, output_format, output, _use_color(color, output))
    if output is not None and output_format != "text":
        from conformance.reporters.text import summary

        print(summary(result), file=sys.stderr)
    return result.exit_code
