"""`budgetpdf inspect`: the debug dumps of both stages for a PDF."""

import json
from pathlib import Path

from click.testing import CliRunner

from budgetpdf.cli import main

PDF = Path(__file__).resolve().parents[1] / "fixtures" / "docs" / "baisha-civil-affairs-2021-budget.pdf"


def test_normalize_stage_dump_shows_logical_tables_with_evidence():
    res = CliRunner().invoke(main, ["inspect", str(PDF), "--stage", "normalize", "--json"])
    assert res.exit_code == 0, res.output
    dump = json.loads(res.output)
    tables = dump["logical_tables"]
    assert len(tables) == 10 and dump["facts"]["fiscal_year"] == 2021
    multi = [t for t in tables if len(t["pages"]) > 1]
    assert multi and all(any("->" in e for e in t["evidence"]) for t in multi)  # every join says why


def test_extract_stage_summary_and_bad_input():
    ok = CliRunner().invoke(main, ["inspect", str(PDF), "--pages", "5"])
    assert ok.exit_code == 0 and "page 5" in ok.output
    bad = CliRunner().invoke(main, ["inspect", str(PDF.parent.parent / "bad" / "empty.pdf")])
    assert bad.exit_code != 0 and "empty" in bad.output
