"""``perflint review`` end to end against a fake GitHub API server, plus its pure helpers."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from fake_github import FakeGitHub, State

from perflint.cli.review import review
from perflint.review.build import MAX_INLINE, right_lines, suggestion, why_paragraph
from perflint.types import Edit, Finding, Fix, Location

TOKEN = "ghs_SECRETtoken1234567890abcdef"

SOURCE = """\
def total(nums):
    t = 0
    for i in range(len(nums)):
        t += nums[i]
    return t


def keys(d):
    return [k.upper() for k in d.keys()]


def other(d):
    return [k.upper() for k in d.keys()]
"""

#: On main before the pull request, with a finding (line 3) that is legacy debt, not new.
LEGACY = """\
def legacy(d):
    out = 0
    for k in d.keys():
        out += d[k]
    return out
"""

#: The pull request moves the legacy code down and comments it: still not new.
LEGACY_MOVED = "import os\n\n\n# Kept for compatibility.\n" + LEGACY


def git(root: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True)
    return done.stdout


def added_patch(text: str) -> str:
    """The patch GitHub gives for a new file."""
    lines = text.splitlines()
    return f"@@ -0,0 +1,{len(lines)} @@\n" + "\n".join("+" + line for line in lines)


def partial_patch() -> str:
    """A change touching lines 1-10 only (line 13's finding lies outside the diff)."""
    lines = SOURCE.splitlines()
    body = [" " + line for line in lines[:2]] + ["+" + line for line in lines[2:4]]
    body += [" " + line for line in lines[4:8]] + ["-    return list(d)", "+" + lines[8], " " + lines[9]]
    return "@@ -1,9 +1,10 @@\n" + "\n".join(body)


def pr_files(root: Path, base: str, head: str) -> list[dict[str, Any]]:
    """GitHub's ``pulls/N/files`` for the commits: status, and the patch (hunks only)."""
    files = []
    for line in git(root, "diff", "--name-status", "--no-renames", base, head).splitlines():
        status, name = line.split("\t")
        diff = git(root, "diff", "--no-renames", base, head, "--", name)
        patch = diff[diff.index("@@") :].rstrip("\n") if "@@" in diff else None
        kind = {"A": "added", "D": "removed"}.get(status, "modified")
        files.append({"filename": name, "status": kind, "patch": patch})
    return files


def push(state: State, root: Path, files: dict[str, str | None]) -> str:
    """Commit ``files`` (None deletes) on the pull request's branch; GitHub sees the new head."""
    for name, text in files.items():
        path = root / name
        if text is None:
            path.unlink()
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "change")
    head = git(root, "rev-parse", "HEAD").strip()
    event = json.loads(Path(os.environ["GITHUB_EVENT_PATH"]).read_text(encoding="utf-8"))
    event["pull_request"]["head"]["sha"] = head
    Path(os.environ["GITHUB_EVENT_PATH"]).write_text(json.dumps(event), encoding="utf-8")
    state.head_sha = head
    state.files = pr_files(root, event["pull_request"]["base"]["sha"], head)
    return head


