"""Writing the static review site: index, batch charts, one page per document, crops.

Layout of ``REPORT_DIR``::

    index.html                 one row per documents row, sortable and filterable
    batch.html                 charts over the batch (inline SVG)
    docs/<doc_id[:16]>.html    one page per document: failed checks with crops, not_run
                               checks with their reason, every logical table
    crops/<doc_id[:16]>/*.png  page crops (failed checks; tables asked for with --table-crops)
    assets/report.css, report.js
    .budgetpdf-report          marks the folder as a report (it is cleared on the next build)

Crops cost a page render each, so they are budgeted (``crops``): failed checks are served
round-robin over documents (every document's first failed check, then every second one,
…) so one document with 300 failures cannot use the whole budget. A check past the budget
says so on its page. Crops are drawn only when the PDF at ``source_path`` (or under one of
``pdf_roots``) has the document's sha256; otherwise the page says why there is none.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import html
import json
import re
import os
import shutil
import time
from collections import Counter, defaultdict
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Iterable, Sequence

import jinja2
from markupsafe import Markup

from . import charts
from .crops import Box, CropJob, PdfUnavailable, boxes_for, extent, render_crops
from .data import DocumentBundle, ReportData
from .locate import Located, join_line_items, locate_check, occupancy

MARKER = ".budgetpdf-report"
OWNED = ("index.html", "batch.html", "docs", "crops", "assets")


class ReportDirError(Exception):
    """REPORT_DIR exists, is not empty and is not a budgetpdf report (nothing is deleted)."""


@dataclass(frozen=True)
class ReportSummary:
    """What a build wrote: counts, the time it took (s) and the size on disk (bytes)."""

    report_dir: Path
    documents: int  # documents rows (index rows)
    document_pages: int  # per-document pages written
    crops: int  # PNG files written
    crops_over_budget: int  # failed checks left without a crop by the --crops budget
    checks_failed: int
    seconds: float
    bytes: int


# ---------------------------------------------------------------- formatting


_SPECIAL = re.compile(r'[&<>"\']')


def _esc(text: str) -> str:
    """html.escape, skipped for the many cell texts that need none (the grid's hot path)."""
    return html.escape(text, quote=True) if _SPECIAL.search(text) else text


def fmt_amount(d: Decimal | None) -> str:
    """A Decimal with thousands separators, at least 2 decimals, no trailing zeros beyond them."""
    if d is None:
        return ""
    q = d.normalize()
    if q.as_tuple().exponent > -2:
        q = q.quantize(Decimal("0.01"))
    return f"{q:,}"


def page_ranges(pages: Iterable[int]) -> str:
    """[3, 4, 5, 9] → "3–5, 9"."""
    out: list[list[int]] = []
    for p in sorted(set(pages)):
        if out and out[-1][1] == p - 1:
            out[-1][1] = p
        else:
            out.append([p, p])
    return ", ".join(str(a) if a == b else f"{a}–{b}" for a, b in out)


def doc_page_name(doc_id: str) -> str:
    return f"{doc_id[:16]}.html"


def _env() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.PackageLoader("budgetpdf.report", "templates"),
                             autoescape=jinja2.select_autoescape(["html", "j2"]), trim_blocks=True, lstrip_blocks=True)
    env.filters["amount"] = fmt_amount
    env.filters["pages"] = page_ranges
    return env


# ---------------------------------------------------------------- the PDF behind a document


def resolve_pdf(source_path: str | None, doc_id: str, roots: Sequence[Path]) -> tuple[Path | None, str | None]:
    """The PDF file of a document, checked by sha256; (None, why not) when it cannot be reached."""
    if not source_path:
        return None, "the documents row has no source_path"
    src = Path(source_path)
    tried = [src] if src.is_absolute() else [Path.cwd() / src]
    for root in roots:
        tried += [root / src, root / src.name] if not src.is_absolute() else [root / src.name]
    for cand in tried:
        if cand.is_file():
            digest = hashlib.sha256()
            with open(cand, "rb") as f:
                for chunk in iter(lambda: f.read(1 << 20), b""):
                    digest.update(chunk)
            if digest.hexdigest() == doc_id:
                return cand.resolve(), None
            return None, f"the PDF at {cand} has changed since extraction (its sha256 is not the doc_id)"
    return None, f"the PDF is not reachable at {source_path} (give its folder with --pdf-root)"


# ---------------------------------------------------------------- one document


