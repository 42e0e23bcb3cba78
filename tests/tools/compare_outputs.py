"""Compare two output datasets document by document (a refactor must not change records).

    python tests/tools/compare_outputs.py BEFORE_DIR AFTER_DIR [--records]

Per document (matched by file name): status, tables, cells, line_items,
performance_targets and checks by status; with ``--records``, also the sets of line items
(table, row, item, column, amount) and of check results (id, subject, status), printing
the first differences. Exit 1 when anything differs.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import pyarrow.dataset as pds


def _read(root: Path, name: str):
    files = sorted(str(f) for f in (root / name).glob("*.parquet"))
    return pds.dataset(files, format="parquet").to_table().to_pylist() if files else []


def summary(root: Path) -> dict[str, dict]:
    docs = _read(root, "documents")
    by_id = {d["doc_id"]: Path(d["source_path"]).name + ("" if d["doc_id"] else "?") for d in docs}
    out: dict[str, dict] = {}
    for d in docs:
        out[Path(d["source_path"]).name] = {"status": d["status"], "counts": Counter(), "items": set(), "checks": Counter()}
    for name in ("tables", "cells", "line_items", "performance_targets"):
        for r in _read(root, name):
            out[by_id[r["doc_id"]]]["counts"][name] += 1
            if name == "line_items":
                out[by_id[r["doc_id"]]]["items"].add((r["table_id"], r["row_index"], r["item"], r["column_label"],
                                                      str(r["amount"].normalize()), r["measure"], r["code"]))
    for r in _read(root, "checks"):
        d = out[by_id[r["doc_id"]]]
        d["counts"]["checks_" + r["status"]] += 1
        d["checks"][(r["check_id"], r["subject"], r["status"])] += 1
    return out


def main(argv: list[str]) -> int:
    before, after = Path(argv[1]), Path(argv[2])
    records = "--records" in argv
    a, b = summary(before), summary(after)
    differ = 0
    for name in sorted(set(a) | set(b)):
        x, y = a.get(name), b.get(name)
        if x is None or y is None:
            print(f"{name}: only in {'after' if x is None else 'before'}")
            differ += 1
            continue
        lines = []
        if x["status"] != y["status"]:
            lines.append(f"status {x['status']} -> {y['status']}")
        for k in sorted(set(x["counts"]) | set(y["counts"])):
            if x["counts"][k] != y["counts"][k]:
                lines.append(f"{k} {x['counts'][k]} -> {y['counts'][k]}")
        if records:
            gone, new = x["items"] - y["items"], y["items"] - x["items"]
            if gone or new:
                lines.append(f"line items: {len(gone)} gone, {len(new)} new; e.g. gone {sorted(gone)[:2]} new {sorted(new)[:2]}")
            cg, cn = x["checks"] - y["checks"], y["checks"] - x["checks"]
            if cg or cn:
                lines.append(f"checks: {sum(cg.values())} gone, {sum(cn.values())} new; e.g. gone {list(cg)[:2]} new {list(cn)[:2]}")
        if lines:
            differ += 1
            print(f"{name}:\n  " + "\n  ".join(lines))
    print(f"{len(set(a) | set(b))} documents, {differ} differ")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
