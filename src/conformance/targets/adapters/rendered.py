"""The Kubernetes objects of a rendered Helm chart: checked as objects, reported at the template they came from.

It is the Kubernetes adapter with other places: each document of ``helm template`` output is preceded by
``# Source: <chart>/templates/<file>``, so a finding names that template file and, when the offending key is
written there, its line (else the template's first line). It is made per rendered stream, not registered:
its policies are the Kubernetes ones.
"""

from __future__ import annotations

import os
from collections.abc import Hashable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from conformance.model import Location, Origin, Path
from conformance.targets import helm, kustomize
from conformance.targets.adapters import YAML_FORMAT, Subject
from conformance.targets.adapters.kubernetes import KUBERNETES, KubernetesAdapter

if TYPE_CHECKING:
    from conformance.catalog.policy import Policy
    from conformance.engine.findings import Place


@dataclass(frozen=True)
class TemplateFile:
    """Where a rendered document's template is: how reports name it, and its text when it could be read."""

    display: str
    text: str | None


class _RenderedObjects:
    """What both rendered adapters share: they are the scan's Kubernetes adapter with other places, made per
    rendered stream, never chosen by the paths of a run. Each sets ``kubernetes`` and defines ``place``."""

    name = KUBERNETES.name
    reads = YAML_FORMAT
    syntax = "yaml"
    default_files: tuple[str, ...] = ()
    needs_files = False
    cross_resource = True
    walks_manifests = False
    kubernetes: KubernetesAdapter

    if TYPE_CHECKING:

        def place(self, subject: Subject, path: Path) -> Place: ...

    def meets(self, path: str, is_directory: bool, diff_aware: bool) -> bool:
        return False

    def selection_key(self, subject: Subject, relative: str) -> Hashable:
        return self.kubernetes.selection_key(subject, relative)

    def selects(self, policy: Policy, subject: Subject, relative: str) -> bool:
        return self.kubernetes.selects(policy, subject, relative)

    def fault_location(self, subject: Subject) -> Location:
        return self.place(subject, ()).location

    def exact_location(self, subject: Subject, path: Path) -> Location | None:
        if self.kubernetes.exact_location(subject, path) is None:
            return None
        return self.place(subject, path).location

    def container(self, subject: Subject, path: Path, key: str) -> str | None:
        return self.kubernetes.container(subject, path, key)


@dataclass(frozen=True)
class RenderedAdapter(_RenderedObjects):
    rendered: helm.Rendered
    kubernetes: KubernetesAdapter = KUBERNETES
    """The Kubernetes adapter of the scan (with the configuration's workloads)."""
    _sources: list[tuple[int, str]] = field(default_factory=list, init=False, repr=False, compare=False)
    _templates: dict[str, TemplateFile] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._sources.extend(helm.sources(self.rendered.text))

    def subjects(self, document: Any, origin: Origin, relative: str) -> Iterator[Subject]:
        yield from self.kubernetes.subjects(document, origin, relative)

    def template_of(self, subject: Subject) -> TemplateFile | None:
        """The template a subject was rendered from, if its document names one."""
        source = helm.source_for(self._sources, subject.source.node.start_mark.line + 1)
        if source is None:
            return None
        known = self._templates.get(source)
        if known is None:
            known = self._templates[source] = self._resolve(source)
        return known

    def _resolve(self, source: str) -> TemplateFile:
        relative = helm.template_path(source)
        root, prefix = self.rendered.chart_root, self.rendered.chart_display
        if root is None:  # standard input: the chart named by the source, if it is here
            name = source.replace("\\", "/").split("/", 1)[0]
            if name and name != ".." and os.path.isfile(os.path.join(name, helm.CHART_FILE)):
                root, prefix = name, name
            elif os.path.isfile(helm.CHART_FILE):
                root, prefix = ".", ""
            else:
                return TemplateFile(source, None)
        display = f"{prefix.rstrip('/')}/{relative}" if prefix not in ("", ".") else relative
        return TemplateFile(display, helm.read_template(root, relative))

    def place(self, subject: Subject, path: Path) -> Place:
        from conformance.engine.findings import Place, origin_of

        inner = self.kubernetes.place(subject, path)
        template = self.template_of(subject)
        if template is None:
            return inner
        keys = [step for step in (*subject.base_path, *path) if isinstance(step, str)]
        line = helm.line_in_template(template.text, keys) if template.text and keys else None
        return Place(Location(template.display, line or 1), inner.label, origin_of(template.display))


