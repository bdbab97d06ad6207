from __future__ import annotations

import textwrap
from pathlib import Path

from conformance.catalog.python_policy import load_python_policy
from conformance.engine import ScanOptions, scan
from conformance.inputs import InputFile
from conformance.model import INVALID_OBJECT, PARSE_ERROR, POLICY_ERROR

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  namespace: shop
spec:
  replicas: {replicas}
  template:
    metadata:
      labels: {{app: {name}}}
    spec:
      containers:
      - name: app
        image: shop/{name}:1.0
"""

POLICIES = {
    "replicas.py": """
from conformance.model import Violation
ID = "t/replicas"
TITLE = "replicas"
SEVERITY = "error"
KINDS = ("Deployment",)
def check(resource, ctx):
    if resource.data["spec"].get("replicas", 1) < 2:
        yield Violation("too few replicas", ("spec", "replicas"))
""",
    "crashy.py": """
ID = "t/crashy"
TITLE = "crashes on one name"
SEVERITY = "error"
def check(resource, ctx):
    if resource.name == "boom":
        raise RuntimeError("kaput")
    return ()
""",
    "malformed.py": """
ID = "t/malformed"
TITLE = "yields garbage on one name"
SEVERITY = "error"
def check(resource, ctx):
    if resource.name == "odd":
        yield "not a violation"
""",
    "pairs.py": """
from conformance.model import Violation
ID = "t/pairs"
TITLE = "every Deployment needs a Service with the same name"
SEVERITY = "warning"
SCOPE = True
KINDS = ("Deployment",)
LOCATE = [("metadata", "name")]
def facts(resource):
    return resource.kind if resource.kind in ("Deployment", "Service") else None
def check(subject, ctx):
    if not any(e.kind == "Service" and e.name == subject.name for e in ctx.scope.same_namespace(subject.namespace)):
        yield Violation("no service", ("metadata", "name"))
