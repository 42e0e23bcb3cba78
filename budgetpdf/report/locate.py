"""Joins for the report: line items to their cells, checks to the cells they compared.

Neither join is stored in the dataset, so both are derived here from contract columns
alone, and each says how it was made.

Line item → cell (:func:`join_line_items`). ``line_items`` names its row
(``row_index``, which counts header rows like ``cells.row_index``) but not its column:
it carries ``column_label``, and ``tables.header`` lists the ``column_label`` of every
grid column in order. So the cell is at (``row_index``, the column whose header equals
``column_label``). Two-sided and side-by-side tables repeat a label (``支出/支出用途/金额``
twice): then the column whose cell prints the amount is taken, the first not already
taken by another line item of the row. Where no header matches (a label rebuilt from a
spanning group header), the row's one unclaimed cell printing the amount is taken
(``how = "value"``). Anything else stays unjoined and the report counts it.

Check → cells (:func:`locate_check`). A check row holds the printed figure
(``expected``), the computed sum (``actual``), its table, pages and a ``subject``
(``<code> <item> / <column_label>``, ``<section> <item> / <column_label>`` or a row code)
but not the cells it summed. The printed cell is the line item of the check's table and
pages whose amount equals ``expected``, narrowed by the subject's column, code, item and
section. The summed cells are searched among a few structural candidates (the 款/项
under a code, the top-level codes, the rest of the row, the items of a numbered block,
one figure elsewhere for cross-table checks) and accepted only when their amounts add up
to ``actual`` exactly, so an outline never claims more than the data shows
(``parts_verified``). A contract column naming the compared cells would make this exact;
until then the report says when the parts were not found.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from itertools import combinations
from decimal import Decimal, InvalidOperation
from typing import Iterable, Sequence

from budgetpdf.normalize.checks import _enum_level  # one home for the 一、/（一）/1./(1) numbering depth

from .data import Cell

CellKey = tuple[int, int, int]  # (table_id, row_index, col_index)

_NUM_JUNK = re.compile(r"[,，\s￥¥]")
_CODE = re.compile(r"^\d{3,}$")


def parse_amount(text: str | None) -> Decimal | None:
    """A cell's printed number as a Decimal (thousands separators and spaces dropped); None if not a number."""
    if not text:
        return None
    s = _NUM_JUNK.sub("", text).replace("－", "-").replace("—", "-")
    if s.startswith("(") and s.endswith(")"):
        s = "-" + s[1:-1]
    try:
        d = Decimal(s)
    except InvalidOperation:
        return None
    return d if d.is_finite() else None


def occupancy(cells: Iterable[Cell]) -> dict[tuple[int, int], Cell]:
    """(row_index, col_index) of every grid position → the cell covering it (spans included)."""
    grid: dict[tuple[int, int], dict] = {}
    for c in cells:
        rs, cs = c.row_span or 1, c.col_span or 1
        if rs <= 1 and cs <= 1:
            grid.setdefault((c.row_index, c.col_index), c)
            continue
        for r in range(c.row_index, c.row_index + rs):
            for k in range(c.col_index, c.col_index + cs):
                grid.setdefault((r, k), c)
    return grid


def join_line_items(table: dict, cells: Sequence[Cell], items: Sequence[dict],
                    grid: dict[tuple[int, int], Cell] | None = None) -> None:
    """Set ``cell`` (a CellKey or None) and ``how`` (``column`` / ``value`` / None) on each line item of one table.

    ``grid`` is ``occupancy(cells)`` when the caller has it already."""
    grid = occupancy(cells) if grid is None else grid
    columns: dict[str, list[int]] = defaultdict(list)
    for i, h in enumerate(table.get("header") or ()):
        columns[h].append(i)
    by_row: dict[int, list[Cell]] = defaultdict(list)
    for c in cells:
        by_row[c.row_index].append(c)
    used: set[tuple[int, int]] = set()
    pending = []
    for li in items:
        li["cell"], li["how"] = None, None
        row = li["row_index"]
        cols = columns.get(li["column_label"], ())
        choice = None
        if len(cols) == 1:
            choice = cols[0]
        elif cols:
            same = [k for k in cols if (row, k) in grid and parse_amount(grid[(row, k)].text) == li["amount"]]
            free = [k for k in same if (row, grid[(row, k)].col_index) not in used]
            choice = (free or same or [None])[0]
        if choice is not None and (row, choice) in grid:
            cell = grid[(row, choice)]
            li["cell"], li["how"] = (table["table_id"], cell.row_index, cell.col_index), "column"
            used.add((cell.row_index, cell.col_index))
        else:
            pending.append(li)
    for li in pending:  # no header matched: the row's unclaimed cell printing the amount
        same = [c for c in by_row.get(li["row_index"], ())
                if (c.row_index, c.col_index) not in used and parse_amount(c.text) == li["amount"]]
        if same:
            c = same[0]
            li["cell"], li["how"] = (table["table_id"], c.row_index, c.col_index), "value"
            used.add((c.row_index, c.col_index))


@dataclass(frozen=True)
class Located:
    """The cells a check compared, as far as the dataset shows them."""

    printed: tuple[CellKey, ...]  # the cell(s) printing `expected`
    parts: tuple[CellKey, ...]  # the cells whose sum is `actual` (only when verified)
    parts_rule: str | None  # which candidate set added up, e.g. "款/项 under the code"

    @property
    def cells(self) -> tuple[CellKey, ...]:
        return self.printed + self.parts