@dataclass(frozen=True)
class BuiltAdapter(_RenderedObjects):
    """The objects of a Kustomize build, reported in the file each came from (its origin annotation), at the
    position of the offending path in that file's matching object (patched-in values at its nearest parent)."""

    built: kustomize.Built
    tree: str
    """Source files are read only inside this directory."""
    kubernetes: KubernetesAdapter = KUBERNETES
    """The Kubernetes adapter of the scan (with the configuration's workloads)."""
    _origins: dict[int, str] = field(default_factory=dict, init=False, repr=False, compare=False)
    _files: dict[str, tuple[TemplateFile, Any]] = field(default_factory=dict, init=False, repr=False, compare=False)

    def subjects(self, document: Any, origin: Origin, relative: str) -> Iterator[Subject]:
        source = kustomize.take_origin(document.data, self.built.wrapper)
        if source is not None:
            self._origins[document.index] = source
        yield from self.kubernetes.subjects(document, origin, relative)

    def _source(self, subject: Subject) -> tuple[TemplateFile, Any] | None:
        path = self._origins.get(subject.origin.document if subject.origin.document is not None else -1)
        if path is None:
            return None
        known = self._files.get(path)
        if known is None:
            known = self._files[path] = self._read(path)
        return known

    def _read(self, path: str) -> tuple[TemplateFile, Any]:
        from conformance import yamlio
        from conformance.inputs import display_path

        display = display_path(path, os.getcwd())
        text = helm.read_template(self.tree, os.path.relpath(path, self.tree))
        loaded = yamlio.load(text).documents if text is not None else ()
        return TemplateFile(display, text), loaded

    def template_of(self, subject: Subject) -> TemplateFile | None:
        found = self._source(subject)
        return found[0] if found else None

    def place(self, subject: Subject, path: Path) -> Place:
        from conformance import yamlio
        from conformance.engine.findings import Place, origin_of
        from conformance.targets.adapters.kubernetes import span_location

        inner = self.kubernetes.place(subject, path)
        found = self._source(subject)
        if found is None:
            return inner
        source, documents = found
        document = _matching_document(documents, subject)
        if document is None:
            location = Location(source.display)
        else:
            location = span_location(source.display, yamlio.locate(document.node, path))
        return Place(location, inner.label, origin_of(source.display))


def _matching_document(documents: Any, subject: Subject) -> Any:
    """The document of a source file holding the subject's object: same kind and name (a name prefix or suffix
    of the overlay allowed), else the only one of that kind."""
    resource = subject.resource
    same_kind = [d for d in documents if isinstance(d.data, Mapping) and d.data.get("kind") == subject.kind]
    for document in same_kind:
        metadata = document.data.get("metadata")
        name = metadata.get("name") if isinstance(metadata, Mapping) else None
        if resource is not None and isinstance(name, str) and name and name in resource.name:
            return document
    return same_kind[0] if len(same_kind) == 1 else None


def adapter_for_rendered(
    rendered: helm.Rendered | kustomize.Built, tree: str = "", kubernetes: KubernetesAdapter = KUBERNETES
) -> Any:
    """The adapter that places the objects of a rendered stream: a chart's or a Kustomize build's (read with
    ``kubernetes``, the scan's Kubernetes adapter)."""
    if isinstance(rendered, kustomize.Built):
        return BuiltAdapter(rendered, tree or rendered.root, kubernetes=kubernetes)
    return RenderedAdapter(rendered, kubernetes=kubernetes)
