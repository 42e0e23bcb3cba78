"""OCR accuracy and speed on scanned renders of the fixture documents.

    python bench/ocr.py                                  # every fixture, 200 and 150 dpi, rapidocr
    python bench/ocr.py --docs changsha-miit-2023-budget --dpi 200 --reader tesseract
    python bench/ocr.py --pages 6-9 --docs changsha-miit-2023-budget      # a page range only
    python bench/ocr.py --huaian                         # the garbled-font real document

Each fixture (``fixtures/docs/<key>.pdf``) is rendered to an image-only PDF with
``fixtures.generator.scan.write_scan`` (grey paper, skew, noise, JPEG; seed from the key
and dpi) in a temp folder; the whole pipeline (``process_file``) runs on it with one OCR
thread, and its records are scored against the fixture's own truth (restricted to whole
tables on the pages, ``subset_truth``):

- ``line_items`` and ``performance_targets``: precision, recall and F1 of exact records
  (the keys of ``tests/test_pipeline_fixtures.py``: amounts as Decimals, codes, labels,
  free text with whitespace removed);
- table recall: truth tables found with the same type and page span;
- per table (``per_table`` in the JSON): ``[matched, truth, output]`` record counts of
  line items and performance targets, to see which table loses records;
- identity checks: passed / (passed + failed);
- seconds per page: wall time of ``process_file`` over the pages and the process's CPU
  time (one process, OCR threads = 1, so CPU seconds are seconds on one core even on a
  busy machine; ``taskset -c 0`` holds the wall time to one core too).

Writes ``bench/ocr-results.json`` (or ``--out``) and prints a markdown table.

``--reader tesseract`` reads with Debian's tesseract 5 + ``chi_sim`` instead (``apt-get
install tesseract-ocr tesseract-ocr-chi-sim``; the reader below, psm 6, word boxes from
its TSV), the comparison that chose PP-OCR for budgetpdf.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zlib
from collections import Counter
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fixtures.generator.scan import DOCS, subset_truth, write_scan  # noqa: E402

HUAIAN = ROOT.parent / "shared" / "corpus" / "real" / "atlas__huaian_2026_budget_report_broken_font.pdf"
LI_FIELDS = ("table_id", "row_index", "section", "code", "code_scheme", "code_level", "item", "is_total",
             "column_label", "measure", "unit", "page")
TARGET_TEXT = ("unit_code", "unit_name", "project_name", "goal", "level1", "level2", "level3", "target_raw",
               "target_unit", "target_content", "scoring_rule")


from budgetpdf.extract.ocr import OcrUnavailable, TextRun, canonical_text, place_chars, split_box  # noqa: E402


class TesseractReader:  # for comparison only; budgetpdf ships rapidocr
    """Debian's tesseract with ``chi_sim`` (LSTM), word boxes from its TSV output."""

    name = "tesseract"

    def __init__(self, lang: str = "chi_sim", psm: int = 6, threads: int = 1, min_confidence: float = 0.3):
        exe = shutil.which("tesseract")
        if exe is None:
            raise OcrUnavailable("tesseract is not installed: apt-get install tesseract-ocr tesseract-ocr-chi-sim")
        langs = subprocess.run([exe, "--list-langs"], capture_output=True, text=True).stdout.split()
        if lang not in langs:
            raise OcrUnavailable(f"tesseract has no {lang} model: apt-get install tesseract-ocr-chi-sim")
        self.exe, self.lang, self.psm, self.threads = exe, lang, psm, threads
        self.min_confidence = min_confidence
        first = subprocess.run([exe, "--version"], capture_output=True, text=True).stdout.splitlines()
        self.version = first[0].split()[-1] if first else None

    def read(self, img, vrulings=()) -> list[TextRun]:
        import os

        import cv2

        ok, png = cv2.imencode(".png", img)
        if not ok:
            raise RuntimeError("cannot encode the page image for tesseract")
        env = dict(os.environ, OMP_THREAD_LIMIT=str(self.threads))
        res = subprocess.run([self.exe, "stdin", "stdout", "-l", self.lang, "--psm", str(self.psm), "tsv"],
                             input=png.tobytes(), capture_output=True, env=env, check=True)
        runs: list[TextRun] = []
        for line in res.stdout.decode("utf-8").splitlines()[1:]:
            f = line.split("\t")
            if len(f) < 12 or f[0] != "5":
                continue
            text = canonical_text(f[11].strip())
            conf = float(f[10]) / 100.0
            if not text or conf < self.min_confidence:
                continue
            x0, top, w, h = (float(v) for v in f[6:10])
            for a, _, b, _ in split_box((x0, top, x0 + w, top + h), vrulings, margin=2.0):
                # a word cut by a ruling: its characters by their share of the width
                share = [c for i, c in enumerate(text) if a <= x0 + (i + 0.5) * w / len(text) < b]
                if not share:
                    continue
                step = (b - a) / len(share)
                centres = [a + (i + 0.5) * step for i in range(len(share))]
                chars = place_chars("".join(share), centres, [conf] * len(share), a, b, h)
                runs.append(TextRun(a, top, b, top + h, chars))
        return runs



