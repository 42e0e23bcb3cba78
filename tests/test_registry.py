"""The template registry classifies every title of the fixture and real corpora as expected."""

import json
from pathlib import Path

import pytest

from budgetpdf.normalize.registry import default_registry

ROOT = Path(__file__).resolve().parents[1]
REAL = json.loads((ROOT / "tests" / "data" / "real_corpus_expected.json").read_text("utf-8"))
REAL_TITLES = sorted({(t["title"], t["table_type"]) for doc in REAL.values() for t in doc["tables"]})


@pytest.mark.parametrize("title,table_type", REAL_TITLES)
def test_real_document_titles_classify(title, table_type):
    assert default_registry().classify_title(title) == table_type


def test_fixture_titles_classify():
    from fixtures.specs import all_docs

    for doc in all_docs():
        for t in doc.tables:
            assert default_registry().classify_title(t.title) == t.table_type, t.title


@pytest.mark.parametrize("path,role,measure", [
    (("收 入", "本年预算"), "amount", "current_year"),
    (("本级财政拨款", "其中：经费拨款"), "amount", "funding_appropriation"),
    (("年度预算申请", "资金总额"), "funds", "funds"),
    (("三公经费预（决）算数（财政拨款）", "其中：公务用车运行费"), "amount", "vehicle_operation"),
])
def test_column_roles_and_measures(path, role, measure):
    got = default_registry().column_role(path, "x")
    assert (got.role, got.measure) == (role, measure)


def _fixture_header_paths() -> list[tuple[tuple[str, ...], str]]:
    """Every column path printed in the fixture documents, with its table type (truth files)."""
    paths = set()
    for f in sorted((ROOT / "fixtures" / "docs").glob("*.truth.json")):
        for t in json.loads(f.read_text("utf-8"))["tables"]:
            for p in t["header"]:
                paths.add((tuple(p.split("/")), t["table_type"]))
    return sorted(paths)


def test_ocr_near_label_takes_its_role():
    """The header misread on a 150 dpi scan of Baisha pp. 16-18 (``评（扣）分标准`` read with
    a stray bracket) keeps its column when the labels come from OCR, and only then."""
    r = default_registry()
    misread = ("评（扣）分标）准",)
    assert r.column_role(misread, "project_performance_targets").role == "unknown"
    assert r.column_role(misread, "project_performance_targets", ocr=True).role == "scoring_rule"
    roles = r.indicator_roles(["一级指标", "二级指标", "三级指杯", "指标值", "评（扣）分标）准"], ocr=True)
    assert roles is not None and roles[2] == "level3" and roles[4] == "scoring_rule"
    assert r.indicator_roles(["一级指标", "二级指标", "三级指杯", "指标值"]) is None


def test_ocr_near_match_never_gives_a_wrong_role():
    """Over every printed column path of the fixtures, each last label changed by one edit
    (a substitution, an inserted bracket or character, a deleted character: how OCR misreads
    a header) gets its own role back or none, never another; and a label outside the
    vocabulary as printed (调整预算, 项目编码 …) takes no role by a near match. Most changed
    labels of the near-match roles are recovered (all but a few ambiguous ones)."""
    import random

    from budgetpdf.normalize.registry import OCR_NEAR_ROLES, squash

    r = default_registry()
    rng = random.Random(12)
    stray = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可也能而子（）"
    recovered = tried = 0
    for path, table_type in _fixture_header_paths():
        labels = tuple(squash(x) for x in path if squash(x))
        exact = r.column_role(labels, table_type)
        if exact.role == "unknown":
            assert r.column_role(labels, table_type, ocr=True).role == "unknown", labels
            continue
        for _ in range(5):
            chars = list(labels[-1])
            i = rng.randrange(len(chars))
            op = rng.choice("sid")
            if op == "s":
                chars[i] = rng.choice(stray[:-2])
            elif op == "i":
                chars.insert(i, rng.choice(stray))
            else:
                del chars[i]
            changed = labels[:-1] + ("".join(chars),)
            if not changed[-1] or r.column_role(changed, table_type).role != "unknown":
                continue  # still an exact match (a generic rule), or nothing left
            near = r.column_role(changed, table_type, ocr=True)
            assert near.role in ("unknown", exact.role), (labels, changed, near)
            if exact.role in OCR_NEAR_ROLES and len(labels[-1]) >= 4 and op != "d":  # a 4-character label less one is too short to call
                tried += 1
                recovered += near.role == exact.role
    assert tried >= 30 and recovered >= 0.8 * tried, (recovered, tried)
