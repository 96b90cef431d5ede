"""Reading ``[tool.perflint]``, merging it with the command line, and resolving rule selectors."""

from __future__ import annotations

from pathlib import Path

import pytest

from perflint.project import ConfigError
from perflint.project.config import FileConfig, find_config, load_config
from perflint.project.options import DEFAULT_EXCLUDES, ExcludeRule, resolve_options, settings_config
from perflint.project.requires_python import target_from_requires_python
from perflint.project.selection import SelectionLayer, resolve_selection
from perflint.rules.registry import builtin_rules
from perflint.types import DEFAULT_MAX_FILE_SIZE, current_target

ALL_CODES = {spec.code for spec in builtin_rules()}


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# -- finding and loading ----------------------------------------------------------------------


def test_nearest_pyproject_with_a_perflint_table_wins(tmp_path: Path) -> None:
    outer = write(tmp_path / "pyproject.toml", "[tool.perflint]\nfix = true\n")
    write(tmp_path / "pkg" / "pyproject.toml", "[project]\nname = 'inner'\n")
    (tmp_path / "pkg" / "src").mkdir()
    assert find_config(tmp_path / "pkg" / "src") == outer
    inner = write(tmp_path / "pkg" / "pyproject.toml", "[tool.perflint]\nfix = false\n")
    assert find_config(tmp_path / "pkg" / "src") == inner


def test_without_any_table_the_nearest_pyproject_is_used(tmp_path: Path) -> None:
    nearest = write(tmp_path / "a" / "pyproject.toml", '[project]\nrequires-python = ">=3.12"\n')
    (tmp_path / "a" / "b").mkdir()
    assert find_config(tmp_path / "a" / "b") == nearest
    config = load_config(nearest)
    assert config.values == {} and config.requires_python == ">=3.12"
    assert resolve_options({}, config, tmp_path).target_version == "py312"


def test_values_are_validated(tmp_path: Path) -> None:
    path = write(
        tmp_path / "pyproject.toml",
        '[tool.perflint]\nselect = ["PFL1"]\nunsafe-fixes = true\njobs = 3\ntarget-version = "py312"\n',
    )
    config = load_config(path)
    assert config.values == {
        "select": ("PFL1",),
        "unsafe-fixes": True,
        "jobs": 3,
        "target-version": "py312",
    }
    assert config.root == tmp_path


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ("selct = []", "'selct' (did you mean 'select'?)"),
        ("frobnicate = 1\nfix = true", "'frobnicate'"),
        ("fix = 'yes'", "'fix' must be true or false"),
        ("select = 'PFL101'", "'select' must be a list of strings"),
        ("jobs = 0", "'jobs' must be a whole number"),
        ("target-version = 'py37'", "'target-version' must be one of"),
        ("format = 'xml'", "'format' must be one of"),
        ("color = 'sometimes'", "'color' must be one of"),
        ("ignore = ['PFL9']", "unknown rule selector(s): 'PFL9'"),
        ("extend-select = ['range-len-indexes']", "'range-len-indexes'"),
    ],
)
def test_bad_configuration_names_the_problem(tmp_path: Path, body: str, named: str) -> None:
    path = write(tmp_path / "pyproject.toml", f"[tool.perflint]\n{body}\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert named in str(caught.value)
    assert str(path) in str(caught.value)


def test_invalid_toml_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path / "pyproject.toml", "[tool.perflint\n")
    with pytest.raises(ConfigError, match="invalid TOML"):
        load_config(path)


def test_explicit_non_pyproject_file_holds_keys_at_top_level(tmp_path: Path) -> None:
    path = write(tmp_path / "perflint.toml", 'ignore = ["PFL101"]\n')
    assert load_config(path, explicit=True).values == {"ignore": ("PFL101",)}
    with pytest.raises(ConfigError, match="'tool'"):
        load_config(write(tmp_path / "other.toml", "[tool.perflint]\n"), explicit=True)


def test_settings_config_searches_from_the_first_path(tmp_path: Path) -> None:
    config = write(tmp_path / "proj" / "pyproject.toml", "[tool.perflint]\n")
    write(tmp_path / "proj" / "src" / "a.py", "")
    found = settings_config(["proj/src/a.py"], None, tmp_path, None)
    assert found.path == config and found.root == config.parent
    assert settings_config(["-"], None, tmp_path, "proj/src/a.py").path == config
    assert settings_config(["."], None, tmp_path / "proj" / "src", None).path == config
    empty = tmp_path / "elsewhere"
    empty.mkdir()
    nothing = settings_config(["."], None, empty, None)
    if nothing.path is None:  # no pyproject.toml anywhere above the temporary directory
        assert nothing.root == empty and nothing.values == {}


