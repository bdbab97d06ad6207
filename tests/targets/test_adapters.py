"""Target adapters: one registry for every target, and what each says about places, containers and files."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance import yamlio
from conformance.catalog.policy import DEFAULT_FILES, TARGETS
from conformance.engine.findings import origin_of
from conformance.model import Location, Origin
from conformance.targets import dockerfile
from conformance.targets.adapters import ADAPTERS, BY_NAME, adapter_for, path_label, read_format
from conformance.targets.adapters.kubernetes import container_in_key, container_on_path
from conformance.targets.repo import open_repository

LIST = """\
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Pod
  metadata:
    name: web
  spec:
    containers:
    - name: app
      image: a:1
    - image: b:1
- apiVersion: v1
  kind: Pod
  metadata: {}
  spec: 3
"""


def _subjects(target: str, text: str, display: str = "x.yaml") -> list:
    adapter = adapter_for(target)
    parsed = read_format(adapter.reads, text, display)
    origin = Origin(display, display)
    return [s for document in parsed.documents for s in adapter.subjects(document, origin, display)]


def test_the_registry_is_the_catalog_s_list_of_targets() -> None:
    assert TARGETS == tuple(a.name for a in ADAPTERS) == ("kubernetes", "yaml", "dockerfile", "repository")
    assert set(BY_NAME) == set(TARGETS)
    assert {"dockerfile": adapter_for("dockerfile").default_files} == DEFAULT_FILES
    for adapter in ADAPTERS:
        assert adapter.syntax in ("yaml", "dockerfile")
        assert not (adapter.needs_files and adapter.walks_manifests)


def test_kubernetes_subjects_are_list_items_with_their_place_in_the_document() -> None:
    good, bad = _subjects("kubernetes", LIST)
    assert (good.resource.kind, good.resource.name, good.base_path) == ("Pod", "web", ("items", 0))
    assert good.origin.document == 0 and not good.problems
    adapter = adapter_for("kubernetes")
    place = adapter.place(good, ("spec", "containers", 1, "image"))
    assert place.location == Location("x.yaml", 12, 7, 12, 17)  # from the key to the end of its value
    assert place.label == "spec.containers[1].image"
    assert adapter.fault_location(good).line == 4
    assert adapter.exact_location(good, ("spec", "containers", 0)) is not None
    assert adapter.exact_location(good, ("spec", "missing")) is None
    assert bad.problems and bad.problems[0][1].startswith("invalid Pod: ")


def test_the_container_of_a_violation_comes_from_its_key_else_from_its_path() -> None:
    good = _subjects("kubernetes", LIST)[0]
    adapter = adapter_for("kubernetes")
    assert adapter.container(good, ("spec", "containers", 0, "image"), "") == "app"
    assert adapter.container(good, ("spec", "containers", 1, "image"), "") == "1"  # unnamed: its index
    assert adapter.container(good, ("spec", "securityContext"), "containers[app]") == "app"
    assert adapter.container(good, ("spec",), "") is None
    assert container_in_key("initContainers[setup]") == "setup"
    assert container_in_key("containers[]") is None
    assert container_in_key("other") is None
    assert container_on_path({"spec": {"initContainers": [{"name": 5}]}}, ("spec", "initContainers", 0)) == "0"


def test_yaml_documents_place_paths_from_the_document_root() -> None:
    (subject,) = _subjects("yaml", "on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n")
    place = adapter_for("yaml").place(subject, ("jobs", "build", "runs-on"))
    assert (place.location.line, place.location.column, place.label) == (4, 5, "jobs.build.runs-on")
    assert adapter_for("yaml").fault_location(subject) == Location("x.yaml")


def test_dockerfile_places_are_instructions_and_a_bad_index_falls_back_to_the_file() -> None:
    (subject,) = _subjects("dockerfile", "FROM alpine:3\nRUN true \\\n  && false\n", "Dockerfile")
    adapter = adapter_for("dockerfile")
    place = adapter.place(subject, (1,))
    assert (place.location.line, place.location.end_line) == (2, 3)
    assert place.label.startswith("stage 0: RUN")
    assert adapter.place(subject, (7,)).location == Location("Dockerfile")
    assert adapter.place(subject, ()).label == ""
    assert isinstance(subject.target, dockerfile.Dockerfile)


def test_repository_places_name_a_file_and_carry_that_file_s_origin(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "README.md").write_text("# x\n")
    repository = open_repository(str(tmp_path), ".")
    adapter = adapter_for("repository")
    (subject,) = adapter.subjects(repository, origin_of("."), "")
    place = adapter.place(subject, ("README.md", 3, 2))
    assert place.location == Location("README.md", 3, 2)
    assert (place.label, place.origin.path) == ("README.md", "README.md")
    assert adapter.place(subject, ()).location == Location(".")


@pytest.mark.parametrize(
    ("path", "directory", "diff_aware", "expected"),
    [
        ("deploy.yaml", False, False, {"kubernetes"}),
        (".github/workflows/ci.yml", False, False, {"kubernetes", "yaml"}),
        ("Dockerfile", False, False, {"kubernetes", "dockerfile"}),
        ("Dockerfile.md", False, False, {"kubernetes"}),
        ("repo", True, False, {"kubernetes", "yaml", "dockerfile", "repository"}),
        ("repo", True, True, {"kubernetes", "yaml", "dockerfile"}),
    ],
)
def test_each_adapter_says_whether_a_run_can_meet_it(path: str, directory: bool, diff_aware: bool, expected) -> None:
    met = {a.name for a in ADAPTERS if a.walks_manifests or a.meets(path, directory, diff_aware)}
    assert met == expected


def test_path_labels_name_list_items_by_their_name() -> None:
    data = yamlio.load("spec:\n  containers:\n  - name: web\n  - image: x\n").documents[0].data
    assert path_label(data, ("spec", "containers", 0, "image")) == "spec.containers[web].image"
    assert path_label(data, ("spec", "containers", 1)) == "spec.containers[1]"
    assert path_label(data, ("spec", "containers", 9)) == "spec.containers[9]"
