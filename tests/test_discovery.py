"""Which files a run lints: recursion, suffixes, .gitignore files, excludes, named paths."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from perflint.project.discovery import MissingPathError, discover, discover_files, is_excluded
from perflint.project.options import DEFAULT_EXCLUDES, ExcludeRule


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


# -- symbolic links and special files ------------------------------------------------------------


def _found(*paths: str) -> tuple[list[str], dict[str, str]]:
    found = discover_files(list(paths))
    return list(found.files), {skip.path: skip.reason for skip in found.skipped}


@pytest.fixture
def repo(tree: Path) -> Path:
    """A git work tree (the root links may lead into) with a secret beside it."""
    (tree / "repo" / ".git").mkdir(parents=True)
    (tree / "repo" / ".git" / "config").write_text("[core]\n")
    (tree / "outside").mkdir()
    (tree / "outside" / "secret.py").write_text("TOKEN = 's3cr3t'\n")
    os.chdir(tree / "repo")
    return tree / "repo"


def test_a_link_to_a_file_inside_the_root_is_linted_once(repo: Path) -> None:
    touch(repo, "pkg/mod.py", "tools/script")
    (repo / "pkg" / "alias.py").symlink_to("mod.py")
    (repo / "pkg" / "script.py").symlink_to("../tools/script")
    files, skipped = _found(".")
    assert files == ["pkg/mod.py", "pkg/script.py"]
    assert skipped == {"pkg/alias.py": "the same file as pkg/mod.py"}


def test_the_real_name_wins_whatever_the_order(repo: Path) -> None:
    touch(repo, "z/mod.py")
    (repo / "a.py").symlink_to("z/mod.py")
    assert _found(".") == (["z/mod.py"], {"a.py": "the same file as z/mod.py"})


def test_links_out_of_the_root_or_into_git_are_skipped(repo: Path) -> None:
    touch(repo, "ok.py")
    (repo / "env.py").symlink_to("/proc/self/environ")
    (repo / "secret.py").symlink_to("../outside/secret.py")
    (repo / "vendor").symlink_to("../outside", target_is_directory=True)
    (repo / "gitcfg.py").symlink_to(".git/config")
    (repo / "dotgit").symlink_to(".git", target_is_directory=True)
    files, skipped = _found(".")
    assert files == ["ok.py"]
    out = f"a symbolic link to outside {os.path.realpath(repo)}"
    assert skipped == {
        "env.py": out,
        "secret.py": out,
        "vendor": out,
        "gitcfg.py": "a symbolic link into .git",
        "dotgit": "a symbolic link into .git",
    }


def test_a_linked_directory_inside_the_root_is_searched(repo: Path) -> None:
    touch(repo, "common/util.py", "src/app.py")
    (repo / "src" / "shared").symlink_to("../common", target_is_directory=True)
    assert _found("src") == (["src/app.py", "src/shared/util.py"], {})
    files, skipped = _found(".")
    assert files == ["common/util.py", "src/app.py"]
    assert skipped == {"src/shared": "a link to common, searched already"}


def test_directory_link_loops_end(repo: Path) -> None:
    touch(repo, "a/x.py", "c/y.py")
    (repo / "a" / "self").symlink_to(".", target_is_directory=True)
    (repo / "a" / "up").symlink_to("..", target_is_directory=True)
    (repo / "a" / "to_c").symlink_to("../c", target_is_directory=True)
    (repo / "c" / "to_a").symlink_to("../a", target_is_directory=True)
    assert _found("a") == (
        ["a/to_c/y.py", "a/x.py"],
        {
            "a/self": "a symbolic link loop: a link to a, searched already",
            "a/to_c/to_a": "a link to a, searched already",
            "a/up/a": "searched already as a",
            "a/up/c": "searched already as a/to_c",
        },
    )
    files, _ = _found(".")
    assert files == ["a/x.py", "c/y.py"]


def test_special_files_in_a_tree_are_skipped_not_opened(repo: Path) -> None:
    touch(repo, "ok.py")
    os.mkfifo(repo / "fifo.py")
    (repo / "zero.py").symlink_to("/dev/zero")
    (repo / "broken.py").symlink_to("missing.py")
    files, skipped = _found(".")
    assert files == ["ok.py"]
    assert skipped == {
        "fifo.py": "not a regular file (a FIFO)",
        "zero.py": "not a regular file (a character device)",
        "broken.py": "broken symbolic link",
    }


def test_a_named_directory_that_leads_out_of_the_root_is_refused(repo: Path) -> None:
    (repo / "src").symlink_to("../outside", target_is_directory=True)
    found = discover_files(["src"])
    assert found.files == ()
    assert [(skip.path, skip.reason) for skip in found.refused] == [
        ("src", f"not read: a symbolic link to outside {os.path.realpath(repo)}")
    ]


def test_without_git_the_root_is_the_named_directory(tree: Path) -> None:
    touch(tree, "lib/shared.py", "app/main.py")
    (tree / "app" / "shared.py").symlink_to("../lib/shared.py")
    files, skipped = _found("app")
    assert files == ["app/main.py"]
    assert skipped == {"app/shared.py": f"a symbolic link to outside {os.path.realpath(tree / 'app')}"}
    assert discover_files(["app"]).roots == {"app/main.py": os.path.realpath(tree / "app")}


def test_excluded_and_ignored_paths_are_reported(repo: Path) -> None:
    (repo / ".gitignore").write_text("gen.py\n")
    touch(repo, "gen.py", "build/x.py", "ok.py", "notes.txt")
    found = discover_files(["."], defaults(repo))
    assert {skip.path: skip.reason for skip in found.skipped} == {
        "build": "excluded by the exclude settings",
        "gen.py": "ignored by a git ignore file",
    }


@pytest.mark.parametrize(
    "make",
    [lambda path: os.mkfifo(path), lambda path: path.symlink_to("/dev/zero")],
    ids=["fifo", "dev-zero"],
)
def test_an_ignore_file_that_is_not_a_regular_file_is_not_read(repo: Path, make) -> None:  # type: ignore[no-untyped-def]
    touch(repo, "a.py")
    make(repo / ".gitignore")
    assert discover(["."]) == ["a.py"]
