"""Printed numbers to Decimals: cases taken from the seed document's cells."""

from decimal import Decimal

import pytest

from budgetpdf.normalize.values import parse_amount, parse_target, parse_weight


@pytest.mark.parametrize("text,value", [
    ("9,266.22", Decimal("9266.22")),
    ("0.00", Decimal("0.00")),  # a printed zero is a value
    ("0", Decimal("0")),
    ("21601733.00", Decimal("21601733.00")),
    (" 1 ,519.74 ", Decimal("1519.74")),  # spaces the PDF put inside a number
    ("(1.50)", Decimal("-1.50")),
    ("-16.32", Decimal("-16.32")),
])
def test_money_cells_parse_exactly(text, value):
    got = parse_amount(text)
    assert got == value and isinstance(got, Decimal)
    assert str(got) == str(value)  # the printed scale is kept


@pytest.mark.parametrize("text", ["", None, "-", "—", "/", "合计", "一、本级财政拨款收入", "95%", "1,2,3"])
def test_blanks_dashes_and_labels_are_no_amount(text):
    assert parse_amount(text) is None


@pytest.mark.parametrize("raw,vtype,comparator,value,low,high", [
    ("151.95", "≤", "<=", "151.95", None, None),
    ("是", "定性", "qualitative", None, None, None),
    ("95", ">", ">", "95", None, None),
    ("满意度≥95%", "", ">=", "95", None, None),  # operator inside the value
    ("49.05万", "≤", "<=", "49.05", None, None),  # unit inside the value
    ("3-10", "定量", "range", None, "3", "10"),  # a range wins over 定量
    ("4-6", "≥", ">=", None, "4", "6"),  # an operator wins over a range
    ("2023年12月30日", "定性", "qualitative", None, None, None),  # a date is no target number
    ("在2023年内完成", "", None, None, None, None),
    ("100%", "=", "=", "100", None, None),
    ("4次", "≥", ">=", "4", None, None),
    ("大于等于90%", "", ">=", "90", None, None),  # an operator in words (Dongguan p149)
    ("不超过5万元", "", "<=", "5", None, None),
    ("≧0.65万亩", "", ">=", "0.65", None, None),  # ≧ / ≦ (Dongguan p205)
    ("≥1万平方米", "", ">=", "1", None, None),  # units of up to six characters
    ("16000元/人/年", "", None, "16000", None, None),  # Beijing p64: no operator, so no comparator
    ("11月底前完成", "", None, None, None, None),  # a deadline is no target number
    ("显著", "", None, None, None, None),
])
def test_target_values_follow_schema_precedence(raw, vtype, comparator, value, low, high):
    t = parse_target(raw, vtype)
    dec = lambda s: None if s is None else Decimal(s)  # noqa: E731
    assert (t.comparator, t.value, t.low, t.high) == (comparator, dec(value), dec(low), dec(high))


@pytest.mark.parametrize("text,weight", [("20", 20.0), ("20分", 20.0), ("10 分", 10.0), ("", None), ("-", None)])
def test_weight_from_remark(text, weight):
    assert parse_weight(text) == weight


@pytest.mark.parametrize("text,value", [
    ("１２３.４５", Decimal("123.45")),  # full-width digits
    ("（1,234.00）", Decimal("-1234.00")),  # full-width parentheses: a negative
    ("49.05万元", Decimal("49.05")),  # a trailing money unit
    ("71,094.166056", Decimal("71094.166056")),  # 万元 printed to the 分
])
def test_one_amount_in_its_printed_forms(text, value):
    assert parse_amount(text) == value


@pytest.mark.parametrize("text", [
    "618.94 648",  # two amounts glued by a merged unruled row (广州 p118)
    "4 12 4 13",  # footnote numbers separated by spaces
    "12 345",  # a space between digits is two figures
    "(1.00",  # unbalanced parenthesis
    "1.2万",  # a unit that is not a money unit
    "1,2345.00",  # thousands groups of four digits
])
def test_several_numbers_or_broken_figures_are_not_one_amount(text):
    assert parse_amount(text) is None
