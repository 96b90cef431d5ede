"""The result cache (``perflint.project.cache``): a warm run reports byte for byte what a cold
one does, in every format and mode; an entry is keyed by everything that changes findings and
is never stale; two runs may share it; it stays bounded; and a cache committed by a hostile
repository (forged entries, symbolic links, oversized files, a cache-dir pointing out) can
neither hide a finding nor make perflint read or write outside the project."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from perflint.cli.main import cli
from perflint.output.formats import formats
from perflint.project import cache as cache_module
from perflint.project.cache import (
    DIRECTORY_NAME,
    KEYED_SETTINGS,
    MODE_SETTINGS,
    PER_FILE_SETTINGS,
    EntryError,
    ResultCache,
    from_json,
    prune,
    run_key,
    settings_key,
    to_json,
)
from perflint.text.cachedir import Directory
from perflint.types import (
    Edit,
    Explanation,
    FileResult,
    Finding,
    Fix,
    Location,
    Settings,
)

ROOT = Path(__file__).resolve().parent.parent

FLAGGED = """\
def total(rows):
    out = []
    for row in rows:
        out.append(row * 2)
    return out
"""
CLEAN = "def ok(nums):\n    return sum(nums)\n"
# The same size as FLAGGED, and no finding.
CLEAN_SAME_SIZE = FLAGGED.replace("out.append(row * 2)", "print(row * 2)     ")
assert len(CLEAN_SAME_SIZE) == len(FLAGGED)

# Safe fix: a tuple literal indexes exactly as it iterates.
SAFE = """\
def letters():
    word = ("a", "b", "c")
    out = ""
    for i in range(len(word)):
        out += word[i]
    return out
"""


def run(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(cli, ["check", "--jobs", "1", *args], input=input)


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project directory as the cwd."""
    project = tmp_path / "project"
    project.mkdir()
    monkeypatch.chdir(project)
    monkeypatch.delenv("NO_COLOR", raising=False)
    (project / "pyproject.toml").write_text('[project]\nname = "demo"\nrequires-python = ">=3.10"\n')
    return project


def configure(project: Path, line: str) -> None:
    """A ``[tool.perflint]`` table with ``line`` (the target stays py310)."""
    write(project / "pyproject.toml", f'[project]\nname = "demo"\nrequires-python = ">=3.10"\n\n[tool.perflint]\n{line}\n')


def entries(project: Path) -> list[Path]:
    return sorted(path for path in (project / DIRECTORY_NAME).glob("v*/*") if not path.name.startswith("."))


def corpus(project: Path) -> None:
    """The project's fixtures and examples, and files for each kind of result: a syntax error
    (PFL000), an undecodable file, an unused noqa (PFL001), newer syntax (a note), a file over
    max-file-size, an empty file, a clean file."""
    for source in sorted((ROOT / "tests" / "fixtures").glob("*.py")):
        shutil.copy(source, project / source.name)
    shutil.copytree(ROOT / "examples" / "salesreport", project / "salesreport")
    shutil.copy(ROOT / "examples" / "seed.py", project / "seed.py")
    write(project / "odd" / "broken.py", "def f(:\n    pass\n")
    write(project / "odd" / "latin.py", b"# -*- coding: ascii -*-\nname = '\xe9'\n")
    write(project / "odd" / "noqa.py", "x = 1  # noqa: PFL101\n" + FLAGGED)
    write(project / "odd" / "newer.py", "type Alias = list[int]\n" + FLAGGED)
    write(project / "odd" / "big.py", "x = 1\n" * 20_000)
    write(project / "odd" / "empty.py", "")
    write(project / "odd" / "clean.py", CLEAN)


# -- the key: every setting classified ---------------------------------------------------------


def test_every_settings_field_is_classified() -> None:
    """A new Settings field fails here until it is said to change findings (KEYED_SETTINGS),
    to be resolved per file, or to be a mode's: nothing is left out of the key by accident."""
    names = [field.name for field in dataclasses.fields(Settings)]
    classified = [*KEYED_SETTINGS, *PER_FILE_SETTINGS, *MODE_SETTINGS]
    assert sorted(classified) == sorted(names), "classify the new Settings field in perflint/project/cache.py"
    assert len(set(classified)) == len(classified)
    assert sorted(settings_key(Settings(select=("PFL201",)))) == sorted(KEYED_SETTINGS)


