"""Stitch page tables into logical tables.

One logical table is printed over many pages, each repeating the title, captions and
header rows. Here page tables are grouped (a repeated title, or no title but the same
column grid on the next page), repeated header rows and the column-number row
(``** ** 1 2 3``) are dropped, a row cut by a page break is merged back into the row it
continues, and merged cells that run over a break (单位编码, 项目名称, 资金总额, 绩效目标,
一级/二级指标) are joined into one cell. Every join is recorded as evidence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Sequence

from budgetpdf.extract.models import BBox, GridCell, PageTable, TextLine

from .registry import ColumnRole, FormRule, Registry, default_registry, squash
from .vocabulary import CodeScheme, Role, Section
from .values import is_amount_text

CAPTION_DEPARTMENT = re.compile(r"(?:部门名称|编制部门|编制单位|单位名称|预算单位|部门[（(]单位[）)](?:名称)?|部门|单位)\s*[:：]\s*"
                                r"(?!(?:亿元|万元|千元|元)\b)(.+?)(?:\s{2,}|(?:金额)?单位\s*[:：]|$)")
CAPTION_UNIT = re.compile(r"(?:金额)?单位\s*[:：]\s*(亿元|万元|千元|元)")
COLUMN_NUMBER_CELL = re.compile(r"^(\*{1,2}|栏次|[0-9]{1,2}|[a-zA-Z]|[甲乙丙丁])$")
# how OCR reads the ``**`` marks of a column-number row printed small and scanned at 150 dpi
# (two stars at the top of the line become a closing quote: Changsha's 收入总表, PP-OCRv4)
OCR_COLUMN_MARK = re.compile(r"^[*＊∗※”“\"″]{1,2}$")
TOTAL_LABEL = re.compile(r"(合计|总计|小计)$")
ITEM_START = re.compile(r"^([一二三四五六七八九十]+[、.．]|\d+[、.．]|[（(][一二三四五六七八九十\d]+[）)]|其中[:：])|(合计|总计|小计)$")
CODE_LIKE = re.compile(r"^\d{3}(\d{2}){0,2}$|^\d{6,}$")
TITLE_NOISE = re.compile(r"^(单位[:：]|金额单位|部门名称|编制部门|编制单位|注[:：]|说明[:：])")
# A continuation page says so: 续表 / 续上表 / （续表） alone above the table, or the title
# followed by （续）/（续表）/续表 (a common print convention; MinerU's table merger uses it too).
# A table's number printed on its own line: 表6, 表二, 表1-2, 公开08表, 公开表1, 附表十二, 预算01表
TABLE_LABEL = re.compile(r"^(?:附表|公开表|表)[0-9一二三四五六七八九十百零〇○]+(?:[-—－][0-9一二三四五六七八九十]+)?[:：]?$"
                         r"|^(?:公开|预算)?[0-9]{1,3}表[:：]?$|^预算[0-9]{1,3}表?[:：]?$")
SUBTITLE = re.compile(r"^[（(][^（()）]{1,30}[)）]$")  # （功能分类） under the title
TITLE_TAIL = re.compile(r"(绩效目标|情况|明细|预算|决算)$")  # titles without 表 (部门专项业务经费绩效目标)
CONTINUATION_LINE = re.compile(r"^[（(]?续(?:上|前)?表[）)]?[:：]?$")
CONTINUATION_SUFFIX = re.compile(r"[（(]续(?:表|上表|前表)?[）)]$|续(?:上|前)?表$")

ENTITY_ROLES = {Role.UNIT_CODE, Role.NAME, Role.FUNDS, Role.GOAL, Role.AMOUNT}  # merged over a unit's or project's rows
SHORT_VALUE_ROLES = {Role.TARGET_RAW, Role.TARGET_UNIT, Role.VALUE_TYPE, Role.REMARK}
# Columns that identify a row: a row at the top of a page with all of these blank
# continues the row cut at the bottom of the previous page.
KEY_ROLES = {Role.CODE_LEI, Role.CODE_KUAN, Role.CODE_XIANG, Role.CODE, Role.AMOUNT, Role.LEVEL3, Role.TARGET_RAW,
             Role.VALUE_TYPE, Role.TARGET_UNIT, Role.REMARK, Role.UNIT_CODE, Role.FUNDS}


@dataclass(frozen=True)
class LogicalCell:
    """One cell of a logical table; a cell merged over a page break spans rows of both pages."""

    row: int
    col: int
    row_span: int
    col_span: int
    text: str | None
    page: int
    bbox: BBox  # pt, on ``page`` (where the cell starts)
    is_header: bool
    last_page: int = 0  # the last page the cell's text or span reaches (0: same as page)
    confidence: float | None = None  # OCR confidence of its text (None: text from the PDF)
    indent: float | None = None  # pt from the cell's left edge to its text (a label's depth)

    @property
    def page_end(self) -> int:
        return max(self.page, self.last_page)


class StitchRule(StrEnum):
    """Why page tables were joined, or how a continuation page's rows were joined."""

    REPEATED_TITLE = "repeated_title"  # the next page repeats the table's title
    CONTINUED_TITLE = "continued_title"  # the next page's title is the table's with 续/续表
    NO_TITLE_SAME_GRID = "no_title_same_grid"  # untitled next page, same column rulings
    NO_TITLE_SAME_FRAME = "no_title_same_frame"  # untitled next page, same columns and frame (rescaled)
    FORM_CONTINUED = "form_continued"  # untitled next page that does not open a new form: the form goes on
    REPEATED_HEADER = "repeated_header"  # header rows repeated on the continuation page, dropped
    CUT_ROW = "cut_row"  # the page's first row continues the row cut at the break
    CARRIED_CELLS = "carried_cells"  # merged cells (单位, 项目, 资金总额, 指标) run over the break


