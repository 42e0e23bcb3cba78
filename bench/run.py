"""Speed and accuracy of budgetpdf beside raw pdfplumber, camelot, tablers, pdf-oxide (and
PyMuPDF if present), and of its pdfium engine (the default) beside its pdfplumber engine.

    python bench/run.py              # fixtures + real corpus sample + prose pages (make bench)
    python bench/run.py --quick      # fixtures only, one run per tool (smoke test)
    python bench/run.py --profile    # also cProfile the full pipeline on the fixtures and the sample

Every timed run is a fresh child process (``--worker TOOL --pages-file F --out F``): it
imports, warms up on a tiny PDF (not timed), then times the whole corpus and reports the
seconds and its own peak RSS. The parent alternates budgetpdf's full pipeline with each
peer (A B A B A B) and reports medians. See bench/README.md for the metrics.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections import Counter
from decimal import Decimal
from importlib import metadata
from importlib.util import find_spec
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
FIXTURES = ROOT / "fixtures" / "docs"
REAL = ROOT.parent / "shared" / "corpus" / "real"  # shared/ beside the project, when present
SEED = 20240601
REAL_SAMPLE_PAGES = 100
PROSE_SAMPLE_PAGES = 40
EXPECTED = ROOT / "tests" / "data" / "real_corpus_expected.json"  # narrative_pages, read off the PDFs

FULL = "budgetpdf-full"
BARE_TEXT = "pypdfium2-text"
TOOLS = [FULL, "budgetpdf-full-pdfplumber", "budgetpdf-extract", "pdfplumber", "camelot-lattice", "tablers",
         "pdf-oxide", "pymupdf"]
PROSE_TOOLS = [FULL, BARE_TEXT]


def norm(text: str | None) -> str:
    return "".join(text.split()) if text else ""


# ---------------------------------------------------------------------------
# tools (run inside the worker). Each returns {page: [cell texts]} for one document,
# plus, for the full pipeline, its records.

def tool_full(path: Path, pages: list[int], engine: str | None = None) -> tuple[dict[int, list[str]], dict]:
    from budgetpdf.extract.engines import DEFAULT_ENGINE
    from budgetpdf.extract.settings import ExtractSettings
    from budgetpdf.pipeline import RunConfig, process_file

    # OCR off: the peers read only the text layer, so the speed ratios compare like with like
    # (淮安's undecodable pages would otherwise be read by OCR at ~10 s each; bench/ocr.py
    # measures that path)
    out = process_file(path, config=RunConfig(engine or DEFAULT_ENGINE, ExtractSettings(ocr="off")))
    found: dict[int, list[str]] = {}
    span = {t.table_id: (t.page_start, t.page_end) for t in out.tables}
    for c in out.cells:
        t = norm(c.text)
        if not t:
            continue
        if c.is_header and c.table_id in span:  # a header is printed on every page of its table
            for p in range(span[c.table_id][0], span[c.table_id][1] + 1):
                found.setdefault(p, []).append(t)
        else:
            found.setdefault(c.page, []).append(t)
    extra = {
        "status": out.document.status,
        "line_items": [[li.table_id, li.row_index, li.section, li.code, li.item, li.column_label, li.measure,
                        str(li.amount), li.page] for li in out.line_items],
        "performance_targets": [target_key(pt.__dict__) for pt in out.performance_targets],
        "checks": dict(Counter(c.status for c in out.checks)),
    }
    return found, extra


def tool_full_pdfplumber(path: Path, pages: list[int]) -> tuple[dict[int, list[str]], dict]:
    return tool_full(path, pages, engine="pdfplumber")


def tool_extract(path: Path, pages: list[int]) -> tuple[dict[int, list[str]], dict]:
    from budgetpdf.extract import DEFAULT_ENGINE, extract_document

    from budgetpdf.extract.settings import ExtractSettings

    doc = extract_document(path, engine=DEFAULT_ENGINE, pages=pages, settings=ExtractSettings(ocr="off"))
    found: dict[int, list[str]] = {}
    for t in doc.tables:
        found.setdefault(t.page, []).extend(x for x in (norm(c.text) for c in t.cells) if x)
    return found, {}


def tool_pdfplumber(path: Path, pages: list[int]) -> tuple[dict[int, list[str]], dict]:
    import pdfplumber

    found: dict[int, list[str]] = {}
    with pdfplumber.open(path) as pdf:
        for p in pages:
            page = pdf.pages[p - 1]
            for table in page.extract_tables():
                found.setdefault(p, []).extend(x for row in table for x in (norm(c) for c in row) if x)
            page.close()
    return found, {}


def tool_camelot(path: Path, pages: list[int]) -> tuple[dict[int, list[str]], dict]:
    import camelot

    found: dict[int, list[str]] = {}
    tables = camelot.read_pdf(str(path), pages=",".join(map(str, pages)), flavor="lattice", backend="pdfium",
                              suppress_stdout=True)
    for t in tables:
        p = int(t.page)
        found.setdefault(p, []).extend(x for row in t.df.values.tolist() for x in (norm(str(c)) for c in row) if x)
    return found, {}


def tool_pymupdf(path: Path, pages: list[int]) -> tuple[dict[int, list[str]], dict]:
    import pymupdf  # optional, never a dependency (AGPL)

    found: dict[int, list[str]] = {}
    with pymupdf.open(path) as doc:
        for p in pages:
            page = doc[p - 1]
            try:
                tabs = page.find_tables(use_layout=False)
            except TypeError:  # older PyMuPDF without the option
                tabs = page.find_tables()
            for tab in tabs.tables:
                found.setdefault(p, []).extend(x for row in tab.extract() for x in (norm(c) for c in row) if x)
    return found, {}


def tool_tablers(path: Path, pages: list[int]) -> tuple[dict[int, list[str]], dict]:
    import tablers

    found: dict[int, list[str]] = {}
    doc = tablers.Document(str(path))
    try:
        for p in pages:
            page = doc.get_page(p - 1)
            for table in tablers.find_tables(page, extract_text=True):
                found.setdefault(p, []).extend(x for x in (norm(c.text) for c in table.cells) if x)
    finally:
        doc.close()
    return found, {}


def tool_pdf_oxide(path: Path, pages: list[int]) -> tuple[dict[int, list[str]], dict]:
    import pdf_oxide

    found: dict[int, list[str]] = {}
    doc = pdf_oxide.PdfDocument(str(path))
    for p in pages:
        for table in doc.extract_tables(p - 1) or ():
            found.setdefault(p, []).extend(
                x for row in table.get("rows", ()) for x in (norm(c.get("text")) for c in row.get("cells", ())) if x)
    return found, {}


def tool_bare_text(path: Path, pages: list[int]) -> tuple[dict[int, list[str]], dict]:
    """pypdfium2's bare text extraction: load the page and its text page, read all its text."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(path))
    try:
        for p in pages:
            page = doc[p - 1]
            text = page.get_textpage()
            text.get_text_range()
            text.close()
            page.close()
    finally:
        doc.close()
    return {}, {}


