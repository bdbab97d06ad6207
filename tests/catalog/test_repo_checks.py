"""The declarative repository checks (``target: {type: repository}``), and the repo/ pack built on them."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path
from typing import Any

import pytest

from conformance.catalog.discovery import builtin_root
from conformance.catalog.policy import REPOSITORY, CheckContext
from conformance.catalog.python_policy import load_python_policy
from conformance.catalog.repo_checks import CHECK_TYPES, check_type, compile_check, run_check
from conformance.catalog.yaml_policy import definition_from_document, load_yaml_policy, validate_policy_document
from conformance.engine import ScanOptions, repository_location, scan
from conformance.errors import PolicyDefinitionError
from conformance.model import Location, Violation
from conformance.targets.repo import Repository, open_repository
from conformance.yamlio import load


def make_repository(root: Path, files: dict[str, str | bytes], display: str = ".") -> Repository:
    for relative, content in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content))
    return open_repository(str(root), display)


def run(spec: dict[str, Any], repository: Repository, message: str = "{error}", **options: Any) -> list[Violation]:
    return list(run_check(compile_check(spec, message), repository, options))


# --- each check type ------------------------------------------------------------------------------------


def test_require_passes_when_any_glob_matches(tmp_path: Path) -> None:
    repository = make_repository(tmp_path, {"docs/README.md": "x", "LICENSE": "x"})
    assert run({"require": ["/LICENSE", "/COPYING"]}, repository) == []
    assert run({"require": ["README.md"]}, repository) == []  # no slash: at any depth


def test_require_reports_the_repository_root(tmp_path: Path) -> None:
    repository = make_repository(tmp_path, {"docs/README.md": "x"})
    violations = run({"require": ["/README.md", "/README.rst"]}, repository, "missing {globs} ({error}){file}")
    assert violations == [Violation("missing /README.md, /README.rst (missing)", ())]


def test_forbid_reports_each_matching_file(tmp_path: Path) -> None:
    repository = make_repository(tmp_path, {"a.pem": "x", "keys/b.pem": "x", "c.txt": "x"})
    violations = run({"forbid": ["*.pem"]}, repository, "{file}: {error} ({globs})")
    assert violations == [
        Violation("a.pem: present (*.pem)", ("a.pem",)),
        Violation("keys/b.pem: present (*.pem)", ("keys/b.pem",)),
    ]


def test_must_match_reports_files_without_a_match(tmp_path: Path) -> None:
    repository = make_repository(tmp_path, {"LICENSE": "MIT License\n", "COPYING": "\n\n"})
    spec = {"files": ["/LICENSE", "/COPYING"], "must-match": r"\S"}
    violations = run(spec, repository, "{file}: {error} of {pattern}")
    assert violations == [Violation(r"COPYING: no match of \S", ("COPYING",))]


def test_must_match_is_multiline(tmp_path: Path) -> None:
    repository = make_repository(tmp_path, {"Dockerfile": "FROM alpine:3.20\nUSER app\n"})
    assert run({"files": ["Dockerfile"], "must-match": "^USER "}, repository) == []


def test_must_not_match_reports_each_match_at_its_line_and_column(tmp_path: Path) -> None:
    repository = make_repository(tmp_path, {"notes.md": "ok\n  TODO: one\nand TODO: two\n", "other.txt": "TODO"})
    spec = {"files": ["*.md"], "must-not-match": "TODO:"}
    violations = run(spec, repository, "{file}:{line} {match} ({error})")
    assert violations == [
        Violation("notes.md:2 TODO: (match)", ("notes.md", 2, 3), key="TODO:#1"),
        Violation("notes.md:3 TODO: (match)", ("notes.md", 3, 5), key="TODO:#2"),
    ]


def test_must_not_match_shortens_long_matches(tmp_path: Path) -> None:
    repository = make_repository(tmp_path, {"a.txt": "x" * 200})
    [violation] = run({"files": ["a.txt"], "must-not-match": "x+"}, repository, "{match}")
    assert violation.message == "x" * 60


def test_schema_reports_each_error_at_the_offending_line(tmp_path: Path) -> None:
    repository = make_repository(
        tmp_path,
        {
            "catalog-info.yaml": """\
            apiVersion: backstage.io/v1alpha1
            kind: Component
            metadata:
              name: api
            spec:
              owner: 7
            ---
            kind: Group
            """,
        },
    )
    schema = {
        "type": "object",
        "required": ["apiVersion"],
        "properties": {"spec": {"properties": {"owner": {"type": "string"}}}},
    }
    violations = run({"files": ["/catalog-info.yaml"], "schema": schema}, repository, "{file} [{path}] {error}")
    assert violations == [
        Violation(
            'catalog-info.yaml [spec.owner] 7 is not of type "string"', ("catalog-info.yaml", 6, 3), key="0:spec.owner"
        ),
        Violation('catalog-info.yaml [] "apiVersion" is a required property', ("catalog-info.yaml", 8, 1), key="1:"),
    ]


def test_schema_reports_invalid_yaml_once_at_the_error(tmp_path: Path) -> None:
    repository = make_repository(tmp_path, {"config.yaml": "a: 1\nb: [unclosed\n"})
    [violation] = run({"files": ["config.yaml"], "schema": {"type": "object"}}, repository, "{error}")
    assert violation.message.startswith("not valid YAML: ")
    assert violation.path[0] == "config.yaml"
    assert violation.path[1] >= 2


def test_schema_reads_json_and_skips_empty_files(tmp_path: Path) -> None:
    repository = make_repository(tmp_path, {"a.json": '{"n": "x"}', "empty.json": ""})
    spec = {"files": ["*.json"], "schema": {"properties": {"n": {"type": "integer"}}}}
    assert [v.path for v in run(spec, repository)] == [("a.json", 1, 2)]  # at the key


def test_files_that_cannot_be_read_are_skipped(tmp_path: Path) -> None:
    repository = make_repository(tmp_path, {"big.txt": "TODO"})
    (tmp_path / "big.txt").unlink()
    assert run({"files": ["*.txt"], "must-not-match": "TODO"}, repository) == []
    assert run({"files": ["*.txt"], "must-match": "DONE"}, repository) == []


def test_options_reach_the_message(tmp_path: Path) -> None:
    repository = make_repository(tmp_path, {})
    check = compile_check({"require": ["/SLO.md"]}, "need {options[team]}")
    assert [v.message for v in run_check(check, repository, {"team": "sre"})] == ["need sre"]


def test_check_type() -> None:
    assert CHECK_TYPES == ("require", "forbid", "must-match", "must-not-match", "schema")
    assert check_type({"files": ["x"], "schema": {}}) == "schema"
    with pytest.raises(PolicyDefinitionError, match="unknown check"):
        check_type({"files": ["x"]})


# --- load-time errors -----------------------------------------------------------------------------------

POLICY = {
    "title": "Keys",
    "description": "No keys.",
    "severity": "error",
    "message": "default {file}",
    "target": {"type": "repository"},
}


def test_bad_regex_is_refused_at_load_time() -> None:
    with pytest.raises(PolicyDefinitionError, match="not a valid regular expression"):
        compile_check({"files": ["*"], "must-not-match": "(unclosed"}, "m")
    doc = {**POLICY, "checks": [{"require": ["x"]}, {"files": ["*"], "must-match": "[z-a]"}]}
    with pytest.raises(PolicyDefinitionError, match=r"p.yaml: field checks.1: must-match: not a valid regular"):
        validate_policy_document(doc, "p.yaml")


def test_bad_schema_is_refused_at_load_time() -> None:
    doc = {**POLICY, "checks": [{"files": ["*.yaml"], "schema": {"type": "no-such-type"}}]}
    with pytest.raises(PolicyDefinitionError, match=r"p.yaml: field checks.0.schema: not a valid JSON Schema"):
        validate_policy_document(doc, "p.yaml")


@pytest.mark.parametrize("schema", [{"type": "no-such-type"}, {"$ref": "#/nowhere"}])
def test_compile_check_refuses_a_bad_schema(schema: dict[str, Any]) -> None:
    with pytest.raises(PolicyDefinitionError, match="not a valid JSON Schema"):
        compile_check({"files": ["*.yaml"], "schema": schema}, "m")


@pytest.mark.parametrize(
    ("doc", "field"),
    [
        ({**POLICY, "checks": [{"files": ["x"]}]}, "checks.0"),  # no check type
        ({**POLICY, "checks": [{"require": []}]}, "checks.0"),  # no glob
        ({**POLICY, "checks": [{"require": ["x"], "forbid": ["y"]}]}, "checks.0"),  # two types in one check
        ({**POLICY, "checks": []}, "checks"),
        ({**POLICY, "checks": [{"require": ["x"]}], "schema": {}}, "(top level)"),  # schema is for other targets
        ({**POLICY, "target": {"type": "repository", "kinds": "all"}, "checks": [{"require": ["x"]}]}, "target"),
        ({k: v for k, v in POLICY.items() if k != "target"} | {"checks": [{"require": ["x"]}]}, "(top level)"),
    ],
)
def test_malformed_checks_are_refused(doc: dict[str, Any], field: str) -> None:
    with pytest.raises(PolicyDefinitionError, match=re.escape(f"p.yaml: field {field}")):
        validate_policy_document(doc, "p.yaml")


def test_a_pattern_matching_the_empty_string_is_refused() -> None:
    with pytest.raises(PolicyDefinitionError):
        compile_check({"files": ["*"], "must-not-match": "TODO|"}, "m")


def test_option_values_reach_a_check_schema(tmp_path: Path) -> None:
    doc = {
        **POLICY,
        "options": {"owners": {"default": ["team-a"], "schema": {"type": "array"}}},
        "checks": [
            {"files": ["owners.yaml"], "schema": {"properties": {"owner": {"enum": {"$option": "owners"}}}}},
        ],
    }
    validate_policy_document(doc, "p.yaml")
    definition = definition_from_document(doc, "acme/owners", "p.yaml")
    repository = make_repository(tmp_path, {"owners.yaml": "owner: team-b\n"})
    default = definition.build(definition.defaults(), "error")
    assert default.target == REPOSITORY
    assert len(list(default.check(repository, CheckContext(default.options)))) == 1
    custom = definition.build({"owners": ["team-b"]}, "warning")
    assert list(custom.check(repository, CheckContext(custom.options))) == []
    assert custom.info.severity == "warning"


def test_a_yaml_repository_policy_file_loads_and_scans(tmp_path: Path) -> None:
    policy = tmp_path / "acme" / "license.yaml"
    policy.parent.mkdir()
    policy.write_text(
        textwrap.dedent(
            """\
            title: A license
            description: The repository must carry a license file at its root.
            severity: error
            profiles: [open-source]
            target: {type: repository}
            message: "no license ({globs})"
            checks:
              - require: [/LICENSE]
              - files: [/LICENSE]
                must-match: '\\S'
                message: "{file} is empty"
            """
        )
    )
    definition = load_yaml_policy(policy, "acme/license")
    built = definition.build({}, "error")
    missing = make_repository(tmp_path / "a", {"README.md": "x"})
    empty = make_repository(tmp_path / "b", {"LICENSE": ""}, display="b")
    result = scan([], [built], ScanOptions(jobs=1), repositories=[missing, empty])
    located = sorted((f.location.file, f.location.line, f.message) for f in result.findings)
    assert located == [(".", 1, "no license (/LICENSE)"), ("b/LICENSE", 1, "LICENSE is empty")]


# --- where repository violations point ------------------------------------------------------------------


def test_repository_location(tmp_path: Path) -> None:
    root = make_repository(tmp_path, {}, display=".")
    nested = make_repository(tmp_path, {}, display="repos/app/")
    assert repository_location(root, ()) == (Location("."), "")
    assert repository_location(root, ("a/b.txt",)) == (Location("a/b.txt", 1, 1), "a/b.txt")
    assert repository_location(root, ("a/b.txt", 7)) == (Location("a/b.txt", 7, 1), "a/b.txt")
    assert repository_location(nested, ("a.txt", 3, 9)) == (Location("repos/app/a.txt", 3, 9), "a.txt")
    assert repository_location(root, ("a.txt", 0, -1)) == (Location("a.txt", 1, 1), "a.txt")
    assert repository_location(root, (3,)) == (Location("."), "")


# --- the built-in repo/ pack ----------------------------------------------------------------------------

REPO_PACK = builtin_root() / "repo"


@pytest.mark.parametrize("path", sorted(REPO_PACK.glob("[!_]*.yaml")), ids=lambda p: p.name)
def test_builtin_repo_yaml_policies_are_valid(path: Path) -> None:
    doc = load(path.read_text()).documents[0].data
    validate_policy_document(doc, str(path))
    assert doc["target"]["type"] == REPOSITORY


def python_policy(slug: str) -> Any:
    definition = load_python_policy(REPO_PACK / f"{slug.replace('-', '_')}.py")
    return definition


def pack_check(slug: str, repository: Repository, **options: Any) -> list[Violation]:
    definition = python_policy(slug)
    policy = definition.build({**definition.defaults(), **options}, definition.info.severity)
    return list(policy.check(repository, CheckContext(policy.options)))


def module_of(slug: str) -> Any:
    import importlib.util

    path = REPO_PACK / f"{slug.replace('-', '_')}.py"
    spec = importlib.util.spec_from_file_location(f"repo_pack_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("# Title\n\nText.\n", True),
        ("# Title\n", False),
        ("Title\n=====\n", False),
        ("Title\n=====\n\nText.\n", True),
        ("My project\n", False),  # no heading: the first line is the title
        ("My project\n\nDoes things.\n", True),
        ("# T\n```sh\n# a shell comment\n```\n", True),  # a code block is content
        ("Title\n=====\n\nSection\n~~~~~~~\n", False),
        ("# T\n[![a][b]][c]\n\n[b]: https://x\n[c]: https://y\n", False),
        (
            "# T\n[![codecov](https://codecov.io/x.svg)][codecov] [![ci][ci-badge]](https://ci)\n\n[codecov]: https://c\n",
            False,
        ),
        ("# T\n[![a](https://x.svg)] [![b](https://y.svg)]\n", False),
        ("# T\n[![a](https://x.svg)][a] Fast, small, tested.\n", True),
        ('<p align="center"><img src="logo.png"></p>\n<h1>Tool</h1>\n', False),
        ("# T\n:warning: Deprecated, use the new tool.\n", True),
        ("= Title\n:toc: left\n", False),
        ("", False),
    ],
)
def test_readme_text_detection(text: str, expected: bool) -> None:
    assert module_of("readme").has_text(text) is expected


def test_readme_prefers_markdown_and_reports_the_first(tmp_path: Path) -> None:
    repository = make_repository(tmp_path, {"README": "Title\n", "readme.MD": "# Title\n", "docs/README.md": "x\ny\n"})
    assert module_of("readme").readme_candidates(repository) == ["readme.MD", "README"]
    assert pack_check("readme", repository) == [
        Violation("readme.MD holds only a title (and badges): say what the project is", ("readme.MD", 1))
    ]


def test_private_key_blocks_need_a_body_and_an_end() -> None:
    module = module_of("no-private-keys")
    body = "QUJD" * 30
    assert list(module.key_blocks(f"x\n-----BEGIN EC PRIVATE KEY-----\n{body}\n-----END EC PRIVATE KEY-----\n")) == [
        (2, "an EC private key")
    ]
    assert list(module.key_blocks(f"-----BEGIN PRIVATE KEY-----\n{body}\n")) == []  # no END line
    assert list(module.key_blocks("-----BEGIN PRIVATE KEY-----\n...\n-----END PRIVATE KEY-----")) == []
    assert list(module.key_blocks("-----BEGIN PRIVATE KEY-----\nQUJD\n-----END PRIVATE KEY-----")) == []  # too short
    escaped = '"-----BEGIN PRIVATE KEY-----\\n' + body + '\\n-----END PRIVATE KEY-----\\n"'
    assert list(module.key_blocks(escaped)) == [(1, "a PKCS#8 private key")]
    assert list(module.key_blocks(f"-----BEGIN FOO PRIVATE KEY-----\n{body}\n-----END FOO PRIVATE KEY-----")) == [
        (1, "a FOO private key")
    ]


@pytest.mark.parametrize(
    ("name", "is_env"),
    [
        (".env", True),
        (".env.local", True),
        (".env.production", True),
        ("prod.env", True),
        (".env.example", False),
        (".env.sample", False),
        (".env.template", False),
        ("example.env", False),
        (".env.dist", False),
        (".envrc", False),
        ("env", False),
    ],
)
def test_env_file_names(name: str, is_env: bool) -> None:
    assert module_of("no-private-keys").env_file(name) is is_env


def test_env_assignments_ignore_empty_values_comments_and_references() -> None:
    text = """\
