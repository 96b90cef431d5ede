"""A rule's documentation page, generated from its YAML file (``docs/rules/CODE.md``).

The sections are ruff's: What it does / Why is this bad? / Example / Use instead (from the
rule's ``why``, which is written in them, or from its first example), then Fix safety,
Measured and References, and for a pattern rule the pattern itself.
"""

from __future__ import annotations

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
    lines = [f"# {spec.code} {spec.name}", ""]
    lines += [f"Applies to: {_versions(spec)}. {_fix_line(spec)}", ""]
    why = spec.why.strip()
    if "## What it does" not in why:
        why = f"## What it does\n\n{why}"
    lines += [why, ""]
    if "## Example" not in why:
        example = spec.examples[0]
        lines += ["## Example", "", *_fence(example.slow), "", "## Use instead", ""]
        lines += [*_fence(example.fast), ""]
    if spec.patterns:
        lines += ["## Pattern", ""]
        for pattern in spec.patterns:
            lines += [*_fence(pattern), ""]
        if spec.fix_template is not None:
            lines += ["Fix:", "", *_fence(spec.fix_template), ""]
    lines += ["## Fix safety", "", spec.fix_safety.strip(), ""]
    lines += ["## Measured", "", *_measured(spec), ""]
    if spec.references:
        lines += ["## References", ""]
        lines += [f"- <{reference}>" if "://" in reference else f"- {reference}" for reference in spec.references]
        lines.append("")
    return "\n".join(lines)


def _fix_line(spec: RuleSpec) -> str:
    if spec.patterns and spec.fix_template is None:
        return "No automatic fix."
    if spec.patterns:
        return f"Fix: {spec.applicability}."
    return "See Fix safety for when its fix is safe."


def _measured(spec: RuleSpec) -> list[str]:
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
    lines = ["# Rules", "", "| code | name | message |", "|---|---|---|"]
    for spec in specs:
        message = spec.message.replace("|", "\\|").replace("\n", " ")
        lines.append(f"| [{spec.code}]({spec.code}.md) | {spec.name} | {message} |")
    return "\n".join(lines) + "\n"


def pages(specs: Sequence[RuleSpec]) -> dict[str, str]:
    """File name -> Markdown, for every rule and the index (``README.md``)."""
    found = {f"{spec.code}.md": render_rule(spec) for spec in specs}
    found["README.md"] = render_index(specs)
    return found
