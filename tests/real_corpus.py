"""Scoring the pipeline against tests/data/real_corpus_expected.json (written by reading the PDFs).

Used by tests/test_real_corpus.py and, as a report, by
``python tests/real_corpus.py [NAME_SUBSTRING]`` (prints the per-document table).
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT.parent / "shared" / "corpus" / "real"
EXPECTED = json.loads((ROOT / "tests" / "data" / "real_corpus_expected.json").read_text("utf-8"))


def squash(s: str | None) -> str:
    return re.sub(r"\s+", "", s or "")


@dataclass
class Score:
    name: str
    status: str = ""
    error: str | None = None
    facts_ok: bool = False
    facts: tuple = ()
    tables_expected: int = 0
    tables_found: int = 0  # same title (or type) and page span
    tables_typed: int = 0  # ... and the same table_type
    totals_expected: int = 0
    totals_found: int = 0
    checks_run: int = 0
    checks_passed: int = 0
    problems: list[str] = field(default_factory=list)


def _title_key(title: str | None) -> str:
    t = squash(title)
    t = re.sub(r"^(表[\d\-—－]+|公开\d+表|附表\d+)", "", t)  # 表1 / 公开08表 labels before the name
    return t


def score(name: str, out) -> Score:
    exp = EXPECTED[name]
    doc = out.document
    s = Score(name, doc.status, doc.error)
    s.facts = (doc.department, doc.fiscal_year, doc.doc_kind)
    want = (exp["department"] if exp.get("department_printed", True) else None, exp["fiscal_year"], exp["doc_kind"])
    if not exp.get("facts_readable", True):
        want = (None, None, "unknown")
    s.facts_ok = s.facts == want
    if not s.facts_ok:
        s.problems.append(f"facts {s.facts} != {want}")
    got = list(out.tables)
    used: set[int] = set()
    for et in exp["tables"]:
        s.tables_expected += 1
        span = (et["page_start"], et["page_end"])
        match = next((t for t in got if t.table_id not in used and (t.page_start, t.page_end) == span
                      and _title_key(t.title) == _title_key(et["title"])), None)
        if match is None:
            match = next((t for t in got if t.table_id not in used and (t.page_start, t.page_end) == span
                          and t.table_type == et["table_type"]), None)
        if match is None:
            near = [(t.title, t.page_start, t.page_end, t.table_type) for t in got
                    if t.page_start <= span[1] and t.page_end >= span[0]]
            s.problems.append(f"table {et['title']} p{span[0]}-{span[1]} ({et['table_type']}) not found; near: {near}")
            continue
        used.add(match.table_id)
        s.tables_found += 1
        if match.table_type == et["table_type"]:
            s.tables_typed += 1
        else:
            s.problems.append(f"table {et['title']}: type {match.table_type} != {et['table_type']}")
        items = [li for li in out.line_items if li.table_id == match.table_id]
        for total in et.get("totals", []):
            s.totals_expected += 1
            want = Decimal(str(total["amount"]).replace(",", ""))
            label = squash(total.get("label"))
            # a total row (is_total), or a subtotal row named as the reader recorded it (本年支出小计)
            if any(li.amount == want and (li.is_total or not label or squash(li.item) == label) for li in items):
                s.totals_found += 1
            else:
                s.problems.append(f"total {total.get('label')}/{total.get('column')} = {want} of {et['title']} not in line_items")
    s.checks_run = sum(1 for c in out.checks if c.status in ("passed", "failed"))
    s.checks_passed = sum(1 for c in out.checks if c.status == "passed")
    return s


def run(name: str):
    from budgetpdf.pipeline import process_file

    return process_file(REAL / name)


def report(filter_: str = "") -> list[Score]:
    scores = []
    print("| document | status | facts | tables found/expected (typed) | totals found/expected | checks passed/run |")
    print("|---|---|---|---|---|---|")
    for name in EXPECTED:
        if filter_ not in name:
            continue
        s = score(name, run(name))
        scores.append(s)
        print(f"| {name} | {s.status} | {'ok' if s.facts_ok else s.facts} | {s.tables_found}/{s.tables_expected} "
              f"({s.tables_typed}) | {s.totals_found}/{s.totals_expected} | {s.checks_passed}/{s.checks_run} |")
    return scores


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    for s in report(sys.argv[1] if len(sys.argv) > 1 else ""):
        if s.problems and len(sys.argv) > 1:
            print(f"\n{s.name}: {s.error or ''}")
            for p in s.problems[:40]:
                print("  -", p)
