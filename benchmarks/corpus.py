"""perflint's findings on third-party code: counts, judged precision, peers, fixed test suites.

A pinned corpus of popular pure-Python projects, as their source distributions on PyPI
(downloaded once with ``pip download --no-deps --no-binary :all:`` into a cache directory
outside the repository, then unpacked there), is linted with every rule for two targets:
``py310`` (every rule runs, PFL105 included) and the default (the running interpreter).

Commands (``python benchmarks/corpus.py --help``):

* ``run``: download what is missing, lint, print findings per rule per project;
* ``report``: precision per rule from ``benchmarks/judged.tsv`` (a verdict per finding,
  written by reading it in context), and the findings not yet judged;
* ``show CODE``: the findings of a rule with the code around them, for judging;
* ``peers``: ruff's PERF401/PERF102/SIM118 and pylint's C0200 (from a venv of their own)
  over the same files, and the peer findings perflint does not report, with the verdicts of
  ``benchmarks/peers.tsv`` on whether perflint is right to be silent;
* ``tests PROJECT...``: the project's own test suite on the unfixed copy and on a copy fixed
  with ``--fix --unsafe-fixes``, in a venv with its test dependencies.

The cache is ``$PERFLINT_CORPUS`` or ``~/.cache/perflint-corpus``.  See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import ast
import csv
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
JUDGED = HERE / "judged.tsv"
PEERS = HERE / "peers.tsv"
CACHE = Path(os.environ.get("PERFLINT_CORPUS", Path.home() / ".cache" / "perflint-corpus"))
TARGETS = ("py310", "default")
#: Rules whose findings are judged in full up to this many; beyond it, this many are judged.
SAMPLE = 40
JUDGED_FIELDS = ("project", "path", "line", "code", "verdict", "reason")
VERDICTS = ("correct", "wrong")
PEER_FIELDS = ("project", "path", "line", "peer", "verdict", "reason")
#: Whether perflint is right to be silent on a peer finding.
PEER_VERDICTS = ("right", "miss")
#: Peer rules and the perflint rule each overlaps.
PEER_RULES = {"PERF401": "PFL201", "PERF102": "PFL103", "SIM118": "PFL102", "C0200": "PFL101"}
PEER_TOOLS = ("ruff==0.5.5", "pylint==3.2.6")


@dataclass(frozen=True)
class TestSuite:
    """How to run a project's own tests against a copy of its source."""

    deps: tuple[str, ...] = ()
    #: A pytest of the projects' time (newer ones turn their deprecations into errors).
    pytest: str = "pytest==8.2.2"
    #: pytest arguments, relative to the project's root (with ``unittest``: its arguments).
    args: tuple[str, ...] = ("tests",)
    #: "pytest", or "unittest" for a suite pytest cannot collect.
    runner: str = "pytest"
    #: Directory (relative to the root) that must come first on ``sys.path``.
    path: str = "."


@dataclass(frozen=True)
class Project:
    name: str
    version: str
    tests: TestSuite | None = None

    @property
    def key(self) -> str:
        return f"{self.name}-{self.version}"


PROJECTS: tuple[Project, ...] = (
    Project("requests", "2.32.3"),
    Project(
        "flask",
        "3.0.3",
        TestSuite(
            deps=("werkzeug==3.0.3", "jinja2==3.1.4", "itsdangerous==2.2.0", "click==8.1.7",
                  "blinker==1.8.2"),
            path="src",
        ),  # fmt: skip
    ),
    Project("click", "8.1.7", TestSuite(path="src")),
    Project("jinja2", "3.1.4", TestSuite(deps=("markupsafe==2.1.5",), path="src")),
    Project("werkzeug", "3.0.3"),
    Project("attrs", "23.2.0"),
    Project("rich", "13.7.1"),
    Project("httpx", "0.27.0"),
    Project("pydantic", "1.10.17"),
    Project("sqlalchemy", "2.0.31"),
    Project("black", "24.4.2"),
    Project("pygments", "2.18.0"),
    Project("docutils", "0.21.2"),
    Project("boltons", "24.0.0", TestSuite()),
    Project("more-itertools", "10.3.0", TestSuite()),
    Project("toolz", "0.12.1", TestSuite(args=("toolz/tests",))),
    Project("networkx", "3.3", TestSuite(args=("networkx",))),
    Project("pyparsing", "3.1.2"),
    Project(
        "markdown",
        "3.6",
        TestSuite(deps=("pyyaml==6.0.1",), args=("discover", "tests"), runner="unittest"),
    ),
)


