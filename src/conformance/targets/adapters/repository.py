"""The repository target: the scanned repository as a whole (its file list, lazy reads), checked once."""

from __future__ import annotations

from collections.abc import Hashable, Iterator
from typing import TYPE_CHECKING, Any

from conformance.model import Location, Origin, Path
from conformance.targets.adapters import REPOSITORY_FORMAT, Subject

if TYPE_CHECKING:
    from conformance.catalog.policy import Policy
    from conformance.engine.findings import Place
    from conformance.targets.repo import Repository


def repository_location(repository: Repository, path: Path) -> tuple[Location, str]:
    """Where a repository policy's violation points, and its label: the root, a file, or a line in a file."""
    if not path or not isinstance(path[0], str):
        return Location(repository.display), ""
    file = path[0]
    display = file if repository.display in ("", ".") else f"{repository.display.rstrip('/')}/{file}"
    line = path[1] if len(path) > 1 and isinstance(path[1], int) and path[1] > 0 else 1
    column = path[2] if len(path) > 2 and isinstance(path[2], int) and path[2] > 0 else 1
    return Location(display, line, column), file


class RepositoryAdapter:
    name = "repository"
    reads = REPOSITORY_FORMAT
    syntax = "yaml"
    default_files = ()
    needs_files = False
    cross_resource = False
    walks_manifests = False

    def meets(self, path: str, is_directory: bool, diff_aware: bool) -> bool:
        """A scanned directory (a diff-aware scan leaves repository standards to full scans)."""
        return is_directory and not diff_aware

    def subjects(self, document: Any, origin: Origin, relative: str) -> Iterator[Subject]:
        yield Subject(document, origin, document, document.display)

    def selection_key(self, subject: Subject, relative: str) -> Hashable:
        return ""

    def selects(self, policy: Policy, subject: Subject, relative: str) -> bool:
        return True

    def place(self, subject: Subject, path: Path) -> Place:
        from conformance.engine.findings import Place, origin_of

        location, label = repository_location(subject.source, path)
        origin = subject.origin if location.file == subject.origin.display else origin_of(location.file)
        return Place(location, label, origin)

    def fault_location(self, subject: Subject) -> Location:
        return Location(subject.source.display)

    def exact_location(self, subject: Subject, path: Path) -> Location | None:
        return None

    def container(self, subject: Subject, path: Path, key: str) -> str | None:
        return None


REPOSITORY = RepositoryAdapter()
