"""Printed numbers to Decimals: money cells and performance-target values.

Never through float. A blank cell, or a dash used as "none", is no value (None); a
printed ``0``/``0.00`` is a value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

NONE_MARKS = {"", "-", "—", "－", "--", "——", "/", "／", "*", "无"}
MONEY = re.compile(r"^[（(]?[-－−]?\d{1,3}(?:[,，]\d{3})+(?:\.\d+)?[)）]?$|^[（(]?[-－−]?\d+(?:\.\d+)?[)）]?$")
OPERATORS = {"≥": ">=", ">=": ">=", "＞=": ">=", "≤": "<=", "<=": "<=", "＜=": "<=", "=": "=", "＝": "=",
             ">": ">", "＞": ">", "<": "<", "＜": "<"}
OPERATOR = re.compile(r"≥|≤|>=|<=|＞=|＜=|=|＝|>|＞|<|＜")
# the value is one number, with at most a short label/operator before it and a unit after it
# (满意度≥95%, 49.05万, 4次); dates and sentences with numbers in them have no target number
SINGLE_NUMBER = re.compile(r"^[^\d]{0,8}?(?P<num>[-－−]?\d+(?:[,，]\d{3})*(?:\.\d+)?)[^\d]{0,3}$")
RANGE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*%?\s*[-－~～至—]\s*(\d+(?:\.\d+)?)\s*%?\s*\S*$")


def parse_amount(text: str | None) -> Decimal | None:
    """A money cell: ``9,266.22`` → 9266.22; ``(1.00)`` → -1.00; blank or ``-`` → None.

    Returns None too for text that is not a plain number (labels, notes), so callers
    can tell a value from something else by the result.
    """
    if text is None:
        return None
    t = re.sub(r"\s+", "", text)
    if t in NONE_MARKS or not MONEY.match(t):
        return None
    negative = t.startswith(("(", "（")) or t.lstrip("(（").startswith(("-", "－", "−"))
    digits = re.sub(r"[^\d.]", "", t)
    try:
        value = Decimal(digits)
    except InvalidOperation:
        return None
    return -value if negative else value


def is_amount_text(text: str | None) -> bool:
    return parse_amount(text) is not None


@dataclass(frozen=True)
class TargetValue:
    comparator: str | None
    value: Decimal | None
    low: Decimal | None
    high: Decimal | None


def _dec(s: str) -> Decimal:
    return Decimal(s.replace(",", "").replace("，", "").replace("－", "-").replace("−", "-"))


def parse_target(raw: str | None, value_type: str | None) -> TargetValue:
    """指标值 + 指标值类型 → comparator and numbers, in SCHEMA.md's order of precedence.

    ``target_value`` is set only when the value is a single number (``95%``, ``≥4次``).

    An operator printed in 指标值类型 or inside the value wins; else a range
    (``3-10``); else 定性/定量 from 指标值类型; else None.
    """
    raw_s = re.sub(r"\s+", "", raw or "")
    vt = re.sub(r"\s+", "", value_type or "")
    comparator = None
    m = OPERATOR.search(vt) or OPERATOR.search(raw_s)
    if m:
        comparator = OPERATORS[m.group(0)]
    rng = RANGE.match(raw_s)
    low = high = value = None
    if rng:
        low, high = _dec(rng.group(1)), _dec(rng.group(2))
        if comparator is None:
            comparator = "range"
    else:
        n = SINGLE_NUMBER.match(raw_s)
        if n:
            value = _dec(n.group("num"))
    if comparator is None:
        if "定性" in vt:
            comparator = "qualitative"
        elif "定量" in vt:
            comparator = "quantitative"
    return TargetValue(comparator, value, low, high)


def parse_weight(text: str | None) -> float | None:
    """备注/分值 → score weight: ``20`` or ``20分`` → 20.0; anything else → None."""
    t = re.sub(r"\s+", "", text or "")
    m = re.fullmatch(r"(\d+(?:\.\d+)?)分?", t)
    return float(m.group(1)) if m else None