# -- the corpus on disk -----------------------------------------------------------------------
def source_dir(project: Project) -> Path:
    return CACHE / "src" / project.key


def _unpack(archive: Path, into: Path) -> None:
    """Unpack an sdist into ``into`` (its single top-level directory becomes ``into``)."""
    staging = into.with_name(into.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    if archive.name.endswith(".zip"):
        with zipfile.ZipFile(archive) as bundle:
            for member in bundle.namelist():
                if member.startswith("/") or ".." in Path(member).parts:
                    raise SystemExit(f"{archive}: unsafe member {member!r}")
            bundle.extractall(staging)
    else:
        with tarfile.open(archive) as bundle:
            bundle.extractall(staging, filter="data")
    tops = list(staging.iterdir())
    top = tops[0] if len(tops) == 1 and tops[0].is_dir() else staging
    shutil.rmtree(into, ignore_errors=True)
    top.rename(into)
    shutil.rmtree(staging, ignore_errors=True)


def download(projects: Iterable[Project]) -> None:
    """Fetch and unpack each project's sdist unless the cache has it."""
    sdists = CACHE / "sdists"
    sdists.mkdir(parents=True, exist_ok=True)
    for project in projects:
        if source_dir(project).is_dir():
            continue
        archive = _find_sdist(sdists, project)
        if archive is None:
            print(f"downloading {project.key}", file=sys.stderr)
            subprocess.run(
                [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                 "--no-binary", ":all:", f"{project.name}=={project.version}", "-d", str(sdists)],
                check=True,
            )  # fmt: skip
            archive = _find_sdist(sdists, project)
            if archive is None:
                raise SystemExit(f"pip saved no sdist for {project.key} in {sdists}")
        _unpack(archive, source_dir(project))


def _find_sdist(directory: Path, project: Project) -> Path | None:
    wanted = re.sub(r"[-_.]+", "_", project.name).lower() + "-" + project.version
    for path in directory.iterdir():
        stem = re.sub(r"\.(tar\.gz|zip|tar\.bz2)$", "", path.name)
        if re.sub(r"[-_.]+", "_", stem.rsplit("-", 1)[0]).lower() + "-" + stem.rsplit("-", 1)[-1] == wanted:
            return path
    return None


# -- perflint over the corpus -----------------------------------------------------------------
@dataclass(frozen=True)
class Finding:
    project: str
    path: str  # relative to the project's root
    line: int
    end_line: int
    code: str
    message: str
    applicability: str  # "safe", "unsafe" or "" (no fix)

    @property
    def key(self) -> tuple[str, str, int, str]:
        return (self.project, self.path, self.line, self.code)


def perflint_command() -> list[str]:
    beside = Path(sys.executable).parent / "perflint"
    return [str(beside)] if beside.exists() else [sys.executable, "-m", "perflint"]


def empty_config() -> str:
    """Settings that are not the project's own (perflint refuses a device such as /dev/null)."""
    empty = CACHE / "empty-config.toml"
    empty.write_text("", encoding="utf-8")
    return str(empty)


def lint(project: Project, target: str, jobs: int) -> list[Finding]:
    root = source_dir(project)
    command = [*perflint_command(), "check", "--select", "ALL", "--format", "json",
               "--exit-zero", "--jobs", str(jobs), "--config", empty_config(), "."]  # fmt: skip
    if target != "default":
        command += ["--target-version", target]
    done = subprocess.run(command, cwd=root, capture_output=True, text=True)
    if done.returncode not in (0, 2) or "internal error" in done.stderr or not done.stdout.strip():
        raise SystemExit(f"perflint failed on {project.key}:\n{done.stderr[-3000:]}")
    findings = []
    for item in json.loads(done.stdout or "[]"):
        fix = item.get("fix") or {}
        findings.append(
            Finding(
                project=project.name,
                path=Path(item["filename"]).as_posix().removeprefix("./"),
                line=item["location"]["row"],
                end_line=item["end_location"]["row"],
                code=item["code"],
                message=item["message"],
                applicability=fix.get("applicability", ""),
            )
        )
    return findings


def results_file(target: str) -> Path:
    return CACHE / f"findings-{target}.json"


def run(projects: Sequence[Project], jobs: int) -> dict[str, list[Finding]]:
    download(projects)
    found: dict[str, list[Finding]] = {}
    for target in TARGETS:
        findings: list[Finding] = []
        for project in projects:
            findings += lint(project, target, jobs)
        results_file(target).write_text(json.dumps([f.__dict__ for f in findings], indent=1))
        found[target] = findings
    return found


def load(target: str) -> list[Finding]:
    path = results_file(target)
    if not path.exists():
        raise SystemExit(f"no findings yet: run `python {sys.argv[0]} run` first")
    return [Finding(**item) for item in json.loads(path.read_text())]


def print_counts(found: dict[str, list[Finding]], projects: Sequence[Project]) -> None:
    for target, findings in found.items():
        codes = sorted({f.code for f in findings})
        per = Counter((f.project, f.code) for f in findings)
        print(f"\nfindings per project, target {target}")
        print(f"| project | files | lines | {' | '.join(codes)} | total |")
        print("|---|---:|---:|" + "---:|" * (len(codes) + 1))
        for project in projects:
            files, lines = _size(project)
            cells = [str(per[(project.name, code)]) for code in codes]
            total = sum(per[(project.name, code)] for code in codes)
            print(f"| {project.key} | {files} | {lines} | {' | '.join(cells)} | {total} |")
        totals = [str(sum(per[(p.name, code)] for p in projects)) for code in codes]
        files = sum(_size(p)[0] for p in projects)
        lines = sum(_size(p)[1] for p in projects)
        print(f"| total | {files} | {lines} | {' | '.join(totals)} | {len(findings)} |")


def _size(project: Project) -> tuple[int, int]:
    files = lines = 0
    for path in source_dir(project).rglob("*.py"):
        if path.is_file():
            files += 1
            lines += path.read_bytes().count(b"\n")
    return files, lines


# -- judging ----------------------------------------------------------------------------------
@dataclass
class Verdicts:
    by_key: dict[tuple[str, str, int, str], tuple[str, str]] = field(default_factory=dict)

    @classmethod
    def read(cls, path: Path = JUDGED) -> Verdicts:
        return cls(read_verdicts(path, "code", VERDICTS))


def read_verdicts(
    path: Path, rule_column: str, allowed: Sequence[str]
) -> dict[tuple[str, str, int, str], tuple[str, str]]:
    """A verdicts TSV (project, path, line, the rule in ``rule_column``, verdict, reason), keyed
    like the findings; a verdict not in ``allowed`` stops the script."""
    verdicts: dict[tuple[str, str, int, str], tuple[str, str]] = {}
    if not path.exists():
        return verdicts
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            if row["verdict"] not in allowed:
                raise SystemExit(f"{path}: verdict {row['verdict']!r} is not one of {allowed}")
            key = (row["project"], row["path"], int(row["line"]), row[rule_column])
            verdicts[key] = (row["verdict"], row["reason"])
    return verdicts


def report(findings: Sequence[Finding], verdicts: Verdicts) -> int:
    """Precision per rule over the current findings; returns how many still need a verdict."""
    by_code: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        if finding.code != "PFL000":  # a file perflint cannot parse is no rule's finding
            by_code[finding.code].append(finding)
    current = {f.key for f in findings}
    missing = 0
    print("| rule | findings | judged | correct | precision | needed |")
    print("|---|---:|---:|---:|---:|---:|")
    for code in sorted(by_code):
        items = by_code[code]
        judged = [verdicts.by_key[f.key][0] for f in items if f.key in verdicts.by_key]
        correct = judged.count("correct")
        needed = max(0, min(len(items), SAMPLE) - len(judged))
        missing += needed
        precision = f"{correct / len(judged):.0%}" if judged else "-"
        print(f"| {code} | {len(items)} | {len(judged)} | {correct} | {precision} | {needed} |")
    gone = Counter(
        (key[3], verdict) for key, (verdict, _) in verdicts.by_key.items() if key not in current
    )
    if gone:
        print("\njudged findings no longer reported (rule, verdict: count):")
        for (code, verdict), count in sorted(gone.items()):
            print(f"  {code} {verdict}: {count}")
    if missing:
        print(f"\n{missing} finding(s) still need a verdict: `python {sys.argv[0]} show CODE --unjudged`")
    return missing


def show(findings: Sequence[Finding], code: str, verdicts: Verdicts, unjudged: bool, context: int) -> None:
    for finding in findings:
        if finding.code != code or (unjudged and finding.key in verdicts.by_key):
            continue
        lines = _source_lines(finding.project, finding.path)
        first = max(1, finding.line - context)
        last = min(len(lines), finding.end_line + context)
        verdict = verdicts.by_key.get(finding.key)
        print(f"=== {finding.project}\t{finding.path}\t{finding.line}\t{finding.code}"
              f"  [{finding.applicability or 'no fix'}] {finding.message}"
              + (f"  -> {verdict[0]}: {verdict[1]}" if verdict else ""))  # fmt: skip
        for number in range(first, last + 1):
            mark = ">" if finding.line <= number <= finding.end_line else " "
            print(f"{number:5}{mark} {lines[number - 1]}")


def _source_lines(project: str, path: str) -> list[str]:
    file = source_dir(_project(project)) / path
    return file.read_text(encoding="utf-8", errors="replace").splitlines()


def _project(name: str) -> Project:
    for project in PROJECTS:
        if project.name == name:
            return project
    raise SystemExit(f"no project {name!r} in the corpus")


# -- peers ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PeerFinding:
    project: str
    path: str
    line: int
    peer: str

    @property
    def key(self) -> tuple[str, str, int, str]:
        return (self.project, self.path, self.line, self.peer)


def peer_venv() -> Path:
    """A venv of its own for ruff and pylint, so that they never meet perflint's deps."""
    venv = CACHE / "peers-venv"
    if not (venv / "bin" / "pylint").exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "--quiet", *PEER_TOOLS], check=True)
    return venv


