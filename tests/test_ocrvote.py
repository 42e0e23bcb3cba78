"""Words printed more than once vote on their unsure characters (``extract/ocrvote.py``).

The runs here are built by hand, with the probabilities PP-OCRv6 gave the 公墓 readings
of Baisha's 200 dpi scan (``bench/ocr.py``'s seed), so each expectation follows from
the rule's definition; the rule on a real scan is tested in ``test_ocr.py``.
"""

from __future__ import annotations

from budgetpdf.extract.ocr import OcrChar, TextRun
from budgetpdf.extract.ocrvote import UNSURE_BELOW, vote_repeated_words


def run(text: str, unsure: dict[int, tuple[float, str, float]] | None = None) -> TextRun:
    """A run of ``text``, every character read at 0.99 except ``unsure``: index →
    (probability, alternative, its probability)."""
    unsure = unsure or {}
    chars = []
    for i, ch in enumerate(text):
        p, alt, q = unsure.get(i, (0.99, "", 0.0))
        chars.append(OcrChar(ch, 10.0 * i, 10.0 * i + 9, p, alt, q))
    return TextRun(0.0, 0.0, 10.0 * len(text), 12.0, tuple(chars))


def texts(pages) -> list[list[str]]:
    return [[r.text for r in runs] for runs in pages]


def test_a_word_read_sure_elsewhere_decides_the_unsure_reading():
    goal = run("保障公益性公基建设顺利实施", {6: (0.685, "墓", 0.314)})
    name = run("公益性公墓建设", {4: (0.822, "基", 0.177)})
    pages, changed = vote_repeated_words([[goal], [name]])  # on two pages
    assert texts(pages) == [["保障公益性公墓建设顺利实施"], ["公益性公墓建设"]]
    assert changed == [1, 0]
    c = pages[0][0].chars[6]
    assert (c.alternative, round(c.confidence, 2)) == ("基", 0.68)  # 0.822·0.314 against 0.177·0.685
    assert c.x0 == 60.0 and c.x1 == 69.0  # positions kept


def test_alone_or_outvoted_the_reading_stays():
    alone = run("保障公益性公基建设", {6: (0.685, "墓", 0.314)})
    assert texts(vote_repeated_words([[alone]])[0]) == [["保障公益性公基建设"]]
    # another place reads 基 too: both votes favour it
    other = run("公益性公基建设", {4: (0.70, "墓", 0.29)})
    pages, changed = vote_repeated_words([[alone, other]])
    assert changed == [0] and texts(pages) == [["保障公益性公基建设", "公益性公基建设"]]


def test_only_the_same_word_votes():
    """The context is two characters each side: 公园建设 is another word than 公墓建设,
    and 公墓用地 another place than 公墓建设."""
    goal = run("保障公益性公基建设", {6: (0.685, "墓", 0.314)})
    for other in ("公益性公园建设", "新建公益性公墓用地"):
        pages, changed = vote_repeated_words([[goal, run(other)]])
        assert changed == [0], other


def test_figures_measured_marks_and_sure_readings_are_not_put_to_the_vote():
    figures = run("年度预算3建设资金", {4: (0.60, "8", 0.39)})
    sure = run("年度预算8建设资金")
    colon = run("计算公式：得分等于", {4: (0.60, ":", 0.39)})  # measured on the image in ocr.py
    colon2 = run("计算公式:得分等于")
    pages, changed = vote_repeated_words([[figures, sure, colon, colon2]])
    assert changed == [0]
    confident = run("公益性公基建设", {4: (UNSURE_BELOW, "墓", 0.09)})
    pages, changed = vote_repeated_words([[confident, run("公益性公墓建设")]])
    assert changed == [0] and pages[0][0].text == "公益性公基建设"


def test_two_recognisers_that_disagreed_are_put_to_the_vote():
    """PP-OCRv4's second opinion (基 0.98) overrode PP-OCRv6 (墓 0.55), which stays the
    alternative: the other printings decide."""
    overridden = run("新建公益性公基数", {6: (0.981, "墓", 0.549)})
    others = [run("新建公益性公墓数量", {6: (0.898, "基", 0.102)}), run("新建公益性公墓数", {6: (0.863, "基", 0.137)})]
    pages, changed = vote_repeated_words([[overridden], others])
    assert changed == [1, 0] and pages[0][0].text == "新建公益性公墓数"


def test_a_comma_takes_the_width_the_same_phrase_has_elsewhere():
    """Documents print ``,`` between ideographs as well as ``，``, so only the same phrase
    elsewhere in the document decides; here a cell's line begins with the comma, so the
    four characters after it are its context."""
    cut = run(",不得分；大于等于", {0: (0.614, "，", 0.370)})
    full = [run("为不及格，不得分；大于"), run("不及格，不得分；大于等于60%")]
    pages, changed = vote_repeated_words([[cut] + full])
    assert changed == [1] and pages[0][0].text == "，不得分；大于等于"
    ascii_doc = [run("为不及格,不得分；大于"), run("不及格,不得分；大于等于60%")]
    cut2 = run("，不得分；大于等于", {0: (0.614, ",", 0.370)})
    pages, changed = vote_repeated_words([[cut2] + ascii_doc])
    assert changed == [1] and pages[0][0].text == ",不得分；大于等于"


def test_a_place_with_fewer_than_four_characters_around_it_is_kept():
    edge = run("公基建设", {1: (0.6, "墓", 0.39)})  # three characters around it
    pages, changed = vote_repeated_words([[edge, run("公益性公墓建设")]])
    assert changed == [0]
