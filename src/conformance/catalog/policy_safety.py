"""What a YAML policy from an untrusted place (a discovered config can bring one) may not do: message templates
that allocate or reach beyond the fields they fill in, and schema references that leave the schema (a URL or a
file: refused at load, without any access)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from conformance.errors import PolicyDefinitionError

MAX_FORMAT_NUMBER = 3
"""Digits a width or precision in a message template may have (``{kind:>999}`` at most): a discovered config
can bring a YAML policy, and ``{kind:>1500000000}`` would allocate gigabytes per violation."""
_SAFE_SPEC = re.compile(r"(?:.?[<>=^])?[-+ ]?#?0?(?P<width>\d*)[_,]?(?:\.(?P<precision>\d*))?[bcdeEfFgGnosxX%]?")
_LOCAL_REFERENCE = "#"
_REFERENCE_KEYWORDS = ("$ref", "$dynamicRef", "$recursiveRef")
_KNOWN_DIALECTS = frozenset(
    {
        "https://json-schema.org/draft/2020-12/schema",
        "https://json-schema.org/draft/2019-09/schema",
        "http://json-schema.org/draft-07/schema#",
        "http://json-schema.org/draft-07/schema",
    }
)


_INSTANCE_FIELD = re.compile(r"^(?:instance|options)\[[A-Za-z_][A-Za-z0-9_-]*\]$")
"""The indexed fields a template may use: a field of the offending mapping (read through a view that only
ever returns short text), and an option's effective value."""


def check_message_template(template: str, source: str) -> None:
    """Refuse a message template that could do more than fill in fields: fields are plain names (no
    ``{x.attr}``, ``{x[0]}`` or positional ``{0}``; ``{instance[field]}`` is the one exception), conversions
    ``!s``/``!r``/``!a`` only, and format specs
    without nested fields and with widths and precisions of at most ``MAX_FORMAT_NUMBER`` digits."""
    import string

    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise PolicyDefinitionError(f"{source}: field message: not a valid template: {exc}") from None
    for _, name, spec, conversion in parsed:
        if name is None:
            continue
        if not name.isidentifier() and not _INSTANCE_FIELD.match(name):
            raise PolicyDefinitionError(f"{source}: field message: {{{name}}} is not a plain field name")
        if conversion not in (None, "s", "r", "a"):
            raise PolicyDefinitionError(f"{source}: field message: conversion !{conversion} is not allowed")
        match = _SAFE_SPEC.fullmatch(spec or "")
        too_long = match is not None and any(
            len(match[part] or "") > MAX_FORMAT_NUMBER for part in ("width", "precision")
        )
        if match is None or too_long or "{" in (spec or ""):
            raise PolicyDefinitionError(
                f"{source}: field message: format spec {spec!r} of {{{name}}} is not allowed "
                f"(widths and precisions of at most {MAX_FORMAT_NUMBER} digits, no nested fields)"
            )


def check_schema_references(schema: Any, source: str, field: str) -> None:
    """Refuse, before any validator sees it, a schema that refers outside itself: every ``$ref`` is a local
    ``#...`` pointer, no ``$id`` moves the base URI, ``$schema`` names a known draft. A ``$ref`` to
    ``https://...`` or ``file:///etc/...`` would make the validator fetch or read it (network and file access
    chosen by a policy that a scanned repository's config can bring)."""
    stack = [(schema, field)]
    while stack:
        node, where = stack.pop()
        if isinstance(node, Mapping):
            for key, value in node.items():
                if key in _REFERENCE_KEYWORDS and not (isinstance(value, str) and value.startswith(_LOCAL_REFERENCE)):
                    raise PolicyDefinitionError(
                        f"{source}: field {where}.{key}: {value!r} refers outside the policy: only local "
                        "references (#/$defs/...) are allowed"
                    )
                if key == "$id":
                    raise PolicyDefinitionError(f"{source}: field {where}.$id: $id is not allowed in a policy schema")
                if key == "$schema" and value not in _KNOWN_DIALECTS:
                    raise PolicyDefinitionError(f"{source}: field {where}.$schema: unknown dialect {value!r}")
                stack.append((value, f"{where}.{key}"))
        elif isinstance(node, list):
            stack.extend((item, f"{where}.{index}") for index, item in enumerate(node))


def check_untrusted_parts(doc: Any, source: str) -> None:
    if not isinstance(doc, Mapping):
        return
    if isinstance(doc.get("message"), str):
        check_message_template(doc["message"], source)
    for key, template in (doc.get("messages") or {}).items() if isinstance(doc.get("messages"), Mapping) else ():
        if isinstance(template, str):
            check_message_template(template, f"{source} (messages.{key})")
    for index, rule in enumerate(doc.get("validate") or ()) if isinstance(doc.get("validate"), list) else ():
        if isinstance(rule, Mapping) and isinstance(rule.get("message"), str):
            check_message_template(rule["message"], f"{source} (validate[{index}])")
    if "schema" in doc:
        check_schema_references(doc["schema"], source, "schema")
    for index, check in enumerate(doc.get("checks") or ()):
        if isinstance(check, Mapping) and "schema" in check:
            check_schema_references(check["schema"], source, f"checks.{index}.schema")
        if isinstance(check, Mapping) and isinstance(check.get("message"), str):
            check_message_template(check["message"], f"{source} (checks.{index})")