def run_peers(projects: Sequence[Project]) -> list[PeerFinding]:
    venv = peer_venv()
    found: list[PeerFinding] = []
    for project in projects:
        root = source_dir(project)
        done = subprocess.run(
            [str(venv / "bin" / "ruff"), "check", "--isolated", "--preview", "--select",
             "PERF401,PERF102,SIM118", "--output-format", "json", "--exit-zero",
             "--target-version", "py310", "."],
            cwd=root, capture_output=True, text=True, check=True,
        )  # fmt: skip
        for item in json.loads(done.stdout or "[]"):
            if item["code"] not in PEER_RULES:
                continue  # a syntax error ruff reports
            path = Path(item["filename"]).resolve().relative_to(root.resolve()).as_posix()
            found.append(PeerFinding(project.name, path, item["location"]["row"], item["code"]))
        files = sorted(str(p.relative_to(root)) for p in root.rglob("*.py") if p.is_file())
        for chunk in range(0, len(files), 200):
            done = subprocess.run(
                [str(venv / "bin" / "pylint"), "--disable=all", "--enable=C0200",
                 "--output-format=json", "--score=n", "--rcfile", os.devnull,
                 *files[chunk : chunk + 200]],
                cwd=root, capture_output=True, text=True,
            )  # fmt: skip
            for item in json.loads(done.stdout or "[]"):
                found.append(PeerFinding(project.name, Path(item["path"]).as_posix(), item["line"], "C0200"))
    (CACHE / "peers.json").write_text(json.dumps([p.__dict__ for p in found], indent=1))
    return found


