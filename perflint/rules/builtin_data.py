"""The built-in rules as one generated JSON file (``perflint.rules.registry.BUILTIN_DATA``),
which every run reads instead of 47 YAML files: each rule file's data as it was validated and
compiled here, a checksum of its bytes (a file edited since is read from its YAML instead) and
a pattern rule's needles (so that the prefilter compiles no pattern before a file holds them).

Regenerate after changing a rule file, the schema or the pattern compiler:

    python -m perflint.rules.builtin_data

``tests/test_builtin_data.py`` fails while the checked-in file is stale.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from perflint.rules.registry import (
    BUILTIN_DATA,
    file_crc,
    load_candidates,
    load_rule_file,
    rules_dir,
)
from perflint.rules.rule_yaml import read_yaml

ABOUT = "Generated from rules/*.yaml by `python -m perflint.rules.builtin_data`: do not edit."


def entry(path: Path) -> dict[str, Any]:
    """One rule file's entry: fully validated and compiled first (an error names the file)."""
    spec = load_rule_file(path)
    return {
        "crc32": file_crc(path.read_bytes()),
        "data": read_yaml(path, builtin=True),
        "needles": list(load_candidates(spec).needles) if spec.pattern is not None else None,
    }


def generate() -> str:
    """The text of ``BUILTIN_DATA`` for the rule files as they are now."""
    rules = {path.name: entry(path) for path in sorted(rules_dir().glob("*.yaml"))}
    return json.dumps({"about": ABOUT, "rules": rules}, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def write(target: Path = BUILTIN_DATA) -> None:
    """Write ``generate()`` to ``target`` atomically (a temporary file, then a rename)."""
    text = generate().encode("utf-8")
    fd, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(text)
        os.chmod(temp, 0o644)
        os.replace(temp, target)
    except BaseException:
        os.unlink(temp)
        raise


if __name__ == "__main__":
    write()
    print(f"wrote {BUILTIN_DATA}")
