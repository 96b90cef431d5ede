"""The built wheel works once installed: the rule files ship inside it, the ``perflint`` command
runs from any directory, and every third-party import is a declared dependency.

The wheel goes into a fresh venv created without pip and without the system site-packages.
Its dependencies are not downloaded again: a ``.pth`` file in the new venv adds the running
environment's site-packages *after* the venv's own, so ``perflint`` itself can only come from
the wheel (the test checks that it does), while libcst & co. come from the environment that
already has them. ``test_declared_dependencies`` checks separately, from the wheel's metadata,
that nothing the package imports is left undeclared, which the shared site-packages would hide.
"""

from __future__ import annotations

import ast
import email.parser
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import venv
import zipfile
from collections.abc import Iterable, Iterator
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SLOW_FILE = """\
def total(nums):
    result = 0
    for i in range(len(nums)):
        result += nums[i]
    return result
"""
CLEAN_FILE = """\
def total(nums):
    return sum(nums)
"""

#: Standard-library modules of newer Pythons, imported only there (``tomllib``: 3.11).
LATER_STDLIB = {"tomllib"}

pytestmark = pytest.mark.slow


def _run(
    args: list[str], cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args,
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=300,
    )


def _runtime_imports(nodes: Iterable[ast.AST]) -> set[str]:
    """Top-level module names imported in ``nodes``, leaving out ``if TYPE_CHECKING:`` blocks."""
    found: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            found |= _runtime_imports(node.orelse)
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
        found |= _runtime_imports(ast.iter_child_nodes(node))
    return found


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``python -m build`` output: an sdist of the working tree, and a wheel built from the sdist
    (so a file missing from the sdist is missing from the wheel too), in isolated environments.
    """
    if not (ROOT / "pyproject.toml").is_file():
        pytest.skip("not running from a source checkout")
    outdir = tmp_path_factory.mktemp("dist")
    built = _run([sys.executable, "-m", "build", "--outdir", str(outdir), str(ROOT)], outdir)
    assert built.returncode == 0, built.stdout + built.stderr
    return outdir


@pytest.fixture(scope="module")
def wheel(dist: Path) -> Path:
    (path,) = dist.glob("perflint_bytecode-*.whl")
    return path


def test_sdist_contents(dist: Path) -> None:
    (sdist,) = dist.glob("perflint_bytecode-*.tar.gz")
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    expected = {"pyproject.toml", "README.md", ".pre-commit-hooks.yaml", "perflint/__init__.py"}
    expected |= {f"rules/{path.name}" for path in (ROOT / "rules").glob("*.yaml")}
    assert expected <= names, sorted(expected - names)


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A clean venv with the wheel installed; returns its ``bin`` (``Scripts``) directory."""
    home = tmp_path_factory.mktemp("venv")
    venv.create(home, with_pip=False, symlinks=os.name != "nt")
    bindir = home / ("Scripts" if os.name == "nt" else "bin")
    python = bindir / ("python.exe" if os.name == "nt" else "python")
    site = _run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], home
    ).stdout.strip()
    ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (Path(site) / "_running_env.pth").write_text("\n".join(sorted(ours)) + "\n", encoding="utf-8")
    install = _run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--no-deps",
            "--no-index",
            str(wheel),
        ],
        home,
    )
    assert install.returncode == 0, install.stdout + install.stderr
    (home / "installed-from").write_text(str(wheel), encoding="utf-8")
    return bindir


def installed_wheel(bindir: Path) -> Path:
    """The wheel the ``installed`` fixture installed into ``bindir``'s venv."""
    return Path((bindir.parent / "installed-from").read_text(encoding="utf-8"))