# -- requires-python --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "target"),
    [
        (">=3.11", "py311"),
        (">=3.8", "py38"),
        (">=3.7", "py38"),  # below perflint's range: its lowest
        (">=3.10", "py310"),
        (">= 3.12.1", "py312"),
        (">3.11", "py311"),  # 3.11.1 is greater than 3.11
        (">=3.9,<3.13", "py39"),
        ("~=3.12", "py312"),
        ("~=3.11.2", "py311"),
        ("==3.13.*", "py313"),
        ("!=3.10.*,>=3.10", "py311"),
        (">=3.14", "py313"),
        ("<3.9", "py38"),
        ("", None),
        (">=3.11rc1", None),
        ("python 3", None),
        ("<3.0,>3.1", None),
    ],
)
def test_target_from_requires_python(spec: str, target: str | None) -> None:
    assert target_from_requires_python(spec) == target


def test_target_version_precedence(tmp_path: Path) -> None:
    path = write(tmp_path / "pyproject.toml", '[project]\nrequires-python = ">=3.11"\n')
    config = load_config(path)
    assert resolve_options({}, config, tmp_path).target_version == "py311"
    assert resolve_options({"target-version": "py313"}, config, tmp_path).target_version == "py313"
    path.write_text(
        '[project]\nrequires-python = ">=3.11"\n[tool.perflint]\ntarget-version = "py312"\n'
    )
    assert resolve_options({}, load_config(path), tmp_path).target_version == "py312"
    bare = FileConfig(path=None, root=tmp_path)
    assert resolve_options({}, bare, tmp_path).target_version == current_target()


# -- rule selection ---------------------------------------------------------------------------


def test_default_selects_every_rule_but_the_opt_in_ones() -> None:
    """As ruff's RUF100, PFL001 runs only when selected (by code, prefix or ALL); so do PFL303,
    whose gain depends on how many lists there are, and PFL321, whose rewrite breaks NumPy
    arrays and objects with their own truth value."""
    off = {"PFL001", "PFL303", "PFL321"}
    assert set(resolve_selection([])) == ALL_CODES - off
    assert set(resolve_selection([SelectionLayer()])) == ALL_CODES - off
    assert set(resolve_selection([SelectionLayer(extend_select=tuple(off))])) == ALL_CODES
    assert set(resolve_selection([SelectionLayer(select=("ALL",))])) == ALL_CODES
    assert set(resolve_selection([SelectionLayer(select=("PFL",))])) == ALL_CODES
    assert resolve_selection([SelectionLayer(select=("unused-noqa",))]) == ("PFL001",)


def test_codes_prefixes_names_and_all() -> None:
    assert resolve_selection([SelectionLayer(select=("PFL101",))]) == ("PFL101",)
    assert resolve_selection([SelectionLayer(select=("range-len-index",))]) == ("PFL101",)
    assert set(resolve_selection([SelectionLayer(select=("PFL1",))])) == {
        code for code in ALL_CODES if code.startswith("PFL1")
    }
    assert set(
        resolve_selection([SelectionLayer(select=("ALL",), ignore=("PFL101",))])
    ) == ALL_CODES - {"PFL101"}


def test_most_specific_selector_wins_within_a_layer() -> None:
    assert resolve_selection([SelectionLayer(select=("PFL101",), ignore=("PFL1",))]) == ("PFL101",)
    assert resolve_selection([SelectionLayer(select=("PFL101",), ignore=("PFL101",))]) == ()
    layer = SelectionLayer(select=("PFL1",), ignore=("PFL101",))
    assert "PFL101" not in resolve_selection([layer]) and "PFL102" in resolve_selection([layer])


def test_later_layers_override_earlier_ones() -> None:
    config = SelectionLayer(ignore=("PFL101",))
    assert "PFL101" not in resolve_selection([config, SelectionLayer()])
    # The command line selecting a rule brings back one the file ignores.
    assert resolve_selection([config, SelectionLayer(select=("PFL101",))]) == ("PFL101",)
    assert "PFL101" in resolve_selection([config, SelectionLayer(extend_select=("PFL101",))])
    # The command line ignoring on top of the file's selection.
    narrowed = resolve_selection(
        [SelectionLayer(select=("PFL101", "PFL102")), SelectionLayer(ignore=("PFL102",))]
    )
    assert narrowed == ("PFL101",)


def test_cli_selectors_are_checked(tmp_path: Path) -> None:
    config = FileConfig(path=None, root=tmp_path)
    with pytest.raises(ConfigError, match=r"--extend-select.*'PFL7'"):
        resolve_options({"extend-select": ("PFL7",)}, config, tmp_path)


# -- merging ----------------------------------------------------------------------------------