TOOL_FUNCS = {FULL: tool_full, "budgetpdf-full-pdfplumber": tool_full_pdfplumber, "budgetpdf-extract": tool_extract,
              "pdfplumber": tool_pdfplumber, "camelot-lattice": tool_camelot, "tablers": tool_tablers,
              "pdf-oxide": tool_pdf_oxide, "pymupdf": tool_pymupdf, BARE_TEXT: tool_bare_text}
OPTIONAL = {"pymupdf": "pymupdf", "tablers": "tablers", "pdf-oxide": "pdf_oxide"}  # tool → module it needs


def available_tools() -> list[str]:
    return [t for t in TOOLS if t not in OPTIONAL or find_spec(OPTIONAL[t]) is not None]


def target_key(pt: dict) -> list:
    """Record key of a performance target: whitespace-removed texts, comparator, values."""
    texts = [norm(pt.get(k)) for k in ("unit_code", "unit_name", "project_name", "goal", "level1", "level2",
                                       "level3", "target_raw", "target_unit", "target_content", "scoring_rule")]
    vals = [None if pt.get(k) is None else str(Decimal(str(pt[k])).normalize())
            for k in ("funds", "target_value", "target_low", "target_high", "weight")]
    return texts + [pt.get("comparator")] + vals


# ---------------------------------------------------------------------------
# worker: one tool over one corpus, in its own process

