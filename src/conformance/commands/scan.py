"""``conformance scan``: build the run from config and options, scan, report; returns the exit code."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path as FsPath
from typing import TYPE_CHECKING, Any

from conformance.catalog.discovery import Catalog, build_catalog
from conformance.catalog.policy import Policy
from conformance.catalog.select import configure
from conformance.config import Config, resolve_config
from conformance.errors import ConfigError
from conformance.model import UNTRUSTED_POLICY, Finding, Location, ScanResult, make_fingerprint

if TYPE_CHECKING:
    from conformance.engine import ScanOptions
    from conformance.gitdiff import ChangeSet
    from conformance.inputs import Excludes, InputFile, InputProblem
    from conformance.model import Gate
    from conformance.reporters import ReportOptions
    from conformance.suppressor import Suppressor
    from conformance.targets.repo import Repository


def _inside_any(path: FsPath, roots: Sequence[FsPath]) -> bool:
    resolved = path.resolve()
    return any(resolved == root or root in resolved.parents for root in roots)


def scanned_trees(paths: Sequence[str]) -> list[FsPath]:
    """The trees a scan reads, which the scanned repository controls: each scanned directory (a file's own
    directory) and the git work tree holding it. A config file named on the command line from inside one of
    them (``--config=evil.yaml`` as a committed file name) is no more trusted than a discovered one."""
    from conformance.inputs import git_root

    trees: list[FsPath] = []
    for path in paths:
        directory = os.path.abspath(path if os.path.isdir(path) else os.path.dirname(os.path.abspath(path)))
        trees.append(FsPath(directory).resolve())
        work_tree = git_root(directory)
        if work_tree is not None:
            trees.append(FsPath(work_tree).resolve())
    return trees


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
    targets: Sequence[str] | None = None,
) -> tuple[Catalog, tuple[Policy, ...]]:
    """The catalog and the configured policies of a run (command-line selections win over the config)."""
    catalog = build_catalog(
        policy_directories(config, policy_dirs, scan_roots, explicit_config),
        trust_local=trust_local,
        targets=targets,
    )
    policies = configure(
        catalog.definitions,
        profiles=profiles or config.profiles,
        enable=enable or config.enable,
        disable=(*config.disable, *disable),
        severity=config.severity,
        options=config.options,
        dormant=catalog.dormant_ids,
    )
    return catalog, policies


def possible_targets(paths: Sequence[str], changed_since: str | None = None) -> list[str]:
    """The targets a run over these paths can meet: Kubernetes always; a repository and its Dockerfiles and
    workflows when a directory is scanned; Dockerfiles and workflows when such files are named."""
    from conformance.catalog.policy import DEFAULT_FILES, DOCKERFILE, KUBERNETES, REPOSITORY, YAML_FILE
    from conformance.inputs import MANIFEST_SUFFIXES

    targets = {KUBERNETES}
    dockerfile_names = None
    for path in paths:
        if path == "-":
            continue
        if os.path.isdir(path):
            targets |= {DOCKERFILE, YAML_FILE} | ({REPOSITORY} if changed_since is None else set())
            continue
        name = os.path.basename(path)
        if not name.endswith(MANIFEST_SUFFIXES):
            if dockerfile_names is None:
                from conformance.targets.repo import compile_globs

                dockerfile_names = compile_globs(DEFAULT_FILES[DOCKERFILE])
            if dockerfile_names.match_file(name):
                targets.add(DOCKERFILE)
        elif "/.github/" in "/" + os.path.abspath(path).replace(os.sep, "/"):
            targets.add(YAML_FILE)
    return sorted(targets)


def _untrusted_findings(catalog: Catalog) -> list[Finding]:
    findings = []
    for found in catalog.untrusted:
        from conformance.inputs import display_path

        display = display_path(str(found.path), os.getcwd())
        message = "Python policy not run: it comes from the scanned tree; pass --trust-local-policies to run it"
        findings.append(
            Finding(
                UNTRUSTED_POLICY,
                "warning",
                message,
                Location(display),
                fingerprint=make_fingerprint(UNTRUSTED_POLICY, display, None, ""),
            )
        )
    return findings


def file_selector(policies: Sequence[Policy]) -> Callable[[str], bool] | None:
    """What a directory walk takes beside YAML and JSON: files some file policy selects (Dockerfiles)."""
    from conformance.catalog.policy import DOCKERFILE, YAML_FILE

    file_policies = [p for p in policies if p.target in (DOCKERFILE, YAML_FILE)]
    if not file_policies:
        return None
    return lambda relative: any(p.applies_to_file(relative) for p in file_policies)


def repositories_of(
    paths: Sequence[str],
    policies: Sequence[Policy],
    base: str,
    plain_directories: bool = False,
    excludes: Excludes | None = None,
) -> list[Repository]:
    """Repository views for the scanned directories that are repository roots (when repository policies run).

    A directory is a repository root when it is the top of a git work tree: scanning ``k8s/`` inside a
    repository checks its manifests, not whether ``k8s/`` has a README. A directory outside any work tree
    counts only with ``plain_directories`` (``--target repository``).
    """
    from conformance.catalog.policy import REPOSITORY

    if not any(p.target == REPOSITORY for p in policies):
        return []
    from conformance.inputs import display_path
    from conformance.targets.repo import is_repository_root, open_repository

    repositories = []
    seen: set[str] = set()
    for path in paths:
        real = os.path.realpath(path)
        if path == "-" or real in seen or not os.path.isdir(path):
            continue
        if not is_repository_root(path, plain_directories):
            continue
        seen.add(real)
        repositories.append(open_repository(path, display_path(path, base) or ".", excludes))
    return repositories


def _use_color(color: bool | None, output: str | None) -> bool:
    if color is not None:
        return color
    return output is None and sys.stdout.isatty() and "NO_COLOR" not in os.environ


def write_report(
    result: ScanResult,
    output_format: str,
    output: str | None,
    color: bool,
    options: ReportOptions | None = None,
) -> None:
    """Render one report to standard output or, written atomically, to a file."""
    from conformance.reporters import get_reporter

    render = get_reporter(output_format, options)
    if output is None:
        render(result, sys.stdout, color)
        sys.stdout.flush()
        return
    from conformance.atomic import atomic_writer

    try:
        with atomic_writer(output) as stream:  # an interrupted scan leaves the previous report, never half of one
            render(result, stream, False)
    except OSError as exc:
        raise ConfigError(f"cannot write the report to {output}: {exc.strerror or exc}") from None


def source_root(paths: Sequence[str], environ: Mapping[str, str] | None = None) -> str:
    """The directory report paths are relative to: the CI checkout, else the repository of the first path.

    In order: ``$GITHUB_WORKSPACE`` or ``$CI_PROJECT_DIR`` (GitLab); the Git work tree holding the first scanned
    path; the current directory when that path is inside it; else the first path (or its directory).
    """
    from conformance.inputs import git_root

    env = os.environ if environ is None else environ
    for variable in ("GITHUB_WORKSPACE", "CI_PROJECT_DIR"):
        value = env.get(variable)
        if value and os.path.isdir(value):
            return os.path.abspath(value)
    first = next((p for p in paths if p != "-"), None)
    start = os.path.abspath(first) if first else os.getcwd()
    directory = start if os.path.isdir(start) else os.path.dirname(start)
    work_tree = git_root(directory)
    if work_tree:
        return work_tree
    cwd = os.getcwd()
    if start == cwd or start.startswith(cwd.rstrip(os.sep) + os.sep):
        return cwd
    return directory


def link_base(environ: Mapping[str, str] | None = None) -> str | None:
    """The URL of the scanned commit's files on GitHub or GitLab, from the CI's variables, if known."""
    env = os.environ if environ is None else environ
    server, repository, sha = (env.get(v) for v in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_SHA"))
    if server and repository and sha:
        return f"{server.rstrip('/')}/{repository}/blob/{sha}/"
    project, sha = env.get("CI_PROJECT_URL"), env.get("CI_COMMIT_SHA")
    if project and sha:
        return f"{project.rstrip('/')}/-/blob/{sha}/"
    return None


def write_step_summary(result: ScanResult, options: ReportOptions) -> None:
    """Append the Markdown summary to ``$GITHUB_STEP_SUMMARY`` (GitHub Actions' job summary), if set."""
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if not target:
        return
    from conformance.reporters.markdown import render

    try:
        with open(target, "a", encoding="utf-8") as stream:
            render(result, stream, False, options)
    except OSError as exc:
        print(f"conformance: warning: cannot write the job summary to {target}: {exc.strerror or exc}", file=sys.stderr)


def write_reports(
    result: ScanResult,
    output_format: str,
    output: str | None,
    color: bool,
    reports: Sequence[tuple[str, str]],
    options: ReportOptions,
) -> None:
    """The extra ``--report`` files first, then the main report; the job summary with the github format."""
    for report_format, path in reports:
        write_report(result, report_format, path, False, options)
    write_report(result, output_format, output, color, options)
    if "github" in (output_format, *(f for f, _ in reports)):
        write_step_summary(result, options)


@dataclass(frozen=True)
class ScanRequest:
    """What a scan was asked to do: the command line's values (None: take the config's or the default)."""

    paths: tuple[str, ...] = ()
    output_format: str = "text"
    output: str | None = None
    fail_on: str | None = None
    profiles: tuple[str, ...] = ()
    enable: tuple[str, ...] = ()
    disable: tuple[str, ...] = ()
    config_path: str | None = None
    policy_dirs: tuple[str, ...] = ()
    trust_local_policies: bool = False
    jobs: int = 0
    color: bool | None = None
    reports: tuple[tuple[str, str], ...] = ()
    sarif_category: str = "conformance"
    soft_fail: bool = False
    hard_fail_on: tuple[str, ...] = ()
    soft_fail_on: tuple[str, ...] = ()
    changed_since: str | None = None
    context: tuple[str, ...] = ()
    baseline: str | None = None
    new_only: bool = False
    inline_suppressions: bool | None = None
    policy_timeout: float | None = None
    targets: tuple[str, ...] = ()


@dataclass(frozen=True)
class PreparedScan:
    """Everything the engine needs, resolved from a request and the configuration."""

    config: Config
    catalog: Catalog
    policies: tuple[Policy, ...]
    files: list[InputFile]
    input_errors: list[Finding]
    repositories: list[Repository]
    context_files: list[InputFile]
    options: ScanOptions
    gate: Gate
    paths: tuple[str, ...] = ()


def prepare_scan(request: ScanRequest, record_evaluations: bool = False) -> PreparedScan:
    """Resolve config, policies, input files, repositories and context for a scan."""
    from conformance.catalog.policy import KUBERNETES, REPOSITORY
    from conformance.engine import ScanOptions, error_finding
    from conformance.inputs import Excludes, collect
    from conformance.model import READ_ERROR, Gate

    paths = list(request.paths) or ["."]
    config = resolve_config(FsPath(request.config_path) if request.config_path else None, paths)
    file_args = [p for p in paths if p != "-"]
    roots = [FsPath(p).resolve() for p in file_args if os.path.isdir(p)]
    catalog, policies = load_policies(
        config,
        policy_dirs=request.policy_dirs,
        scan_roots=roots,
        explicit_config=request.config_path is not None
        and not _inside_any(FsPath(request.config_path), scanned_trees([*file_args, *request.context])),
        trust_local=request.trust_local_policies,
        profiles=request.profiles,
        enable=request.enable,
        disable=request.disable,
        targets=possible_targets(file_args, request.changed_since) if not request.targets else request.targets,
    )
    if request.targets:
        policies = tuple(p for p in policies if p.target in request.targets)
    excludes = Excludes(config.exclude, str(config.root or os.getcwd()))
    include = file_selector(policies)
    files: list[InputFile] = []
    problems: list[InputProblem] = []
    if not all(p.target == REPOSITORY for p in policies):  # repository policies alone read no file here
        manifests = any(p.target == KUBERNETES for p in policies)
        files, problems = collect(file_args, excludes, include=include, manifests=manifests)
    context_dirs = list(request.context)
    changes = None
    if request.new_only and (request.changed_since is None or request.baseline is not None):
        raise ConfigError("--new-only needs --changed-since REF, and replaces --baseline")
    if request.changed_since is not None:
        from conformance.gitdiff import changes_since

        first = os.path.abspath(file_args[0]) if file_args else os.getcwd()
        changes = changes_since(request.changed_since, first if os.path.isdir(first) else os.path.dirname(first))
        changed = set(changes.files)
        context_dirs.extend(p for p in file_args if os.path.isdir(p))
        files = [item for item in files if os.path.normpath(os.path.abspath(item.path)) in changed]
        problems = [p for p in problems if os.path.normpath(os.path.abspath(p.display)) in changed]
    context_files: list[InputFile] = []
    if context_dirs and any(p.scope for p in policies):
        context_files, _ = collect(context_dirs, excludes)
    input_errors = [error_finding(READ_ERROR, p.message, Location(p.display)) for p in problems]
    options = ScanOptions(
        fail_on=request.fail_on or config.fail_on,
        max_file_size=config.max_file_size,
        jobs=request.jobs,
        record_evaluations=record_evaluations,
        policy_timeout=request.policy_timeout if request.policy_timeout is not None else config.policy_timeout,
        suppressor=_suppressor(request, config, catalog),
        complete=_complete(request, file_args, config),
    )
    if changes is not None and request.new_only:
        options = _before_the_change(request.changed_since or "", changes, files, policies, options, context_files)
    gate = Gate(
        options.fail_on,
        soft_fail=request.soft_fail,
        hard_fail_on=request.hard_fail_on,
        soft_fail_on=request.soft_fail_on,
        known_ids=catalog.known_ids,
    )
    _check_selectors(catalog, gate)
    return PreparedScan(
        config,
        catalog,
        policies,
        files,
        input_errors,
        # a diff-aware scan checks what changed; repository standards belong to full scans and the repo hook
        []
        if request.changed_since is not None
        else repositories_of(
            file_args, policies, os.getcwd(), plain_directories="repository" in request.targets, excludes=excludes
        ),
        context_files,
        options,
        gate,
        tuple(file_args),
    )


def _suppressor(request: ScanRequest, config: Config, catalog: Catalog) -> Suppressor:
    """The run's suppressions: inline comments and annotations (unless turned off), waivers, the baseline."""
    from conformance.inputs import display_path
    from conformance.model import RESERVED_IDS
    from conformance.suppressor import Suppressor

    known = catalog.known_ids | frozenset(RESERVED_IDS)
    if config.waivers:
        from conformance.suppress import check_waiver_ids

        check_waiver_ids(config.waivers, known)
    baseline = None
    if request.baseline is not None:
        from conformance.baseline import load_baseline

        baseline = load_baseline(FsPath(request.baseline))
    inline = config.inline_suppressions if request.inline_suppressions is None else request.inline_suppressions
    if not config.inline_suppressions and request.inline_suppressions:
        raise ConfigError(f"{config.source}: inline-suppressions is false: --inline-suppressions cannot override it")
    base = os.getcwd()
    return Suppressor(
        known_ids=known,
        inline=inline,
        waivers=config.waivers,
        config_root=str(config.root) if config.root else None,
        config_display=display_path(str(config.source), base) if config.source else "",
        baseline=baseline,
        baseline_display=display_path(request.baseline, base) if request.baseline else "",
    )


def _complete(request: ScanRequest, file_args: Sequence[str], config: Config) -> bool:
    """Whether the scan sees everything waivers and a baseline may speak of: whole directories, not a list of
    files or ``--changed-since``, and (with a config) its directory or one above it."""
    if request.changed_since is not None or not file_args or not all(os.path.isdir(p) for p in file_args):
        return False
    from conformance.inputs import git_root

    top = config.root or git_root(os.getcwd()) or os.getcwd()  # without a config: the work tree, else here
    root = os.path.realpath(top)
    scanned = [os.path.realpath(p) for p in file_args]
    return any(root == real or root.startswith(real.rstrip(os.sep) + os.sep) for real in scanned)


def _before_the_change(
    ref: str,
    changes: ChangeSet,
    files: Sequence[InputFile],
    policies: Sequence[Policy],
    options: ScanOptions,
    context_files: Sequence[InputFile],
) -> ScanOptions:
    """``--new-only``: scan each changed file as it was at the merge base; its findings then count as baselined.

    The old versions are scanned under the new names (a renamed file keeps its findings' identities), with
    the same policies and the same context, so a finding that was already there matches by fingerprint.
    """
    import tempfile

    from conformance.baseline import baseline_from_findings
    from conformance.engine import scan
    from conformance.inputs import InputFile

    with tempfile.TemporaryDirectory(prefix="conformance-base-") as directory:
        before = []
        for number, item in enumerate(files):
            old = changes.old_text(os.path.normpath(os.path.abspath(item.path)))
            if old is None:
                continue
            copy = os.path.join(directory, str(number))
            with open(copy, "wb") as handle:
                handle.write(old)
            before.append(InputFile(copy, item.display, item.relative))
        plain = replace(options, suppressor=None, record_evaluations=False)
        result = scan(before, policies, plain, context_files=context_files)
        baseline = baseline_from_findings(result.findings)
    assert options.suppressor is not None
    suppressor = replace(
        options.suppressor,
        baseline=replace(baseline, reason=f"present before the change (at the merge base with {ref})"),
        baseline_display=f"{ref}@{changes.base[:12]}",
        report_fixed=False,
    )
    return replace(options, suppressor=suppressor)


def _check_selectors(catalog: Catalog, gate: Gate) -> None:
    from conformance.catalog.select import matches

    ids = sorted(catalog.known_ids)
    for flag, selectors in (("--hard-fail-on", gate.hard_fail_on), ("--soft-fail-on", gate.soft_fail_on)):
        for selector in selectors:
            if not any(matches(pid, selector) for pid in ids):
                raise ConfigError(f"{flag}: {selector!r} matches no known policy")


def execute_scan(prepared: PreparedScan, stdin: bytes | None = None) -> ScanResult:
    """Run the engine on a prepared scan."""
    from conformance.engine import scan

    result = scan(
        prepared.files,
        prepared.policies,
        prepared.options,
        stdin=stdin,
        extra_errors=prepared.input_errors,
        extra_findings=_untrusted_findings(prepared.catalog),
        repositories=prepared.repositories,
        context_files=prepared.context_files,
    )
    from conformance.ownership import OwnerIndex

    scan_dirs = [path for path in prepared.paths if os.path.isdir(path)]
    return replace(result, gate=prepared.gate, owners=OwnerIndex(scan_dirs))


def _read_stdin(prepared: PreparedScan) -> bytes | None:
    """Standard input, bounded by ``max-file-size`` as files are; over it, an error finding and no bytes."""
    from conformance.engine import STDIN_DISPLAY, error_finding
    from conformance.inputs import ReadRefusal, read_stream
    from conformance.model import PARSE_ERROR

    read = read_stream(sys.stdin.buffer, prepared.options.max_file_size)
    if isinstance(read, ReadRefusal):
        prepared.input_errors.append(error_finding(PARSE_ERROR, read.message, Location(STDIN_DISPLAY)))
        return None
    return read


def run_scan(**values: Any) -> int:
    """``conformance scan``: returns the exit code (see :class:`conformance.model.Gate`)."""
    from conformance.reporters import ReportOptions, resolve_format

    request = ScanRequest(**values)
    paths = list(request.paths) or ["."]
    if paths.count("-") > 1:
        raise ConfigError("standard input (-) can be scanned once per run")
    output_format = resolve_format(request.output_format)
    output = request.output
    targets = [os.path.abspath(p) for _, p in request.reports] + ([os.path.abspath(output)] if output else [])
    if len(set(targets)) < len(targets):
        raise ConfigError("the same file is named twice by --output and --report")
    if request.changed_since is not None and "-" in paths:
        raise ConfigError("--changed-since cannot be combined with standard input (-)")
    junit = "junit" in (output_format, *(f for f, _ in request.reports))
    prepared = prepare_scan(replace(request, paths=tuple(paths)), record_evaluations=junit)
    stdin = _read_stdin(prepared) if "-" in paths else None
    result = execute_scan(prepared, stdin)
    report_options = ReportOptions(source_root(paths), request.sarif_category, link_base())
    color = _use_color(request.color, output)
    write_reports(result, output_format, output, color, request.reports, report_options)
    if output is not None and output_format != "text":
        from conformance.reporters.text import summary

        print(summary(result), file=sys.stderr)
    return result.exit_code
