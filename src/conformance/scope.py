"""The scope of cross-resource policies: in memory for the usual scan, in a temporary SQLite file past that.

Every resource a cross-resource policy records (a few hundred bytes of facts) is stored as a pickled row;
indexes a policy asks for (``Scope.lookup``) become rows of a key table. Memory therefore stays flat however
many resources a scan sees, and each lookup is an indexed query rather than a pass over every resource.
"""

from __future__ import annotations

import contextlib
import os
import pickle
from collections.abc import Callable, Hashable, Iterable, Iterator
from typing import TYPE_CHECKING, Protocol

from conformance.catalog.policy import ScopeEntry
from conformance.model import Location, ResourceId

if TYPE_CHECKING:
    import sqlite3

SPILL_AFTER = 20_000
"""Scope entries held in memory before they move to the temporary database."""

_SCHEMA = """
CREATE TABLE entries (id INTEGER PRIMARY KEY, policy TEXT NOT NULL, namespace TEXT, entry BLOB NOT NULL);
CREATE INDEX entries_by_policy ON entries (policy, namespace);
CREATE TABLE keys (policy TEXT NOT NULL, name TEXT NOT NULL, key TEXT NOT NULL, namespace TEXT,
                   entry INTEGER NOT NULL);
CREATE INDEX keys_by_key ON keys (policy, name, key);
"""


def _encode(entry: ScopeEntry) -> bytes:
    # Plain tuples unpickle several times faster than frozen dataclasses (whose __setstate__ is Python code).
    rid = entry.resource
    locations = {
        path: (loc.file, loc.line, loc.column, loc.end_line, loc.end_column) for path, loc in entry.locations.items()
    }
    row = (rid.kind, rid.name, rid.namespace, rid.api_version, entry.file, entry.document_index, entry.facts, locations)
    return pickle.dumps(row, pickle.HIGHEST_PROTOCOL)


def _decode(blob: bytes) -> ScopeEntry:
    kind, name, namespace, api_version, file, document_index, facts, locations = pickle.loads(blob)
    return ScopeEntry(
        ResourceId(kind, name, namespace, api_version),
        file,
        document_index,
        facts,
        {path: Location(*fields) for path, fields in locations.items()},
    )


def _key(policy_id: str, project: str) -> str:
    return f"{policy_id}\x1f{project}" if project else policy_id


class ScopeStore:
    """Scope entries of every cross-resource policy of one scan: in memory up to ``spill_after`` entries,
    then in a temporary SQLite file, so a scan of any size keeps a flat memory profile."""

    def __init__(self, spill_after: int = SPILL_AFTER) -> None:
        self._spill_after = spill_after
        self._memory: dict[str, list[ScopeEntry]] = {}
        self._held = 0
        self._db: sqlite3.Connection | None = None
        self._path = ""
        self._projects: dict[str, list[str]] = {}

    def add(self, policy_id: str, entries: Iterable[ScopeEntry]) -> None:
        """Record entries of a policy; each goes to the scope of its project."""
        by_project: dict[str, list[ScopeEntry]] = {}
        for entry in entries:
            by_project.setdefault(entry.project, []).append(entry)
        for project, group in by_project.items():
            key = _key(policy_id, project)
            projects = self._projects.setdefault(policy_id, [])
            if project not in projects:
                projects.append(project)
            if self._db is None:
                self._memory.setdefault(key, []).extend(group)
                self._held += len(group)
                if self._held > self._spill_after:
                    self._spill()
                continue
            rows = [(key, e.namespace, _encode(e)) for e in group]
            self._db.executemany("INSERT INTO entries (policy, namespace, entry) VALUES (?, ?, ?)", rows)

    def projects(self, policy_id: str) -> list[str]:
        """The projects a policy recorded entries for, in the order they were first seen."""
        return list(self._projects.get(policy_id, ()))

    def _spill(self) -> None:
        import sqlite3
        import tempfile

        handle, self._path = tempfile.mkstemp(prefix="conformance-scope-", suffix=".sqlite")
        os.close(handle)
        self._db = sqlite3.connect(self._path)
        self._db.executescript("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;" + _SCHEMA)
        memory, self._memory, self._held = self._memory, {}, 0
        for key, entries in memory.items():
            rows = [(key, e.namespace, _encode(e)) for e in entries]
            self._db.executemany("INSERT INTO entries (policy, namespace, entry) VALUES (?, ?, ?)", rows)

    @property
    def spilled(self) -> bool:
        return self._db is not None

    def scope(self, policy_id: str, project: str = "") -> Scope:
        """What a policy recorded in one project (the only entries its checks may join)."""
        key = _key(policy_id, project)
        if self._db is None:
            return MemoryScope(self._memory.get(key, ()))
        return DatabaseScope(self._db, key)

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None
            with contextlib.suppress(OSError):
                os.unlink(self._path)


