"""The policy author's view: only ``conformance.api`` is imported, policies are written to disk and run by
the real scan (the command line, in a subprocess), exactly as a user's ``--policy-dir`` pack would be."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import conformance.api as api

NO_LATEST = '''\
"""Images must not use the ``latest`` tag (or no tag at all)."""

from __future__ import annotations

from collections.abc import Iterator

from conformance.api import CheckContext, Resource, Violation, containers, split_reference

ID = "acme/no-latest"
TITLE = "Images must not use the latest tag"
SEVERITY = "error"
OPTIONS = {"tag": {"default": "latest", "description": "the forbidden tag", "schema": {"type": "string"}}}


def check(resource: Resource, ctx: CheckContext) -> Iterator[Violation]:
    for container in containers(resource):
        image = container.data.get("image")
        if not isinstance(image, str):
            continue
        _, tag, digest = split_reference(image)
        if digest is None and tag in (None, ctx.options["tag"]):
            yield Violation(f"{container.label} uses image '{image}'", (*container.path, "image"))
'''

NEEDS_CONFIGMAP = '''\
"""Every ConfigMap a workload mounts must be defined in the scan."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from conformance.api import CheckContext, Resource, ScopeEntry, Violation, pod_spec

ID = "acme/configmap-exists"
TITLE = "Mounted ConfigMaps must exist"
SEVERITY = "warning"
SCOPE = True
KINDS = ("Deployment",)
LOCATE = (("spec", "template", "spec", "volumes"),)


def facts(resource: Resource) -> dict[str, Any] | None:
    if resource.kind == "ConfigMap":
        return {"name": resource.name}
    spec = pod_spec(resource)
    if spec is None:
        return None
    names = [v["configMap"]["name"] for v in spec.get("volumes") or () if "configMap" in v]
    return {"mounts": names}


def _names(entry: ScopeEntry) -> Iterable[str]:
    return (entry.facts["name"],) if "name" in entry.facts else ()


def check(subject: ScopeEntry, ctx: CheckContext) -> Iterator[Violation]:
    assert ctx.scope is not None
    for name in subject.facts.get("mounts", ()):
        if not any(True for _ in ctx.scope.lookup("configmaps", _names, name, subject.namespace)):
            yield Violation(f"ConfigMap '{name}' is not defined", ("spec", "template", "spec", "volumes"))
'''

MANIFEST = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
        - name: app
          image: nginx:latest
        - name: sidecar
          image: envoy:1.30
      volumes:
        - name: settings
          configMap:
            name: settings
        - name: extra
          configMap:
            name: missing
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
"""


def test_every_public_name_resolves() -> None:
    assert len(set(api.__all__)) == len(api.__all__)
    for name in api.__all__:
        assert getattr(api, name) is not None, name
    assert set(api.__all__) <= set(dir(api))


def test_importing_the_api_loads_no_helper_module() -> None:
    code = "import sys, conformance.api; print(sorted(m for m in sys.modules if m.startswith('conformance')))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "['conformance', 'conformance.api']"
    for heavy in ("yaml", "jsonschema", "pathspec"):
        code = f"import sys, conformance.api; assert {heavy!r} not in sys.modules"
        subprocess.run([sys.executable, "-c", code], check=True)


def test_policies_written_against_the_api_run_in_a_real_scan(tmp_path: Path) -> None:
    pack = tmp_path / "policies" / "acme"
    pack.mkdir(parents=True)
    (pack / "no_latest.py").write_text(NO_LATEST)
    (pack / "configmap_exists.py").write_text(NEEDS_CONFIGMAP)
    (tmp_path / "app.yaml").write_text(MANIFEST)
    command = [
        *(sys.executable, "-m", "conformance", "scan", "--no-color", "-f", "json"),
        *("--policy-dir", str(tmp_path / "policies"), "--policy", "acme/", "app.yaml"),
    ]
    run = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True)
    assert run.returncode == 1, run.stderr
    report = json.loads(run.stdout)
    assert report["errors"] == []
    found = sorted((f["policy"], f["location"]["line"], f["message"]) for f in report["findings"])
    assert found == [
        ("acme/configmap-exists", 13, "ConfigMap 'missing' is not defined"),
        ("acme/no-latest", 10, "container 'app' uses image 'nginx:latest'"),
    ]


def test_the_module_docstring_documents_the_api() -> None:
    doc = textwrap.dedent(api.__doc__ or "")
    for name in ("Violation", "CheckContext", "Resource", "ScopeEntry", "Repository", "Dockerfile"):
        assert name in doc