def set_patch(state: State, name: str, patch: str) -> None:
    """Pretend GitHub's diff of ``name`` is ``patch`` (to put lines outside it)."""
    (entry,) = [entry for entry in state.files if entry["filename"] == name]
    entry["patch"] = patch


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository whose main branch already has a finding."""
    root = tmp_path / "shop"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.email", "dev@example.invalid")
    git(root, "config", "user.name", "dev")
    (root / "legacy.py").write_text(LEGACY, encoding="utf-8")
    (root / "README.md").write_text("a\n", encoding="utf-8")
    (root / "gone.py").write_text("x = 1\n", encoding="utf-8")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "main")
    git(root, "checkout", "-q", "-b", "feature")
    return root


@pytest.fixture
def pr(repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> State:
    """Pull request 7: adds app.py (three findings), moves the legacy code, edits README.md,
    deletes gone.py."""
    base = git(repo, "rev-parse", "main").strip()
    event = tmp_path / "event.json"
    event.write_text(
        json.dumps({"pull_request": {"number": 7, "base": {"sha": base}, "head": {"sha": base}}}),
        encoding="utf-8",
    )
    monkeypatch.chdir(repo)
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    monkeypatch.setenv("GITHUB_REPOSITORY", "octo/shop")
    monkeypatch.setenv("GITHUB_EVENT_PATH", str(event))
    state = State(token=TOKEN, login="perflint-bot", repo="octo/shop", number=7, head_sha=base, files=[])
    push(state, repo, {"app.py": SOURCE, "legacy.py": LEGACY_MOVED, "README.md": "b\n", "gone.py": None})
    return state


def run(state: State, monkeypatch: pytest.MonkeyPatch, *args: str) -> Result:
    with FakeGitHub(state) as url:
        monkeypatch.setenv("GITHUB_API_URL", url)
        return CliRunner().invoke(review, list(args), catch_exceptions=False)


def bodies(state: State) -> list[str]:
    return [comment["body"] for comment in state.comments]


def test_posts_one_review_with_suggestions(pr: State, monkeypatch: pytest.MonkeyPatch) -> None:
    result = run(pr, monkeypatch)
    assert result.exit_code == 1, result.output
    assert "app.py:3:5: PFL101" in result.output  # also in the job's log
    assert pr.rejected == []
    assert len(pr.reviews) == 1
    assert [(c["path"], c["line"]) for c in pr.comments] == [("app.py", 4), ("app.py", 9), ("app.py", 13)]
    multi = pr.comments[0]["body"]
    assert "**PFL101**" in multi
    assert "```suggestion\n    for num in nums:\n        t += num\n```" in multi
    assert "BINARY_SUBSCR" in multi  # the first paragraph of the rule's why
    details = multi[multi.index("<details><summary>Bytecode diff (CPython") :]
    assert "-   BINARY_SUBSCR" in details and "instructions per loop iteration" in details
    assert "```suggestion\n    return [k.upper() for k in d]\n```" in pr.comments[1]["body"]
    assert all("<!-- perflint:fingerprint=" in body for body in bodies(pr))
    assert len({body.split("fingerprint=")[1] for body in bodies(pr)}) == 3


def test_multi_line_comment_has_start_line(pr: State, monkeypatch: pytest.MonkeyPatch) -> None:
    result = run(pr, monkeypatch, "--dry-run")
    payload = json.loads(result.output[result.output.index("{") :])["review"]
    first = payload["comments"][0]
    assert (first["start_line"], first["start_side"], first["line"], first["side"]) == (3, "RIGHT", 4, "RIGHT")
    assert "start_line" not in payload["comments"][1]
    assert payload["commit_id"] == pr.head_sha and payload["event"] == "COMMENT"
    assert pr.reviews == [] and ("POST", "/repos/octo/shop/pulls/7/reviews") not in pr.requests
    assert result.exit_code == 1


def test_second_run_posts_nothing_new(pr: State, monkeypatch: pytest.MonkeyPatch) -> None:
    run(pr, monkeypatch)
    before = list(pr.comments)
    result = run(pr, monkeypatch)
    assert result.exit_code == 1
    assert len(pr.reviews) == 1
    assert pr.comments == before


def test_fixed_finding_comment_deleted_other_users_kept(pr: State, monkeypatch: pytest.MonkeyPatch) -> None:
    run(pr, monkeypatch)
    before = list(pr.comments)
    fixed_body = pr.comments[2]["body"]
    marker = fixed_body[fixed_body.index("<!--") :]
    human = pr.add_comment("alice", "app.py", 13, "quoting the bot:\n" + marker)
    plain = pr.add_comment("alice", "app.py", 2, "nice")
    fixed = SOURCE[: SOURCE.rindex("def other")] + "def other(d):\n    return list(d)\n"
    push(pr, Path.cwd(), {"app.py": fixed})
    result = run(pr, monkeypatch)
    assert result.exit_code == 1
    ids = [comment["id"] for comment in pr.comments]
    assert human in ids and plain in ids
    assert pr.rejected == []
    assert [r for r in pr.requests if r[0] == "DELETE"] == [
        ("DELETE", f"/repos/octo/shop/pulls/comments/{before[2]['id']}")
    ]
    assert fixed_body not in bodies(pr)
    assert len([b for b in bodies(pr) if "perflint:fingerprint" in b]) == 3  # 2 bot + alice's quote
    assert len(pr.reviews) == 1


def test_actions_token_without_user_endpoint(pr: State, monkeypatch: pytest.MonkeyPatch) -> None:
    # GITHUB_TOKEN cannot read GET /user: its comments are github-actions[bot]'s.
    pr.login, pr.user_forbidden = "github-actions[bot]", True
    run(pr, monkeypatch)
    assert len(pr.comments) == 3
    result = run(pr, monkeypatch)
    assert result.exit_code == 1
    assert len(pr.reviews) == 1 and len(pr.comments) == 3


def test_lines_outside_diff_go_to_summary(pr: State, monkeypatch: pytest.MonkeyPatch) -> None:
    set_patch(pr, "app.py", partial_patch())
    result = run(pr, monkeypatch)
    assert result.exit_code == 1, result.output
    assert pr.rejected == []
    assert [c["line"] for c in pr.comments] == [4, 9]
    assert "- app.py:13:32 **PFL102**" in pr.reviews[0]["body"]
    assert "app.py:9:" not in pr.reviews[0]["body"]
    run(pr, monkeypatch)  # the same off-diff finding is not summarised again
    assert len(pr.reviews) == 1


def test_suggestion_dropped_when_fix_leaves_the_diff(pr: State, monkeypatch: pytest.MonkeyPatch) -> None:
    # Only line 3 is in the diff: the two-line suggestion cannot be posted, the finding's line can.
    lines = SOURCE.splitlines()
    set_patch(pr, "app.py", "@@ -1,3 +1,3 @@\n " + lines[0] + "\n " + lines[1] + "\n-x\n+" + lines[2])
    result = run(pr, monkeypatch)
    assert pr.rejected == [], result.output
    assert [c["line"] for c in pr.comments] == [3]
    assert "```suggestion" not in pr.comments[0]["body"]


def test_inline_comments_capped(pr: State, monkeypatch: pytest.MonkeyPatch) -> None:
    many = "".join(f"def f{n}(d):\n    return [k.upper() for k in d.keys()]\n\n\n" for n in range(MAX_INLINE + 5))
    push(pr, Path.cwd(), {"app.py": many})
    result = run(pr, monkeypatch)
    assert result.exit_code == 1
    assert pr.rejected == []
    assert len(pr.comments) == MAX_INLINE
    assert pr.reviews[0]["body"].count("**PFL102**") == 5
    # The next run posts the rest.
    run(pr, monkeypatch)
    assert len(pr.comments) == MAX_INLINE + 5


def test_forbidden_token_falls_back_to_annotations(pr: State, monkeypatch: pytest.MonkeyPatch) -> None:
    pr.can_write = False
    result = run(pr, monkeypatch)
    assert result.exit_code == 1
    assert pr.reviews == []
    warnings = [line for line in result.output.splitlines() if line.startswith("::warning ")]
    assert len(warnings) == 3
    assert "file=app.py" in warnings[0] and "line=3" in warnings[0] and "PFL101" in warnings[0]
    assert "::notice::" in result.output
    assert "HTTP 403" in result.output


def test_token_never_printed(pr: State, monkeypatch: pytest.MonkeyPatch) -> None:
    outputs = [run(pr, monkeypatch, "--dry-run").output, run(pr, monkeypatch).output]
    pr.can_write = False
    outputs.append(run(pr, monkeypatch).output)
    monkeypatch.setenv("GITHUB_API_URL", "http://127.0.0.1:9")  # nothing listens: network error
    outputs.append(CliRunner().invoke(review, []).output)
    assert "network error" in outputs[-1]
    assert all(TOKEN not in output and "SECRET" not in output for output in outputs)


def test_server_error_still_prints_findings(pr: State, monkeypatch: pytest.MonkeyPatch) -> None:
    pr.token = "another"  # the server answers 401 to everything
    result = run(pr, monkeypatch)
    assert result.exit_code == 1
    assert "HTTP 401" in result.output and "Bad credentials" in result.output
    assert "PFL101" in result.output and "PFL102" in result.output


def test_clean_pr_exits_zero_and_posts_nothing(pr: State, monkeypatch: pytest.MonkeyPatch) -> None:
    push(pr, Path.cwd(), {"app.py": "x = 1\n"})
    result = run(pr, monkeypatch)
    assert result.exit_code == 0, result.output
    assert pr.reviews == []


def test_outside_actions_is_a_usage_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITHUB_EVENT_PATH", raising=False)
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    result = CliRunner().invoke(review, [])
    assert result.exit_code == 2
    assert "GITHUB_EVENT_PATH" in result.output and TOKEN not in result.output


def test_right_lines_follow_hunks() -> None:
    patch = "@@ -1,3 +1,4 @@\n a\n-b\n+c\n+d\n e\n@@ -10,2 +11,2 @@\n-x\n+y\n z\n\\ No newline at end of file"
    assert right_lines(patch) == {1, 2, 3, 4, 11, 12}
    assert right_lines(None) == set()


def test_why_paragraph_takes_why_section() -> None:
    why = "## What it does\nFlags x.\n\n## Why is this bad?\nIt is\nslow.\n\nMore.\n"
    assert why_paragraph(why) == "It is slow."
    assert why_paragraph("Plain text.\n\nSecond.") == "Plain text."


def test_suggestion_replaces_whole_lines() -> None:
    fix = Fix("safe", "m", (Edit(Location(2, 5), Location(3, 1), "b = 2\n"),))
    finding = Finding("PFL999", "n", "m", "f.py", Location(2, 5), Location(2, 10), fix=fix)
    assert suggestion(finding, "x = 0\n    a = 1\ny = 3\n") == (2, 2, "    b = 2")


def test_legacy_findings_in_changed_files_are_not_new(pr: State, monkeypatch: pytest.MonkeyPatch) -> None:
    # legacy.py is changed (moved down, commented) and keeps main's `for k in d.keys()`.
    result = run(pr, monkeypatch)
    assert "legacy.py" not in pr.reviews[0]["body"]
    assert all(comment["path"] == "app.py" for comment in pr.comments)
    assert len(pr.comments) == 3 and result.exit_code == 1


def test_only_legacy_code_moved_exits_zero(repo: Path, pr: State, monkeypatch: pytest.MonkeyPatch) -> None:
    push(pr, repo, {"app.py": None})
    assert [entry["filename"] for entry in pr.files] == ["README.md", "gone.py", "legacy.py"]
    result = run(pr, monkeypatch)
    assert result.exit_code == 0, result.output
    assert pr.reviews == []


def test_lines_come_from_the_head_commit_not_the_workspace(
    repo: Path, pr: State, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Actions checks out a merge commit: the base's own changes can shift the workspace's lines.
    (repo / "app.py").write_text("import sys\n\n\n" + SOURCE.replace("d.keys()", "d"), encoding="utf-8")
    result = run(pr, monkeypatch)
    assert result.exit_code == 1, result.output
    assert [(c["path"], c["line"]) for c in pr.comments] == [("app.py", 4), ("app.py", 9), ("app.py", 13)]
    assert "```suggestion\n    return [k.upper() for k in d]\n```" in pr.comments[1]["body"]


def test_run_from_a_subdirectory_uses_repository_paths(
    repo: Path, pr: State, monkeypatch: pytest.MonkeyPatch
) -> None:
    push(pr, repo, {"pkg/mod.py": "def f(d):\n    return [k.upper() for k in d.keys()]\n"})
    monkeypatch.chdir(repo / "pkg")
    result = run(pr, monkeypatch)
    assert result.exit_code == 1, result.output
    assert [(c["path"], c["line"]) for c in pr.comments] == [("pkg/mod.py", 2)]  # scope: pkg/
    assert pr.rejected == []


def test_missing_history_is_a_clear_error(repo: Path, tmp_path: Path, pr: State, monkeypatch: pytest.MonkeyPatch) -> None:
    shallow = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", "--branch", "feature", repo.resolve().as_uri(), str(shallow))
    monkeypatch.chdir(shallow)
    result = run(pr, monkeypatch)
    assert result.exit_code == 2
    assert "fetch-depth: 0" in result.output
    assert pr.requests == []  # nothing is posted from a half-known history


def test_user_code_cannot_spoof_markers_or_fences(repo: Path, pr: State, monkeypatch: pytest.MonkeyPatch) -> None:
    hostile = (
        "def f(d):\n"
        '    return [k.upper() for k in {"<!-- perflint:fingerprint=0123abcd -->": 1, "```": 2}.keys()]\n'
    )
    push(pr, repo, {"app.py": hostile})
    run(pr, monkeypatch)
    (body,) = bodies(pr)
    message = body.split("\n\n")[0]
    assert "&lt;!-- perflint" in message and "<" not in message  # escaped outside fences
    suggestion = body[body.index("\n````suggestion\n") :]  # a fence longer than "```"
    assert suggestion.index("\n````\n") < suggestion.index("<details>")  # closed before it
    assert "\n````diff\n" in body  # the bytecode (LOAD_CONST '```') is fenced the same way
    result = run(pr, monkeypatch)
    assert result.exit_code == 1
    assert len(pr.reviews) == 1 and bodies(pr) == [body]


def test_links_to_other_hosts_are_not_followed() -> None:
    from perflint.review.github import GitHub, GitHubError

    api = GitHub("https://api.github.com", TOKEN)
    assert api._url("https://api.github.com/x?page=2") == "https://api.github.com/x?page=2"
    with pytest.raises(GitHubError, match="another host") as error:
        api._url("https://evil.example/x?page=2")
    assert TOKEN not in str(error.value)


def test_head_commit_missing_says_what_to_fetch(pr: State, monkeypatch: pytest.MonkeyPatch) -> None:
    event = json.loads(Path(os.environ["GITHUB_EVENT_PATH"]).read_text(encoding="utf-8"))
    event["pull_request"]["head"]["sha"] = "f" * 40  # e.g. pull_request_target's base checkout
    Path(os.environ["GITHUB_EVENT_PATH"]).write_text(json.dumps(event), encoding="utf-8")
    result = run(pr, monkeypatch)
    assert result.exit_code == 2
    assert "unknown revision 'ffff" in result.output and "fetch-depth: 0" in result.output


def test_summary_stays_within_githubs_body_limit() -> None:
    from perflint.review.build import MAX_SUMMARY_LINES, Item, plan_review

    def review_body(message: str) -> str:
        found = [
            Item("big.py", Finding("PFL102", "dict-keys-call", message, "big.py", Location(n, 1), Location(n, 9)), f"{n:032x}")
            for n in range(1, 1001)
        ]
        plan = plan_review(found, commit_id="c", patches={}, sources={}, existing=[], bot_login="bot", whys={})
        assert plan.payload is not None and plan.payload["comments"] == []
        return str(plan.payload["body"])

    short = review_body("m")
    assert short.count("**PFL102**") == MAX_SUMMARY_LINES
    assert f"and {1000 - MAX_SUMMARY_LINES} more" in short
    long = review_body("m" * 1000)
    assert len(long) < 65536 and "more (`perflint check --since` lists them all)" in long


def test_suggestion_counts_rows_as_perflint_does() -> None:
    # A form feed is whitespace to CPython, not a line break (str.splitlines breaks there).
    fix = Fix("safe", "m", (Edit(Location(3, 5), Location(3, 6), "b"),))
    finding = Finding("PFL999", "n", "m", "f.py", Location(3, 5), Location(3, 6), fix=fix)
    assert suggestion(finding, "x = 0\n\x0cy = 1\n    a = 1\n") == (3, 3, "    b = 1")


def test_fork_fallback_prints_no_command_but_its_annotations(
    repo: Path, pr: State, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The text report comes before the annotations: a file name in it must not start a
    workflow command (``::stop-commands::`` would make the runner ignore every annotation)."""
    hostile = {
        "::stop-commands::tok3n.py": SOURCE,
        "a\n::error file=x.py::forged.py": SOURCE,
        "\x1b]0;title\x07b.py": SOURCE,
    }
    push(pr, repo, hostile)
    pr.can_write = False
    result = run(pr, monkeypatch, "--")  # as the action calls it
    assert result.exit_code == 1
    lines = re.split(r"\r\n|\r|\n", result.output)
    runner_commands = [line for line in lines if line.lstrip().startswith("::")]
    assert runner_commands and all(
        re.match(r"::(warning|error|notice)[ :]", line) for line in runner_commands
    ), runner_commands
    assert "\x1b" not in result.output
    assert "\\x3a:stop-commands::tok3n.py:3:5: PFL101" in result.stdout


