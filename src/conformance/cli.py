"""The command line: ``conformance scan``, ``conformance fix``,
``conformance policies list|explain|new|test|validate|docs``.

Only click is imported at start-up; each command imports what it needs when it runs.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

import click

from conformance import __version__
from conformance.errors import EXIT_ERROR, EXIT_INTERRUPTED, EXIT_TERMINATED, ConformanceError, Terminated


class ConformanceClickError(click.ClickException):
    """Our errors as click shows them: ``conformance: error: ...`` and exit code 2."""

    exit_code = EXIT_ERROR

    def show(self, file: object = None) -> None:
        click.echo(f"conformance: error: {self.message}", err=True)


def _run(command: Callable[..., int], *args: object, **kwargs: object) -> None:
    try:
        code = command(*args, **kwargs)
    except ConformanceError as exc:
        raise ConformanceClickError(str(exc)) from None
    except KeyboardInterrupt:  # handled here, before click adds an empty line of its own
        click.echo("conformance: interrupted", err=True)
        sys.exit(EXIT_INTERRUPTED)
    except Terminated:
        click.echo("conformance: terminated", err=True)
        sys.exit(EXIT_TERMINATED)
    sys.exit(code)


def _on_sigterm(signum: int, frame: object) -> None:
    raise Terminated()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="conformance")
def cli() -> None:
    """Policy and standards compliance scanner for repositories and Kubernetes manifests.

    Exit codes: 0 clean, 1 violations at or above --fail-on, 2 usage, configuration or scan errors.
    """


FORMATS = ("text", "json", "sarif", "junit", "github", "codequality", "markdown", "summary", "summary-json")
"""The names of ``conformance.reporters.FORMATS`` (not imported here: only click loads at start-up)."""


def _parse_reports(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """``--report FORMAT=FILE`` values as (format, file) pairs; each file named once."""
    reports: list[tuple[str, str]] = []
    for value in values:
        name, sep, path = value.partition("=")
        if not sep or not path:
            raise click.BadParameter(f"{value!r}: expected FORMAT=FILE, e.g. sarif=results.sarif", ctx, param)
        if name not in FORMATS:
            raise click.BadParameter(f"{value!r}: unknown format {name!r} (one of {', '.join(FORMATS)})", ctx, param)
        if any(path == seen for _, seen in reports):
            raise click.BadParameter(f"{path!r} is named by more than one --report", ctx, param)
        reports.append((name, path))
    return tuple(reports)


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option(
    "-f",
    "--format",
    "output_format",
    type=click.Choice([*FORMATS, "auto"]),
    default="text",
    show_default=True,
    help="Output format (auto: github under GitHub Actions, text elsewhere).",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    help="Write the report to FILE instead of standard output.",
)
@click.option(
    "--report",
    "reports",
    multiple=True,
    metavar="FORMAT=FILE",
    callback=_parse_reports,
    help="Also write a FORMAT report to FILE, e.g. sarif=results.sarif (repeatable).",
)
@click.option(
    "--sarif-category",
    metavar="NAME",
    default="conformance",
    show_default=True,
    help="Analysis category of SARIF reports (GitHub keeps one set of alerts per category).",
)
@click.option(
    "--fail-on",
    type=click.Choice(["error", "warning", "note"]),
    help="Lowest severity that fails the run (default: error, or the config's fail-on).",
)
@click.option("--profile", "profiles", multiple=True, help="Run only policies of this profile (repeatable).")
@click.option("--policy", "enable", multiple=True, help="Run only this policy id or prefix (repeatable).")
@click.option("--skip-policy", "disable", multiple=True, help="Do not run this policy id or prefix (repeatable).")
@click.option(
    "--framework",
    "frameworks",
    multiple=True,
    metavar="ID",
    help="Run exactly the policies mapped to this framework's controls and report per control (repeatable).",
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    help="Configuration file (default: .conformance.yaml found upward from the first path).",
)
@click.option(
    "--policy-dir",
    "policy_dirs",
    multiple=True,
    type=click.Path(file_okay=False),
    help="Also load policies from this directory (repeatable).",
)
@click.option(
    "--trust-local-policies",
    is_flag=True,
    help="Run Python policies that come from the scanned tree or its configuration.",
)
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=0),
    default=0,
    help="Worker processes (0: one per CPU for large scans).",
)
@click.option("--color/--no-color", default=None, help="Colour the text output (default: on a terminal).")
@click.option("--soft-fail", is_flag=True, help="Report violations but exit 0 (scan errors still exit 2).")
@click.option(
    "--hard-fail-on",
    multiple=True,
    metavar="POLICY",
    help="Violations of this policy id or prefix fail the run at any severity, even with --soft-fail.",
)
@click.option(
    "--soft-fail-on",
    multiple=True,
    metavar="POLICY",
    help="Violations of this policy id or prefix are reported but never fail the run.",
)
@click.option(
    "--changed-since",
    metavar="REF",
    help="Scan only files changed since the merge base of REF and HEAD (plus uncommitted and untracked files).",
)
@click.option(
    "--new-only",
    is_flag=True,
    help="With --changed-since: findings already present at the merge base count as baselined; only new ones fail.",
)
@click.option(
    "--context",
    multiple=True,
    type=click.Path(exists=True, file_okay=False),
    help="Read manifests under DIR for cross-resource policies only, without reporting on them (partial scans).",
)
@click.option(
    "--baseline",
    type=click.Path(dir_okay=False),
    help="Findings recorded in this baseline file are reported as baselined and do not fail the run.",
)
@click.option(
    "--inline-suppressions/--no-inline-suppressions",
    default=None,
    help="Honour `# conformance:ignore` comments and ignore annotations (default: yes, or the config's setting).",
)
@click.option(
    "--policy-timeout",
    type=click.FloatRange(min=0),
    metavar="SECONDS",
    help="Time one policy may spend on one object before it is interrupted and reported (default 10; 0: none).",
)
@click.option(
    "--target",
    "targets",
    multiple=True,
    type=click.Choice(["kubernetes", "yaml", "dockerfile", "repository"]),
    help="Run only policies of this target (repeatable), e.g. --target repository for a repository-only check.",
)
@click.option("--helm", metavar="PATH", help="The Helm executable that renders charts (default: helm on PATH).")
@click.option(
    "--helm-values",
    multiple=True,
    type=click.Path(dir_okay=False, exists=True),
    help="Render every chart with this values file too (repeatable; after the configuration's).",
)
@click.option(
    "--require-rendering",
    is_flag=True,
    help="Charts and templates that cannot be rendered fail the run instead of being noted.",
)
@click.option(
    "--exclude",
    multiple=True,
    metavar="PATTERN",
    help="Do not read files matching this gitignore-style pattern, relative to the current directory (repeatable).",
)
@click.option(
    "--allow-empty-input",
    is_flag=True,
    help="Empty standard input (-) is a clean scan of nothing, not a scan error.",
)
@click.option(
    "--render-kustomize",
    is_flag=True,
    help="Build each kustomization root (kustomize or kubectl) and check the built objects in their source files.",
)
@click.option("--kustomize", metavar="PATH", help="The kustomize or kubectl executable (default: found on PATH).")
def scan(**kwargs: object) -> None:
    """Scan PATHS (files, directories, or - for standard input) and report policy violations."""
    from conformance.commands.scan import run_scan

    _run(run_scan, **kwargs)


def _selection_options(command: Callable[..., None]) -> Callable[..., None]:
    """The options that choose what a scan covers, shared by ``scan`` and the ``baseline`` commands."""
    options = [
        click.argument("paths", nargs=-1, type=click.Path()),
        click.option("--profile", "profiles", multiple=True, help="Run only policies of this profile (repeatable)."),
        click.option("--policy", "enable", multiple=True, help="Run only this policy id or prefix (repeatable)."),
        click.option("--skip-policy", "disable", multiple=True, help="Do not run this policy id or prefix."),
        click.option("--config", "config_path", type=click.Path(dir_okay=False), help="Configuration file."),
        click.option("--policy-dir", "policy_dirs", multiple=True, type=click.Path(file_okay=False)),
        click.option("--trust-local-policies", is_flag=True, help="Run Python policies from the scanned tree."),
        click.option("-j", "--jobs", type=click.IntRange(min=0), default=0, help="Worker processes (0: auto)."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


@cli.group()
def baseline() -> None:
    """Adopt the gate on a legacy repository: accept today's findings, fail only on new ones.

    \b
    conformance baseline create -o .conformance-baseline.json
    conformance scan --baseline .conformance-baseline.json
    conformance baseline prune --baseline .conformance-baseline.json
    """


@baseline.command("create")
@_selection_options
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    default=".conformance-baseline.json",
    show_default=True,
    help="The baseline file to write (replaced atomically).",
)
def baseline_create(**kwargs: object) -> None:
    """Scan PATHS and record every finding's fingerprint as accepted debt."""
    from conformance.commands.baseline import run_create

    _run(run_create, **kwargs)


