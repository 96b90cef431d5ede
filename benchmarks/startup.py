"""Start-up: the wall time of ``perflint check`` on one file, each run a new process.

Times, interleaved round by round (so a change in machine load hits each alike), the median of
``--runs`` new processes of:

- ``python -c pass``: the interpreter's own start-up, the floor;
- ``python -c "import libcst"``: what a run would pay for libcst alone;
- ``perflint check`` on one file with no candidate (``x = 1``): the pre-commit case, which must
  not import libcst (issue 13: at most 0.25 s);
- ``perflint check`` on one file with a finding (``for k in d.keys(): ...``), which does.

It prints wall seconds and the ratio to ``python -c pass``. The perflint runs use the
interpreter running this script (``-m perflint``), with an empty configuration file, from a
temporary directory.

    python benchmarks/startup.py            # 21 runs each
    python benchmarks/startup.py --runs 51
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _wall(command: list[str], cwd: str) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "empty.toml").write_text("")
        (root / "clean.py").write_text("x = 1\n")
        (root / "finding.py").write_text("d = {}\nfor k in d.keys():\n    print(k)\n")
        check = [sys.executable, "-m", "perflint", "check", "--config", str(root / "empty.toml")]
        commands = {
            "python -c pass": [sys.executable, "-c", "pass"],
            'python -c "import libcst"': [sys.executable, "-c", "import libcst"],
            "perflint check, no candidate": [*check, str(root / "clean.py")],
            "perflint check, one finding": [*check, str(root / "finding.py")],
        }
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.runs):
            for name, command in commands.items():
                times[name].append(_wall(command, tmp))
    floor = statistics.median(times["python -c pass"])
    print(f"CPython {sys.version.split()[0]}, median of {args.runs} new processes each")
    print(f"{'':32} {'wall s':>8} {'x pass':>8}")
    for name, found in times.items():
        median = statistics.median(found)
        print(f"{name:32} {median:8.3f} {median / floor:8.1f}")


if __name__ == "__main__":
    main()
