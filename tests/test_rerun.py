"""The run fingerprint: a change of engine, settings or rule files redoes a document, and says why.
Errors are per table: one table that cannot be emitted leaves the others intact."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from budgetpdf.batch import run_batch
from budgetpdf.normalize.rules import load_rule_set
from budgetpdf.pipeline import RunConfig, fingerprint_changes, process_file

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "fixtures" / "docs" / "baisha-civil-affairs-2021-budget.pdf"


@pytest.fixture
def two_pages(tmp_path) -> Path:
    """The fixture's 部门收支总表 pages only (camelot is slow on a whole document)."""
    import pypdfium2 as pdfium

    src = pdfium.PdfDocument(FIXTURE)
    dst = pdfium.PdfDocument.new()
    dst.import_pages(src, [10, 11])
    out = tmp_path / "in" / "two-pages.pdf"
    out.parent.mkdir()
    dst.save(out)
    return out


def test_changing_the_engine_redoes_the_document(tmp_path, two_pages):
    out = tmp_path / "out"
    first = run_batch([two_pages], out, jobs=1, engine="pdfplumber")
    assert first.statuses["ok"] == 1 and not first.redone
    again = run_batch([two_pages], out, jobs=1, engine="pdfplumber")
    assert again.skipped == 1
    other = run_batch([two_pages], out, jobs=1, engine="camelot")
    assert other.skipped == 0 and other.redone == {"engine changed": 1}
    from budgetpdf.dataset import Dataset

    (row,) = Dataset(out).documents()
    assert "engine camelot" in row["pipeline_version"]


def test_changing_a_rule_file_redoes_the_document(tmp_path, two_pages):
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "normalize" / "templates", rules)
    out = tmp_path / "out"
    run_batch([two_pages], out, jobs=1, config=RunConfig(rules=load_rule_set(rules)))
    with open(rules / "registry.toml", "a", encoding="utf-8") as f:
        f.write("\n# a contributor's comment is a change too\n")
    again = run_batch([two_pages], out, jobs=1, config=RunConfig(rules=load_rule_set(rules)))
    assert again.skipped == 0 and again.redone == {"rules changed": 1}


def test_fingerprint_changes_name_the_part():
    a = "budgetpdf 0.2.0; engine pdfplumber; settings 1; rules 2"
    assert fingerprint_changes(a, a) == []
    assert fingerprint_changes(a, a.replace("rules 2", "rules 3")) == ["rules"]
    assert fingerprint_changes(a, a.replace("settings 1", "settings 9").replace("pdfplumber", "pdfium")) == \
        ["engine", "settings"]
    assert fingerprint_changes("0.1.0", a) == ["version"]  # an older run's bare version


def test_a_table_whose_emission_raises_is_partial_and_the_others_come_out(monkeypatch):
    from budgetpdf.normalize import emit

    real = emit.performance_targets

    def broken(doc_id, lt, *args, **kwargs):
        if lt.table_type == "project_performance_targets":
            raise RuntimeError("simulated bug")
        return real(doc_id, lt, *args, **kwargs)

    good = process_file(FIXTURE)
    monkeypatch.setattr(emit, "performance_targets", broken)
    out = process_file(FIXTURE)
    doc = out.document
    assert doc.status == "partial"
    broken_ids = [t.table_id for t in good.tables if t.table_type == "project_performance_targets"]
    assert f"table {broken_ids[0]} (" in doc.error and "simulated bug" in doc.error
    assert len(out.tables) == len(good.tables)  # the broken table keeps its tables row
    assert {li.table_id for li in out.line_items} == {li.table_id for li in good.line_items} - set(broken_ids)
    kept = [li for li in good.line_items if li.table_id not in broken_ids]
    assert sorted(map(repr, out.line_items)) == sorted(map(repr, kept))
    assert not any(t.table_id in broken_ids for t in out.performance_targets)