def cpu_now() -> float:
    """CPU seconds of this process and its finished children (tesseract runs as a child)."""
    import resource

    ch = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + ch.ru_utime + ch.ru_stime


def squash(s):
    return None if s is None else re.sub(r"\s+", "", s)


def dec(v):
    return None if v is None else Decimal(str(v)).normalize()


def li_key(li: dict) -> tuple:
    return tuple(li[f] for f in LI_FIELDS) + (dec(li["amount"]), dec(li["amount_yuan"]))


def target_key(t: dict) -> tuple:
    return (t["table_id"],) + tuple(squash(t[f]) for f in TARGET_TEXT) + (
        t["comparator"], dec(t["funds"]), dec(t["target_value"]), dec(t["target_low"]), dec(t["target_high"]),
        t["weight"], t["page_start"], t["page_end"])


def prf(want: Counter, got: Counter) -> dict:
    tp = sum((want & got).values())
    fp, fn = sum(got.values()) - tp, sum(want.values()) - tp
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    return {"tp": tp, "fp": fp, "fn": fn, "precision": round(p, 4), "recall": round(r, 4),
            "f1": round(2 * p * r / (p + r), 4) if p + r else 0.0}


def score(truth: dict, out) -> dict:
    li = prf(Counter(li_key(x) for x in truth["line_items"]), Counter(li_key(x.__dict__) for x in out.line_items))
    pt = prf(Counter(target_key(x) for x in truth["performance_targets"]),
             Counter(target_key(x.__dict__) for x in out.performance_targets))
    want_t = Counter((t["table_type"], t["page_start"], t["page_end"]) for t in truth["tables"])
    got_t = Counter((t.table_type, t.page_start, t.page_end) for t in out.tables)
    found = sum((want_t & got_t).values())
    passed = sum(1 for c in out.checks if c.status == "passed")
    failed = sum(1 for c in out.checks if c.status == "failed")
    per_table = {}
    for t in truth["tables"]:
        i = t["table_id"]
        want_li = Counter(li_key(x) for x in truth["line_items"] if x["table_id"] == i)
        got_li = Counter(li_key(x.__dict__) for x in out.line_items if x.table_id == i)
        want_pt = Counter(target_key(x) for x in truth["performance_targets"] if x["table_id"] == i)
        got_pt = Counter(target_key(x.__dict__) for x in out.performance_targets if x.table_id == i)
        per_table[f"{i} {t['table_type']} p{t['page_start']}-{t['page_end']}"] = {
            "line_items": [sum((want_li & got_li).values()), sum(want_li.values()), sum(got_li.values())],
            "performance_targets": [sum((want_pt & got_pt).values()), sum(want_pt.values()), sum(got_pt.values())]}
    return {"line_items": li, "performance_targets": pt, "per_table": per_table,
            "table_recall": round(found / max(1, sum(want_t.values())), 4), "tables_found": found,
            "tables_truth": sum(want_t.values()), "checks_passed": passed, "checks_failed": failed,
            "checks_pass_share": round(passed / (passed + failed), 4) if passed + failed else None,
            "failed_checks": [f"{c.check_id} {c.subject}: printed {c.expected}, computed {c.actual}"
                              for c in out.checks if c.status == "failed"][:20],
            "status": out.document.status, "error": out.document.error}


def run_scan(key: str, dpi: int, reader: str, first: int | None, last: int | None, tmp: Path) -> dict:
    from budgetpdf.extract.settings import DEFAULT_SETTINGS
    from budgetpdf.pipeline import process_file

    truth_all = json.loads((DOCS / f"{key}.truth.json").read_text("utf-8"))
    n = truth_all["documents"][0]["page_count"]
    first, last = first or 1, min(last or n, n)
    seed = zlib.crc32(f"{key}:{dpi}".encode())
    pdf = tmp / f"{key}-{dpi}dpi-p{first}-{last}.pdf"
    write_scan(DOCS / f"{key}.pdf", pdf, list(range(first, last + 1)), dpi, seed)
    truth = subset_truth(truth_all, first, last)
    settings = replace(DEFAULT_SETTINGS, ocr_threads=1)
    t0, c0 = time.perf_counter(), cpu_now()
    out = _process(pdf, settings, reader)
    secs, cpu = time.perf_counter() - t0, cpu_now() - c0
    n = last - first + 1
    res = {"doc": key, "dpi": dpi, "reader": reader, "pages": f"{first}-{last}", "n_pages": n,
           "seconds": round(secs, 1), "seconds_per_page": round(secs / n, 2), "cpu_seconds": round(cpu, 1),
           "cpu_seconds_per_page": round(cpu / n, 2)}
    res.update(score(truth, out))
    return res


