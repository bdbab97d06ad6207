"""CEL ``validate`` expressions in YAML policies: refused at load with file, line and field; evaluated per
selected node with object, node and options; runtime errors become policy errors for one object."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from conformance.catalog.cel_rules import comprehension_depth, parse_field_path
from conformance.catalog.yaml_policy import load_yaml_policy
from conformance.cli import cli
from conformance.errors import PolicyDefinitionError

POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: api
  namespace: shop
spec:
  securityContext:
    runAsUser: 0
  containers:
    - name: web
      image: registry.acme.example/web:1
      ports:
        - containerPort: 80
          hostPort: 80
    - name: proxy
      image: docker.io/envoy:1
"""


def policy(root: Path, body: str, slug: str = "rule") -> Path:
    pack = root / "policies" / "acme"
    pack.mkdir(parents=True, exist_ok=True)
    head = 'title: A rule\ndescription: A rule.\nseverity: error\nmessage: "{container_label} breaks the rule"\n'
    path = pack / f"{slug}.yaml"
    path.write_text(head + textwrap.dedent(body))
    return path


def scan(root: Path, manifest: str = POD) -> tuple[int, list[tuple[int, str, str]], list[dict]]:
    (root / "m.yaml").write_text(manifest)
    args = ["scan", "--policy-dir", str(root / "policies"), "--policy", "acme/", "-f", "json", str(root / "m.yaml")]
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    report = json.loads(result.output)
    found = sorted((f["location"]["line"], f["policy"], f["message"]) for f in report["findings"])
    return result.exit_code, found, report["errors"]


def test_comprehension_depth_counts_nested_macros_outside_strings() -> None:
    assert comprehension_depth("node.ports.all(p, p.hostPort == 0)") == 1
    assert comprehension_depth("a.all(x, x.b.exists(y, y > 1)) && c.map(z, z)") == 2
    assert comprehension_depth("a.all(x, x.b.exists(y, y.c.filter(z, z)))") == 3
    assert comprehension_depth("'.all(x, .exists(' == node.name && size(node.ports) > 0") == 0
    assert comprehension_depth("'''it\\'s .all(''' == node.name") == 0


def test_field_paths_read_names_indices_and_quoted_keys() -> None:
    assert parse_field_path(".securityContext.privileged") == ("securityContext", "privileged")
    assert parse_field_path("ports[0].hostPort") == ("ports", 0, "hostPort")
    assert parse_field_path(".metadata.labels['app.kubernetes.io/name']") == (
        "metadata",
        "labels",
        "app.kubernetes.io/name",
    )
    with pytest.raises(PolicyDefinitionError, match=r"cannot read 'a\.\.b' at character 3"):
        parse_field_path("a..b")


def test_an_expression_that_does_not_compile_is_refused_with_file_line_and_field(tmp_path: Path) -> None:
    path = policy(
        tmp_path,
        """\
        target: {select: containers}
        validate:
          - expression: "has(node.image)"
          - expression: "node.ports.all(p, p.hostPort == 0"
        """,
    )
    with pytest.raises(PolicyDefinitionError) as caught:
        load_yaml_policy(path, "acme/rule")
    assert str(caught.value) == (
        f"{path}:8: field validate[1].expression: does not compile: column 34: Syntax error: missing ')' at '<EOF>'"
    )


@pytest.mark.parametrize(
    ("expression", "problem"),
    [
        ("nod.image != ''", "unknown variable 'nod' (the variables are object, node, options)"),
        (
            "node.a.all(x, x.b.all(y, y.c.all(z, z)))",
            "comprehensions (all, exists, map, ...) nest deeper than 2",
        ),
    ],
)
def test_expressions_beyond_the_bounds_are_refused(tmp_path: Path, expression: str, problem: str) -> None:
    path = policy(tmp_path, f"validate:\n  - message: m\n    expression: {json.dumps(expression)}\n")
    with pytest.raises(PolicyDefinitionError) as caught:
        load_yaml_policy(path, "acme/rule")
    assert str(caught.value) == f"{path}:7: field validate[0].expression: {problem}"


def test_an_overlong_expression_is_refused_by_the_policy_format(tmp_path: Path) -> None:
    path = policy(tmp_path, f'validate:\n  - expression: "{"1 == 1 && " * 300}true"\n')
    with pytest.raises(PolicyDefinitionError, match=r"field validate\.0\.expression: .* is too long"):
        load_yaml_policy(path, "acme/rule")