def test_cli_overrides_file(tmp_path: Path) -> None:
    path = write(
        tmp_path / "pyproject.toml",
        '[tool.perflint]\nfix = true\nformat = "json"\nselect = ["PFL102"]\n',
    )
    config = load_config(path)
    options = resolve_options({}, config, tmp_path / "sub")
    assert options.fix and options.format == "json" and options.select == ("PFL102",)
    assert options.output_file is None
    assert options.config_path == path
    options = resolve_options(
        {"fix": False, "format": "concise", "select": ("PFL101",), "output-file": "x.txt"},
        config,
        tmp_path,
    )
    assert not options.fix and options.format == "concise" and options.select == ("PFL101",)
    assert options.output_file == Path("x.txt")


def test_exclude_replaces_defaults_and_extend_exclude_adds(tmp_path: Path) -> None:
    cwd = tmp_path / "cwd"
    bare = FileConfig(path=None, root=tmp_path)
    assert resolve_options({}, bare, cwd).exclude == (ExcludeRule(tmp_path, DEFAULT_EXCLUDES),)
    path = write(tmp_path / "pyproject.toml", '[tool.perflint]\nextend-exclude = ["gen/"]\n')
    assert resolve_options({"extend-exclude": ("tmp",)}, load_config(path), cwd).exclude == (
        ExcludeRule(tmp_path, DEFAULT_EXCLUDES),
        ExcludeRule(tmp_path, ("gen/",)),
        ExcludeRule(cwd, ("tmp",)),
    )
    path.write_text('[tool.perflint]\nexclude = ["legacy"]\n')
    assert resolve_options({}, load_config(path), cwd).exclude == (
        ExcludeRule(tmp_path, ("legacy",)),
    )
    assert resolve_options({"exclude": ("old",)}, load_config(path), cwd).exclude == (
        ExcludeRule(cwd, ("old",)),
    )


# -- max-file-size ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "size"),
    [("1234", 1234), ('"5MB"', 5_000_000), ('"512 kB"', 512_000), ('"2MiB"', 2_097_152), ('"1.5 MB"', 1_500_000)],
    ids=["bytes", "MB", "kB", "MiB", "fraction"],
)
def test_max_file_size_takes_bytes_or_a_size_with_a_unit(tmp_path: Path, value: str, size: int) -> None:
    path = write(tmp_path / "pyproject.toml", f"[tool.perflint]\nmax-file-size = {value}\n")
    assert resolve_options({}, load_config(path), tmp_path).max_file_size == size


@pytest.mark.parametrize("value", ['"5XB"', "0", '"-1MB"', "true", '""'])
def test_a_bad_max_file_size_is_an_error(tmp_path: Path, value: str) -> None:
    path = write(tmp_path / "pyproject.toml", f"[tool.perflint]\nmax-file-size = {value}\n")
    with pytest.raises(ConfigError, match="'max-file-size'"):
        load_config(path)


def test_a_repository_may_lower_max_file_size_but_only_the_command_line_raises_it(tmp_path: Path) -> None:
    path = write(tmp_path / "pyproject.toml", '[tool.perflint]\nmax-file-size = "1GB"\n')
    config = load_config(path)
    assert resolve_options({}, config, tmp_path).max_file_size == DEFAULT_MAX_FILE_SIZE
    assert resolve_options({"max-file-size": 10**9}, config, tmp_path).max_file_size == 10**9
    assert resolve_options({}, FileConfig(None, tmp_path), tmp_path).max_file_size == DEFAULT_MAX_FILE_SIZE


def test_a_config_that_is_not_a_regular_file_is_an_error_not_a_hang(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    os.mkfifo(tmp_path / "fifo.toml")
    (tmp_path / "zero.toml").symlink_to("/dev/zero")
    (tmp_path / "a.py").write_text("x = 1\n")
    for name, kind in (("fifo.toml", "a FIFO"), ("zero.toml", "a character device")):
        done = subprocess.run(
            [sys.executable, "-m", "perflint", "check", "--config", name, "a.py"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 2
        assert done.stderr == f"Error: {tmp_path / name}: not a regular file ({kind}): not read\n"


@pytest.mark.parametrize("key", ["output-format", "format"])
def test_output_format_key_and_its_older_name(tmp_path: Path, key: str) -> None:
    path = write(tmp_path / "pyproject.toml", f'[tool.perflint]\n{key} = "json"\n')
    assert resolve_options({}, load_config(path), tmp_path).format == "json"


def test_output_format_given_twice_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path / "pyproject.toml", '[tool.perflint]\noutput-format = "json"\nformat = "text"\n')
    with pytest.raises(ConfigError, match="same key"):
        load_config(path)
