"""Rule files as YAML: read bounded, without aliases or repeated keys (a rule pack comes from
the repository being linted), and the line of a field for an error. PyYAML is imported only
here, and this module only for a rule file read from its YAML (a rule pack, an edited
built-in rule, ``perflint rules validate``) or an error's line: a run on the built-in rules
reads their generated data (``perflint.rules.registry.BUILTIN_DATA``).
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from perflint.rules import MAX_RULE_FILE
from perflint.text.files import FileRefused, read_bounded


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


class RuleYamlError(Exception):
    """A rule file that cannot be read as YAML; the message says why."""


def read_yaml(path: Path, *, builtin: bool = False) -> object:
    """A rule file's data: read bounded and only if it is a regular file. ``builtin``: one of
    perflint's own rule files."""
    try:
        text = read_bounded(str(path), MAX_RULE_FILE).decode("utf-8")
    except FileRefused as error:
        raise RuleYamlError(f"cannot read: {error}") from None
    except UnicodeDecodeError as error:
        raise RuleYamlError(f"not UTF-8 (byte {error.start})") from None
    loader = _BuiltinLoader if builtin and _BuiltinLoader is not None and not _has_alias(text) else _RuleLoader
    try:
        return yaml.load(text, Loader=loader)  # noqa: S506 - a SafeLoader without aliases
    except yaml.YAMLError as error:
        raise RuleYamlError(f"invalid YAML: {error}") from None
    except RecursionError:
        raise RuleYamlError("invalid YAML: nested too deeply") from None


def _has_alias(text: str) -> bool:
    """Whether the YAML holds an alias (the pure-Python loader then says where)."""
    try:
        return any(isinstance(event, yaml.AliasEvent) for event in yaml.parse(text, Loader=yaml.CSafeLoader))
    except yaml.YAMLError:
        return True  # let the pure-Python loader report it


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