@pytest.mark.parametrize(
    "change",
    [
        {"select": ("PFL102",)},
        {"target_version": "py38"},
        {"prefilter": False},
        {"max_file_size": 10},
        {"rule_paths": ("/somewhere",)},
    ],
)
def test_each_keyed_setting_changes_the_run_key(change: dict[str, object]) -> None:
    base = Settings(select=("PFL201",), target_version="py311")
    assert run_key(base) != run_key(dataclasses.replace(base, **change))


def test_mode_settings_do_not_change_the_run_key() -> None:
    base = Settings(select=("PFL201",), target_version="py311")
    fixing = dataclasses.replace(base, fix=True, unsafe_fixes=True, diff=True, add_noqa=True)
    assert run_key(base) == run_key(fixing)


def test_the_cache_module_imports_neither_libcst_nor_the_engine() -> None:
    code = "import sys, perflint.project.cache; print(sorted(m for m in sys.modules if m.startswith(('libcst', 'perflint.engine'))))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert done.stdout.strip() == "[]"


# -- the codec ---------------------------------------------------------------------------------


def full_result() -> FileResult:
    """A FileResult with every field set (so every type in it must round-trip)."""
    location = Location(3, 5)
    fix = Fix("unsafe", "Use a comprehension", (Edit(location, Location(4, 1), "new\n", "old\n"),))
    explanation = Explanation(
        interpreter="CPython 3.12.1",
        source="finding",
        slow_code="a",
        fast_code="b",
        slow_bytecode=("LOAD_FAST",),
        fast_bytecode=("LOAD_FAST", "RETURN_VALUE"),
        diff=("- x", "+ y"),
        slow_per_iteration=7,
        fast_per_iteration=None,
        per_iteration_branches=True,
        slow_outside_loop=1,
        fast_outside_loop=2,
        speedup="1.2x",
        speedup_target="py312",
    )
    finding = Finding(
        code="PFL201",
        name="manual-list-comprehension",
        message="m \udcff \u202e \x1b[31m",
        path="a.py",
        start=location,
        end=Location(4, 1),
        fix=fix,
        fix_title="t",
        flagged_code="x",
        rewritten_code="y",
        builtins=("len",),
        explanation=explanation,
        url="https://example.com",
        context="C.f",
    )
    return FileResult(
        path="a.py",
        findings=(finding,),
        error=dataclasses.replace(finding, code="PFL000", fix=None, explanation=None),
        source="text",
        skipped="why",
        fixed=2,
        fixes=(("PFL201", "manual-list-comprehension"),),
        noqa_added=1,
        original_source="o",
        fixed_source="f",
        dropped_fixes=("d",),
        notes=("n",),
    )


def test_a_result_round_trips_through_json() -> None:
    result = full_result()
    data = json.loads(json.dumps(to_json(result), ensure_ascii=True))
    assert from_json(FileResult, data) == result


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data.pop(),  # a field missing
        lambda data: data.append(1),  # one too many
        lambda data: data.__setitem__(5, "2"),  # fixed: a string
        lambda data: data.__setitem__(5, True),  # fixed: a bool
        lambda data: data[1][0].__setitem__(4, [1]),  # a Location of one number
        lambda data: data[1][0][6].__setitem__(0, "maybe"),  # an applicability that is none
        lambda data: data.__setitem__(6, [["PFL101"]]),  # a pair of one
        lambda data: data.__setitem__(1, {"0": None}),  # an object for a list
    ],
)
def test_a_damaged_entry_is_an_entry_error(damage) -> None:  # type: ignore[no-untyped-def]
    data = to_json(full_result())
    damage(data)
    with pytest.raises(EntryError):
        from_json(FileResult, data)


# -- warm runs give what cold ones give --------------------------------------------------------


def _report(*args: str) -> tuple[int, str]:
    done = run("--select", "ALL", "--exit-zero", "--max-file-size", "100kB", *args)
    return done.exit_code, done.stdout


@pytest.mark.slow
def test_warm_runs_report_byte_for_byte_what_cold_ones_do(tree: Path) -> None:
    corpus(tree)
    _report("--no-cache", ".")
    assert not (tree / DIRECTORY_NAME).exists()
    for output in formats():
        uncached = _report("--no-cache", "--format", output, ".")
        first = _report("--format", output, ".")  # fills the cache (or reads it)
        warm = _report("--format", output, ".")
        assert uncached == first == warm, output
    stats = [_report(*extra, "--statistics", ".") for extra in (("--no-cache",), (), ())]
    assert stats[0] == stats[1] == stats[2]
    assert len(entries(tree)) >= 15