def grid_html(table_id: int, cells: list[dict], covered: dict[tuple[int, int], dict],
              marks: dict[tuple[int, int], set[str]], item_cells: dict[tuple[int, int], list[dict]]) -> Markup:
    """The logical table as an HTML <table>: each cell once where it starts, with its row/col spans;
    hatched gap cells where no cell covers a grid position. ``covered`` is ``occupancy(cells)``.
    Built as a string, not in the template: a large document has tens of thousands of cells
    and this is the report's hot loop."""
    if not cells:
        return Markup('<p class="none">No cells.</p>')
    n_rows = max(c.row_index + max(1, c.row_span or 1) for c in cells)
    n_cols = max(c.col_index + max(1, c.col_span or 1) for c in cells)
    out = ['<div class="grid-wrap"><table class="grid">']
    for r in range(n_rows):
        out.append("<tr>")
        for k in range(n_cols):
            c = covered.get((r, k))
            if c is None:
                out.append('<td class="gap"></td>')
                continue
            if c.row_index != r or c.col_index != k:
                continue
            tag = "th" if c.is_header else "td"
            attrs = ""
            if (c.row_span or 1) > 1:
                attrs += f' rowspan="{c.row_span}"'
            if (c.col_span or 1) > 1:
                attrs += f' colspan="{c.col_span}"'
            cls = " ".join(sorted(marks[(r, k)])) if (r, k) in marks else ""
            if (r, k) in item_cells or cls:  # only cells a link can point at get an id
                attrs = f' id="c{table_id}-{r}-{k}"' + attrs
                if (r, k) in item_cells:
                    cls = f"li {cls}" if cls else "li"
            if cls:
                attrs += f' class="{cls}"'
            text = "∅" if c.text is None else _esc(c.text)
            out.append(f"<{tag}{attrs}>{text}</{tag}>")
        out.append("</tr>\n")
    out.append("</table></div>")
    return Markup("".join(out))


def items_json(items: list[dict]) -> Markup:
    """The table's line items as JSON for report.js, which lists them when their <details> opens.

    ``{"labels": [column_label, …], "rows": [[row_index, section, code, item, label index, measure,
    amount, unit, amount_yuan, cell row, cell col, how], …]}``; amounts as decimal strings.
    Kept as data, not HTML: a large document's line items are most of its page otherwise.
    """
    labels: dict[str, int] = {}
    rows = []
    for li in items:
        lab = labels.setdefault(li["column_label"], len(labels))
        cell = li.get("cell") or (None, None, None)
        rows.append([li["row_index"], li["section"], li["code"], li["item"], lab, li["measure"],
                     None if li["amount"] is None else str(li["amount"]), li["unit"],
                     None if li["amount_yuan"] is None else str(li["amount_yuan"]), cell[1], cell[2], li.get("how")])
    text = json.dumps({"labels": list(labels), "rows": rows}, ensure_ascii=False, separators=(",", ":"))
    return Markup(text.replace("</", "<\\/"))


class _CellAt:
    """(table_id, row_index, col_index) → the cell starting there, over the per-table grids (no extra index)."""

    def __init__(self, grids: dict[int, dict[tuple[int, int], object]]):
        self.grids = grids

    def get(self, key, default=None):
        cell = self.grids.get(key[0], {}).get(key[1:])
        return cell if cell is not None and (cell.row_index, cell.col_index) == key[1:] else default

    def __contains__(self, key) -> bool:
        return self.get(key) is not None

    def __getitem__(self, key):
        cell = self.get(key)
        if cell is None:
            raise KeyError(key)
        return cell


def _reason(subject: str | None) -> tuple[str, str]:
    """A not_run check's subject split into what was to be checked and why it was not (``what: why``)."""
    s = subject or ""
    what, sep, why = s.rpartition(": ")
    return (what, why) if sep else ("", s)