def test_a_bad_field_path_is_refused_at_its_line(tmp_path: Path) -> None:
    path = policy(tmp_path, "validate:\n  - expression: 'true'\n    fieldPath: 'spec[x]'\n")
    with pytest.raises(PolicyDefinitionError) as caught:
        load_yaml_policy(path, "acme/rule")
    assert str(caught.value) == (
        f"{path}:7: field validate[0].fieldPath: cannot read 'spec[x]' at character 6: "
        "expected .name, [index] or ['key']"
    )


def test_without_the_extra_a_policy_with_an_expression_is_a_clear_load_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = policy(tmp_path, "validate:\n  - expression: 'true'\n")
    monkeypatch.setitem(sys.modules, "cel", None)  # what an install without the cel extra sees
    with pytest.raises(PolicyDefinitionError) as caught:
        load_yaml_policy(path, "acme/rule")
    assert str(caught.value) == (
        f"{path}: field validate: CEL expressions need the cel extra (pip install 'conformance[cel]')"
    )


def test_a_policy_needs_a_schema_or_expressions(tmp_path: Path) -> None:
    path = policy(tmp_path, "target: {select: containers}\n")
    with pytest.raises(PolicyDefinitionError) as caught:
        load_yaml_policy(path, "acme/rule")
    assert str(caught.value) == f"{path}: field schema: a policy needs a schema, validate expressions or both"


def test_expressions_see_node_object_and_options_and_report_at_field_path(tmp_path: Path) -> None:
    policy(
        tmp_path,
        """\
        target: {kinds: pod-bearing, select: containers}
        options:
          registries: {default: [registry.acme.example/]}
        validate:
          - expression: "options.registries.exists(r, node.image.startsWith(r))"
            fieldPath: .image
            message: "{container_label} pulls {value} ({options[registries]} allowed) in {namespace}"
          - expression: "!has(node.ports) || node.ports.all(p, !has(p.hostPort))"
            fieldPath: .ports[0].hostPort
          - expression: "object.metadata.namespace == 'shop'"
        """,
    )
    code, found, errors = scan(tmp_path)
    assert (code, errors) == (1, [])
    assert found == [
        (14, "acme/rule", "container 'web' breaks the rule"),
        (16, "acme/rule", "container 'proxy' pulls docker.io/envoy:1 (registry.acme.example/ allowed) in shop"),
    ]


def test_inherited_fields_are_reported_at_the_pod_and_findings_of_two_rules_stay_apart(tmp_path: Path) -> None:
    policy(
        tmp_path,
        """\
        target: {select: containers}
        validate:
          - expression: "!has(node.securityContext.runAsUser) || node.securityContext.runAsUser != 0"
            fieldPath: .securityContext.runAsUser
            message: "{container_label} runs as root"
          - expression: "has(node.securityContext.runAsNonRoot)"
            fieldPath: .securityContext.runAsUser
            message: "{container_label} does not say runAsNonRoot"
        """,
    )
    (tmp_path / "m.yaml").write_text(POD)
    args = [
        "scan",
        "--policy-dir",
        str(tmp_path / "policies"),
        "-f",
        "json",
        "--policy",
        "acme/",
        str(tmp_path / "m.yaml"),
    ]
    report = json.loads(CliRunner().invoke(cli, args, catch_exceptions=False).output)
    lines = sorted((f["location"]["line"], f["message"]) for f in report["findings"])
    assert lines == [
        (8, "container 'proxy' does not say runAsNonRoot"),
        (8, "container 'proxy' runs as root"),
        (8, "container 'web' does not say runAsNonRoot"),
        (8, "container 'web' runs as root"),
    ]
    assert len({f["fingerprint"] for f in report["findings"]}) == 4
    assert {f["path"] for f in report["findings"]} == {"spec.securityContext.runAsUser"}


def test_schema_and_expressions_together_and_first_error(tmp_path: Path) -> None:
    body = """\
        target: {select: containers}
        messages: {image: "{container_label} has image {value}"}
        schema:
          properties:
            image: {pattern: "^registry"}
        validate:
          - expression: "has(node.ports)"
        """
    policy(tmp_path, body)
    assert scan(tmp_path)[1] == [
        (15, "acme/rule", "container 'proxy' breaks the rule"),
        (16, "acme/rule", "container 'proxy' has image docker.io/envoy:1"),
    ]
    policy(tmp_path, body + "report: first-error\n")
    assert scan(tmp_path)[1] == [(16, "acme/rule", "container 'proxy' has image docker.io/envoy:1")]