#: The pull request makes the legacy loop do more each iteration (a call enters it).
LEGACY_SLOWER = LEGACY_MOVED.replace("out += d[k]", "out += len(str(d[k]))")


def test_performance_diff_posted_once(pr: State, monkeypatch: pytest.MonkeyPatch) -> None:
    push(pr, Path.cwd(), {"legacy.py": LEGACY_SLOWER})
    result = run(pr, monkeypatch)
    assert result.exit_code == 1, result.output  # findings decide the exit code, not the diff
    assert pr.rejected == []
    (review_posted,) = pr.reviews
    body = review_posted["body"]
    assert "### Performance diff" in body and "not time" in body
    assert "legacy.py:5" in body and "call len" in body and "CPython" in body
    loop_line = LEGACY_SLOWER.splitlines().index("    for k in d.keys():") + 1
    notes = [c for c in pr.comments if "performance diff" in c["body"]]
    assert [(c["path"], c["line"]) for c in notes] == [("legacy.py", loop_line)]
    assert "call len" in notes[0]["body"] and "instructions per iteration" in notes[0]["body"]
    assert "<!-- perflint:fingerprint=" in notes[0]["body"]
    before = list(pr.comments)
    again = run(pr, monkeypatch)  # nothing twice
    assert again.exit_code == 1
    assert len(pr.reviews) == 1 and pr.comments == before
    push(pr, Path.cwd(), {"legacy.py": LEGACY_MOVED})  # the loop is back to what it was
    run(pr, monkeypatch)
    assert not [c for c in pr.comments if "performance diff" in c["body"]]  # the note is deleted
    assert pr.rejected == []


