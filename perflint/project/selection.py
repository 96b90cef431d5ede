"""Rule selection, layered like ruff's: the file's ``select``/``extend-select``/``ignore`` are
applied first, then the command line's, and within a layer the most specific selector wins
(``ignore = ["PFL1"]`` with ``select = ["PFL101"]`` keeps PFL101). A selector that matches no
rule is an error that names it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from perflint.project import ConfigError
from perflint.rules.registry import RuleFileError, all_rules, field_line
from perflint.types import RuleSpec

ALL = "ALL"


def known_rules(rule_paths: tuple[str, ...] = ()) -> tuple[RuleSpec, ...]:
    """The built-in rules and the packs in ``rule_paths``; a pack that cannot be loaded is a
    ConfigError naming its file, key and line."""
    try:
        return all_rules(rule_paths)
    except RuleFileError as error:
        line = field_line(error.path, error.field)
        where = f"{error.path}:{line}" if line is not None else str(error.path)
        message = str(error).removeprefix(str(error.path)).lstrip(": ")
        raise ConfigError(f"{where}: {message}") from None


def selector_matches(selector: str, spec: RuleSpec) -> int:
    """How specifically ``selector`` names ``spec``: 0 = not at all, 1 = ALL, larger = more specific."""
    if selector == ALL:
        return 1
    if selector == spec.code or selector == spec.name:
        return 100
    if selector.upper() == selector and spec.code.startswith(selector):
        return 1 + len(selector)
    return 0


def check_selectors(selectors: Sequence[str], where: str, rule_paths: tuple[str, ...] = ()) -> None:
    rules = known_rules(rule_paths)
    unknown = [s for s in selectors if not any(selector_matches(s, spec) for spec in rules)]
    if unknown:
        raise ConfigError(
            f"{where}: unknown rule selector(s): {', '.join(repr(s) for s in unknown)}"
            " (use a code like PFL101, a prefix like PFL1, a rule name, or ALL)"
        )


@dataclass(frozen=True)
class SelectionLayer:
    """One source of rule selection (the config file, then the command line)."""

    select: tuple[str, ...] | None = None
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()


def resolve_selection(
    layers: Sequence[SelectionLayer], rule_paths: tuple[str, ...] = ()
) -> tuple[str, ...]:
    """The codes enabled after applying each layer in turn; before the first layer, every
    rule (the packs' too) except those off by default (PFL001, as ruff's RUF100)."""
    rules = known_rules(rule_paths)
    enabled = {spec.code for spec in rules if spec.default_enabled}
    for layer in layers:
        selects = (*(layer.select or ()), *layer.extend_select)
        for spec in rules:
            chosen = max((selector_matches(s, spec) for s in selects), default=0)
            dropped = max((selector_matches(s, spec) for s in layer.ignore), default=0)
            if dropped and dropped >= chosen:
                enabled.discard(spec.code)
            elif chosen:
                enabled.add(spec.code)
            elif layer.select is not None:
                enabled.discard(spec.code)  # a layer with ``select`` starts over
    return tuple(sorted(enabled))
