"""``budgetpdf report OUT_DIR --html REPORT_DIR``: the static review site."""

from __future__ import annotations

from pathlib import Path

import click


@click.command(epilog="Exit codes: 0 written; 1 the dataset or the report folder is unusable; 2 usage error.")
@click.argument("out_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--html", "report_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder to write the site into (new, empty, or an earlier report, which is replaced).")
@click.option("--crops", type=click.IntRange(min=0), default=200, show_default=True,
              help="Most failed checks to draw a page crop for, shared round-robin over documents.")
@click.option("--table-crops", "table_crops", multiple=True, metavar="DOC[:TABLE]",
              help="Also draw page crops of these tables (doc_id prefix, optionally :table_id); repeatable.")
@click.option("--pdf-root", "pdf_roots", multiple=True, type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Folder to find the PDFs in when source_path is relative to another folder [default: the current folder, then OUT_DIR's parent]; repeatable.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
              help="Processes writing document pages [default: CPU count, at most 4].")
def report(out_dir: Path, report_dir: Path, crops: int, table_crops: tuple[str, ...], pdf_roots: tuple[Path, ...],
           jobs: int | None) -> None:
    """Write a static HTML review report of the dataset in OUT_DIR (opens from disk, no server).

    Index of documents (sortable, filterable), a page per document (tables with cells and
    line items, failed checks with printed vs computed figures and page crops, checks not
    run with their reason) and batch charts.
    """
    from .build import ReportDirError, build_report

    try:
        s = build_report(out_dir, report_dir, crops=crops, table_crops=table_crops, pdf_roots=pdf_roots, jobs=jobs)
    except (FileNotFoundError, ReportDirError) as e:
        raise click.ClickException(str(e)) from None
    click.echo(f"report: {s.documents} document(s), {s.document_pages} document page(s), {s.checks_failed} failed "
               f"check(s), {s.crops} crop(s)" + (f", {s.crops_over_budget} failed check(s) past --crops" if s.crops_over_budget else "")
               + f"; {s.bytes / 2**20:.1f} MiB in {s.seconds:.1f} s → {s.report_dir / 'index.html'}")
