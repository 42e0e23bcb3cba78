"""`budgetpdf report`: the static review site, on two fixtures, one with a misread figure.

The misread: in changsha's 部门支出总表 the 行政运行 (2150501) 基本支出 figure 2,528.61 is
changed to 2,582.61 in the extracted records (cell text and line item), and the identity
checks are re-run, as if the extractor had misread one digit. Its 款 21505 then no longer
adds up: printed 7,095.92, computed 7,149.92 (the same misread as
tests/test_truth_identities.py). Where the test needs to know which cells hold which
figures it reads the fixture's truth file, written by the fixture generator, not by the
pipeline.

Browser tests run headless Chromium from Debian (`/usr/bin/chromium`, installed by
`.ci/run`) through Playwright's Python package (no browser download) and skip with the
reason where either is missing.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import replace
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from budgetpdf.cli import main
from budgetpdf.contract import DocumentOutput, DocumentRecord, encode, to_yuan
from budgetpdf.dataset import Dataset
from budgetpdf.extract import extract_document
from budgetpdf.normalize import normalize_document
from budgetpdf.normalize.checks import run_checks
from budgetpdf.pipeline import RunConfig, document_status, process_file
from budgetpdf.report import ReportDirError, build_report
from budgetpdf.report.data import ReportData
from budgetpdf.report.locate import join_line_items, locate_check, occupancy, parse_subject

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "fixtures" / "docs"
CHANGSHA = "changsha-miit-2023-budget"
BAISHA = "baisha-civil-affairs-2021-budget"
CHROMIUM = Path("/usr/bin/chromium")
MISREAD_CHECK = "expenditure_summary.parent_code_eq_sum_of_children"
MISREAD_SUBJECT = "21505 工业和信息产业监管 / 基本支出"


def truth(name: str) -> dict:
    return json.loads((DOCS / f"{name}.truth.json").read_text("utf-8"))


def misread_changsha() -> tuple[DocumentOutput, set[tuple[str, str]]]:
    """changsha's records with 2150501 基本支出 misread as 2,582.61 (cell and line item), checks re-run;
    and the (check_id, subject) of the checks that failed before the misread (none, when the
    pipeline reads the fixture right: tests/test_pipeline_fixtures.py asserts it)."""
    source = f"fixtures/docs/{CHANGSHA}.pdf"
    doc = extract_document(DOCS / f"{CHANGSHA}.pdf")
    norm = normalize_document(doc)
    items, hit = [], None
    for li in norm.line_items:
        if li.table_type == "expenditure_summary" and li.code == "2150501" and li.measure == "basic":
            assert li.amount == Decimal("2528.61")
            li = replace(li, amount=Decimal("2582.61"), amount_yuan=to_yuan(Decimal("2582.61"), li.unit))
            hit = li
        items.append(li)
    assert hit is not None
    table = next(t for t in norm.tables if t.table_id == hit.table_id)
    col = list(table.header).index(hit.column_label)
    cells = [replace(c, text="2,582.61") if (c.table_id, c.row_index, c.col_index) == (hit.table_id, hit.row_index, col)
             else c for c in norm.cells]
    assert sum(c.text == "2,582.61" for c in cells) == 1
    checks = run_checks(doc.doc_id, norm.tables, items, norm.performance_targets, norm.prose)
    run = {t.table_id: sum(1 for c in checks if c.table_id == t.table_id and c.status != "not_run") for t in norm.tables}
    failed = {t.table_id: sum(1 for c in checks if c.table_id == t.table_id and c.status == "failed") for t in norm.tables}
    tables = [replace(t, n_checks_run=run[t.table_id], n_checks_failed=failed[t.table_id]) for t in norm.tables]
    status, error = document_status(doc, norm)
    record = DocumentRecord(doc.doc_id, source, norm.department, norm.fiscal_year, norm.doc_kind, doc.page_count,
                            status, error, len(tables), sum(failed.values()), RunConfig().fingerprint,
                            datetime.now(timezone.utc))
    before = {(c.check_id, c.subject) for c in norm.checks if c.status == "failed"}
    return DocumentOutput(record, tables, cells, items, norm.performance_targets, checks), before


@pytest.fixture(scope="module")
def misread() -> tuple[DocumentOutput, set[tuple[str, str]]]:
    return misread_changsha()


@pytest.fixture(scope="module")
def dataset(tmp_path_factory, misread) -> Path:
    out = tmp_path_factory.mktemp("dataset")
    ds = Dataset(out)
    ds.write(encode(process_file(DOCS / f"{BAISHA}.pdf", source_path=f"fixtures/docs/{BAISHA}.pdf")))
    ds.write(encode(misread[0]))
    ds.ensure_all()
    return out


def failed_in(dataset: Path) -> list[tuple[str, str, str]]:
    """(doc_id, check_id, subject) of every failed check, read with duckdb (not with the report's reader)."""
    import duckdb

    return duckdb.sql(f"SELECT doc_id, check_id, subject FROM read_parquet('{dataset}/checks/*.parquet') "
                      "WHERE status = 'failed'").fetchall()


@pytest.fixture(scope="module")
def site(dataset, tmp_path_factory):
    report = tmp_path_factory.mktemp("site") / "report"
    summary = build_report(dataset, report, pdf_roots=[ROOT], jobs=1)
    return report, summary


def bundles(dataset: Path) -> dict[str, object]:
    data = ReportData(dataset)
    try:
        return {b.doc_id: b for b in data.documents_stream()}
    finally:
        data.close()


# ---------------------------------------------------------------- joins, against the truth files


@pytest.mark.parametrize("name", [BAISHA, CHANGSHA])
def test_every_line_item_joins_the_cell_the_truth_puts_it_in(dataset, name):
    t = truth(name)
    where = {(li["table_id"], li["row_index"], li["column_label"], Decimal(li["amount"])): li["col_index"]
             for li in t["line_items"]}
    doc_id = t["line_items"][0]["doc_id"]
    b = bundles(dataset)[doc_id]
    tables = {x["table_id"]: x for x in b.tables}
    checked = 0
    for tid in tables:
        cells = [c for c in b.cells if c.table_id == tid]
        items = [li for li in b.line_items if li["table_id"] == tid]
        join_line_items(tables[tid], cells, items, occupancy(cells))
        for li in items:
            if name == CHANGSHA and li["table_type"] == "expenditure_summary" and li["code"] == "2150501" \
                    and li["measure"] == "basic":
                continue  # the misread figure is not the truth's
            key = (li["table_id"], li["row_index"], li["column_label"], li["amount"])
            assert key in where, key
            assert li["cell"] == (tid, li["row_index"], where[key]), (key, li["cell"], li["how"])
            checked += 1
    assert checked == len(t["line_items"]) - (name == CHANGSHA) > 100


def test_the_misread_check_outlines_the_printed_kuan_and_its_xiang(dataset, misread):
    t = truth(CHANGSHA)
    doc_id = t["line_items"][0]["doc_id"]
    b = bundles(dataset)[doc_id]
    for tid in {x["table_id"] for x in b.tables}:
        cells = [c for c in b.cells if c.table_id == tid]
        table = next(x for x in b.tables if x["table_id"] == tid)
        join_line_items(table, cells, [li for li in b.line_items if li["table_id"] == tid], occupancy(cells))
    failed = {c["check_id"]: c for c in b.checks if c["status"] == "failed" and (c["check_id"], c["subject"]) not in misread[1]}
    # the 款 no longer adds up, and neither does the misread row (总计 2,528.61 ≠ 基本 2,582.61)
    assert sorted(failed) == [MISREAD_CHECK, "expenditure_summary.total_eq_basic_plus_project"]
    check = failed[MISREAD_CHECK]
    assert (check["expected"], check["actual"]) == (Decimal("7095.92"), Decimal("7149.92"))
    es = [li for li in t["line_items"] if li["table_type"] == "expenditure_summary"]
    at = lambda li: (li["table_id"], li["row_index"], li["col_index"])  # noqa: E731

    located = locate_check(check, b.line_items)
    kuan = next(li for li in es if li["code"] == "21505" and li["measure"] == "basic")
    xiang = {at(li) for li in es if li["measure"] == "basic" and (li["code"] or "").startswith("21505") and len(li["code"]) == 7}
    assert located.printed == (at(kuan),)
    assert set(located.parts) == xiang and len(xiang) >= 2
    assert located.parts_rule == "the codes one level under it"

    located = locate_check(failed["expenditure_summary.total_eq_basic_plus_project"], b.line_items)
    row = {li["measure"]: at(li) for li in es if li["code"] == "2150501"}
    assert located.printed == (row["total"],) and located.parts == (row["basic"],)


def test_subjects_parse_into_section_code_item_and_column():
    s = parse_subject("21505 工业和信息产业监管 / 基本支出")
    assert (s.section, s.code, s.item, s.column) == (None, "21505", "工业和信息产业监管", "基本支出")
    s = parse_subject("expenditure 当年支出小计 / 支出/支出用途/金额")
    assert (s.section, s.code, s.item, s.column) == ("expenditure", None, "当年支出小计", "支出/支出用途/金额")
    s = parse_subject("20807")
    assert (s.section, s.code, s.item, s.column) == (None, "20807", None, None)


# ---------------------------------------------------------------- the written site


def misread_crop(report: Path) -> Path:
    """The crop image of the misread check, as its page links it."""
    page = (report / "docs" / "e1ff1b1ec7bead4c.html").read_text("utf-8")
    blocks = [b.split("</tbody>")[0] for b in page.split('<tbody class="failed-check"')[1:]]
    [block] = [b for b in blocks if MISREAD_CHECK in b and MISREAD_SUBJECT in b]
    [src] = re.findall(r'<img class="crop" src="([^"]+)"', block)
    return report / "docs" / src


def test_the_site_has_an_index_row_per_document_and_the_failed_check_with_both_figures(site, dataset):
    report, summary = site
    assert (summary.documents, summary.document_pages, summary.checks_failed) == (2, 2, len(failed_in(dataset)))
    assert summary.crops >= 1 and summary.crops_over_budget == 0
    index = (report / "index.html").read_text("utf-8")
    assert index.count('<tr class="doc ') == 2 and BAISHA in index and CHANGSHA in index
    page = (report / "docs" / "e1ff1b1ec7bead4c.html").read_text("utf-8")
    blocks = [b.split("</tbody>")[0] for b in page.split('<tbody class="failed-check"')[1:]]
    [block] = [b for b in blocks if MISREAD_CHECK in b and MISREAD_SUBJECT in b]
    assert MISREAD_CHECK in block and "7,095.92" in block and "7,149.92" in block and "+54.00" in block
    assert misread_crop(report).name.endswith("-p8.png") and misread_crop(report).is_file()  # the 部门支出总表 is on page 8
    batch = (report / "batch.html").read_text("utf-8")
    assert MISREAD_CHECK in batch and "<svg" in batch
    for html in [index, page, batch]:  # nothing fetched from the network
        assert "http://" not in html.replace("http://www.w3.org", "") and "https://" not in html


def test_the_crop_outlines_the_printed_cell_in_red_and_the_parts_in_blue(site):
    from PIL import Image

    from budgetpdf.report.crops import COLORS

    report, _ = site
    img = Image.open(misread_crop(report)).convert("RGB")
    colors = {c for _, c in img.getcolors(1 << 20)}

    def near(target):
        return any(sum(abs(a - b) for a, b in zip(c, target)) < 60 for c in colors)

    assert img.width > 300 and img.height > 100
    assert near(COLORS["printed"]) and near(COLORS["parts"])


def test_a_pdf_that_cannot_be_reached_is_said_instead_of_a_crop(dataset, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # source_path is relative to the project, not to here
    s = build_report(dataset, tmp_path / "report", pdf_roots=[tmp_path], jobs=1)
    assert s.crops == 0
    page = (tmp_path / "report" / "docs" / "e1ff1b1ec7bead4c.html").read_text("utf-8")
    assert "the PDF is not reachable at fixtures/docs/changsha-miit-2023-budget.pdf" in page
    assert '<img class="crop"' not in page


def test_a_folder_that_is_not_a_report_is_left_alone(dataset, tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(ReportDirError):
        build_report(dataset, tmp_path, jobs=1)
    assert (tmp_path / "notes.txt").read_text() == "mine"


def _copy_documents(src: Path, dst: Path, copies: int) -> None:
    """The dataset with every document repeated under new doc_ids (more documents, same shape)."""
    for name in ("documents", "tables", "cells", "line_items", "performance_targets", "checks"):
        (dst / name).mkdir(parents=True)
        for f in (src / name).glob("*.parquet"):
            t = pq.read_table(f)
            for k in range(copies):
                ids = [None if d is None else f"{k:x}{d[1:]}" for d in t.column("doc_id").to_pylist()]
                u = t.set_column(t.schema.get_field_index("doc_id"), "doc_id", pa.array(ids, pa.string()))
                if name == "documents":
                    paths = [f"{p}#{k}" for p in u.column("source_path").to_pylist()]
                    u = u.set_column(u.schema.get_field_index("source_path"), "source_path", pa.array(paths, pa.string()))
                pq.write_table(u, dst / name / f"{f.stem}-{k}.parquet")


def test_queries_do_not_grow_with_the_number_of_documents(dataset, tmp_path, monkeypatch):
    counts = []
    real_sql = ReportData.sql

    def counting(self, query, **kw):
        counting.n += 1
        return real_sql(self, query, **kw)

    monkeypatch.setattr(ReportData, "sql", counting)
    for copies in (1, 4):
        big = tmp_path / f"x{copies}"
        _copy_documents(dataset, big, copies)
        counting.n = 0
        s = build_report(big, tmp_path / f"r{copies}", crops=0, jobs=1)
        assert s.document_pages == 2 * copies
        counts.append(counting.n)
    # 5 DESCRIBEs per connection (2: index + document pages), the index, 4 streams, 3 charts
    assert counts[0] == counts[1] == 18


def test_optional_columns_are_shown_when_present_and_never_required(dataset, tmp_path):
    """tables.text_source / type_rule and cells.confidence were added without a version change:
    a dataset written before them (columns absent) still reports, without those lines."""
    build_report(dataset, tmp_path / "now", crops=0, jobs=1)
    assert "<dt>Text source</dt><dd>pdf</dd>" in (tmp_path / "now" / "docs" / "e1ff1b1ec7bead4c.html").read_text("utf-8")
    older = tmp_path / "older"
    shutil.copytree(dataset, older)
    for name, drop in (("tables", ["text_source", "type_rule"]), ("cells", ["confidence"])):
        for f in (older / name).glob("*.parquet"):
            t = pq.read_table(f)
            pq.write_table(t.drop_columns([c for c in drop if c in t.column_names]), f)
    s = build_report(older, tmp_path / "older-report", crops=0, jobs=1)
    page = (tmp_path / "older-report" / "docs" / "e1ff1b1ec7bead4c.html").read_text("utf-8")
    assert s.document_pages == 2 and "Text source" not in page and "7,095.92" in page


def test_the_cli_writes_the_report(dataset, tmp_path):
    n_failed = len(failed_in(dataset))
    res = CliRunner().invoke(main, ["report", str(dataset), "--html", str(tmp_path / "r"), "--jobs", "1",
                                    "--pdf-root", str(ROOT), "--table-crops", "e1ff1b1e:2"])
    assert res.exit_code == 0, res.output
    assert "2 document(s)" in res.output and f"{n_failed} failed check(s)" in res.output
    assert sorted(p.name for p in (tmp_path / "r" / "crops" / "e1ff1b1ec7bead4c").glob("table-*")) == ["table-2-p8.png"]
    res = CliRunner().invoke(main, ["report", str(tmp_path), "--html", str(tmp_path / "r2")])
    assert res.exit_code == 1 and "no documents dataset" in res.output


# ---------------------------------------------------------------- in a real browser


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"no Debian chromium at {CHROMIUM} (.ci/run installs it: apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright (the test extra) is not installed")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        yield b
        b.close()


@pytest.fixture
def page(browser):
    ctx = browser.new_context(viewport={"width": 1300, "height": 900})
    requests = []
    ctx.on("request", lambda r: requests.append(r.url))
    pg = ctx.new_page()
    yield pg
    assert all(u.startswith(("file://", "data:")) for u in requests), [u for u in requests if not u.startswith("file://")]
    ctx.close()


def test_in_the_browser_the_index_filter_hides_ok_documents(site, dataset, page):
    report, _ = site
    assert not [f for f in failed_in(dataset) if f[0] != "e1ff1b1ec7bead4cf7a0e14bfe3f99e5fae35c559a337b13cdb60f389bc1ee70"], \
        "baisha should pass every check (tests/test_pipeline_fixtures.py::test_every_identity_passes)"
    page.goto((report / "index.html").as_uri())
    rows = page.locator("#documents tbody tr")
    assert rows.count() == 2
    baisha = page.locator("#documents tbody tr", has_text=BAISHA)
    changsha = page.locator("#documents tbody tr", has_text=CHANGSHA)
    assert baisha.is_visible() and changsha.is_visible()
    page.check("#filter-attention")
    assert baisha.is_hidden() and changsha.is_visible()
    assert page.locator("#filter-count").inner_text() == "1 of 2 documents shown"
    page.uncheck("#filter-attention")
    page.select_option("#filter-status", "failed")
    assert baisha.is_hidden() and changsha.is_hidden()
    page.select_option("#filter-status", "")
    page.fill("#filter-text", "baisha")
    assert baisha.is_visible() and changsha.is_hidden()


def test_in_the_browser_the_index_sorts_by_pages(site, page):
    report, _ = site
    page.goto((report / "index.html").as_uri())
    header = page.locator("#documents thead th", has_text="Pages")
    pages = lambda: [int(x) for x in page.locator("#documents tbody tr td:nth-child(7)").all_inner_texts()]  # noqa: E731
    header.click()
    assert pages() == sorted(pages()) and len(set(pages())) == 2
    header.click()
    assert pages() == sorted(pages(), reverse=True)


def test_in_the_browser_the_failed_check_shows_both_figures_and_its_crop_loads(site, page):
    from PIL import Image

    report, _ = site
    page.goto((report / "docs" / "e1ff1b1ec7bead4c.html").as_uri())
    check = page.locator("tbody.failed-check", has_text=MISREAD_CHECK).filter(has_text=MISREAD_SUBJECT)
    assert check.count() == 1
    assert check.locator("td.expected").inner_text().startswith("7,095.92")
    assert check.locator("td.actual").inner_text().startswith("7,149.92")
    img = check.locator("img.crop").first
    img.scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=img.element_handle(), timeout=10_000)
    assert img.evaluate("img => img.naturalWidth") > 300
    shot = report.parent / "failed-check.png"
    check.screenshot(path=str(shot))
    im = Image.open(shot).convert("L")
    hist = im.histogram()
    assert sum(1 for h in hist if h) > 30, "screenshot is blank"
    assert min(im.getextrema()) < 100 and max(im.getextrema()) > 200  # dark text on a light page


def test_in_the_browser_a_line_item_links_to_its_cell(site, page):
    report, _ = site
    page.goto((report / "docs" / "e1ff1b1ec7bead4c.html").as_uri())
    assert page.locator("details.table#t2").get_attribute("open") is not None  # 部门支出总表: its check failed
    items = page.locator("#t2 details.items")
    items.locator("summary").click()
    rows = items.locator("tbody tr")
    rows.first.wait_for()  # report.js lists them on the <details> toggle event, a task after the click
    assert rows.count() == sum(1 for li in truth(CHANGSHA)["line_items"] if li["table_id"] == 2) > 10
    row = rows.filter(has_text="2150501").filter(has_text="基本支出")
    link = row.locator("a")
    assert link.inner_text() == "r5 c5"
    link.click()
    target = page.locator("#c2-5-5")
    assert target.inner_text() == "2,582.61" and target.is_visible()
    assert "printed" not in target.get_attribute("class") and "part" in target.get_attribute("class")


def test_in_the_browser_the_pages_are_not_blank(site, page):
    from PIL import Image

    report, _ = site
    for name in ("index.html", "batch.html"):
        page.goto((report / name).as_uri())
        path = report.parent / f"{name}.png"
        page.screenshot(path=str(path), full_page=False)
        im = Image.open(path).convert("L")
        assert sum(1 for h in im.histogram() if h) > 30, f"{name} screenshot is blank"
    assert page.locator("svg.pygal-chart").count() >= 2