_RULE_TEXT = {
    StitchRule.REPEATED_TITLE: "repeated title",
    StitchRule.CONTINUED_TITLE: "continued title (续)",
    StitchRule.NO_TITLE_SAME_GRID: "no title, same column grid",
    StitchRule.NO_TITLE_SAME_FRAME: "no title, same columns and frame (rescaled page)",
    StitchRule.FORM_CONTINUED: "no title and no new form: the form continues",
    StitchRule.REPEATED_HEADER: "repeated header row(s) dropped",
    StitchRule.CUT_ROW: "row cut by the page break merged into row",
    StitchRule.CARRIED_CELLS: "merged cells carried over the page break, columns",
}


@dataclass(frozen=True)
class JoinDecision:
    """One stitching decision: its rule, the pages it joins and the rows or columns involved.

    ``tables.stitch_evidence`` is made from these (``evidence``), so every entry names its rule.
    """

    rule: StitchRule
    pages: tuple[int, ...]  # (previous page, page) for a join of pages; (page,) for rows of one page
    rows: tuple[int, ...] = ()  # logical rows involved (the row a cut piece was merged into)
    columns: tuple[int, ...] = ()  # columns whose merged cells were carried over
    count: int = 0  # header rows dropped

    @property
    def evidence(self) -> str:
        where = f"pages {self.pages[0]}->{self.pages[1]}" if len(self.pages) == 2 else f"page {self.pages[0]}"
        text = _RULE_TEXT[self.rule]
        if self.rule == StitchRule.REPEATED_HEADER:
            text = f"{self.count} {text}"
        elif self.rows:
            text += " " + ",".join(map(str, self.rows))
        elif self.columns:
            text += " " + ",".join(map(str, self.columns))
        return f"{where}: {text} [{self.rule.value}]"


@dataclass(frozen=True)
class LogicalTable:
    """A table after stitching: header rows once, then body rows, with provenance."""

    table_id: int
    title: str | None
    table_type: str
    type_rule: str | None  # the registry rule that typed it (title pattern or header signature); None: other
    family: str | None  # the registry family of its type (function_spending, economic_spending, two_sided, …)
    unit: str | None  # 万元 / 元 / …, from this table's own caption
    department: str | None
    n_header_rows: int
    n_cols: int
    cells: tuple[LogicalCell, ...]
    column_paths: tuple[tuple[str, ...], ...]
    roles: tuple[ColumnRole, ...]
    pages: tuple[int, ...]
    decisions: tuple[JoinDecision, ...]
    captions: tuple[str, ...] = ()
    form: FormRule | None = None  # printed as a form (label/value rows, then indicators)
    text_source: str = "pdf"  # "ocr" when any of its page tables was read from the page image

    @property
    def evidence(self) -> tuple[str, ...]:
        """One line per stitching decision, naming its rule (``tables.stitch_evidence``)."""
        return tuple(d.evidence for d in self.decisions)

    @property
    def n_rows(self) -> int:
        """Body rows after stitching."""
        last = max((c.row + c.row_span for c in self.cells), default=self.n_header_rows)
        return max(0, last - self.n_header_rows)

    @property
    def column_labels(self) -> tuple[str, ...]:
        return tuple("/".join(squash(p) for p in path if squash(p)) for path in self.column_paths)

    def grid(self) -> list[list[LogicalCell | None]]:
        n = self.n_header_rows + self.n_rows
        out: list[list[LogicalCell | None]] = [[None] * self.n_cols for _ in range(n)]
        for cell in self.cells:
            for r in range(cell.row, min(n, cell.row + cell.row_span)):
                for c in range(cell.col, min(self.n_cols, cell.col + cell.col_span)):
                    out[r][c] = cell
        return out


# ---------------------------------------------------------------- captions


def is_continued(pt: PageTable) -> bool:
    """The page table's caption marks it as a continuation (续表, …（续）)."""
    lines = [squash(l.text) for l in pt.captions_above]
    return any(CONTINUATION_LINE.match(l) for l in lines) or bool(CONTINUATION_SUFFIX.search(caption_title(pt) or ""))


def base_title(title: str | None) -> str:
    """A title without its continuation marker: ``2024年部门支出总表（续）`` → ``2024年部门支出总表``."""
    return CONTINUATION_SUFFIX.sub("", squash(title))


def caption_title(pt: PageTable) -> str | None:
    """The printed title above a page table, or None.

    Joined to it: a table label printed on its own line next to it (``表6``, ``表二``,
    ``公开08表``, ``附表十二`` — above the title or below it), a head wrapped onto the line
    above, and a parenthesised subtitle on the line below (``（功能分类）``, ``（2024年度）``),
    so that two tables sharing a name but not a number or subtitle keep distinct titles.
    """
    lines = [squash(l.text) for l in pt.captions_above]
    lines = [l for l in lines if l and not TITLE_NOISE.match(l) and not CAPTION_UNIT.search(l)
             and not CONTINUATION_LINE.match(l)]
    plain = [i for i, l in enumerate(lines) if not TABLE_LABEL.match(l) and not SUBTITLE.match(l)]
    titled = [i for i in plain if "表" in lines[i]] or \
        [i for i in plain if TITLE_TAIL.search(lines[i]) and len(lines[i]) <= 40 and not re.search(r"[。，；]", lines[i])]
    if not titled:
        labels = [l for l in lines if TABLE_LABEL.match(l)]
        return labels[-1] if labels else None
    i = titled[-1]
    title = lines[i]
    # a title wrapped over two lines: a short tail (支出预算表) under its head
    if i > 0 and i - 1 in plain and len(title) <= 12 and len(lines[i - 1]) <= 40 and "表" not in lines[i - 1] \
            and not re.search(r"[。，；：:]", lines[i - 1]):
        title = lines[i - 1] + title
        head = i - 1
    else:
        head = i
    if i + 1 < len(lines) and SUBTITLE.match(lines[i + 1]):
        title += lines[i + 1]
        after = i + 2
    else:
        after = i + 1
    if head > 0 and TABLE_LABEL.match(lines[head - 1]):
        title = lines[head - 1] + title
    elif after < len(lines) and TABLE_LABEL.match(lines[after]):
        title = lines[after] + title
    return title


