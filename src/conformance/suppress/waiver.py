"""Waivers: entries under ``waivers:`` in ``.conformance.yaml``, with an owner and an optional expiry date
(:class:`Waiver`, parsed by :mod:`conformance.config`), and how a finding finds the waiver in force for it.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import Any

from conformance.errors import ConfigError
from conformance.model import Finding, Suppression
from conformance.suppress.ids import unknown_policy_message


@dataclass(frozen=True)
class Waiver:
    """One entry of ``waivers:`` in the configuration: a policy accepted where ``match`` says, by an owner."""

    policy: str
    reason: str
    owner: str
    expires: str | None = None
    """The last day the waiver holds (``YYYY-MM-DD``); None: it never expires."""
    paths: tuple[str, ...] = ()
    """gitignore-style patterns, relative to the configuration file's directory."""
    kind: str | None = None
    namespace: str | None = None
    """fnmatch pattern (``team-*``); a resource without a namespace is matched as ``""``."""
    name: str | None = None
    """fnmatch pattern."""
    container: str | None = None
    index: int = 0
    """Position in ``waivers:`` (0-based), as error messages name it: ``waivers[2]``."""
    line: int = 0
    """Line of the entry in the configuration file (0 when unknown)."""
    config: str = field(default="", compare=False)
    """The configuration file it comes from."""

    @property
    def key(self) -> str:
        return f"waivers[{self.index}]"

    @property
    def expiry(self) -> date | None:
        return date.fromisoformat(self.expires) if self.expires else None

    def expired(self, today: date) -> bool:
        """True from the day after :attr:`expires`."""
        expiry = self.expiry
        return expiry is not None and today > expiry

    @cached_property
    def _path_spec(self) -> Any:
        import pathspec

        return pathspec.GitIgnoreSpec.from_lines(self.paths)

    def matches(
        self,
        policy_id: str,
        relative_path: str | None,
        kind: str | None = None,
        namespace: str | None = None,
        name: str | None = None,
        container: str | None = None,
    ) -> bool:
        """Whether the waiver applies to a finding (expiry aside: see :meth:`expired`).

        ``relative_path`` is the finding's file relative to the configuration's directory, with forward
        slashes (None for standard input or a file outside that directory: then ``paths`` never match).
        Every criterion given must hold; a finding without a resource or a container fails criteria on them.
        """
        if policy_id != self.policy:
            return False
        if self.paths and (relative_path is None or not self._path_spec.match_file(relative_path)):
            return False
        has_resource = kind is not None or name is not None
        if self.kind is not None and kind != self.kind:
            return False
        if self.namespace is not None and not (has_resource and fnmatch.fnmatchcase(namespace or "", self.namespace)):
            return False
        if self.name is not None and (name is None or not fnmatch.fnmatchcase(name, self.name)):
            return False
        return self.container is None or container == self.container

    def matches_finding(self, finding: Finding, relative_path: str | None, container: str | None = None) -> bool:
        """:meth:`matches` for a finding (its policy and resource); ``container`` from :func:`container_of`."""
        resource = finding.resource
        if resource is None:
            return self.matches(finding.policy_id, relative_path, container=container)
        return self.matches(
            finding.policy_id, relative_path, resource.kind, resource.namespace, resource.name, container
        )

    def suppression(self, config_file: str | None = None) -> Suppression:
        """The record for a finding it covers; ``config_file`` is the configuration's path as reports show it."""
        source = f"{config_file if config_file is not None else self.config}:{self.line}"
        return Suppression("waiver", self.reason, self.owner, self.expires, source)


def find_waiver(
    waivers: Iterable[Waiver],
    finding: Finding,
    relative_path: str | None,
    container: str | None,
    today: date,
) -> Waiver | None:
    """The first waiver in force that matches the finding; else the first expired one that matches (so the
    caller can say that the waiver has expired); else None."""
    expired: Waiver | None = None
    for waiver in waivers:
        if waiver.matches_finding(finding, relative_path, container):
            if not waiver.expired(today):
                return waiver
            expired = expired or waiver
    return expired


def relative_to(file: str, root: str | os.PathLike[str] | None) -> str | None:
    """A scanned file's path relative to ``root`` (the configuration's directory), with forward slashes, as
    waiver ``paths`` match it; None for standard input, no root, or a file outside the root."""
    if root is None or file.startswith("<"):
        return None
    relative = os.path.relpath(os.path.abspath(file), os.path.abspath(root))
    if relative == os.pardir or relative.startswith(os.pardir + os.sep):
        return None
    return relative.replace(os.sep, "/")


def check_waiver_ids(waivers: Sequence[Waiver], known_ids: Collection[str]) -> None:
    """Raise :class:`ConfigError` if a waiver names a policy id the catalog does not have (pass every id of the
    catalog, not only the enabled policies: disabling a policy must not break its waivers)."""
    known = known_ids if isinstance(known_ids, (set, frozenset, Mapping)) else frozenset(known_ids)
    bad = [w for w in waivers if w.policy not in known]
    if not bad:
        return
    first = bad[0]
    where = f"{first.config}:{first.line}" if first.line else first.config
    more = f" (and {len(bad) - 1} more unknown waiver ids)" if len(bad) > 1 else ""
    raise ConfigError(f"{where}: key {first.key}.policy: {unknown_policy_message(first.policy, known)}{more}")
