"""``perflint review``: lint a pull request and post one GitHub review with inline comments.

Runs in GitHub Actions on a ``pull_request`` event (``GITHUB_TOKEN``, ``GITHUB_REPOSITORY``,
``GITHUB_EVENT_PATH``, ``GITHUB_API_URL``). Exit codes as ``check``: 1 findings, 0 none,
2 usage or configuration errors. A failing API call never changes the exit code: the findings
are printed instead.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from perflint.config import ConfigError, resolve_options, settings_config
from perflint.discovery import MissingPathError, discover
from perflint.github_api import DEFAULT_API_URL, GitHub, GitHubError
from perflint.review import Item, items, plan_review, summary_keys
from perflint.source import SourceError, read_source
from perflint.types import FileResult, Settings

#: Who posts with an Actions ``GITHUB_TOKEN`` (``GET /user`` is refused to such tokens).
ACTIONS_BOT = "github-actions[bot]"


class ReviewUsageError(click.ClickException):
    exit_code = 2


@dataclass(frozen=True)
class PullRequest:
    owner_repo: str
    number: int
    base_sha: str
    head_sha: str


def read_event(env: Mapping[str, str]) -> tuple[str, PullRequest]:
    """The token and the pull request from the Actions environment; ReviewUsageError if absent."""
    token = env.get("GITHUB_TOKEN", "")
    repo = env.get("GITHUB_REPOSITORY", "")
    event_path = env.get("GITHUB_EVENT_PATH", "")
    given = {"GITHUB_TOKEN": token, "GITHUB_REPOSITORY": repo, "GITHUB_EVENT_PATH": event_path}
    missing = [name for name, value in given.items() if not value]
    if missing:
        raise ReviewUsageError(
            f"not in a GitHub Actions pull_request run: {', '.join(missing)} not set"
        )
    try:
        event = json.loads(Path(event_path).read_text(encoding="utf-8"))
        pull = event["pull_request"]
        pr = PullRequest(
            repo, int(pull["number"]), str(pull["base"]["sha"]), str(pull["head"]["sha"])
        )
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ReviewUsageError(
            f"cannot read the pull_request event from {event_path}: {error!r}"
        ) from None
    return token, pr


def _lint(paths: Sequence[str], config_file: Path | None) -> list[FileResult]:
    from perflint.runner import lint_paths

    cwd = Path(os.getcwd())
    try:
        options = resolve_options({}, settings_config(paths or (".",), config_file, cwd, None), cwd)
        found = (
            discover(list(paths), options.exclude, force_exclude=options.force_exclude)
            if paths
            else []
        )
    except ConfigError as error:
        raise ReviewUsageError(str(error)) from None
    except MissingPathError as error:
        names = ", ".join(map(repr, error.paths))
        raise ReviewUsageError(f"no such file or directory: {names}") from None
    settings = Settings(select=options.select, target_version=options.target_version)
    return lint_paths(found, settings, options.jobs) if found else []


def _repo_path(path: str) -> str:
    absolute = Path(path).resolve()
    try:
        return absolute.relative_to(Path(os.getcwd()).resolve()).as_posix()
    except ValueError:
        return Path(path).as_posix()


def _print_findings(results: Sequence[FileResult]) -> None:
    from perflint.reporters import ReportContext, get_reporter

    click.echo(get_reporter("text")(results, ReportContext()), nl=False)


def _escape(text: str, *, prop: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return text.replace(":", "%3A").replace(",", "%2C") if prop else text


def _annotations(results: Sequence[FileResult], found: Sequence[Item]) -> str:
    from perflint.reporters import ReportContext, formats, get_reporter

    if "github" in formats():
        return get_reporter("github")(results, ReportContext())
    lines = []
    for item in found:
        finding = item.finding
        lines.append(
            f"::warning file={_escape(item.path, prop=True)},line={finding.start.row},"
            f"col={finding.start.column},title={_escape(finding.code, prop=True)}::"
            f"{_escape(finding.code + ' ' + finding.message)}"
        )
    return "".join(line + "\n" for line in lines)


def _post(
    api: GitHub,
    pr: PullRequest,
    results: list[FileResult],
    found: list[Item],
    patches: Mapping[str, str | None],
    dry_run: bool,
) -> None:
    """Plan against the comments already there, then post the review and delete stale comments."""
    base = f"/repos/{pr.owner_repo}/pulls"
    existing = api.paginate(f"{base}/{pr.number}/comments")
    reviews = api.paginate(f"{base}/{pr.number}/reviews")
    try:
        login = api.login()
    except GitHubError as error:
        if error.status not in (401, 403, 404):
            raise
        login = ACTIONS_BOT
    sources = {}
    for result in results:
        try:
            sources[_repo_path(result.path)] = read_source(Path(result.path)).text
        except SourceError:
            continue  # its findings get no suggestion
    plan = plan_review(
        found,
        commit_id=pr.head_sha,
        patches=patches,
        sources=sources,
        existing=existing,
        bot_login=login,
        previous_summaries=summary_keys(reviews, login),
    )
    if dry_run:
        click.echo(json.dumps({"review": plan.payload, "delete_comments": plan.delete}, indent=2))
        return
    if plan.payload is not None:
        api.request("POST", f"{base}/{pr.number}/reviews", plan.payload)
    for comment_id in plan.delete:
        api.request("DELETE", f"{base}/comments/{comment_id}")
    click.echo(
        f"perflint review: {len(plan.inline)} new inline comment(s), {len(plan.summarised)} in the "
        f"summary, {plan.already} already posted, {len(plan.delete)} outdated deleted",
        err=True,
    )


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@click.option(
    "--dry-run", is_flag=True, help="Print the review payload JSON instead of posting it."
)
@click.option(
    "--config",
    "config_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Read settings from this file instead of the nearest pyproject.toml.",
)
def review(paths: tuple[str, ...], dry_run: bool, config_file: Path | None) -> None:
    """Post one pull-request review: inline comments with suggested fixes on the diff's lines,
    the other findings in its summary (PATHS default: the Python files the pull request changes)."""
    token, pr = read_event(os.environ)
    api = GitHub(os.environ.get("GITHUB_API_URL") or DEFAULT_API_URL, token)
    patches: dict[str, str | None] = {}
    api_error: GitHubError | None = None
    try:
        files: list[Any] = api.paginate(f"/repos/{pr.owner_repo}/pulls/{pr.number}/files")
        patches = {
            str(entry["filename"]): entry.get("patch")
            for entry in files
            if entry.get("status") != "removed"
        }
    except GitHubError as error:
        api_error = error
    if not paths and api_error is not None:
        click.echo("cannot list the pull request's files: linting the whole tree", err=True)
        paths = (".",)
    elif not paths:
        paths = tuple(
            name
            for name in sorted(patches)
            if name.endswith((".py", ".pyi")) and Path(name).is_file()
        )
    results = _lint(paths, config_file)
    found = items(results, {result.path: _repo_path(result.path) for result in results})
    if api_error is None:
        try:
            _post(api, pr, results, found, patches, dry_run)
        except GitHubError as error:
            api_error = error
    if api_error is not None:
        _print_findings(results)
        if api_error.status == 403:
            click.echo(_annotations(results, found), nl=False)
            click.echo(
                "::notice::perflint could not post a review (the token has no write access, as on "
                "pull requests from forks): findings are shown as annotations instead"
            )
        click.echo(f"error: {api_error}", err=True)
    if any(result.error is not None for result in results):
        raise click.exceptions.Exit(2)
    raise click.exceptions.Exit(1 if found else 0)