def worker(tool: str, pages_file: Path, out: Path, dump: bool) -> None:
    warnings.filterwarnings("ignore")
    logging.disable(logging.CRITICAL)
    spec = json.loads(pages_file.read_text())
    fn = TOOL_FUNCS[tool]
    fn(Path(spec["warmup"]["path"]), spec["warmup"]["pages"])  # warm-up: imports, caches; not timed
    results, errors, n_pages = [], [], 0
    t0 = time.perf_counter()
    for d in spec["docs"]:
        n_pages += len(d["pages"])
        try:
            results.append((d["key"], *fn(Path(d["path"]), d["pages"])))
        except Exception as e:  # a tool crashing on one document: its pages count, nothing found
            errors.append(f"{d['key']}: {type(e).__name__}: {e}")
            results.append((d["key"], {}, {}))
    seconds = time.perf_counter() - t0
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    report = {"tool": tool, "pages": n_pages, "seconds": seconds, "peak_rss_mb": rss_mb, "errors": errors}
    if dump:
        report["docs"] = {k: {"found": {str(p): v for p, v in found.items()}, **extra} for k, found, extra in results}
    out.write_text(json.dumps(report, ensure_ascii=False))


def run_child(tool: str, pages_file: Path, tmp: Path, dump: bool = False) -> dict:
    out = tmp / f"out-{tool}-{time.monotonic_ns()}.json"
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", tool, "--pages-file", str(pages_file),
           "--out", str(out)] + (["--dump"] if dump else [])
    subprocess.run(cmd, check=True, cwd=ROOT)
    rep = json.loads(out.read_text())
    out.unlink()
    print(f"    {tool:<18} {rep['pages']:4d} pages {rep['seconds']:7.2f}s {rep['pages'] / rep['seconds']:6.2f} p/s "
          f"{rep['peak_rss_mb']:6.0f} MB" + (f"  ({len(rep['errors'])} doc errors)" if rep["errors"] else ""),
          flush=True)
    return rep


# ---------------------------------------------------------------------------
# corpora

def page_count(path: Path) -> int:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(path))
    try:
        return len(doc)
    finally:
        doc.close()


def write_subset(src: Path, pages: list[int], dst: Path) -> None:
    import pypdfium2 as pdfium

    s, new = pdfium.PdfDocument(str(src)), pdfium.PdfDocument.new()
    new.import_pages(s, [p - 1 for p in pages])
    new.save(str(dst))
    new.close()
    s.close()


def fixture_corpus() -> list[dict]:
    return [{"key": f.stem, "path": str(f), "pages": list(range(1, page_count(f) + 1))}
            for f in sorted(FIXTURES.glob("*.pdf"))]


def prose_corpus(tmp: Path) -> tuple[list[dict], list]:
    """A seeded sample of the real corpus's prose pages (``narrative_pages`` of
    tests/data/real_corpus_expected.json, written by reading the PDFs; unusable text
    layers left out), written as one small PDF per source document."""
    expected = json.loads(EXPECTED.read_text("utf-8"))
    pool = []
    for name, exp in sorted(expected.items()):
        f = REAL / name
        if f.exists() and exp.get("usable", True):
            bad = set(exp.get("unusable_pages", ()))
            pool += [(f, p) for p in exp.get("narrative_pages", ()) if p not in bad]
    sample = sorted(random.Random(SEED).sample(pool, min(PROSE_SAMPLE_PAGES, len(pool))))
    by_doc: dict[Path, list[int]] = {}
    for f, p in sample:
        by_doc.setdefault(f, []).append(p)
    docs, chosen = [], []
    (tmp / "prose").mkdir(exist_ok=True)
    for f, pages in by_doc.items():
        dst = tmp / "prose" / f.name
        write_subset(f, pages, dst)
        docs.append({"key": f.stem, "path": str(dst), "pages": list(range(1, len(pages) + 1))})
        chosen.append({"doc": f.name, "pages": pages})
    return docs, [{"population_pages": len(pool), "seed": SEED, "sample": chosen}]


