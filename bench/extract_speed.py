"""Pages/second of ``extract_document`` beside raw pdfplumber ``page.extract_tables()``.

Usage: python bench/extract_speed.py [PDF_OR_DIR ...]
(default: fixtures/docs/*.pdf and ../shared/corpus/real/*.pdf). Each document is
opened fresh for both runs; the raw baseline does no text repair, no spans, no
captions and no garbled-page detection, so it is a floor, not a competitor.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pdfplumber

from budgetpdf.extract import extract_document

ROOT = Path(__file__).resolve().parents[1]


def raw_pdfplumber(path: Path) -> tuple[int, int, float]:
    t = time.perf_counter()
    n_tables = 0
    with pdfplumber.open(path) as pdf:
        n = len(pdf.pages)
        for page in pdf.pages:
            n_tables += len(page.extract_tables())
            page.close()
    return n, n_tables, time.perf_counter() - t


def ours(path: Path, engine: str = "pdfplumber") -> tuple[int, int, float]:
    t = time.perf_counter()
    doc = extract_document(path, engine=engine)
    return doc.page_count, len(doc.tables), time.perf_counter() - t


def bench(label: str, files: list[Path], engines: tuple[str, ...] = ("pdfplumber",)) -> None:
    if not files:
        print(f"{label}: no PDFs")
        return
    tot = {"raw": [0, 0, 0.0], **{e: [0, 0, 0.0] for e in engines}}
    for f in files:
        row = [f.name[:48].ljust(48)]
        for name, fn in [("raw", raw_pdfplumber)] + [(e, lambda p, e=e: ours(p, e)) for e in engines]:
            n, k, dt = fn(f)
            tot[name][0] += n
            tot[name][1] += k
            tot[name][2] += dt
            row.append(f"{name}: {n / dt:6.1f} p/s {k:4d} tables")
        print("  ".join(row))
    print(f"== {label}: " + "  ".join(f"{k}: {v[0]} pages {v[2]:.1f}s = {v[0] / v[2]:.1f} p/s, {v[1]} tables" for k, v in tot.items()))


def main(argv: list[str]) -> None:
    engines = ("pdfplumber",)
    if "--camelot" in argv:
        argv = [a for a in argv if a != "--camelot"]
        engines = ("pdfplumber", "camelot")
    if argv:
        files = []
        for a in argv:
            p = Path(a)
            files.extend(sorted(p.glob("*.pdf")) if p.is_dir() else [p])
        bench("given", files, engines)
        return
    bench("fixtures", sorted((ROOT / "fixtures" / "docs").glob("*.pdf")), engines)
    bench("real corpus", sorted((ROOT.parent / "shared" / "corpus" / "real").glob("*.pdf")), engines)


if __name__ == "__main__":
    main(sys.argv[1:])
