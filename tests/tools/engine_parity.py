"""Where the pdfium and pdfplumber engines disagree, record by record, per document page.

    .venv/bin/python tests/tools/engine_parity.py                 # print the differences
    .venv/bin/python tests/tools/engine_parity.py --write          # update tests/data/engine_parity.json
    .venv/bin/python tests/tools/engine_parity.py FILE.pdf ...     # only these files

Both engines run the whole pipeline (``process_file``) on the same file; the records of
``cells``, ``line_items``, ``performance_targets`` and ``checks`` are compared as
multisets (every field but ``doc_id``; cell boxes apart, with a 0.5 pt tolerance). What
one engine has and the other lacks is grouped by dataset and page. ``--write`` keeps the
verdicts already written for differences that are still there and adds new ones with
``verdict: null``, which ``tests/test_engine_parity.py`` refuses until someone has looked
at the page and judged them.
"""

from __future__ import annotations

import json
import logging
import sys
import warnings
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import fields
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared"
DATA = ROOT / "tests" / "data" / "engine_parity.json"
DATASETS = ("cells", "line_items", "performance_targets", "checks")
BOX = ("x0", "top", "x1", "bottom")
BOX_TOL = 0.5  # pt


def corpus() -> list[Path]:
    """The fixture documents and every PDF of both real corpora (those present)."""
    files = sorted((ROOT / "fixtures" / "docs").glob("*.pdf"))
    for sub in ("real", "real2"):
        files += sorted((SHARED / "corpus" / sub).glob("*.pdf"))
    return files


def doc_name(path: Path) -> str:
    try:
        return str(path.relative_to(SHARED / "corpus"))
    except ValueError:
        return str(path.relative_to(ROOT))


def _plain(v):
    if isinstance(v, Decimal):
        return str(v)
    if isinstance(v, tuple):
        return [_plain(x) for x in v]
    return v


def _record(rec) -> dict:
    return {f.name: _plain(getattr(rec, f.name)) for f in fields(rec) if f.name != "doc_id" and f.name not in BOX}


def _page(dataset: str, rec: dict):
    if dataset == "performance_targets":
        return rec["page_start"]
    if dataset == "checks":
        return rec["pages"][0] if rec["pages"] else None
    return rec["page"]


def _key(rec: dict) -> str:
    return json.dumps(rec, ensure_ascii=False, sort_keys=True)


def compare(a, b, doc: str) -> list[dict]:
    """Differences between two ``DocumentOutput``s (a: pdfplumber, b: pdfium) of one document."""
    out: list[dict] = []
    for ds in DATASETS:
        ra, rb = getattr(a, ds), getattr(b, ds)
        ca, cb = Counter(_key(_record(r)) for r in ra), Counter(_key(_record(r)) for r in rb)
        groups: dict = {}
        for side, diff in (("pdfplumber", ca - cb), ("pdfium", cb - ca)):
            for k, n in diff.items():
                rec = json.loads(k)
                g = groups.setdefault(_page(ds, rec), {"pdfplumber": [], "pdfium": []})
                g[side] += [rec] * n
        for page, g in sorted(groups.items(), key=lambda x: (x[0] is None, x[0] or 0)):
            out.append({"doc": doc, "dataset": ds, "page": page,
                        "pdfplumber": sorted(g["pdfplumber"], key=_key), "pdfium": sorted(g["pdfium"], key=_key)})
    out.extend(compare_boxes(a.cells, b.cells, doc))
    return out


def compare_boxes(ca, cb, doc: str) -> list[dict]:
    """Cell boxes of the cells both engines agree on, beyond ``BOX_TOL``: one entry for a
    whole document shifted by one offset (a MediaBox not at the origin), else per page."""
    pool: dict[str, list] = {}
    for c in ca:
        pool.setdefault(_key(_record(c)), []).append(c)
    deltas = []
    for c in cb:
        same = pool.get(_key(_record(c)))
        if same:
            o = same.pop(0)
            d = tuple(round(getattr(c, k) - getattr(o, k), 1) if getattr(c, k) is not None and getattr(o, k) is not None
                      else 0.0 for k in BOX)
            deltas.append((c, d))
    off = [(c, d) for c, d in deltas if max(abs(x) for x in d) > BOX_TOL]
    if not off:
        return []
    dx = sorted(d[0] for _, d in deltas)[len(deltas) // 2]
    dy = sorted(d[1] for _, d in deltas)[len(deltas) // 2]
    if all(abs(d[0] - dx) <= BOX_TOL and abs(d[2] - dx) <= BOX_TOL and abs(d[1] - dy) <= BOX_TOL
           and abs(d[3] - dy) <= BOX_TOL for _, d in deltas):
        return [{"doc": doc, "dataset": "cells.box", "page": None, "shift": [round(dx), round(dy)]}]
    by_page: dict[int, list] = {}
    for c, d in off:
        by_page.setdefault(c.page, []).append({**_record(c), "box_delta": list(d)})
    return [{"doc": doc, "dataset": "cells.box", "page": p, "cells": sorted(v, key=_key)} for p, v in sorted(by_page.items())]


def differences(path: Path) -> list[dict]:
    """Run both engines on one file and compare (``compare``)."""
    warnings.filterwarnings("ignore")
    logging.disable(logging.CRITICAL)
    from budgetpdf.pipeline import process_file

    a = process_file(path, engine="pdfplumber")
    b = process_file(path, engine="pdfium")
    return compare(a, b, doc_name(path))


def all_differences(files: list[Path], jobs: int = 2) -> list[dict]:
    """``differences`` of every file, ``jobs`` files at a time (one process each)."""
    if jobs <= 1:
        return [d for f in files for d in differences(f)]
    with ProcessPoolExecutor(jobs) as pool:
        return [d for ds in pool.map(differences, files) for d in ds]


def identity(entry: dict) -> str:
    """What makes a listed difference the same difference (everything but the verdict)."""
    return _key({k: v for k, v in entry.items() if k not in ("verdict", "why")})


def load() -> list[dict]:
    return json.loads(DATA.read_text("utf-8"))["differences"] if DATA.exists() else []


def write(found: list[dict], files: list[Path]) -> None:
    """Keep the verdicts of listed differences still found; add new ones unjudged."""
    docs = {doc_name(f) for f in files}
    old = load()
    judged = {identity(e): e for e in old}
    kept = [e for e in old if e["doc"] not in docs]  # differences of files not rerun stay
    for e in found:
        prev = judged.get(identity(e))
        kept.append({**e, "verdict": prev["verdict"] if prev else None, "why": prev["why"] if prev else None})
    kept.sort(key=lambda e: (e["doc"], e["dataset"], e["page"] is None, e["page"] or 0))
    doc = {"about": "Differences between the pdfium and the pdfplumber engine on the fixtures and both real "
                    "corpora, each judged by looking at the page image: verdict names the engine that is "
                    "right (or 'neither'), why says what the page shows. Kept by tests/test_engine_parity.py; "
                    "regenerate with tests/tools/engine_parity.py --write.",
           "differences": kept}
    DATA.write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", "utf-8")


def main(argv: list[str]) -> int:
    do_write = "--write" in argv
    files = [Path(a) for a in argv if a != "--write"] or corpus()
    found = all_differences(files)
    for e in found:
        print(json.dumps(e, ensure_ascii=False)[:400])
    print(f"{len(found)} difference group(s) over {len(files)} file(s)")
    if do_write:
        write(found, files)
        print(f"wrote {DATA}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main(sys.argv[1:]))
