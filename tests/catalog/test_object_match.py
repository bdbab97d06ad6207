"""Per-policy match / exclude: parsing with errors naming file and field, matching, and real scans."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from conformance.catalog.object_match import compile_glob, parse_block, parse_filter
from conformance.catalog.yaml_policy import load_yaml_policy
from conformance.cli import cli
from conformance.errors import PolicyDefinitionError
from conformance.globmatch import segment_matches
from conformance.org.outcomes import summarize
from conformance.planning.plan import ScanRequest, execute_scan, prepare_scan
from conformance.targets import kubernetes as k8s

MANIFESTS = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: prod-eu
  labels: {tier: frontend}
spec:
  replicas: 1
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: dev
spec:
  replicas: 1
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: db-main
  namespace: prod-us
  labels: {tier: data, critical: "true"}
spec:
  replicas: 1
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: batch-runner
  namespace: prod-us
  labels: {tier: batch}
spec:
  replicas: 1
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: loose
spec:
  replicas: 1
"""
# lines of each object's `replicas:`
REPLICAS_LINES = {"prod-eu/web": 8, "dev/web": 16, "prod-us/db-main": 25, "prod-us/batch-runner": 34, "loose": 41}


def resource(text: str) -> k8s.Resource:
    import yaml

    data = yaml.safe_load(text)
    return k8s.make_resource(data, "m.yaml", 0, ())


def write_policy(root: Path, blocks: str, slug: str = "replicas") -> Path:
    pack = root / "policies" / "acme"
    pack.mkdir(parents=True, exist_ok=True)
    body = textwrap.dedent(
        """\
        title: Two replicas
        description: Workloads run two replicas.
        severity: error
        target: {kinds: [Deployment, StatefulSet]}
        message: "{resource} runs {value}"
        schema:
          properties:
            spec:
              properties:
                replicas: {minimum: 2}
        """
    )
    path = pack / f"{slug}.yaml"
    path.write_text(body + textwrap.dedent(blocks))
    return path


def scan_lines(root: Path, *extra: str) -> tuple[int, list[int]]:
    (root / "m.yaml").write_text(MANIFESTS)
    result = CliRunner().invoke(
        cli,
        [
            "scan",
            "--policy-dir",
            str(root / "policies"),
            "--policy",
            "acme/",
            "-f",
            "json",
            *extra,
            str(root / "m.yaml"),
        ],
        catch_exceptions=False,
    )
    findings = json.loads(result.output)["findings"] if result.output.startswith("{") else []
    return result.exit_code, sorted(f["location"]["line"] for f in findings)


def test_glob_names_match_exactly_or_by_wildcards() -> None:
    assert segment_matches(compile_glob("prod-*"), "prod-eu")
    assert not segment_matches(compile_glob("prod-*"), "preprod-eu")
    assert segment_matches(compile_glob("db-?ain"), "db-main")
    assert not segment_matches(compile_glob("web"), "web2")


def test_a_block_matches_when_every_field_it_names_holds() -> None:
    web = resource("{apiVersion: apps/v1, kind: Deployment, metadata: {name: web, namespace: prod, labels: {a: x}}}")
    assert parse_block({"namespaces": ["prod"], "names": ["w*"]}, "match").matches(web)
    assert not parse_block({"namespaces": ["prod"], "names": ["api"]}, "match").matches(web)
    assert parse_block({"kinds": ["pod-bearing"]}, "match").matches(web)
    assert not parse_block({"kinds": ["StatefulSet"]}, "match").matches(web)
    assert parse_block({"labels": {"matchLabels": {"a": "x"}}}, "match").matches(web)
    selector = {"matchExpressions": [{"key": "a", "operator": "NotIn", "values": ["x"]}]}
    assert not parse_block({"labels": selector}, "match").matches(web)


def test_an_object_without_a_namespace_matches_no_namespace_entry() -> None:
    bare = resource("{apiVersion: v1, kind: ConfigMap, metadata: {name: c}}")
    assert not parse_block({"namespaces": ["*"]}, "exclude").matches(bare)


@pytest.mark.parametrize(
    ("block", "message"),
    [
        (
            {"labels": {"matchExpressions": [{"key": "a", "operator": "Has"}]}},
            "p.yaml: field match.labels."
            "matchExpressions[0] has operator 'Has'; expected one of In, NotIn, Exists, DoesNotExist",
        ),
        (
            {"labels": {"matchExpressions": [{"key": "a", "operator": "In"}]}},
            "p.yaml: field match.labels.matchExpressions[0] uses In and needs at least one value",
        ),
        ({"kinds": ["deployment"]}, "p.yaml: field match.kinds[0]: 'deployment' is not a kind"),
        ({"names": []}, "p.yaml: field match.names: must be a non-empty list of names or globs"),
        ({"namespace": ["prod"]}, "p.yaml: field match: unknown key 'namespace' (expected kinds, names, namespaces"),
        ({"labels": {"app": "web"}}, "p.yaml: field match.labels: unknown key 'app' (matchLabels, matchExpressions)"),
    ],
)
def test_bad_blocks_are_refused_naming_file_and_field(block: dict, message: str) -> None:
    with pytest.raises(PolicyDefinitionError) as caught:
        parse_filter(block, None, "p.yaml")
    assert str(caught.value).startswith(message)