def _loop_lines(path: Path) -> list[tuple[int, int, int]]:
    """(first line, last line, header's last line) of every ``for`` statement of a file."""
    try:
        tree = ast.parse(path.read_bytes())
    except (SyntaxError, ValueError):
        return []
    return [
        (node.lineno, node.end_lineno or node.lineno, node.iter.end_lineno or node.lineno)
        for node in ast.walk(tree)
        if isinstance(node, (ast.For, ast.AsyncFor))
    ]


def peer_misses(peers: Sequence[PeerFinding], findings: Sequence[Finding]) -> list[PeerFinding]:
    """Peer findings with no finding of the overlapping perflint rule on the same code.

    Same line, or for the loop rules the same ``for`` statement: ruff reports PERF401 at the
    ``append`` and perflint reports PFL201 from ``out = []`` to the loop's header.
    """
    ours: dict[tuple[str, str, str], list[Finding]] = defaultdict(list)
    for finding in findings:
        ours[(finding.project, finding.path, finding.code)].append(finding)
    loops: dict[tuple[str, str], list[tuple[int, int, int]]] = {}
    misses = []
    for peer in peers:
        if peer.peer not in PEER_RULES:
            continue
        mine = ours.get((peer.project, peer.path, PEER_RULES[peer.peer]), [])
        if any(f.line <= peer.line <= f.end_line for f in mine):
            continue
        if peer.peer == "PERF401":
            if (peer.project, peer.path) not in loops:
                file = source_dir(_project(peer.project)) / peer.path
                loops[(peer.project, peer.path)] = _loop_lines(file)
            enclosing = [
                loop for loop in loops[(peer.project, peer.path)] if loop[0] <= peer.line <= loop[1]
            ]
            if enclosing and any(
                f.end_line == max(enclosing)[2] for f in mine
            ):
                continue
        misses.append(peer)
    return misses