def build_document(bundle: DocumentBundle, index_rows: list[dict], crop_allowance: int, table_crops: set[int] | None,
                   roots: Sequence[Path], report_dir: Path, show: dict[str, bool]) -> tuple[dict, list[CropJob], int]:
    """The page model of one document and its crop jobs; returns (model, jobs, failed checks past the budget)."""
    doc_id = bundle.doc_id
    key = doc_id[:16]
    rows = [r for r in index_rows if r["doc_id"] == doc_id]
    head = rows[0] if rows else {"doc_id": doc_id, "source_path": None, "status": "?"}
    cells_by_table: dict[int, list[dict]] = defaultdict(list)
    for c in bundle.cells:
        cells_by_table[c.table_id].append(c)
    items_by_table: dict[int, list[dict]] = defaultdict(list)
    for li in bundle.line_items:
        items_by_table[li["table_id"]].append(li)
    tables = {t["table_id"]: t for t in bundle.tables}
    grids = {tid: occupancy(cells) for tid, cells in cells_by_table.items()}
    for tid, items in items_by_table.items():
        join_line_items(tables.get(tid, {"table_id": tid, "header": []}), cells_by_table.get(tid, []), items,
                        grids.get(tid, {}))
    cell_at = _CellAt(grids)

    pdf_path, pdf_problem = resolve_pdf(head.get("source_path"), doc_id, roots)
    jobs: list[CropJob] = []
    marks: dict[tuple[int, int, int], set[str]] = defaultdict(set)

    failed, not_run, passed = [], [], []
    for chk in bundle.checks:
        if chk["status"] == "failed":
            failed.append(chk)
        elif chk["status"] == "not_run":
            what, why = _reason(chk["subject"])
            not_run.append({**chk, "what": what, "why": why})
        else:
            passed.append(chk)

    over_budget = 0
    failed_models = []
    for i, chk in enumerate(failed):
        loc: Located = locate_check(chk, bundle.line_items)
        for k in loc.printed:
            marks[k].add("printed")
        for k in loc.parts:
            marks[k].add("part")
        table = tables.get(chk["table_id"]) if chk["table_id"] is not None else None
        printed_cell = cell_at.get(loc.printed[0]) if loc.printed else None
        unit = (table or {}).get("unit_label")
        if unit is None and loc.printed:
            unit = (tables.get(loc.printed[0][0]) or {}).get("unit_label")
        model = {**chk, "n": i, "difference": chk["actual"] - chk["expected"], "unit": unit, "located": loc,
                 "printed_text": printed_cell.text if printed_cell else None,
                 "printed_anchor": "c{}-{}-{}".format(*loc.printed[0]) if loc.printed else None,
                 "images": [], "no_crop": None}
        if pdf_path is None:
            model["no_crop"] = pdf_problem
        elif i >= crop_allowance:
            model["no_crop"] = "no crop: the --crops budget was used up before this check"
            over_budget += 1
        else:
            new = _check_jobs(chk, loc, cell_at, cells_by_table, report_dir / "crops" / key, i)
            if not new:
                model["no_crop"] = "no crop: the check names no page"
            jobs += new
            model["images"] = [f"../crops/{key}/{j.path.name}" for j in new]
            model["image_pages"] = [j.page for j in new]
        failed_models.append(model)

    table_models = []
    for tid in sorted(set(tables) | set(cells_by_table)):
        t = tables.get(tid, {"table_id": tid, "table_type": "?", "title": None, "header": []})
        cells = cells_by_table.get(tid, [])
        items = items_by_table.get(tid, [])
        item_cells: dict[tuple[int, int], list[dict]] = defaultdict(list)
        for li in items:
            if li.get("cell"):
                item_cells[li["cell"][1:]].append(li)
        tmarks = {k[1:]: v for k, v in marks.items() if k[0] == tid}
        images = []
        if table_crops is not None and (not table_crops or tid in table_crops) and pdf_path is not None:
            for page in sorted({c.page for c in cells if c.page}):
                boxes = boxes_for([c for c in cells if c.page == page], "cell")
                if boxes:
                    job = CropJob(report_dir / "crops" / key / f"table-{tid}-p{page}.png", page, boxes, margin=12.0)
                    jobs.append(job)
                    images.append({"src": f"../crops/{key}/{job.path.name}", "page": page})
        confidences = [c.confidence for c in cells if c.confidence is not None]
        table_models.append({
            **t, "grid_html": grid_html(tid, cells, grids.get(tid, {}), tmarks, item_cells),
            "items_json": items_json(items) if items else None,
            "n_items": len(items), "n_joined": sum(1 for li in items if li.get("cell")),
            "n_failed": sum(1 for f in failed if f["table_id"] == tid), "images": images,
            "min_confidence": min(confidences) if confidences else None,
        })

    model = {
        "doc_id": doc_id, "key": key, "head": head, "rows": rows, "tables": table_models,
        "failed": failed_models, "not_run": not_run, "passed": passed, "show": show,
        "pdf_path": pdf_path, "pdf_problem": pdf_problem,
        "pdf_href": Path(os.path.relpath(pdf_path, report_dir.resolve() / "docs")).as_posix() if pdf_path else None,
    }
    return model, jobs, over_budget


