"""The rules: one YAML file per rule (``rules/`` for perflint's own, a team's ``rule-paths``
for its packs), checked against ``rule.schema.json`` (``perflint.rules.schema``) and then for
what a schema cannot say (a code's prefix, a pattern that compiles, a check that exists), and
turned into ``RuleSpec``. A rule's prefilter side (``load_candidates``) is loaded without
libcst; its check class (and libcst with it, ``load_check``) only when a file needs it.
"""

from __future__ import annotations

import importlib
import os
import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import yaml

from perflint.rules.candidates import Candidates
from perflint.rules.schema import problems
from perflint.text.files import FileRefused, read_bounded
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


#: The largest rule file read (a rule pack comes from the repository being linted).
MAX_RULE_FILE = 1_000_000


class _NoRepeatedKeys(yaml.constructor.SafeConstructor):
    """A key given twice is an error, not the last one silently winning (a second
    ``python:`` would hide the first from a reviewer)."""

    def construct_mapping(self, node, deep=False):  # type: ignore[no-untyped-def]
        seen: set[object] = set()
        for key_node, _ in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if key is not None and key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"the key {key!r} is given twice", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


class _RuleLoader(_NoRepeatedKeys, yaml.SafeLoader):
    """YAML without aliases: ``*name`` lets a small file stand for an enormous tree (the
    "billion laughs"), and rule files never need it. Pure Python, so that a deeply nested
    rule pack is a RecursionError, never a crash of the C stack."""

    def compose_node(self, parent, index):  # type: ignore[no-untyped-def]
        if self.check_event(yaml.AliasEvent):
            mark = self.peek_event().start_mark
            raise yaml.composer.ComposerError(None, None, "aliases (*name) are not allowed in rule files", mark)
        return super().compose_node(parent, index)


#: libyaml's loader, for perflint's own rule files only (trusted: shipped with perflint): it
#: reads them ten times as fast as the pure-Python one, which every run would pay at start-up.
_BuiltinLoader = (
    type("_BuiltinLoader", (_NoRepeatedKeys, yaml.CSafeLoader), {}) if getattr(yaml, "__with_libyaml__", False) else None
)


def _read_yaml(path: Path, *, builtin: bool = False) -> object:
    """A rule file's data: read bounded and only if it is a regular file. ``builtin``: one of
    perflint's own rule files."""
    try:
        text = read_bounded(str(path), MAX_RULE_FILE).decode("utf-8")
    except FileRefused as error:
        raise RuleFileError(path, None, f"cannot read: {error}") from None
    except UnicodeDecodeError as error:
        raise RuleFileError(path, None, f"not UTF-8 (byte {error.start})") from None
    loader = _BuiltinLoader if builtin and _BuiltinLoader is not None and not _has_alias(text) else _RuleLoader
    try:
        return yaml.load(text, Loader=loader)  # noqa: S506 - a SafeLoader without aliases
    except yaml.YAMLError as error:
        raise RuleFileError(path, None, f"invalid YAML: {error}") from None
    except RecursionError:
        raise RuleFileError(path, None, "invalid YAML: nested too deeply") from None


def _is_builtin_file(path: Path) -> bool:
    return path.resolve().parent == rules_dir().resolve()


def _has_alias(text: str) -> bool:
    """Whether the YAML holds an alias (the pure-Python loader then says where)."""
    try:
        return any(isinstance(event, yaml.AliasEvent) for event in yaml.parse(text, Loader=yaml.CSafeLoader))
    except yaml.YAMLError:
        return True  # let the pure-Python loader report it


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
    spec = RuleSpec(
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
    load_candidates(spec)  # fail now, naming the file, if the check does not exist or compile
    return spec


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


def load_rules(directory: Path | None = None) -> tuple[RuleSpec, ...]:
    """All rule files of ``directory`` (default: the built-in rules), sorted by code."""
    directory = directory or rules_dir()
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


_FIELD_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def field_line(path: Path, field: str | None) -> int | None:
    """The line (1-based) of ``field`` (``where``, ``examples[0].slow``) in a rule file, or of
    the last part of it that exists; None when the file cannot be read as YAML."""
    try:
        node = yaml.compose(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None
    if node is None:
        return None
    line = node.start_mark.line + 1
    for name, index in _FIELD_PART.findall(field or ""):
        child = None
        if name and isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if key.value == name:
                    line, child = key.start_mark.line + 1, value
        elif index and isinstance(node, yaml.SequenceNode) and int(index) < len(node.value):
            child = node.value[int(index)]
            line = child.start_mark.line + 1
        if child is None:
            break
        node = child
    return line
