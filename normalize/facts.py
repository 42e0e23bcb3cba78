"""Document facts: department, fiscal year and kind, from captions, titles and the cover."""

from __future__ import annotations

import re
from collections import Counter
from typing import Sequence

from budgetpdf.extract.models import ExtractedDocument

from .registry import squash
from .stitch import LogicalTable

YEAR = re.compile(r"(20\d{2}|二[○〇零][一二三四五六七八九○〇零]{2})\s*年")
CN_DIGITS = {c: str(i) for i, c in enumerate("零一二三四五六七八九")} | {"○": "0", "〇": "0"}
TITLE_GOVERNMENT = re.compile(r"\d{4}年([^\d年对级本]{1,5}[省市县区])(?:本级)?(?:一般公共预算|政府性基金|国有资本|社会保险|地方政府)")


def _year(text: str) -> int:
    """2025 or 二○二五 → 2025."""
    return int("".join(CN_DIGITS.get(c, c) for c in text))
COVER_DEPARTMENT = re.compile(r"^(.{2,40}?(?:局|委员会|委|厅|办公室|办|院|会|中心|部|所|街道|政府|处|站|馆|社|队))(?:\d{4}年|20)")


def fiscal_year(tables: Sequence[LogicalTable], doc: ExtractedDocument) -> int | None:
    """The year the titles name most often (the cover's when no table title names one)."""
    years = Counter(_year(m.group(1)) for t in tables for m in YEAR.finditer(squash(t.title)))
    if not years:
        years = Counter(_year(m.group(1)) for p in doc.pages[:2] for l in p.lines for m in YEAR.finditer(l.text))
    return years.most_common(1)[0][0] if years else None


def department(tables: Sequence[LogicalTable], doc: ExtractedDocument) -> str | None:
    """部门名称/编制部门 from the tables' captions, else the government named in the titles,
    else the cover's first heading."""
    names = Counter(t.department for t in tables if t.department)
    if names:
        return names.most_common(1)[0][0]
    # a government's own tables name it in their titles (2026年东莞市一般公共预算收入表)
    names = Counter(m.group(1) for t in tables for m in [TITLE_GOVERNMENT.search(squash(t.title))] if m)
    if names:
        return names.most_common(1)[0][0]
    for page in doc.pages[:1]:
        text = "".join(squash(l.text) for l in page.lines[:6])
        m = COVER_DEPARTMENT.search(text)
        if m:
            return m.group(1)
    return None


def doc_kind(tables: Sequence[LogicalTable], doc: ExtractedDocument) -> str:
    """决算 → final_accounts, 预算执行 → execution, 预算 → budget, else unknown.

    Read from the table titles and the cover only: prose mentions 执行情况 in passing.
    """
    titles = "".join(squash(t.title) for t in tables)
    cover = "".join(squash(l.text) for p in doc.pages[:1] for l in p.lines[:10])
    for text in (titles, cover):
        if "决算" in text:
            return "final_accounts"
        if re.search(r"预算执行|执行情况(表|的报告)", text):
            return "execution"
        if "预算" in text:
            return "budget"
    return "unknown"
