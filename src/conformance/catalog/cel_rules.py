"""CEL conditions of a YAML policy: ``validate: [{expression, message, fieldPath}]``, as in a Kubernetes
ValidatingAdmissionPolicy, evaluated on each node the policy selects.

An expression sees ``object`` (the whole object, as the API server reads it), ``node`` (the selected node:
the object, a pod spec, or a container with its effective securityContext) and ``options`` (the policy's
effective options). It must evaluate to a bool: true passes, false is a violation at the node, or at
``fieldPath`` inside it (``.securityContext.privileged``, ``.ports[0]``, ``.metadata.labels['app']``).

Expressions are compiled when the policy is loaded (the ``cel`` extra, ``common-expression-language``, is
imported only then): one that does not compile, names a variable other than those three, is longer than
:data:`MAX_EXPRESSION_LENGTH` or nests comprehensions deeper than :data:`MAX_COMPREHENSION_DEPTH` is refused
with the policy file, the line and the field (``validate[0].expression``). At run time a missing key is an
error, as in Kubernetes: guard optional fields with ``has(node.x)``. Such an error on one object is a
``conformance/policy-error`` for that object; the scan goes on. So is an evaluation whose estimated cost
exceeds :data:`MAX_ITERATIONS` (it is not started: native code cannot be interrupted by the time budget).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from conformance.errors import PolicyDefinitionError
from conformance.model import Path

VARIABLES = ("object", "node", "options")
MACROS = frozenset({"all", "exists", "exists_one", "map", "filter"})
MAX_EXPRESSION_LENGTH = 2048
"""Characters an expression may have."""
MAX_COMPREHENSION_DEPTH = 2
"""How deeply comprehension macros (``all``, ``exists``, ``exists_one``, ``map``, ``filter``) may nest: CEL has
no loops, so this bounds an expression's cost by (list length) to this power. The library evaluates in native
code, which the policy time budget cannot interrupt before it returns; the bound keeps that short."""
MAX_ITERATIONS = 1_000_000
"""The most comprehension steps an evaluation may take, estimated before it starts as (the longest list or map
in the variables it reads) to the power of its nesting depth: a 3,000-item list under two nested comprehensions
(9 million steps, about 25 s) is refused as a policy error for that object instead of evaluated."""
EXTRA_HINT = "pip install 'conformance[cel]'"

_MACRO_VARIABLE = re.compile(r"\.\s*(?:all|exists|exists_one|map|filter)\s*\(\s*([A-Za-z_][A-Za-z0-9_]*)\s*,")
_MACRO_CALL = re.compile(r"\.\s*([A-Za-z_][A-Za-z0-9_]*)\s*$")
_IN_OPERATOR = re.compile(r"(?<![A-Za-z0-9_.])in(?![A-Za-z0-9_])")
_FIELD_STEP = re.compile(r"\.([A-Za-z_][A-Za-z0-9_-]*)|\[(\d+)\]|\['([^'\\]*)'\]|\[\"([^\"\\]*)\"\]")


class ExpressionError(Exception):
    """An expression that could not be evaluated on one node (a missing key, a wrong type, not a bool)."""


@dataclass(frozen=True)
class Rule:
    """One compiled ``validate`` entry."""

    index: int
    expression: str
    message: str | None
    field_path: Path
    variables: tuple[str, ...]
    """Which of :data:`VARIABLES` the expression names (only those are converted for it)."""
    depth: int
    """How deeply its comprehensions nest, an ``in`` inside one counting as one level more: an evaluation
    may take up to (the longest list it reads) to this power steps."""
    program: Any = field(compare=False, repr=False)

    @property
    def where(self) -> str:
        return f"validate[{self.index}].expression"

    @property
    def failed(self) -> str:
        """The ``{error}`` of a message about this rule."""
        return f"failed: {self.expression}"

    def key(self, node_key: str) -> str:
        """The violation key: the node's (``containers[web]``) and the rule's, so that two rules failing at
        one path have distinct fingerprints."""
        return f"{node_key}#validate[{self.index}]" if node_key else f"validate[{self.index}]"


def _library(source: str) -> Any:
    try:
        import cel
    except ImportError:
        raise PolicyDefinitionError(
            f"{source}: field validate: CEL expressions need the cel extra ({EXTRA_HINT})"
        ) from None
    return cel


def _depths(expression: str) -> tuple[int, int]:
    """(macro nesting, cost nesting): the deepest nesting of comprehension macros, and the same counting an
    ``in`` inside a comprehension as one more level (``x in list`` walks the list). String literals are
    skipped."""
    stack: list[bool] = []
    deepest = costliest = 0
    position = 0
    length = len(expression)
    while position < length:
        char = expression[position]
        if char in "'\"":
            quote = expression[position : position + 3] if expression.startswith(char * 3, position) else char
            end = position + len(quote)
            while end < length and not expression.startswith(quote, end):
                end += 2 if expression[end] == "\\" else 1
            position = end + len(quote)
            continue
        if char == "(":
            before = _MACRO_CALL.search(expression[max(0, position - 64) : position])
            stack.append(bool(before and before.group(1) in MACROS))
            deepest = max(deepest, sum(stack))
        elif char == ")" and stack:
            stack.pop()
        elif _IN_OPERATOR.match(expression, position) and sum(stack):
            costliest = max(costliest, sum(stack) + 1)
        position += 1
    return deepest, max(deepest, costliest)


def comprehension_depth(expression: str) -> int:
    """The deepest nesting of comprehension macros in an expression (string literals skipped)."""
    return _depths(expression)[0]


def parse_field_path(text: str) -> Path:
    """``.securityContext.privileged`` or ``ports[0].hostPort`` (relative to the node) as a path."""
    written = text if text.startswith((".", "[")) else "." + text
    steps: list[Any] = []
    position = 0
    while position < len(written):
        match = _FIELD_STEP.match(written, position)
        if match is None:
            raise PolicyDefinitionError(
                f"cannot read {text!r} at character {position + 1}: expected .name, [index] or ['key']"
            )
        name, index, single, double = match.groups()
        steps.append(int(index) if index is not None else next(s for s in (name, single, double) if s is not None))
        position = match.end()
    return tuple(steps)


def longest_collection(value: Any) -> int:
    """The length of the longest list or mapping anywhere inside a value."""
    longest = 0
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, Mapping):
            longest = max(longest, len(item))
            stack.extend(item.values())
        elif isinstance(item, list):
            longest = max(longest, len(item))
            stack.extend(item)
    return longest


def _first_line(message: str) -> str:
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    return " ".join(lines[:1]) or "invalid expression"


def _compile_one(cel: Any, index: int, spec: Mapping[str, Any]) -> Rule:
    expression = spec["expression"]
    if len(expression) > MAX_EXPRESSION_LENGTH:
        raise PolicyDefinitionError(f"longer than {MAX_EXPRESSION_LENGTH} characters")
    depth, cost = _depths(expression)
    if depth > MAX_COMPREHENSION_DEPTH:
        raise PolicyDefinitionError(
            f"comprehensions (all, exists, map, ...) nest deeper than {MAX_COMPREHENSION_DEPTH}"
        )
    try:
        program = cel.compile(expression)
    except (ValueError, TypeError, RuntimeError) as exc:
        detail = str(exc)
        position = re.search(r"<input>:(\d+):(\d+): (.*)", detail)
        if position:
            raise PolicyDefinitionError(f"does not compile: column {position[2]}: {position[3].strip()}") from None
        raise PolicyDefinitionError(f"does not compile: {_first_line(detail)}") from None
    bound = set(_MACRO_VARIABLE.findall(expression))
    unknown = sorted(set(program.variables()) - set(VARIABLES) - bound)
    if unknown:
        raise PolicyDefinitionError(f"unknown variable {unknown[0]!r} (the variables are {', '.join(VARIABLES)})")
    return Rule(
        index=index,
        expression=expression,
        message=spec.get("message"),
        field_path=(),
        variables=tuple(name for name in VARIABLES if name in program.variables()),
        depth=cost,
        program=program,
    )


def compile_rules(
    specs: Sequence[Mapping[str, Any]], source: str, line_of: Callable[[Path], int] | None = None
) -> tuple[Rule, ...]:
    """Compile every ``validate`` entry; an error names the file, the line (when ``line_of`` is given: the
    line of a path in the policy file) and the field."""
    cel = _library(source)
    rules = []
    for index, spec in enumerate(specs):
        name = "expression"
        try:
            rule = _compile_one(cel, index, spec)
            if "fieldPath" in spec:
                name = "fieldPath"
                rule = replace(rule, field_path=parse_field_path(spec["fieldPath"]))
        except PolicyDefinitionError as exc:
            where = f"{source}:{line_of(('validate', index, name))}" if line_of else source
            raise PolicyDefinitionError(f"{where}: field validate[{index}].{name}: {exc}") from None
        rules.append(rule)
    return tuple(rules)


def failing(rules: Sequence[Rule], variables: Mapping[str, Any], describe: Callable[[], str]) -> Iterator[Rule]:
    """The rules whose expression is false for one node; :class:`ExpressionError` when one cannot be
    evaluated (``describe()``, `` on container 'web'`` or empty, names the node in its message)."""
    import cel

    needed = {name for rule in rules for name in rule.variables}
    try:
        context = cel.Context(variables={name: variables[name] for name in VARIABLES if name in needed})
    except Exception as exc:  # a value CEL has no type for
        raise ExpressionError(f"validate{describe()}: cannot pass the data to CEL: {exc}") from None
    longest = {name: longest_collection(variables[name]) for name in needed}
    for rule in rules:
        widest = max((longest[name] for name in rule.variables), default=0)
        if rule.depth and widest**rule.depth > MAX_ITERATIONS:
            raise ExpressionError(
                f"{rule.where}{describe()}: not evaluated: a list or map of {widest} items under {rule.depth} "
                f"nested comprehension(s) exceeds {MAX_ITERATIONS:,} steps"
            )
        try:
            result = rule.program.execute(context)
        except Exception as exc:  # the library's errors: KeyError, TypeError, RuntimeError, ZeroDivisionError...
            detail = str(exc).split(". ")[0].strip() or type(exc).__name__
            if isinstance(exc, KeyError):
                detail = f"no such key: {detail}"
            if isinstance(exc, KeyError):
                detail += " (test an optional field with has() first)"
            raise ExpressionError(f"{rule.where}{describe()}: {detail}") from None
        if not isinstance(result, bool):
            raise ExpressionError(f"{rule.where}{describe()}: gave {type(result).__name__}, not a bool")
        if not result:
            yield rule


def rule_violations(
    rules: Sequence[Rule],
    resource: Any,
    node: Any,
    container: Any,
    base: Path,
    options: Mapping[str, Any],
    key: str,
) -> Iterator[tuple[Rule, Path, Path, Any]]:
    """``(rule, path inside the node, path inside the resource, offending value)`` for each rule that is
    false on one node (``container``: a :class:`~conformance.targets.kubernetes.Container` or None)."""
    from conformance.targets.kubernetes import get_path

    variables = {"object": resource.data, "node": node, "options": options}
    describe = (lambda: f" on {container.label}") if container is not None else (lambda: "")
    for rule in failing(rules, variables, describe):
        sub_path = rule.field_path
        instance = get_path(node, sub_path) if sub_path else node
        path = container.source_path(sub_path) if container is not None else (*base, *sub_path)
        yield rule, sub_path, path, instance
