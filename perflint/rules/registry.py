"""The rules: one YAML file per rule (``rules/`` for perflint's own, a team's ``rule-paths``
for its packs), checked against ``rule.schema.json`` (``perflint.rules.schema``) and then for
what a schema cannot say (a code's prefix, a pattern that compiles, a check that exists), and
turned into ``RuleSpec``. A rule's prefilter side (``load_candidates``) is loaded without
libcst; its check class (and libcst with it, ``load_check``) only when a file needs it.
The built-in rules come from their generated data (``BUILTIN_DATA``), already validated and
compiled when it was generated; a pattern rule's needles with them, so that its patterns are
compiled only for a file that holds them.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import zlib
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from perflint.rules.candidates import Candidates
from perflint.rules.schema import problems
from perflint.types import Alternative, Example, InvalidCase, PatternSpec, RuleSpec

if TYPE_CHECKING:
    from perflint.rules.api import Rule

_Class = TypeVar("_Class")

#: ``fix-safety`` of a pattern rule (and of an ``any:`` alternative).
FIX_SAFETY = ("safe", "unsafe", "none")
#: perflint's codes: PFL001-PFL099 are about perflint itself (PFL000, a file that cannot be
#: analysed, is no rule), PFL100 and up about the code's cost.
_CODE = re.compile(r"^PFL(?!000)\d{3}$")
#: ``check:`` names a class of a module in ``perflint.rules.checks``, nothing else.
_CHECK = re.compile(r"^[a-z_][a-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*$")
#: A rule pack's codes: a prefix of its own (PFL is perflint's) and digits, e.g. ACME001.
_PACK_CODE = re.compile(r"^(?!PFL)[A-Z][A-Z0-9]*[0-9]{2,}$")


class RuleFileError(Exception):
    """A rule file that cannot be used; the message names the file and the field."""

    def __init__(self, path: Path, field: str | None, problem: str) -> None:
        where = f"{path}" + (f": field '{field}'" if field else "")
        super().__init__(f"{where}: {problem}")
        self.path = path
        self.field = field


def rules_dir() -> Path:
    """Where the rule files are: inside the installed package, else the source checkout."""
    package = Path(__file__).resolve().parents[1]  # perflint/
    packaged = package / "_rules"
    if packaged.is_dir():
        return packaged
    return package.parent / "rules"


def _examples(data: dict[str, Any]) -> tuple[Example, ...]:
    return tuple(
        Example(slow=item["slow"], fast=item["fast"], setup=item.get("setup"), stmt=item.get("stmt"))
        for item in data["examples"]
    )


def _invalid(data: dict[str, Any]) -> tuple[InvalidCase, ...]:
    return tuple(
        InvalidCase(code=item)
        if isinstance(item, str)
        else InvalidCase(code=item["code"], fixed=item.get("fixed"), applicability=item.get("applicability"))
        for item in data["invalid"]
    )


def _read_yaml(path: Path, *, builtin: bool = False) -> object:
    """A rule file's data (``perflint.rules.rule_yaml``, imported with PyYAML only for a rule
    file read from its YAML). ``builtin``: one of perflint's own rule files."""
    from perflint.rules import rule_yaml

    try:
        return rule_yaml.read_yaml(path, builtin=builtin)
    except rule_yaml.RuleYamlError as error:
        raise RuleFileError(path, None, str(error)) from None


def _is_builtin_file(path: Path) -> bool:
    return path.resolve().parent == rules_dir().resolve()


def load_rule_file(path: Path, *, pack: bool = False) -> RuleSpec:
    """Parse and validate one rule file; raise ``RuleFileError`` naming the field at fault.

    ``pack``: a team's own rule file, whose code has a prefix of its own (``ACME001``).
    """
    data = _read_yaml(path, builtin=not pack and _is_builtin_file(path))
    if not isinstance(data, dict):
        raise RuleFileError(path, None, "must be a YAML mapping")
    found = problems(data)
    if found:
        raise RuleFileError(path, found[0].field, found[0].message)
    spec = rule_spec(path, data, pack=pack)
    load_candidates(spec)  # fail now, naming the file, if the check does not exist or compile
    return spec


