"""Text repair quirks seen in the real corpus and the seed (fake bold, CJK spaces, wraps, garbage)."""

from __future__ import annotations

from budgetpdf.extract.textrepair import (
    chars_to_text,
    dedupe_chars,
    fix_spacing,
    garble_report,
    join_wrapped,
)


def ch(text: str, x0: float, top: float, size: float = 10.0, w: float | None = None) -> dict:
    w = size if w is None else w
    return {"text": text, "x0": x0, "x1": x0 + w, "top": top, "bottom": top + size, "size": size}


def row(text: str, x0: float, top: float, size: float = 10.0, w: float | None = None) -> list[dict]:
    w = size if w is None else w
    return [ch(c, x0 + i * w, top, size, w) for i, c in enumerate(text)]


def test_fake_bold_duplicate_glyphs_are_dropped():
    # WPS "bold" for SimSun: every glyph of 收入合计 painted twice 0.3 pt apart
    chars = []
    for c in row("收入合计", 100, 50):
        chars += [c, {**c, "x0": c["x0"] + 0.3, "x1": c["x1"] + 0.3}]
    assert chars_to_text(dedupe_chars(chars)) == "收入合计"


def test_repeated_digit_in_tiny_font_is_not_fake_bold():
    # Henan p27 prints 34,644,033 at 2 pt: the two 4s are 1 pt apart and both real
    chars = row("34,644,033", 286.3, 95.5, size=2.03, w=0.99)
    assert chars_to_text(dedupe_chars(chars)) == "34,644,033"


def test_space_inside_cjk_word_is_removed():
    assert fix_spacing("社会效益指 标") == "社会效益指标"
    assert fix_spacing("项  目") == "项目"  # Henan header, letter-spaced
    assert fix_spacing("合\u3000计") == "合计"


def test_spaces_between_latin_words_and_numbers_are_kept():
    assert fix_spacing("Times  New Roman") == "Times New Roman"
    assert fix_spacing("1. 一般公共预算资金") == "1. 一般公共预算资金"
    assert fix_spacing("2019 年度") == "2019 年度"


def test_gap_between_cjk_glyphs_does_not_become_a_space():
    # 项 目 drawn with a wide gap (header letter-spacing)
    chars = [ch("项", 100, 10), ch("目", 130, 10)]
    assert chars_to_text(chars) == "项目"


def test_wrapped_cjk_cell_joins_without_separator():
    # Dongguan p40: 其他党委办公厅（室）及相关机构事务支 / 出
    assert join_wrapped(["其他党委办公厅（室）及相关机构事务支", "出"]) == "其他党委办公厅（室）及相关机构事务支出"
    chars = row("十七、自然资源海洋气象等", 100, 10) + row("支出", 100, 22)
    assert chars_to_text(chars) == "十七、自然资源海洋气象等支出"


def test_wrapped_latin_words_join_with_a_space():
    assert join_wrapped(["General public", "services"]) == "General public services"


def test_wrapped_lines_are_read_top_to_bottom_whatever_the_char_order():
    chars = row("支出", 100, 22) + row("一般公共服务", 100, 10)
    assert chars_to_text(chars) == "一般公共服务支出"


def test_huaian_mis_mapped_font_is_garbled():
    # Huai'an 2026 report p2 as pdfplumber reads it: ASCII where hanzi should be
    text = "NOPQR67ST５UV，jddklm、d5nop，aOPQR67qI９２UV。&rk、stuvwxy、z{|y"
    rep = garble_report([ch(c, i * 10, 0) for i, c in enumerate(text)])
    assert rep.garbled


def test_unmapped_cid_glyphs_are_garbled():
    chars = [ch("(cid:127)", i * 10, 0) for i in range(10)] + row("一般公共预算收入", 0, 20) * 2
    assert garble_report(chars).garbled


def test_ordinary_budget_text_is_not_garbled():
    chars = row("2025年部门财务收支预算总表编制部门：上海市普陀区商务委员会", 0, 0)
    assert not garble_report(chars).garbled


def test_a_gap_equal_to_the_word_gap_threshold_is_no_space_whatever_the_rounding():
    # 杭州 2024 p119 sets digits on a grid: `.` (0.25 em wide) then `9` exactly 0.25 em later.
    # pdfminer (double) and pdfium (single precision) land a few 1e-5 pt either side of the
    # threshold; both must read 100.9, while a visibly wider gap is still a space.
    size = 10.286
    dot = ch(".", 434.276, 124.5, size, 0.25 * size)
    for noise in (-3e-5, 0.0, 3e-5):
        nine = ch("9", dot["x1"] + 0.25 * size + noise, 124.5, size, 0.5 * size)
        assert chars_to_text([*row("100", 418.848, 124.5, size, 0.5 * size), dot, nine]) == "100.9"
    wide = ch("9", dot["x1"] + 0.3 * size, 124.5, size, 0.5 * size)
    assert chars_to_text([dot, wide]) == ". 9"


