"""Printed numbers to Decimals: money cells and performance-target values.

Never through float. A blank cell, or a dash used as "none", is no value (None); a
printed ``0``/``0.00`` is a value.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache

NONE_MARKS = {"", "-", "—", "－", "--", "——", "/", "／", "*", "无"}
# One printed amount, whole: an optional sign, digits with or without thousands separators
# (groups of three), optional decimals, an optional trailing money unit; or the same in
# parentheses for a negative (（1,234.00）). Anything else (two figures, a figure with
# words, footnote numbers separated by spaces) is not an amount.
MONEY = re.compile(r"^(?P<open>[（(])?(?P<sign>[-－−])?(?P<num>\d{1,3}(?:[,，]\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
                   r"(?P<close>[)）])?(?:千元|万元|亿元|元)?$")
OPERATORS = {"≥": ">=", "≧": ">=", ">=": ">=", "＞=": ">=", "≤": "<=", "≦": "<=", "<=": "<=", "＜=": "<=",
             "=": "=", "＝": "=", ">": ">", "＞": ">", "<": "<", "＜": "<"}
OPERATOR = re.compile(r"≥|≧|≤|≦|>=|<=|＞=|＜=|=|＝|>|＞|<|＜")
# an operator written in words at the start of the value (Dongguan: 大于等于90%, 不低于, 不超过)
WORD_OPERATORS = (("大于等于", ">="), ("不低于", ">="), ("不少于", ">="), ("小于等于", "<="), ("不高于", "<="),
                  ("不超过", "<="), ("不多于", "<="), ("大于", ">"), ("高于", ">"), ("超过", ">"), ("多于", ">"),
                  ("小于", "<"), ("低于", "<"), ("少于", "<"), ("等于", "="))
# the value is one number, with at most a short label/operator before it and a unit after it
# (满意度≥95%, 49.05万, 4次, 16000元/人/年, ≥1万平方米); dates and sentences with numbers in
# them (11月底前, 在2023年内完成) have no target number
SINGLE_NUMBER = re.compile(r"^[^\d]{0,8}?(?P<num>[-－−]?\d+(?:[,，]\d{3})*(?:\.\d+)?)[^\d前底内完]{0,6}$")
RANGE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*%?\s*[-－~～至—]\s*(\d+(?:\.\d+)?)\s*%?\s*\S*$")


_SPACE_BY_SEPARATOR = re.compile(r"\s*([,，.])\s*")
_SPACE = re.compile(r"\s")
_SPACES = re.compile(r"\s+")


@lru_cache(maxsize=1 << 16)
def parse_amount(text: str | None) -> Decimal | None:
    """A money cell holding exactly one amount: ``9,266.22`` → 9266.22; ``（1,234.00）`` and
    ``-1.00`` → negative; full-width digits (``１２３``) are digits; a trailing ``元``/``万元``
    is allowed; blank or ``-`` → None.

    Returns None for anything that is not one amount — labels, notes, two figures run
    together with a space (``618.94 648``, footnote numbers ``4 12 4 13``) — so callers
    can tell a value from something else by the result. Whitespace is allowed around
    the figure and beside a separator (``1 ,519.74``), never between two digits.
    """
    if text is None:
        return None
    t = unicodedata.normalize("NFKC", text).strip()
    t = _SPACE_BY_SEPARATOR.sub(r"\1", t)  # space drawn beside a separator (``1 ,519.74``) is spacing
    if _SPACES.sub("", t) in NONE_MARKS or _SPACE.search(t):
        return None  # whitespace between digits: several figures, not one amount
    m = MONEY.match(t.replace("（", "(").replace("）", ")"))
    if not m or bool(m.group("open")) != bool(m.group("close")):
        return None
    try:
        value = Decimal(m.group("num").replace(",", "").replace("，", ""))
    except InvalidOperation:
        return None
    return -value if (m.group("open") or m.group("sign")) else value


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

    An operator printed in 指标值类型 or inside the value wins (a symbol anywhere, or words at
    the start: ``大于等于90%`` → ``>=``); else a range (``3-10``); else 定性/定量 from
    指标值类型; else None.
    """
    raw_s = re.sub(r"\s+", "", raw or "")
    vt = re.sub(r"\s+", "", value_type or "")
    comparator = None
    m = OPERATOR.search(vt) or OPERATOR.search(raw_s)
    if m:
        comparator = OPERATORS[m.group(0)]
    else:
        comparator = next((op for word, op in WORD_OPERATORS if raw_s.startswith(word)), None)
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