def _namespace_clause(namespace: str | None, column: str) -> tuple[str, tuple[str, ...]]:
    # An object without metadata.namespace lands in whatever namespace it is applied to, so it is treated as
    # sharing any namespace: a missing partner is only reported when none could match.
    if namespace is None:
        return "", ()
    return f" AND ({column} = ? OR {column} IS NULL)", (namespace,)


class Scope(Protocol):
    """What one cross-resource policy recorded, with indexed lookups.

    ``lookup`` builds an index from a key function on first use and answers from it afterwards, so comparing
    each subject with its partners stays linear in the number of resources instead of quadratic. An object
    without ``metadata.namespace`` lands in whatever namespace it is applied to, so it is treated as sharing
    any namespace: a missing partner is only reported when none could match.
    """

    @property
    def entries(self) -> Iterator[ScopeEntry]:
        """Every recorded entry, in the order the scan recorded them."""
        ...

    def same_namespace(self, namespace: str | None) -> Iterator[ScopeEntry]:
        """Entries that can share a namespace with ``namespace``."""
        ...

    def lookup(
        self, index: str, keys: Callable[[ScopeEntry], Iterable[Hashable]], key: Hashable, namespace: str | None
    ) -> Iterator[ScopeEntry]:
        """Entries sharing a namespace with ``namespace`` for which ``keys(entry)`` yields ``key``; ``index``
        names the index built with ``keys`` on first use."""
        ...

    def count(self, index: str, keys: Callable[[ScopeEntry], Iterable[Hashable]], key: Hashable) -> int:
        """How many entries carry ``key`` in an index, in any namespace (to pick the most selective key)."""
        ...


class MemoryScope:
    """A :class:`Scope` held in memory: for the usual scan, whose scope is a few thousand entries."""

    def __init__(self, entries: Iterable[ScopeEntry]) -> None:
        self._entries = tuple(entries)
        self._indexes: dict[str, dict[Hashable, dict[str | None, list[ScopeEntry]]]] = {}
        self._by_namespace = self._build(lambda entry: (None,)).get(None, {})

    def _build(
        self, keys: Callable[[ScopeEntry], Iterable[Hashable]]
    ) -> dict[Hashable, dict[str | None, list[ScopeEntry]]]:
        index: dict[Hashable, dict[str | None, list[ScopeEntry]]] = {}
        for entry in self._entries:
            for key in set(keys(entry)):
                index.setdefault(key, {}).setdefault(entry.namespace, []).append(entry)
        return index

    def _index(
        self, name: str, keys: Callable[[ScopeEntry], Iterable[Hashable]]
    ) -> dict[Hashable, dict[str | None, list[ScopeEntry]]]:
        built = self._indexes.get(name)
        if built is None:
            built = self._indexes[name] = self._build(keys)
        return built

    @staticmethod
    def _compatible(by_namespace: dict[str | None, list[ScopeEntry]], namespace: str | None) -> Iterator[ScopeEntry]:
        if namespace is None:
            for entries in by_namespace.values():
                yield from entries
            return
        yield from by_namespace.get(namespace, ())
        yield from by_namespace.get(None, ())

    @property
    def entries(self) -> Iterator[ScopeEntry]:
        return iter(self._entries)

    def same_namespace(self, namespace: str | None) -> Iterator[ScopeEntry]:
        return self._compatible(self._by_namespace, namespace)

    def lookup(
        self, index: str, keys: Callable[[ScopeEntry], Iterable[Hashable]], key: Hashable, namespace: str | None
    ) -> Iterator[ScopeEntry]:
        return self._compatible(self._index(index, keys).get(key, {}), namespace)

    def count(self, index: str, keys: Callable[[ScopeEntry], Iterable[Hashable]], key: Hashable) -> int:
        return sum(len(entries) for entries in self._index(index, keys).get(key, {}).values())


