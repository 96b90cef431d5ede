"""The rule-file schema (``rule.schema.json``, JSON Schema 2020-12, shipped beside this module)
and the validator perflint checks rule files with.

The validator knows the keywords the schema uses, and no others: ``type`` (one name), ``enum``,
``pattern``, ``minLength``, ``maxLength``, ``minItems``, ``items``, ``properties``,
``required``, ``additionalProperties``, ``propertyNames``, ``dependentRequired``, ``oneOf``
and ``$ref`` inside the schema (``#/...``). Each problem names the key it is about as
``examples[0].slow``, the form ``perflint.rules.rule_yaml.field_line`` finds the line of;
``x-message`` in a schema gives the problem's words where the generic ones would not help.
``tests/test_rule_schema.py`` checks that the built-in rules and the broken variants it
makes get the same verdict from the ``jsonschema`` package.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

SCHEMA_FILE = Path(__file__).with_name("rule.schema.json")

_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "array": (list,),
    "object": (dict,),
    "boolean": (bool,),
    "null": (type(None),),
}
_TYPE_WORDS = {"string": "text", "array": "a list", "object": "a mapping", "boolean": "true or false", "null": "null"}


@dataclass(frozen=True)
class Problem:
    """One way a document breaks the schema: the key it is about (None: the whole file)."""

    field: str | None
    message: str


@cache
def rule_schema() -> Mapping[str, Any]:
    """The schema of a rule file."""
    return json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


def properties() -> tuple[str, ...]:
    """Every key a rule file may have."""
    return tuple(rule_schema()["properties"])


def problems(document: object) -> list[Problem]:
    """Every way ``document`` (a rule file's data) breaks the schema, in document order."""
    schema = rule_schema()
    return list(_check(document, schema, None, schema))


def _join(field: str | None, part: str | int) -> str:
    if isinstance(part, int):
        return f"{field or ''}[{part}]"
    return part if field is None else f"{field}.{part}"


def _resolve(schema: Mapping[str, Any], root: Mapping[str, Any]) -> Mapping[str, Any]:
    while "$ref" in schema:
        reference = schema["$ref"]
        if not reference.startswith("#/"):
            raise ValueError(f"unsupported $ref {reference!r}: only references inside the schema")
        target: Any = root
        for part in reference[2:].split("/"):
            target = target[part]
        schema = target
    return schema


def _listed(names: Any) -> str:
    return ", ".join(str(name) for name in names)


def _check(value: object, schema: Mapping[str, Any], field: str | None, root: Mapping[str, Any]) -> Iterator[Problem]:
    schema = _resolve(schema, root)
    said = schema.get("x-message")
    if "oneOf" in schema:
        matching = [option for option in schema["oneOf"] if not any(_check(value, option, field, root))]
        if len(matching) != 1:
            # The option of the value's own type explains best; else the schema's words.
            typed = [option for option in schema["oneOf"] if _type_holds(value, _resolve(option, root))]
            if len(typed) == 1 and not said:
                yield from _check(value, typed[0], field, root)
            else:
                yield Problem(field, said or "is not any of the forms this key takes")
        return
    kind = schema.get("type")
    if kind is not None and not _type_holds(value, schema):
        yield Problem(field, said or f"must be {_TYPE_WORDS[kind]}")
        return
    if "enum" in schema and value not in schema["enum"]:
        yield Problem(field, said or f"{value!r} is not one of {_listed(schema['enum'])}")
        return
    if isinstance(value, str):
        yield from _check_text(value, schema, field, said)
    elif isinstance(value, list):
        if len(value) < schema.get("minItems", 0):
            yield Problem(field, said or f"must list at least {schema['minItems']}")
        if "items" in schema:
            for index, item in enumerate(value):
                yield from _check(item, schema["items"], _join(field, index), root)
    elif isinstance(value, dict):
        yield from _check_mapping(value, schema, field, root)


def _type_holds(value: object, schema: Mapping[str, Any]) -> bool:
    kind = schema.get("type")
    return kind is None or isinstance(value, _TYPES[kind])


def _check_text(value: str, schema: Mapping[str, Any], field: str | None, said: str | None) -> Iterator[Problem]:
    if len(value) < schema.get("minLength", 0):
        yield Problem(field, said or "must not be empty")
    elif len(value) > schema.get("maxLength", len(value)):
        yield Problem(field, f"is {len(value)} characters long; at most {schema['maxLength']}")
    elif "pattern" in schema and not re.search(schema["pattern"], value):
        yield Problem(field, said or f"{value!r} does not match {schema['pattern']}")


def _check_mapping(
    value: dict[Any, Any], schema: Mapping[str, Any], field: str | None, root: Mapping[str, Any]
) -> Iterator[Problem]:
    known = schema.get("properties", {})
    for key in schema.get("required", ()):
        if key not in value:
            yield Problem(_join(field, key), "missing")
    for key, needed in schema.get("dependentRequired", {}).items():
        if key in value:
            for other in needed:
                if other not in value:
                    yield Problem(_join(field, key), f"goes with '{other}'")
    extra = schema.get("additionalProperties", True)
    unknown = [key for key in value if key not in known]
    if extra is False and unknown:
        what = "field(s)" if field is None else "key(s)"
        yield Problem(field, f"unknown {what}: {_listed(sorted(map(str, unknown)))}")
    names = schema.get("propertyNames")
    for key, item in value.items():
        if names is not None:
            for problem in _check(key, names, _join(field, str(key)), root):
                yield Problem(problem.field, f"key {problem.message}")
        if key in known:
            yield from _check(item, known[key], _join(field, str(key)), root)
        elif isinstance(extra, dict):
            yield from _check(item, extra, _join(field, str(key)), root)
