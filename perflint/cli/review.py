"""``perflint review``: post one GitHub review of the findings a pull request introduces.

Runs in GitHub Actions on a ``pull_request`` event (``GITHUB_TOKEN``, ``GITHUB_REPOSITORY``,
``GITHUB_EVENT_PATH``, ``GITHUB_API_URL``) in a clone holding the base and head commits
(``fetch-depth: 0``). New findings are those of the head commit that its merge-base with the
base commit does not have (``perflint.changes.regress``). Exit codes as ``check``: 1 findings, 0 none,
2 usage, configuration or git errors. A failing API call never changes the exit code: the
findings are printed instead.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from perflint.changes.perfdiff_compare import failures
from perflint.cli.diff import fail_on_option, fail_rules, report_failures
from perflint.cli.options import config_option
from perflint.output.paths import repository_path
from perflint.output.perfdiff import markdown_section
from perflint.output.printable import SafeClickException, echo
from perflint.project import ConfigError
from perflint.project.options import lint_settings, resolve_options, settings_config
from perflint.review.build import Item, items, perf_notes, plan_review, summary_keys, why_paragraph
from perflint.review.github import DEFAULT_API_URL, GitHub, GitHubError
from perflint.rules.registry import all_rules
from perflint.text.source import SourceError, decode
from perflint.types import FileResult, PerfDiff, RuleSpec

#: Who posts with an Actions ``GITHUB_TOKEN`` (``GET /user`` is refused to such tokens).
ACTIONS_BOT = "github-actions[bot]"


class ReviewUsageError(SafeClickException):
    """A usage, configuration or git error: ``Error: ...``, exit code 2."""


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


def _new_findings(
    pr: PullRequest, paths: Sequence[str], config_file: Path | None, cwd: Path
) -> tuple[Path, list[FileResult], tuple[RuleSpec, ...]]:
    """The repository root, the rules of the run and what the pull request's head commit
    introduces over its
    merge-base with the base commit: the files are read from git at ``head_sha``, so the line
    numbers are the head's whatever the workspace holds (Actions checks out a merge commit)."""
    from perflint.changes.regress import GitError, regressions, repo_root

    try:
        options = resolve_options({}, settings_config(paths or (".",), config_file, cwd, None), cwd)
    except ConfigError as error:
        raise ReviewUsageError(str(error)) from None
    missing = [path for path in paths if not (cwd / path).exists()]
    if missing:
        raise ReviewUsageError(f"no such file or directory: {', '.join(map(repr, missing))}")
    settings = lint_settings(options, fixing=False)
    try:
        root = repo_root(cwd)
        results = regressions(
            pr.base_sha,
            paths,
            settings,
            cwd,
            head=pr.head_sha,
            exclude=options.exclude,
            force_exclude=options.force_exclude,
            jobs=options.jobs,
        )
    except GitError as error:
        hint = "" if "fetch-depth" in str(error) else (
            " (perflint review reads the pull request's base and head commits from git: "
            "check out with `fetch-depth: 0`)"
        )
        raise ReviewUsageError(f"{error}{hint}") from None
    return root, results, all_rules(options.rule_paths)


def _explained(results: list[FileResult], rules: Sequence[RuleSpec]) -> list[FileResult]:
    """``results`` with bytecode explanations for the comments (compiled, never run) by the
    running interpreter or the job's ``PERFLINT_PYTHON``; without them if that fails, since an
    explanation is not worth losing the review over."""
    from perflint.evidence.explain import ExplainError, attach_explanations

    try:
        python = os.environ.get("PERFLINT_PYTHON") or None
        return attach_explanations(results, python=python, rules=rules)
    except ExplainError as error:
        echo(f"perflint review: no bytecode explanations: {error}", err=True)
        return results


def _perf_diff(
    pr: PullRequest, paths: Sequence[str], config_file: Path | None, cwd: Path, found: Sequence[Item]
) -> PerfDiff | None:
    """The pull request's performance diff (head vs its merge-base, repository paths), with
    grown loops linked to the new findings; None (and a note in the log) if it cannot be made,
    since it is not worth losing the review over."""
    from perflint.changes.perfdiff import perf_diff
    from perflint.changes.regress import GitError
    from perflint.evidence.explain import ExplainError

    options = resolve_options({}, settings_config(paths or (".",), config_file, cwd, None), cwd)
    findings: dict[str, list[tuple[str, int]]] = {}
    for item in found:
        findings.setdefault(item.path, []).append((item.finding.code, item.finding.start.row))
    try:
        return perf_diff(
            pr.base_sha,
            paths,
            cwd,
            head=pr.head_sha,
            exclude=options.exclude,
            force_exclude=options.force_exclude,
            findings=findings,
            relative=False,
        )
    except (GitError, ExplainError) as error:
        echo(f"perflint review: no performance diff: {error}", err=True)
        return None


def _section_key(perf: PerfDiff | None) -> str:
    """What makes the performance diff worth a summary: its changes to functions that exist
    on both sides (new and removed code alone does not post one); "" for none."""
    if perf is None:
        return ""
    modified = [  # line numbers left out: code that only moved is no news
        [change.path, change.qualname, change.base_instructions, change.head_instructions,
         [[loop.depth, loop.base_instructions, loop.head_instructions, loop.entered, loop.left]
          for loop in change.loops]]
        for change in perf.changes
        if change.change == "modified"
    ]
    if not modified:
        return ""
    return hashlib.sha256(json.dumps(modified).encode()).hexdigest()


