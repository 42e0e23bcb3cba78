"""Words printed more than once in a scanned document: their readings vote.

A budget prints the same words many times: a project's name in its 项目名称 cell, again
in its 年度目标 and in its 绩效指标; the same 指标 on every page a table runs over. Each
printing is read from its own pixels, so a glyph the recogniser is unsure of in one
place is often clear in another. On Baisha's 200 dpi scan PP-OCRv6 read 公墓 as 公基 in a
年度目标 cell merged over 12 indicator rows (基 0.69, 墓 0.31 at that time step) and
as 公墓 in the project name beside it (墓 0.82, 基 0.18); both models' first readings
of the cell were 基.

The rule (``vote_repeated_words``): a character read with probability under
``UNSURE_BELOW`` (or whose alternative has more than ``1 - UNSURE_BELOW``: where
PP-OCRv4's second opinion overrode PP-OCRv6, 墓 0.55 against 基 0.98 on Baisha p. 15)
whose next reading at the same CTC time step (``OcrChar.alternative``) is also an
ideograph (or the other width of a comma, ``WIDTH_PAIRS``) is decided
between the two by every place in the document where the same ``CONTEXT`` characters
stand around it: two on each side, or, at the start or end of a run (a cell's text
wraps), all four on the side there is. Each place gives each of the two characters the
probability its reading assigned it (the first or the alternative reading, else
``FLOOR``); the character with the larger product wins, with that share of the two as
its confidence. The unsure place's own reading is one of the votes, so with no other
place nothing changes. Figures are never changed (the identity checks flag a misread
figure instead), nor marks that ``ocr.py`` measures on the image.

It needs the whole document's runs, so ``raster.OcrPages`` reads every flagged page
before it builds any page's tables; each page's OCR note says how many of its
characters the vote changed. It cannot mend a word misread with confidence in most of
its printings (one of three seeds of Baisha's 200 dpi scan: ``bench/README.md``).
Our own code: no library pools OCR readings of a word across a document; this is a few
dictionary passes over the runs.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace

from .ocr import OcrChar, TextRun, _ideograph

CONTEXT = 4  # characters around a place, on one side or both, that make two places the same word
UNSURE_BELOW = 0.9  # a reading this probable or more is not put to the vote
FLOOR = 1e-3  # the probability a place gives a character it read neither first nor second
# Marks printed in two widths that no shape rule measures (brackets, stops, colons and
# semicolons are measured on the image in ``ocr.py``): the text alone cannot tell
# ``，`` from ``,`` (documents print both between ideographs), the same phrase elsewhere can.
WIDTH_PAIRS = frozenset({frozenset("，,")})


def _votes(a: str, b: str) -> bool:
    """Whether a reading ``a`` with the alternative ``b`` is put to the vote."""
    return (_ideograph(a) and _ideograph(b)) or frozenset((a, b)) in WIDTH_PAIRS


def _unsure(c: OcrChar) -> bool:
    """A reading under ``UNSURE_BELOW``, or one whose alternative has more than the rest
    (``1 - UNSURE_BELOW``): two recognisers that disagreed (``RapidOcrReader._second_opinion``
    keeps the one it did not take as the alternative, with its own probability)."""
    return c.confidence < UNSURE_BELOW or c.alternative_confidence > 1.0 - UNSURE_BELOW


def _split(i: int, n: int) -> int | None:
    """How many of the ``CONTEXT`` characters stand left of place ``i`` of a run of ``n``:
    two each side where the run allows, else as many as the short side has; None when
    the run holds fewer than ``CONTEXT`` characters besides the place."""
    left, right = i, n - 1 - i
    if left + right < CONTEXT:
        return None
    half = CONTEXT // 2
    return half if left >= half and right >= CONTEXT - half else (left if left < half else CONTEXT - right)


def _key(chars: Sequence[OcrChar], i: int, k: int) -> tuple[int, str, str]:
    return (k, "".join(c.text for c in chars[i - k:i]), "".join(c.text for c in chars[i + 1:i + 1 + CONTEXT - k]))


def _probability(c: OcrChar, ch: str) -> float:
    if c.text == ch:
        return c.confidence
    if c.alternative == ch:
        return c.alternative_confidence
    return 0.0


def vote_repeated_words(pages: Sequence[Sequence[TextRun]]) -> tuple[list[list[TextRun]], list[int]]:
    """``pages``: each OCR'd page's text runs (``RapidOcrReader.read``). Returns the runs
    with each unsure ideograph decided by the document's other printings of the same
    word (see the module docstring), and how many characters changed on each page.
    Positions, runs and all other characters are unchanged; a changed character keeps
    the one it replaced as its ``alternative``."""
    places: dict[tuple[int, str, str], list[OcrChar]] = defaultdict(list)
    for runs in pages:
        for run in runs:
            n = len(run.chars)
            for i, c in enumerate(run.chars):
                for k in range(max(0, CONTEXT - (n - 1 - i)), min(i, CONTEXT) + 1):
                    places[_key(run.chars, i, k)].append(c)
    changed: list[int] = []
    out: list[list[TextRun]] = []
    for runs in pages:
        changed.append(0)
        new_runs = []
        for run in runs:
            chars = list(run.chars)
            for i, c in enumerate(chars):
                if not _unsure(c) or not c.alternative or not _votes(c.text, c.alternative):
                    continue
                k = _split(i, len(chars))
                if k is None:
                    continue
                key = _key(run.chars, i, k)  # the readings as recognised, not as voted
                if len(places[key]) < 2:
                    continue
                votes = {ch: sum(math.log(max(FLOOR, _probability(p, ch))) for p in places[key])
                         for ch in (c.text, c.alternative)}
                if votes[c.alternative] > votes[c.text]:
                    share = 1.0 / (1.0 + math.exp(votes[c.text] - votes[c.alternative]))
                    chars[i] = replace(c, text=c.alternative, confidence=share, alternative=c.text,
                                       alternative_confidence=1.0 - share)
                    changed[-1] += 1
            new_runs.append(run if chars == list(run.chars) else replace(run, chars=tuple(chars)))
        out.append(new_runs)
    return out, changed


__all__ = ["CONTEXT", "FLOOR", "UNSURE_BELOW", "WIDTH_PAIRS", "vote_repeated_words"]