def rule_spec(path: Path, data: dict[str, Any], *, pack: bool = False) -> RuleSpec:
    """The ``RuleSpec`` of a rule file's data that meets the schema, checked for what the
    schema cannot say; ``RuleFileError`` names the field at fault."""
    if "fix-safety" not in data and not _every_alternative_says_safety(data):
        raise RuleFileError(path, "fix-safety", "missing")
    code = data["code"]
    if pack and not _PACK_CODE.match(code):
        raise RuleFileError(
            path, "code", f"{code!r} is not a prefix of upper-case letters (not PFL) and digits, like ACME001"
        )
    if not pack and not _CODE.match(code):
        raise RuleFileError(path, "code", f"{code!r} is not of the form PFL123")
    name = data["name"]
    speedup = data.get("speedup", {})
    pattern = _pattern_spec(path, data)
    if pattern is None and "check" not in data:
        raise RuleFileError(path, None, "needs 'pattern:', 'any:' or 'check:'")
    for key in ("where", "fix", "safe-when", "fix-imports"):
        if key in data and pattern is None:
            raise RuleFileError(path, key, "goes with 'pattern:' or 'any:'")
    min_python = data.get("min-python")
    return RuleSpec(
        code=code,
        name=name,
        message=data["message"],
        fix_title=data["fix-title"],
        why=data["why"],
        examples=_examples(data),
        valid=tuple(data["valid"]),
        invalid=_invalid(data),
        fix_safety=data.get("fix-safety", "unsafe"),
        python=tuple(data["python"]),
        tags=tuple(data["tags"]),
        references=tuple(data["references"]),
        check=data.get("check"),
        source_file=path,
        speedup={str(key): str(value) for key, value in speedup.items()},
        pattern=pattern,
        fix_safety_why=data.get("fix-safety-why"),
        min_python=min_python,
        title=data["title"].strip() if "title" in data else name.replace("-", " ").capitalize(),
        default_enabled=data.get("enabled-by-default", True),
    )


def _every_alternative_says_safety(data: dict[str, Any]) -> bool:
    items = data.get("any")
    return isinstance(items, list) and bool(items) and all(
        isinstance(item, dict) and "fix-safety" in item for item in items
    )


def _safety(path: Path, field: str, value: object) -> str:
    """A pattern rule's ``fix-safety`` (a check rule's is prose, so the schema takes any text)."""
    if value not in FIX_SAFETY:
        raise RuleFileError(path, field, f"must be one of {', '.join(FIX_SAFETY)} (the prose goes in fix-safety-why)")
    return str(value)


def _alternative(item: str | dict[str, Any]) -> Alternative:
    if isinstance(item, str):
        return Alternative(item)
    return Alternative(
        pattern=item["pattern"],
        fix=item.get("fix"),
        fix_safety=item.get("fix-safety"),
        where=item.get("where"),
        safe_when=item.get("safe-when"),
    )


def _pattern_spec(path: Path, data: dict[str, Any]) -> PatternSpec | None:
    """The pattern parts of a rule file, or None for a rule that is a check."""
    if "pattern" in data and "any" in data:
        raise RuleFileError(path, "any", "give 'pattern:' or 'any:', not both")
    if "pattern" in data:
        alternatives: tuple[Alternative, ...] = (_alternative(data["pattern"]),)
    elif "any" in data:
        alternatives = tuple(_alternative(item) for item in data["any"])
    else:
        return None
    if "fix-safety" in data:
        _safety(path, "fix-safety", data["fix-safety"])
    return PatternSpec(
        alternatives=alternatives,
        any_of="any" in data,
        fix=data.get("fix"),
        where=data.get("where"),
        safe_when=data.get("safe-when"),
        fix_imports=tuple(data.get("fix-imports", ())),
    )


def load_candidates(spec: RuleSpec) -> type[Candidates]:
    """The rule's prefilter side, without libcst: compiled from its patterns, or the class of
    ``perflint.rules.prefilters`` named like the check its ``check:`` field names."""
    if spec.pattern is not None:
        from perflint.rules.patterns.candidates import PatternCandidates, pattern_candidates
        from perflint.rules.patterns.spec import PatternRuleError

        base = None
        if spec.check is not None:
            base = _named_class(spec, "prefilters", Candidates)
            if not issubclass(base, PatternCandidates):
                raise RuleFileError(spec.source_file, "check", "beside 'pattern:' must name a PatternRule")
        try:
            return pattern_candidates(spec, base)
        except PatternRuleError as error:
            raise RuleFileError(spec.source_file, error.field, str(error)) from None
    return _named_class(spec, "prefilters", Candidates)


def load_check(spec: RuleSpec) -> type[Rule]:
    """The rule's check class (its prefilter side and its libcst side; imports libcst):
    compiled from its patterns, or the class its ``check:`` field names in
    ``perflint.rules.checks``."""
    from perflint.rules.api import Rule

    candidates = load_candidates(spec)
    if spec.pattern is not None:
        from perflint.rules.patterns.rule import PatternRule, pattern_check

        base = None
        if spec.check is not None:
            base = _named_class(spec, "checks", PatternRule)
        return pattern_check(spec, candidates, base)
    check = _named_class(spec, "checks", Rule)
    assert issubclass(check, candidates), f"{spec.check} does not extend its prefilter side"
    return check