""",
}


def policies(tmp_path: Path, *names: str):
    built = []
    for name in names:
        path = tmp_path / "pol" / name
        path.parent.mkdir(exist_ok=True)
        path.write_text(textwrap.dedent(POLICIES[name]))
        built.append(load_python_policy(path).build({}, load_python_policy(path).info.severity))
    return built


def write(tmp_path: Path, name: str, text: str) -> InputFile:
    path = tmp_path / name
    path.write_text(text)
    return InputFile(str(path), name)


def test_findings_carry_exact_location_resource_and_path(tmp_path: Path) -> None:
    files = [write(tmp_path, "a.yaml", DEPLOYMENT.format(name="web", replicas=1))]
    result = scan(files, policies(tmp_path, "replicas.py"), ScanOptions(jobs=1))
    (finding,) = result.findings
    assert (finding.location.file, finding.location.line, finding.location.column) == ("a.yaml", 7, 3)
    assert str(finding.resource) == "Deployment/shop/web"
    assert finding.path == "spec.replicas"
    assert result.exit_code == 1


def test_fingerprint_ignores_lines_but_not_file(tmp_path: Path) -> None:
    text = DEPLOYMENT.format(name="web", replicas=1)
    first = scan([write(tmp_path, "a.yaml", text)], policies(tmp_path, "replicas.py"), ScanOptions(jobs=1))
    moved = scan(
        [write(tmp_path, "a.yaml", "# comment\n\n" + text)], policies(tmp_path, "replicas.py"), ScanOptions(jobs=1)
    )
    other = scan([write(tmp_path, "b.yaml", text)], policies(tmp_path, "replicas.py"), ScanOptions(jobs=1))
    (moved_finding,), (first_finding,), (other_finding,) = moved.findings, first.findings, other.findings
    assert moved_finding.location.line == first_finding.location.line + 2
    assert moved_finding.fingerprint == first_finding.fingerprint
    assert other_finding.fingerprint != first_finding.fingerprint


def test_a_crashing_or_malformed_policy_is_isolated(tmp_path: Path) -> None:
    text = "---\n".join(DEPLOYMENT.format(name=n, replicas=1) for n in ("boom", "odd", "fine"))
    files = [write(tmp_path, "a.yaml", text)]
    result = scan(files, policies(tmp_path, "replicas.py", "crashy.py", "malformed.py"), ScanOptions(jobs=1))
    assert len(result.findings) == 3  # t/replicas still ran on every resource
    messages = sorted(e.message for e in result.errors)
    assert len(messages) == 2
    assert all(e.policy_id == POLICY_ERROR for e in result.errors)
    assert "policy t/crashy failed on Deployment/shop/boom: RuntimeError: kaput" in messages
    assert messages[1].startswith("policy t/malformed yielded a malformed violation")
    assert result.exit_code == 2


def test_bad_files_do_not_lose_other_findings(tmp_path: Path) -> None:
    files = [
        write(tmp_path, "bad.yaml", "a: [\n"),
        write(tmp_path, "shape.yaml", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers: {a: 1}\n"),
        write(tmp_path, "good.yaml", DEPLOYMENT.format(name="web", replicas=1)),
    ]
    (tmp_path / "binary.yaml").write_bytes(b"a: \xff\xfe\n")
    files.append(InputFile(str(tmp_path / "binary.yaml"), "binary.yaml"))
    result = scan(files, policies(tmp_path, "replicas.py"), ScanOptions(jobs=1))
    assert [(f.location.file, f.location.line) for f in result.findings] == [("good.yaml", 7)]
    errors = {(e.policy_id, e.location.file, e.location.line) for e in result.errors}
    assert errors == {
        (PARSE_ERROR, "bad.yaml", 2),
        (INVALID_OBJECT, "shape.yaml", 6),
        (PARSE_ERROR, "binary.yaml", 1),
    }
    assert result.exit_code == 2


def test_file_over_the_size_limit_is_not_read(tmp_path: Path) -> None:
    files = [write(tmp_path, "big.yaml", "a: " + "x" * 2000 + "\n")]
    result = scan(files, (), ScanOptions(jobs=1, max_file_size=1000))
    assert "over the 1000-byte limit" in result.errors[0].message


def test_parallel_scan_matches_serial_and_scope_spans_files(tmp_path: Path) -> None:
    files = [write(tmp_path, f"d{i}.yaml", DEPLOYMENT.format(name=f"app{i}", replicas=i % 3)) for i in range(70)]
    service = "apiVersion: v1\nkind: Service\nmetadata:\n  name: app{i}\n  namespace: shop\n"
    files += [write(tmp_path, f"s{i}.yaml", service.format(i=i)) for i in range(0, 70, 2)]
    chosen = policies(tmp_path, "replicas.py", "pairs.py")
    serial = scan(files, chosen, ScanOptions(jobs=1))
    parallel = scan(files, chosen, ScanOptions(jobs=2))
    assert list(serial.findings) == list(parallel.findings)
    pairs = [f for f in serial.findings if f.policy_id == "t/pairs"]
    assert len(pairs) == 35
    assert {(f.location.line, f.location.column) for f in pairs} == {(4, 3)}
    assert serial.stats.files == parallel.stats.files == 105


def test_stdin_is_scanned(tmp_path: Path) -> None:
    data = DEPLOYMENT.format(name="web", replicas=1).encode()
    result = scan([], policies(tmp_path, "replicas.py"), ScanOptions(), stdin=data)
    assert [(f.location.file, f.location.line) for f in result.findings] == [("<stdin>", 7)]


def test_inherited_pod_value_gives_one_finding_per_container_with_distinct_fingerprints(
    tmp_path: Path, builtin_definitions
) -> None:
    from conformance.catalog.select import configure

    text = """\
apiVersion: v1
kind: Pod
metadata:
  name: two
spec:
  securityContext:
    runAsUser: 0
  containers:
  - name: a
    image: a:1
  - name: b
    image: b:1