# A=1
EMPTY=
QUOTED_EMPTY=""
SINGLE_EMPTY=''
COMMENT_ONLY= # later
REFERENCE=${OTHER}
BARE_REFERENCE=$OTHER
export TOKEN="abc" # quoted
PLAIN=value # comment
HASH_IN_QUOTES='#x'
not an assignment
"""
    assert module_of("no-private-keys").env_assignments(text) == [(8, "TOKEN"), (9, "PLAIN"), (10, "HASH_IN_QUOTES")]


def test_no_private_keys_skips_binary_formats_and_excluded_paths(tmp_path: Path) -> None:
    block = "-----BEGIN PRIVATE KEY-----\n" + "QUJD" * 30 + "\n-----END PRIVATE KEY-----\n"
    repository = make_repository(
        tmp_path, {"image.png": block, "fixtures/key.pem": block, "real.pem": block, "id_rsa.pub": "ssh-rsa AAAA"}
    )
    violations = pack_check("no-private-keys", repository, exclude=["fixtures/"])
    assert [v.path for v in violations] == [("real.pem", 1)]
    assert violations[0].message == "real.pem holds a PKCS#8 private key"


def test_no_large_files_sizes_and_lfs_patterns(tmp_path: Path) -> None:
    repository = make_repository(
        tmp_path,
        {
            ".gitattributes": "*.bin filter=lfs diff=lfs merge=lfs -text\n# *.csv filter=lfs\n",
            "models/.gitattributes": "weights/** filter=lfs\n",
            "a.bin": "x" * 3000,
            "data.csv": "x" * 3000,
            "models/weights/w.dat": "x" * 3000,
            "weights/w.dat": "x" * 3000,
        },
    )
    module = module_of("no-large-files")
    assert module.lfs_patterns(repository) == ["*.bin", "/models/weights/**"]
    violations = pack_check("no-large-files", repository, **{"max-bytes": 2048})
    assert [v.path for v in violations] == [("data.csv",), ("weights/w.dat",)]
    assert violations[0].message == "data.csv is 2.9 KiB (3,000 bytes), over the limit of 2.0 KiB"
    assert module.MIB * 5 == 5_242_880 == python_policy("no-large-files").defaults()["max-bytes"]


def test_slo_defined_recognises_helm_templates_that_do_not_parse(tmp_path: Path) -> None:
    template = """\
    {{- if .Values.enabled }}
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: {{ include "app.fullname" . }}
    {{- end }}
    """
    service = make_repository(tmp_path / "a", {"chart/templates/deployment.yaml": template})
    assert [v.message for v in pack_check("slo-defined", service)] == [
        "the repository deploys a service (Deployment in chart/templates/deployment.yaml) but defines no SLO"
    ]
    slo = """\
    {{- range .Values.slos }}
    apiVersion: openslo/v1
    kind: SLO
    {{- end }}
    """
    covered = make_repository(
        tmp_path / "b", {"chart/templates/deployment.yaml": template, "chart/templates/slo.yaml": slo}
    )
    assert pack_check("slo-defined", covered) == []
    nested = make_repository(tmp_path / "c", {"notes.yaml": "docs:\n  kind: Deployment\n  apiVersion: x\n"})
    assert pack_check("slo-defined", nested) == []  # not a top-level kind: not a manifest


def test_codeowners_findings_have_line_independent_keys(tmp_path: Path) -> None:
    text = "* @a\n/x/ bad\n/y/ bad\n\n/z/\n"
    before = pack_check("codeowners", make_repository(tmp_path / "a", {"CODEOWNERS": text}))
    after = pack_check("codeowners", make_repository(tmp_path / "b", {"CODEOWNERS": "# moved\n" + text}))
    assert [v.key for v in before] == [v.key for v in after]
    assert len({v.key for v in before}) == len(before) == 3
    assert [v.path[1] for v in after] == [3, 4, 6]


def test_repo_checks_do_not_import_yaml_policies() -> None:
    import subprocess
    import sys

    code = "import sys, conformance.catalog.repo_checks; assert 'conformance.catalog.yaml_policy' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
