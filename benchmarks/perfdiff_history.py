"""Time ``perflint diff`` over a real project's history and list everything it reports.

A PyPI project's git history is not reachable from here, so the history is built: each
released sdist of one pure-Python project, oldest first, becomes one commit holding that
release's package (its ``.py`` files).  Each of the last ``--pairs`` commits is then diffed
against its parent, as ``perflint diff`` / ``perflint review`` do (both versions read from
git, compiled by the target interpreter, compared; grown loops linked to rule findings).

Download the sdists outside this repository first, e.g.::

    mkdir -p /tmp/sdists && cd /tmp/sdists
    for v in 10.0.0 10.1.0 ...; do
        pip download --no-deps --no-binary :all: -d . "more-itertools==$v"
    done

then::

    python benchmarks/perfdiff_history.py --sdists /tmp/sdists --package more_itertools \\
        [--python python3.12] [--report /tmp/report.json]

Timings are medians over the pairs of one run on this project's shared 2-core machine:
per pair (the whole diff) and per changed file (a pair's time over its changed files).  The
report lists every entry with its versions, for checking by hand against the sources.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from pathlib import Path, PurePosixPath

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from perflint.changes.perfdiff import perf_diff  # noqa: E402
from perflint.output.perfdiff import change_json  # noqa: E402
from perflint.project.config import settings_config  # noqa: E402
from perflint.project.options import resolve_options
from perflint.types import Settings  # noqa: E402

_VERSION = re.compile(r"-(\d+(?:\.\d+)*)\.(?:tar\.gz|zip)$")


def _key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def sdists(folder: Path) -> list[tuple[str, Path]]:
    found = [(m.group(1), path) for path in folder.iterdir() if (m := _VERSION.search(path.name))]
    return sorted(found, key=lambda item: _key(item[0]))


def _members(archive: Path, package: str) -> dict[str, bytes]:
    """The package's ``.py`` files in an sdist, by path below the sdist's top folder."""
    out: dict[str, bytes] = {}

    def keep(name: str) -> str | None:
        parts = PurePosixPath(name).parts
        if len(parts) < 3 or not name.endswith(".py"):
            return None
        inner = PurePosixPath(*parts[1:])  # drop "project-1.2.3/"
        if inner.parts[0] == "src":
            inner = PurePosixPath(*inner.parts[1:])
        return str(inner) if inner.parts[0] == package else None

    if archive.name.endswith(".zip"):
        with zipfile.ZipFile(archive) as handle:
            for name in handle.namelist():
                if (target := keep(name)) is not None:
                    out[target] = handle.read(name)
        return out
    with tarfile.open(archive) as handle:
        for member in handle.getmembers():
            if member.isfile() and (target := keep(member.name)) is not None:
                extracted = handle.extractfile(member)
                if extracted is not None:
                    out[target] = extracted.read()
    return out


def git(root: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def build_history(releases: list[tuple[str, Path]], package: str, root: Path) -> list[tuple[str, str]]:
    """One commit per release: (version, commit id), oldest first."""
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.email", "bench@example.invalid")
    git(root, "config", "user.name", "bench")
    commits = []
    for version, archive in releases:
        for old in root.glob(f"{package}/**/*.py"):
            old.unlink()
        for name, data in _members(archive, package).items():
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        git(root, "add", "-A")
        git(root, "commit", "-q", "--allow-empty", "-m", f"{package} {version}")
        commits.append((version, git(root, "rev-parse", "HEAD")))
    return commits


def _cpu() -> float:
    """CPU seconds of this process and its finished children (the --python compiler)."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sdists", type=Path, required=True, help="Folder of downloaded sdists.")
    parser.add_argument("--package", required=True, help="The import package's folder, e.g. more_itertools.")
    parser.add_argument("--pairs", type=int, default=50, help="Consecutive releases to diff (default 50).")
    parser.add_argument("--python", help="Interpreter to compile with (default: this one).")
    parser.add_argument("--report", type=Path, help="Write every reported entry here (JSON).")
    parser.add_argument(
        "--no-findings", action="store_true", help="Do not lint grown loops' files for rule findings."
    )
    args = parser.parse_args()
    releases = sdists(args.sdists)
    with tempfile.TemporaryDirectory(prefix="perfdiff-history-") as scratch:
        root = Path(scratch)
        commits = build_history(releases, args.package, root)[-(args.pairs + 1) :]
        options = resolve_options({}, settings_config((".",), None, root, None), root)
        settings = None if args.no_findings else Settings(select=options.select, target_version=options.target_version)
        rows, report = [], []
        for (old_version, old), (new_version, new) in zip(commits, commits[1:]):
            started, cpu = time.perf_counter(), _cpu()
            diff = perf_diff(old, (), root, head=new, python=args.python, settings=settings, relative=False)
            seconds, cpu = time.perf_counter() - started, _cpu() - cpu
            rows.append((f"{old_version} -> {new_version}", diff.files, seconds, cpu, len(diff.changes), len(diff.errors)))
            report.extend(
                {"from": old_version, "to": new_version, **change_json(change, diff.interpreter)}
                for change in diff.changes
            )
        interpreter = diff.interpreter
    changed = [row for row in rows if row[1]]
    per_file = [seconds / files for _, files, seconds, _, _, _ in changed]
    cpu_per_file = [cpu / files for _, files, _, cpu, _, _ in changed]
    print(f"{args.package}: {len(rows)} consecutive releases diffed on {interpreter}")
    print(f"{'releases':<22} {'files':>5} {'wall s':>7} {'cpu s':>6} {'s/file':>7} {'entries':>7} {'errors':>6}")
    for name, files, seconds, cpu, entries, errors in rows:
        print(
            f"{name:<22} {files:>5} {seconds:>7.3f} {cpu:>6.3f} {seconds / max(files, 1):>7.3f} "
            f"{entries:>7} {errors:>6}"
        )
    print(
        f"per changed file: median {statistics.median(per_file):.3f} s wall "
        f"({statistics.median(cpu_per_file):.3f} s CPU), max {max(per_file):.3f} s wall "
        f"({max(cpu_per_file):.3f} s CPU); {sum(r[4] for r in rows)} entries, "
        f"{sum(r[5] for r in rows)} files not compared"
    )
    if args.report is not None:
        args.report.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
