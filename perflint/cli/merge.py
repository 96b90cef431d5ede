"""``perflint merge PART...``: the JSON, JSON Lines or SARIF reports of the shards of one run
(``perflint check --shard K/N``) as one report, on stdout or in ``--output-file``."""

from __future__ import annotations

from pathlib import Path

import click

from perflint.cli.check_run import PerflintError, write_report
from perflint.output.merge import MergeError, merge
from perflint.output.printable import printable
from perflint.text.files import FileRefused, read_bounded

#: The largest report part read (a SARIF log of a large monorepo stays far below).
MAX_PART = 1_000_000_000


@click.command(name="merge")
@click.argument("parts", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=str))
@click.option("--output-file", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Write the report here.")
def merge_command(parts: tuple[str, ...], output_file: Path | None) -> None:
    """Merge the reports of the shards of one run (perflint check --shard K/N) into one."""
    texts = []
    for part in parts:
        try:
            texts.append((part, read_bounded(part, MAX_PART).decode("utf-8")))
        except (FileRefused, OSError, UnicodeDecodeError) as error:
            raise click.ClickException(f"cannot read {printable(part)}: {printable(str(error))}") from None
    try:
        report = merge(texts)
    except MergeError as error:
        raise click.ClickException(printable(str(error))) from None
    if output_file is None:
        click.echo(report, nl=False)  # machine formats: their writers escaped what they hold
        return
    try:
        write_report(str(output_file), report, parts)  # never over one of the parts
    except PerflintError as error:
        raise click.ClickException(printable(str(error))) from None