def _check_jobs(chk: dict, loc: Located, cell_at: dict, cells_by_table: dict, folder: Path, n: int) -> list[CropJob]:
    """One crop per page the check's located cells sit on (the table's width, the cells' height);
    when no cell was located, the table's region on the check's first page, nothing outlined."""
    boxes = boxes_for([cell_at[k] for k in loc.printed if k in cell_at], "printed")
    boxes += boxes_for([cell_at[k] for k in loc.parts if k in cell_at], "parts")
    tid = chk["table_id"] if chk["table_id"] is not None else (loc.printed[0][0] if loc.printed else None)
    table_cells = cells_by_table.get(tid, []) if tid is not None else []
    if not boxes:
        for page in chk.get("pages") or ():
            area = extent(c for c in table_cells if c.page == page)
            if area:
                return [CropJob(folder / f"check-{n}-p{page}.png", page, [], area=area, margin=12.0)]
        return []
    by_page: dict[int, list[Box]] = defaultdict(list)
    for b in boxes:
        by_page[b.page].append(b)
    jobs = []
    for page, page_boxes in sorted(by_page.items()):
        width = extent(c for c in table_cells if c.page == page)
        top, bottom = min(b.top for b in page_boxes), max(b.bottom for b in page_boxes)
        area = (width[0], top, width[2], bottom) if width else None
        head = extent(c for c in table_cells if c.page == page and c.is_header)
        jobs.append(CropJob(folder / f"check-{n}-p{page}.png", page, page_boxes, area=area,
                            header=(head[1], head[3]) if head else None))
    return jobs


# ---------------------------------------------------------------- the whole report


def _allowances(failed_per_doc: dict[str, int], budget: int) -> dict[str, int]:
    """Crops per document: round-robin over documents until the budget is spent."""
    allow = dict.fromkeys(failed_per_doc, 0)
    level = 0
    while budget > 0:
        level += 1
        takers = sorted(d for d, n in failed_per_doc.items() if n >= level)
        if not takers:
            break
        for d in takers[:budget]:
            allow[d] += 1
        budget -= min(budget, len(takers))
    return allow


def _prepare(report_dir: Path) -> None:
    if report_dir.exists():
        if not report_dir.is_dir():
            raise ReportDirError(f"{report_dir} is a file")
        if any(report_dir.iterdir()) and not (report_dir / MARKER).exists():
            raise ReportDirError(f"{report_dir} is not empty and is not a budgetpdf report; give a new or empty folder")
        for name in OWNED:
            p = report_dir / name
            if p.is_dir():
                shutil.rmtree(p)
            elif p.exists():
                p.unlink()
    (report_dir / "docs").mkdir(parents=True, exist_ok=True)
    (report_dir / MARKER).write_text("written by `budgetpdf report`; cleared on the next build\n", "utf-8")
    assets = report_dir / "assets"
    assets.mkdir(exist_ok=True)
    from importlib.resources import files

    for name in ("report.css", "report.js"):
        (assets / name).write_bytes(files("budgetpdf.report").joinpath("assets", name).read_bytes())


def _dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _document_pages(out_dir: Path, report_dir: Path, part: int, parts: int, by_doc: dict[str, list[dict]],
                    allowance: dict[str, int], wanted: dict[str, set[int]], roots: Sequence[Path],
                    show: dict[str, bool]) -> tuple[int, int, int, list[str]]:
    """Write the pages (and crops) of one share of the documents; (pages, crops, checks past budget, doc_ids)."""
    data = ReportData(out_dir)
    tpl = _env().get_template("document.html.j2")
    n_pages = n_crops = over = 0
    done: list[str] = []
    try:
        for bundle in data.documents_stream(part, parts):
            model, jobs, past = build_document(bundle, by_doc.get(bundle.doc_id, []), allowance.get(bundle.doc_id, 0),
                                               wanted.get(bundle.doc_id), roots, report_dir, show)
            over += past
            if jobs:
                try:
                    n_crops += len(render_crops(model["pdf_path"], jobs))
                except PdfUnavailable as e:
                    for f in model["failed"]:
                        if f["images"]:
                            f["images"], f["no_crop"] = [], str(e)
                    for t in model["tables"]:
                        t["images"] = []
            (report_dir / "docs" / doc_page_name(bundle.doc_id)).write_text(tpl.render(**model), "utf-8")
            done.append(bundle.doc_id)
            n_pages += 1
    finally:
        data.close()
    return n_pages, n_crops, over, done


