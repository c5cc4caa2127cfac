"""Checks of a region-year: the format's rules on the region totals, the agencies' findings,
and the validation overview a reader sees."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from nianbao.checks.validate import check
from nianbao.data.dataset import Dataset
from nianbao.findings import Finding, severity_rank
from nianbao.formats.expr import compile_expr
from nianbao.formats.spec import Rule, all_formats

if TYPE_CHECKING:
    from nianbao.region.data import RegionTotals

# Names of the loader's input checks (the format files name only the report rules).
INPUT_RULE_TITLES = {
    "IN_missing_text": "缺少年度报告正文",
    "IN_missing_stats": "有正文但无统计数据",
    "IN_missing_cell": "统计数据缺少单元格",
    "IN_unknown_cell": "未知单元格",
    "IN_duplicate_cell": "单元格重复填写",
    "IN_unknown_agency": "单位标识不在名录中",
    "IN_front_matter": "正文头部信息有误",
    "IN_text_heading": "正文标题无法识别",
    "IN_encoding": "文件编码有误",
    "IN_header": "文件表头有误",
    "IN_missing_file": "缺少数据文件",
    "IN_year": "年度无适用格式",
    "IN_file_name": "文件名不规范",
    "IN_agency_id": "单位名录：标识无效",
    "IN_agency_kind": "单位名录：类型无效",
    "IN_agency_name": "单位名录：缺少全称",
    "IN_duplicate_agency": "单位名录：标识重复",
}


# ---------------------------------------------------------------- checks on the totals


@dataclass(frozen=True)
class TotalsCheck:
    """One formula rule of the format evaluated on the region totals."""

    rule: Rule
    instances: int
    failures: tuple[tuple[str, float, float], ...]  # (expression, lhs, rhs)

    @property
    def ok(self) -> bool:
        return not self.failures


def check_totals(totals: RegionTotals) -> list[TotalsCheck]:
    """Every formula rule of the format that concerns one report (R1–R4 and, by format, R7b or
    R9), compiled from the format's own expressions and evaluated on the totals."""
    out = []
    for rule in totals.format.enforced_rules:
        if rule.expr_kind != "formula" or rule.scope != "report":
            continue
        failures = []
        instances = rule.instances()
        for _binding, expr in instances:
            compiled = compile_expr(expr)
            values = {ref: np.array([totals.value(ref)]) for ref in compiled.refs}
            result = compiled.evaluate(values)
            if not bool(result["ok"][0]):
                lhs = float(result["lhs"][0]) if "lhs" in result else float("nan")
                rhs = float(result["rhs"][0]) if "rhs" in result else float("nan")
                failures.append((expr, lhs, rhs))
        out.append(TotalsCheck(rule, len(instances), tuple(failures)))
    return out


# ---------------------------------------------------------------- validation of a region-year


def check_region_year(ds: Dataset, agency_ids: Sequence[str], year: int) -> list[Finding]:
    """Input and rule findings of the region's agencies for one year (last year is kept in
    view for the carry-over and text-reuse rules)."""
    sub = ds.restrict_years([int(year) - 1, int(year)])
    return check(sub, agencies=list(agency_ids), years=[int(year)])


def rule_titles() -> dict[str, str]:
    """Chinese name of every rule id of every format, and of the loader's input checks."""
    titles = dict(INPUT_RULE_TITLES)
    for fmt in all_formats():
        titles.update({r.id: r.title_zh for r in fmt.rules})
    return titles


# ---------------------------------------------------------------- validation overview


@dataclass
class ValidationOverview:
    """Findings of a region-year arranged for a reader.

    ``by_rule``: rule, title, severity, number of agencies and findings (errors first).
    ``by_agency``: agencies with findings: name, errors, warnings and the rules concerned.
    ``matrix``: agency × rule counts of findings (all agencies of the region, zeros included).
    ``no_data`` / ``no_narrative``: agency ids; ``late``: agency, name, published, deadline.
    ``general``: findings about whole files (no agency); ``errors``/``warnings``: all counts.
    """

    by_rule: pd.DataFrame
    by_agency: pd.DataFrame
    matrix: pd.DataFrame
    no_data: list[str]
    no_narrative: list[str]
    late: pd.DataFrame
    general: list[Finding] = field(default_factory=list)  # not tied to one agency (files)
    errors: int = 0
    warnings: int = 0


def validation_overview(ds: Dataset, agency_ids: Sequence[str], year: int,
                        findings: Sequence[Finding]) -> ValidationOverview:
    """Arrange the findings of a region-year (see ``ValidationOverview``)."""
    ids = list(agency_ids)
    wanted = set(ids)
    names = ds.agencies["short_name"].astype(str).to_dict()
    titles = rule_titles()
    mine = [f for f in findings if (f.agency_id is None or f.agency_id in wanted)
            and f.year in (None, int(year))]
    records = pd.DataFrame(
        [(f.agency_id, f.rule, f.severity) for f in mine], columns=["agency_id", "rule", "severity"]
    )
    if len(records):
        grouped = records.groupby(["rule", "severity"], sort=False)
        by_rule = grouped.agg(agencies=("agency_id", "nunique"),
                              findings=("rule", "size")).reset_index()
        by_rule["title"] = by_rule["rule"].map(lambda r: titles.get(r, r))
        by_rule["_o"] = by_rule["severity"].map(severity_rank)
        by_rule = by_rule.sort_values(["_o", "findings", "rule"], ascending=[True, False, True],
                                      kind="stable").drop(columns="_o").reset_index(drop=True)
        per_agency = records.dropna(subset=["agency_id"])
        matrix = (per_agency.groupby(["agency_id", "rule"]).size().unstack(fill_value=0)
                  .reindex(index=ids, fill_value=0))
        matrix = matrix[[r for r in by_rule["rule"].drop_duplicates() if r in matrix.columns]]
    else:
        by_rule = pd.DataFrame(columns=["rule", "severity", "agencies", "findings", "title"])
        matrix = pd.DataFrame(index=pd.Index(ids, name="agency_id"))
    by_id: dict[str, list[Finding]] = {}
    for f in sorted(mine, key=lambda f: (severity_rank(f.severity), f.rule)):
        if f.agency_id is not None:
            by_id.setdefault(f.agency_id, []).append(f)
    agency_rows = []
    for agency in ids:
        hits = by_id.get(agency)
        if not hits:
            continue
        counts: dict[str, int] = {}
        for f in hits:
            counts[f.rule] = counts.get(f.rule, 0) + 1
        agency_rows.append({
            "agency_id": agency, "name": names.get(agency, agency),
            "errors": sum(f.severity == "error" for f in hits),
            "warnings": sum(f.severity == "warning" for f in hits),
            "rules": counts,
        })
    by_agency = pd.DataFrame(agency_rows, columns=["agency_id", "name", "errors", "warnings",
                                                   "rules"]).set_index("agency_id")
    no_data = [a for a in ids if not ds.has(a, year)]
    no_narrative = [a for a in ids if ds.has(a, year) and (a, int(year)) not in ds.texts]
    late = pd.DataFrame(
        [(f.agency_id, names.get(f.agency_id, f.agency_id), f.actual, f.expected, f.rule)
         for f in mine if f.rule.startswith("R11_")],
        columns=["agency_id", "name", "published", "deadline", "rule"],
    )
    general = [f for f in mine if f.agency_id is None]
    return ValidationOverview(by_rule, by_agency, matrix, no_data, no_narrative, late, general,
                              sum(f.severity == "error" for f in mine),
                              sum(f.severity == "warning" for f in mine))

