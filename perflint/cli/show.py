"""``--show-settings`` and ``--show-files``: what perflint would lint, and with what, as ruff shows it.

The settings are shown resolved for one file: the configuration file found (or none), the
target version and where it came from, the rules enabled for this file (after its
``per-file-ignores``), and the rest of the options. Paths from the repository are made
printable.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from perflint.output.printable import printable
from perflint.project.options import Options
from perflint.project.perfile import matching
from perflint.rules.registry import all_rules


def _value(value: object) -> str:
    if isinstance(value, (tuple, list)):
        return "[" + ", ".join(_value(item) for item in value) + "]"
    if value is None:
        return "none"
    return json.dumps(value, ensure_ascii=False)


def settings_text(path: str, options: Options) -> str:
    """The resolved settings for ``path``."""
    rules = {spec.code: spec for spec in all_rules(options.rule_paths)}
    hits = matching(path, options.per_file_ignores)
    off = {code for ignore in hits for code in ignore.codes}
    enabled = [
        code for code in options.select if code not in off and rules[code].applies_to(options.target_version)
    ]
    not_for_target = [code for code in options.select if not rules[code].applies_to(options.target_version)]
    ignores = [
        f"{'!' if ignore.negated else ''}{ignore.pattern} ({ignore.absolute}) = {_value(ignore.codes)}"
        for ignore in options.per_file_ignores
    ]
    exclude = [(f"exclude (relative to {rule.base})", rule.patterns) for rule in options.exclude]
    sections: list[tuple[str, Sequence[tuple[str, object]]]] = [
        (
            "rules",
            [
                ("target-version", f"{options.target_version} (from {options.target_from})"),
                ("selected", options.select),
                ("not for the target version", not_for_target),
                ("per-file-ignores", ignores),
                ("ignored in this file", sorted(off)),
                ("enabled for this file", enabled),
                ("rule-paths", options.rule_paths),
            ],
        ),
        (
            "fixes",
            [
                ("fix", options.fix),
                ("unsafe-fixes", options.unsafe_fixes),
                ("show-fixes", options.show_fixes),
            ],
        ),
        (
            "files",
            [
                *exclude,
                ("force-exclude", options.force_exclude),
                ("max-file-size", options.max_file_size),
                ("cache-dir", options.cache_dir),
            ],
        ),
        (
            "output",
            [
                ("output-format", options.format),
                ("output-file", str(options.output_file) if options.output_file else None),
                ("explain", options.explain),
                ("python", options.python),
                ("statistics", options.statistics),
                ("exit-zero", options.exit_zero),
                ("color", options.color),
                ("quiet", options.quiet),
                ("jobs", options.jobs),
                ("docs-url", options.docs_url),
            ],
        ),
    ]
    config = str(options.config_path) if options.config_path else "none (the defaults)"
    lines = [f"Resolved settings for: {path}", f"Settings path: {config}"]
    for title, items in sections:
        lines += ["", f"[{title}]"]
        for key, value in items:
            shown = value if isinstance(value, str) and key == "target-version" else _value(value)
            lines.append(f"{key} = {shown}")
    return printable("\n".join(lines), keep="\n") + "\n"


def files_text(paths: Sequence[str]) -> str:
    """``--show-files``: the files a run would lint, sorted, one a line."""
    return "".join(f"{printable(path)}\n" for path in sorted(paths))
