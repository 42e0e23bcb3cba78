"""Scoring the pipeline against expectations written by reading the real PDFs.

``tests/data/real_corpus_expected.json`` covers ``../shared/corpus/real``; one file per
document in ``tests/data/real2/<name>.json`` covers ``../shared/corpus/real2`` (same format,
plus ``document_errors``: inconsistencies printed in the document itself).

Used by tests/test_real_corpus.py and, as a report, by
``python tests/real_corpus.py [NAME_SUBSTRING] [--out DATASET_DIR]`` (prints the
per-document table; with ``--out``, scores a dataset already written by ``budgetpdf
extract`` instead of running the pipeline).
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"
REAL = CORPUS / "real"
REAL2 = CORPUS / "real2"
EXPECTED: dict[str, dict] = json.loads((ROOT / "tests" / "data" / "real_corpus_expected.json").read_text("utf-8"))
FOLDER: dict[str, Path] = {name: REAL for name in EXPECTED}
for _f in sorted((ROOT / "tests" / "data" / "real2").glob("*.json")):
    if not _f.name.endswith(".performance.json"):
        EXPECTED[_f.stem + ".pdf"] = json.loads(_f.read_text("utf-8"))
        FOLDER[_f.stem + ".pdf"] = REAL2
REAL2_NAMES = sorted(n for n, f in FOLDER.items() if f == REAL2)


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
    # 表1 / 表一 / 表1-2: / 公开08表 / 公开表1 / 附表十二 / 预算01表 labels before the name
    t = re.sub(r"^((附表|公开表|表)[\d一二三四五六七八九十百零〇○]+([\-—－][\d一二三四五六七八九十]+)?[:：]?|(公开|预算)?\d+表[:：]?)", "", t)
    return t


def score(name: str, out, exclude_types: frozenset[str] = frozenset()) -> Score:
    """How ``out`` (a DocumentOutput or a written document) matches the expectations of
    ``name``; tables of ``exclude_types`` are left out of the expectations."""
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
        if et["table_type"] in exclude_types:
            continue
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
    """The pipeline on one real document. A document whose text layer is unusable
    (``usable: false``) is run without OCR: its expectations describe the text layer,
    and OCR of a whole document is too slow for the suite (tests/test_ocr.py reads a
    page of it, bench/ocr.py --huaian all of it)."""
    from budgetpdf.extract.settings import ExtractSettings
    from budgetpdf.pipeline import RunConfig, process_file

    if not EXPECTED[name].get("usable", True):
        return process_file(FOLDER[name] / name, config=RunConfig(settings=ExtractSettings(ocr="off")))
    return process_file(FOLDER[name] / name)


class _Rec:
    def __init__(self, d: dict):
        self.__dict__.update(d)


class _Out:
    """A document's records read back from a written dataset (the attributes ``score`` uses)."""

    def __init__(self, document: dict, records: dict[str, list[dict]]):
        self.document = _Rec(document)
        for name, rows in records.items():
            setattr(self, name, [_Rec(r) for r in rows])


def from_dataset(out_dir: Path) -> dict[str, _Out]:
    """Documents of a written dataset by file name, with their records."""
    import pyarrow.dataset as pds

    def read(name: str) -> list[dict]:
        files = sorted(str(f) for f in (out_dir / name).glob("*.parquet"))
        return pds.dataset(files, format="parquet").to_table().to_pylist() if files else []

    docs = read("documents")
    records = {n: read(n) for n in ("tables", "line_items", "performance_targets", "checks")}
    out = {}
    for d in docs:
        mine = {n: [r for r in rows if r["doc_id"] == d["doc_id"]] for n, rows in records.items()}
        out[Path(d["source_path"]).name] = _Out(d, mine)
    return out


def report(filter_: str = "", dataset: Path | None = None) -> list[Score]:
    scores = []
    written = from_dataset(dataset) if dataset else {}
    print("| document | status | facts | tables found/expected (typed) | totals found/expected | checks passed/run |")
    print("|---|---|---|---|---|---|")
    for name in EXPECTED:
        if filter_ not in name or (dataset and name not in written):
            continue
        s = score(name, written[name] if dataset else run(name))
        scores.append(s)
        print(f"| {name} | {s.status} | {'ok' if s.facts_ok else s.facts} | {s.tables_found}/{s.tables_expected} "
              f"({s.tables_typed}) | {s.totals_found}/{s.totals_expected} | {s.checks_passed}/{s.checks_run} |")
    return scores


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    args = [a for a in sys.argv[1:] if not a.startswith("--out")]
    out_dir = next((Path(a.split("=", 1)[1]) for a in sys.argv[1:] if a.startswith("--out=")), None)
    for s in report(args[0] if args else "", out_dir):
        if s.problems and args:
            print(f"\n{s.name}: {s.error or ''}")
            for p in s.problems[:60]:
                print("  -", p)