def caption_unit(pt: PageTable) -> str | None:
    for line in (*pt.captions_above, *pt.captions_below):
        m = CAPTION_UNIT.search(line.text)
        if m:
            return m.group(1)
    return None


def caption_department(pt: PageTable) -> str | None:
    for line in pt.captions_above:
        m = CAPTION_DEPARTMENT.search(line.text)
        if m:
            dept = squash(m.group(1))
            dept = re.split(r"单位[:：]", dept)[0]
            if dept:
                return dept
    return None


# ---------------------------------------------------------------- header rows


def _row_cells(pt: PageTable, row: int) -> list[GridCell]:
    return sorted((c for c in pt.cells if c.row == row), key=lambda c: c.col)


def is_column_number_row(pt: PageTable, row: int) -> bool:
    """The column-number row (``** ** 1 2 3 …``, ``栏次 1 2 3``, ``甲 乙 1 2``) directly under
    the header: not the table's first row, every cell a marker or a small number, and the
    numbers, left to right, counting 1, 2, 3 … (a body row of small integers does not).
    In a table read by OCR a marker may also be a quote mark, as ``**`` scans read
    (``OCR_COLUMN_MARK``); the count 1, 2, 3 … still has to hold."""
    if row < 1:
        return False
    texts = [squash(c.text) for c in _row_cells(pt, row)]
    texts = [t for t in texts if t]
    ocr = pt.text_source == "ocr"
    if len(texts) < 2 or not all(COLUMN_NUMBER_CELL.match(t) or ocr and OCR_COLUMN_MARK.match(t) for t in texts):
        return False
    numbers = [int(t) for t in texts if t.isdigit()]
    return len(numbers) >= 2 and numbers == list(range(1, len(numbers) + 1))


def _looks_like_body(pt: PageTable, row: int) -> bool:
    texts = [squash(c.text) for c in _row_cells(pt, row)]
    if any(TOTAL_LABEL.search(t) for t in texts) and any(is_amount_text(t) for t in texts):
        return True  # 合计 | 0: a total row with its figures (a header prints no figures)
    for c in _row_cells(pt, row):
        t = squash(c.text)
        if not t:
            continue
        # a header prints 合计/总计 as column names, so only numbers and codes mark a body row
        if is_amount_text(t) and not t.isdigit() or CODE_LIKE.match(t):
            return True
    return False


def first_page_header_rows(pt: PageTable) -> int:
    """How many top rows of a table's first page are header (column-number row included)."""
    for r in range(pt.n_rows):
        if is_column_number_row(pt, r):
            return _close_spans(pt, r + 1)
        if r > 0 and _looks_like_body(pt, r):
            return _close_spans(pt, r)
    return pt.n_rows


def split_code_columns(roles: Sequence[ColumnRole], paths: Sequence[tuple[str, ...]]) -> tuple[ColumnRole, ...]:
    """Three neighbouring code columns under one merged label (科目编码 over 类/款/项 printed
    elsewhere) hold a function code split into 类, 款 and 项."""
    out = list(roles)
    for i in range(len(out) - 2):
        trio = out[i:i + 3]
        if all(r.role == Role.CODE for r in trio) and paths[i] == paths[i + 1] == paths[i + 2]:
            for r, part in zip(range(i, i + 3), (Role.CODE_LEI, Role.CODE_KUAN, Role.CODE_XIANG)):
                out[r] = replace(out[r], role=part, scheme=CodeScheme.FUNCTION)
    return tuple(out)


def continue_label_columns(roles: Sequence[ColumnRole], paths: Sequence[tuple[str, ...]]) -> tuple[ColumnRole, ...]:
    """A column with no header label right of a label column continues it (项目名称 printed
    over two columns without the cell being merged: group labels, then items)."""
    out = list(roles)
    for i in range(1, len(out)):
        if not any(squash(p) for p in paths[i]) and out[i].role == Role.UNKNOWN and out[i - 1].role in (Role.LABEL, Role.NAME):
            out[i] = replace(out[i - 1], rule="continues the label column on its left")
    return tuple(out)


def _close_spans(pt: PageTable, n: int) -> int:
    """Grow a header boundary so that no header cell spans into the body."""
    end = n
    for c in pt.cells:
        if c.row < end:
            end = max(end, c.row + c.row_span)
    return min(end, pt.n_rows)


def _row_signature(pt: PageTable, row: int) -> tuple[str, ...]:
    return tuple(squash(c.text) for c in _row_cells(pt, row))


def repeated_header_rows(pt: PageTable, first: PageTable, n_first_header: int) -> int:
    """Leading rows of a continuation page that repeat the first page's header.

    A row repeats it when each of its texts is one of the first page's header texts
    (for text read by OCR: close to one, ``_ocr_same``, since one page's header may be
    misread where the other's is not), or when it is the column-number row. A
    column-number row within the first page's header height ends the header even
    if a row above it did not match: it is printed only under a header, never in a
    table's body."""
    first_texts = {t for r in range(n_first_header) for t in _row_signature(first, r) if t}
    number_rows = {_row_signature(first, r) for r in range(n_first_header) if is_column_number_row(first, r)}
    ocr = pt.text_source == "ocr" or first.text_source == "ocr"

    def known(t: str) -> bool:
        return t in first_texts or (ocr and any(_ocr_same(t, f) for f in first_texts))

    n = 0
    for r in range(pt.n_rows):
        sig = [t for t in _row_signature(pt, r) if t]
        if _row_signature(pt, r) in number_rows or is_column_number_row(pt, r) or \
                (sig and all(known(t) for t in sig) and not _looks_like_body(pt, r)):
            n = r + 1
            continue
        break
    for r in range(n, min(pt.n_rows, n_first_header + 1)):
        if _looks_like_body(pt, r):
            break
        if is_column_number_row(pt, r):
            n = r + 1
            break
    return _close_spans(pt, n) if n else 0


