"""Debug aid: per-table differences between the pipeline and a fixture's truth.

Usage: python tests/tools/fixture_diff.py fixtures/docs/KEY.pdf [table_id]
"""
import json
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from test_pipeline_fixtures import LINE_ITEM_FIELDS, TARGET_TEXT, dec, squash  # noqa: E402

from budgetpdf.pipeline import process_file  # noqa: E402

pdf = Path(sys.argv[1])
only = int(sys.argv[2]) if len(sys.argv) > 2 else None
truth = json.loads(pdf.with_name(pdf.stem + ".truth.json").read_text())
out = process_file(pdf)
print(out.document.status, out.document.error)
for t, g in zip(truth["tables"], list(out.tables) + [None] * 99):
    print(t["table_id"], t["table_type"], t["page_start"], t["page_end"], "|", g and (g.table_type, g.page_start, g.page_end, g.n_rows), "truth rows", t["n_rows"])
def li_key(li):
    return tuple(li[f] for f in LINE_ITEM_FIELDS) + (dec(li["amount"]),)
def cell_key(c):
    return (c["table_id"], c["row_index"], c["col_index"], c["row_span"], c["col_span"], c["is_header"], squash(c["text"]) or "")
def target_key(t):
    return (t["table_id"],) + tuple(squash(t[f]) for f in TARGET_TEXT) + (
        t["comparator"], dec(t["funds"]), dec(t["target_value"]), dec(t["target_low"]), dec(t["target_high"]),
        t["weight"], t["page_start"], t["page_end"])
for name, key, want, got in (
    ("targets", target_key, truth["performance_targets"], [t.__dict__ for t in out.performance_targets]),
    ("cells", cell_key, [c for c in truth["cells"] if squash(c["text"]) or c["row_span"] > 1 or c["col_span"] > 1],
     [c.__dict__ for c in out.cells if squash(c.text) or c.row_span > 1 or c.col_span > 1]),
    ("line_items", li_key, truth["line_items"], [li.__dict__ for li in out.line_items]),
):
    w = Counter(key(x) for x in want if only is None or x["table_id"] == only)
    g = Counter(key(x) for x in got if only is None or x["table_id"] == only)
    miss, extra = w - g, g - w
    print(f"== {name}: truth {sum(w.values())}, got {sum(g.values())}, missing {sum(miss.values())}, extra {sum(extra.values())}")
    for k in sorted(miss, key=str)[:12]:
        print("  -", k)
    for k in sorted(extra, key=str)[:12]:
        print("  +", k)
for c in out.checks:
    if c.status == "failed":
        print("FAILED", c.check_id, c.subject, c.expected, c.actual)
