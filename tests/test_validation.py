from __future__ import annotations

import subprocess
import sys

from conformance.validation import SchemaError, compile_schema, meta_schema_problem, schema_problem

ITEMS = {"type": "array", "items": {"type": "string"}, "maxItems": 1}


def test_valid_data_needs_no_pure_python_library() -> None:
    code = (
        "import sys\n"
        "from conformance.validation import compile_schema\n"
        "v = compile_schema({'type': 'object', 'required': ['a']})\n"
        "assert v.is_valid({'a': 1}) and v.first_error({'a': 1}) is None and v.errors({'a': 1}) == []\n"
        "assert 'jsonschema' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_errors_carry_paths_in_order() -> None:
    errors = compile_schema(ITEMS).errors(["a", 2, 3])
    assert [e.path for e in errors] == [(), (1,), (2,)]
    assert errors[1].instance == 2


def test_non_string_keys_fall_back_to_the_pure_python_library() -> None:
    validator = compile_schema({"type": "object", "additionalProperties": {"type": "integer"}})
    data = {True: "x"}  # YAML 1.1's `on:`
    assert not validator.is_valid(data)
    assert validator.errors(data) == [SchemaError((True,), "'x' is not of type 'integer'", "x")]


def test_first_error_ordered_and_in_library_order() -> None:
    validator = compile_schema(ITEMS)
    assert validator.first_error(["a", 2]) is not None
    ordered = validator.first_error([1, "b"])
    assert ordered is not None and ordered.path == ()  # maxItems, at the root, before the item
    unordered = validator.first_error([1, "b"], ordered=False)
    assert unordered is not None and unordered.path == (0,)


def test_custom_messages() -> None:
    schema = {"properties": {"day": {"type": "string", "pattern": "^\\d{4}$", "errorMessage": "is not a year"}}}
    error = compile_schema(schema).first_error({"day": "x"}, custom_messages=True)
    assert error == SchemaError(("day",), "'x' is not a year", "x", schema["properties"]["day"])
    plain = compile_schema(schema).first_error({"day": "x"})
    assert plain is not None and plain.message == "'x' does not match '^\\\\d{4}$'"


def test_schema_problems() -> None:
    assert meta_schema_problem({"type": "integer"}) is None
    assert meta_schema_problem({"type": 3}) is not None
    assert schema_problem({"$ref": "#/$defs/missing"}) is not None
    assert meta_schema_problem({"$ref": "#/$defs/missing"}) is None
    assert schema_problem({"properties": {True: {}}}) is None