def test_a_bad_operator_in_a_yaml_policy_is_a_load_error_naming_the_field(tmp_path: Path) -> None:
    path = write_policy(
        tmp_path,
        """\
        exclude:
          labels:
            matchExpressions:
              - {key: tier, operator: Equals, values: [batch]}
        """,
    )
    with pytest.raises(PolicyDefinitionError) as caught:
        load_yaml_policy(path, "acme/replicas")
    assert str(caught.value).startswith(f"{path}: field exclude.labels.matchExpressions.0.operator: 'Equals' is not")


def test_match_and_exclude_are_refused_for_repository_policies(tmp_path: Path) -> None:
    path = tmp_path / "acme" / "r.yaml"
    path.parent.mkdir()
    path.write_text(
        "title: t\ndescription: d\nseverity: note\nmessage: m\ntarget: {type: repository}\n"
        "checks: [{require: [README.md]}]\nmatch: {names: [x]}\n"
    )
    with pytest.raises(PolicyDefinitionError, match=r"r\.yaml: field match: only kubernetes policies take match$"):
        load_yaml_policy(path, "acme/r")


def test_without_blocks_every_object_of_the_kinds_is_checked(tmp_path: Path) -> None:
    write_policy(tmp_path, "")
    assert scan_lines(tmp_path) == (1, sorted(REPLICAS_LINES.values()))


def test_match_namespaces_and_exclude_labels_pick_the_objects(tmp_path: Path) -> None:
    write_policy(
        tmp_path,
        """\
        match:
          namespaces: ["prod-*"]
        exclude:
          labels:
            matchExpressions:
              - {key: tier, operator: In, values: [batch]}
        """,
    )
    assert scan_lines(tmp_path) == (1, [REPLICAS_LINES["prod-eu/web"], REPLICAS_LINES["prod-us/db-main"]])


def test_exclude_needs_every_field_it_names(tmp_path: Path) -> None:
    write_policy(tmp_path, "exclude: {kinds: [Deployment], namespaces: [prod-us, dev]}\n")
    expected = [REPLICAS_LINES[k] for k in ("prod-eu/web", "prod-us/db-main", "loose")]
    assert scan_lines(tmp_path) == (1, sorted(expected))


def test_match_on_names_labels_and_kinds(tmp_path: Path) -> None:
    write_policy(
        tmp_path,
        """\
        match:
          kinds: [StatefulSet]
          names: [db-*]
          labels: {matchLabels: {critical: "true"}, matchExpressions: [{key: tier, operator: Exists}]}
        """,
    )
    assert scan_lines(tmp_path) == (1, [REPLICAS_LINES["prod-us/db-main"]])


def test_objects_a_policy_does_not_match_are_not_applicable(tmp_path: Path) -> None:
    write_policy(tmp_path, "match: {names: [nothing-is-called-this]}\n")
    write_policy(tmp_path, "match: {namespaces: [dev]}\n", slug="dev-only")
    (tmp_path / "m.yaml").write_text(MANIFESTS)
    request = ScanRequest(
        paths=(str(tmp_path / "m.yaml"),), policy_dirs=(str(tmp_path / "policies"),), enable=("acme/",)
    )
    outcomes, _ = summarize(execute_scan(prepare_scan(request, record_evaluations=True)))
    by_id = {outcome.policy_id: outcome for outcome in outcomes}
    assert (by_id["acme/replicas"].outcome, by_id["acme/replicas"].applicable) == ("not-applicable", 0)
    assert (by_id["acme/dev-only"].outcome, by_id["acme/dev-only"].applicable) == ("fail", 1)


def test_python_policies_take_match_and_exclude_as_module_metadata(tmp_path: Path) -> None:
    pack = tmp_path / "policies" / "acme"
    pack.mkdir(parents=True)
    (pack / "named.py").write_text(
        textwrap.dedent(
            '''\
            """Reports every object it is given."""
            from conformance.api import Violation

            ID = "acme/named"
            TITLE = "Named"
            SEVERITY = "error"
            KINDS = ("Deployment",)
            MATCH = {"namespaces": ["prod-*"]}
            EXCLUDE = {"names": ["batch-*"]}


            def check(resource, ctx):
                yield Violation("seen", ("spec", "replicas"))
            '''
        )
    )
    assert scan_lines(tmp_path) == (1, [REPLICAS_LINES["prod-eu/web"]])


def test_a_python_policy_with_a_bad_match_is_refused(tmp_path: Path) -> None:
    from conformance.catalog.python_policy import load_python_policy

    path = tmp_path / "bad.py"
    path.write_text(
        'ID = "acme/bad"\nTITLE = "t"\nSEVERITY = "note"\nMATCH = {"labels": {"matchExpressions": [1]}}\n'
        "def check(resource, ctx):\n    return []\n"
    )
    with pytest.raises(PolicyDefinitionError) as caught:
        load_python_policy(path)
    assert str(caught.value) == f"{path}: field MATCH.labels.matchExpressions[0] must be a mapping"