def _ocr_same(a: str, b: str) -> bool:
    """Two header texts that differ only by an OCR misreading: the same length (± 1)
    and at most one character in four differing (``本级动政披款`` / ``本级财政拨款``)."""
    if abs(len(a) - len(b)) > 1 or min(len(a), len(b)) < 2:
        return False
    import difflib

    sm = difflib.SequenceMatcher(None, a, b, autojunk=False)
    same = sum(m.size for m in sm.get_matching_blocks())
    return same >= 0.75 * max(len(a), len(b))


def column_paths(pt: PageTable, n_header: int) -> list[tuple[str, ...]]:
    """Header labels above each column, top to bottom (column-number row excluded)."""
    paths: list[list[str]] = [[] for _ in range(pt.n_cols)]
    for cell in sorted(pt.cells, key=lambda c: (c.row, c.col)):
        if cell.row >= n_header or is_column_number_row(pt, cell.row):
            continue
        text = (cell.text or "").strip()
        for col in range(cell.col, cell.col + cell.col_span):
            if text and (not paths[col] or paths[col][-1] != text):
                paths[col].append(text)
    return [tuple(p) for p in paths]


# ---------------------------------------------------------------- grouping


GRID_TOLERANCE = 4.0  # points: the same ruling drawn on two pages


def column_map(full: PageTable, part: PageTable, tol: float = GRID_TOLERANCE) -> list[int] | None:
    """For each column edge of ``part``, the matching edge index of ``full``; None if they
    do not share the table's frame (a page whose merged cells leave out some rulings, like a
    last page holding only the 合计 row, has a subset of the edges)."""
    out = []
    for x in part.col_edges:
        j = min(range(len(full.col_edges)), key=lambda k: abs(full.col_edges[k] - x))
        if abs(full.col_edges[j] - x) > tol:
            return None
        out.append(j)
    if out[0] != 0 or out[-1] != len(full.col_edges) - 1 or out != sorted(set(out)):
        return None
    return out


def _same_grid(a: PageTable, b: PageTable) -> bool:
    return column_map(a, b) is not None


def _same_frame(a: PageTable, b: PageTable, tol: float = GRID_TOLERANCE) -> bool:
    """Same number of columns inside the same outer frame: a page scaled to fit its width
    (Excel exports) moves the inner rulings but not the table's edges."""
    return a.n_cols == b.n_cols and abs(a.col_edges[0] - b.col_edges[0]) <= tol and \
        abs(a.col_edges[-1] - b.col_edges[-1]) <= tol


def _first_cell_text(pt: PageTable) -> str | None:
    return next((c.text for c in sorted(pt.cells, key=lambda c: (c.row, c.col)) if squash(c.text)), None)


def indicator_header_row(pt: PageTable, registry: Registry) -> int | None:
    """The first row of ``pt`` that is the header row of an indicator grid (一级指标 … 三级指标 |
    指标值, 指标名称 | 指标性质 | 指标值 …: ``Registry.indicator_roles``), or None."""
    for r in range(pt.n_rows):
        if registry.indicator_roles([c.text for c in _row_cells(pt, r)], ocr=pt.text_source == "ocr") is not None:
            return r
    return None


def is_form(pt: PageTable, registry: Registry) -> bool:
    """The page table is (the top of) a performance table printed as a form.

    A form prints label/value rows above its indicator grid: some label of ``[forms]``
    (项目名称, 实施单位, 年度总体目标, 当年整体绩效目标 …) stands in the first column in a row
    that ends above the grid's header row. In a grid table the rows above the indicator
    header are header rows themselves: their first-column label (单位编码, 项目名称) runs
    down into the indicator header row, so it is not a form (Changsha table 9, Beijing
    预算表12). A page holding only the top of a form (西南大学 p19: the grid is on the next
    page) opens with ``start`` and a value beside it (项目名称 | 236中央高校…).
    """
    form = registry.form
    if form is None or not pt.cells:
        return False
    h = indicator_header_row(pt, registry)
    if h is None:  # label | value (| label | value), then another label row; a header row names every column
        row0, row1 = _row_cells(pt, 0), _row_cells(pt, 1)
        if not 2 <= len(row0) <= 4 or row0[0].col != 0 or not form.start.search(squash(row0[0].text)) \
                or any(c.row_span > 1 for c in row0[:2]) or not row1 or not form.is_label(row1[0].text):
            return False
        value = row0[1].text
        return bool(squash(value)) and not form.is_label(value) and \
            registry.column_role((squash(value),), "project_performance_targets").role == Role.UNKNOWN
    return any(c.col == 0 and c.row + c.row_span <= h and (form.field(c.text) is not None or form.start.search(squash(c.text)))
               for c in pt.cells if c.row < h)


def opens_form(pt: PageTable, registry: Registry) -> bool:
    """The page table begins a new form: a form whose first cell is the ``start`` label
    (项目名称, 转移支付名称, 部门名称). A form's continuation on the next page does not."""
    form = registry.form
    first = _first_cell_text(pt)
    return form is not None and first is not None and bool(form.start.search(squash(first))) and is_form(pt, registry)


