"""Time `budgetpdf report` over an N-document batch made from real extractions.

    .venv/bin/python bench/report_scale.py --from outputs /tmp/real-out --n 300 --work /tmp/report-bench

How the batch is made: every document of the given dataset folders (extracted for real
with `budgetpdf extract`) is copied round-robin until there are N documents. A copy is a
new file, the original PDF's bytes plus a PDF comment line after ``%%EOF`` (readers ignore
it), so it has its own sha256 and the report's crops work on it like on any document; its
part files are the original's rows with ``doc_id`` (and ``source_path``) rewritten. The
first round keeps the originals themselves. Prints one line: documents, pages, failed checks,
crops, seconds, size; and writes WORK/report.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import resource
import shutil
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as pds
import pyarrow.parquet as pq

from budgetpdf.report import build_report
from budgetpdf.contract import DATASETS


def _read(folder: Path, name: str) -> pa.Table:
    files = sorted((folder / name).glob("*.parquet"))
    return pds.dataset([str(f) for f in files], format="parquet").to_table()


def make_batch(sources: list[Path], n: int, work: Path) -> Path:
    out = work / "out"
    pdfs = work / "pdfs"
    for d in (out, pdfs):
        if d.exists():
            shutil.rmtree(d)
    pdfs.mkdir(parents=True)
    for name in DATASETS:
        (out / name).mkdir(parents=True)
    originals = []  # (tables per dataset for one doc, source path)
    for src in sources:
        data = {name: _read(src, name) for name in DATASETS}
        for doc in data["documents"].to_pylist():
            if not doc["doc_id"] or not Path(doc["source_path"]).is_file():
                continue
            rows = {name: t.filter(pc.equal(t["doc_id"], doc["doc_id"])) for name, t in data.items()}
            rows["documents"] = rows["documents"].slice(0, 1)
            originals.append((rows, Path(doc["source_path"])))
    made = 0
    copy = 0
    while made < n:
        for rows, pdf in originals:
            if made >= n:
                break
            blob = pdf.read_bytes() + (f"\n%budgetpdf-bench copy {copy}\n".encode() if copy else b"")
            doc_id = hashlib.sha256(blob).hexdigest()
            path = pdfs / f"{pdf.stem}.copy{copy}.pdf"
            path.write_bytes(blob)
            for name, t in rows.items():
                t = t.set_column(t.schema.get_field_index("doc_id"), "doc_id", pa.array([doc_id] * len(t), pa.string()))
                if name == "documents":
                    t = t.set_column(t.schema.get_field_index("source_path"), "source_path", pa.array([str(path)], pa.string()))
                pq.write_table(t, out / name / f"part-{doc_id}.parquet")
            made += 1
        copy += 1
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--from", dest="sources", nargs="+", type=Path, required=True, help="dataset folders to copy from")
    ap.add_argument("--n", type=int, default=300)
    ap.add_argument("--work", type=Path, default=Path("/tmp/report-bench"))
    ap.add_argument("--crops", type=int, default=200)
    ap.add_argument("--jobs", type=int, default=None)
    args = ap.parse_args()
    out = make_batch(args.sources, args.n, args.work)
    report = args.work / "report"
    r0, k0 = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu0 = r0.ru_utime + r0.ru_stime + k0.ru_utime + k0.ru_stime
    t0 = time.perf_counter()
    s = build_report(out, report, crops=args.crops, jobs=args.jobs)
    wall = time.perf_counter() - t0
    self_, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = self_.ru_utime + self_.ru_stime + kids.ru_utime + kids.ru_stime - cpu0
    pages = sum(r.num_rows and sum(x or 0 for x in r.column("page_count").to_pylist())
                for r in [_read(out, "documents")])
    print(f"{s.documents} documents, {pages} pages, {s.checks_failed} failed checks, {s.crops} crops "
          f"({s.crops_over_budget} failed checks past --crops {args.crops}); report {s.bytes / 2**20:.1f} MiB "
          f"in {wall:.1f} s wall, {cpu:.1f} s CPU (all processes; load average {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
