"""Helm charts: templates are never parsed as manifests; rendered objects are reported at their templates."""

from __future__ import annotations

import json
import os
import shutil
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from conformance.cli import cli
from conformance.targets import helm
from conformance.targets.adapters.rendered import RenderedAdapter
from conftest import FIXTURES

CHARTS = FIXTURES / "charts"
RENDERED = (CHARTS / "rendered-web.yaml").read_text()


def _scan(*args: str, stdin: str | None = None) -> tuple[int, dict]:
    result = CliRunner().invoke(cli, ["scan", "-f", "json", *args], input=stdin, catch_exceptions=False)
    return result.exit_code, json.loads(result.stdout)


def _where(document: dict) -> list[tuple[str, str, int]]:
    found = document["findings"] + document["errors"]
    return sorted((f["policy"], f["location"]["file"], f["location"]["line"]) for f in found)


@pytest.fixture
def charts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(CHARTS, tmp_path / "charts")
    monkeypatch.chdir(tmp_path / "charts")
    monkeypatch.setenv("PATH", str(tmp_path / "no-helm-here"))  # whatever this machine has, no helm
    return tmp_path / "charts"


def test_chart_templates_are_never_parsed_and_each_chart_is_noted(charts: Path) -> None:
    code, document = _scan("web")
    assert code == 0
    assert document["errors"] == []
    notes = [f for f in document["findings"] if f["policy"] == "conformance/chart-not-rendered"]
    # the subchart is rendered by its parent: one note for both
    assert [(n["location"]["file"], n["location"]["line"], n["severity"]) for n in notes] == [
        ("web/Chart.yaml", 1, "note")
    ]
    assert "helm template web | conformance scan -" in notes[0]["message"]
    assert "3 templates not checked" in notes[0]["message"]
    assert not [f for f in document["findings"] if "/templates/" in f["location"]["file"]]


def test_a_note_never_fails_the_run_even_at_fail_on_note_unless_rendering_is_required(charts: Path) -> None:
    assert _scan("web", "--fail-on", "note")[0] == 0
    code, document = _scan("web", "--require-rendering")
    assert code == 1
    assert {f["severity"] for f in document["findings"] if f["policy"].startswith("conformance/chart")} == {"error"}


def test_a_template_named_on_the_command_line_is_not_a_broken_manifest(charts: Path) -> None:
    code, document = _scan("web/templates/deployment.yaml", "web/templates/_helpers.tpl")
    assert code == 0 and document["errors"] == []
    assert [f["location"]["file"] for f in document["findings"]] == ["web/Chart.yaml"]


def test_rendered_output_on_stdin_is_reported_at_the_template_lines(charts: Path) -> None:
    code, document = _scan("-", stdin=RENDERED)
    assert code == 1
    where = _where(document)
    assert ("k8s/no-host-network", "web/templates/deployment.yaml", 18) in where
    assert ("k8s/no-privileged-containers", "web/templates/deployment.yaml", 24) in where
    assert ("k8s/no-privilege-escalation", "web/charts/cache/templates/pod.yaml", 10) in where
    assert ("k8s/min-replicas", "web/templates/deployment.yaml", 8) in where
    # a value that is not written in the template (it comes from the helpers) is reported at its first line
    assert ("k8s/memory-limits", "web/templates/deployment.yaml", 1) in where
    assert all(file.startswith("web/") for _, file, _ in where)


def test_rendered_output_without_the_chart_at_hand_names_the_sources_as_helm_wrote_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, document = _scan("-", stdin=RENDERED)
    assert code == 1
    files = {f["location"]["file"] for f in document["findings"]}
    assert files == {"web/templates/deployment.yaml", "web/charts/cache/templates/pod.yaml"}
    assert {f["location"]["line"] for f in document["findings"]} == {1}


def test_an_inline_suppression_in_the_template_covers_the_rendered_finding(charts: Path) -> None:
    template = charts / "web" / "templates" / "deployment.yaml"
    text = template.read_text().replace(
        "      hostNetwork: true\n",
        '      # conformance:ignore k8s/no-host-network reason="the ingress controller needs it"\n'
        "      hostNetwork: true\n",
    )
    template.write_text(text)
    document = _scan("-", stdin=RENDERED)[1]
    (finding,) = [f for f in document["findings"] if f["policy"] == "k8s/no-host-network"]
    assert finding["status"] == "suppressed"
    assert finding["location"]["line"] == 19


