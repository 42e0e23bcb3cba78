"""The ``budgetpdf`` command line."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from budgetpdf.extract.engines import DEFAULT_ENGINE, ENGINES

from . import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="budgetpdf")
@click.option("--rules", "rules_dir", type=click.Path(file_okay=False, path_type=Path), envvar="BUDGETPDF_RULES",
              default=None, help="Folder with your own registry.toml and/or checks.toml (default: the packaged rules). "
                                 "Env: BUDGETPDF_RULES.")
@click.pass_context
def main(ctx: click.Context, rules_dir: Path | None) -> None:
    """Turn Chinese government budget PDFs into a validated Parquet dataset.

    The rule files are loaded and validated before anything else: an invalid file stops
    the command with exit code 2 and a message naming the file, the entry and the key.
    """
    from budgetpdf.normalize.rules import RuleFileError, load_rule_set

    try:
        ctx.obj = load_rule_set(rules_dir)  # the commands' RunConfig carries them (to workers too)
    except (RuleFileError, FileNotFoundError) as e:
        click.echo(f"budgetpdf: invalid rules: {e}", err=True)
        sys.exit(2)


@main.command()
@click.argument("pdf", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--pages", default=None, help="1-based pages, e.g. 3-5 or 2,7-9 (default: all).")
@click.option("--png", "png_dir", type=click.Path(file_okay=False, path_type=Path), default=None, help="Write cell overlays, one PNG per page, into this directory.")
@click.option("--engine", type=click.Choice(list(ENGINES)), default=DEFAULT_ENGINE, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the full debug dump as JSON instead of the summary.")
@click.option("--rows", default=5, show_default=True, help="Rows shown per table.")
@click.option("--stage", type=click.Choice(["extract", "normalize"]), default="extract", show_default=True,
              help="extract: page tables as found; normalize: logical tables after stitching, with evidence and checks.")
@click.pass_obj
def inspect(rules, pdf: Path, pages: str | None, png_dir: Path | None, engine: str, as_json: bool, rows: int,
            stage: str) -> None:
    """Show what the extract stage finds on each page of PDF."""
    from budgetpdf.extract import PdfOpenError, extract_document, to_debug_dict

    if not pdf.exists():
        raise click.ClickException(f"no such file: {pdf}")
    try:
        doc = extract_document(pdf, engine=engine, pages=pages)
    except PdfOpenError as e:
        raise click.ClickException(f"cannot open {pdf.name}: {e}") from None
    except ValueError as e:
        raise click.ClickException(str(e)) from None
    if stage == "normalize":
        from budgetpdf.normalize import normalize_document
        from budgetpdf.normalize.debug import normalized_debug_dict, print_normalized

        norm = normalize_document(doc, rules)
        if as_json:
            json.dump(normalized_debug_dict(norm), sys.stdout, ensure_ascii=False, indent=1, default=str)
            sys.stdout.write("\n")
        else:
            print_normalized(norm, rows)
    elif as_json:
        json.dump(to_debug_dict(doc), sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    else:
        _print_summary(doc, rows)
    if png_dir is not None:
        from budgetpdf.extract.overlay import write_overlays

        written = write_overlays(doc, png_dir)
        click.echo(f"wrote {len(written)} overlay PNG(s) to {png_dir}", err=as_json)


def _print_summary(doc, rows: int) -> None:
    from rich.console import Console
    from rich.table import Table

    con = Console(highlight=False)
    con.print(f"[bold]{doc.source_path}[/] {doc.page_count} pages, engine={doc.engine}, sha256={doc.doc_id[:12]}…")
    for w in doc.warnings:
        con.print(f"[yellow]warning:[/] {w}")
    for info in doc.pages:
        flags = [f"{info.width:.0f}x{info.height:.0f}", f"rot={info.rotation}", f"chars={info.n_chars}"]
        if not info.has_text_layer:
            flags.append("[red]NO TEXT LAYER[/]")
        if info.garbled:
            flags.append("[red]GARBLED[/]")
        if info.error:
            flags.append(f"[red]ERROR {info.error}[/]")
        tabs = [t for t in doc.tables if t.page == info.page]
        con.print(f"\n[bold cyan]page {info.page}[/] {' '.join(flags)} tables={len(tabs)} other_lines={len(info.lines)}")
        for t in tabs:
            kind = "ruled" if t.ruled else "unruled"
            extra = " open_bottom" if t.open_bottom else ""
            extra += " open_top" if t.open_top else ""
            n_span = sum(1 for c in t.cells if c.row_span > 1 or c.col_span > 1)
            con.print(f"  [bold]T{t.index_on_page}[/] {t.n_rows}x{t.n_cols} {kind}{extra} spans={n_span} engine={t.engine}")
            for ln in t.captions_above:
                con.print(f"    above: {ln.text}")
            grid = Table(show_header=False, box=None, padding=(0, 1))
            for r in range(min(rows, t.n_rows)):
                grid.add_row(*[("∅" if x is None else x)[:18] for x in t.row_texts(r)])
            con.print(grid)
            if t.n_rows > rows:
                con.print(f"    … {t.n_rows - rows} more rows")
            for ln in t.captions_below:
                con.print(f"    below: {ln.text}")


from .commands import extract as _extract  # noqa: E402  (dataset commands live in commands.py)

main.add_command(_extract)
from .commands import compact as _compact  # noqa: E402
main.add_command(_compact)
from .commands import validate as _validate  # noqa: E402
main.add_command(_validate)
from .report.command import report as _report  # noqa: E402
main.add_command(_report)

if __name__ == "__main__":
    main()
