"""The plan of a scan: from a request and the configuration to everything the engine needs (policies,
files, repositories, context, suppressions, the gate), then the engine run itself."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path as FsPath
from typing import TYPE_CHECKING, Any

from conformance.catalog.discovery import Catalog
from conformance.catalog.policy import Policy
from conformance.config import Config, resolve_config
from conformance.errors import ConfigError
from conformance.model import Finding, Location, ScanResult
from conformance.planning.files import file_selector, repositories_of
from conformance.planning.policies import (
    inside_any,
    load_policies,
    possible_targets,
    scanned_trees,
    untrusted_findings,
)

if TYPE_CHECKING:
    from conformance.engine import ScanOptions
    from conformance.inputs import InputFile, InputProblem
    from conformance.model import Gate
    from conformance.planning.charts import ChartPlan
    from conformance.suppressor import Suppressor
    from conformance.targets.repo import Repository


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
    helm: str | None = None
    """The Helm executable (default: ``helm`` on PATH); never taken from a configuration file."""
    helm_values: tuple[str, ...] = ()
    require_rendering: bool = False
    exclude: tuple[str, ...] = ()
    """``--exclude`` patterns, gitignore-style, relative to the current directory (beside the config's)."""
    allow_empty_input: bool = False
    """Empty standard input is fine (else it is a scan error: ``helm template broken | conformance scan -``)."""
    render_kustomize: bool = False
    kustomize: str | None = None
    """The kustomize or kubectl executable (default: kustomize, else kubectl, on PATH)."""
    frameworks: tuple[str, ...] = ()
    """``--framework``: run exactly the policies the frameworks' controls map to (:mod:`conformance.frameworks`)."""
    catalog: Catalog | None = None
    """A catalog the caller already built (an org-scan worker builds one for all its repositories): used instead
    of finding and loading the policies again."""
    resolved_config: Config | None = None
    """A configuration the caller already resolved (the org scan's overlay of the organisation's config and the
    repository's): used instead of ``config_path``, its policy paths trusted as an explicit ``--config``'s are
    (one inside a scanned tree still is not)."""


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
    charts: ChartPlan | None = None
    """Charts and Kustomize builds met, rendered or noted (None: none met)."""
    input_notes: list[Finding] = field(default_factory=list)
    """Notes about what was not read but is no scan error (a symbolic link inside the tree that points at nothing)."""
    unmatched_excludes: tuple[str, ...] = ()
    """The configuration's exclude patterns that excluded nothing this run read (worth a warning)."""


def prepare_scan(request: ScanRequest, record_evaluations: bool = False) -> PreparedScan:
    """Resolve config, policies, input files, repositories and context for a scan."""
    from conformance.engine import ScanOptions, error_finding
    from conformance.inputs import collect
    from conformance.model import NOT_CHECKED, READ_ERROR, Gate
    from conformance.planning.charts import plan_charts, split_charts
    from conformance.planning.excludes import ScanExcludes
    from conformance.planning.kustomize import kustomizations_near, patch_files, plan_builds, without_patches
    from conformance.targets.adapters import REPOSITORY_FORMAT, adapter_for

    paths = list(request.paths) or ["."]
    config = request.resolved_config or resolve_config(
        FsPath(request.config_path) if request.config_path else None, paths
    )
    file_args = [p for p in paths if p != "-"]
    roots = [FsPath(p).resolve() for p in file_args if os.path.isdir(p)]
    if request.frameworks:
        from conformance.frameworks.select import framework_selection

        request, config = framework_selection(request, config)
    catalog, policies = load_policies(
        config,
        policy_dirs=request.policy_dirs,
        scan_roots=roots,
        explicit_config=request.resolved_config is not None
        or (
            request.config_path is not None
            and not inside_any(FsPath(request.config_path), scanned_trees([*file_args, *request.context]))
        ),
        trust_local=request.trust_local_policies,
        profiles=request.profiles,
        enable=request.enable,
        disable=request.disable,
        targets=possible_targets(file_args, request.changed_since) if not request.targets else request.targets,
        catalog=request.catalog,
    )
    if request.targets:
        policies = tuple(p for p in policies if p.target in request.targets)
    excludes = ScanExcludes(config.exclude, str(config.root or os.getcwd()), request.exclude, os.getcwd())
    include = file_selector(policies)
    files: list[InputFile] = []
    problems: list[InputProblem] = []
    adapters = [adapter_for(p.target) for p in policies]
    if not all(a.reads == REPOSITORY_FORMAT for a in adapters):  # repository policies alone read no file here
        manifests = any(a.walks_manifests for a in adapters)
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
        context_files, _charts = split_charts(context_files, os.getcwd())
    require_rendering = request.require_rendering or config.require_rendering
    files, charts = split_charts(files, os.getcwd())
    patches = patch_files(kustomizations_near(files))
    files = without_patches(files, patches)
    context_files = without_patches(context_files, patches)
    chart_plan = plan_charts(
        charts,
        request.helm,
        config.helm_values,
        [os.path.abspath(v) for v in request.helm_values],
        require_rendering,
    )
    if request.render_kustomize or config.render_kustomize:
        builds, build_errors, built_sources = plan_builds(files, request.kustomize)
        files = without_patches(files, built_sources)
        chart_plan = replace(
            chart_plan, rendered=(*chart_plan.rendered, *builds), errors=(*chart_plan.errors, *build_errors)
        )
    input_errors = [error_finding(READ_ERROR, p.message, Location(p.display)) for p in problems if not _note(p)]
    input_notes = [_broken_link(p) for p in problems if _note(p)]
    options = ScanOptions(
        fail_on=request.fail_on or config.fail_on,
        max_file_size=config.max_file_size,
        jobs=request.jobs,
        record_evaluations=record_evaluations,
        policy_timeout=request.policy_timeout if request.policy_timeout is not None else config.policy_timeout,
        require_rendering=require_rendering,
        suppressor=_suppressor(
            request,
            config,
            catalog,
            _ran(policies, read_files=bool(adapters) and not all(a.reads == REPOSITORY_FORMAT for a in adapters)),
        ),
        complete=_complete(request, file_args, config),
        workloads=config.workloads,
    )
    if changes is not None and request.new_only:
        from conformance.planning.new_only import before_the_change

        options = before_the_change(request.changed_since or "", changes, files, policies, options, context_files)
    gate = Gate(
        options.fail_on,
        soft_fail=request.soft_fail,
        hard_fail_on=request.hard_fail_on,
        soft_fail_on=request.soft_fail_on,
        known_ids=catalog.known_ids,
        informational=frozenset() if require_rendering else frozenset(NOT_CHECKED),
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
        chart_plan,
        input_notes=input_notes,
        unmatched_excludes=tuple(excludes.unmatched())
        if _excludes_checked(request, file_args, config, options.complete)
        else (),
    )


def _excludes_checked(request: ScanRequest, file_args: Sequence[str], config: Config, complete: bool) -> bool:
    """Whether a config exclude that matched nothing is worth a warning: the scan covered the config's whole
    directory, or the config was given from outside the scanned trees (then its patterns, relative to its own
    directory, can miss everything)."""
    if config.root is None or not config.exclude or not any(os.path.isdir(p) for p in file_args):
        return False
    if complete:
        return True
    if request.config_path is None:
        return False  # the repository's own config, and a part of the repository scanned
    from conformance.inputs import git_root

    root = os.path.realpath(config.root)
    for path in file_args:
        top = os.path.realpath(git_root(os.path.abspath(path)) or path)
        if root == top or root.startswith(top.rstrip(os.sep) + os.sep):
            return False
    return True


def _note(problem: InputProblem) -> bool:
    from conformance.inputs import DANGLING_LINK

    return problem.message == DANGLING_LINK


def _broken_link(problem: InputProblem) -> Finding:
    from conformance.engine.findings import notice_finding
    from conformance.model import BROKEN_LINK

    return notice_finding(BROKEN_LINK, "note", problem.message, Location(problem.display), problem.message)


def _ran(policies: Sequence[Policy], read_files: bool) -> frozenset[str]:
    """The ids a run checks with: its policies, and the reserved ids of reading files when it reads any."""
    from conformance.model import RESERVED_IDS

    return frozenset(p.id for p in policies) | (frozenset(RESERVED_IDS) if read_files else frozenset())


def _suppressor(request: ScanRequest, config: Config, catalog: Catalog, ran: frozenset[str]) -> Suppressor:
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
        config_source=str(config.source) if config.source else "",
        baseline=baseline,
        baseline_display=display_path(request.baseline, base) if request.baseline else "",
        ran=ran,
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


def _check_selectors(catalog: Catalog, gate: Gate) -> None:
    from conformance.catalog.select import check_selectors

    ids = sorted(catalog.known_ids)
    for flag, selectors in (("--hard-fail-on", gate.hard_fail_on), ("--soft-fail-on", gate.soft_fail_on)):
        check_selectors(selectors, ids, flag)


def execute_scan(prepared: PreparedScan, stdin: bytes | None = None) -> ScanResult:
    """Run the engine on a prepared scan."""
    from conformance.engine import scan

    charts = prepared.charts
    result = scan(
        prepared.files,
        prepared.policies,
        prepared.options,
        stdin=stdin,
        extra_errors=[*prepared.input_errors, *(charts.errors if charts else ())],
        extra_findings=[
            *untrusted_findings(prepared.catalog),
            *(charts.findings if charts else ()),
            *prepared.input_notes,
        ],
        repositories=prepared.repositories,
        context_files=prepared.context_files,
        rendered=charts.rendered if charts else (),
    )
    from conformance.ownership import OwnerIndex

    scan_dirs = [path for path in prepared.paths if os.path.isdir(path)]
    return replace(result, gate=prepared.gate, owners=OwnersByFile(OwnerIndex(scan_dirs)))


class OwnersByFile(dict[str, tuple[str, ...]]):
    """The owners of each reported file, looked up from CODEOWNERS the first time a report asks for a file
    (reading every finding back just to list their files would cost a pass over the store). Pickled, it is the
    plain mapping of what was looked up."""

    def __init__(self, lookup: Callable[[str], tuple[str, ...]]) -> None:
        super().__init__()
        self._lookup = lookup

    def __missing__(self, file: str) -> tuple[str, ...]:
        found = self[file] = self._lookup(file)
        return found

    def __reduce__(self) -> tuple[Any, ...]:
        return (dict, (dict(self),))