def real_corpus(tmp: Path) -> tuple[list[dict], list]:
    """A seeded sample of ~100 pages of the real corpus, written as one small PDF per source
    document so every tool (the full pipeline too, which reads whole files) sees the same pages."""
    all_pages, skipped = [], []
    for f in sorted(REAL.glob("*.pdf")):
        try:
            all_pages += [(f, p) for p in range(1, page_count(f) + 1)]
        except Exception as e:
            skipped.append(f"{f.name}: {type(e).__name__}: {e}")
    sample = sorted(random.Random(SEED).sample(all_pages, min(REAL_SAMPLE_PAGES, len(all_pages))))
    by_doc: dict[Path, list[int]] = {}
    for f, p in sample:
        by_doc.setdefault(f, []).append(p)
    docs, chosen = [], []
    (tmp / "real").mkdir(exist_ok=True)
    for f, pages in by_doc.items():
        dst = tmp / "real" / f.name
        write_subset(f, pages, dst)
        docs.append({"key": f.stem, "path": str(dst), "pages": list(range(1, len(pages) + 1))})
        chosen.append({"doc": f.name, "pages": pages})
    return docs, [{"population_pages": len(all_pages), "seed": SEED, "sample": chosen, "skipped": skipped}]


# ---------------------------------------------------------------------------
# accuracy against the fixture truth

def load_truth(key: str) -> dict:
    return json.loads((FIXTURES / f"{key}.truth.json").read_text())


def truth_pages(truth: dict) -> tuple[dict[int, Counter], list[tuple[str, list[int]]]]:
    """Truth cell texts per page, and the cells of split rows (text, pages) scored apart."""
    span = {t["table_id"]: (t["page_start"], t["page_end"]) for t in truth["tables"]}
    n_header = {}
    for c in truth["cells"]:
        if c["is_header"]:
            n_header[c["table_id"]] = max(n_header.get(c["table_id"], 0), c["row_index"] + 1)
    split = {(s["table_id"], s["row_index"]): s["pages"] for s in truth["split_rows"]}
    pages: dict[int, Counter] = {}
    split_cells = []
    for c in truth["cells"]:
        t = norm(c["text"])
        if not t:
            continue
        tid = c["table_id"]
        if c["is_header"]:
            for p in range(span[tid][0], span[tid][1] + 1):
                pages.setdefault(p, Counter())[t] += 1
        elif (tid, c["row_index"]) in split:
            split_cells.append((t, split[(tid, c["row_index"])]))
        else:
            row_pages = truth["rows"][tid][c["row_index"] - n_header.get(tid, 0)]
            pages.setdefault(row_pages[0], Counter())[t] += 1
    return pages, split_cells


def match_pieces(text: str, pages: list[int], left: dict[int, Counter], used: list) -> bool:
    """Can ``text`` be read as pieces (possibly empty) on consecutive ``pages`` of the leftover
    tool cells? Consumes the pieces when it can."""
    if not pages:
        return text == "" and bool(used)
    p = pages[0]
    for k in range(len(text), -1, -1):
        piece = text[:k]
        if k == 0 or left.get(p, Counter())[piece] > 0:
            if k:
                left[p][piece] -= 1
                used.append((p, piece))
            if match_pieces(text[k:], pages[1:], left, used):
                return True
            if k:
                left[p][piece] += 1
                used.pop()
    return False


def score_cells(truth: dict, found: dict[str, list[str]]) -> dict:
    tpages, split_cells = truth_pages(truth)
    left = {int(p): Counter(v) for p, v in found.items()}
    tp = fn = 0
    for p, want in tpages.items():
        got = left.setdefault(p, Counter())
        hit = want & got
        tp += sum(hit.values())
        fn += sum((want - hit).values())
        got.subtract(hit)
    split_found = 0
    for text, pages in split_cells:
        if match_pieces(text, pages, left, []):
            split_found += 1
    tp += split_found
    fn += len(split_cells) - split_found
    fp = sum(max(v, 0) for c in left.values() for v in c.values())
    return {"tp": tp, "fp": fp, "fn": fn, "split_cells": len(split_cells), "split_found": split_found}