def read_peer_verdicts(path: Path = PEERS) -> dict[tuple[str, str, int, str], tuple[str, str]]:
    return read_verdicts(path, "peer", PEER_VERDICTS)


def peer_report(peers: Sequence[PeerFinding], findings: Sequence[Finding], context: int) -> None:
    misses = peer_misses(peers, findings)
    verdicts = read_peer_verdicts()
    counts = Counter(p.peer for p in peers)
    missed = Counter(p.peer for p in misses)
    print("| peer rule | perflint rule | peer findings | perflint silent | right to be silent | missed | not judged |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for rule, ours in PEER_RULES.items():
        judged = [verdicts.get(p.key, ("", ""))[0] for p in misses if p.peer == rule]
        print(f"| {rule} | {ours} | {counts[rule]} | {missed[rule]} | {judged.count('right')} "
              f"| {judged.count('miss')} | {judged.count('')} |")  # fmt: skip
    for peer in misses:
        if peer.key in verdicts and context < 0:
            continue
        verdict = verdicts.get(peer.key)
        print(f"=== {peer.project}\t{peer.path}\t{peer.line}\t{peer.peer}"
              + (f"  -> {verdict[0]}: {verdict[1]}" if verdict else "  (not judged)"))  # fmt: skip
        if context > 0 and verdict is None:
            lines = _source_lines(peer.project, peer.path)
            for number in range(max(1, peer.line - context), min(len(lines), peer.line + context) + 1):
                print(f"{number:5}{'>' if number == peer.line else ' '} {lines[number - 1]}")


# -- test suites before and after the fixes ---------------------------------------------------
_SUMMARY = re.compile(r"(\d+) (passed|failed|error|errors|skipped|xfailed|xpassed)")


def run_tests(project: Project, jobs: int) -> dict[str, Counter[str]]:
    """pytest's counts for the unfixed copy and the copy fixed with ``--fix --unsafe-fixes``."""
    if project.tests is None:
        raise SystemExit(f"{project.key}: no test suite is configured in PROJECTS")
    download([project])
    suite = project.tests
    venv = CACHE / "test-venvs" / project.key
    if not (venv / "bin" / "pytest").exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "--quiet", suite.pytest, *suite.deps], check=True)
    counts: dict[str, Counter[str]] = {}
    for state in ("unfixed", "fixed"):
        copy = CACHE / "test-copies" / f"{project.key}-{state}"
        shutil.rmtree(copy, ignore_errors=True)
        shutil.copytree(source_dir(project), copy)
        if state == "fixed":
            done = subprocess.run(
                [*perflint_command(), "check", "--select", "ALL", "--fix", "--unsafe-fixes",
                 "--exit-zero", "--quiet", "--jobs", str(jobs), "--config", empty_config(), "."],
                cwd=copy, capture_output=True, text=True,
            )  # fmt: skip
            print("".join(done.stderr.strip().splitlines()[-1:]), file=sys.stderr)
            if done.returncode not in (0, 1):
                raise SystemExit(f"perflint --fix failed on {project.key}:\n{done.stderr[-3000:]}")
        environment = {**os.environ, "PYTHONPATH": str(copy / suite.path), "PYTHONDONTWRITEBYTECODE": "1"}
        python = str(venv / "bin" / "python")
        if suite.runner == "unittest":
            command = [python, "-m", "unittest", *suite.args]
        else:
            command = [python, "-m", "pytest", "-q", "-p", "no:cacheprovider", *suite.args]
        done = subprocess.run(command, cwd=copy, capture_output=True, text=True, env=environment)
        counts[state] = _counts(done.stdout + done.stderr, suite.runner)
        (CACHE / "test-copies" / f"{project.key}-{state}.log").write_text(done.stdout + done.stderr)
    return counts


