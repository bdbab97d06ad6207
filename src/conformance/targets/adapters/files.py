"""File targets: each YAML document of the files a policy's ``FILES`` select, and each selected Dockerfile."""

from __future__ import annotations

import os
from collections.abc import Hashable, Iterator
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from conformance import yamlio
from conformance.model import Location, Origin, Path
from conformance.targets.adapters import DOCKERFILE_FORMAT, YAML_FORMAT, Subject, path_label
from conformance.targets.adapters.kubernetes import span_location

if TYPE_CHECKING:
    from conformance.catalog.policy import Policy
    from conformance.engine.findings import Place

DOCKERFILE_FILES = (
    "Dockerfile",
    "Dockerfile.*",
    "*.dockerfile",
    "Containerfile",
    "Containerfile.*",
    # not Dockerfiles: BuildKit's per-Dockerfile ignore files, templates, docs, editor leftovers
    "!*.dockerignore",
    "!*.containerignore",
    "!*.md",
    "!*.txt",
    "!*.j2",
    "!*.jinja",
    "!*.jinja2",
    "!*.tmpl",
    "!*.tpl",
    "!*.template",
    "!*.erb",
    "!*.in",
    "!*.orig",
    "!*.bak",
    "!*.swp",
    "!*~",
)
"""The default ``FILES`` of Dockerfile policies (gitignore-style, relative to the repository root)."""


class _FilePolicies:
    """What both file targets share: policies select files by their ``FILES`` globs."""

    def selection_key(self, subject: Subject, relative: str) -> Hashable:
        return relative

    def selects(self, policy: Policy, subject: Subject, relative: str) -> bool:
        return policy.applies_to_file(relative)

    def fault_location(self, subject: Subject) -> Location:
        return Location(subject.origin.display)

    def exact_location(self, subject: Subject, path: Path) -> Location | None:
        return None

    def container(self, subject: Subject, path: Path, key: str) -> str | None:
        return None


class YamlDocumentAdapter(_FilePolicies):
    name = "yaml"
    reads = YAML_FORMAT
    syntax = "yaml"
    default_files = ()
    needs_files = True
    cross_resource = False
    walks_manifests = False

    def meets(self, path: str, is_directory: bool, diff_aware: bool) -> bool:
        """A directory may hold workflows; a named file only when it is a manifest under ``.github/``."""
        if is_directory:
            return True
        from conformance.inputs import MANIFEST_SUFFIXES

        named = os.path.basename(path).endswith(MANIFEST_SUFFIXES)
        return named and "/.github/" in "/" + os.path.abspath(path).replace(os.sep, "/")

    def subjects(self, document: Any, origin: Origin, relative: str) -> Iterator[Subject]:
        from conformance.targets.files import YamlDocument

        target = YamlDocument(origin.display, relative, document.index, document.data)
        yield Subject(target, replace(origin, document=document.index), document, origin.display, document.data)

    def place(self, subject: Subject, path: Path) -> Place:
        from conformance.engine.findings import Place

        location = span_location(subject.origin.display, yamlio.locate(subject.source.node, path))
        return Place(location, path_label(subject.data, path), subject.origin)


class DockerfileAdapter(_FilePolicies):
    name = "dockerfile"
    reads = DOCKERFILE_FORMAT
    syntax = "dockerfile"
    default_files = DOCKERFILE_FILES
    needs_files = True
    cross_resource = False
    walks_manifests = False

    def meets(self, path: str, is_directory: bool, diff_aware: bool) -> bool:
        """A directory may hold Dockerfiles; a named file only when its name is one."""
        if is_directory:
            return True
        from conformance.inputs import MANIFEST_SUFFIXES

        name = os.path.basename(path)
        return not name.endswith(MANIFEST_SUFFIXES) and bool(_dockerfile_names().match_file(name))

    def subjects(self, document: Any, origin: Origin, relative: str) -> Iterator[Subject]:
        yield Subject(document, origin, document, origin.display)

    def place(self, subject: Subject, path: Path) -> Place:
        from conformance.engine.findings import Place

        parsed = subject.source
        display = subject.origin.display
        index = path[0] if path else None
        if isinstance(index, int) and 0 <= index < len(parsed.instructions):
            line, column, end_line, end_column = parsed.locate(index)
            return Place(Location(display, line, column, end_line, end_column), parsed.label(index), subject.origin)
        return Place(Location(display), "", subject.origin)


def _dockerfile_names() -> Any:
    from conformance.targets.repo import compile_globs

    return compile_globs(DOCKERFILE_FILES)


YAML_DOCUMENTS = YamlDocumentAdapter()
DOCKERFILE = DockerfileAdapter()