def _head_sources(found: Sequence[Item], head: str, root: Path) -> dict[str, str]:
    """The head commit's text of each file with findings (suggestions are cut from it)."""
    from perflint.changes.regress import show

    sources: dict[str, str] = {}
    for path in sorted({item.path for item in found}):
        data = show(head, path, root)
        if data is None:
            continue
        try:
            sources[path] = decode(data).text
        except SourceError:
            continue  # its findings get no suggestion
    return sources


def _print_findings(results: Sequence[FileResult]) -> None:
    from perflint.output.formats import ReportContext, get_reporter

    echo(get_reporter("text")(results, ReportContext()), nl=False)


def _annotations(results: Sequence[FileResult]) -> str:
    from perflint.output.formats import ReportContext, get_reporter

    return get_reporter("github")(results, ReportContext())


def _post(
    api: GitHub,
    pr: PullRequest,
    found: list[Item],
    patches: Mapping[str, str | None],
    sources: Mapping[str, str],
    dry_run: bool,
    perf: PerfDiff | None = None,
    whys: Mapping[str, str] | None = None,
) -> None:
    """Plan against the comments already there, then post the review and delete stale comments."""
    base = f"/repos/{pr.owner_repo}/pulls"
    key = _section_key(perf)
    existing = api.paginate(f"{base}/{pr.number}/comments")
    reviews = api.paginate(f"{base}/{pr.number}/reviews")
    try:
        login = api.login()
    except GitHubError as error:
        if error.status not in (401, 403, 404):
            raise
        login = ACTIONS_BOT
    plan = plan_review(
        found,
        commit_id=pr.head_sha,
        patches=patches,
        sources=sources,
        existing=existing,
        bot_login=login,
        previous_summaries=summary_keys(reviews, login),
        notes=perf_notes(perf) if perf is not None else (),
        section=markdown_section(perf) if perf is not None and key else (),
        section_key=key,
        whys=whys,
    )
    if dry_run:
        click.echo(json.dumps({"review": plan.payload, "delete_comments": plan.delete}, indent=2))
        return
    if plan.payload is not None:
        api.request("POST", f"{base}/{pr.number}/reviews", plan.payload)
    for comment_id in plan.delete:
        api.request("DELETE", f"{base}/comments/{comment_id}")
    echo(
        f"perflint review: {len(plan.inline) + len(plan.notes)} new inline comment(s), "
        f"{len(plan.summarised)} in the summary, {plan.already} already posted, "
        f"{len(plan.delete)} outdated deleted",
        err=True,
    )


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@click.option(
    "--dry-run", is_flag=True, help="Print the review payload JSON instead of posting it."
)
@config_option()
@fail_on_option
def review(paths: tuple[str, ...], dry_run: bool, config_file: Path | None, fail_on: tuple[str, ...]) -> None:
    """Post one pull-request review of the findings the pull request introduces: inline comments
    with suggested fixes on the diff's lines, the others in its summary, with the pull
    request's performance diff (PATHS limit the files looked at; default: the current
    directory)."""
    rules = fail_rules(fail_on)
    token, pr = read_event(os.environ)
    cwd = Path(os.getcwd())
    root, results, specs = _new_findings(pr, paths, config_file, cwd)
    results = _explained(results, specs)
    # regressions() lints only files inside the repository: every path has a repository path.
    repo_paths = {result.path: repository_path(result.path, root) or result.path for result in results}
    found = items(results, repo_paths)
    perf = _perf_diff(pr, paths, config_file, cwd, found)
    api = GitHub(os.environ.get("GITHUB_API_URL") or DEFAULT_API_URL, token)
    api_error: GitHubError | None = None
    try:
        files: list[Any] = api.paginate(f"/repos/{pr.owner_repo}/pulls/{pr.number}/files")
        patches = {
            str(entry["filename"]): entry.get("patch")
            for entry in files
            if entry.get("status") != "removed"
        }
        whys = {spec.code: why_paragraph(spec.why) for spec in specs}
        _post(api, pr, found, patches, _head_sources(found, pr.head_sha, root), dry_run, perf, whys)
    except GitHubError as error:
        api_error = error
    if not dry_run or api_error is not None:
        # The job's log shows them, posted or not; printed safely, so that no file name in them
        # can start a workflow command (``::stop-commands::`` would hide the annotations).
        _print_findings(results)
    if api_error is not None:
        if api_error.status == 403:
            click.echo(_annotations(results), nl=False)  # workflow commands, escaped by github.py
            click.echo(
                "::notice::perflint could not post a review (the token has no write access, as on "
                "pull requests from forks): findings are shown as annotations instead"
            )
        echo(f"error: {api_error}", err=True)
    if any(result.error is not None for result in results):
        raise click.exceptions.Exit(2)
    reasons = failures(perf.changes, rules) if perf is not None else []
    report_failures(reasons)
    raise click.exceptions.Exit(1 if found or reasons else 0)
