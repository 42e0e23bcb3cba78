"""Scoring performance-target tables (绩效目标表) against ground truth read off the real PDFs.

``tests/data/real2/<name>.performance.json`` (written by reading the PDFs, independent of
the code) lists per document the performance tables (title, type, page span, layout), every
printed project (name, unit, 资金, pages, number of indicators, start of its goal) and a
hand-checked sample of 20 indicators with every field.

Measured per document:
- tables: truth tables matched by type and page span;
- projects: truth projects matched by an output project (a run of consecutive
  ``performance_targets`` rows of one table with the same unit, project, 资金 and goal) of the
  same name and 资金 on overlapping pages; extra output projects count against precision;
- indicators: per matched project min(extracted, printed); recall over the printed total,
  precision over everything extracted from performance tables;
- sample: for each sampled indicator, the output row of the same project and 三级指标 on that
  page, and whether its funds, comparator, target_unit, weight (and levels, value) agree;
- money: the ``funds`` line items of the performance tables (one per printed project total,
  Σ = Σ truth funds) and the failed checks on performance tables (false failures: the truth
  files name no printed inconsistency a check would catch).

Used by tests/test_real_performance.py and, as a report, by
``python tests/real_performance.py [NAME_SUBSTRING]``.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "real2"
TRUTH: dict[str, dict] = {f.name.removesuffix(".performance.json") + ".pdf": json.loads(f.read_text("utf-8"))
                          for f in sorted(DATA.glob("*.performance.json"))}
PERFORMANCE_TYPES = {"project_performance_targets", "overall_performance_targets"}
SAMPLE_FIELDS = ("funds", "comparator", "target_unit", "weight")
OTHER_SAMPLE_FIELDS = ("level1", "level2", "target_raw", "target_value")


def squash(s: str | None) -> str:
    return re.sub(r"\s+", "", s or "")


def _dec(v) -> Decimal | None:
    if v is None or v == "":
        return None
    return Decimal(str(v).replace(",", "")).normalize()


@dataclass
class OutProject:
    table_id: int
    unit_name: str | None
    project_name: str | None
    funds: Decimal | None
    goal: str | None
    targets: list = field(default_factory=list)

    @property
    def pages(self) -> tuple[int, int]:
        return min(t.page_start for t in self.targets), max(t.page_end for t in self.targets)


def output_projects(targets) -> list[OutProject]:
    """Consecutive targets of one table with the same unit, project, funds and goal: one project."""
    out: list[OutProject] = []
    for t in targets:
        key = (t.table_id, squash(t.unit_name), squash(t.project_name), _dec(t.funds), squash(t.goal))
        last = out[-1] if out else None
        if last is None or key != (last.table_id, squash(last.unit_name), squash(last.project_name), _dec(last.funds),
                                   squash(last.goal)):
            last = OutProject(t.table_id, t.unit_name, t.project_name, _dec(t.funds), t.goal)
            out.append(last)
        last.targets.append(t)
    return out


@dataclass
class PerfScore:
    name: str
    tables_expected: int = 0
    tables_found: int = 0
    tables_extra: int = 0
    projects_expected: int = 0
    projects_found: int = 0
    projects_out: int = 0
    indicators_expected: int = 0
    indicators_out: int = 0
    indicators_right: int = 0  # Σ min(extracted, printed) over matched projects
    sample_n: int = 0
    sample_found: int = 0
    sample_right: dict[str, int] = field(default_factory=dict)
    funds_items: int = 0  # funds line items of performance tables
    funds_items_expected: int = 0  # printed project totals
    funds_sum: Decimal = Decimal(0)
    funds_sum_expected: Decimal = Decimal(0)
    checks_failed: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.indicators_right / self.indicators_expected if self.indicators_expected else 1.0

    @property
    def precision(self) -> float:
        return self.indicators_right / self.indicators_out if self.indicators_out else 1.0

    @property
    def project_recall(self) -> float:
        return self.projects_found / self.projects_expected if self.projects_expected else 1.0

    @property
    def project_precision(self) -> float:
        return self.projects_found / self.projects_out if self.projects_out else 1.0


def _pages_overlap(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] <= b[1] and b[0] <= a[1]


def score(name: str, out) -> PerfScore:
    truth = TRUTH[name]
    s = PerfScore(name)
    perf_tables = [t for t in out.tables if t.table_type in PERFORMANCE_TYPES]
    perf_ids = {t.table_id for t in perf_tables}
    used: set[int] = set()
    for et in truth["tables"]:
        s.tables_expected += 1
        m = next((t for t in perf_tables if t.table_id not in used and t.table_type == et["table_type"]
                  and (t.page_start, t.page_end) == (et["page_start"], et["page_end"])), None)
        if m is None:
            near = [(t.table_id, t.table_type, t.page_start, t.page_end) for t in out.tables
                    if _pages_overlap((t.page_start, t.page_end), (et["page_start"], et["page_end"]))]
            s.problems.append(f"table {et['title']} p{et['page_start']}-{et['page_end']} ({et['table_type']}) "
                              f"not found; near {near}")
            continue
        used.add(m.table_id)
        s.tables_found += 1
    s.tables_extra = len(perf_tables) - len(used)
    for t in perf_tables:
        if t.table_id not in used:
            s.problems.append(f"extra performance table {t.table_id} {t.title} p{t.page_start}-{t.page_end}")

    targets = [t for t in out.performance_targets if t.table_id in perf_ids]
    projects = output_projects(targets)
    s.projects_out = len(projects)
    s.indicators_out = len(targets)
    taken: set[int] = set()
    for ep in truth["projects"]:
        s.projects_expected += 1
        s.indicators_expected += ep["n_indicators"]
        want = (squash(ep["project_name"]), _dec(ep["funds"]))
        span = tuple(ep["pages"])
        cands = [i for i, p in enumerate(projects) if i not in taken and (squash(p.project_name), p.funds) == want
                 and _pages_overlap(p.pages, span)]
        if ep["project_name"] is None and ep.get("unit_name"):  # an overall table: its unit names it
            cands = [i for i in cands if squash(projects[i].unit_name) == squash(ep["unit_name"])] or cands
        if not cands:
            near = [(p.project_name, str(p.funds), p.pages, len(p.targets)) for p in projects
                    if _pages_overlap(p.pages, span)][:4]
            s.problems.append(f"project {ep['project_name']} ({ep['funds']}) p{span[0]}-{span[1]} not found; "
                              f"near {near}")
            continue
        i = cands[0]
        taken.add(i)
        s.projects_found += 1
        n = len(projects[i].targets)
        s.indicators_right += min(n, ep["n_indicators"])
        if n != ep["n_indicators"]:
            s.problems.append(f"project {ep['project_name']} p{span[0]}-{span[1]}: {n} indicators, "
                              f"printed {ep['n_indicators']}")
        if ep.get("goal_start") and not squash(projects[i].goal).startswith(squash(ep["goal_start"])):
            s.problems.append(f"project {ep['project_name']}: goal {squash(projects[i].goal)[:12]!r} does not "
                              f"start with {ep['goal_start']!r}")
    for i, p in enumerate(projects):
        if i not in taken:
            s.problems.append(f"extra project {p.project_name} ({p.funds}) p{p.pages[0]}-{p.pages[1]}, "
                              f"{len(p.targets)} indicators")

    s.sample_right = {f: 0 for f in (*SAMPLE_FIELDS, *OTHER_SAMPLE_FIELDS)}
    for es in truth["sample"]:
        s.sample_n += 1
        cands = [t for t in targets if squash(t.level3) == squash(es["level3"])
                 and squash(t.project_name) == squash(es["project_name"])
                 and t.page_start <= es["page"] <= t.page_end]
        if not cands:
            s.problems.append(f"sample p{es['page']} {es['project_name']} / {es['level3']} not found")
            continue
        s.sample_found += 1
        t = cands[0]
        for f in (*SAMPLE_FIELDS, *OTHER_SAMPLE_FIELDS):
            got, want = getattr(t, f), es.get(f)
            if f in ("funds", "target_value"):
                ok = _dec(got) == _dec(want)
            elif f == "weight":
                ok = (got is None and want is None) or (got is not None and want is not None and float(got) == float(want))
            else:
                ok = squash(got) == squash(want) and (got is None) == (want is None)
            if ok:
                s.sample_right[f] += 1
            else:
                s.problems.append(f"sample p{es['page']} {es['level3']}: {f} {got!r} != {want!r}")

    funds = [li for li in out.line_items if li.table_id in perf_ids and li.measure == "funds" and not li.is_total]
    s.funds_items = len(funds)
    s.funds_sum = sum((li.amount for li in funds), Decimal(0))
    printed = [ep for ep in truth["projects"] if ep["funds"] is not None]
    s.funds_items_expected = len(printed)
    s.funds_sum_expected = sum((_dec(ep["funds"]) for ep in printed), Decimal(0))
    perf_check = re.compile(r"performance_targets|project_targets|overall_targets")
    s.checks_failed = [f"{c.check_id}: {c.subject} ({c.expected} vs {c.actual})" for c in out.checks
                       if c.status == "failed" and (c.table_id in perf_ids or perf_check.search(c.check_id))]
    return s


def report(filter_: str = "", runner=None) -> list[PerfScore]:
    from real_corpus import run

    runner = runner or run
    scores = []
    print("| document | tables found/printed (+extra) | projects found/printed (extracted) | indicators right/printed "
          "(extracted) | recall | precision | sample found | funds | comparator | unit | weight | funds items "
          "(printed) | Σ funds ok | perf checks failed |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for name in TRUTH:
        if filter_ not in name:
            continue
        s = score(name, runner(name))
        scores.append(s)
        r = s.sample_right
        print(f"| {name.split('__')[1][:30]} | {s.tables_found}/{s.tables_expected} (+{s.tables_extra}) | "
              f"{s.projects_found}/{s.projects_expected} ({s.projects_out}) | {s.indicators_right}/"
              f"{s.indicators_expected} ({s.indicators_out}) | {s.recall:.3f} | {s.precision:.3f} | "
              f"{s.sample_found}/{s.sample_n} | {r['funds']} | {r['comparator']} | {r['target_unit']} | {r['weight']} | "
              f"{s.funds_items} ({s.funds_items_expected}) | {s.funds_sum == s.funds_sum_expected} | "
              f"{len(s.checks_failed)} |")
    return scores


if __name__ == "__main__":
    # python tests/real_performance.py [NAME_SUBSTRING] [--out=DATASET_DIR]: with --out, scores a
    # dataset already written by `budgetpdf extract` over the corpora instead of running them
    sys.path.insert(0, str(ROOT / "tests"))
    args = [a for a in sys.argv[1:] if not a.startswith("--out=")]
    out_dir = next((Path(a.split("=", 1)[1]) for a in sys.argv[1:] if a.startswith("--out=")), None)
    runner = None
    if out_dir is not None:
        from real_corpus import from_dataset

        written = from_dataset(out_dir)
        runner = written.__getitem__
    for s in report(args[0] if args else "", runner):
        if args and (s.problems or s.checks_failed):
            print(f"\n{s.name}:")
            for p in (s.problems + s.checks_failed)[:80]:
                print("  -", p)