def group_page_tables(tables: Sequence[PageTable], registry: Registry | None = None) -> list[tuple[list[PageTable], list[JoinDecision]]]:
    """Consecutive page tables that form one logical table, with the decision of each join.

    A repeated title continues a table, except where the page opens a new form (one
    项目绩效目标表 per project, each starting at 项目名称)."""
    registry = registry or default_registry()
    groups: list[tuple[list[PageTable], list[JoinDecision]]] = []
    forms: dict[int, bool] = {}  # id(first page table of a group) -> is_form
    last_on_page = {}
    for pt in tables:
        last_on_page[pt.page] = max(last_on_page.get(pt.page, -1), pt.index_on_page)
    for pt in tables:
        title = caption_title(pt)
        if groups:
            members, decisions = groups[-1]
            prev = members[-1]
            first_title = caption_title(members[0])
            next_page = pt.page == prev.page + 1 and pt.index_on_page == 0 and prev.index_on_page == last_on_page[prev.page]
            starts_form = opens_form(pt, registry)
            rule = None
            continued = is_continued(pt)
            if title and first_title and squash(title) == squash(first_title) and pt.page > prev.page and not starts_form:
                rule = StitchRule.REPEATED_TITLE
            elif continued and pt.page > prev.page and (
                    (title and first_title and base_title(title) == base_title(first_title))
                    or (not title and next_page)):
                rule = StitchRule.CONTINUED_TITLE
            elif not title and next_page and not starts_form and \
                    forms.setdefault(id(members[0]), is_form(members[0], registry)):
                rule = StitchRule.FORM_CONTINUED  # a form's grid on a page of its own (西南大学 p19→20)
            elif not title and next_page and _same_grid(prev, pt):
                rule = StitchRule.NO_TITLE_SAME_GRID
            elif not title and next_page and _same_frame(prev, pt):
                rule = StitchRule.NO_TITLE_SAME_FRAME
            if rule is not None:
                members.append(pt)
                decisions.append(JoinDecision(rule, (prev.page, pt.page)))
                continue
        groups.append(([pt], []))
    return groups


# ---------------------------------------------------------------- stitching


def _join_text(a: str | None, b: str | None) -> str | None:
    if a is None or b is None:
        return a if b is None else b if a is None else None
    if not a:
        return b
    if not b:
        return a
    sep = " " if (a[-1].isascii() and a[-1].isalnum() and b[0].isascii() and b[0].isalnum()) else ""
    return a + sep + b


def stitch(table_id: int, members: Sequence[PageTable], joins: Sequence[JoinDecision],
           registry: Registry | None = None) -> LogicalTable:
    """Build one logical table from its page tables (first page's header kept once).

    ``joins`` are the grouping decisions (one per page join); the decisions taken while
    appending each continuation page's rows (repeated header, cut row, carried cells)
    follow them in ``LogicalTable.decisions``.
    """
    registry = registry or default_registry()
    first = members[0]
    title = caption_title(first)
    form = registry.form if is_form(first, registry) else None
    n_head_first = 0 if form else first_page_header_rows(first)
    h = None if form else indicator_header_row(first, registry)
    if h is not None and h + 1 < n_head_first:  # an indicator grid's header ends with its indicator labels,
        end = h + 2 if is_column_number_row(first, h + 1) else h + 1  # whatever its values look like (≥ 15.52)
        n_head_first = _close_spans(first, end)
    edges = union_edges(members) if form else None
    col_maps = {id(m): column_map_onto(edges, m) for m in members} if edges else {}
    n_cols = len(edges) - 1 if edges else first.n_cols
    paths = [()] * n_cols if form else column_paths(first, n_head_first)
    kind = registry.classify(title, _form_header_paths(members, registry) if form else paths)
    table_type = kind.table_type
    ocr = any(m.text_source == "ocr" for m in members)
    roles = tuple(registry.column_role(p, table_type, ocr=ocr) for p in paths)
    roles = split_code_columns(roles, paths)
    roles = continue_label_columns(roles, paths)
    if not {r.section for r in roles} >= {Section.INCOME, Section.EXPENDITURE}:
        # 收入预算/… over a one-sided table is a header group, not a side
        roles = tuple(replace(r, section=None) for r in roles)
    number_rows = {r for r in range(n_head_first) if is_column_number_row(first, r)}

    cells: list[LogicalCell] = []
    # header rows of the first page (the column-number row dropped, rows renumbered)
    keep = [r for r in range(n_head_first) if r not in number_rows]
    renumber = {r: i for i, r in enumerate(keep)}
    for c in first.cells:
        if c.row in renumber:
            span = sum(1 for r in range(c.row, c.row + c.row_span) if r in renumber)
            cells.append(LogicalCell(renumber[c.row], c.col, max(1, span), c.col_span, c.text, first.page, c.bbox, True,
                                     confidence=c.confidence, indent=c.indent))
    n_header = len(keep)
    decisions: list[JoinDecision] = []
    next_row = _append_page(cells, first, n_head_first, n_header, (), _body_cells(first, n_head_first, col_maps.get(id(first))))
    for prev, pt, join in zip(members, members[1:], joins):
        decisions.append(join)
        if form:  # a form's pages are laid on one grid of all their column edges
            col_map, skip = col_maps[id(pt)], 0
        else:
            col_map = column_map(first, pt) if pt.n_cols != first.n_cols else None
            skip = repeated_header_rows(pt, first, n_head_first) if pt.n_cols == first.n_cols else 0
        if skip:
            decisions.append(JoinDecision(StitchRule.REPEATED_HEADER, (pt.page,), count=skip))
        body = _body_cells(pt, skip, col_map)
        if form:
            row_decisions = form_continuation_decisions(cells, body, next_row, form, pt.page)
        else:
            row_decisions = continuation_decisions(cells, body, skip, next_row, roles, prev.open_bottom,
                                                   registry.complete_cell, pt.page)
        decisions.extend(row_decisions)
        next_row = _append_page(cells, pt, skip, next_row, row_decisions, body)

    captions = tuple(l.text for l in first.captions_above)
    return LogicalTable(
        table_id=table_id,
        title=title,
        table_type=table_type,
        type_rule=kind.rule,
        family=registry.families.get(table_type),
        unit=next((u for u in (caption_unit(m) for m in members) if u), None),
        department=caption_department(first),
        n_header_rows=n_header,
        n_cols=n_cols,
        cells=tuple(sorted(cells, key=lambda c: (c.row, c.col))),
        column_paths=tuple(paths),
        roles=roles,
        pages=tuple(sorted({m.page for m in members})),
        decisions=tuple(decisions),
        captions=captions,
        form=form,
        text_source="ocr" if ocr else "pdf",
    )