def test_placeholder_templates_are_noted_not_parse_errors(charts: Path) -> None:
    code, document = _scan("placeholders-template.yaml")
    assert code == 0 and document["errors"] == []
    ((policy, file, line),) = _where(document)
    assert (policy, file, line) == ("conformance/template-not-rendered", "placeholders-template.yaml", 6)
    assert _scan("placeholders-template.yaml", "--require-rendering")[0] == 1


def test_a_broken_workflow_with_github_expressions_is_still_a_parse_error(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "broken.yaml").write_text("run: echo ${{ github.sha }}\n  bad: [\n")
    code, document = _scan("broken.yaml")
    assert code == 2
    assert [e["policy"] for e in document["errors"]] == ["conformance/parse-error"]


def _fake_helm(directory: Path, output: str) -> Path:
    """An executable that records its arguments and prints ``output``: it tests how conformance calls Helm,
    not Helm itself (that is the next test, which needs the real one)."""
    script = directory / "helm"
    (directory / "rendered.txt").write_text(output)
    script.write_text(f'#!/bin/sh\necho "$@" > "{directory}/args"\nexec /bin/cat "{directory}/rendered.txt"\n')
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script


def test_a_chart_is_rendered_with_helm_and_its_values(charts: Path, tmp_path: Path) -> None:
    tools = tmp_path / "tools"
    tools.mkdir()
    fake = _fake_helm(tools, RENDERED)
    (charts / "prod.yaml").write_text("replicaCount: 3\n")
    code, document = _scan("web", "--helm", str(fake), "--helm-values", "prod.yaml")
    arguments = (tools / "args").read_text().split()
    assert arguments[:2] == ["template", "conformance"]
    assert os.path.realpath(arguments[2]) == os.path.realpath(charts / "web")
    assert arguments[-2:] == ["--values", str(charts / "prod.yaml")]
    assert ("k8s/no-host-network", "web/templates/deployment.yaml", 18) in _where(document)
    assert code == 1


def test_a_chart_helm_cannot_render_is_a_scan_error(charts: Path, tmp_path: Path) -> None:
    tools = tmp_path / "tools"
    tools.mkdir()
    script = tools / "helm"
    script.write_text(
        "#!/bin/sh\necho 'Error: found in Chart.yaml, but missing in charts/ directory: db' >&2\nexit 1\n"
    )
    script.chmod(0o755)
    code, document = _scan("web", "--helm", str(script))
    assert code == 2
    (error,) = [e for e in document["errors"] if e["policy"] == "conformance/chart-render-error"]
    assert "missing in charts/ directory" in error["message"]


def test_the_real_helm_renders_the_fixture_chart_as_committed(tmp_path: Path) -> None:
    real = shutil.which("helm")
    if real is None:
        pytest.skip(
            "helm is not installed here (it cannot be installed on this kind of machine): the rendering "
            "path ran above with a recording stand-in and the attribution on committed rendered output"
        )
    rendered = helm.render(real, helm.Chart(str(CHARTS / "web"), "web", ()))
    assert isinstance(rendered, helm.Rendered)
    assert [s for _, s in helm.sources(rendered.text)] == [s for _, s in helm.sources(RENDERED)]


def test_lines_in_templates_follow_the_path_down() -> None:
    template = (CHARTS / "web" / "templates" / "deployment.yaml").read_text()
    assert helm.line_in_template(template, ["spec", "template", "spec", "hostNetwork"]) == 18
    assert helm.line_in_template(template, ["spec", "replicas"]) == 8
    assert helm.line_in_template(template, ["spec", "template", "spec", "containers", "securityContext"]) == 23
    assert helm.line_in_template(template, ["spec", "template", "spec", "nodeSelector"]) is None


def test_sources_and_templates_of_a_rendered_stream(charts: Path) -> None:
    assert helm.sources(RENDERED)[0] == (2, "web/charts/cache/templates/pod.yaml")
    assert helm.template_path("web/charts/cache/templates/pod.yaml") == "charts/cache/templates/pod.yaml"
    subchart_template = charts / "web" / "charts" / "cache" / "templates" / "pod.yaml"
    assert helm.chart_of_template(str(subchart_template)) == str(charts / "web")  # rendered by its parent
    assert helm.chart_of_template(str(charts / "web" / "values.yaml")) is None
    assert helm.read_template(str(charts / "web"), "../rendered-web.yaml") is None  # never out of the chart
    adapter = RenderedAdapter(helm.Rendered(RENDERED, "<stdin>", None, ""))
    assert adapter.meets("web", True, False) is False