def _named_class(spec: RuleSpec, package: str, kind: type[_Class]) -> type[_Class]:
    """The class a ``check:`` field names, in ``perflint.rules.checks`` (the check) or
    ``perflint.rules.prefilters`` (its prefilter side, a module and class of the same names);
    the error names the check either way."""
    assert spec.check is not None
    module_name, _, class_name = spec.check.rpartition(".")
    if not _CHECK.match(spec.check):
        raise RuleFileError(spec.source_file, "check", "must be 'module.ClassName' of perflint.rules.checks")
    try:
        module = importlib.import_module(f"perflint.rules.{package}.{module_name}")
    except ModuleNotFoundError:
        raise RuleFileError(
            spec.source_file, "check", f"no module perflint.rules.checks.{module_name}"
        ) from None
    cls = getattr(module, class_name, None)
    if not (isinstance(cls, type) and issubclass(cls, kind)):
        raise RuleFileError(
            spec.source_file, "check", f"perflint.rules.checks.{module_name} has no rule class {class_name}"
        )
    return cls


#: The built-in rules' data, generated from their YAML files by ``python -m
#: perflint.rules.builtin_data`` (``tests/test_builtin_data.py`` fails when it is stale): read
#: in C by ``json``, validated once when generated, so a run neither constructs YAML in
#: Python, nor checks perflint's own files against the schema, nor compiles a pattern rule
#: before a file holds its needles.
BUILTIN_DATA = Path(__file__).with_name("builtin_rules.json")

#: id(spec) -> (spec, needles) of the built-in pattern rules read from ``BUILTIN_DATA``.
_NEEDLES: dict[int, tuple[RuleSpec, tuple[str, ...]]] = {}


def file_crc(data: bytes) -> int:
    """What ``BUILTIN_DATA`` records of a rule file's bytes, to notice a file edited since."""
    return zlib.crc32(data)


def _generated() -> dict[str, Any]:
    try:
        with open(BUILTIN_DATA, "rb") as file:
            return dict(json.load(file)["rules"])
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def _builtin_rule(path: Path, generated: dict[str, Any]) -> RuleSpec:
    """A built-in rule from ``BUILTIN_DATA`` when its entry is of the file as it is now, else
    read, validated and compiled from the file itself."""
    entry = generated.get(path.name)
    try:
        fresh = entry is not None and entry["crc32"] == file_crc(path.read_bytes())
    except OSError:
        fresh = False
    if not fresh:
        return load_rule_file(path)
    assert entry is not None
    spec = rule_spec(path, entry["data"])
    if entry["needles"] is not None:
        _NEEDLES[id(spec)] = (spec, tuple(entry["needles"]))
    return spec


def needles(spec: RuleSpec) -> tuple[str, ...]:
    """The rule's prefilter ``needles``: a built-in pattern rule's from ``BUILTIN_DATA``
    (nothing compiled), any other's from its prefilter side."""
    known = _NEEDLES.get(id(spec))
    if known is not None and known[0] is spec:
        return known[1]
    return load_candidates(spec).needles


def load_rules(directory: Path | None = None) -> tuple[RuleSpec, ...]:
    """All rule files of ``directory`` (default: the built-in rules, from ``BUILTIN_DATA``
    where it is fresh), sorted by code."""
    if directory is None:
        generated = _generated()
        specs = [_builtin_rule(path, generated) for path in sorted(rules_dir().glob("*.yaml"))]
    else:
        specs = [load_rule_file(path) for path in sorted(directory.glob("*.yaml"))]
    _unique(specs)
    for spec in specs:
        expected = f"{spec.code}-{spec.name}.yaml"
        if spec.source_file.name != expected:
            raise RuleFileError(spec.source_file, None, f"file should be named {expected}")
    return tuple(sorted(specs, key=lambda spec: spec.code))


def _unique(specs: list[RuleSpec]) -> None:
    seen: dict[str, Path] = {}
    for spec in specs:
        for key in (spec.code, spec.name):
            if key in seen:
                raise RuleFileError(spec.source_file, None, f"{key} is also defined in {seen[key]}")
            seen[key] = spec.source_file


@cache
def builtin_rules() -> tuple[RuleSpec, ...]:
    return load_rules()


@cache
def all_rules(rule_paths: tuple[str, ...] = ()) -> tuple[RuleSpec, ...]:
    """The built-in rules and the rule packs in ``rule_paths`` (every ``*.yaml`` of each
    folder), sorted by code; a code or name defined twice is an error naming both files."""
    specs = list(builtin_rules())
    for folder in rule_paths:
        directory = Path(folder)
        if not directory.is_dir():
            raise RuleFileError(directory, None, "is not a folder of rule files")
        real = os.path.realpath(directory)
        for path in sorted(directory.glob("*.yaml")):
            if os.path.commonpath([os.path.realpath(path), real]) != real:
                raise RuleFileError(path, None, "links outside its rule folder: not read")
            specs.append(load_rule_file(path, pack=True))
    _unique(specs)
    return tuple(sorted(specs, key=lambda spec: spec.code))


def rule_by_code(code: str) -> RuleSpec | None:
    for spec in builtin_rules():
        if spec.code == code or spec.name == code:
            return spec
    return None


def field_line(path: Path, field: str | None) -> int | None:
    """The line (1-based) of ``field`` in a rule file (``perflint.rules.rule_yaml.field_line``)."""
    from perflint.rules import rule_yaml

    return rule_yaml.field_line(path, field)
