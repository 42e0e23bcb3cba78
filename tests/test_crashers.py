"""Documents that once crashed the batch in the writer (issue 11 class 1): every one ends as
its own documents row, the batch goes on, and the API returns the row instead of raising.

Inputs: a table printing an amount of 21 digits (footnote numbers read as one figure, as in
an English statistical report), the six-decimal 万元 variant, and the negative fixtures.
"""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import pyarrow.dataset as pds
import pytest

import budgetpdf
from budgetpdf.batch import run_batch

ROOT = Path(__file__).resolve().parents[1]
BAD = ROOT / "fixtures" / "bad"
FONT = Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")
HUGE = "412413414417421423428.00"

pytestmark = pytest.mark.skipif(not FONT.exists(), reason="fonts-wqy-zenhei not installed")


def draw_huge_amount_table(path: Path) -> Path:
    """A ruled two-column table: 指标 | 金额 (元), rows 1,234.50 / 412413414417421423428.00 / 合计."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    if "WQY" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("WQY", str(FONT), subfontIndex=0))
    c = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    W, H = A4
    c.setFont("WQY", 14)
    c.drawCentredString(W / 2, H - 60, "2024年统计附表")
    c.setFont("WQY", 9)
    c.drawString(60, H - 80, "单位：元")
    rows = [("指标", "金额"), ("常规支出", "1,234.50"), ("注释编号", HUGE), ("其他支出", "2,000.00"), ("合计", "3,234.50")]
    xs, top, h = [60, 260, 460], H - 90, 18
    for i, (a, b) in enumerate(rows):
        y = top - i * h
        c.line(xs[0], y, xs[-1], y)
        c.drawString(xs[0] + 4, y - 13, a)
        c.drawRightString(xs[2] - 4, y - 13, b)
    c.line(xs[0], top - len(rows) * h, xs[-1], top - len(rows) * h)
    for x in xs:
        c.line(x, top, x, top - len(rows) * h)
    c.showPage()
    c.save()
    return path


def test_a_figure_beyond_the_contract_stays_text_and_is_named(tmp_path):
    pdf = draw_huge_amount_table(tmp_path / "huge.pdf")
    data = budgetpdf.extract_pdf(pdf, as_="arrow")  # never raises
    doc = data["documents"].to_pylist()[0]
    assert doc["status"] == "partial"
    assert "beyond the contract's precision" in doc["error"] and HUGE in doc["error"]
    assert HUGE in data["cells"].column("text").to_pylist()  # kept as text
    amounts = data["line_items"].column("amount").to_pylist()
    assert Decimal("1234.50") in amounts and all(a < Decimal("1e9") for a in amounts)


def test_a_batch_over_crashers_and_bad_inputs_completes_with_one_row_per_file(tmp_path):
    from fixtures.generator.variants import VARIANTS, render_variant

    inputs = tmp_path / "in"
    shutil.copytree(BAD, inputs)
    (inputs / "expected.json").unlink()
    draw_huge_amount_table(inputs / "huge.pdf")
    six = next(v for v in VARIANTS if v.decimals == 6)
    render_variant(six, inputs / "six-decimals.pdf")
    (inputs / "garbage.pdf").write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 40)
    files = sorted(p.name for p in inputs.glob("*.pdf"))
    summary = run_batch([inputs], tmp_path / "out", jobs=2)
    rows = pds.dataset(str(tmp_path / "out" / "documents"), format="parquet").to_table().to_pylist()
    by_name = {Path(r["source_path"]).name: r for r in rows}
    assert sorted(by_name) == files  # one row per file
    assert by_name["huge.pdf"]["status"] == "partial"
    assert by_name["six-decimals.pdf"]["status"] == "ok"
    assert by_name["garbage.pdf"]["status"] == "failed" and by_name["garbage.pdf"]["error"]
    assert sum(summary.statuses.values()) == len(files)
    six_items = pds.dataset(str(tmp_path / "out" / "line_items"), format="parquet").to_table().to_pylist()
    assert any(-li["amount"].as_tuple().exponent == 6 and li["amount"] % 1 for li in six_items)