def union_edges(members: Sequence[PageTable], tol: float = GRID_TOLERANCE) -> list[float]:
    """Every column edge (pt) of a form's pages, edges within ``tol`` taken as one: the
    columns of a form change from row block to row block and from page to page (西南大学:
    the label rows and the indicator grid rule different columns), so its pages are laid
    on the union of their rulings."""
    xs = sorted((x, i) for i, m in enumerate(members) for x in m.col_edges)
    out: list[float] = []
    cluster: set[int] = set()  # pages whose edge is in the last cluster: a page's own edges stay apart
    for x, i in xs:
        if out and x - out[-1] <= tol and i not in cluster:
            cluster.add(i)
            continue
        out.append(x)
        cluster = {i}
    return out


def column_map_onto(edges: Sequence[float], pt: PageTable) -> list[int]:
    """For each column edge of ``pt``, the index of the nearest of ``edges`` (strictly increasing)."""
    out: list[int] = []
    for x in pt.col_edges:
        j = min(range(len(edges)), key=lambda k: abs(edges[k] - x))
        if out and j <= out[-1]:
            j = out[-1] + 1
        out.append(min(j, len(edges) - 1))
    return out


def _form_header_paths(members: Sequence[PageTable], registry: Registry) -> list[tuple[str, ...]]:
    """The labels of a form's indicator header row (for classification), as one-label paths."""
    for m in members:
        h = indicator_header_row(m, registry)
        if h is not None:
            return [(squash(c.text),) for c in _row_cells(m, h) if squash(c.text)]
    return []


def _covering(cells: Sequence[LogicalCell], row: int, col: int) -> int | None:
    """Index in ``cells`` of the cell covering (row, col), the latest one first."""
    for i in range(len(cells) - 1, -1, -1):
        c = cells[i]
        if c.row <= row < c.row + c.row_span and c.col <= col < c.col + c.col_span:
            return i
    return None


def _cell_at(cells: Sequence[LogicalCell], row: int, col: int) -> LogicalCell | None:
    i = _covering(cells, row, col)
    return None if i is None else cells[i]


def _body_cells(pt: PageTable, start: int, col_map: list[int] | None) -> list[GridCell]:
    """A page table's body cells (rows from ``start``), mapped onto the first page's columns."""
    body = [c for c in pt.cells if c.row >= start]
    if col_map is not None:  # onto the full grid of the table's first page
        body = [replace(c, col=col_map[c.col], col_span=col_map[c.col + c.col_span] - col_map[c.col]) for c in body]
    return body


def continuation_decisions(cells: Sequence[LogicalCell], body: Sequence[GridCell], start: int, next_row: int,
                           roles: Sequence[ColumnRole], prev_open: bool, complete: dict[Role, re.Pattern[str]],
                           page: int) -> tuple[JoinDecision, ...]:
    """How a continuation page's first body row joins the rows above: a piece of the row
    cut at the break (``CUT_ROW``), and/or merged cells continuing (``CARRIED_CELLS``)."""
    last_row = next_row - 1
    if not body or not any(not c.is_header and c.row + c.row_span - 1 == last_row for c in cells):
        return ()
    top = [c for c in body if c.row == start]
    out: list[JoinDecision] = []
    if _is_fragment(top, roles, prev_open, cells, last_row, complete):
        out.append(JoinDecision(StitchRule.CUT_ROW, (page,), rows=(last_row,)))
    carried = _carried_cells(cells, top, roles, last_row)
    if carried:
        out.append(JoinDecision(StitchRule.CARRIED_CELLS, (page,), columns=tuple(sorted(carried))))
    return tuple(out)


def form_continuation_decisions(cells: Sequence[LogicalCell], body: Sequence[GridCell], next_row: int, form: FormRule,
                                page: int) -> tuple[JoinDecision, ...]:
    """A label of a form cut by the page break: the two pieces make a label of the form. When
    the rest of the page's first row is blank the row itself was cut (西南大学 p22→23: 年度总体目
    | goal text, then 标 | blank): ``CUT_ROW``; else the label is a merged cell running on beside
    new rows (p37→38: 绩效指 | 标 beside an indicator): ``CARRIED_CELLS``. Merged 一级/二级指标
    cells need no join in a form: blank cells are filled down from the rows above."""
    last_row = next_row - 1
    top = [c for c in body if c.row == min((b.row for b in body), default=0)]
    for c in top:
        above = _cell_at(cells, last_row, c.col)
        head, tail = squash(above.text) if above is not None else "", squash(c.text)
        if head and tail and above.row + above.row_span - 1 == last_row and above.col == c.col \
                and not form.is_label(head) and form.is_label(head + tail):
            if all(not squash(o.text) for o in top if o is not c):
                return (JoinDecision(StitchRule.CUT_ROW, (page,), rows=(last_row,)),)
            return (JoinDecision(StitchRule.CARRIED_CELLS, (page,), columns=(c.col,)),)
    return ()


