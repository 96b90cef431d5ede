"""The generated data of the built-in rules (``perflint/rules/builtin_rules.json``): fresh (the
command that regenerates it writes exactly the checked-in file), giving the same rules as the
YAML files read, validated and compiled one by one, and used: a run reads no YAML, validates
nothing against the schema and compiles no pattern rule whose needles a file lacks, while a
rule file edited since is read from its YAML."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from perflint.rules import registry
from perflint.rules.builtin_data import entry, generate
from perflint.rules.registry import BUILTIN_DATA, load_candidates, load_rule_file, rules_dir

REGENERATE = "python -m perflint.rules.builtin_data"


def test_the_checked_in_data_is_fresh() -> None:
    assert BUILTIN_DATA.read_text(encoding="utf-8") == generate(), f"stale: run `{REGENERATE}`"


def test_built_in_rules_equal_the_rule_files_read_one_by_one() -> None:
    from_files = sorted((load_rule_file(path) for path in rules_dir().glob("*.yaml")), key=lambda s: s.code)
    assert registry.load_rules() == tuple(from_files)


def test_every_pattern_rule_has_the_needles_of_its_compiled_patterns() -> None:
    specs = registry.load_rules()
    read = [spec for spec in specs if registry._NEEDLES.get(id(spec), (None,))[0] is spec]
    assert read == [spec for spec in specs if spec.pattern is not None] and read
    for spec in specs:
        assert registry.needles(spec) == load_candidates(spec).needles, spec.code


_PROBE = """
import json
from perflint.rules import registry, schema
from perflint.rules.patterns import spec as compiler
calls = []
schema.problems = registry.problems = lambda data: calls.append("schema") or []
real = compiler.compile_rule
compiler.compile_rule = lambda spec: calls.append(spec.code) or real(spec)
import perflint.rules.patterns.candidates as candidates
candidates.compile_rule = compiler.compile_rule
from perflint.engine.lint import lint
from perflint.types import Settings
specs = registry.builtin_rules()
settings = Settings(select=tuple(spec.code for spec in specs))
lint("x = 1\\n", "one.py", settings)
needleless = sorted(
    s.code for s in specs
    if s.pattern is not None and not registry.needles(s) and s.applies_to(settings.target_version)
)
print(json.dumps({"calls": calls, "needleless": needleless}))
"""


def test_a_run_validates_nothing_and_compiles_only_rules_a_file_may_need() -> None:
    out = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True, check=True).stdout
    found = json.loads(out)
    assert "schema" not in found["calls"]
    # Only the pattern rules without needles ("x = 1" holds no identifier of any), once each.
    assert found["calls"] == found["needleless"] and found["needleless"]


def test_a_rule_file_edited_since_is_read_from_its_yaml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "rules"
    shutil.copytree(rules_dir(), folder)
    target = sorted(folder.glob("*.yaml"))[3]
    target.write_text(target.read_text(encoding="utf-8").replace("\nwhy:", "\nwhy: |-\n  Edited.\nwhy_old:", 1))
    monkeypatch.setattr(registry, "rules_dir", lambda: folder)
    with pytest.raises(registry.RuleFileError, match="why_old"):
        registry.load_rules()  # the edit is seen, and validated against the schema


def test_an_entry_records_the_file_bytes() -> None:
    path = sorted(rules_dir().glob("*.yaml"))[0]
    recorded = json.loads(BUILTIN_DATA.read_text(encoding="utf-8"))["rules"][path.name]
    assert recorded == entry(path)
    assert recorded["crc32"] == registry.file_crc(path.read_bytes())