@pytest.fixture()
def isolated_env() -> Iterator[dict[str, str]]:
    """The environment minus anything that could put the source tree on ``sys.path``."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTHON")}
    env["PYTHONNOUSERSITE"] = "1"
    env["NO_COLOR"] = "1"
    yield env


def test_wheel_contains_every_rule_file(wheel: Path) -> None:
    sources = {path.name for path in (ROOT / "rules").glob("*.yaml")}
    assert sources, "no rule files in the source tree"
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        shipped = {name.rsplit("/", 1)[1] for name in names if name.startswith("perflint/_rules/")}
        assert shipped == sources
        for name in sources:
            assert archive.read(f"perflint/_rules/{name}") == (ROOT / "rules" / name).read_bytes()
        assert "perflint/py.typed" in names
        checks = {path.name for path in (ROOT / "perflint" / "checks").glob("*.py")}
        assert {
            name.rsplit("/", 1)[1] for name in names if name.startswith("perflint/rules/checks/")
        } >= checks
        assert not [
            name for name in names if name.startswith(("tests/", "examples/", "benchmarks/"))
        ]


def test_declared_dependencies(wheel: Path) -> None:
    """Every distribution the package imports at module level is a ``Requires-Dist``."""
    with zipfile.ZipFile(wheel) as archive:
        (metadata_name,) = [
            name for name in archive.namelist() if name.endswith(".dist-info/METADATA")
        ]
        metadata = email.parser.Parser().parsestr(archive.read(metadata_name).decode("utf-8"))
        sources = {
            name: archive.read(name).decode("utf-8")
            for name in archive.namelist()
            if name.startswith("perflint/") and name.endswith(".py")
        }
    declared = {
        _normalise(re.split(r"[\s;<>=!~\[(]", requirement, maxsplit=1)[0])
        for requirement in metadata.get_all("Requires-Dist") or []
        if "extra ==" not in requirement
    }
    imported: set[str] = set()
    for name, text in sources.items():
        imported |= _runtime_imports([ast.parse(text, name)])
    third_party = (
        imported - set(sys.stdlib_module_names) - LATER_STDLIB - {"perflint", "__future__"}
    )
    distributions = packages_distributions()
    missing = {
        module: distributions.get(module, [module])
        for module in third_party
        if not any(_normalise(dist) in declared for dist in distributions.get(module, [module]))
    }
    assert not missing, f"imported but not declared in [project] dependencies: {missing}"
    assert {"libcst", "click"} <= declared


def test_installed_package_comes_from_the_wheel(
    installed: Path, tmp_path: Path, isolated_env: dict[str, str]
) -> None:
    probe = (
        "import json, perflint, perflint.rules.registry as r;"
        "print(json.dumps({'file': perflint.__file__, 'rules_dir': str(r.rules_dir()),"
        " 'codes': [s.code for s in r.builtin_rules()], 'version': perflint.__version__}))"
    )
    python = installed / ("python.exe" if os.name == "nt" else "python")
    result = _run([str(python), "-c", probe], tmp_path, isolated_env)
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    home = installed.parent.resolve()
    assert Path(found["file"]).resolve().is_relative_to(home), found["file"]
    rules_dir = Path(found["rules_dir"]).resolve()
    assert rules_dir.is_relative_to(home) and rules_dir.name == "_rules"
    expected = sorted(path.name.split("-", 1)[0] for path in (ROOT / "rules").glob("*.yaml"))
    assert found["codes"] == expected
    assert found["version"] != "0+unknown"
    with zipfile.ZipFile(installed_wheel(installed)) as archive:
        (metadata_name,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        metadata = email.parser.Parser().parsestr(archive.read(metadata_name).decode("utf-8"))
    # The version is the distribution's, under its own name: not another project's "perflint".
    assert metadata["Name"] == "perflint-bytecode"
    assert found["version"] == metadata["Version"]


def test_installed_command_reports_pfl101(
    installed: Path, tmp_path: Path, isolated_env: dict[str, str]
) -> None:
    tree = tmp_path / "project"
    (tree / "pkg").mkdir(parents=True)
    (tree / "pkg" / "slow.py").write_text(SLOW_FILE, encoding="utf-8")
    (tree / "pkg" / "clean.py").write_text(CLEAN_FILE, encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    command = shutil.which("perflint", path=str(installed))
    assert command is not None and Path(command).parent == installed
    result = _run([command, "check", "--format", "json", str(tree)], elsewhere, isolated_env)
    assert result.returncode == 1, result.stdout + result.stderr
    findings = json.loads(result.stdout)
    assert [(Path(f["filename"]).name, f["code"]) for f in findings] == [
        ("slow.py", "PFL101")
    ], findings

    clean = _run([command, "check", str(tree / "pkg" / "clean.py")], elsewhere, isolated_env)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    # Every packaged rule is listed by the installed command.
    listed = _run([command, "rules", "--format", "json"], elsewhere, isolated_env)
    assert listed.returncode == 0, listed.stderr
    codes = sorted(rule["code"] for rule in json.loads(listed.stdout))
    assert codes == sorted(path.name.split("-", 1)[0] for path in (ROOT / "rules").glob("*.yaml"))


def test_python_dash_m_perflint(
    installed: Path, tmp_path: Path, isolated_env: dict[str, str]
) -> None:
    (tmp_path / "slow.py").write_text(SLOW_FILE, encoding="utf-8")
    python = installed / ("python.exe" if os.name == "nt" else "python")
    result = _run([str(python), "-m", "perflint", "slow.py"], tmp_path, isolated_env)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "PFL101" in result.stdout