def _append_page(cells: list[LogicalCell], pt: PageTable, start: int, next_row: int,
                 decisions: Sequence[JoinDecision], body: Sequence[GridCell] | None = None) -> int:
    """Apply one page's decisions: append its body rows (from ``start``) to ``cells``,
    extending the cells a cut row or a carried merged cell continues. Returns the next
    free logical row."""
    if start >= pt.n_rows:
        return next_row
    if body is None:
        body = _body_cells(pt, start, None)
    last_row = next_row - 1
    fragment = any(d.rule == StitchRule.CUT_ROW for d in decisions)
    carried = {c for d in decisions if d.rule == StitchRule.CARRIED_CELLS for c in d.columns}
    base = last_row - start if fragment else next_row - start
    for c in sorted(body, key=lambda c: (c.row, c.col)):
        if c.row == start and c.col in carried:
            i = _covering(cells, last_row, c.col)
            assert i is not None
            y = cells[i]
            text = _join_text(y.text, c.text) if squash(c.text) and squash(c.text) != squash(y.text) else y.text
            cells[i] = replace(y, text=text, row_span=y.row_span + c.row_span - (1 if fragment else 0), last_page=pt.page)
            continue
        if c.row == start and fragment:
            i = _covering(cells, last_row, c.col)
            if i is not None and cells[i].col == c.col and cells[i].col_span == c.col_span:
                y = cells[i]
                cells[i] = replace(y, text=_join_text(y.text, c.text), row_span=y.row_span + c.row_span - 1,
                                   last_page=pt.page)
                continue
        cells.append(LogicalCell(base + c.row, c.col, c.row_span, c.col_span, c.text, pt.page, c.bbox, False,
                                 confidence=c.confidence, indent=c.indent))
    return base + pt.n_rows


def _role_of(roles: Sequence[ColumnRole], col: int) -> Role:
    return roles[col].role if col < len(roles) else Role.UNKNOWN


def _completes_a_cut_cell(texts: dict[int, str], roles: Sequence[ColumnRole], cells: Sequence[LogicalCell],
                          last_row: int, complete: dict[Role, re.Pattern[str]]) -> bool:
    """Some cell above is incomplete (经济效益, 定) and this row's piece completes it (指标, 性)."""
    for col, t in texts.items():
        pattern = complete.get(_role_of(roles, col))
        if not t or pattern is None:
            continue
        above = _cell_at(cells, last_row, col)
        head = squash(above.text) if above is not None and above.row + above.row_span - 1 == last_row else ""
        if head and not pattern.search(head) and pattern.search(head + t):
            return True
    return False


def _is_fragment(top: Sequence[GridCell], roles: Sequence[ColumnRole], prev_open: bool,
                 cells: Sequence[LogicalCell], last_row: int, complete: dict[Role, re.Pattern[str]]) -> bool:
    """The first body row of a continuation page continues a row cut at the break."""
    texts = {c.col: squash(c.text) for c in top}
    if not any(texts.values()):
        return False
    known = any(r.role != Role.UNKNOWN for r in roles)
    if not known:
        return prev_open and not texts.get(0)
    # An indicator row prints its 三级指标 and its short value cells; a cut row's rest
    # lacks one or the other (whichever did not wrap). Elsewhere: codes and amounts.
    present = {_role_of(roles, col) for col in texts}
    if _starts_new_entity(cells, top, roles, last_row):  # a cut row never starts a unit or project
        return False
    for col, role in enumerate(roles):  # a total row (本年收入合计) is complete: nothing continues it
        above = _cell_at(cells, last_row, col) if role.role in (Role.LABEL, Role.NAME) else None
        if above is not None and TOTAL_LABEL.search(squash(above.text)):
            return False
    if _completes_a_cut_cell(texts, roles, cells, last_row, complete):
        return True
    if Role.LEVEL3 in present:
        short = [t for col, t in texts.items() if _role_of(roles, col) in SHORT_VALUE_ROLES]
        level3_blank = not any(t for col, t in texts.items() if _role_of(roles, col) == Role.LEVEL3)
        # single-line cells have nothing left to print below a cut; a real row prints most of them
        if not (level3_blank or (len(short) >= 3 and sum(1 for t in short if t) <= 1)):
            return False
    elif not all(not t for col, t in texts.items() if _role_of(roles, col) in KEY_ROLES):
        return False
    elif any(is_amount_text(t) for col, t in texts.items() if _role_of(roles, col) == Role.UNKNOWN):
        return False  # figures in columns the registry does not name (2025年预算数): a row of its own
    # a label that starts an enumerated item (一、 1、 （一）) or a total starts a new row
    if any(ITEM_START.match(t) for col, t in texts.items() if t and _role_of(roles, col) in (Role.LABEL, Role.NAME)):
        return False
    # a row printing only 一级/二级指标 is a real row (no 三级指标) unless the break left the cell open;
    # merged cells printed again at the top of the page (单位编码, 项目名称, 资金总额) do not count
    def reprinted(col: int, t: str) -> bool:
        above = _cell_at(cells, last_row, col)
        return above is not None and squash(above.text) == t
    only_levels = all(_role_of(roles, col) in (Role.LEVEL1, Role.LEVEL2) for col, t in texts.items()
                      if t and not (_role_of(roles, col) in ENTITY_ROLES and reprinted(col, t)))
    return prev_open or not only_levels


def _starts_new_entity(cells: Sequence[LogicalCell], top: Sequence[GridCell], roles: Sequence[ColumnRole],
                       last_row: int) -> bool:
    """The top row of a page starts a new unit or project: it prints its own 资金总额
    (a different figure, or the same figure under a different name).

    Not when the rows above printed neither name nor 资金总额 in their merged cells: Excel
    prints a merged cell cut by a page break on one side only, so a project whose name and
    figures stand at the top of the page began, blank, at the bottom of the previous one
    (Beijing 预算表12 p26→27: 慈善北京文化建设服务).
    """
    by_col = {c.col: c for c in top}
    role_col = {r.role: i for i, r in reversed(list(enumerate(roles)))}

    def pair(role: Role) -> tuple[str, str] | None:
        col = role_col.get(role)
        if col is None or col not in by_col:
            return None
        above = _cell_at(cells, last_row, col)
        return squash(by_col[col].text), squash(above.text) if above is not None and not above.is_header else ""

    funds, name = pair(Role.FUNDS), pair(Role.NAME)
    if (funds or name) and not (funds and funds[1]) and not (name and name[1]):
        return False
    name_differs = name is not None and bool(name[0]) and name[0] != name[1]
    if funds is not None:
        return bool(funds[0]) and (funds[0] != funds[1] or name_differs)
    return name_differs