def prf(tp: int, fp: int, fn: int) -> dict:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0}


def record_f1(want: list, got: list) -> dict:
    w, g = Counter(want), Counter(got)
    tp = sum((w & g).values())
    return {"tp": tp, "truth": sum(w.values()), "found": sum(g.values()),
            **prf(tp, sum(g.values()) - tp, sum(w.values()) - tp)}


def li_key(li: list) -> tuple:
    return (*li[:7], Decimal(str(li[7])), li[8])


def accuracy(dump: dict, with_truth: bool) -> dict:
    acc: dict = {}
    if with_truth:
        tot = Counter()
        for key, d in dump["docs"].items():
            tot.update(score_cells(load_truth(key), d["found"]))
        acc["cells"] = {**dict(tot), **prf(tot["tp"], tot["fp"], tot["fn"])}
    if dump["tool"] == FULL:
        checks = Counter()
        for d in dump["docs"].values():
            checks.update(d.get("checks", {}))
        ran = checks["passed"] + checks["failed"]
        acc["checks"] = {**dict(checks), "pass_rate": checks["passed"] / ran if ran else None}
        if with_truth:
            want_li, got_li, want_pt, got_pt = [], [], [], []
            for key, d in dump["docs"].items():
                t = load_truth(key)
                want_li += [li_key([x["table_id"], x["row_index"], x["section"], x["code"], x["item"],
                                    x["column_label"], x["measure"], x["amount"], x["page"]]) for x in t["line_items"]]
                got_li += [li_key(x) for x in d.get("line_items", [])]
                want_pt += [tuple(target_key(x)) for x in t["performance_targets"]]
                got_pt += [tuple(x) for x in d.get("performance_targets", [])]
            acc["line_items"] = record_f1(want_li, got_li)
            acc["performance_targets"] = record_f1(want_pt, got_pt)
    return acc


# ---------------------------------------------------------------------------
# the run