def _counts(output: str, runner: str) -> Counter[str]:
    """passed/failed/error/skipped from the summary the runner prints last."""
    if runner == "unittest":
        ran = re.findall(r"^Ran (\d+) tests?", output, re.MULTILINE)
        found = Counter({kind: int(n) for kind, n in re.findall(r"(failures|errors|skipped)=(\d+)", output)})
        counts = Counter(failed=found["failures"], error=found["errors"], skipped=found["skipped"])
        counts["passed"] = int(ran[-1]) - sum(counts.values()) if ran else 0
        return counts
    tail = output.strip().splitlines()[-1:] or [""]
    return Counter(
        {kind.rstrip("s") if kind == "errors" else kind: int(n) for n, kind in _SUMMARY.findall(tail[0])}
    )


def changed_files(project: Project) -> int:
    unfixed = CACHE / "test-copies" / f"{project.key}-unfixed"
    fixed = CACHE / "test-copies" / f"{project.key}-fixed"
    return sum(
        1
        for path in fixed.rglob("*.py")
        if path.is_file() and path.read_bytes() != (unfixed / path.relative_to(fixed)).read_bytes()
    )


# -- command line -----------------------------------------------------------------------------
def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=2)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="download (once), lint, count findings per project")
    commands.add_parser("report", help="precision per rule from judged.tsv")
    shown = commands.add_parser("show", help="a rule's findings in context, for judging")
    shown.add_argument("code")
    shown.add_argument("--unjudged", action="store_true")
    shown.add_argument("--context", type=int, default=6)
    peers = commands.add_parser("peers", help="ruff/pylint findings perflint does not report")
    peers.add_argument("--cached", action="store_true", help="reuse the last peer run")
    peers.add_argument("--context", type=int, default=-1, help="show unjudged misses in context")
    tests = commands.add_parser("tests", help="test suites before and after --fix --unsafe-fixes")
    tests.add_argument("projects", nargs="*")
    args = parser.parse_args(argv)

    if args.command == "run":
        found = run(PROJECTS, args.jobs)
        print_counts(found, PROJECTS)
        print()
        report(found["py310"], Verdicts.read())
    elif args.command == "report":
        return 1 if report(load("py310"), Verdicts.read()) else 0
    elif args.command == "show":
        show(load("py310"), args.code, Verdicts.read(), args.unjudged, args.context)
    elif args.command == "peers":
        if args.cached:
            found_peers = [PeerFinding(**p) for p in json.loads((CACHE / "peers.json").read_text())]
        else:
            found_peers = run_peers(PROJECTS)
        peer_report(found_peers, load("py310"), args.context)
    elif args.command == "tests":
        chosen = [_project(name) for name in args.projects] or [p for p in PROJECTS if p.tests]
        print("| project | files fixed | unfixed: passed / failed / errors / skipped | fixed: passed / failed / errors / skipped |")
        print("|---|---:|---|---|")
        for project in chosen:
            counts = run_tests(project, args.jobs)
            cells = [
                " / ".join(str(counts[state][kind]) for kind in ("passed", "failed", "error", "skipped"))
                for state in ("unfixed", "fixed")
            ]
            print(f"| {project.key} | {changed_files(project)} | {cells[0]} | {cells[1]} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
