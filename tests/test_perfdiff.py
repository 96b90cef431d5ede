"""``perflint diff`` end to end on a git repository, on every CPython 3.8-3.13 present.

The feature branch of the fixture repository (a) adds a call inside an existing loop, (b) nests
a new loop inside a loop, (c) hoists a loop-invariant call out of a loop, (d) changes only a
docstring and comments and (e) renames a function without changing it.  Each interpreter is
reached through ``--python pythonX.Y`` (the compile-only subprocess); a missing one is skipped.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from test_explain import VERSIONS, python

from perflint.changes.perfdiff import _worktree_bytes
from perflint.cli.main import cli

BASE = '''\
"""The module."""
import json


def load_all(lines):
    out = []
    for line in lines:
        out.append(line.strip())
    return out


def pairs(xs, ys):
    total = 0
    for x in xs:
        total += x
    return total


def scale(values, factors):
    result = []
    for v in values:
        n = len(factors)
        result.append(v * n)
    return result


def documented(a):
    """Old doc."""
    # old comment
    return a + 1


def old_name(q):
    return [q * 2 for _ in range(3)]


class Shape:
    """A shape."""

    def area(self):
        return sum(side for side in self.sides)
'''

HEAD = '''\
"""The module, documented differently."""
import json


def load_all(lines):
    out = []
    for line in lines:
        out.append(json.loads(line.strip()))  # (a) a call enters the loop
    return out


def pairs(xs, ys):
    total = 0
    for x in xs:
        for y in ys:  # (b) a nested loop
            total += x * y
    return total


def scale(values, factors):
    result = []
    n = len(factors)  # (c) hoisted
    for v in values:
        result.append(v * n)
    return result


def documented(a):
    """New doc, longer.

    With a second paragraph.
    """
    # (d) a new comment
    return a + 1  # and a trailing one


def new_name(q):  # (e) renamed only
    return [q * 2
            for _ in range(3)]


class Shape:
    """A shape, reformatted."""

    def area(self):
        return sum(
            side for side in self.sides
        )
'''


def git(root: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True)
    return done.stdout


def commit(root: Path, files: dict[str, str], message: str) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.email", "dev@example.invalid")
    git(root, "config", "user.name", "dev")
    commit(root, {"app.py": BASE, "other.py": "def untouched():\n    return 1\n"}, "main")
    git(root, "checkout", "-q", "-b", "feature")
    commit(root, {"app.py": HEAD}, "feature")
    monkeypatch.chdir(root)
    return root


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, ["diff", *args], catch_exceptions=False)


def diff_json(*args: str) -> list[dict[str, Any]]:
    result = run("--since", "main", "--format", "json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def changed_once(name: str, before: str, after: str) -> dict[str, Any]:
    """Commit ``before`` then ``after`` as file ``name``: the one entry the last commit makes."""
    commit(Path.cwd(), {name: before}, "before")
    commit(Path.cwd(), {name: after}, "after")
    (entry,) = diff_json("--since", "HEAD~1")
    return entry


def by_name(entries: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {entry["qualname"]: entry for entry in entries}


@pytest.mark.parametrize("version", [None, *VERSIONS], ids=["running", *VERSIONS])
def test_the_five_changes(repo: Path, version: str | None) -> None:
    args = () if version is None else ("--python", python(version))
    entries = diff_json(*args)
    found = by_name(entries)
    # (d) docstrings and comments, (e) the rename and the reformatted method report nothing.
    assert sorted(found) == ["load_all", "pairs", "scale"]
    assert [entry["qualname"] for entry in entries] == ["pairs", "load_all", "scale"]  # by weight
    expected = f"{sys.version_info[0]}.{sys.version_info[1]}" if version is None else version
    assert all(f"CPython {expected}." in entry["interpreter"] for entry in entries)

    (a,) = found["load_all"]["loops"]  # (a)
    assert found["load_all"]["verdict"] == "regression" and found["load_all"]["change"] == "modified"
    assert "call json.loads" in a["entered"] and "global json" in a["entered"]
    assert a["left"] == [] and a["head_instructions"] > a["base_instructions"]
    assert (a["line"], a["depth"]) == (7, 0)

    outer, inner = found["pairs"]["loops"]  # (b)
    assert found["pairs"]["verdict"] == "regression"
    assert outer["entered"] == ["loop"] and outer["line"] == 14
    assert (inner["base_instructions"], inner["depth"], inner["line"]) == (None, 1, 15)
    assert inner["head_instructions"] > 0 and inner["verdict"] == "added"
    assert "O(n*m)" in inner["reason"]

    (c,) = found["scale"]["loops"]  # (c)
    assert found["scale"]["verdict"] == "improvement"
    assert {"call len", "builtin len"} <= set(c["left"]) and c["entered"] == []
    assert c["head_instructions"] < c["base_instructions"]
    assert found["scale"]["base_instructions"] == found["scale"]["head_instructions"]  # moved, not removed


def test_text_output_names_interpreter_and_says_counts_are_not_time(repo: Path) -> None:
    result = run("--since", "main")
    assert result.exit_code == 0
    text = result.stdout
    assert "CPython" in text and "not time" in text
    assert "app.py:12 pairs (function, modified): regression" in text
    assert "+ call json.loads" in text and "- call len" in text
    assert "documented" not in text and "new_name" not in text and "old_name" not in text


def test_output_is_byte_identical_across_runs(repo: Path) -> None:
    command = [sys.executable, "-m", "perflint", "diff", "--since", "main"]
    outputs = set()
    for seed in ("0", "12345"):
        for extra in ((), ("--format", "json"), ("--format", "markdown")):
            env = {**os.environ, "PYTHONHASHSEED": seed}
            done = subprocess.run([*command, *extra], cwd=repo, capture_output=True, env=env, check=True)
            outputs.add((extra, done.stdout))
    assert len(outputs) == 3


def test_nothing_changed_reports_nothing(repo: Path) -> None:
    commit(repo, {"app.py": BASE}, "back")
    assert diff_json() == []
    assert "No change to the bytecode" in run("--since", "main").stdout


def test_fail_on(repo: Path) -> None:
    assert run("--since", "main").exit_code == 0  # informs, does not fail
    nested = run("--since", "main", "--fail-on", "nested-loop")
    assert nested.exit_code == 1 and "new nested loop at line 15" in nested.stderr
    # load_all's loop grows by 3 instructions on 3.8-3.10 and 3.12, 4 on 3.11 and 3.13.
    grew = run("--since", "main", "--fail-on", "loop-growth=2")
    assert grew.exit_code == 1 and "load_all" in grew.stderr
    assert run("--since", "main", "--fail-on", "loop-growth=1000").exit_code == 0
    assert run("--since", "main", "--fail-on", "loop-growth=10%").exit_code == 1
    assert run("--since", "main", "--fail-on", "regression,loop-growth=1000").exit_code == 1
    bad = run("--since", "main", "--fail-on", "slower")
    assert bad.exit_code == 2 and "loop-growth=N" in bad.output


def test_working_tree_and_staged(repo: Path) -> None:
    commit(repo, {"app.py": BASE}, "back")
    (repo / "app.py").write_text(HEAD, encoding="utf-8")
    assert sorted(by_name(diff_json())) == ["load_all", "pairs", "scale"]  # working tree
    staged = run("--staged", "--format", "json")
    assert json.loads(staged.stdout) == []  # nothing staged yet
    git(repo, "add", "app.py")
    (repo / "app.py").write_text(BASE, encoding="utf-8")  # the working tree differs from the index
    staged = run("--staged", "--format", "json")
    assert sorted(by_name(json.loads(staged.stdout))) == ["load_all", "pairs", "scale"]


def test_moved_to_another_file_reports_nothing(repo: Path) -> None:
    commit(repo, {"app.py": BASE}, "back")
    moved_out = BASE[: BASE.index("def scale")] + BASE[BASE.index("def documented") :]
    scale = BASE[BASE.index("def scale") : BASE.index("def documented")]
    commit(repo, {"app.py": moved_out, "helpers.py": "import json\n\n\n" + scale}, "move")
    assert diff_json() == []


def test_rename_followed_into_callers(repo: Path) -> None:
    commit(repo, {"app.py": BASE + "\n\ndef use(items):\n    for i in items:\n        old_name(i)\n"}, "use")
    renamed = BASE.replace("old_name", "fresh_name")
    commit(repo, {"app.py": renamed + "\n\ndef use(items):\n    for i in items:\n        fresh_name(i)\n"}, "rename")
    assert diff_json("--since", "HEAD~1") == []


def test_loop_inserted_before_another_pairs_the_right_loops(repo: Path) -> None:
    before = "def f(a, b):\n    for x in a:\n        print(x)\n    for y in b:\n        len(y)\n"
    after = "def f(a, b):\n    for z in b:\n        z.close()\n    for x in a:\n        print(x)\n    for y in b:\n        len(y)\n"
    (loop,) = changed_once("loops.py", before, after)["loops"]  # the other two are unchanged
    assert (loop["line"], loop["base_instructions"], loop["verdict"]) == (2, None, "added")
    assert loop["entered"] == ["call z.close"]  # the method load is named by its call


def test_property_setter_is_its_own_unit(repo: Path) -> None:
    cls = "class C:\n    @property\n    def x(self):\n        return self._x\n\n    @x.setter\n    def x(self, v):\n{}\n"
    entry = changed_once("prop.py", cls.format("        self._x = v"), cls.format("        for i in v:\n            self._x = i"))
    assert entry["qualname"] == "C.x[2]" and entry["loops"][0]["verdict"] == "added"


def test_file_that_does_not_compile_is_reported_and_the_rest_goes_on(repo: Path) -> None:
    commit(repo, {"broken.py": "def f(:\n", "app2.py": "def g(xs):\n    for x in xs:\n        pass\n"}, "more")
    commit(repo, {"app2.py": "def g(xs):\n    for x in xs:\n        print(x)\n"}, "edit")
    result = run("--since", "main", "--format", "json")
    assert result.exit_code == 2
    assert "broken.py: not compared (head: SyntaxError" in result.stderr
    assert {"g", "pairs"} <= set(by_name(json.loads(result.stdout)))


def test_symlinks_are_never_followed(repo: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside.py"
    outside.write_text("def secret(xs):\n    for x in xs:\n        x.leak()\n", encoding="utf-8")
    commit(repo, {"app.py": BASE}, "back")
    (repo / "link.py").symlink_to(outside)  # untracked: the working tree's
    (repo / "pkg").mkdir()
    (repo / "pkg" / "inner").symlink_to(tmp_path, target_is_directory=True)
    assert diff_json() == []
    git(repo, "add", "link.py")
    git(repo, "commit", "-q", "-m", "a symlink")  # committed: mode 120000
    assert diff_json() == []
    staged = run("--staged", "--format", "json")
    assert json.loads(staged.stdout) == []
    assert "secret" not in run("--since", "main", "pkg/inner/outside.py").output
    # Read directly, the working tree's symlinks (to a file, through a directory) give nothing.
    assert _worktree_bytes(repo, "link.py") is None
    assert _worktree_bytes(repo, "pkg/inner/outside.py") is None
    assert _worktree_bytes(repo, "app.py") == BASE.encode()


def test_unknown_interpreter_is_a_clear_error(repo: Path) -> None:
    result = run("--since", "main", "--python", "no-such-python3.99")
    assert result.exit_code == 2 and "interpreter not found" in result.output


def test_hostile_names_are_escaped(repo: Path) -> None:
    name = "a\x1b[31m<img src=x>|.py"
    commit(repo, {name: "def f(xs):\n    for x in xs:\n        pass\n"}, "hostile")
    commit(repo, {name: "def f(xs):\n    for x in xs:\n        x.go()\n"}, "edit")
    text = run("--since", "HEAD~1").stdout
    assert "\x1b" not in text and "\\x1b[31m" in text
    markdown = run("--since", "HEAD~1", "--format", "markdown").stdout
    assert "<img" not in markdown and "&lt;img src=x&gt;\\|.py" in markdown
    assert markdown.startswith("### Performance diff\n")
    entry = json.loads(run("--since", "HEAD~1", "--format", "json").stdout)[0]
    assert entry["path"] == name  # JSON keeps the name exact, written with escapes


def test_file_names_cannot_start_a_workflow_command(repo: Path) -> None:
    name = "::stop-commands::tok3n.py"
    commit(repo, {name: "def f(xs):\n    for x in xs:\n        pass\n"}, "hostile")
    commit(repo, {name: "def f(xs):\n    for x in xs:\n        x.go()\n"}, "edit")
    for output_format in ("text", "markdown"):
        output = run("--since", "HEAD~1", "--format", output_format).output
        assert "stop-commands" in output
        assert not [line for line in output.splitlines() if line.lstrip().startswith("::")]


def test_paths_limit_the_files(repo: Path) -> None:
    commit(repo, {"sub/mod.py": "def h(xs):\n    for x in xs:\n        pass\n"}, "sub")
    commit(repo, {"sub/mod.py": "def h(xs):\n    for x in xs:\n        x.go()\n"}, "edit")
    assert [entry["path"] for entry in diff_json("sub")] == ["sub/mod.py"]
    os.chdir(repo / "sub")
    assert [entry["path"] for entry in diff_json()] == ["mod.py"]  # relative to where it runs


def test_grown_loop_links_the_rule_finding(repo: Path) -> None:
    before = "def total(nums):\n    t = 0\n    for n in nums:\n        t += n\n    return t\n"
    after = "def total(nums):\n    t = 0\n    for i in range(len(nums)):\n        t += nums[i]\n    return t\n"
    (loop,) = changed_once("sums.py", before, after)["loops"]
    assert loop["findings"] == ["PFL101 sums.py:3"]
    assert "(see PFL101 sums.py:3)" in run("--since", "HEAD~1").stdout


def test_a_rewritten_loop_body_is_still_the_same_loop(repo: Path) -> None:
    before = "def f(xs, seen):\n    for x in xs:\n        seen.add(x)\n"
    after = (
        "def f(xs, seen):\n    for x in xs:\n        if x in seen:\n            continue\n"
        "        seen.discard(x)\n        print(x, len(seen))\n        yield x\n"
    )
    (loop,) = changed_once("body.py", before, after)["loops"]  # one loop changed, not two
    assert loop["base_instructions"] is not None and loop["head_instructions"] is not None
    assert "call seen.add" in loop["left"] and {"call seen.discard", "call print"} <= set(loop["entered"])


def test_a_loop_that_never_repeats_is_no_nested_loop(repo: Path) -> None:
    before = "def first(xs):\n    return next(iter(xs))\n"
    after = "def first(xs):\n    for outer in xs:\n        for inner in outer:\n            return inner\n        return None\n"
    entry = changed_once("once.py", before, after)
    assert [loop["head_instructions"] for loop in entry["loops"]] == [None, None]
    assert "O(n*m)" not in json.dumps(entry)
    assert run("--since", "HEAD~1", "--fail-on", "nested-loop").exit_code == 0


def test_yield_from_replacing_an_inner_loop_is_an_improvement(repo: Path) -> None:
    before = "def f(chunks):\n    for chunk in chunks:\n        for item in chunk:\n            yield item\n"
    after = "def f(chunks):\n    for chunk in chunks:\n        yield from chunk\n"
    entry = changed_once("flat.py", before, after)
    assert entry["verdict"] == "improvement"
    assert [loop["verdict"] for loop in entry["loops"]] == ["improvement", "removed"]


ENTERING = """\
def f(items, lock, out):
    for item in items:
        import json
        key = lambda x: x.name
        names = [key(i) for i in item.children]
        row = {"name": item.name, "size": len(names)}
        with lock:
            try:
                out.write(f"{item.name}: {json.dumps(row)}")
            except OSError:
                pass