def test_performance_diff_only_section_outside_the_diff(pr: State, monkeypatch: pytest.MonkeyPatch) -> None:
    # No finding left (``.keys()`` is gone), but the loop now calls len() and str().
    slower_without_finding = LEGACY_SLOWER.replace("d.keys()", "d")
    push(pr, Path.cwd(), {"legacy.py": slower_without_finding, "app.py": "x = 1\n"})
    set_patch(pr, "legacy.py", "@@ -1,1 +1,1 @@\n-x\n+import os")  # the loop's line is not in it
    result = run(pr, monkeypatch)
    assert result.exit_code == 0, result.output  # no findings: the diff alone does not fail it
    assert pr.rejected == [] and pr.comments == []
    (review_posted,) = pr.reviews
    assert "### Performance diff" in review_posted["body"] and "0 findings" in review_posted["body"]
    run(pr, monkeypatch)
    assert len(pr.reviews) == 1


def test_fail_on_makes_a_grown_loop_fail_the_review(pr: State, monkeypatch: pytest.MonkeyPatch) -> None:
    push(pr, Path.cwd(), {"legacy.py": LEGACY_SLOWER.replace("d.keys()", "d"), "app.py": "x = 1\n"})
    assert run(pr, monkeypatch).exit_code == 0
    failed = run(pr, monkeypatch, "--fail-on", "loop-growth=2")
    assert failed.exit_code == 1 and "legacy.py:legacy: loop at line" in failed.output
    assert len(pr.reviews) == 1  # failing posts nothing more
