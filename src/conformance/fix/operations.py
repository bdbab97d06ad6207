"""Fix operations: JSON-Patch-like edits (add / replace / remove, plus test) and how they change plain data.

An operation's ``path`` is a tuple of mapping keys and sequence indices, as violations' paths are. Policies
declare them relative to the node they select (a container, a pod spec, a document); the planner makes them
absolute (from the document root) before an adapter applies them. Two departures from RFC 6902, both needed to
fix a manifest that lacks a whole ``securityContext``: ``add`` creates missing parent mappings, and ``add``
with a last step ``-`` appends to a sequence, creating it when absent. ``test`` compares the value at its path
(``absent: true``: that nothing is there); a failing test means the fix does not apply to that violation.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from conformance.errors import PolicyDefinitionError
from conformance.model import Path

ADD = "add"
REPLACE = "replace"
REMOVE = "remove"
TEST = "test"
INSERT = "insert"
"""Text targets (Dockerfiles): insert ``value`` at ``path`` = (line, column), both 1-based."""
OPS = (ADD, REPLACE, REMOVE, TEST)
APPEND = "-"
_MISSING = object()


@dataclass(frozen=True)
class Operation:
    """One edit. ``after`` places a key that ``add`` creates right after this existing key of the same mapping
    (None: at the end); ``absent`` makes a ``test`` check that the path does not exist."""

    op: str
    path: Path
    value: Any = None
    after: Any = None
    absent: bool = False

    def moved(self, base: Path) -> Operation:
        """The operation with ``base`` put before its path (relative to the selected node -> from the root)."""
        return Operation(self.op, (*base, *self.path), self.value, self.after, self.absent)


class NotApplicable(Exception):
    """The operations do not apply to this data (a failed test, a missing target, a path through a scalar)."""


def parse_pointer(pointer: str, where: str) -> Path:
    """A JSON Pointer (``/securityContext/capabilities/drop/-``) as a path; ``~1`` is ``/``, ``~0`` is ``~``.

    Digits stay strings here: whether a step is a sequence index depends on the data it meets (see
    :func:`_step_in`)."""
    if pointer == "":
        return ()
    if not pointer.startswith("/"):
        raise PolicyDefinitionError(f"{where}: path {pointer!r} is not a JSON Pointer (it starts with /)")
    return tuple(part.replace("~1", "/").replace("~0", "~") for part in pointer[1:].split("/"))


def operations_from_spec(specs: Sequence[Mapping[str, Any]], where: str) -> tuple[Operation, ...]:
    """Operations from a YAML policy's ``autofix.operations`` (already validated by the policy schema)."""
    result = []
    for index, spec in enumerate(specs):
        here = f"{where}.{index}"
        op = spec["op"]
        path = parse_pointer(spec["path"], here)
        if op in (ADD, REPLACE) and "value" not in spec:
            raise PolicyDefinitionError(f"{here}: a {op} operation needs a value")
        if op == TEST and "value" not in spec and not spec.get("absent"):
            raise PolicyDefinitionError(f"{here}: a test operation needs a value or absent: true")
        if not path and op != TEST:
            raise PolicyDefinitionError(f"{here}: a {op} operation cannot replace the selected node itself")
        result.append(Operation(op, path, spec.get("value"), spec.get("after"), bool(spec.get("absent", False))))
    return tuple(result)


def _step_in(node: Any, step: Any) -> Any:
    """The key or index a path step means in this node (``"0"`` in a list is index 0)."""
    if isinstance(node, list) and isinstance(step, str) and step.isdigit():
        return int(step)
    return step


def _child(node: Any, step: Any) -> Any:
    if isinstance(node, Mapping):
        return node.get(step, _MISSING)
    if isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node):
        return node[step]
    return _MISSING


def value_at(data: Any, path: Path) -> Any:
    """The value at a path, or ``_MISSING``."""
    node = data
    for step in path:
        node = _child(node, _step_in(node, step))
        if node is _MISSING:
            return _MISSING
    return node


