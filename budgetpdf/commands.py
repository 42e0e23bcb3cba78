"""Dataset commands of the CLI: ``extract`` (the batch job)."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

import click

EXIT_CODES = """Exit codes: 0 every document ok; 1 some documents failed or are partial
(see the documents dataset's status/error); 2 usage error."""


@click.command(epilog=EXIT_CODES)
@click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--out", "out_dir", default="outputs", show_default=True, type=click.Path(file_okay=False, path_type=Path),
              help="Dataset folder (six Parquet datasets).")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
              help="Worker processes [default: CPU count].")
@click.option("--engine", type=click.Choice(["pdfplumber", "camelot"]), default="pdfplumber", show_default=True)
@click.option("--force", is_flag=True, help="Redo documents already in the dataset.")
@click.option("-v", "--verbose", is_flag=True, help="Log every document.")
def extract(inputs: tuple[Path, ...], out_dir: Path, jobs: int | None, engine: str, force: bool, verbose: bool) -> None:
    """Extract every PDF in INPUTS (files or folders, searched recursively) into the dataset."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from .batch import find_pdfs, run_batch

    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(message)s")
    try:
        files = find_pdfs(inputs)
    except FileNotFoundError as e:
        raise click.UsageError(str(e)) from None
    console = Console(stderr=True, highlight=False, soft_wrap=True)
    jobs = jobs or os.cpu_count() or 1
    console.print(f"budgetpdf: {len(files)} PDF file(s) → {out_dir}/ (jobs={jobs}, engine={engine})")
    interactive = console.is_terminal
    failed = 0

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  TextColumn("{task.fields[status]}"), console=console, disable=not interactive) as progress:
        task = progress.add_task("documents", total=len(files), status="")
        done = 0

        def on_done(out, source: str) -> None:
            nonlocal done, failed
            done += 1
            status = out.document.status if out else "skipped (already done)"
            if out and out.document.status == "failed":
                failed += 1
            progress.update(task, advance=1, status=f"failed={failed}")
            if not interactive:
                console.print(f"[{done}/{len(files)}] {status}: {source}")

        summary = run_batch(files, out_dir, jobs=jobs, engine=engine, force=force, on_done=on_done)

    console.print(f"\n[bold]Summary[/] ({summary.seconds:.1f} s, {summary.pages} pages processed, "
                  f"{summary.skipped} skipped as already done)")
    for status in ("ok", "partial", "failed"):
        console.print(f"  {status:8} {summary.statuses[status]}")
    if summary.table_types:
        console.print("  tables by type: " + ", ".join(f"{k} {v}" for k, v in sorted(summary.table_types.items())))
    console.print(f"  identity checks: {summary.checks_run} run, {summary.checks_failed} failed")
    for source, error in summary.failures:
        console.print(f"  [yellow]{source}[/]: {error}")
    sys.exit(summary.exit_code)
