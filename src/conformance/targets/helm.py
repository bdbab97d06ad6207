"""Helm charts: which files are Go templates (never parsed as manifests), rendering with ``helm template``,
and where a rendered object came from (the ``# Source:`` comment Helm writes above each document).

A chart is a directory holding ``Chart.yaml``. The files under its ``templates/`` directory (and those of its
subcharts, ``charts/<name>/templates/``) are templates. When Helm is available they are checked through the
rendered objects, with findings pointed back at the template file and, when the offending key is written
there, at its line; otherwise each chart gets one note saying its templates were not checked.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

CHART_FILE = "Chart.yaml"
TEMPLATES = "templates"
RENDER_TIMEOUT = 120.0
MAX_RENDERED_BYTES = 64 * 1024 * 1024
MAX_TEMPLATE_BYTES = 2 * 1024 * 1024
_SOURCE = r"^# Source: (\S.*?)\s*$"
_PLACEHOLDER = r"(?<!\$)\{\{.*?\}\}|\{%.*?%\}|<%.*?%>"


@lru_cache(maxsize=4096)
def _is_chart(directory: str) -> bool:
    return os.path.isfile(os.path.join(directory, CHART_FILE))


def chart_of_template(path: str) -> str | None:
    """The chart directory a file is a template of (``<chart>/templates/...``; for a subchart's template, the
    chart that renders it), or None."""
    current = os.path.dirname(os.path.abspath(path))
    while True:
        parent = os.path.dirname(current)
        if parent == current:
            return None
        if os.path.basename(current) == TEMPLATES and _is_chart(parent):
            return _top_chart(parent)
        current = parent


def _top_chart(chart: str) -> str:
    """A subchart (``<parent>/charts/<name>``) is rendered by its parent: the outermost chart it belongs to."""
    while True:
        holder = os.path.dirname(chart)
        parent = os.path.dirname(holder)
        if os.path.basename(holder) != "charts" or not _is_chart(parent):
            return chart
        chart = parent


def looks_templated(text: str) -> bool:
    """Whether text holds template placeholders (Go templates, Jinja, mustache, ERB)."""
    if "{" not in text and "<%" not in text:
        return False
    return re.search(_PLACEHOLDER, text, re.DOTALL) is not None


@dataclass(frozen=True)
class Chart:
    """A chart met by a scan: its directory, how reports name it, and the templates that were met."""

    root: str
    display: str
    templates: tuple[str, ...]
    """Display paths of its template files that the scan was given."""

    @property
    def chart_file(self) -> str:
        return f"{self.display}/{CHART_FILE}" if self.display not in ("", ".") else CHART_FILE


@dataclass(frozen=True)
class Rendered:
    """The output of ``helm template`` for one chart (or a rendered stream read from standard input)."""

    text: str
    display: str
    """How reports name the stream itself (for positions that have no source)."""
    chart_root: str | None
    """The chart directory templates are read from to find lines; None when unknown (standard input)."""
    chart_display: str
    """The prefix of report paths: ``<chart display>/templates/x.yaml``."""

    @property
    def project(self) -> str:
        return self.chart_root or ""

    @property
    def tree(self) -> str:
        return self.chart_root or ""


def find_helm(explicit: str | None = None) -> str | None:
    """The Helm executable: the one named, else ``helm`` on PATH."""
    if explicit:
        return explicit if os.path.isfile(explicit) and os.access(explicit, os.X_OK) else None
    import shutil

    return shutil.which("helm")


def render(helm: str, chart: Chart, values: Sequence[str] = ()) -> Rendered | str:
    """``helm template`` of a chart with its default values (plus ``values`` files), or why it failed.

    Helm renders offline: nothing is fetched (missing dependencies are an error) and no hook runs.
    """
    import subprocess

    command = [helm, "template", "conformance", chart.root]
    for path in values:
        command += ["--values", path]
    environment = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "TMPDIR", "LANG")}
    try:
        done = subprocess.run(command, capture_output=True, timeout=RENDER_TIMEOUT, check=False, env=environment)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"helm template failed: {exc}"
    if done.returncode != 0:
        detail = done.stderr.decode("utf-8", "replace").strip().splitlines()
        return "helm template failed: " + (detail[-1] if detail else f"exit code {done.returncode}")
    if len(done.stdout) > MAX_RENDERED_BYTES:
        return f"helm template printed more than {MAX_RENDERED_BYTES} bytes: not scanned"
    return Rendered(done.stdout.decode("utf-8", "replace"), chart.chart_file, chart.root, chart.display)


def sources(text: str) -> list[tuple[int, str]]:
    """``(line, source)`` of every ``# Source:`` comment of a rendered stream (1-based lines), in order."""
    found = []
    for match in re.finditer(_SOURCE, text, re.MULTILINE):
        found.append((text.count("\n", 0, match.start()) + 1, match.group(1)))
    return found


def is_rendered(text: str) -> bool:
    """Whether a stream looks like ``helm template`` output (it names the templates of its documents)."""
    return "# Source: " in text and re.search(_SOURCE, text, re.MULTILINE) is not None


def source_for(sources_by_line: Sequence[tuple[int, str]], line: int) -> str | None:
    """The source named by the last ``# Source:`` comment at or before a (1-based) line."""
    chosen = None
    for source_line, source in sources_by_line:
        if source_line > line:
            break
        chosen = source
    return chosen


def template_path(source: str) -> str:
    """A ``# Source:`` path relative to its chart: ``web/templates/x.yaml`` gives ``templates/x.yaml``."""
    parts = source.replace("\\", "/").split("/")
    if len(parts) > 1 and ".." not in parts:
        return "/".join(parts[1:])
    return source


def read_template(chart_root: str, relative: str) -> str | None:
    """A template's text, read only when it lies inside the chart (no link out of it), bounded in size."""
    real_root = os.path.realpath(chart_root)
    real = os.path.realpath(os.path.join(chart_root, relative))
    if not real.startswith(real_root.rstrip(os.sep) + os.sep) or not os.path.isfile(real):
        return None
    try:
        with open(real, "rb") as handle:
            raw = handle.read(MAX_TEMPLATE_BYTES + 1)
    except OSError:
        return None
    return None if len(raw) > MAX_TEMPLATE_BYTES else raw.decode("utf-8", "replace")


def line_in_template(template: str, keys: Sequence[str]) -> int | None:
    """The line of a template where the last of ``keys`` is written, each key searched after the previous one
    (so ``spec.template.spec.hostNetwork`` finds the ``hostNetwork:`` below ``spec:``); None if it is not
    written there (it comes from a helper, a range or the values)."""
    lines = template.splitlines()
    start = 0
    found: int | None = None
    for position, key in enumerate(keys):
        pattern = re.compile(rf"^\s*(?:-\s+)?[\"']?{re.escape(key)}[\"']?\s*:")
        match = next((n for n in range(start, len(lines)) if pattern.match(lines[n])), None)
        if match is None:
            if position == len(keys) - 1:
                return None
            continue  # an outer key written elsewhere (a helper, an include): look for the next one
        found, start = match, match + 1
    return None if found is None else found + 1