def test_a_warm_run_starts_no_worker_and_lints_nothing(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    corpus(tree)
    cold = _report("--format", "sarif", ".")
    from perflint.engine import runner

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a warm run linted")

    cold_json = _report("--format", "json", "-j", "2", ".")
    monkeypatch.setattr(runner, "_lint_paths", refuse)
    monkeypatch.setattr(runner, "ProcessPoolExecutor", refuse)
    assert _report("--format", "sarif", ".") == cold
    assert _report("--format", "json", "-j", "2", ".") == cold_json


@pytest.mark.slow
def test_cached_results_are_the_engine_results_on_a_real_corpus(tree: Path) -> None:
    """The equivalence of every CI run: the results (every field) of the files of the
    corpus and of perflint's own package, linted and read back from the cache."""
    corpus(tree)
    shutil.copytree(ROOT / "perflint" / "rules" / "checks", tree / "checks")
    from perflint.cli.check_run import Run
    from perflint.project.options import resolve_options, settings_config

    def results(**cli: object) -> list[FileResult]:
        values = {"select": ("ALL",), "max-file-size": 100_000, **cli}
        options = resolve_options(values, settings_config(["."], None, tree, None), tree)
        return Run(options).lint(["."])

    for target in ("py310", "py313"):
        uncached = results(**{"no-cache": True, "target-version": target})
        cold = results(**{"target-version": target})
        warm = results(**{"target-version": target})
        assert uncached == cold == warm
        assert sum(len(result.findings) for result in warm) > 20
        assert any(result.error is not None for result in warm)
        assert any(result.skipped for result in warm)
        if target == "py313" and sys.version_info < (3, 12):
            assert any(result.notes for result in warm)  # newer syntax than the interpreter


@pytest.mark.parametrize("mode", [("--diff",), ("--fix",), ("--fix", "--unsafe-fixes"), ("--add-noqa",)])
def test_fixing_modes_give_what_they_give_without_the_cache(tree: Path, mode: tuple[str, ...]) -> None:
    files = {"safe.py": SAFE, "flagged.py": FLAGGED, "clean.py": CLEAN, "broken.py": "def f(:\n"}

    def once(*args: str) -> tuple[int, str, dict[str, str]]:
        for name, text in files.items():
            write(tree / name, text)
        done = run("--select", "ALL", *args, ".")
        return done.exit_code, done.stdout, {name: (tree / name).read_text() for name in files}

    expected = once(*mode, "--no-cache")
    once()  # fill the cache with what check finds
    assert len(entries(tree)) == len(files)
    assert once(*mode) == expected
    assert once(*mode) == expected


# -- invalidation ------------------------------------------------------------------------------


def test_a_file_changed_in_the_same_second_with_the_same_size_is_linted_again(tree: Path) -> None:
    path = write(tree / "a.py", FLAGGED)
    assert run("a.py").exit_code == 1
    before = path.stat()
    path.write_text(CLEAN_SAME_SIZE)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = path.stat()
    assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    done = run("a.py")
    assert done.exit_code == 0, done.output
    path.write_text(FLAGGED)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert run("a.py").exit_code == 1


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (("--target-version", "py311"), ("--target-version", "py38")),
        (("--select", "PFL201"), ("--select", "PFL102")),
        (("--per-file-ignores", "other.py:PFL101"), ("--per-file-ignores", "a.py:PFL101")),
        (("--max-file-size", "1MB"), ("--max-file-size", "10"))
    ],
)
def test_a_setting_that_changes_findings_is_in_the_key(
    tree: Path, first: tuple[str, ...], second: tuple[str, ...]
) -> None:
    write(tree / "a.py", FLAGGED)
    write(tree / "b.py", "for i in range(len(x)):\n    print(x[i])\n")
    for args in (first, second, first):
        assert run(*args, "--format", "json", ".").stdout == run(*args, "--no-cache", "--format", "json", ".").stdout


def test_per_file_ignores_of_one_path_keep_the_others_entries(tree: Path) -> None:
    write(tree / "a.py", FLAGGED)
    write(tree / "b.py", FLAGGED)
    run(".")
    made = set(entries(tree))
    run("--per-file-ignores", "a.py:PFL101", ".")
    # b.py's entry was used again: only a.py got a new one.
    assert len(set(entries(tree)) - made) == 1


