"""Helm charts met by a scan: their templates leave the file list, and each chart is rendered with Helm when
it is available (its objects then checked at their templates), else noted as not checked."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from conformance.engine.findings import error_finding, notice_finding
from conformance.inputs import InputFile, display_path
from conformance.model import CHART_NOT_RENDERED, CHART_RENDER_ERROR, Finding, Location
from conformance.targets import helm

if TYPE_CHECKING:
    from conformance.targets.kustomize import Built


@dataclass(frozen=True)
class ChartPlan:
    """What a scan does with the charts it met: the rendered ones, and findings for the others."""

    rendered: tuple[helm.Rendered | Built, ...]
    """Charts rendered by Helm (and, when asked, Kustomize builds)."""
    findings: tuple[Finding, ...]
    errors: tuple[Finding, ...]


def split_charts(files: Sequence[InputFile], base: str) -> tuple[list[InputFile], list[helm.Chart]]:
    """The files that are not chart templates, and the charts whose templates were among them."""
    kept: list[InputFile] = []
    templates: dict[str, list[str]] = {}
    for item in files:
        root = helm.chart_of_template(item.path)
        if root is None:
            kept.append(item)
        else:
            templates.setdefault(root, []).append(item.display)
    charts = [helm.Chart(root, display_path(root, base) or ".", tuple(found)) for root, found in templates.items()]
    return kept, sorted(charts, key=lambda chart: chart.display)


def _values_of(chart: helm.Chart, configured: Mapping[str, Sequence[str]], extra: Sequence[str]) -> list[str] | str:
    """Values files for a chart: the configuration's (which must stay inside the chart), then the command line's."""
    chosen = []
    real_root = os.path.realpath(chart.root)
    for name in configured.get(os.path.realpath(chart.root), ()):
        path = os.path.realpath(os.path.join(chart.root, name))
        if not path.startswith(real_root.rstrip(os.sep) + os.sep):
            return f"values file {name} is outside the chart: not used"
        chosen.append(path)
    return [*chosen, *extra]


def plan_charts(
    charts: Sequence[helm.Chart],
    helm_path: str | None,
    configured: Mapping[str, Sequence[str]] = {},
    extra_values: Sequence[str] = (),
    require: bool = False,
) -> ChartPlan:
    """Render every chart with Helm, or note (with ``require``: report as an error) that it was not checked."""
    executable = helm.find_helm(helm_path) if charts else None
    rendered: list[helm.Rendered] = []
    findings: list[Finding] = []
    errors: list[Finding] = []
    for chart in charts:
        location = Location(chart.chart_file)
        count = len(chart.templates)
        if executable is None:
            missing = f"{helm_path} is not an executable" if helm_path else "helm is not on PATH"
            message = (
                f"Helm chart {chart.display}: {count} template{'s' if count != 1 else ''} not checked ({missing}); "
                f"install Helm (or pass --helm PATH), or check the rendered chart: "
                f"helm template {chart.display} | conformance scan -"
            )
            findings.append(
                notice_finding(CHART_NOT_RENDERED, "error" if require else "note", message, location, "chart")
            )
            continue
        values = _values_of(chart, configured, extra_values)
        output = values if isinstance(values, str) else helm.render(executable, chart, values)
        if isinstance(output, str):
            errors.append(error_finding(CHART_RENDER_ERROR, f"Helm chart {chart.display}: {output}", location))
        else:
            rendered.append(output)
    return ChartPlan(tuple(rendered), tuple(findings), tuple(errors))