class DatabaseScope:
    """A :class:`Scope` read from the scan's SQLite file: for scopes too large to hold in memory."""

    def __init__(self, db: sqlite3.Connection, policy_id: str) -> None:
        self._db = db
        self._policy = policy_id
        self._built: set[str] = set()

    def _entries(self, sql: str, params: tuple[object, ...]) -> Iterator[ScopeEntry]:
        for (blob,) in self._db.execute(sql, params):
            yield _decode(blob)

    @property
    def entries(self) -> Iterator[ScopeEntry]:
        """Every recorded entry, in the order the scan recorded them (read a page at a time)."""
        last = 0
        while True:
            sql = "SELECT id, entry FROM entries WHERE policy = ? AND id > ? ORDER BY id LIMIT 256"
            page = self._db.execute(sql, (self._policy, last)).fetchall()
            if not page:
                return
            for last, blob in page:  # noqa: B007 (last carries the page position)
                yield _decode(blob)

    def same_namespace(self, namespace: str | None) -> Iterator[ScopeEntry]:
        """Entries that can share a namespace with ``namespace``."""
        clause, params = _namespace_clause(namespace, "namespace")
        sql = f"SELECT entry FROM entries WHERE policy = ?{clause} ORDER BY id"
        return self._entries(sql, (self._policy, *params))

    def _ensure(self, index: str, keys: Callable[[ScopeEntry], Iterable[Hashable]]) -> None:
        if index in self._built:
            return
        self._built.add(index)
        rows: list[tuple[str, str, str, str | None, int]] = []
        for row_id, blob in self._db.execute("SELECT id, entry FROM entries WHERE policy = ?", (self._policy,)):
            entry = _decode(blob)
            rows.extend((self._policy, index, repr(key), entry.namespace, row_id) for key in set(keys(entry)))
        self._db.executemany("INSERT INTO keys VALUES (?, ?, ?, ?, ?)", rows)

    def lookup(
        self,
        index: str,
        keys: Callable[[ScopeEntry], Iterable[Hashable]],
        key: Hashable,
        namespace: str | None,
    ) -> Iterator[ScopeEntry]:
        """Entries sharing a namespace with ``namespace`` for which ``keys(entry)`` yields ``key``.

        ``index`` names the index; it is built with ``keys`` on first use and reused for every later lookup.
        """
        self._ensure(index, keys)
        clause, params = _namespace_clause(namespace, "k.namespace")
        sql = (
            "SELECT e.entry FROM keys k JOIN entries e ON e.id = k.entry "
            f"WHERE k.policy = ? AND k.name = ? AND k.key = ?{clause} ORDER BY e.id"
        )
        return self._entries(sql, (self._policy, index, repr(key), *params))

    def count(self, index: str, keys: Callable[[ScopeEntry], Iterable[Hashable]], key: Hashable) -> int:
        """How many entries carry ``key`` in an index, in any namespace (to pick the most selective key)."""
        self._ensure(index, keys)
        sql = "SELECT COUNT(*) FROM keys WHERE policy = ? AND name = ? AND key = ?"
        (count,) = self._db.execute(sql, (self._policy, index, repr(key))).fetchone()
        return int(count)