def exists(data: Any, path: Path) -> bool:
    return value_at(data, path) is not _MISSING


def holds(data: Any, operation: Operation) -> bool:
    """Whether a ``test`` operation holds on the data."""
    found = value_at(data, operation.path)
    if operation.absent:
        return found is _MISSING
    return found is not _MISSING and _same(found, operation.value)


def _same(a: Any, b: Any) -> bool:
    return type(a) is type(b) and a == b if isinstance(a, bool) or isinstance(b, bool) else bool(a == b)


def apply(data: Any, operations: Sequence[Operation]) -> Any:
    """A copy of the data with the operations applied; ``NotApplicable`` when one cannot be."""
    result = copy.deepcopy(data)
    for operation in operations:
        result = _apply_one(result, normalised(result, operation))
    return result


def _apply_one(data: Any, operation: Operation) -> Any:
    if operation.op == TEST:
        if not holds(data, operation):
            raise NotApplicable(f"test of {'/'.join(map(str, operation.path))} does not hold")
        return data
    *parents, last = operation.path
    node = data
    for step in parents:
        step = _step_in(node, step)
        if isinstance(node, dict):
            if step not in node or node[step] is None:
                if operation.op != ADD:
                    raise NotApplicable(f"{step!r} does not exist")
                node[step] = {}
            node = node[step]
        elif isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node):
            node = node[step]
        else:
            raise NotApplicable(f"cannot step into {step!r}")
    if isinstance(node, list):
        return _apply_in_list(data, node, last, operation)
    if not isinstance(node, dict):
        raise NotApplicable("the parent of the target is not a mapping")
    if operation.op == ADD and last == APPEND:
        raise NotApplicable("- appends to a sequence, not a mapping")
    if operation.op == ADD:
        _set_key(node, last, copy.deepcopy(operation.value), operation.after)
    elif operation.op == REPLACE:
        if last not in node:
            raise NotApplicable(f"{last!r} does not exist")
        node[last] = copy.deepcopy(operation.value)
    elif operation.op == REMOVE:
        if last not in node:
            raise NotApplicable(f"{last!r} does not exist")
        del node[last]
    return data


def _apply_in_list(data: Any, node: list[Any], last: Any, operation: Operation) -> Any:
    if operation.op == ADD and last == APPEND:
        node.append(copy.deepcopy(operation.value))
        return data
    index = _step_in(node, last)
    if not isinstance(index, int) or not 0 <= index < len(node) + (operation.op == ADD):
        raise NotApplicable(f"index {last!r} is out of range")
    if operation.op == ADD:
        node.insert(index, copy.deepcopy(operation.value))
    elif operation.op == REPLACE:
        node[index] = copy.deepcopy(operation.value)
    else:
        del node[index]
    return data


def _set_key(mapping: dict[Any, Any], key: Any, value: Any, after: Any) -> None:
    """Set ``key``; a new key goes right after ``after`` when that key exists (dicts keep insertion order)."""
    if key in mapping or after is None or after not in mapping:
        mapping[key] = value
        return
    items = list(mapping.items())
    mapping.clear()
    for existing, existing_value in items:
        mapping[existing] = existing_value
        if existing == after and type(existing) is type(after):
            mapping[key] = value


def needs_sequence(operation: Operation) -> bool:
    """An ``add .../-`` whose sequence is missing creates it: the value becomes a one-item list."""
    return operation.op == ADD and bool(operation.path) and operation.path[-1] == APPEND


def normalised(data: Any, operation: Operation) -> Operation:
    """An ``add .../-`` on a missing sequence becomes an ``add`` of a one-item list at the sequence's path."""
    if needs_sequence(operation) and not isinstance(value_at(data, operation.path[:-1]), list):
        return Operation(ADD, operation.path[:-1], [operation.value], operation.after)
    return operation