# --- the fast paths of prose pages give what the glyph-by-glyph definitions give ---------

def _random_glyphs(rng, n: int, alphabet: str) -> list[dict]:
    """Glyphs on a few lines, some drawn twice a fraction of a point apart (fake bold)."""
    out = []
    for _ in range(n):
        size = rng.choice((9.0, 10.5, 12.0))
        c = {"text": rng.choice(alphabet), "x0": rng.uniform(50, 500), "top": rng.choice((100.0, 120.0, 140.5)) +
             rng.uniform(-0.8, 0.8), "size": size}
        c["x1"], c["bottom"] = c["x0"] + size * rng.uniform(0.3, 1.0), c["top"] + size
        out.append(c)
        if rng.random() < 0.02:
            out.append({**c, "x0": c["x0"] + rng.uniform(-1.2, 1.2), "top": c["top"] + rng.uniform(-1.2, 1.2)})
    return out


def test_near_twin_test_agrees_with_every_pair_compared():
    import random

    from budgetpdf.extract.textrepair import _has_near_twin

    rng = random.Random(7)
    for _ in range(300):
        chars = _random_glyphs(rng, rng.randint(0, 40), "的1２ 年")
        solid = [c for c in chars if not c["text"].isspace()]
        brute = any(a["text"] == b["text"] and abs(a["x0"] - b["x0"]) <= 1.0 and abs(a["top"] - b["top"]) <= 1.0
                    for i, a in enumerate(solid) for b in solid[i + 1:])
        assert _has_near_twin(chars, 1.0) == brute
        if not brute:
            assert dedupe_chars(chars, 1.0) == chars


def test_chunk_texts_is_split_chunks_then_line_text():
    import random

    from budgetpdf.extract.textrepair import chunk_texts, line_text, split_chunks

    rng = random.Random(11)
    for _ in range(300):
        line, x = [], 50.0
        for _ in range(rng.randint(1, 30)):
            size = rng.choice((0.0, 9.0, 12.0))
            w = rng.uniform(3, 12)
            c = {"text": rng.choice("预算收入ab12 ."), "x0": x, "x1": x + w, "top": 100 + rng.uniform(-1, 1),
                 "size": size}
            c["bottom"] = c["top"] + 10
            if rng.random() < 0.1:
                c["space_after"] = True
            line.append(c)
            x += w + rng.choice((0.0, 0.5, 2.5, 3.0, 20.0, 40.0))
        want = [(line_text(ch, 0.25), (min(c["x0"] for c in ch), min(c["top"] for c in ch),
                                       max(c["x1"] for c in ch), max(c["bottom"] for c in ch)))
                for ch in split_chunks(line, 3.0)]
        assert chunk_texts(line, 3.0, 0.25) == want


def test_garble_report_counts_glyph_by_glyph():
    import random

    rng = random.Random(3)
    for _ in range(200):
        texts = [rng.choice(["预", "算", "a", "Z", "，", "、", "1", " ", "\u3000", "(cid:12)", "\ue012", "ﬁ", "\x1f"])
                 for _ in range(rng.randint(0, 30))]
        if rng.random() < 0.5:  # pages without undecodable glyphs take the joined-text path
            texts = [t for t in texts if t not in ("(cid:12)", "\ue012", "\x1f", "ﬁ")]
        solid = [t for t in texts if not t.isspace()]
        bad = [t for t in solid if t in ("(cid:12)", "\ue012", "\x1f")]
        good = [t for t in solid if t not in bad]
        rep = garble_report([{"text": t} for t in texts])
        assert (rep.n_chars, rep.bad, rep.ideographs, rep.latin_letters, rep.cjk_punct) == (
            len(solid), len(bad), sum(t in "预算" for t in good), sum(t in "aZ" for t in good),
            sum(t in "，、" for t in good))


def test_row_run_test_agrees_with_split_chunks():
    import random

    from budgetpdf.extract.textrepair import split_chunks
    from budgetpdf.extract.unruled import has_row_run

    rng = random.Random(5)
    for _ in range(300):
        lines = []
        for _ in range(rng.randint(0, 8)):
            ln, x = [], 40.0
            for _ in range(rng.randint(0, 8)):
                size = rng.choice((0.0, 8.0, 10.0))
                c = {"text": "1", "x0": x, "x1": x + 5.0, "top": 0.0, "bottom": 10.0, "size": size}
                ln.append(c)
                x += 5.0 + rng.choice((0.0, 2.0, 8.0, 10.0, 10.0005, 10.01, 30.0))
            lines.append(ln)
        wide = [len(split_chunks(ln, 1.0)) >= 3 for ln in lines]
        want = any(all(wide[i:i + 4]) for i in range(len(lines) - 3))
        assert has_row_run(lines, 4, 3) == want
