"""The rule-file schema: valid JSON Schema, shipped in the package, met by every built-in rule,
and applied by perflint's own validator with the same verdict as the ``jsonschema`` package;
its errors name the file, the key and its line."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from click.testing import CliRunner

from perflint.cli.main import cli
from perflint.rules.registry import builtin_rules, rules_dir
from perflint.rules.schema import SCHEMA_FILE, problems, properties, rule_schema

RULE_FILES = sorted(rules_dir().glob("*.yaml"))
VALIDATOR = jsonschema.Draft202012Validator(rule_schema())


def _data(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def test_the_schema_is_json_schema_and_ships_with_the_package() -> None:
    jsonschema.Draft202012Validator.check_schema(rule_schema())
    assert SCHEMA_FILE.parent.name == "rules" and SCHEMA_FILE.parent.parent.name == "perflint"
    assert len(RULE_FILES) == len(builtin_rules())


def test_every_key_is_described() -> None:
    described = rule_schema()["properties"]
    for key in properties():
        schema = described[key]
        while "$ref" in schema:
            schema = rule_schema()["$defs"][schema["$ref"].rsplit("/", 1)[1]]
        assert schema.get("description"), key


@pytest.mark.parametrize("path", RULE_FILES, ids=lambda path: path.stem)
def test_every_built_in_rule_meets_the_schema(path: Path) -> None:
    data = _data(path)
    assert problems(data) == []
    assert list(VALIDATOR.iter_errors(data)) == []


def _broken(data: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Variants of a valid rule file that each break the schema once."""
    variants = []

    def variant(label: str, change: Any) -> None:
        changed = copy.deepcopy(data)
        change(changed)
        variants.append((label, changed))

    variant("a required key missing", lambda d: d.pop("message"))
    variant("an unknown key", lambda d: d.update({"severity": "high"}))
    variant("a list that is text", lambda d: d.update({"tags": "performance"}))
    variant("an empty list of examples", lambda d: d.update({"examples": []}))
    variant("an example without its rewrite", lambda d: d["examples"][0].pop("fast"))
    variant("setup without stmt", lambda d: d["examples"][0].update({"setup": "x = 1"}) or d["examples"][0].pop("stmt", None))
    variant("an unknown target version", lambda d: d["python"].append("py37"))
    variant("a name that is not kebab-case", lambda d: d.update({"name": "Sorted_First"}))
    variant("a title on two lines", lambda d: d.update({"title": "one\ntwo"}))
    variant("a boolean that is text", lambda d: d.update({"enabled-by-default": "no"}))
    variant("a speed-up for no version", lambda d: d.update({"speedup": {"py27": "2x"}}))
    variant("a fixed case without applicability", lambda d: d["invalid"].append({"code": "x", "fixed": "y"}))
    variant("an import that is no name", lambda d: d.update({"fix-imports": ["os.path"]}))
    variant("a blank pattern", lambda d: d.update({"pattern": "  "}))
    return variants


PACK_RULE = RULE_FILES[[path.stem for path in RULE_FILES].index("PFL301-sorted-for-min-max")]


@pytest.mark.parametrize(("label", "data"), _broken(_data(PACK_RULE)), ids=lambda value: value if isinstance(value, str) else "")
def test_perflint_and_jsonschema_agree_on_broken_files(label: str, data: dict[str, Any]) -> None:
    assert problems(data), label
    assert list(VALIDATOR.iter_errors(data)), label


@pytest.mark.parametrize(
    ("change", "key", "message"),
    [
        (("tags: [", "tags: performance\nold-tags: ["), None, "unknown field(s): old-tags"),
        (("python: [", "python: [py37, "), "python", "'py37' is not one of py38"),
        (("name: sorted-for-min-max", "name: Sorted_For_Min"), "name", "is not kebab-case"),
    ],
)
def test_rules_validate_names_the_key_and_its_line(
    tmp_path: Path, change: tuple[str, str], key: str | None, message: str
) -> None:
    text = PACK_RULE.read_text(encoding="utf-8").replace("code: PFL301", "code: ACME301")
    assert change[0] in text
    broken = text.replace(change[0], change[1], 1)
    folder = tmp_path / "pack"
    folder.mkdir()
    (folder / "bad.yaml").write_text(broken, encoding="utf-8")
    result = CliRunner().invoke(cli, ["rules", "validate", str(folder)])
    assert result.exit_code == 1, result.output
    assert message in result.output
    if key is not None:
        line = next(number for number, row in enumerate(broken.splitlines(), 1) if row.startswith(f"{key}:"))
        assert f"bad.yaml:{line}:" in result.output


def test_the_fast_loader_reads_the_built_in_rules_as_the_careful_one_does() -> None:
    from perflint.rules.rule_yaml import read_yaml

    for path in RULE_FILES:
        assert read_yaml(path, builtin=True) == read_yaml(path, builtin=False), path.name


def test_a_rule_pack_is_read_by_the_careful_loader(tmp_path: Path) -> None:
    from perflint.rules.registry import RuleFileError, load_rule_file

    deep = tmp_path / "deep.yaml"
    deep.write_text("code: " + "[" * 50_000 + "]" * 50_000 + "\n")
    with pytest.raises(RuleFileError, match="nested too deeply"):
        load_rule_file(deep, pack=True)
    aliased = tmp_path / "alias.yaml"
    aliased.write_text("a: &x [1]\nb: *x\n")
    with pytest.raises(RuleFileError, match="aliases"):
        load_rule_file(aliased, pack=True)
