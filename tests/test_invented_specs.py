"""The invented fixture documents: complete, deterministic, varied, and adding up exactly.

These checks use plain arithmetic over the semantic model and over the built tables'
truth records; the independent identity checker lives elsewhere.
"""

from __future__ import annotations

import re
from collections import defaultdict
from decimal import Decimal

import pytest

from fixtures.specs.invented import CATEGORIES, GENERAL, invented_budgets, invented_docs, money, prose_figures

TYPES = ["income_expenditure_summary", "income_summary", "expenditure_summary", "appropriation_summary",
         "general_budget_expenditure", "general_budget_basic_expenditure", "three_public_expenses",
         "government_fund_expenditure", "project_performance_targets", "overall_performance_targets"]
Z = Decimal(0)


@pytest.fixture(scope="module")
def docs():
    return invented_docs()


@pytest.fixture(scope="module")
def budgets():
    return invented_budgets()


def _tab(doc, table_type):
    return next(t for t in doc.tables if t.table_type == table_type)


def _rows(table) -> dict[int, dict[str, Decimal]]:
    """body_row -> {col_key: amount} from the truth records."""
    out: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for li in table.line_items:
        out[li.body_row][li.col_key] = li.amount
    return out


def _meta(table) -> dict[int, tuple[str | None, str]]:
    """body_row -> (code, item) of rows that print amounts."""
    return {li.body_row: (li.code, li.item) for li in table.line_items}


def _side(table, section) -> dict[str, Decimal]:
    return {li.item: li.amount for li in table.line_items if li.section == section}


# ---------------------------------------------------------------------------
# structure and determinism
# ---------------------------------------------------------------------------


def test_documents_complete_and_valid(docs):
    assert len(docs) >= 4
    assert len({d.key for d in docs}) == len(docs)
    assert len({d.department for d in docs}) == len(docs)
    for d in docs:
        assert [t.table_type for t in d.tables] == TYPES, d.key
        assert d.doc_kind == "budget" and str(d.fiscal_year) in d.cover_title and d.department in d.cover_title
        for t in d.tables:
            t.validate()
            assert str(d.fiscal_year) in t.title
            assert t.department_caption.endswith(d.department)
            assert t.unit_caption == f"单位：{t.unit}"
            for c in t.columns:
                if c.is_amount:
                    assert c.measure and re.fullmatch(r"[a-z_]+", c.measure)
            for li in t.line_items:
                assert isinstance(li.amount, Decimal)
        assert _tab(d, "project_performance_targets").landscape and _tab(d, "overall_performance_targets").landscape
        assert len(d.prose) > 30


def test_deterministic(docs):
    again = invented_docs()
    assert again == docs


# ---------------------------------------------------------------------------
# identities on the semantic model
# ---------------------------------------------------------------------------


def test_model_identities(budgets):
    for b in budgets:
        allocs = b.allocations()
        total = b.total()
        assert total == sum(a.q for a in allocs) == sum(b.income().values())
        assert total == sum(u.basic_total for u in b.units) + sum(u.project_total for u in b.units)
        for u in b.units:
            assert sum(u.basic_func.values()) == sum(u.econ.values())
            assert sum(u.income().values()) == u.total
            assert all(q > 0 for q in u.econ.values())
            assert 2 <= len(u.projects) <= 6
        assert sum(b.econ_totals().values()) == b.sum_where(sources=GENERAL, nature="basic")


# ---------------------------------------------------------------------------
# identities on the printed tables (truth records)
# ---------------------------------------------------------------------------


def _check_coded(table, amount_keys):
    """合计 = Σ 类 = Σ 款 = Σ 项 per column; each parent = Σ its children."""
    rows, meta = _rows(table), _meta(table)
    if not table.body_rows:  # an empty table (空表): nothing to add up
        return
    total = next(r for r, (code, _) in meta.items() if code is None)
    for key in amount_keys:
        by_level = defaultdict(lambda: Z)
        by_code = {}
        for r, (code, _) in meta.items():
            if code is None:
                continue
            v = rows[r].get(key, Z)
            by_level[len(code)] += v
            by_code[code] = v
        tot = rows[total].get(key, Z)
        for n in (3, 5, 7):
            assert by_level[n] == tot, (table.title, key, n)
        for code, v in by_code.items():
            kids = [c for c in by_code if len(c) == len(code) + 2 and c.startswith(code)]
            if kids:
                assert sum(by_code[k] for k in kids) == v, (table.title, code, key)