@baseline.command("prune")
@_selection_options
@click.option(
    "--baseline",
    "baseline_path",
    type=click.Path(dir_okay=False, exists=True),
    default=".conformance-baseline.json",
    show_default=True,
    help="The baseline file to prune in place.",
)
def baseline_prune(**kwargs: object) -> None:
    """Scan PATHS and drop baseline entries no finding matches any more (fixed debt)."""
    from conformance.commands.baseline import run_prune

    _run(run_prune, **kwargs)


@cli.command("fix")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--policy", "enable", multiple=True, help="Fix only this policy id or prefix (repeatable).")
@click.option("--skip-policy", "disable", multiple=True, help="Do not fix this policy id or prefix (repeatable).")
@click.option("--profile", "profiles", multiple=True, help="Fix only policies of this profile (repeatable).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="Configuration file.")
@click.option("--policy-dir", "policy_dirs", multiple=True, type=click.Path(file_okay=False))
@click.option("--trust-local-policies", is_flag=True, help="Run Python policies from the scanned tree.")
@click.option("--dry-run", is_flag=True, help="Print a unified diff, write nothing; exit 1 if anything would change.")
def fix(**kwargs: object) -> None:
    """Rewrite PATHS in place so the findings of policies that can fix go away (exit 1 when files changed)."""
    from conformance.commands.fix import run_fix

    _run(run_fix, **kwargs)


@cli.group()
def policies() -> None:
    """List, explain, write, test, validate and document policies."""


@policies.command("list")
@click.option("--profile", "profiles", multiple=True, help="Only policies of this profile.")
@click.option(
    "--target", "targets", multiple=True, type=click.Choice(["kubernetes", "yaml", "dockerfile", "repository"])
)
@click.option("--severity", "severities", multiple=True, type=click.Choice(["error", "warning", "note"]))
@click.option("--framework", "frameworks", multiple=True, help="Only policies mapped to this compliance framework.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="Configuration file.")
@click.option("--policy-dir", "policy_dirs", multiple=True, type=click.Path(file_okay=False))
@click.option(
    "-f",
    "--format",
    "output_format",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
)
def list_policies(**kwargs: object) -> None:
    """Show every policy with its severity, profiles and title."""
    from conformance.commands.policies import run_list

    _run(run_list, **kwargs)


@policies.command("explain")
@click.argument("policy_id")
@click.option("--policy-dir", "policy_dirs", multiple=True, type=click.Path(file_okay=False))
def explain_policy(policy_id: str, policy_dirs: tuple[str, ...]) -> None:
    """Print a policy's documentation, fix advice and an example."""
    from conformance.commands.policies import run_explain

    _run(run_explain, policy_id, policy_dirs)


@policies.command("test")
@click.argument("directories", nargs=-1, type=click.Path(file_okay=False))
@click.option("--fixtures", "fixtures_root", type=click.Path(file_okay=False), help="Fixtures in ROOT/<pack>/<slug>/.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="Configuration file (no DIR).")
@click.option("-f", "--format", "output_format", type=click.Choice(["table", "json"]), default="table")
@click.option("--allow-missing", is_flag=True, help="A policy without a pass and a fail fixture is not a failure.")
@click.option("--trust-local-policies", is_flag=True, help="Run Python policies of the configuration's policy-paths.")
@click.option("--policy", "policy_ids", multiple=True, help="Only this policy id or prefix (repeatable).")
@click.option("--pack", default="", metavar="NAME", help="DIR is the policies/ of pip pack NAME (ids NAME/<slug>).")
def test_policies(**kwargs: object) -> None:
    """Run every policy of DIR (default: the config's policy-paths) on its pass-* and fail-* fixtures."""
    from conformance.commands.policies_test import run_test

    _run(run_test, **kwargs)


@policies.command("new")
@click.argument("policy_id", metavar="ID")
@click.option("--kind", type=click.Choice(["yaml", "python"]), required=True, help="A YAML or a Python policy.")
@click.option(
    "--target",
    type=click.Choice(["kubernetes", "dockerfile", "workflow", "file", "repository"]),
    default="kubernetes",
    show_default=True,
)
@click.option("--dir", "directory", type=click.Path(file_okay=False), default="policies", show_default=True)
def new_policy(**kwargs: object) -> None:
    """Write a new policy ID (<pack>/<slug>) with a pass and a fail fixture, ready for `policies test`."""
    from conformance.commands.policies_new import run_new

    _run(run_new, **kwargs)


@policies.command("validate")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="Configuration file (no PATH).")
@click.option("--trust-local-policies", is_flag=True, help="Also import Python policies (runs their code).")
@click.option("-f", "--format", "output_format", type=click.Choice(["text", "json"]), default="text")
def validate_policies(**kwargs: object) -> None:
    """Check policy files (PATHS: files or directories) against the policy format, without running them."""
    from conformance.commands.policies_validate import run_validate

    _run(run_validate, **kwargs)


@policies.command("docs")
@click.argument("directories", nargs=-1, type=click.Path(file_okay=False))
@click.option("--fixtures", "fixtures_root", type=click.Path(file_okay=False), help="Fixtures in ROOT/<pack>/<slug>/.")
@click.option("-o", "--output", default="-", show_default=True, help="The Markdown file to write (- for stdout).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="Configuration file (no DIR).")
@click.option("--trust-local-policies", is_flag=True, help="Load Python policies of the configuration's policy-paths.")
def docs_policies(**kwargs: object) -> None:
    """Write a Markdown reference of the policies of DIR, with examples from their fixtures."""
    from conformance.commands.policies_docs import run_docs

    _run(run_docs, **kwargs)


@cli.group()
def org() -> None:
    """Organisation scans: scan an inventory of repositories, merge shards, report on the history.

    \b
    conformance org scan inventory.yaml --config org.yaml --out runs/today
    conformance org scan inventory.yaml --shard 0/4 --run-id 2026-12-01 --out runs/today
    conformance org merge runs/today --out runs/today
    conformance org report -f html -o report.html
    """


@org.command("scan")
@click.argument("inventory", required=False, type=click.Path(dir_okay=False))
@click.option("--out", required=True, type=click.Path(file_okay=False), help="Directory of the result file.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="The organisation's config file.")
@click.option("--cache-dir", type=click.Path(file_okay=False), help="Clone cache [~/.cache/conformance/repos].")
@click.option("--shard", metavar="I/N|env/N", help="Scan one slice (I from 0; env: JOB_COMPLETION_INDEX).")
@click.option("-j", "--jobs", type=click.IntRange(min=0), default=0, help="Worker processes (0: one per CPU).")
@click.option("--executor", default="local", show_default=True, metavar="local|dask://HOST:PORT")
@click.option(
    "--db", metavar="URL", help="History database [$CONFORMANCE_DB, else sqlite:///conformance-history.sqlite]."
)
@click.option("--no-history", is_flag=True, help="Do not append the run to the history database.")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), help="Seconds one fetch may take.")
@click.option("--repos-dir", type=click.Path(file_okay=False), help="Also scan every git repository below DIR.")
@click.option("--run-id", help="The id shards of one run share [$CONFORMANCE_RUN_ID, else the time].")
@click.option("--reuse/--no-reuse", default=True, help="Reuse results of commits already scanned [on].")
def org_scan(**kwargs: object) -> None:
    """Scan the repositories of INVENTORY and write OUT/shard-I-of-N.json (exit 2 if any could not be scanned)."""
    from conformance.commands.org import run_org_scan

    _run(run_org_scan, **kwargs)


@org.command("merge")
@click.argument("run_dirs", nargs=-1, required=True, type=click.Path())
@click.option("--out", required=True, type=click.Path(file_okay=False), help="Directory of run.json.")
@click.option(
    "--db", metavar="URL", help="History database [$CONFORMANCE_DB, else sqlite:///conformance-history.sqlite]."
)
@click.option("--no-history", is_flag=True, help="Do not append the run to the history database.")
@click.option("--allow-incomplete", is_flag=True, help="Merge missing or mixed shards anyway.")
def org_merge(**kwargs: object) -> None:
    """Combine the shard files in RUN_DIRS into OUT/run.json."""
    from conformance.commands.org import run_org_merge

    _run(run_org_merge, **kwargs)


@org.command("report")
@click.option(
    "--db", metavar="URL", help="History database (default: $CONFORMANCE_DB, else sqlite:///conformance-history.sqlite)."
)
@click.option(
    "-f", "--format", "output_format", type=click.Choice(["html", "json", "csv", "markdown"]), default="html",
    show_default=True,
)
@click.option("-o", "--output", required=True, metavar="FILE", help="The report file (replaced atomically; - stdout).")
@click.option("--runs", type=click.IntRange(min=1), help="Report on the last N runs only (default: all).")
@click.option(
    "--today", type=click.DateTime(formats=["%Y-%m-%d"]), help="The day waiver expiry is counted from (default: today)."
)
def org_report(today: object, **kwargs: object) -> None:
    """Write the compliance report of the latest run, the changes since the previous one and the trend."""
    from conformance.commands.org_report import run_report

    _run(run_report, today=today.date() if today is not None else None, **kwargs)  # type: ignore[attr-defined]


@org.command("history")
@click.option("--db", metavar="URL", help="History database (default: $CONFORMANCE_DB, else a SQLite file here).")
@click.option("-f", "--format", "output_format", type=click.Choice(["text", "json"]), default="text")
@click.option("--last", type=click.IntRange(min=1), metavar="N", help="Only the newest N runs.")
def org_history(**kwargs: object) -> None:
    """List the runs in the history database, oldest first, with repositories and findings counted."""
    from conformance.commands.org_history import run_history

    _run(run_history, **kwargs)


def main(argv: list[str] | None = None) -> None:
    """Entry point: one handler turns our errors into exit code 2, Ctrl-C into 130 and SIGTERM into 143."""
    import signal

    signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        cli.main(args=argv, prog_name="conformance", standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(EXIT_ERROR)
    except click.exceptions.Abort:
        click.echo("conformance: interrupted", err=True)
        sys.exit(EXIT_INTERRUPTED)
    except KeyboardInterrupt:
        click.echo("conformance: interrupted", err=True)
        sys.exit(EXIT_INTERRUPTED)
    except Terminated:
        click.echo("conformance: terminated", err=True)
        sys.exit(EXIT_TERMINATED)
    except BrokenPipeError:
        sys.exit(EXIT_ERROR)