def test_editing_a_rule_pack_changes_the_key(tree: Path) -> None:
    from tests.test_rule_packs import GOOD

    pack = tree / "pack"
    write(pack / "ACME001-sorted-first-item.yaml", GOOD)
    write(tree / "a.py", "y = sorted(a)[0]\nz = sorted(a)[1]\n")
    args = ("--rule-path", "pack", "--select", "ACME001", "--format", "json", "a.py")
    first = json.loads(run(*args).stdout)
    assert [item["location"]["row"] for item in first] == [1]
    write(pack / "ACME001-sorted-first-item.yaml", GOOD.replace("pattern: sorted($X)[0]", "pattern: sorted($X)[1]"))
    # A new run is a new process: this one forgets the rules it loaded (the cache's key
    # is made from the files, not from them).
    from perflint.engine import lint as engine
    from perflint.rules import registry

    registry.all_rules.cache_clear()
    for function in vars(engine).values():
        if hasattr(function, "cache_clear"):
            function.cache_clear()
    second = json.loads(run(*args).stdout)
    assert [item["location"]["row"] for item in second] == [2]
    assert run(*args).stdout == run(*args, "--no-cache").stdout


def test_another_version_of_perflint_never_reads_the_entries(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tree / "a.py", FLAGGED)
    run("a.py")
    old = {path.parent.name for path in entries(tree)}
    monkeypatch.setattr(cache_module, "__version__", "999.0")
    read: list[str] = []
    real = Directory.read
    monkeypatch.setattr(Directory, "read", lambda self, name, limit: read.append(name) or real(self, name, limit))
    assert run("a.py").exit_code == 1
    new = {path.parent.name for path in entries(tree)}
    assert len(new - old) == 1  # its own directory, where nothing was found
    assert all((tree / DIRECTORY_NAME / next(iter(new - old)) / name).exists() for name in read)


# -- sharing, bounds ---------------------------------------------------------------------------


