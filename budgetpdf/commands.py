"""Dataset commands of the CLI: ``extract`` (the batch job), ``compact``, ``validate``."""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import time
from dataclasses import replace
from pathlib import Path

import click

from budgetpdf.extract.engines import DEFAULT_ENGINE, ENGINES
from budgetpdf.extract.settings import DEFAULT_SETTINGS

EXIT_CODES = """Exit codes: 0 every document ok; 1 some documents failed or are partial
(see the documents dataset's status/error); 2 usage error."""


class SizeType(click.ParamType):
    name = "size"

    def convert(self, value, param, ctx):
        from .batch import parse_size

        try:
            return parse_size(value)
        except ValueError as e:
            self.fail(str(e), param, ctx)


@click.command(epilog=EXIT_CODES)
@click.argument("inputs", nargs=-1, required=True)
@click.option("--out", "out_dir", default="outputs", show_default=True,
              help="Dataset folder (six Parquet datasets), or an fsspec URL such as s3://bucket/prefix.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
              help="Worker processes [default: CPU count]; with --executor dask and no --scheduler, "
                   "the LocalCluster's workers.")
@click.option("--executor", type=click.Choice(["local", "dask"]), default="local", show_default=True,
              help="local: a watched process pool on this machine; dask: one dask.distributed task per file.")
@click.option("--scheduler", default=None, metavar="ADDRESS",
              help="Dask scheduler address (tcp://host:8786) for --executor dask [default: start a LocalCluster].")
@click.option("--engine", type=click.Choice(list(ENGINES)), default=DEFAULT_ENGINE, show_default=True)
@click.option("--ocr", type=click.Choice(["auto", "off"]), default="auto", show_default=True,
              help="Read pages with no usable text layer (scans, undecodable glyphs) from their image "
                   "(needs the ocr extra); 'off' leaves them flagged.")
@click.option("--force", is_flag=True, help="Redo documents already in the dataset.")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=600, show_default=True,
              help="Seconds one file may take; slower files are recorded as failed.")
@click.option("--max-memory", type=SizeType(), default="2GiB", show_default=True,
              help="Resident memory per worker (e.g. 2GiB, 512M); a file exceeding it is recorded as failed.")
@click.option("-v", "--verbose", is_flag=True, help="Log every document.")
@click.pass_obj
def extract(rules, inputs: tuple[str, ...], out_dir: str, jobs: int | None, executor: str, scheduler: str | None,
            engine: str, ocr: str, force: bool, timeout: float, max_memory: int, verbose: bool) -> None:
    """Extract every PDF in INPUTS (files or folders, searched recursively; or fsspec URLs
    such as s3://bucket/prefix) into the dataset.

    Each file runs in a worker process limited by --timeout and --max-memory; a file that
    hangs, exhausts memory or crashes the parser gets a failed documents row and the
    batch goes on. With --executor dask the files run on a Dask cluster and this process
    stays the one writer.
    """
    from rich.console import Console

    from .batch import LocalPool, find_pdfs
    from .pipeline import RunConfig

    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(message)s")
    if scheduler and executor != "dask":
        raise click.UsageError("--scheduler needs --executor dask")
    try:
        files = find_pdfs(inputs)
    except FileNotFoundError as e:
        raise click.UsageError(str(e)) from None
    except ImportError as e:
        raise click.UsageError(f"{e}: reading URLs needs the s3 extra (pip install 'budgetpdf[s3]')") from None
    console = Console(stderr=True, highlight=False, soft_wrap=True)
    if not files:
        console.print(f"budgetpdf: warning: no PDF files found in {', '.join(map(str, inputs))} "
                      "(files ending .pdf, any case, searched recursively)")
    jobs = jobs or os.cpu_count() or 1
    with contextlib.ExitStack() as stack:
        if executor == "dask":
            try:
                from .cluster import DaskExecutor
            except ImportError as e:
                raise click.UsageError(f"{e}: --executor dask needs the dask extra (pip install 'budgetpdf[dask]')") from None
            try:
                runner = stack.enter_context(DaskExecutor(scheduler, jobs, max_memory))
            except (OSError, RuntimeError) as e:  # no scheduler there, a version mismatch
                raise click.ClickException(f"cannot use the Dask cluster: {e}") from None
            where = runner.describe()
            dashboard = runner.dashboard_link
        else:
            runner, where, dashboard = LocalPool(jobs), f"jobs={jobs}", None
        settings = replace(DEFAULT_SETTINGS, ocr=ocr)
        config = RunConfig(engine=engine, settings=settings, rules=rules) if rules is not None \
            else RunConfig(engine=engine, settings=settings)
        _run(console, files, out_dir, runner, where, dashboard, config, force, timeout, max_memory)