def test_a_runtime_error_is_a_policy_error_for_that_object_only(tmp_path: Path) -> None:
    policy(
        tmp_path,
        """\
        target: {kinds: [Deployment]}
        message: "{resource} has one replica"
        validate:
          - expression: "object.spec.replicas >= 2"
        """,
    )
    manifests = (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\nspec: {replicas: 1}\n---\n"
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: b}\nspec: {}\n"
    )
    code, found, errors = scan(tmp_path, manifests)
    assert code == 2
    assert found == [(1, "acme/rule", "Deployment/a has one replica")]
    assert [(e["policy"], e["location"]["line"], e["message"]) for e in errors] == [
        (
            "conformance/policy-error",
            6,
            "policy acme/rule failed on Deployment/b: ExpressionError: validate[0].expression: no such key: "
            "'replicas' (test an optional field with has() first)",
        )
    ]


def test_an_expression_that_is_not_a_bool_is_a_policy_error(tmp_path: Path) -> None:
    policy(tmp_path, "target: {select: containers}\nvalidate:\n  - expression: node.image\n")
    code, found, errors = scan(tmp_path)
    assert (code, found) == (2, [])
    assert [e["message"] for e in errors] == [
        "policy acme/rule failed on Pod/shop/api: ExpressionError: validate[0].expression on container 'web': "
        "gave str, not a bool"
    ]


def test_a_message_template_of_an_expression_is_checked_like_the_policy_message(tmp_path: Path) -> None:
    path = policy(tmp_path, "validate:\n  - expression: 'true'\n    message: '{kind.__class__}'\n")
    with pytest.raises(PolicyDefinitionError, match=r"\(validate\[0\]\): field message: \{kind\.__class__\} is not"):
        load_yaml_policy(path, "acme/rule")


def test_the_cel_library_is_imported_only_for_policies_with_expressions(tmp_path: Path) -> None:
    plain = policy(tmp_path, "schema: {required: [spec]}\n", slug="plain")
    code = (
        "import sys\nfrom pathlib import Path\nfrom conformance.catalog.yaml_policy import load_yaml_policy\n"
        f"load_yaml_policy(Path({str(plain)!r}), 'acme/plain')\nprint('cel' in sys.modules)\n"
    )
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert output.strip() == "False"


def test_the_cost_estimate_counts_in_inside_a_comprehension_as_a_level() -> None:
    from conformance.catalog.cel_rules import _depths

    assert _depths("node.ports.all(p, p.containerPort in [80, 443])") == (1, 2)
    assert _depths("'a' in node.labels") == (0, 0)
    assert _depths("node.items.all(x, x.index > 0 && x.inner.exists(y, y in x.list))") == (2, 3)


def test_an_evaluation_too_large_for_its_nesting_is_refused_before_it_runs(tmp_path: Path) -> None:
    policy(
        tmp_path,
        'target: {select: containers}\nvalidate:\n  - expression: "node.ports.all(p, node.ports.exists(q, true))"\n',
    )
    ports = "".join(f"        - containerPort: {number}\n" for number in range(1001))
    head = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    - name: a\n      image: x\n"
    manifest = f"{head}      ports:\n{ports}"
    code, found, errors = scan(tmp_path, manifest)
    assert (code, found) == (2, [])
    assert [e["message"] for e in errors] == [
        "policy acme/rule failed on Pod/p: ExpressionError: validate[0].expression on container 'a': not evaluated: "
        "a list or map of 1001 items under 2 nested comprehension(s) exceeds 1,000,000 steps"
    ]
    smaller = manifest.replace("        - containerPort: 1000\n", "")
    assert scan(tmp_path, smaller)[:2] == (0, [])


def test_validating_a_policy_document_compiles_its_expressions() -> None:
    from conformance.catalog.yaml_policy import validate_policy_document

    doc = {"title": "t", "description": "d", "severity": "note", "message": "m", "validate": [{"expression": "1 +"}]}
    with pytest.raises(PolicyDefinitionError) as caught:
        validate_policy_document(doc, "p.yaml")
    assert str(caught.value).startswith("p.yaml: field validate[0].expression: does not compile: column 4: ")
