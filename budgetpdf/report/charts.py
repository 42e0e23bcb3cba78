"""The batch page's charts, as static inline SVG made with pygal.

pygal writes plain SVG (text stays text, so the browser draws 类 names and department
names with its own CJK fonts, which a PNG made on a machine without CJK fonts could not);
its optional tooltip script is switched off (``js=[]``): nothing is fetched. Chart values
are floats because pixel positions are; the figures themselves stay Decimal in the
dataset and in every table of the report.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import datetime
from decimal import Decimal
from pathlib import PurePath

import pygal
from pygal.style import Style

STYLE = Style(
    background="white", plot_background="white", foreground="#333", foreground_strong="#111",
    foreground_subtle="#999", font_family="'Noto Sans CJK SC','Source Han Sans SC','PingFang SC',"
    "'Microsoft YaHei',sans-serif", label_font_size=11, major_label_font_size=11, legend_font_size=11,
    title_font_size=14, value_font_size=10,
    colors=("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
            "#9c755f", "#bab0ac", "#1f77b4", "#aec7e8", "#ffbb78", "#98df8a", "#c5b0d5", "#c49c94",
            "#f7b6d2", "#dbdb8d", "#9edae5", "#17becf", "#8c564b", "#7f7f7f", "#bcbd22", "#d62728"),
)


def _config(**kw) -> dict:
    return {"js": [], "disable_xml_declaration": True, "style": STYLE, "width": 900, "legend_at_bottom": True,
            "truncate_label": 40, "truncate_legend": 30, **kw}


_COMMENT = re.compile(r"<!--.*?-->", re.S)


def _svg(chart) -> str:
    """The chart as inline SVG markup, without pygal's credit comments (links to its site)."""
    return _COMMENT.sub("", chart.render(is_unicode=True))


def doc_label(row: dict) -> str:
    """A short label for a document: department and year, else the file name."""
    name = row.get("department") or PurePath(row.get("source_path") or "?").stem
    year = row.get("fiscal_year")
    return f"{name} {year}" if year else name


def function_class_chart(rows: list[dict], labels: dict[str, str]) -> str | None:
    """Stacked bars: per document, ``amount_yuan`` (in 万元) by 类. None when no document has 功能分类 rows."""
    if not rows:
        return None
    docs = sorted({r["doc_id"] for r in rows}, key=lambda d: labels.get(d, d))
    names: dict[str, str] = {}
    values: dict[str, dict[str, Decimal]] = defaultdict(dict)
    for r in rows:
        names.setdefault(r["class"], f"{r['class']} {r['class_item']}" if r["class_item"] else r["class"])
        if r["class_item"]:
            names[r["class"]] = f"{r['class']} {r['class_item']}"
        values[r["class"]][r["doc_id"]] = r["amount_yuan"]
    chart = pygal.HorizontalStackedBar(**_config(
        height=max(260, 200 + 26 * len(docs) + 30 * ((len(names) + 2) // 3)),
        title="Spending by function class (类), 万元", x_title="万元", legend_at_bottom_columns=3,
        print_values=False))
    chart.x_labels = [labels.get(d, d[:12]) for d in docs]
    for cls in sorted(names):
        chart.add(names[cls], [float(values[cls][d] / 10000) if d in values[cls] else None for d in docs])
    return _svg(chart)


def failed_checks_chart(rows: list[dict]) -> str | None:
    """Horizontal bars: failed checks per ``check_id`` (and in how many documents). None when nothing failed."""
    if not rows:
        return None
    chart = pygal.HorizontalBar(**_config(height=max(220, 110 + 34 * len(rows)), title="Failed checks by check_id",
                                          print_values=True, truncate_label=70))
    chart.x_labels = [r["check_id"] for r in rows]
    chart.add("failed checks", [r["failed"] for r in rows])
    chart.add("documents", [r["documents"] for r in rows])
    return _svg(chart)


def timing_charts(rows: list[dict], labels: dict[str, str]) -> tuple[list[str], str]:
    """Charts of extraction speed and a sentence saying what they rest on.

    With ``documents.extract_seconds`` (not in the contract yet): seconds and pages/s per
    document. Without it the dataset holds only each document's start time
    (``extracted_at``), so the chart shows pages started over time, whose slope is the
    batch's pages/s; per-document seconds cannot be derived (workers run in parallel).
    """
    timed = [r for r in rows if r.get("extract_seconds") is not None and r.get("page_count")]
    if timed:
        timed.sort(key=lambda r: -r["extract_seconds"])
        sec = pygal.HorizontalBar(**_config(height=max(220, 100 + 20 * len(timed)), title="Seconds per document",
                                            show_legend=False))
        sec.x_labels = [labels.get(r["doc_id"], r["doc_id"][:12]) for r in timed]
        sec.add("seconds", [round(r["extract_seconds"], 2) for r in timed])
        rate = pygal.HorizontalBar(**_config(height=max(220, 100 + 20 * len(timed)), title="Pages per second, per document",
                                             show_legend=False))
        rate.x_labels = sec.x_labels
        rate.add("pages/s", [round(r["page_count"] / max(r["extract_seconds"], 1e-6), 2) for r in timed])
        total_p = sum(r["page_count"] for r in timed)
        total_s = sum(r["extract_seconds"] for r in timed)
        return [_svg(sec), _svg(rate)], (
            f"{len(timed)} documents, {total_p} pages in {total_s:.1f} worker-seconds: "
            f"{total_p / max(total_s, 1e-6):.2f} pages/s per worker (documents.extract_seconds).")
    started = [r for r in rows if isinstance(r.get("extracted_at"), datetime) and r.get("page_count")]
    if len(started) < 2:
        return [], ("Seconds per document are not in the dataset (documents.extracted_at is when each document "
                    "started; there is no duration column).")
    started.sort(key=lambda r: r["extracted_at"])
    t0 = started[0]["extracted_at"]
    points, pages = [], 0
    for r in started:
        pages += r["page_count"]
        points.append(((r["extracted_at"] - t0).total_seconds() / 60, pages))
    span = (started[-1]["extracted_at"] - t0).total_seconds()
    before_last = pages - started[-1]["page_count"]
    chart = pygal.XY(**_config(height=360, title="Pages of the documents started, over time", x_title="minutes",
                               y_title="pages", show_legend=False, dots_size=2))
    chart.add("pages", points)
    note = (f"The dataset records when each document started (documents.extracted_at), not how long it took, so "
            f"seconds per document cannot be shown. Between the first and the last start ({span / 60:.1f} min), "
            f"{before_last} pages were started: about {before_last / max(span, 1e-6):.2f} pages/s for the batch "
            f"(documents extracted in separate runs make gaps and lower this figure).")
    return [_svg(chart)], note