def _process(pdf: Path, settings, reader: str = "rapidocr"):
    """``process_file`` with these extract settings, reading with ``reader``."""
    from budgetpdf.extract import ocr as ocrmod
    from budgetpdf.pipeline import RunConfig, process_file

    orig_get = ocrmod.get_reader
    if reader == "tesseract":
        tess = TesseractReader(threads=settings.ocr_threads)
        ocrmod.get_reader = lambda name, threads=1: tess
    try:
        return process_file(pdf, config=RunConfig(settings=settings))
    finally:
        ocrmod.get_reader = orig_get


def run_huaian(reader: str) -> dict:
    from budgetpdf.extract.settings import DEFAULT_SETTINGS

    settings = replace(DEFAULT_SETTINGS, ocr_threads=1)
    t0, c0 = time.perf_counter(), cpu_now()
    out = _process(HUAIAN, settings, reader)
    secs, cpu = time.perf_counter() - t0, cpu_now() - c0
    d = out.document
    return {"doc": HUAIAN.name, "reader": reader, "seconds": round(secs, 1), "cpu_seconds": round(cpu, 1),
            "status": d.status, "error": d.error,
            "department": d.department, "fiscal_year": d.fiscal_year, "doc_kind": d.doc_kind,
            "n_tables": d.n_tables, "checks": Counter(c.status for c in out.checks),
            "prose_checks": [f"{c.check_id}: {c.status} printed {c.expected} computed {c.actual}"
                             for c in out.checks if c.table_type == "prose"]}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", nargs="*", default=None, help="fixture keys (default: all)")
    ap.add_argument("--dpi", nargs="*", type=int, default=[200, 150])
    ap.add_argument("--reader", default="rapidocr", choices=["rapidocr", "tesseract"])
    ap.add_argument("--pages", default=None, help="first-last page range of each document")
    ap.add_argument("--huaian", action="store_true", help="only the Huai'an garbled-font document")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "ocr-results.json")
    args = ap.parse_args(argv)
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    meta = {"python": platform.python_version(), "machine": platform.machine(), "cpus": os.cpu_count(),
            "date": time.strftime("%Y-%m-%d %H:%M")}
    if args.huaian:
        if not HUAIAN.exists():
            print(f"{HUAIAN} not present (run beside the shared folder)")
            return 1
        res = run_huaian(args.reader)
        print(json.dumps(res, ensure_ascii=False, indent=1, default=str))
        args.out.write_text(json.dumps({"meta": meta, "huaian": res}, ensure_ascii=False, indent=1, default=str) + "\n")
        return 0
    keys = args.docs or sorted(p.name.removesuffix(".truth.json") for p in DOCS.glob("*.truth.json"))
    first = last = None
    if args.pages:
        a, _, b = args.pages.partition("-")
        first, last = int(a), int(b or a)
    results = []
    print("| doc | dpi | reader | pages | s/page (wall) | CPU s/page | line_items F1 | targets F1 | table recall | "
          "checks passed |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory(prefix="budgetpdf-ocr-bench-") as tmp:
        for dpi in args.dpi:
            for key in keys:
                r = run_scan(key, dpi, args.reader, first, last, Path(tmp))
                results.append(r)
                print(f"| {key} | {dpi} | {r['reader']} | {r['pages']} | {r['seconds_per_page']} | "
                      f"{r['cpu_seconds_per_page']} | "
                      f"{r['line_items']['f1']} | {r['performance_targets']['f1']} | {r['table_recall']} | "
                      f"{r['checks_passed']}/{r['checks_passed'] + r['checks_failed']} |", flush=True)
                args.out.write_text(json.dumps({"meta": meta, "results": results}, ensure_ascii=False, indent=1,
                                               default=str) + "\n")
    tot = lambda k, f: sum(r[k][f] for r in results)  # noqa: E731
    for k in ("line_items", "performance_targets"):
        tp, fp, fn = tot(k, "tp"), tot(k, "fp"), tot(k, "fn")
        p, rc = tp / max(1, tp + fp), tp / max(1, tp + fn)
        print(f"{k}: micro F1 {2 * p * rc / max(1e-9, p + rc):.4f} (tp {tp}, fp {fp}, fn {fn})")
    found, want = sum(r["tables_found"] for r in results), sum(r["tables_truth"] for r in results)
    passed, failed = sum(r["checks_passed"] for r in results), sum(r["checks_failed"] for r in results)
    pages, secs = sum(r["n_pages"] for r in results), sum(r["seconds"] for r in results)
    cpu = sum(r["cpu_seconds"] for r in results)
    print(f"table recall {found}/{want}; checks passed {passed}/{passed + failed}; {secs / max(1, pages):.2f} s/page "
          f"wall, {cpu / max(1, pages):.2f} CPU s/page")
    return 0


if __name__ == "__main__":
    sys.exit(main())