def machine() -> dict:
    cpu = platform.processor()
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    versions = {}
    for pkg in ("budgetpdf", "pdfplumber", "pdfminer.six", "camelot-py", "pypdfium2", "opencv-python",
                "opencv-python-headless", "pandas", "numpy", "pymupdf", "tablers", "pdf_oxide"):
        try:
            versions[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            pass
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    except OSError:
        commit = None
    return {"cpu": cpu, "cores": os.cpu_count(), "affinity": len(os.sched_getaffinity(0)),
            "loadavg_at_start": os.getloadavg(),
            "python": platform.python_version(), "platform": platform.platform(), "packages": versions,
            "git_commit": commit, "date": time.strftime("%Y-%m-%d %H:%M:%S %z")}


def bench_corpus(name: str, docs: list[dict], warmup: dict, tools: list[str], runs: int, tmp: Path,
                 with_truth: bool) -> dict:
    pages_file = tmp / f"{name}.pages.json"
    pages_file.write_text(json.dumps({"warmup": warmup, "docs": docs}))
    print(f"== {name}: {len(docs)} documents, {sum(len(d['pages']) for d in docs)} pages, {runs} run(s)", flush=True)
    times: dict[str, list[dict]] = {t: [] for t in tools}
    dumps: dict[str, dict] = {}
    ratios: dict[str, list[float]] = {t: [] for t in tools if t != FULL}

    def run(tool: str) -> dict:
        rep = run_child(tool, pages_file, tmp, dump=tool not in dumps)
        if "docs" in rep:
            dumps[tool] = rep
        times[tool].append(rep)
        return rep

    peers = [t for t in tools if t != FULL]
    if runs == 1:  # smoke test: each tool once, ratios from those single runs (not paired)
        a = run(FULL)
        for peer in peers:
            b = run(peer)
            ratios[peer].append(b["seconds"] / a["seconds"])
    else:
        for peer in peers:  # A B A B A B per peer, so drift cancels within each pair
            for _ in range(runs):
                a, b = run(FULL), run(peer)
                ratios[peer].append((a["pages"] / a["seconds"]) / (b["pages"] / b["seconds"]))
    out = {}
    for tool in tools:
        secs = [r["seconds"] for r in times[tool]]
        med = statistics.median(secs)
        pages = times[tool][0]["pages"]
        out[tool] = {
            "pages": pages, "runs": len(secs), "seconds_median": med, "seconds_all": secs,
            "pages_per_s": pages / med, "peak_rss_mb": max(r["peak_rss_mb"] for r in times[tool]),
            "doc_errors": times[tool][0]["errors"], **accuracy(dumps[tool], with_truth),
        }
        if tool != FULL:
            out[tool]["full_over_peer_speed"] = {"median": statistics.median(ratios[tool]), "pairs": ratios[tool]}
    return out


def fmt(x, spec=".3f") -> str:
    return "—" if x is None else format(x, spec)


def table_md(results: dict) -> str:
    lines = ["| corpus | tool | pages | median s | pages/s | peak RSS MB | cell P | cell R | cell F1 | "
             "line_items F1 | targets F1 | checks pass | full ÷ tool speed |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for corpus, tools in results["corpora"].items():
        for tool, r in tools.items():
            c = r.get("cells", {})
            ratio = r.get("full_over_peer_speed", {}).get("median")
            lines.append(
                f"| {corpus} | {tool} | {r['pages']} | {r['seconds_median']:.2f} | {r['pages_per_s']:.2f} | "
                f"{r['peak_rss_mb']:.0f} | {fmt(c.get('precision'))} | {fmt(c.get('recall'))} | {fmt(c.get('f1'))} | "
                f"{fmt(r.get('line_items', {}).get('f1'))} | {fmt(r.get('performance_targets', {}).get('f1'))} | "
                f"{fmt(r.get('checks', {}).get('pass_rate'))} | {fmt(ratio, '.2f')} |")
    return "\n".join(lines)


def targets_md(results: dict) -> str:
    """The issue-16 targets, from the paired ratios (time ratio = 1 / speed ratio)."""
    lines = ["| target | corpus | measured | met |", "|---|---|---:|---|"]

    def ratio(corpus: str, tool: str) -> float | None:
        r = results["corpora"].get(corpus, {}).get(tool, {}).get("full_over_peer_speed", {})
        return r.get("median")

    for corpus in ("fixtures", "real"):
        r = ratio(corpus, "pdfplumber")
        if r:
            lines.append(f"| full pipeline time ÷ raw pdfplumber extract_tables() time <= 0.25 | {corpus} | "
                         f"{1 / r:.3f} | {'yes' if 1 / r <= 0.25 else 'no'} |")
        r = ratio(corpus, "camelot-lattice")
        if r:
            lines.append(f"| full pipeline >= 10x faster than camelot lattice | {corpus} | {r:.1f}x | "
                         f"{'yes' if r >= 10 else 'no'} |")
        tr = results["corpora"].get(corpus, {})
        if FULL in tr and "budgetpdf-full-pdfplumber" in tr:
            a, b = tr[FULL]["peak_rss_mb"], tr["budgetpdf-full-pdfplumber"]["peak_rss_mb"]
            lines.append(f"| peak RSS no higher than the pdfplumber engine's ({b:.0f} MB) | {corpus} | {a:.0f} MB | "
                         f"{'yes' if a <= b else 'no'} |")
    r = ratio("prose", BARE_TEXT)
    if r:
        lines.append(f"| prose pages: full pipeline time ÷ pypdfium2 bare text time <= 3 | prose | {1 / r:.2f} | "
                     f"{'yes' if 1 / r <= 3 else 'no'} |")
    return "\n".join(lines)


def profile(docs: list[dict]) -> None:
    import cProfile
    import io
    import pstats

    from budgetpdf.pipeline import process_file

    logging.disable(logging.CRITICAL)
    warnings.filterwarnings("ignore")
    prof = cProfile.Profile()
    prof.enable()
    for d in docs:
        process_file(d["path"])
    prof.disable()
    prof.dump_stats(str(BENCH / "profile.prof"))
    buf = io.StringIO()
    stats = pstats.Stats(prof, stream=buf).strip_dirs()
    stats.sort_stats("cumulative").print_stats(40)
    stats.sort_stats("tottime").print_stats(30)
    (BENCH / "profile.txt").write_text(buf.getvalue())
    print("profile: bench/profile.txt (top 40 by cumulative, top 30 by own time), bench/profile.prof")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="fixtures only, one run per tool")
    ap.add_argument("--profile", action="store_true", help="cProfile the full pipeline on the fixtures and the sample")
    ap.add_argument("--runs", type=int, default=3, help="A/B pairs per peer (default 3)")
    ap.add_argument("--tools", help="comma-separated subset of " + ",".join(TOOLS))
    ap.add_argument("--corpora", default="fixtures,real,prose",
                    help="comma-separated subset of fixtures,real,prose (default: all three)")
    ap.add_argument("--out", default=str(BENCH / "results.json"))
    ap.add_argument("--worker", choices=list(TOOL_FUNCS), help=argparse.SUPPRESS)
    ap.add_argument("--pages-file", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--dump", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        worker(args.worker, args.pages_file, Path(args.out), args.dump)
        return 0

    tools = available_tools()
    if args.tools:
        tools = [t for t in args.tools.split(",") if t in tools]
        if FULL not in tools:
            tools.insert(0, FULL)
    runs = 1 if args.quick else args.runs
    t_start = time.perf_counter()
    results: dict = {"machine": machine(), "runs": runs, "tools": tools,
                     "skipped_tools": [t for t in TOOLS if t not in tools], "corpora": {}, "real_sample": None}
    print("machine:", json.dumps(results["machine"], ensure_ascii=False), flush=True)
    with tempfile.TemporaryDirectory(prefix="budgetpdf-bench-") as tmpdir:
        tmp = Path(tmpdir)
        fixtures = fixture_corpus()
        t0 = load_truth(fixtures[0]["key"])["tables"][0]
        warm_pdf = tmp / "warmup.pdf"
        warm_pages = [t0["page_start"], t0["page_start"] + 1]
        write_subset(Path(fixtures[0]["path"]), warm_pages, warm_pdf)
        warmup = {"path": str(warm_pdf), "pages": [1, 2]}
        corpora = set(args.corpora.split(","))
        if "fixtures" in corpora:
            results["corpora"]["fixtures"] = bench_corpus("fixtures", fixtures, warmup, tools, runs, tmp, True)
        docs: list[dict] = []
        if not args.quick:
            if REAL.is_dir() and any(REAL.glob("*.pdf")):
                if "real" in corpora:
                    docs, (sample,) = real_corpus(tmp)
                    results["real_sample"] = sample
                    results["corpora"]["real"] = bench_corpus("real", docs, warmup, tools, runs, tmp, False)
                if "prose" in corpora:
                    prose, (psample,) = prose_corpus(tmp)
                    results["prose_sample"] = psample
                    results["corpora"]["prose"] = bench_corpus("prose", prose, warmup, PROSE_TOOLS, runs, tmp,
                                                               False)
            else:
                print(f"== real: {REAL} absent, skipped")
        if args.profile:
            profile(fixtures + docs)
    results["wall_seconds"] = time.perf_counter() - t_start
    Path(args.out).write_text(json.dumps(results, ensure_ascii=False, indent=1))
    print()
    print(table_md(results))
    print()
    print(targets_md(results))
    print()
    for corpus, tr in results["corpora"].items():
        for tool, r in tr.items():
            if "full_over_peer_speed" in r:
                pairs = ", ".join(f"{x:.2f}" for x in r["full_over_peer_speed"]["pairs"])
                print(f"{corpus}: budgetpdf full pages/s ÷ {tool} pages/s = "
                      f"{r['full_over_peer_speed']['median']:.2f} (pairs: {pairs})")
        c = tr.get("budgetpdf-extract", {}).get("cells")
        if c:
            print(f"{corpus}: split-row cells scored as pieces: {c['split_cells']} "
                  f"(budgetpdf-extract found {c['split_found']})")
    print(f"\nwrote {args.out} ({results['wall_seconds']:.0f}s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