def _carried_cells(cells: Sequence[LogicalCell], top: Sequence[GridCell], roles: Sequence[ColumnRole],
                   last_row: int) -> set[int]:
    """Columns whose merged cell continues over the break.

    A merged cell continues on the next page blank, repeated, or with the rest of its
    wrapped text. Whether the entity (unit or project) continues is told by 资金总额:
    a new entity prints its own. 单位编码 merged over a whole unit continues blank under
    a new project; 一级/二级指标 continue only blank or repeated, left to right.
    """
    by_col = {c.col: c for c in top}
    new_entity = _starts_new_entity(cells, top, roles, last_row)
    # only tables of units/projects (资金总额, names) merge money down over many rows
    entity_continues = not new_entity and any(r.role in (Role.FUNDS, Role.NAME) for r in roles)
    out: set[int] = set()
    levels_open = not new_entity
    for col, role in enumerate(roles):
        if col not in by_col:
            continue
        x, y = by_col[col], _cell_at(cells, last_row, col)
        if y is None or y.is_header or y.col != col or y.col_span != x.col_span:
            continue
        if not squash(y.text):
            # a blank merged cell (a unit's empty 政府性基金 column) continues blank with its entity,
            # or is filled by the text printed on this side of the break (Excel prints a merged
            # cell's text on one side only: the 项目名称 or 一级指标 may stand below the break)
            if entity_continues and role.role in ENTITY_ROLES:
                out.add(col)
            elif role.role in (Role.LEVEL1, Role.LEVEL2):
                if levels_open and squash(x.text):
                    out.add(col)
                else:
                    levels_open = False
            continue
        blank_or_same = not squash(x.text) or squash(x.text) == squash(y.text)
        if role.role == Role.UNIT_CODE:
            if not squash(x.text) or (blank_or_same and not new_entity):
                out.add(col)
        elif role.role in (Role.NAME, Role.FUNDS, Role.GOAL):
            if not new_entity:
                out.add(col)
        elif role.role in (Role.LEVEL1, Role.LEVEL2):
            if levels_open and blank_or_same:
                out.add(col)
            else:
                levels_open = False
        elif role.role == Role.AMOUNT and entity_continues and blank_or_same:
            out.add(col)  # a unit's money merged down (部门整体支出绩效目标表)
        elif role.role == Role.LABEL and blank_or_same and y.row_span > 1 and _is_group_label(roles, col) \
                and not any(TOTAL_LABEL.search(squash(c.text)) for c in top if _role_of(roles, c.col) == Role.LABEL):
            out.add(col)  # a group label merged down (单位名称 of a table grouped by unit) runs on over the
            # break, unless the row below it is a total of its own (合计 stands in no group)
    return out


def _is_group_label(roles: Sequence[ColumnRole], col: int) -> bool:
    """A label column with the rows' own label further right on its side: it names a group of
    rows (the 单位名称 of a table grouped by unit, left of 科目编码 | 科目名称), not one row."""
    return any(r.role in (Role.LABEL, Role.NAME) and r.section == roles[col].section for r in roles[col + 1:])


def lift_caption_rows(pt: PageTable, registry: Registry) -> PageTable:
    """A page table whose ruled frame begins with its title (and captions: （2024年度）, 单位：万元,
    部门名称：…) printed as full-width rows of the grid: those rows become caption lines above
    it, as if printed outside the frame (forms that draw 项目支出绩效目标表 inside their frame).

    A row is lifted when it is one cell across every column and reads as a title (a title the
    registry knows, or a name ending in 表) or a caption; a label of a form (当年整体绩效目标
    across the frame over its text) is not a title.
    """
    lifted: list[TextLine] = []
    form = registry.form
    for r in range(pt.n_rows - 1):
        cells = _row_cells(pt, r)
        if len(cells) != 1 or cells[0].col_span != pt.n_cols or cells[0].row_span != 1:
            break
        t = squash(cells[0].text)
        caption = bool(CAPTION_UNIT.search(t) or CAPTION_DEPARTMENT.search(t) or SUBTITLE.match(t) or TABLE_LABEL.match(t)
                       or CONTINUATION_LINE.match(t))
        titled = t.endswith("表") or registry.classify_title(t) != "other"
        if not t or (form is not None and form.is_label(t)) or not (caption or titled):
            break
        lifted.append(TextLine(cells[0].text or "", cells[0].bbox))
    if not lifted:
        return pt
    n = len(lifted)
    cells = tuple(replace(c, row=c.row - n) for c in pt.cells if c.row >= n)
    return replace(pt, n_rows=pt.n_rows - n, cells=cells, row_edges=pt.row_edges[n:],
                   captions_above=(*pt.captions_above, *lifted))


def stitch_document(tables: Sequence[PageTable], registry: Registry | None = None) -> list[LogicalTable]:
    """Every logical table of a document, in order, from its page tables."""
    registry = registry or default_registry()
    tables = [lift_caption_rows(pt, registry) for pt in tables]
    return [stitch(i, members, joins, registry)
            for i, (members, joins) in enumerate(group_page_tables(tables, registry))]


__all__ = ["JoinDecision", "LogicalCell", "LogicalTable", "StitchRule", "caption_title", "group_page_tables",
           "stitch_document"]