@dataclass(frozen=True)
class Subject:
    section: str | None
    code: str | None
    item: str | None
    column: str | None


def parse_subject(subject: str | None) -> Subject:
    """``income 本年收入合计 / 收入/金额`` → section, code, item, column (each None when absent)."""
    s = subject or ""
    row, column = (s.rsplit(" / ", 1) + [None])[:2] if " / " in s else (s, None)
    tokens = row.split()
    section = tokens.pop(0) if tokens and tokens[0] in ("income", "expenditure") else None
    code = tokens.pop(0) if tokens and _CODE.match(tokens[0]) else None
    item = " ".join(tokens) or None
    return Subject(section, code, item, column)


def _narrow(cands: list[dict], *preds) -> list[dict]:
    for pred in preds:
        kept = [li for li in cands if pred(li)]
        if kept:
            cands = kept
    return cands


def _total(items: Iterable[dict]) -> Decimal:
    return sum((li["amount"] for li in items), Decimal(0))


def _block(col_items: list[dict], printed: dict) -> list[dict]:
    """Items of a numbered block: below a parent (until its next peer), or above a total (since the previous one)."""
    rows = sorted(col_items, key=lambda li: li["row_index"])
    idx = next((i for i, li in enumerate(rows) if li is printed), None)
    if idx is None:
        return []
    closes = lambda li: li["is_total"] or (li["item"] or "").endswith("小计")  # noqa: E731
    if closes(printed):
        above = []
        for li in reversed(rows[:idx]):
            if closes(li):
                break
            above.append(li)
        levels = [(_enum_level(li["item"] or "") or 1) for li in above]
        top = min(levels, default=1)
        return [li for li, lvl in zip(above, levels) if lvl == top]
    level = _enum_level(printed["item"] or "") or 0
    below = []
    for li in rows[idx + 1:]:
        lvl = _enum_level(li["item"] or "")
        if closes(li) or (lvl is not None and lvl <= level):
            break
        below.append((li, lvl if lvl is not None else level + 1))
    top = min((lvl for _, lvl in below), default=None)
    return [li for li, lvl in below if lvl == top]


def _unique_subset(items: Sequence[dict], target: Decimal, max_items: int = 16, max_size: int = 5) -> list[dict]:
    """The one smallest set of ``items`` whose amounts add up to ``target``; [] if none or several."""
    if len(items) > max_items:
        return []
    for size in range(1, min(len(items), max_size) + 1):
        hits = [combo for combo in combinations(items, size) if _total(combo) == target]
        if hits:
            return list(hits[0]) if len(hits) == 1 else []
    return []


def locate_check(check: dict, items: Sequence[dict]) -> Located:
    """The cells of one check among the document's joined line items (see the module docstring).

    ``items`` are the document's line items after :func:`join_line_items` (``cell`` set).
    Returns empty tuples when the printed figure is not a line item (e.g. a figure quoted
    in the prose) or when the check has no figures (``not_run``).
    """
    expected, actual = check.get("expected"), check.get("actual")
    if expected is None:
        return Located((), (), None)
    pages = set(check.get("pages") or ())
    scope = [li for li in items if li.get("cell") is not None
             and (check.get("table_id") is None or li["table_id"] == check["table_id"])
             and (not pages or li["page"] in pages)]
    subj = parse_subject(check.get("subject"))
    printed_c = _narrow([li for li in scope if li["amount"] == expected],
                        lambda li: li["column_label"] == subj.column,
                        lambda li: subj.code is not None and li["code"] == subj.code,
                        lambda li: subj.item is not None and (li["item"] or "") == subj.item.replace(" ", ""),
                        lambda li: subj.section is not None and li["section"] == subj.section)
    printed = printed_c[:1]
    if actual is None or not printed:
        return Located(tuple(li["cell"] for li in printed), (), None)
    p = printed[0]
    others = [li for li in scope if li is not p]
    same_col = [li for li in others if li["table_id"] == p["table_id"] and li["column_label"] == p["column_label"]
                and li["section"] == p["section"]]
    candidates: list[tuple[str, list[dict]]] = []
    if p.get("code"):
        below = [li for li in same_col if li["code"] and li["code"] != p["code"] and li["code"].startswith(p["code"])]
        depth = min((len(li["code"]) for li in below), default=None)
        candidates.append(("the codes one level under it", [li for li in below if len(li["code"]) == depth]))
    coded = [li for li in same_col if li["code"] and not li["is_total"]]
    depth = min((len(li["code"]) for li in coded), default=None)
    candidates.append(("the top-level codes of its column", [li for li in coded if len(li["code"]) == depth]))
    candidates.append(("the items of its numbered block", _block([p, *same_col], p)))
    row = [li for li in others if li["table_id"] == p["table_id"] and li["row_index"] == p["row_index"]]
    candidates.append(("the other figures of its row", row))
    candidates.append(("the other figures of its row but totals", [li for li in row if li["measure"] != "total"]))
    candidates.append(("figures of its row", _unique_subset(row, actual)))
    if check.get("table_id") is None:  # cross-table and prose checks compare one figure with one figure
        candidates.append(("the figure it is compared with", [li for li in others if li["amount"] == actual][:1]))
    for rule, parts in candidates:
        if parts and _total(parts) == actual:
            return Located((p["cell"],), tuple(li["cell"] for li in parts), rule)
    return Located((p["cell"],), (), None)