def test_table1(docs):
    for d in docs:
        t = _tab(d, "income_expenditure_summary")
        inc = {k.replace(" ", ""): v for k, v in _side(t, "income").items()}
        exp = {k.replace(" ", ""): v for k, v in _side(t, "expenditure").items()}
        items = sum(v for k, v in inc.items() if k[:2] in ("一、", "二、", "三、", "四、", "五、", "六、"))
        assert items == inc["本年收入合计"] == exp["本年支出合计"]
        assert exp["一、基本支出"] + exp["二、项目支出"] == exp["本年支出合计"]
        assert inc["收入总计"] == inc["本年收入合计"] + inc.get("七、上年结转", Z) == exp["支出总计"]


def test_coded_tables(docs):
    for d in docs:
        t2 = _tab(d, "income_summary")
        keys2 = ["total", "appropriation", "funding_appropriation", "special_account", "operating",
                 "superior_subsidy", "other", "business_income", "carryover"]
        _check_coded(t2, keys2)
        for r in _rows(t2).values():
            assert r["total"] == sum(r.get(k, Z) for k in keys2[1:] if k != "funding_appropriation")
            assert r.get("funding_appropriation", Z) <= r.get("appropriation", Z)
        for tt in ("expenditure_summary", "general_budget_expenditure", "government_fund_expenditure"):
            t = _tab(d, tt)
            _check_coded(t, ["total", "basic", "project"])
            for r in _rows(t).values():
                assert r["total"] == r.get("basic", Z) + r.get("project", Z)
        t6 = _tab(d, "general_budget_basic_expenditure")
        rows, meta = _rows(t6), _meta(t6)
        heads = {code: rows[r] for r, (code, _) in meta.items() if code and len(code) == 3}
        assert set(heads) == {"301", "302", "303"}
        for head, hv in heads.items():
            kids = [rows[r]["total"] for r, (code, _) in meta.items() if code and len(code) == 5
                    and code.startswith(head)]
            assert sum(kids) == hv["total"]
        tot = rows[next(r for r, (c, _) in meta.items() if c is None)]
        assert tot["total"] == sum(h["total"] for h in heads.values()) == tot["personnel"] + tot["public"]
        assert tot["public"] == heads["302"]["total"]
        for r in rows.values():
            assert r["total"] == r.get("personnel", Z) + r.get("public", Z)


def _total_row(table):
    rows, meta = _rows(table), _meta(table)
    return rows[next(r for r, (c, _) in meta.items() if c is None)]


def test_cross_table(docs):
    for d in docs:
        t1 = _side(_tab(d, "income_expenditure_summary"), "expenditure")
        t1 = {k.replace(" ", ""): v for k, v in t1.items()}
        t2, t3, t5 = (_total_row(_tab(d, x)) for x in ("income_summary", "expenditure_summary",
                                                         "general_budget_expenditure"))
        t6 = _total_row(_tab(d, "general_budget_basic_expenditure"))
        assert t2["total"] == t3["total"] == t1["本年支出合计"]
        assert t3["basic"] == t1["一、基本支出"] and t3["project"] == t1["二、项目支出"]
        assert t5.get("basic", Z) == t6["total"]
        fund_t = _tab(d, "government_fund_expenditure")
        t8 = _total_row(fund_t) if fund_t.body_rows else {}
        # table 4 consistent with tables 5 and 8
        t4 = _tab(d, "appropriation_summary")
        inc4, exp4 = _side(t4, "income"), _side(t4, "expenditure")
        assert inc4["一、本年收入"] == t5["total"] + t8.get("total", Z)
        assert inc4["1、一般公共预算拨款收入"] == t5["total"]
        r4 = _rows(t4)
        meta4 = {li.body_row: li.item for li in t4.line_items if li.section == "expenditure"}
        lei5 = {c: _rows(_tab(d, "general_budget_expenditure"))[r]["total"]
                for r, (c, _) in _meta(_tab(d, "general_budget_expenditure")).items() if c and len(c) == 3}
        lei8 = {c: _rows(fund_t)[r]["total"] for r, (c, _) in _meta(fund_t).items() if c and len(c) == 3}
        for i, (code, name) in enumerate(CATEGORIES):
            row = next((r for r, item in meta4.items() if item == f"{i + 1}、{name}"), None)
            got = r4[row] if row is not None else {}
            assert got.get("ex_general", Z) == lei5.get(code, Z), (d.key, code)
            assert got.get("ex_fund", Z) == lei8.get(code, Z), (d.key, code)
            assert got.get("ex_total", Z) == lei5.get(code, Z) + lei8.get(code, Z)
        first = next(r for r, item in meta4.items() if item == "一、本年支出")
        assert r4[first]["ex_total"] == inc4["一、本年收入"]