def _run(console, files, out_dir, runner, where, dashboard, config, force, timeout, max_memory) -> None:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from .batch import format_size, run_batch
    from .dataset import DatasetLocked

    console.print(f"budgetpdf: {len(files)} PDF file(s) → {str(out_dir).rstrip('/')}/ ({where}, engine={config.engine}, "
                  f"timeout={timeout:g} s, max-memory={format_size(max_memory)})")
    if dashboard:
        console.print(f"Dask dashboard: {dashboard}")
    if config.engine == "pdfium":
        from .extract import pdfium_raw

        if not pdfium_raw.COMPILED_LOOP:
            console.print("note: the pdfium glyph loop runs through ctypes, 1.5-2x slower on prose pages: the "
                          "compiled one (extract/_glyphrun.c) was not built at install (it needs Python's C compiler "
                          "and headers, Debian: gcc python3-dev; then reinstall budgetpdf) or "
                          "BUDGETPDF_GLYPH_LOOP=ctypes is set. The output is the same.")
    interactive = console.is_terminal
    counts = {"done": 0, "failed": 0, "pages": 0}
    t0 = time.perf_counter()

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  TextColumn("{task.fields[status]}"), console=console, disable=not interactive) as progress:
        task = progress.add_task("documents", total=len(files), status="")

        def on_done(out, source: str) -> None:  # out: EncodedDocument, or None when skipped
            counts["done"] += 1
            status = out.document.status if out else "skipped (already done)"
            if out and out.document.status == "failed":
                counts["failed"] += 1
            if out:
                counts["pages"] += out.document.page_count or 0
            rate = counts["pages"] / max(time.perf_counter() - t0, 1e-6)
            progress.update(task, advance=1, status=f"failed={counts['failed']}  {rate:.1f} pages/s")
            if not interactive:
                err = f" ({out.document.error})" if out and out.document.error else ""
                console.print(f"[{counts['done']}/{len(files)}] {status}: {source}{err}")

        try:
            summary = run_batch(files, out_dir, config=config, force=force, timeout=timeout,
                                max_memory=max_memory, on_done=on_done, executor=runner)
        except DatasetLocked as e:
            raise click.ClickException(str(e)) from None

    rate = summary.pages / summary.seconds if summary.seconds else 0.0
    console.print(f"\n[bold]Summary[/] ({summary.seconds:.1f} s, {summary.pages} pages processed, {rate:.1f} pages/s, "
                  f"{summary.skipped} skipped as already done)")
    for status in ("ok", "partial", "failed"):
        console.print(f"  {status:8} {summary.statuses[status]}")
    if summary.table_types:
        console.print("  tables by type: " + ", ".join(f"{k} {v}" for k, v in sorted(summary.table_types.items())))
    console.print(f"  identity checks: {summary.checks_run} run, {summary.checks_failed} failed")
    for why, n in sorted(summary.redone.items()):
        console.print(f"  redone: {why} ({n} document{'s' if n != 1 else ''})")
    if summary.peak_rss:
        console.print(f"  peak worker memory: {format_size(summary.peak_rss)}")
    if dashboard:
        console.print(f"  Dask dashboard: {dashboard}")
    for source, error in summary.failures:
        console.print(f"  [yellow]{source}[/]: {error}")
    sys.exit(summary.exit_code)


@click.command(epilog="Exit codes: 0 done; 1 another process is writing the dataset; 2 usage error.")
@click.argument("out_dir")
@click.option("--max-size", type=SizeType(), default="256MiB", show_default=True, help="Largest merged file.")
def compact(out_dir: str, max_size: int) -> None:
    """Merge the small part files of the dataset in OUT_DIR (a folder or an fsspec URL) into
    larger files (safe against kill -9)."""
    from .dataset import Dataset, DatasetLocked
    from .storage import is_url

    if not is_url(out_dir) and not Path(out_dir).is_dir():
        raise click.UsageError(f"no such dataset folder: {out_dir}")
    ds = Dataset(out_dir)
    try:
        with ds.lock():
            ds.recover()
            merged = ds.compact(max_size)
    except DatasetLocked as e:
        raise click.ClickException(str(e)) from None
    for name, n in merged.items():
        click.echo(f"{name}: {n} file(s) merged; now {len(ds.files(name))} file(s)")


@click.command(epilog="Exit codes: 0 the dataset meets the contract; 1 problems found (listed); 2 usage error.")
@click.argument("out_dir")
def validate(out_dir: str) -> None:
    """Check the dataset in OUT_DIR (a folder or an fsspec URL) against the output contract
    and print every problem."""
    from .storage import is_url
    from .validate import validate_dataset

    if not is_url(out_dir) and not Path(out_dir).is_dir():
        raise click.UsageError(f"no such dataset folder: {out_dir}")
    problems = validate_dataset(out_dir)
    for p in problems:
        click.echo(p)
    click.echo(f"{len(problems)} problem(s) in {out_dir}" if problems else f"{out_dir}: ok, no problems")
    sys.exit(1 if problems else 0)
