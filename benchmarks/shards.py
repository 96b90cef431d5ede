"""Check and time ``perflint check --shard K/N`` with ``perflint merge`` on a large real tree.

    python benchmarks/shards.py                          # CPython 3.12's standard library, 4 shards
    python benchmarks/shards.py --shards 3 PATH...       # any tree

For each of N shards it lists the files (``--show-files``) and shows that the shards cover
every file of the whole run exactly once; then, for JSON and SARIF, it lints the whole tree
once and each shard on its own (one ``perflint`` process each, the way a CI job matrix runs
them, here one after another with ``--jobs 1``) and shows that ``perflint merge`` of the parts
gives byte for byte the report of the whole run. It prints each run's wall time: on a matrix
the shards run side by side, so the slowest shard is the wall time of the split run.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DEFAULT_TREE = Path("/root/.pyenv/versions/3.12.1/lib/python3.12")  # as benchmarks/stdlib.py


def perflint(*args: str, cwd: Path) -> tuple[subprocess.CompletedProcess[bytes], float]:
    command = shutil.which("perflint") or str(Path(sys.executable).with_name("perflint"))
    began = time.perf_counter()
    done = subprocess.run([command, *args], cwd=cwd, capture_output=True, check=False)
    return done, time.perf_counter() - began


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="*", type=Path, help=f"trees to lint (default: {DEFAULT_TREE})")
    parser.add_argument("--shards", type=int, default=4)
    args = parser.parse_args(argv)
    paths = [path.resolve() for path in args.paths] or [DEFAULT_TREE]
    work = Path(tempfile.mkdtemp(prefix="perflint-shards-"))
    (work / "empty.toml").write_text("")
    common = ["--config", str(work / "empty.toml"), "--select", "ALL", "--exit-zero", "--jobs", "1"]
    targets = [str(path) for path in paths]
    ok = True

    whole_files = perflint("check", "--show-files", *common, *targets, cwd=work)[0].stdout.splitlines()
    parts = [
        perflint("check", "--show-files", "--shard", f"{k}/{args.shards}", *common, *targets, cwd=work)[0]
        .stdout.splitlines()
        for k in range(1, args.shards + 1)
    ]
    listed = sorted(line for part in parts for line in part)
    covered = listed == sorted(whole_files) and len(listed) == len(set(listed))
    ok &= covered
    sizes = ", ".join(str(len(part)) for part in parts)
    print(f"{len(whole_files)} files; shards of {sizes}: every file exactly once: {'yes' if covered else 'NO'}")

    for output_format in ("json", "sarif"):
        whole, whole_time = perflint("check", "--output-format", output_format, *common, *targets, cwd=work)
        names, times = [], []
        for k in range(1, args.shards + 1):
            name = work / f"part{k}.{output_format}"
            _, seconds = perflint(
                "check", "--output-format", output_format, "--shard", f"{k}/{args.shards}",
                "--output-file", str(name), *common, *targets, cwd=work,
            )
            names.append(str(name))
            times.append(seconds)
        merged, merge_time = perflint("merge", *names, cwd=work)
        same = merged.returncode == 0 and merged.stdout == whole.stdout
        ok &= same
        print(
            f"{output_format}: whole run {whole_time:.1f} s; shards {', '.join(f'{t:.1f}' for t in times)} s"
            f" (slowest {max(times):.1f} s); merge {merge_time:.2f} s;"
            f" merged report identical to the whole run's ({len(whole.stdout):,} bytes): {'yes' if same else 'NO'}"
        )
    shutil.rmtree(work)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
