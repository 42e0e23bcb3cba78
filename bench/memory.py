"""Resident memory of one worker over a long document and over a long batch (make bench-memory).

    python bench/memory.py long  [--engine pdfium] [--pages 1500]   # one document of 1500 pages
    python bench/memory.py batch [--engine pdfium] [--docs 1000]    # 1000 documents, one process

``long`` repeats the pages of a fixture into one PDF and reads it page by page with the
engine, sampling the process's resident memory (psutil) every 100 pages: once dropping
each page's result (the engine alone: open pages, text pages, caches), once keeping them
as ``extract_document`` does; then runs the whole pipeline on it. ``batch`` writes ``--docs`` distinct
3-page PDFs (seeded page triples from the fixtures and both real corpora, when present)
and runs ``process_file`` on each in this one process, as a batch worker does, sampling
after every 100 documents. Both print the samples and the growth between the first sample
after warm-up and the last; flat means the growth stays small against the first sample
and does not keep rising with the pages or documents.
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import random
import sys
import tempfile
import time
import warnings
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SEED = 20240601


def rss_mb() -> float:
    return psutil.Process().memory_info().rss / 2**20


def long_document(engine: str, pages: int, tmp: Path) -> dict:
    import pikepdf

    from budgetpdf.extract.engines import get_engine
    from budgetpdf.extract.settings import DEFAULT_SETTINGS
    from budgetpdf.pipeline import process_file

    src = ROOT / "fixtures" / "docs" / "baisha-civil-affairs-2021-budget.pdf"
    big = tmp / "long.pdf"
    with pikepdf.open(src) as s, pikepdf.new() as out:
        while len(out.pages) < pages:
            for page in s.pages[: pages - len(out.pages)]:
                out.pages.append(page)
        out.save(big)
    data = big.read_bytes()
    rep = {"mode": "long", "engine": engine, "pages": pages}
    for keep in (False, True):  # the engine alone, then with every page's result kept as extract_document does
        gc.collect()
        samples = [(0, rss_mb())]
        t0 = time.perf_counter()
        opened = get_engine(engine).open(data, DEFAULT_SETTINGS)
        results = []
        try:
            for p in range(1, opened.page_count + 1):
                r = opened.extract_page(p)
                if keep:
                    results.append(r)
                if p % 100 == 0:
                    samples.append((p, rss_mb()))
        finally:
            opened.close()
        key = "results_kept" if keep else "results_dropped"
        rep[key] = {"seconds": time.perf_counter() - t0, "samples_mb": samples}
        del results
    gc.collect()
    rep["after_close_mb"] = rss_mb()
    out = process_file(big, engine=engine)
    rep["full_pipeline_status"] = out.document.status
    rep["after_full_pipeline_mb"] = rss_mb()
    return rep


def distinct_documents(n: int, tmp: Path) -> list[Path]:
    """``n`` 3-page PDFs, each a seeded triple of pages of one source document."""
    import pypdfium2 as pdfium

    sources = sorted((ROOT / "fixtures" / "docs").glob("*.pdf"))
    for sub in ("real", "real2"):
        sources += sorted((SHARED / "corpus" / sub).glob("*.pdf"))
    rng = random.Random(SEED)
    counts = {}
    for s in sources:
        d = pdfium.PdfDocument(str(s))
        counts[s] = len(d)
        d.close()
    files = []
    for k in range(n):
        s = sources[k % len(sources)]
        pages = sorted(rng.sample(range(counts[s]), min(3, counts[s])))
        src, new = pdfium.PdfDocument(str(s)), pdfium.PdfDocument.new()
        new.import_pages(src, pages)
        dst = tmp / f"doc{k:04d}.pdf"
        new.save(str(dst))
        new.close()
        src.close()
        files.append(dst)
    return files


def batch(engine: str, n: int, tmp: Path) -> dict:
    from budgetpdf.pipeline import process_file

    files = distinct_documents(n, tmp)
    samples = [(0, rss_mb())]
    statuses: dict[str, int] = {}
    t0 = time.perf_counter()
    for k, f in enumerate(files, 1):
        out = process_file(f, engine=engine)
        statuses[out.document.status] = statuses.get(out.document.status, 0) + 1
        del out
        if k % 100 == 0:
            samples.append((k, rss_mb()))
    return {"mode": "batch", "engine": engine, "documents": n, "seconds": time.perf_counter() - t0,
            "statuses": statuses, "samples_mb": samples}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("mode", choices=("long", "batch"))
    ap.add_argument("--engine", default="pdfium")
    ap.add_argument("--pages", type=int, default=1500)
    ap.add_argument("--docs", type=int, default=1000)
    ap.add_argument("--out", type=Path, help="also write the report as JSON here")
    args = ap.parse_args(argv)
    warnings.filterwarnings("ignore")
    logging.disable(logging.CRITICAL)
    with tempfile.TemporaryDirectory(prefix="budgetpdf-memory-") as d:
        rep = long_document(args.engine, args.pages, Path(d)) if args.mode == "long" else batch(args.engine, args.docs, Path(d))
    for part in (rep, rep.get("results_dropped"), rep.get("results_kept")):
        if part and "samples_mb" in part:
            s = part["samples_mb"]
            first, last = s[1][1] if len(s) > 1 else s[0][1], s[-1][1]
            part["growth_mb_first_to_last_sample"] = round(last - first, 1)
            part["max_sample_mb"] = round(max(v for _, v in s), 1)
    print(json.dumps(rep))
    if args.out:
        args.out.write_text(json.dumps(rep, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