def build_report(out_dir: Path | str, report_dir: Path | str, *, crops: int = 200,
                 table_crops: Sequence[str] = (), pdf_roots: Sequence[Path | str] = (),
                 jobs: int | None = None) -> ReportSummary:
    """Write the static review site for the dataset in ``out_dir`` into ``report_dir``.

    ``crops``: the most failed-check crops to render (round-robin over documents).
    ``table_crops``: ``DOC_ID_PREFIX`` (every table of that document) or
    ``DOC_ID_PREFIX:TABLE_ID``: tables to render page crops for, with every cell outlined.
    ``pdf_roots``: folders to look for PDFs in when ``source_path`` is relative or moved.
    ``jobs``: processes writing document pages [default: CPU count, at most 4]; each runs
    its own four streaming queries over its share of the documents.
    Raises ``FileNotFoundError`` (no dataset in ``out_dir``) and ``ReportDirError``.
    """
    t0 = time.perf_counter()
    out_dir, report_dir = Path(out_dir), Path(report_dir)
    roots = [Path(r) for r in pdf_roots] or [out_dir.resolve().parent]
    data = ReportData(out_dir)
    _prepare(report_dir)
    env = _env()
    show = {"text_source": data.has_column("tables", "text_source"), "type_rule": data.has_column("tables", "type_rule"),
            "confidence": data.has_column("cells", "confidence"),
            "extract_seconds": data.has_column("documents", "extract_seconds")}

    index_rows = data.index_rows()
    by_doc: dict[str, list[dict]] = defaultdict(list)
    for r in index_rows:
        if r["doc_id"]:
            by_doc[r["doc_id"]].append(r)
    failed_per_doc = {d: rows[0]["checks_failed"] for d, rows in by_doc.items() if rows[0]["checks_failed"]}
    allowance = _allowances(failed_per_doc, crops)
    wanted: dict[str, set[int]] = {}
    for spec in table_crops:
        prefix, _, tid = spec.partition(":")
        for d in by_doc:
            if d.startswith(prefix.lower()):
                wanted.setdefault(d, set())
                if tid:
                    wanted[d].add(int(tid))

    parts = max(1, jobs if jobs is not None else min(os.cpu_count() or 1, 4))
    if len(by_doc) < 8:
        parts = 1
    args = [(out_dir, report_dir, part, parts, by_doc, allowance, wanted, roots, show) for part in range(parts)]
    if parts == 1:
        results = [_document_pages(*args[0])]
    else:
        # spawn, not fork: the parent holds a duckdb connection (threads, locks) a fork would copy
        with ProcessPoolExecutor(parts, mp_context=multiprocessing.get_context("spawn")) as pool:
            results = list(pool.map(_document_pages, *zip(*args)))
    n_pages = sum(r[0] for r in results)
    n_crops = sum(r[1] for r in results)
    over = sum(r[2] for r in results)
    has_page = {d for r in results for d in r[3]}

    labels = {d: charts.doc_label(rows[0]) for d, rows in by_doc.items()}
    chart_svgs = {
        "functions": charts.function_class_chart(data.function_classes(), labels),
        "failed": charts.failed_checks_chart(data.failed_by_check_id()),
    }
    timing_svgs, timing_note = charts.timing_charts(data.timing(), labels)
    totals = _totals(index_rows)
    env.get_template("batch.html.j2").stream(
        charts=chart_svgs, timing=timing_svgs, timing_note=timing_note, totals=totals, out_dir=str(out_dir),
    ).dump(str(report_dir / "batch.html"), encoding="utf-8")
    for r in index_rows:
        r["page"] = f"docs/{doc_page_name(r['doc_id'])}" if r["doc_id"] in has_page else None
        r["attention"] = r["status"] != "ok" or r["checks_failed"] > 0
        r["types"] = sorted((r.get("tables_by_type") or {}).items())
    env.get_template("index.html.j2").stream(
        rows=index_rows, totals=totals, out_dir=str(out_dir), show=show,
    ).dump(str(report_dir / "index.html"), encoding="utf-8")
    data.close()
    return ReportSummary(report_dir, len(index_rows), n_pages, n_crops, over, totals["checks_failed"],
                         time.perf_counter() - t0, _dir_size(report_dir))


def _totals(rows: list[dict]) -> dict:
    status = Counter(r["status"] for r in rows)
    types: Counter = Counter()
    seen = set()
    for r in rows:
        if r["doc_id"] in seen:
            continue
        seen.add(r["doc_id"])
        types.update(r.get("tables_by_type") or {})
    unique = [r for r in rows if r["doc_id"]]
    first = {r["doc_id"]: r for r in reversed(unique)}
    return {
        "documents": len(rows), "ok": status["ok"], "partial": status["partial"], "failed": status["failed"],
        "pages": sum(r["page_count"] or 0 for r in first.values()),
        "tables": sum(r["tables_found"] for r in first.values()), "types": sorted(types.items()),
        "checks_run": sum(r["checks_run"] for r in first.values()),
        "checks_failed": sum(r["checks_failed"] for r in first.values()),
        "checks_not_run": sum(r["checks_not_run"] for r in first.values()),
    }
