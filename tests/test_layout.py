"""The package's structure: the parts import downward only (import-linter's contracts in
``pyproject.toml``), no module imports itself back through others, ``import perflint`` stays
cheap, a long module says why it is long, and ARCHITECTURE.md names what exists."""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "perflint"
#: A module longer than this says, in its docstring, why it is one module.
LONG = 400
LONG_MARKER = "Long because"


def _lint_imports(tree: Path = ROOT) -> subprocess.CompletedProcess[str]:
    """import-linter with perflint's contracts on the package in ``tree`` (it imports from the
    current directory first)."""
    command = [sys.executable, "-c", "from importlinter.cli import lint_imports_command; lint_imports_command()"]
    command += ["--config", str(ROOT / "pyproject.toml"), "--no-cache"]
    return subprocess.run(command, cwd=tree, capture_output=True, text=True, timeout=300)


def test_the_import_contracts_hold() -> None:
    done = _lint_imports()
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


@pytest.mark.parametrize(
    ("module", "line"),
    [
        ("types.py", "import perflint.cli.main"),  # the data types reaching the commands
        ("output/formats/json.py", "import perflint.engine.runner"),  # an output reaching the engine
        ("rules/scope.py", "import perflint.engine.prefilter"),  # a rule module reaching the engine
    ],
)
def test_the_contracts_catch_an_import_against_the_grain(tmp_path: Path, module: str, line: str) -> None:
    copy = tmp_path / "perflint"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    target = copy / module
    target.write_text(target.read_text(encoding="utf-8") + f"\n{line}\n", encoding="utf-8")
    done = _lint_imports(tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "BROKEN" in done.stdout
    importer = "perflint." + module.removesuffix(".py").replace("/", ".")
    assert f"{importer} -> {line.split()[1]}" in done.stdout, done.stdout


def import_cycles(edges: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in sorted(edges):
        if start in index:
            continue
        work = [(start, iter(sorted(edges.get(start, ()))))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, successors = work[-1]
            for successor in successors:
                if successor not in index:
                    index[successor] = low[successor] = len(index)
                    stack.append(successor)
                    on_stack.add(successor)
                    work.append((successor, iter(sorted(edges.get(successor, ())))))
                    break
                if successor in on_stack:
                    low[node] = min(low[node], index[successor])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return found


def test_the_cycle_finder_finds_cycles() -> None:
    edges = {"a": ["b"], "b": ["c"], "c": ["a", "d"], "d": [], "e": ["e2"], "e2": ["e"]}
    assert sorted(import_cycles(edges)) == [["a", "b", "c"], ["e", "e2"]]
    assert import_cycles({"a": ["b"], "b": ["c"], "c": []}) == []


def test_no_module_imports_itself_back() -> None:
    # grimp sees every import, at the top of a module and inside functions alike: a deferred
    # import kept to dodge a cycle is a cycle here too.
    graph = grimp.build_graph("perflint", cache_dir=None)
    edges = {module: graph.find_modules_directly_imported_by(module) for module in graph.modules}
    assert import_cycles(edges) == []


def test_import_perflint_does_not_import_libcst() -> None:
    code = (
        "import sys, perflint\n"
        "from perflint import Finding, Settings, __version__\n"
        "assert 'libcst' not in sys.modules, sorted(m for m in sys.modules if m.startswith('perflint'))\n"
        "from perflint import lint_source\n"
        "print(len(lint_source('x = 1\\n', 'a.py', Settings(select=('PFL102',))).findings))\n"
        "assert 'libcst' not in sys.modules  # no candidate: libcst is not needed\n"
        "print(len(lint_source('for k in d.keys(): pass\\n', 'a.py', Settings(select=('PFL102',))).findings))\n"
        "assert 'libcst' in sys.modules\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["0", "1"]


#: A run of ``perflint check`` in a new process on a file with no candidate (``x = 1``),
#: printing what it imported.
_CHECK_ONE = """\
import sys
from perflint.cli.main import main
sys.argv = ["perflint", "check", "--output-format", sys.argv[2], sys.argv[1]]
try:
    main()
except SystemExit:
    pass
print("\\n".join(sorted(sys.modules)), file=sys.stderr)
"""


@pytest.mark.parametrize("output_format", ["text", "json"])
def test_check_without_a_candidate_imports_no_libcst(tmp_path: Path, output_format: str) -> None:
    # The start-up of a run on a file no rule can flag (pre-commit's common case) pays for
    # neither libcst nor the checks' libcst side, nor the formats it does not print, nor the
    # commands it does not run.
    (tmp_path / "one.py").write_text("x = 1\n")
    done = subprocess.run(
        [sys.executable, "-c", _CHECK_ONE, str(tmp_path / "one.py"), output_format],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
    )
    imported = set(done.stderr.split())
    assert "perflint.engine.lint" in imported  # it did lint the file
    assert not {name for name in imported if name == "libcst" or name.startswith("libcst.")}
    assert not {name for name in imported if name.startswith(("perflint.rules.checks", "perflint.engine.traversal"))}
    formats = {name.rpartition(".")[2] for name in imported if name.startswith("perflint.output.formats.")}
    assert formats == {output_format}
    assert not imported & {"perflint.cli.review", "perflint.cli.diff", "importlib.metadata"}


def test_a_candidate_imports_the_libcst_side(tmp_path: Path) -> None:
    (tmp_path / "one.py").write_text("for k in d.keys():\n    pass\n")
    done = subprocess.run(
        [sys.executable, "-c", _CHECK_ONE, str(tmp_path / "one.py"), "text"],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
    )
    assert "PFL102" in done.stdout
    assert {"libcst", "perflint.engine.traversal", "perflint.rules.checks.dict_keys_call"} <= set(done.stderr.split())


def test_the_version_is_the_one_installed_and_in_pyproject() -> None:
    from importlib.metadata import version

    try:
        import tomllib
    except ModuleNotFoundError:  # CPython 3.10: perflint depends on tomli there
        import tomli as tomllib

    from perflint.version import DISTRIBUTION, __version__

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert __version__ == project["version"] == version(DISTRIBUTION)


def test_every_check_extends_its_prefilter_side() -> None:
    from perflint.rules.candidates import Candidates
    from perflint.rules.registry import builtin_rules, load_candidates, load_check

    for spec in builtin_rules():
        candidates, check = load_candidates(spec), load_check(spec)
        assert issubclass(candidates, Candidates) and issubclass(check, candidates), spec.code
        assert check.needles == candidates.needles and check.ast_types == candidates.ast_types


def _modules() -> list[Path]:
    return sorted(path for path in PACKAGE.rglob("*.py") if "__pycache__" not in path.parts)


def test_a_long_module_says_why() -> None:
    unexplained = []
    for path in _modules():
        lines = path.read_text(encoding="utf-8").count("\n")
        docstring = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
        if lines > LONG and LONG_MARKER not in docstring:
            unexplained.append(f"{path.relative_to(ROOT)} ({lines} lines)")
    assert not unexplained, f"over {LONG} lines without '{LONG_MARKER} ...' in the docstring: {unexplained}"


def test_architecture_names_every_part_and_only_what_exists() -> None:
    text = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
    parts = sorted(p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file())
    missing = [part for part in parts if f"perflint/{part}/" not in text]
    assert not missing, f"ARCHITECTURE.md does not describe {missing}"
    for document in ("ARCHITECTURE.md", "docs/writing-rules.md"):
        named = set(re.findall(r"\bperflint/[\w/]+\.py\b", (ROOT / document).read_text(encoding="utf-8")))
        gone = sorted(path for path in named if not (ROOT / path).is_file())
        assert not gone, f"{document} names files that do not exist: {gone}"


def test_architecture_lists_the_layers_of_the_contract() -> None:
    contract = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    block = contract.split("layers = [", 1)[1].split("]", 1)[0]
    layers = re.findall(r'"perflint\.(\w+)"', block)
    text = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
    listed = re.search(r"```layers\n(.*?)```", text, re.S)
    assert listed is not None, "ARCHITECTURE.md has no ```layers block"
    assert re.findall(r"^(\w+)", listed.group(1), re.M) == layers