"""
    chosen = configure(builtin_definitions, enable=["k8s/run-as-non-root"])
    result = scan([write(tmp_path, "pod.yaml", text)], chosen, ScanOptions(jobs=1))
    assert [(f.location.line, f.location.column) for f in result.findings] == [(7, 5), (7, 5)]
    assert sorted(f.message.split(" runs as root")[0] for f in result.findings) == ["container 'a'", "container 'b'"]
    assert len({f.fingerprint for f in result.findings}) == 2


def test_entry_point_policy_pack_is_discovered(tmp_path: Path) -> None:
    import subprocess
    import sys

    pack = tmp_path / "site" / "acme_pack"
    pack.mkdir(parents=True)
    (pack / "__init__.py").write_text("")
    (pack / "no_configmaps.py").write_text(
        textwrap.dedent('''
        """ConfigMaps are banned here."""
        from conformance.model import Violation
        ID = "acme/no-configmaps"
        TITLE = "No ConfigMaps"
        SEVERITY = "error"
        KINDS = ("ConfigMap",)
        def check(resource, ctx):
            yield Violation("ConfigMaps are banned", ("kind",))
    ''')
    )
    dist = tmp_path / "site" / "acme_pack-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-pack\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[conformance.policies]\nacme = acme_pack\n")
    manifest = tmp_path / "cm.yaml"
    manifest.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n")
    env = {**__import__("os").environ, "PYTHONPATH": str(tmp_path / "site")}
    result = subprocess.run(
        [sys.executable, "-m", "conformance", "scan", str(manifest), "--policy", "acme"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    assert result.returncode == 1, result.stderr
    assert "cm.yaml:2:1 error acme/no-configmaps ConfigMaps are banned (ConfigMap/x)" in result.stdout


def test_scope_policies_give_the_same_findings_from_the_database(tmp_path: Path, monkeypatch) -> None:
    from conformance.engine import run
    from conformance.scope import ScopeStore

    files = [write(tmp_path, f"d{i}.yaml", DEPLOYMENT.format(name=f"app{i}", replicas=2)) for i in range(6)]
    service = "apiVersion: v1\nkind: Service\nmetadata:\n  name: app{i}\n  namespace: shop\n"
    files += [write(tmp_path, f"s{i}.yaml", service.format(i=i)) for i in range(0, 6, 2)]
    chosen = policies(tmp_path, "pairs.py")
    in_memory = list(scan(files, chosen, ScanOptions(jobs=1)).findings)
    monkeypatch.setattr(run, "ScopeStore", lambda: ScopeStore(spill_after=0))
    from_database = list(scan(files, chosen, ScanOptions(jobs=1)).findings)
    assert in_memory == from_database
    assert [f.location.file for f in in_memory] == ["d1.yaml", "d3.yaml", "d5.yaml"]


def test_evaluations_are_recorded_on_request_in_report_order(tmp_path: Path) -> None:
    files = [write(tmp_path, f"d{i}.yaml", DEPLOYMENT.format(name=f"app{i}", replicas=1)) for i in range(70)]
    chosen = policies(tmp_path, "replicas.py", "crashy.py")
    assert scan(files, chosen, ScanOptions(jobs=1)).evaluations == ()
    serial = scan(files, chosen, ScanOptions(jobs=1, record_evaluations=True)).evaluations
    parallel = scan(files, chosen, ScanOptions(jobs=2, record_evaluations=True)).evaluations
    assert serial == parallel
    assert [e.file for e in serial] == sorted(f"d{i}.yaml" for i in range(70))
    assert serial[0].policies == ("t/replicas", "t/crashy")
    assert str(serial[0].resource) == "Deployment/shop/app0"


def test_fingerprints_do_not_depend_on_the_directory_the_scan_starts_in(tmp_path: Path, monkeypatch) -> None:
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "k8s").mkdir()
    (repo / "k8s" / "app.yaml").write_text(DEPLOYMENT.format(name="web", replicas=1))
    chosen = policies(tmp_path, "replicas.py")
    prints = []
    for cwd, display in ((repo, "k8s/app.yaml"), (repo / "k8s", "app.yaml"), (tmp_path, "repo/k8s/app.yaml")):
        monkeypatch.chdir(cwd)
        (finding,) = scan([InputFile(display, display)], chosen, ScanOptions(jobs=1)).findings
        assert finding.location.file == display
        prints.append(finding.fingerprint)
    assert len(set(prints)) == 1