def test_three_public(docs):
    for d in docs:
        t = _tab(d, "three_public_expenses")
        rows = [_rows(t)[i] for i in range(len(t.body_rows))]
        for r in rows:
            g = lambda k: r.get(k, Z)  # noqa: E731
            assert g("total") == g("reception") + g("overseas") + g("vehicles")
            assert g("vehicles") == g("vehicle_purchase") + g("vehicle_operation")
        for k in ("total", "reception", "overseas", "vehicles", "vehicle_purchase", "vehicle_operation"):
            assert rows[0].get(k, Z) == sum(r.get(k, Z) for r in rows[1:])


def test_performance_tables(docs, budgets):
    for d, b in zip(docs, budgets):
        t9 = _tab(d, "project_performance_targets")
        t3 = _total_row(_tab(d, "expenditure_summary"))
        funds = [li.amount for li in sorted(t9.line_items, key=lambda x: x.body_row)]
        assert funds[0] == t3["project"]
        i, units_sum = 1, Z
        for u in b.units:
            if not u.projects:
                continue
            unit_amount, i = funds[i], i + 1
            projects = funds[i:i + len(u.projects)]
            i += len(u.projects)
            assert unit_amount == sum(projects) == money(u.project_total)
            units_sum += unit_amount
        assert i == len(funds) and units_sum == funds[0]
        t10 = _tab(d, "overall_performance_targets")
        by_unit = defaultdict(dict)
        for li in t10.line_items:
            by_unit[li.item][li.col_key] = li.amount
        total1 = {k.replace(" ", ""): v for k, v in _side(_tab(d, "income_expenditure_summary"), "income").items()}
        assert sum(v["funds"] for v in by_unit.values()) == total1["本年收入合计"]
        for v in by_unit.values():
            g = lambda k: v.get(k, Z)  # noqa: E731
            assert g("funds") == g("general_budget") + g("government_fund") + g("special_account") + g("other")
            assert g("funds") == g("basic") + g("project")


def test_prose_quotes_table_figures(docs, budgets):
    for d, b in zip(docs, budgets):
        text = "\n".join(d.prose)
        f = prose_figures(b)
        u = b.cfg.unit
        su = b.cfg.sangong_unit or u
        assert f"收入预算{f['total']}{u}，其中，一般公共预算拨款{f['general']}{u}" in text
        assert f"支出预算{f['total']}{u}" in text
        assert f"基本支出预算数{f['general_basic']}{u}" in text
        assert f"项目支出预算{f['general_project']}{u}" in text
        assert f"“三公”经费预算数为{f['sangong']}{su}" in text
        assert f"绩效目标的金额为{f['total']}{u}，其中，基本支出{f['basic']}{u}，项目支出{f['project']}{u}" in text
        # ... and those figures are the tables'
        t1 = {k.replace(" ", ""): v for k, v in _side(_tab(d, "income_expenditure_summary"), "income").items()}
        assert f["total"] == t1["本年收入合计"]
        t5 = _total_row(_tab(d, "general_budget_expenditure"))
        assert (f["general"], f["general_basic"], f["general_project"]) == (
            t5["total"], t5.get("basic", Z), t5.get("project", Z))
        assert f["sangong"] == _rows(_tab(d, "three_public_expenses"))[0]["total"]
        if f["fund"]:
            assert f"政府性基金预算拨款支出{f['fund']}{u}" in text
        else:
            assert "无政府性基金安排的支出" in text


# ---------------------------------------------------------------------------
# performance indicators: counts and expected parsed fields
# ---------------------------------------------------------------------------

_OPS = {"≥": ">=", "≤": "<=", "=": "=", ">": ">", "<": "<"}


def _parse(raw: str, vtype: str):
    """SCHEMA.md comparator order, re-derived independently from the printed text."""
    num = re.search(r"\d+(?:\.\d+)?", raw.replace(",", ""))
    op = _OPS.get(vtype.strip())
    if op is None:
        m = re.search(r"[≥≤=><]", raw)
        op = _OPS[m.group(0)] if m else None
    rng = re.fullmatch(r"(\d+(?:\.\d+)?)-(\d+(?:\.\d+)?)", raw)
    if op:
        return op, Decimal(num.group(0)) if num else None, None, None
    if rng:
        return "range", None, Decimal(rng.group(1)), Decimal(rng.group(2))
    kind = {"定性": "qualitative", "定量": "quantitative"}.get(vtype.strip())
    return kind, (Decimal(num.group(0)) if num else None), None, None


