"""JSON Schema (draft 2020-12): the one module that validates with it.

Policy files, the schemas inside YAML policies and repository checks, policy options, ``.conformance.yaml`` and
baselines are all validated here, with one API: :func:`compile_schema` once, then :meth:`Validator.is_valid`
(fast), :meth:`Validator.errors` (every error, the hot path of YAML policies) or :meth:`Validator.first_error`
(the error a configuration message names). :func:`schema_problem` says why a schema itself is unusable.

Two libraries share the work. jsonschema-rs validates (about 30x faster than the pure-Python library, same
semantics); the ``jsonschema`` library (80 ms to import) is loaded only when it is needed: to explain an error
with its own wording and path, to check a schema against the meta-schema, or for data jsonschema-rs cannot
take (a YAML 1.1 mapping with non-string keys such as ``on:`` or ``yes:``). Both are imported lazily.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any


@dataclass(frozen=True)
class SchemaError:
    """One schema violation: the path of the offending value inside the instance, a message, the value."""

    path: tuple[Any, ...]
    message: str
    instance: Any
    schema: Any = None
    """The subschema that failed, when the pure-Python library explained the error."""


def _config_order(error: Any) -> list[tuple[int, int, str]]:
    """List indices in numeric order before mapping keys in text order, step by step; shorter paths first."""
    return [(0, step, "") if isinstance(step, int) else (1, 0, str(step)) for step in error.path]


class Validator:
    """A schema compiled once; validating an instance is then a call on the fast validator."""

    def __init__(self, schema: Mapping[str, Any]) -> None:
        import jsonschema_rs

        self.schema = schema
        self._slow: Any = None
        try:
            self._fast: Any = jsonschema_rs.validator_for(dict(schema))
        except ValueError:  # a schema jsonschema-rs cannot take (non-string keys from YAML 1.1's `on:`, `yes:`)
            self._fast = None

    def _explainer(self) -> Any:
        if self._slow is None:
            from jsonschema import Draft202012Validator

            self._slow = Draft202012Validator(self.schema)
        return self._slow

    def is_valid(self, instance: Any) -> bool:
        if self._fast is not None:
            try:
                return bool(self._fast.is_valid(instance))
            except ValueError:  # data jsonschema-rs cannot take (non-string keys): let the other library decide
                pass
        return bool(self._explainer().is_valid(instance))

    def errors(self, instance: Any) -> list[SchemaError]:
        """Every error of an instance, ordered by path (as text); jsonschema-rs's wording when it can take the
        data, else the pure-Python library's."""
        try:
            if self._fast is None:
                raise ValueError("no fast validator")
            if self._fast.is_valid(instance):
                return []
            found = [
                SchemaError(tuple(e.instance_path), e.message, e.instance) for e in self._fast.iter_errors(instance)
            ]
        except ValueError:
            found = [
                SchemaError(tuple(e.absolute_path), e.message, e.instance)
                for e in self._explainer().iter_errors(instance)
            ]
        return sorted(found, key=lambda e: [str(step) for step in e.path])

    def explain(self, instance: Any, *, ordered: bool = True, custom_messages: bool = False) -> list[SchemaError]:
        """Every error in the pure-Python library's wording, with the failing subschema.

        ``ordered``: by path (list indices numerically, before keys; a parent before its children), else in the
        library's order. ``custom_messages``: a failing subschema's ``errorMessage`` replaces the library's
        message, after the offending value (``'2025-6-1' is not a date written YYYY-MM-DD``).
        """
        found: Iterable[Any] = self._explainer().iter_errors(instance)
        if ordered:
            found = sorted(found, key=_config_order)
        return [_explained(error, custom_messages) for error in found]

    def first_error(self, instance: Any, *, ordered: bool = True, custom_messages: bool = False) -> SchemaError | None:
        """The error a message should name (see :meth:`explain`), or None when the instance is valid. Valid data
        is recognised by the fast validator, so the pure-Python library is imported only to explain an error."""
        if self.is_valid(instance):
            return None
        if ordered:
            errors = self.explain(instance, custom_messages=custom_messages)
            return errors[0] if errors else None
        error = next(iter(self._explainer().iter_errors(instance)), None)
        return None if error is None else _explained(error, custom_messages)


def _explained(error: Any, custom_messages: bool) -> SchemaError:
    message = error.message
    if custom_messages:
        custom = error.schema.get("errorMessage") if isinstance(error.schema, Mapping) else None
        if custom:
            message = f"{error.instance!r} {custom}"
    return SchemaError(tuple(error.absolute_path), message, error.instance, error.schema)


def compile_schema(schema: Mapping[str, Any]) -> Validator:
    """Compile a draft 2020-12 schema once (see :class:`Validator`)."""
    return Validator(schema)


def meta_schema_problem(schema: Any) -> str | None:
    """Why the meta-schema refuses a schema (the library's message), or None when it is a valid schema."""
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import SchemaError as MetaSchemaError

    try:
        Draft202012Validator.check_schema(schema)
    except MetaSchemaError as exc:
        return str(exc.message)
    except Exception as exc:  # what a malformed schema (non-string keys, say) makes the library raise
        return str(exc)
    return None


def schema_problem(schema: Any) -> str | None:
    """Why a schema is not usable (the meta-schema refuses it, or a ``$ref`` points nowhere), or None.

    A :class:`Validator` falls back to the pure-Python library on any error of jsonschema-rs (it must, for YAML
    1.1 keys that are not strings), so a broken schema would otherwise surface only while scanning. The answer
    is remembered per schema (as canonical JSON): checking against the meta-schema costs tens of milliseconds,
    and a process that scans many repositories compiles the same repository checks for each.
    """
    if _string_keys(schema):
        try:
            return _remembered_problem(json.dumps(schema, sort_keys=True))
        except (TypeError, ValueError):  # not JSON data: checked as it is
            pass
    return _schema_problem(schema)


@lru_cache(maxsize=512)
def _remembered_problem(text: str) -> str | None:
    return _schema_problem(json.loads(text))


def _schema_problem(schema: Any) -> str | None:
    problem = meta_schema_problem(schema)
    if problem is not None:
        return problem
    if not _string_keys(schema):
        return None  # jsonschema-rs cannot take it; the pure-Python validator will
    import jsonschema_rs

    try:
        jsonschema_rs.validator_for(dict(schema))  # resolves every $ref now
    except ValueError as exc:
        return str(exc).splitlines()[0]
    return None


def _string_keys(value: Any) -> bool:
    if isinstance(value, Mapping):
        return all(isinstance(key, str) and _string_keys(item) for key, item in value.items())
    if isinstance(value, list):
        return all(_string_keys(item) for item in value)
    return True