def test_two_runs_writing_the_same_cache_at_once(tree: Path) -> None:
    for index in range(40):
        write(tree / f"m{index:02}.py", FLAGGED if index % 2 else CLEAN)
    command = [sys.executable, "-m", "perflint", "check", "--jobs", "1", "--format", "json", "--exit-zero", "."]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    runs = [subprocess.Popen(command, cwd=tree, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(2)]
    outputs = [process.communicate(timeout=300) for process in runs]
    assert [process.returncode for process in runs] == [0, 0], outputs
    assert outputs[0][0] == outputs[1][0]
    assert b"warning" not in outputs[0][1] + outputs[1][1]
    assert len(entries(tree)) == 40
    assert not [path for path in (tree / DIRECTORY_NAME).rglob(".tmp-*")]
    assert run("--format", "json", "--exit-zero", ".").stdout.encode() == outputs[0][0]


def test_the_directory_says_what_it_is(tree: Path) -> None:
    write(tree / "a.py", CLEAN)
    run("a.py")
    cache = tree / DIRECTORY_NAME
    assert (cache / ".gitignore").read_text().splitlines()[-1] == "*"
    assert (cache / "CACHEDIR.TAG").read_text().startswith("Signature: 8a477f597d28d172789f06886806bc55")
    assert stat.S_IMODE(entries(tree)[0].stat().st_mode) == 0o600


def test_no_cache_reads_and_writes_nothing(tree: Path) -> None:
    write(tree / "a.py", FLAGGED)
    assert run("--no-cache", "a.py").exit_code == 1
    assert not (tree / DIRECTORY_NAME).exists()


def test_cache_dir_and_its_environment_variable(tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tree / "a.py", FLAGGED)
    run("--cache-dir", str(tmp_path / "elsewhere"), "a.py")
    assert list((tmp_path / "elsewhere").glob("v*/*"))
    monkeypatch.setenv("PERFLINT_CACHE_DIR", str(tmp_path / "from-env"))
    run("a.py")
    assert list((tmp_path / "from-env").glob("v*/*"))
    assert not (tree / DIRECTORY_NAME).exists()


def _fill(top: Path, tag: str, count: int, size: int, age: float, first: int = 0) -> list[Path]:
    folder = top / tag
    folder.mkdir(parents=True, exist_ok=True)
    made = []
    for index in range(count):
        path = folder / f"{first + index:064x}"
        path.write_bytes(b"x" * size)
        stamp = time.time() - age - index
        os.utime(path, (stamp, stamp))
        made.append(path)
    return made


def test_pruning_bounds_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    top = tmp_path / "cache"
    current, other = "v1-" + "a" * 16, "v1-" + "b" * 16
    fresh = _fill(top, current, 10, 1000, 0)
    old = _fill(top, current, 1, 10, cache_module.MAX_AGE + 100, first=100)
    # A name the cache never writes stays, whatever its age.
    foreign = top / current / "notes.txt"
    foreign.write_text("mine")
    os.utime(foreign, (0, 0))
    others = _fill(top, other, 3, 10, 0)
    os.utime(top / other, (time.time() - cache_module.OTHER_VERSIONS_AFTER - 10,) * 2)
    stale = top / current / ".tmp-999999999-0123abcd"
    stale.write_bytes(b"half")
    os.utime(stale, (time.time() - 7200,) * 2)
    monkeypatch.setattr(cache_module, "MAX_BYTES", 8000)
    with Directory.reach(str(top), (), create=False) as directory:  # type: ignore[union-attr]
        prune(directory, current)
        assert prune(directory, current) == 0  # pruned lately: not again
    assert not any(path.exists() for path in [*old, *others, stale])
    assert not (top / other).exists()
    assert foreign.exists()
    kept = [path for path in fresh if path.exists()]
    assert sum(path.stat().st_size for path in kept) <= 6000
    assert kept == fresh[: len(kept)]  # the newest stay


def test_a_run_that_writes_prunes(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tree / "a.py", CLEAN)
    run("a.py")
    tag = entries(tree)[0].parent
    junk = _fill(tree / DIRECTORY_NAME, "v1-" + "c" * 16, 2, 10, 0)
    os.utime(junk[0].parent, (0, 0))
    (tree / DIRECTORY_NAME / "last-prune").unlink()
    write(tree / "b.py", CLEAN)
    run(".")
    assert not junk[0].parent.exists()
    assert len(list(tag.iterdir())) == 2


# -- a hostile repository ----------------------------------------------------------------------


def _located(tree: Path, path: str, *cli: str) -> tuple[Path, str]:
    """The folder and name of the entry ``path`` is looked up by in a run with ``cli``."""
    from perflint.project.cache import content_digest
    from perflint.project.options import lint_settings, resolve_options, settings_config

    options = resolve_options(dict(cli), settings_config([path], None, tree, None), tree)
    settings = lint_settings(options)
    opened = ResultCache.open(str(tree / DIRECTORY_NAME), str(tree), settings, lambda text: None)
    assert opened is not None
    tag = run_key(settings)[0]
    return tree / DIRECTORY_NAME / tag, opened._name(path, content_digest((tree / path).read_bytes()))


def test_a_forged_entry_hides_no_finding(tree: Path) -> None:
    """The repository commits an entry at the very name the file's result is looked up by,
    saying the file is clean: without the key, its MAC cannot verify."""
    write(tree / "a.py", FLAGGED)
    folder, name = _located(tree, "a.py")
    clean = json.dumps({"decoded": True, "result": to_json(FileResult(path="a.py"))}).encode()
    assert from_json(FileResult, json.loads(clean)["result"]) == FileResult(path="a.py")
    for mac in (b"0" * 64, b"", b"not hex at all"):
        write(folder / name, b"perflint-cache 1 " + mac + b"\n" + clean)
        done = run("--format", "json", "a.py")
        assert done.exit_code == 1 and json.loads(done.stdout)[0]["code"] == "PFL201", done.output
    # The forged entry was replaced by a real one, which verifies.
    assert run("a.py").exit_code == 1
    assert (folder / name).read_bytes() != b"perflint-cache 1 not hex at all\n" + clean


def test_an_entry_signed_with_another_key_or_for_another_text_is_a_miss(
    tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A real entry saying "clean" (of a clean text, signed with the attacker's own key, or
    with the job's key) put at the name of a flagged text's entry hides nothing."""
    job = "the job's own key, long enough"
    for attacker in ("the attacker's key, long enough", job):
        shutil.rmtree(tree / DIRECTORY_NAME, ignore_errors=True)
        monkeypatch.setenv("PERFLINT_CACHE_KEY", attacker)
        write(tree / "a.py", CLEAN_SAME_SIZE)
        assert run("a.py").exit_code == 0
        folder, clean_name = _located(tree, "a.py")
        write(tree / "a.py", FLAGGED)
        _, flagged_name = _located(tree, "a.py")
        os.replace(folder / clean_name, folder / flagged_name)
        monkeypatch.setenv("PERFLINT_CACHE_KEY", job)
        assert run("a.py").exit_code == 1


def test_a_truncated_or_corrupt_entry_is_a_miss(tree: Path) -> None:
    write(tree / "a.py", FLAGGED)
    run("a.py")
    (entry,) = entries(tree)
    data = entry.read_bytes()
    for damaged in (data[: len(data) // 2], b"", data[:-1] + b"}", b"\xff" * 100):
        entry.write_bytes(damaged)
        done = run("a.py")
        assert done.exit_code == 1 and "warning" not in done.output


def test_an_oversized_entry_is_not_read(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tree / "a.py", FLAGGED)
    run("a.py")
    (entry,) = entries(tree)
    monkeypatch.setattr(cache_module, "MAX_ENTRY_BYTES", 10_000)
    real = entry.read_bytes()
    entry.write_bytes(real + b" " * 20_000)
    seen: list[bytes | None] = []
    real_read = Directory.read
    monkeypatch.setattr(Directory, "read", lambda self, name, limit: seen.append(real_read(self, name, limit)) or seen[-1])
    done = run("--format", "json", "a.py")
    assert done.exit_code == 1 and json.loads(done.stdout)[0]["code"] == "PFL201"
    assert seen == [None]  # too large: a miss, not read


def test_a_symlinked_cache_directory_is_not_followed(tree: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (tree / DIRECTORY_NAME).symlink_to(outside)
    write(tree / "a.py", FLAGGED)
    for _ in range(2):
        done = run("--format", "json", "a.py")
        assert done.exit_code == 1
        assert json.loads(done.stdout)[0]["code"] == "PFL201"
        assert "symbolic link" in done.stderr and done.stderr.count("warning:") == 1
    assert list(outside.iterdir()) == []


def test_a_symlinked_component_of_the_cache_path_is_not_followed(tree: Path, tmp_path: Path) -> None:
    """``--cache-dir build/cache`` where the repository made ``build`` a link out of it."""
    outside = tmp_path / "outside"
    (outside / "cache").mkdir(parents=True)
    (tree / "build").symlink_to(outside)
    write(tree / "a.py", FLAGGED)
    done = run("--cache-dir", "build/cache", "a.py")
    assert done.exit_code == 1
    assert "build is a symbolic link: not followed" in done.stderr
    assert list((outside / "cache").iterdir()) == []


@pytest.mark.parametrize("kind", ["link-out", "fifo", "directory"])
def test_an_entry_that_is_no_regular_file_is_refused(tree: Path, tmp_path: Path, kind: str) -> None:
    write(tree / "a.py", FLAGGED)
    folder, name = _located(tree, "a.py")
    folder.mkdir(parents=True)
    target = tmp_path / "target"
    target.write_bytes(b"perflint-cache 1 x\n{}")
    if kind == "link-out":
        (folder / name).symlink_to(target)
    elif kind == "fifo":
        os.mkfifo(folder / name)
    else:
        (folder / name).mkdir()
    done = run("--format", "json", "a.py")
    assert done.exit_code == 1 and json.loads(done.stdout)[0]["code"] == "PFL201"
    assert "warning: not using the cache" in done.stderr
    assert target.read_bytes() == b"perflint-cache 1 x\n{}"


def test_a_gitignore_link_in_the_cache_is_not_written_through(tree: Path, tmp_path: Path) -> None:
    target = tmp_path / "victim"
    target.write_text("precious")
    (tree / DIRECTORY_NAME).mkdir()
    (tree / DIRECTORY_NAME / ".gitignore").symlink_to(target)
    write(tree / "a.py", FLAGGED)
    done = run("a.py")
    assert done.exit_code == 1 and "symbolic link" in done.stderr
    assert target.read_text() == "precious"


@pytest.mark.parametrize("value", ["../outside", "/tmp/perflint-absolute-cache", "inside/../../outside", "link/cache"])
def test_a_configured_cache_dir_outside_the_project_is_not_used(tree: Path, tmp_path: Path, value: str) -> None:
    (tmp_path / "outside").mkdir(exist_ok=True)
    (tree / "link").symlink_to(tmp_path / "outside")
    configure(tree, f'cache-dir = "{value}"')
    write(tree / "a.py", FLAGGED)
    done = run("a.py")
    assert done.exit_code == 1
    assert "'cache-dir'" in done.stderr and "not used" in done.stderr
    assert list((tmp_path / "outside").iterdir()) == []
    assert not Path("/tmp/perflint-absolute-cache").exists()
    assert entries(tree)  # the default place instead


def test_a_configured_cache_dir_inside_the_project_is_used(tree: Path) -> None:
    configure(tree, 'cache-dir = "build/perflint"')
    write(tree / "a.py", FLAGGED)
    done = run("a.py")
    assert done.exit_code == 1 and "warning" not in done.stderr
    assert list((tree / "build" / "perflint").glob("v*/*"))


def test_a_read_only_cache_warns_once_and_the_run_goes_on(tree: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root writes into read-only directories")
    write(tree / "a.py", FLAGGED)
    write(tree / "b.py", FLAGGED)
    (tree / DIRECTORY_NAME).mkdir()
    (tree / DIRECTORY_NAME).chmod(0o500)
    try:
        done = run(".")
    finally:
        (tree / DIRECTORY_NAME).chmod(0o700)
    assert done.exit_code == 1 and done.stderr.count("warning: not using the cache") == 1


def test_a_cache_path_that_is_a_file_warns_and_the_run_goes_on(tree: Path) -> None:
    write(tree / "a.py", FLAGGED)
    write(tree / "b.py", FLAGGED)
    write(tree / DIRECTORY_NAME, "not a directory")
    done = run(".")
    assert done.exit_code == 1 and done.stderr.count("warning: not using the cache") == 1
    assert "Found 2 findings" in done.stderr


# -- the key file ------------------------------------------------------------------------------


@pytest.fixture
def key_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("PERFLINT_CACHE_KEY")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    return tmp_path / "xdg" / "perflint" / "cache-key"


def test_the_key_file_is_made_once_with_mode_600(tree: Path, key_home: Path) -> None:
    write(tree / "a.py", FLAGGED)
    run("a.py")
    assert stat.S_IMODE(key_home.stat().st_mode) == 0o600
    key = key_home.read_text()
    assert run("a.py").exit_code == 1
    assert key_home.read_text() == key
    assert [path.name for path in key_home.parent.iterdir()] == ["cache-key"]


def test_keys_made_at_once_by_many_runs_agree(tmp_path: Path, key_home: Path) -> None:
    code = "from perflint.project.cache import cache_secret; print(cache_secret('/nonexistent').hex())"
    env = {key: value for key, value in os.environ.items() if key != "PERFLINT_CACHE_KEY"}
    env["PYTHONPATH"] = str(ROOT)
    runs = [subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE, text=True) for _ in range(4)]
    keys = {process.communicate(timeout=60)[0].strip() for process in runs}
    assert len(keys) == 1 and len(next(iter(keys))) == 64


@pytest.mark.parametrize("problem", ["open to others", "a link", "garbage"])
def test_a_key_file_that_cannot_be_trusted_means_no_cache(tree: Path, tmp_path: Path, key_home: Path, problem: str) -> None:
    write(tree / "a.py", FLAGGED)
    key_home.parent.mkdir(parents=True)
    if problem == "open to others":
        key_home.write_text("ab" * 32)
        key_home.chmod(0o644)
    elif problem == "a link":
        (tmp_path / "known").write_text("ab" * 32)
        (tmp_path / "known").chmod(0o600)
        key_home.symlink_to(tmp_path / "known")
    else:
        key_home.write_text("a guessable key")
        key_home.chmod(0o600)
    done = run("a.py")
    assert done.exit_code == 1 and "warning: not using the cache: the cache key" in done.stderr
    assert not (tree / DIRECTORY_NAME).exists()


def test_a_key_inside_the_project_is_refused(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PERFLINT_CACHE_KEY")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tree / ".cache"))
    write(tree / ".cache" / "perflint" / "cache-key", "ab" * 32)
    (tree / ".cache" / "perflint" / "cache-key").chmod(0o600)
    write(tree / "a.py", FLAGGED)
    done = run("a.py")
    assert done.exit_code == 1 and "inside the project" in done.stderr


def test_a_short_key_in_the_environment_is_refused(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PERFLINT_CACHE_KEY", "short")
    write(tree / "a.py", FLAGGED)
    done = run("a.py")
    assert done.exit_code == 1 and "PERFLINT_CACHE_KEY is shorter" in done.stderr


def test_quiet_runs_print_no_cache_warning(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PERFLINT_CACHE_KEY", "short")
    write(tree / "a.py", FLAGGED)
    done = run("--quiet", "a.py")
    assert done.exit_code == 1 and done.stderr == ""


def test_stdin_is_not_cached(tree: Path) -> None:
    for _ in range(2):
        assert run("-", input=FLAGGED).exit_code == 1
    assert not (tree / DIRECTORY_NAME).exists()


def test_a_warm_run_imports_no_runner(tree: Path) -> None:
    """A fully warm run decides everything in the parent: the runner (processes, linting,
    fixing) is never imported."""
    write(tree / "a.py", FLAGGED)
    code = textwrap.dedent(
        """
        import sys
        from perflint.cli.main import cli
        try:
            cli(["check", "--jobs", "2", "a.py"], standalone_mode=False)
        except SystemExit:
            pass
        print(sorted(m for m in sys.modules if m in ("perflint.engine.runner", "perflint.engine.linting", "perflint.engine.fixes")))
        """
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    first = subprocess.run([sys.executable, "-c", code], cwd=tree, env=env, capture_output=True, text=True, check=True)
    assert "perflint.engine.runner" in first.stdout
    second = subprocess.run([sys.executable, "-c", code], cwd=tree, env=env, capture_output=True, text=True, check=True)
    assert second.stdout.strip().splitlines()[-1] == "[]", second.stdout + second.stderr


def test_progress_counts_the_files_from_the_cache(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from perflint.output import progress

    for number in range(6):
        write(tree / f"m{number}.py", FLAGGED)
    run(".")
    write(tree / "m2.py", CLEAN)
    write(tree / "m4.py", CLEAN)
    monkeypatch.setattr(progress, "DELAY", 0.0)
    monkeypatch.setattr(progress, "INTERVAL", 0.0)
    monkeypatch.setattr("perflint.output.progress.wanted", lambda stream=None, quiet=False: not quiet)
    shown = run(".")
    updates = [part for part in shown.stderr.split("\r\x1b[2K") if part.startswith("perflint: ")]
    assert [part.split(" files")[0] for part in updates] == [f"perflint: {n}/6" for n in range(4, 7)]


@pytest.mark.parametrize("args", [["--since", "main"], ["--staged"]], ids=["since", "staged"])
def test_since_and_staged_take_both_sides_from_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str]
) -> None:
    from tests.test_regress import NEW_LOOP, OLD, commit, git

    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    write(repo / "pyproject.toml", '[project]\nname = "demo"\n')
    write(repo / "pkg" / "core.py", OLD)
    write(repo / "pkg" / "other.py", OLD)
    commit(repo, "main")
    git(repo, "switch", "-q", "-c", "work")
    monkeypatch.chdir(repo)
    write(repo / "pkg" / "core.py", OLD + NEW_LOOP)
    write(repo / "pkg" / "other.py", OLD.replace("def ", "def renamed_", 1))
    git(repo, "add", "-A")
    expected = run("--format", "json", "--no-cache", *args)
    assert json.loads(expected.stdout), expected.output
    assert run("--format", "json", *args).stdout == expected.stdout
    from perflint.changes import regress

    monkeypatch.setattr(regress, "lint_sources", lambda *a, **k: pytest.fail("linted again"))
    assert run("--format", "json", *args).stdout == expected.stdout
    assert git(repo, "status", "--porcelain").splitlines() == ["M  pkg/core.py", "M  pkg/other.py"]


def test_a_file_name_that_is_not_utf8_round_trips(tree: Path) -> None:
    name = os.fsdecode(b"caf\xe9.py")
    write(tree / name, FLAGGED)
    cold = run("--format", "json", ".")
    assert cold.exit_code == 1 and entries(tree)
    assert run("--format", "json", ".").stdout == cold.stdout == run("--format", "json", "--no-cache", ".").stdout


def test_a_cache_that_cannot_be_created_warns_once(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """As a read-only project would (root writes anyway, so the refusal is simulated)."""
    for name in ("a.py", "b.py"):
        write(tree / name, FLAGGED)
    real = os.mkdir

    def refuse(path: object, mode: int = 0o777, *, dir_fd: int | None = None) -> None:
        if dir_fd is not None:
            raise PermissionError(13, "Permission denied")
        real(path, mode)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "mkdir", refuse)
    done = run(".")
    assert done.exit_code == 1 and done.stderr.count("warning: not using the cache") == 1
    assert "Permission denied" in done.stderr and "Found 2 findings" in done.stderr


def test_a_bug_in_the_cache_is_a_warning_not_a_failed_run(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tree / "a.py", FLAGGED)
    write(tree / "b.py", FLAGGED)
    run(".")
    monkeypatch.setattr(ResultCache, "_held", lambda *args: 1 / 0)
    done = run("--format", "json", ".")
    assert done.exit_code == 1 and len(json.loads(done.stdout)) == 2
    assert done.stderr.count("warning: not using the cache") == 1 and "ZeroDivisionError" in done.stderr
