"""Prose pages in CPU time: the full pipeline against pypdfium2's bare text extraction.

    .venv/bin/python bench/prose.py               # best of 5 rounds, the bench's 40 prose pages
    .venv/bin/python bench/prose.py --stages      # also where a prose page's time goes
    BUDGETPDF_GLYPH_LOOP=ctypes .venv/bin/python bench/prose.py   # without the compiled glyph loop

The same seeded prose sample as ``run.py`` (``prose_corpus``), timed in one process with
``time.process_time`` (CPU time: the machine is shared, so wall-clock runs are noise).
Each round times the bare text pass and then the full pipeline (``process_file``) over
all the sample's documents; the figure per tool is its best round, in ms per page. A
warm-up round before the first is not counted (imports, pdfium's font caches).

``--stages`` times, per page, pdfium's parse (page + text page), the object walk and the
glyph loop (one pass), the engine's whole ``primitives`` (parse + walk + glyphs + rulings,
another pass), the shared chain (``layout.analyse_page``) and normalize on the same pages,
each best of the rounds.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import prose_corpus, tool_bare_text  # noqa: E402


def full(docs: list[dict]) -> None:
    from budgetpdf.pipeline import process_file

    for d in docs:
        process_file(Path(d["path"]))


def bare(docs: list[dict]) -> None:
    for d in docs:
        tool_bare_text(Path(d["path"]), d["pages"])


def stages(docs: list[dict]) -> dict[str, float]:
    """CPU seconds of each stage over all pages of ``docs``."""
    from budgetpdf.extract import extract_document
    from budgetpdf.extract.engines.pdfium import PdfiumDocument
    from budgetpdf.extract.layout import analyse_page
    from budgetpdf.extract.pdfium_raw import ObjectReader, RawDocument, TextReader
    from budgetpdf.extract.settings import ExtractSettings
    from budgetpdf.normalize import normalize_document

    settings = ExtractSettings()
    t = dict.fromkeys(("parse", "object walk", "glyph loop", "primitives (all)", "shared chain", "normalize"), 0.0)
    clock = time.process_time
    for d in docs:
        data = Path(d["path"]).read_bytes()
        with RawDocument(data) as raw:
            objects, text = ObjectReader(), TextReader()
            for p in d["pages"]:
                a = clock()
                page = raw.page(p - 1)
                b = clock()
                texts = objects.page_objects(page)[2]
                c = clock()
                text.page_chars(page, texts=texts)
                e = clock()
                page.close()
                t["parse"] += b - a
                t["object walk"] += c - b
                t["glyph loop"] += e - c
        with PdfiumDocument(data, settings) as doc:
            for p in d["pages"]:
                a = clock()
                prims = doc.primitives(p)
                b = clock()
                analyse_page(prims, settings, "pdfium")
                c = clock()
                t["primitives (all)"] += b - a
                t["shared chain"] += c - b
        ex = extract_document(Path(d["path"]))
        a = clock()
        normalize_document(ex)
        t["normalize"] += clock() - a
    return t


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--stages", action="store_true")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        docs, _ = prose_corpus(Path(tmp))
        n = sum(len(d["pages"]) for d in docs)
        full(docs), bare(docs)  # warm-up
        best = {"bare": float("inf"), "full": float("inf")}
        for _ in range(args.rounds):
            for name, fn in (("bare", bare), ("full", full)):
                a = time.process_time()
                fn(docs)
                best[name] = min(best[name], time.process_time() - a)
        from budgetpdf.extract import pdfium_raw

        loop = "compiled (_glyphrun.c)" if pdfium_raw._GLYPH_RUNS is not None else "ctypes"
        print(f"{n} prose pages, CPU time, best of {args.rounds} rounds; glyph loop: {loop}")
        print(f"pypdfium2 bare text   {1000 * best['bare'] / n:6.1f} ms/page")
        print(f"full pipeline         {1000 * best['full'] / n:6.1f} ms/page")
        print(f"full ÷ bare text      {best['full'] / best['bare']:6.2f}  (target <= 3)")
        if args.stages:
            rounds = [stages(docs) for _ in range(args.rounds)]
            for k in rounds[0]:
                print(f"  {k:18s} {1000 * min(r[k] for r in rounds) / n:6.2f} ms/page")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