"""


@pytest.mark.parametrize("version", VERSIONS)
def test_what_entered_a_loop(repo: Path, version: str) -> None:
    before = "def f(items, lock, out):\n    for item in items:\n        out.write(item)\n"
    commit(repo, {"enter.py": before}, "before")
    commit(repo, {"enter.py": ENTERING}, "after")
    (entry,) = diff_json("--since", "HEAD~1", "--python", python(version))
    outer, comprehension = entry["loops"]
    expected = {
        "import json", "alloc function <lambda>", "alloc list comprehension", "alloc dict",
        "alloc str", "with", "loop", "call json.dumps", "builtin len", "call len",
        "attribute item.children", "attribute item.name",
    }
    assert expected <= set(outer["entered"]), outer["entered"]
    # Entering a try costs a SETUP_FINALLY up to 3.10; 3.11 made it free.
    assert ("try" in outer["entered"]) == (version in ("3.8", "3.9", "3.10"))
    assert "call out.write" not in outer["entered"] + outer["left"]  # still called, as before
    assert comprehension["verdict"] == "added" and comprehension["depth"] == 1
    assert comprehension["kind"] == "comprehension" and "call key" in comprehension["entered"]


def test_markdown_section_stays_within_a_comment() -> None:
    from perflint.output.perfdiff import MAX_MARKDOWN_CHARS, markdown_section
    from perflint.types import FunctionChange, LoopChange, PerfDiff

    loop = LoopChange(3, 0, "for", 5, 9, ("call x" * 30,), (), "regression", "more work per iteration")
    changes = tuple(
        FunctionChange(f"pkg/m{n}.py", f"f{n}", "function", 1, "modified", 10, 20, (loop,), "regression", 1)
        for n in range(500)
    )
    lines = markdown_section(PerfDiff("CPython 3.12.1 (python3.12)", "abc", "def", 500, changes))
    text = "\n".join(lines)
    assert len(text) < MAX_MARKDOWN_CHARS + 2_000
    assert text.rstrip().endswith("more changed function(s) (`perflint diff` lists them all).")
