"""Plain YAML scalars as Kubernetes reads them: go-yaml v2's resolver, then the JSON step of sigs.k8s.io/yaml.

Kubernetes turns a manifest into JSON with ``sigs.k8s.io/yaml`` (go-yaml v2, ``resolve.go``) and decodes the
JSON into the API types. This module reproduces that for one plain (unquoted, untagged) scalar, without any
YAML import: :mod:`conformance.yamlio` applies it to every plain scalar of a document that is a Kubernetes
object. Where the result differs from PyYAML's YAML 1.1 reading:

- ``y``, ``Y``, ``n``, ``N`` are booleans;
- integers are read as Go's ``strconv.ParseInt(s, 0, 64)`` reads them once underscores are removed: ``0o17``,
  ``0O17``, ``0B101``, ``0X1F`` are integers, ``1:30`` (YAML 1.1 base 60) is a string;
- anything go-yaml's float pattern accepts is a number (``1e3``, ``+.5``, ``08``, ``0999``);
- a float without a fractional part is an integer, because Go's JSON encoder writes ``80.0`` as ``80``, which
  an ``int32`` field accepts (``runAsUser: 0.0`` is root);
- ``=`` (YAML 1.1's "value" type, which PyYAML's safe loader cannot build) is a string;
- a mapping key that is not a string becomes one, as JSON needs (:func:`json_key`): ``8080:`` is ``"8080"``,
  ``y:`` and ``on:`` are ``"true"``.
"""

from __future__ import annotations

import math
import re
import struct
from typing import Any

HINTS = frozenset("+-0123456789yYnNtTfFoO~.")
"""First characters go-yaml's ``resolveTable`` marks: a plain scalar starting otherwise is a string."""

_NOT_FOUND = object()
_MAP: dict[str, Any] = {
    **dict.fromkeys(("y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"), True),
    **dict.fromkeys(("n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"), False),
    **dict.fromkeys(("", "~", "null", "Null", "NULL"), None),
    **dict.fromkeys((".nan", ".NaN", ".NAN"), math.nan),
    **dict.fromkeys((".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"), math.inf),
    **dict.fromkeys(("-.inf", "-.Inf", "-.INF"), -math.inf),
}
"""go-yaml v2's ``resolveMapList`` (without the merge key ``<<``, which the parser handles)."""

_GO_INT = re.compile(
    r"(?P<sign>[-+]?)(?:0[xX](?P<hex>[0-9a-fA-F]+)|0[oO](?P<oct>[0-7]+)|0[bB](?P<bin>[01]+)"
    r"|0(?P<old>[0-7]+)|(?P<dec>0|[1-9][0-9]*))\Z"
)
"""``strconv.ParseInt(s, 0, 64)``'s syntax: base prefixes in either case, a leading ``0`` for octal."""
_GO_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?\Z")
"""go-yaml's ``yamlStyleFloat``."""
_DOT_FLOAT = re.compile(r"\.[0-9]+(?:[eE][-+]?[0-9]+)?\Z")
"""What ``strconv.ParseFloat`` accepts from a scalar starting with ``.`` (no underscores in base 10)."""
_INT64_MIN = -(2**63)
_INT64_MAX = 2**63 - 1
_UINT64_MAX = 2**64 - 1
_JSON_INTEGER_LIMIT = 1e21
"""Go's JSON encoder writes floats below this magnitude without an exponent: an integral one is an integer."""


def plain_scalar(value: str) -> Any:
    """The value Kubernetes reads for a plain scalar: None, bool, int, float, or the string itself."""
    found = _MAP.get(value, _NOT_FOUND)
    if found is not _NOT_FOUND:
        return found
    hint = value[0]
    if hint not in HINTS:
        return value
    if hint == ".":
        return json_number(float(value)) if _DOT_FLOAT.match(value) else value
    if hint in "yYnNtTfFoO~":
        return value
    plain = value.replace("_", "")
    integer = go_parse_int(plain)
    if integer is not None:
        return integer
    if _GO_FLOAT.match(plain):
        return json_number(float(plain))
    # go-yaml's own ``0b``/``-0b`` fallback accepts nothing ParseInt's base 0 refused; timestamps are read
    # as strings when the target is untyped, as in the YAML-to-JSON step
    return value


def go_parse_int(text: str) -> int | None:
    """``strconv.ParseInt(text, 0, 64)``, else ``ParseUint``: the integer, or None when neither accepts it."""
    match = _GO_INT.match(text)
    if match is None:
        return None
    if match["hex"] is not None:
        number = int(match["hex"], 16)
    elif match["oct"] is not None:
        number = int(match["oct"], 8)
    elif match["bin"] is not None:
        number = int(match["bin"], 2)
    elif match["old"] is not None:
        number = int(match["old"], 8)
    else:
        number = int(match["dec"])
    if match["sign"] == "-":
        number = -number
    if _INT64_MIN <= number <= _INT64_MAX or (not match["sign"] and number <= _UINT64_MAX):
        return number
    return None


def json_number(number: float) -> int | float:
    """A float as it comes out of Go's JSON encoder and into the API types: integral ones are integers."""
    if math.isfinite(number) and number.is_integer() and abs(number) < _JSON_INTEGER_LIMIT:
        return int(number)
    return number


def json_key(key: Any) -> Any:
    """A mapping key as sigs.k8s.io/yaml writes it into JSON: booleans and numbers become strings (a null key
    makes Kubernetes refuse the document; it stays None)."""
    if isinstance(key, str) or key is None:
        return key
    if isinstance(key, bool):
        return "true" if key else "false"
    if isinstance(key, int):
        return str(key)
    if isinstance(key, float):
        return _float32_text(key)
    return key


def _float32_text(number: float) -> str:
    """Go's ``strconv.FormatFloat(f, 'g', -1, 32)``: the shortest text that reads back as the same float32."""
    if math.isnan(number):
        return ".nan"
    if math.isinf(number):
        return ".inf" if number > 0 else "-.inf"
    target = struct.unpack("f", struct.pack("f", number))[0]
    for precision in range(1, 10):
        text = f"{target:.{precision}g}"
        if struct.unpack("f", struct.pack("f", float(text)))[0] == target:
            return text
    return f"{target:.9g}"