def test_indicators(docs):
    for d in docs:
        t9 = _tab(d, "project_performance_targets")
        per_project = defaultdict(int)
        for tg in t9.targets:
            per_project[(tg.unit_code, tg.project_name)] += 1
        assert all(8 <= n <= 25 for n in per_project.values()), per_project
        assert max(per_project.values()) >= 22
        for tt in ("project_performance_targets", "overall_performance_targets"):
            for tg in _tab(d, tt).targets:
                assert tg.level3 not in (None, "", "/")
                assert tg.comparator in (">=", "<=", "=", ">", "<", "range", "qualitative", "quantitative", None)
                texts = [c.text for row in _tab(d, tt).body_rows for c in row]
                assert tg.target_raw in texts
        ws = [tg.weight for tg in t9.targets if tg.weight is not None]
        assert ws and all(w > 0 for w in ws)


def test_indicator_truth_matches_printed_text(docs):
    from fixtures.specs.invented import invented_budgets as ib
    n = 0
    for b in ib():
        inds = [i for u in b.units for p in u.projects for i in p.indicators] + \
               [i for u in b.units for i in u.indicators]
        for ind in inds:
            if not ind.is_target:
                continue
            comp, value, low, high = _parse(ind.target_raw, ind.value_type)
            assert (ind.comparator, ind.target_value, ind.target_low, ind.target_high) == (comp, value, low, high), ind
            if ind.remark:
                assert ind.weight == float(ind.remark.removesuffix("分"))
            else:
                assert ind.weight is None
            n += 1
    assert n > 500


def test_indicator_variety(docs):
    raws, vtypes, remarks, placeholders = set(), set(), set(), set()
    for d in docs:
        for t in d.tables[8:]:
            for tg in t.targets:
                raws.add(tg.target_raw)
                vtypes.add(tg.comparator)
        for u in invented_budgets()[docs.index(d)].units:
            for p in u.projects:
                for i in p.indicators:
                    remarks.add(i.remark)
                    if not i.is_target:
                        placeholders.add("slash" if i.level3 == "/" else "blank")
    assert any(re.fullmatch(r"≥\d+%", r) for r in raws)
    assert any(re.fullmatch(r"\d+%", r) for r in raws)
    assert any(re.fullmatch(r"\d+-\d+", r) for r in raws)
    assert "是" in raws
    assert any(re.fullmatch(r"[\d.]+万", r) for r in raws)
    assert any(r.endswith("分") for r in remarks) and any(r.isdigit() for r in remarks) and "" in remarks
    assert placeholders == {"slash", "blank"}
    assert {">=", "<=", "=", ">", "range", "qualitative", "quantitative", None} <= vtypes


# ---------------------------------------------------------------------------
# variety across documents
# ---------------------------------------------------------------------------


def test_variety(docs, budgets):
    renderers = [d.renderer for d in docs]
    assert renderers.count("xlsx") >= 2 and renderers.count("docx") >= 2
    assert any(not _tab(d, "government_fund_expenditure").body_rows for d in docs)
    assert any(_tab(d, "government_fund_expenditure").body_rows for d in docs)
    yuan = [d for d in docs if _tab(d, "income_expenditure_summary").unit == "元"]
    assert yuan and any(_tab(d, "three_public_expenses").unit == "万元" for d in yuan)
    assert all(t.unit == "元" for t in yuan[0].tables if t.table_type != "three_public_expenses")
    assert max(li.amount for li in _tab(yuan[0], "income_expenditure_summary").line_items) > 10_000_000
    captions = {t.department_caption.split("：")[0] for d in docs for t in d.tables}
    assert captions == {"部门名称", "编制部门"}
    headers = {c.text for d in docs for t in d.tables for row in t.header_rows for c in row}
    assert {"项 目", "项目", "合计", "总 计"} <= headers
    total_rows = {li.item for d in docs for t in d.tables for li in t.line_items if li.is_total}
    assert {"合计", "总计"} <= total_rows
    # thousands separators: with and without
    texts = [c.text for d in docs for t in d.tables[:6] for row in t.body_rows for c in row]
    assert any(re.fullmatch(r"\d{1,3}(,\d{3})+\.\d\d", s) for s in texts)
    assert any(re.fullmatch(r"\d{4,}\.\d\d", s) for s in texts)
    # split_style "full": a 款 row prints its 类 digits too
    full = [d for d in docs if any(row[:2] and len(row[0].text) == 3 and len(row[1].text) == 2 and not row[2].text
                                   for row in _tab(d, "expenditure_summary").body_rows)]
    assert full
    # long goals (300+ characters) in some document
    goals = [tg.goal for d in docs for tg in _tab(d, "project_performance_targets").targets]
    assert max(len(g) for g in goals) >= 300
    # units / projects
    for b in budgets:
        assert all(2 <= len(u.projects) <= 6 for u in b.units)
