"""Document facts: department, fiscal year and kind, from captions, titles and the cover."""

from __future__ import annotations

import re
from collections import Counter
from typing import Sequence

from budgetpdf.extract.models import ExtractedDocument

from .registry import squash
from .stitch import LogicalTable

# a year: 2025, 二○二五, and 2O23 typed with a letter O (哈尔滨 2023 决算)
YEAR = re.compile(r"(2[0Oo〇○][0-9Oo]{2}|二[○〇零][一二三四五六七八九○〇零]{2})\s*年")
CN_DIGITS = {c: str(i) for i, c in enumerate("零一二三四五六七八九")} | {"○": "0", "〇": "0", "O": "0", "o": "0"}
EXECUTION = re.compile(r"执行")
TITLE_GOVERNMENT = re.compile(r"\d{4}年([^\d年对级本]{1,5}[省市县区])(?:本级)?(?:一般公共预算|政府性基金|国有资本|社会保险|地方政府)")


def _year(text: str) -> int:
    """2025 or 二○二五 → 2025."""
    return int("".join(CN_DIGITS.get(c, c) for c in text))
COVER_DEPARTMENT = re.compile(r"^(.{2,40}?(?:局|委员会|委|厅|办公室|办|院|会|中心|部|所|街道|政府|处|站|馆|社|队))(?:\d{4}年|20)")


# the government budget report's title: 关于2025年预算执行情况与2026年预算草案的报告 is about the 2026 budget
DRAFT_BUDGET = re.compile(r"(20\d{2}|二[○〇零][一二三四五六七八九○〇零]{2})\s*年[^年]{0,20}?预算草案")


def _cover(doc: ExtractedDocument) -> str:
    return "".join(squash(l.text) for p in doc.pages[:1] for l in p.lines[:10])


def fiscal_year(tables: Sequence[LogicalTable], doc: ExtractedDocument) -> int | None:
    """The year the titles name most often (the cover's when no table title names one).

    A pack of this year's budget with last year's execution (杭州 2024年预算执行 + 2025年预算草案)
    is about the budget year: titles of execution tables (执行) are counted only when no
    budget or final-accounts title names a year."""
    def years_in(ts):
        return Counter(_year(m.group(1)) for t in ts for m in YEAR.finditer(squash(t.title)))
    plans = [t for t in tables if not EXECUTION.search(squash(t.title))]
    years = years_in(plans) or years_in(tables)
    if not years:
        draft = DRAFT_BUDGET.search(_cover(doc))
        if draft:
            return _year(draft.group(1))
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
    # the 部门名称 field of a department's overall performance form (北京 预算13表)
    names = Counter(form_department(t) for t in tables
                    if t.table_type == "overall_performance_targets" and form_department(t))
    if names:
        return names.most_common(1)[0][0]
    # titles that start with the department's name (西南大学收支预算总表, 西南大学收入预算表 …)
    prefix = title_prefix(tables)
    if prefix:
        return prefix
    for page in doc.pages[:1]:
        text = "".join(squash(l.text) for l in page.lines[:6])
        m = COVER_DEPARTMENT.search(text)
        if m:
            return m.group(1)
    return None


FORM_DEPARTMENT_LABEL = re.compile(r"^(部门|单位|预算单位)名称$")


def form_department(lt: LogicalTable) -> str | None:
    """A label cell 部门名称/单位名称 followed by its value in the same row, in a form-like table."""
    grid = lt.grid()
    for row in grid[: 6]:
        for i, cell in enumerate(row[:-1]):
            if cell is not None and FORM_DEPARTMENT_LABEL.match(squash(cell.text)):
                value = next((c for c in row[i + 1:] if c is not None and c is not cell and squash(c.text)), None)
                if value is not None and 2 <= len(squash(value.text)) <= 30:
                    return squash(value.text)
    return None


TYPE_WORDS = re.compile(r"(部门|单位)?(收支|收入|支出|财政拨款|一般公共预算|政府性基金|国有资本|社会保险|项目|基本|“?三公”?)")
LABEL_PREFIX = re.compile(r"^(附表|公开表|表|预算)[0-9一二三四五六七八九十百]+(?:[-—－][0-9一二三四五六七八九十]+)?表?[:：]?")


def title_prefix(tables: Sequence[LogicalTable]) -> str | None:
    """The name most typed tables' titles start with, after any table label and year and
    before their table words (``西南大学收支预算总表`` → ``西南大学``, ``附表一2024年杭州市一般公共
    预算…`` → ``杭州市``), when at least two titles share it."""
    prefixes = Counter()
    for t in tables:
        if t.table_type == "other" or not t.title:
            continue
        title = squash(t.title)
        years = list(YEAR.finditer(title))
        title = title[years[-1].end():] if years else LABEL_PREFIX.sub("", title)
        m = TYPE_WORDS.search(title)
        if m and m.start() >= 2:
            prefixes[re.sub(r"(本级|全市|全省|全区|全县)$", "", title[: m.start()])] += 1
    if not prefixes:
        return None
    name, n = prefixes.most_common(1)[0]
    return name if n >= 2 and 2 <= len(name) <= 30 else None


def doc_kind(tables: Sequence[LogicalTable], doc: ExtractedDocument) -> str:
    """决算 → final_accounts, 预算执行 → execution, 预算 → budget, else unknown.

    Read from the table titles and the cover only: prose mentions 执行情况 in passing. A
    pack holding this year's budget tables besides last year's execution tables (杭州
    2024年预算执行和2025年预算草案) is a budget.
    """
    titles = [squash(t.title) for t in tables]
    cover = _cover(doc)
    for texts in (titles, [cover]):
        text = "".join(texts)
        if "决算" in text:
            return "final_accounts"
        if "预算草案" in text:  # 关于2025年预算执行情况与2026年预算草案的报告: the budget report
            return "budget"
        budget = any("预算" in t and not EXECUTION.search(t) for t in texts)
        if re.search(r"预算执行|执行情况(表|的报告)", text) and not budget:
            return "execution"
        if "预算" in text:
            return "budget"
    return "unknown"
