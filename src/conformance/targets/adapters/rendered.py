"""The Kubernetes objects of a rendered Helm chart: checked as objects, reported at the template they came from.

It is the Kubernetes adapter with other places: each document of ``helm template`` output is preceded by
``# Source: <chart>/templates/<file>``, so a finding names that template file and, when the offending key is
written there, its line (else the template's first line). It is made per rendered stream, not registered:
its policies are the Kubernetes ones.
"""

from __future__ import annotations

import os
from collections.abc import Hashable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from conformance.model import Location, Origin, Path
from conformance.targets import helm
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


@dataclass(frozen=True)
class RenderedAdapter:
    rendered: helm.Rendered
    name: str = KUBERNETES.name
    reads: str = YAML_FORMAT
    syntax: str = "yaml"
    default_files: tuple[str, ...] = ()
    needs_files: bool = False
    cross_resource: bool = True
    walks_manifests: bool = False
    kubernetes: KubernetesAdapter = KUBERNETES
    """The Kubernetes adapter of the scan (with the configuration's workloads)."""
    _sources: list[tuple[int, str]] = field(default_factory=list, init=False, repr=False, compare=False)
    _templates: dict[str, TemplateFile] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._sources.extend(helm.sources(self.rendered.text))

    def meets(self, path: str, is_directory: bool, diff_aware: bool) -> bool:
        return False  # made for a rendered stream, never chosen by the paths of a run

    def subjects(self, document: Any, origin: Origin, relative: str) -> Iterator[Subject]:
        yield from self.kubernetes.subjects(document, origin, relative)

    def selection_key(self, subject: Subject, relative: str) -> Hashable:
        return self.kubernetes.selection_key(subject, relative)

    def selects(self, policy: Policy, subject: Subject, relative: str) -> bool:
        return self.kubernetes.selects(policy, subject, relative)

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

        inner = KUBERNETES.place(subject, path)
        template = self.template_of(subject)
        if template is None:
            return inner
        keys = [step for step in (*subject.base_path, *path) if isinstance(step, str)]
        line = helm.line_in_template(template.text, keys) if template.text and keys else None
        return Place(Location(template.display, line or 1), inner.label, origin_of(template.display))

    def fault_location(self, subject: Subject) -> Location:
        return self.place(subject, ()).location

    def exact_location(self, subject: Subject, path: Path) -> Location | None:
        if KUBERNETES.exact_location(subject, path) is None:
            return None
        return self.place(subject, path).location

    def container(self, subject: Subject, path: Path, key: str) -> str | None:
        return KUBERNETES.container(subject, path, key)
