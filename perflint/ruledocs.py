"""A rule's documentation page, generated from its YAML file (``docs/rules/CODE.md``).

The sections are ruff's: What it does / Why is this bad? / Example / Use instead (from the
rule's ``why``, which is written in them, or from its first example), then Fix safety,
Measured and References, and for a pattern rule the pattern itself.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from perflint.types import PYTHON_VERSIONS, RuleSpec

#: Where the built-in rules' pages are, relative to the repository.
DOCS_DIR = "docs/rules"


def _fence(code: str, language: str = "python") -> list[str]:
    ticks = "`" * max(3, _longest_backtick_run(code) + 1)
    return [f"{ticks}{language}", *code.rstrip("\n").splitlines(), ticks]


def _longest_backtick_run(text: str) -> int:
    best = run = 0
    for char in text:
        run = run + 1 if char == "`" else 0
        best = max(best, run)
    return best


def _versions(spec: RuleSpec) -> str:
    if not spec.python:
        return "no CPython version (its rewrite measured no faster on any)"
    names = [f"3.{target[3:]}" for target in PYTHON_VERSIONS if target in spec.python]
    return "CPython " + ", ".join(names)


def render_rule(spec: RuleSpec) -> str:
    """The Markdown page of one rule."""
    lines = [f"# {spec.code} {spec.name}", "", f"{spec.title}.", ""]
    lines += [f"Applies to: {_versions(spec)}. {_fix_line(spec)}", ""]
    if not spec.default_enabled:
        lines += [f"Off by default: select it to run it (`--extend-select {spec.code}`).", ""]
    why = spec.why.strip()
    if "## What it does" not in why:
        why = f"## What it does\n\n{why}"
    lines += [why, ""]
    if "## Example" not in why:
        example = spec.examples[0]
        lines += ["## Example", "", *_fence(example.slow), "", "## Use instead", ""]
        lines += [*_fence(example.fast), ""]
    if spec.pattern is not None:
        lines += ["## Pattern", ""]
        for alternative in spec.pattern.alternatives:
            lines += [*_fence(alternative.pattern)]
            fix = alternative.fix if alternative.fix is not None else spec.pattern.fix
            if fix is not None:
                lines += ["", "is rewritten to", "", *_fence(fix)]
            lines.append("")
    lines += ["## Fix safety", "", _safety(spec), ""]
    lines += ["## Measured", "", *_measured(spec), ""]
    if spec.references:
        lines += ["## References", ""]
        lines += [f"- <{reference}>" if "://" in reference else f"- {reference}" for reference in spec.references]
        lines.append("")
    return "\n".join(lines)


def _fix_line(spec: RuleSpec) -> str:
    if spec.pattern is None:
        return "See Fix safety for when its fix is safe."
    if spec.fix_safety == "none":
        return "No automatic fix."
    return f"Fix: {spec.fix_safety}."


def _safety(spec: RuleSpec) -> str:
    if spec.pattern is None:
        return spec.fix_safety.strip()
    why = (spec.fix_safety_why or "").strip()
    word = {"safe": "The fix is safe.", "unsafe": "The fix is unsafe.", "none": "There is no fix."}
    return f"{word.get(spec.fix_safety, spec.fix_safety)}\n\n{why}".strip()


def _measured(spec: RuleSpec) -> list[str]:
    if not spec.speedup and not any(example.stmt for example in spec.examples):
        return ["Nothing to measure: the rule is about perflint's own comments, not the code's cost."]
    if not spec.speedup:
        return ["Not measured."]
    lines = [
        "The rule's examples, slow against fast, timed by `benchmarks/rule_speedups.py` "
        "(`timeit`, interleaved repeats, median; one figure per example):",
        "",
        "| CPython | speed-up |",
        "|---|---|",
    ]
    for target, figure in sorted(spec.speedup.items(), key=lambda item: _order(item[0])):
        lines.append(f"| {target.replace('py3', '3.')} | {figure} |")
    return lines


def _order(target: str) -> int:
    try:
        return int(target[3:])
    except ValueError:
        return 999


def render_index(specs: Sequence[RuleSpec]) -> str:
    lines = ["# Rules", "", "| code | name | what it flags |", "|---|---|---|"]
    for spec in specs:
        title = spec.title.replace("|", "\\|")
        lines.append(f"| [{spec.code}]({spec.code}.md) | {spec.name} | {title} |")
    return "\n".join(lines) + "\n"


_SECTION = re.compile(r"^## What it does[ \t]*\n+(.+?)(?:\n[ \t]*\n|\n##|\Z)", re.M | re.S)
_MARKUP = re.compile(r"`+|\*\*")


def what_it_does(spec: RuleSpec) -> str:
    """The first paragraph of the rule's "What it does" as plain text on one line (SARIF's
    full description); its title where the docs have no such section."""
    found = _SECTION.search(spec.why)
    if found is None:
        return f"{spec.title}."
    return " ".join(_MARKUP.sub("", found.group(1)).split())


def pages(specs: Sequence[RuleSpec]) -> dict[str, str]:
    """File name -> Markdown, for every rule and the index (``README.md``)."""
    found = {f"{spec.code}.md": render_rule(spec) for spec in specs}
    found["README.md"] = render_index(specs)
    return found
