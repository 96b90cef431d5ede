"""Which files a run lints: recursion, suffixes, .gitignore files, excludes, named paths."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from perflint.config import DEFAULT_EXCLUDES, ExcludeRule
from perflint.discovery import MissingPathError, discover, is_excluded


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def touch(root: Path, *names: str) -> None:
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x = 1\n")


def defaults(root: Path) -> list[ExcludeRule]:
    return [ExcludeRule(root, DEFAULT_EXCLUDES)]


def test_walks_directories_for_python_files_in_order(tree: Path) -> None:
    touch(tree, "b.py", "a/z.pyi", "a/y.py", "a/notes.txt", "a/script", "c/d/e.py", "README.md")
    assert discover(["."]) == ["a/y.py", "a/z.pyi", "b.py", "c/d/e.py"]


def test_paths_are_reported_as_given(tree: Path) -> None:
    touch(tree, "pkg/mod.py")
    assert discover(["./pkg"]) == ["pkg/mod.py"]
    assert discover([str(tree / "pkg")]) == [str(tree / "pkg" / "mod.py")]
    assert discover(["pkg", "pkg/mod.py", "./pkg/"]) == ["pkg/mod.py"]  # no duplicates


def test_named_file_of_any_suffix_is_linted(tree: Path) -> None:
    touch(tree, "tool")
    assert discover(["tool"]) == ["tool"]


def test_missing_paths_are_named(tree: Path) -> None:
    touch(tree, "a.py")
    with pytest.raises(MissingPathError) as caught:
        discover(["a.py", "nope.py", "gone"])
    assert caught.value.paths == ("nope.py", "gone")


@pytest.mark.parametrize("name", DEFAULT_EXCLUDES)
def test_default_excludes(tree: Path, name: str) -> None:
    touch(tree, f"{name}/mod.py", f"src/{name}/mod.py", "src/keep.py")
    assert discover(["."], defaults(tree)) == ["src/keep.py"]


def test_exclude_patterns_are_relative_to_their_base(tree: Path) -> None:
    touch(tree, "gen/a.py", "src/gen/b.py", "src/c_pb2.py", "src/d.py")
    rules = [ExcludeRule(tree, ("/gen", "*_pb2.py"))]
    assert discover(["."], rules) == ["src/d.py", "src/gen/b.py"]
    # A base elsewhere: the patterns match by name only.
    elsewhere = [ExcludeRule(tree / "other", ("gen", "*_pb2.py"))]
    assert discover(["src"], elsewhere) == ["src/d.py"]


def test_gitignore_files_nested_and_above(tree: Path) -> None:
    (tree / ".git").mkdir()
    (tree / ".gitignore").write_text("*_generated.py\n/scratch/\n")
    touch(
        tree,
        "app/models_generated.py",
        "app/views.py",
        "scratch/try.py",
        "app/scratch/kept.py",
        "app/sub/local.py",
        "app/sub/keep_generated.py",
    )
    (tree / "app" / "sub" / ".gitignore").write_text("local.py\n!keep_generated.py\n")
    expected = ["app/scratch/kept.py", "app/sub/keep_generated.py", "app/views.py"]
    assert discover(["."]) == expected
    # Starting below the git root, the .gitignore files above still apply.
    assert discover(["app"]) == expected
    os.chdir(tree / "app")
    assert discover(["."]) == ["scratch/kept.py", "sub/keep_generated.py", "views.py"]
    assert discover(["."], respect_gitignore=False) == [
        "models_generated.py",
        "scratch/kept.py",
        "sub/keep_generated.py",
        "sub/local.py",
        "views.py",
    ]


def test_a_line_git_makes_no_pattern_of_is_skipped(tree: Path) -> None:
    (tree / ".git").mkdir()
    (tree / ".gitignore").write_text("!\n*_generated.py\n")
    touch(tree, "a_generated.py", "b.py")
    assert discover(["."]) == ["b.py"]


def test_git_info_exclude(tree: Path) -> None:
    (tree / ".git" / "info").mkdir(parents=True)
    (tree / ".git" / "info" / "exclude").write_text("private.py\n")
    touch(tree, "private.py", "public.py")
    assert discover(["."]) == ["public.py"]


def test_git_directory_is_never_walked(tree: Path) -> None:
    touch(tree, ".git/hooks/hook.py", "a.py")
    assert discover(["."], []) == ["a.py"]


def test_named_files_are_linted_even_if_excluded_unless_forced(tree: Path) -> None:
    (tree / ".git").mkdir()
    (tree / ".gitignore").write_text("ignored.py\n")
    touch(tree, "ignored.py", "build/gen.py", "ok.py")
    rules = defaults(tree)
    assert discover(["ignored.py", "build/gen.py"], rules) == ["build/gen.py", "ignored.py"]
    assert discover(["ignored.py", "build/gen.py", "ok.py"], rules, force_exclude=True) == ["ok.py"]


def test_named_excluded_directory_is_walked(tree: Path) -> None:
    (tree / ".git").mkdir()
    (tree / ".gitignore").write_text("vendor/\n")
    touch(tree, "build/lib/mod.py", "build/lib/__pycache__/x.py", "vendor/dep/mod.py")
    rules = defaults(tree)
    assert discover(["build"], rules) == ["build/lib/mod.py"]
    assert discover(["vendor"], rules) == ["vendor/dep/mod.py"]
    assert discover(["build", "vendor"], rules, force_exclude=True) == []


def test_symlinked_directories_are_not_followed(tree: Path) -> None:
    touch(tree, "real/mod.py")
    (tree / "link").symlink_to(tree / "real", target_is_directory=True)
    assert discover(["."]) == ["real/mod.py"]


def test_is_excluded_for_stdin_filename(tree: Path) -> None:
    (tree / ".git").mkdir()
    (tree / ".gitignore").write_text("secret.py\n")
    rules = defaults(tree)
    assert is_excluded("build/x.py", rules)
    assert is_excluded("secret.py", rules)
    assert not is_excluded("src/x.py", rules)
