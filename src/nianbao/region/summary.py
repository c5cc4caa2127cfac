"""The whole region at a glance: totals over its agencies, comparisons, checks and prose.

A region is the value of the ``region`` column of ``agencies.csv``. Its totals are an object
with ``.format`` and ``.value(ref)`` summing the agencies' cells, so the official tables, the
charts and the sentence generator render it exactly as they render one agency's report, and the
format's own rule expressions check it.

Output names (region slugs, folders, the summary's ``RunSpec``) live in ``nianbao.region.spec``
and are re-exported here.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from nianbao.checks.validate import check
from nianbao.data.dataset import Dataset, load
from nianbao.data.loading import load_agencies, stats_files
from nianbao.data.measures import decision_label, decision_refs, quantities_frame, rows_of
from nianbao.data.model import Narrative
from nianbao.errors import ParameterError
from nianbao.findings import Finding, severity_rank
from nianbao.formats.expr import compile_expr
from nianbao.formats.spec import ReportFormat, Rule, all_formats, format_for_year
from nianbao.paths import DATA_DIR
from nianbao.region import phrases as P
from nianbao.region.spec import REGIONS_FILE, region_slug  # noqa: F401  (re-exported)
from nianbao.report import narrative

TREND_YEARS = 5  # report years loaded for the trend chart, the summary year included
MOVERS = 3  # agencies named for the largest increases and decreases
NAMES_SHOWN = 5  # agencies named in a sentence before "等 n 个单位"
INPUT_REFS = ("s6.fee_notices_issued", "s6.fee_notices_amount_yuan", "s6.fee_collected_yuan")
YUAN_PER = {"元": 1.0, "万元": 10000.0}

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


# ---------------------------------------------------------------- regions and output names


def regions_of(source: Dataset | pd.DataFrame | str | Path, year: int | None = None) -> list[str]:
    """The regions named in the agency registry, sorted; with ``year`` (and a Dataset), only
    regions in which at least one agency has statistics for that year."""
    if isinstance(source, Dataset):
        registry = source.agencies
    elif isinstance(source, pd.DataFrame):
        registry = source
    else:
        registry, _ = load_agencies(Path(source))
    regions = registry["region"].astype(str).str.strip()
    if year is not None:
        if not isinstance(source, Dataset):
            raise TypeError("filtering regions by year needs a loaded Dataset")
        have = set(source.keys.agency_id[source.keys.year == int(year)])
        regions = regions[registry.index.isin(have)]
    return sorted({r for r in regions if r})


def region_agency_ids(registry: pd.DataFrame, region: str) -> list[str]:
    """Agencies of a region in registry order."""
    regions = registry["region"].astype(str).str.strip()
    return [a for a, r in zip(registry.index, regions, strict=True) if r == region]


# ---------------------------------------------------------------- totals


@dataclass(frozen=True)
class RegionTotals:
    """The sum of the region's agencies' cells for one year, shaped like a ``Report``.

    ``values`` holds every cell of the year's format plus the section-六 fee figures that at
    least one agency stated. A column without a fixed unit (F2019 采购总金额) is summed in 元
    when agencies wrote different units, and ``units`` says so.
    """

    region: str
    year: int
    values: Mapping[str, float]
    agency_ids: tuple[str, ...]
    units: Mapping[str, str] = field(default_factory=dict)
    converted: tuple[str, ...] = ()  # cells whose amounts were converted to 元
    fees_stated: int = 0  # agencies that stated all three section-六 fee figures
    prev: RegionTotals | None = None

    @property
    def format(self) -> ReportFormat:
        return format_for_year(self.year)

    @property
    def n_agencies(self) -> int:
        return len(self.agency_ids)

    def value(self, ref: str) -> float:
        return float(self.values.get(ref, 0.0))

    def count(self, ref: str) -> int:
        return int(round(self.value(ref)))

    def derived(self, name: str) -> float:
        from nianbao.data.quantities import derived_quantity

        return derived_quantity(self, name)

    @property
    def narrative(self) -> Narrative:
        """The summed fee figures as front matter, for ``narrative.fee_sentence``."""
        meta = {ref[3:]: self.values[ref] for ref in INPUT_REFS if ref in self.values}
        return Narrative(meta=meta)

    def fee_statement_complete(self) -> bool:
        """True when a fee sentence for the region is complete: every agency stated its fee
        figures, or none did and table 三 shows no application dropped for non-payment (the
        convention of a single report)."""
        if self.fees_stated == self.n_agencies:
            return True
        stated = any(ref in self.values for ref in INPUT_REFS)
        return not stated and self.value("t3.res_other_no_fee.total") == 0


def _free_unit_sum(ds: Dataset, rows: np.ndarray, ref: str) -> tuple[float, str, bool]:
    """Sum of a column without a fixed unit: (total, unit, converted to 元)."""
    col = ds.values[rows, ds.ref_index[ref]]
    present = [(k, v) for k, v in zip(rows.tolist(), col.tolist(), strict=True) if not np.isnan(v)]
    units = {ds.units.get((k, ref), "") for k, _ in present}
    if len(units) <= 1:
        return float(sum(v for _, v in present)), units.pop() if units else "", False
    total = sum(v * YUAN_PER.get(ds.units.get((k, ref), ""), 1.0) for k, v in present)
    return float(total), "元", True


def region_totals(ds: Dataset, agency_ids: Sequence[str], year: int,
                  region: str = "", with_prev: bool = True) -> RegionTotals:
    """Totals of one year over the given agencies (those without data that year are skipped);
    with ``with_prev`` also last year's totals over the agencies that reported then."""
    fmt = format_for_year(year)
    rows = rows_of(ds, agency_ids, year)
    refs = fmt.cell_refs()
    cols = np.array([ds.ref_index[r] for r in refs], dtype=np.int64)
    block = ds.values[np.ix_(rows, cols)]
    sums = np.nansum(block, axis=0) if len(rows) else np.zeros(len(refs))
    values = dict(zip(refs, sums.tolist(), strict=True))
    units: dict[str, str] = {}
    converted = []
    for table in fmt.tables:
        for column in table.columns:
            if column.unit is not None:
                continue
            for row in table.data_rows:
                ref = f"{table.id}.{row.id}.{column.id}"
                total, unit, changed = _free_unit_sum(ds, rows, ref)
                values[ref] = total
                if unit:
                    units[ref] = unit
                if changed:
                    converted.append(ref)
    fees = ds.values[np.ix_(rows, [ds.ref_index[r] for r in INPUT_REFS])]
    for j, ref in enumerate(INPUT_REFS):
        if np.any(~np.isnan(fees[:, j])):
            values[ref] = float(np.nansum(fees[:, j]))
    fees_stated = int((~np.isnan(fees)).all(axis=1).sum())
    have = tuple(ds.keys.agency_id.to_numpy()[rows].tolist())
    prev = None
    if with_prev and any(ds.has(a, int(year) - 1) for a in agency_ids):
        prev = region_totals(ds, agency_ids, int(year) - 1, region, with_prev=False)
    return RegionTotals(region, int(year), values, have, units, tuple(converted), fees_stated,
                        prev)


def totals_history(ds: Dataset, agency_ids: Sequence[str], region: str = "",
                   up_to: int | None = None) -> list[RegionTotals]:
    """Region totals of every loaded year in which some agency of the region reported."""
    out = []
    for year in ds.years():
        if up_to is not None and year > up_to:
            continue
        if any(ds.has(a, year) for a in agency_ids):
            out.append(region_totals(ds, agency_ids, year, region))
    return out


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


def restrict_years(ds: Dataset, years: Iterable[int]) -> Dataset:
    """Kept for callers of this module: see ``Dataset.restrict_years``."""
    return ds.restrict_years(years)


def check_region_year(ds: Dataset, agency_ids: Sequence[str], year: int) -> list[Finding]:
    """Input and rule findings of the region's agencies for one year (last year is kept in
    view for the carry-over and text-reuse rules)."""
    sub = restrict_years(ds, [int(year) - 1, int(year)])
    return check(sub, agencies=list(agency_ids), years=[int(year)])


def rule_titles() -> dict[str, str]:
    """Chinese name of every rule id of every format, and of the loader's input checks."""
    titles = dict(INPUT_RULE_TITLES)
    for fmt in all_formats():
        titles.update({r.id: r.title_zh for r in fmt.rules})
    return titles


# ---------------------------------------------------------------- per-agency comparison


def comparison_columns(fmt: ReportFormat) -> list[tuple[str, str, str]]:
    """(column key, Chinese header, kind) of the comparison table, in display order.

    Kinds: ``text``, ``count``, ``change`` (signed count), ``pct`` and ``date``.
    """
    cols = [
        ("name", "单位", "text"), ("kind", "类型", "text"),
        ("new", "新收申请", "count"), ("new_change", "较上年", "change"),
        ("carry_in", "上年结转", "count"), ("answered", "办结", "count"),
        ("carry_out", "结转下年度", "count"), ("open_or_partial", "公开及部分公开", "count"),
        ("open_share", "公开占比", "pct"), ("reviews", "行政复议", "count"),
        ("lawsuits", "行政诉讼", "count"),
    ]
    cols += [(ref, decision_label(fmt, ref), "count") for ref in decision_refs(fmt)]
    cols += [("errors", "错误", "count"), ("warnings", "警告", "count"),
             ("published", "发布日期", "date")]
    return cols


def comparison_frame(ds: Dataset, agency_ids: Sequence[str], year: int,
                     findings: Sequence[Finding] = ()) -> pd.DataFrame:
    """One row per agency of the region (registry order), reported or not: applications
    received, carried over, answered and carried forward, the share disclosed in full or in
    part, review and litigation cases, administrative decisions, findings, publication date."""
    fmt = format_for_year(year)
    ids = list(agency_ids)
    frame = pd.DataFrame(index=pd.Index(ids, name="agency_id"))
    frame["name"] = ds.agencies.loc[ids, "short_name"].astype(str).to_numpy()
    frame["kind"] = ds.agencies.loc[ids, "kind"].astype(str).to_numpy()
    reported = [ds.has(a, year) for a in ids]
    frame["reported"] = reported
    frame["status"] = [P.REPORTED if r else P.NOT_REPORTED for r in reported]
    rows = rows_of(ds, ids, year)
    q = quantities_frame(ds, rows).droplevel("year")
    for col in ("new", "carry_in", "answered", "carry_out", "open_or_partial", "reviews",
                "lawsuits"):
        frame[col] = q[col].reindex(frame.index)
    prev = quantities_frame(ds, rows_of(ds, ids, int(year) - 1)).droplevel("year")
    frame["new_prev"] = prev["new"].reindex(frame.index)
    frame["new_change"] = frame["new"] - frame["new_prev"]
    with np.errstate(divide="ignore", invalid="ignore"):
        frame["open_share"] = np.where(frame["answered"] > 0,
                                       100.0 * frame["open_or_partial"] / frame["answered"],
                                       np.nan)
    for ref in decision_refs(fmt):
        col = np.nan_to_num(ds.values[rows, ds.ref_index[ref]])
        frame[ref] = pd.Series(col, index=[ds.keys.agency_id.iat[k] for k in rows]).reindex(
            frame.index)
    errors = pd.Series(0, index=frame.index)
    warnings = pd.Series(0, index=frame.index)
    for f in findings:
        if f.agency_id in frame.index and f.year in (None, int(year)):
            if f.severity == "error":
                errors[f.agency_id] += 1
            elif f.severity == "warning":
                warnings[f.agency_id] += 1
    frame["errors"] = errors
    frame["warnings"] = warnings
    frame["published"] = [
        (ds.texts[(a, int(year))].published if (a, int(year)) in ds.texts else None) for a in ids
    ]
    return frame


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


# ---------------------------------------------------------------- movements against last year


def agency_changes(ds: Dataset, agency_ids: Sequence[str], year: int,
                   quantity: str = "new") -> pd.DataFrame:
    """Agencies with data in both years: this year's and last year's value of a quantity, the
    change and the change in percent (NaN without a base), largest increase first."""
    ids = [a for a in agency_ids if ds.has(a, year) and ds.has(a, int(year) - 1)]
    now = quantities_frame(ds, rows_of(ds, ids, year)).droplevel("year")[quantity]
    before = quantities_frame(ds, rows_of(ds, ids, int(year) - 1)).droplevel("year")[quantity]
    frame = pd.DataFrame({"value": now, "prev": before.reindex(now.index)})
    frame["change"] = frame["value"] - frame["prev"]
    with np.errstate(divide="ignore", invalid="ignore"):
        frame["pct"] = np.where(frame["prev"] > 0, 100.0 * frame["change"] / frame["prev"], np.nan)
    frame["name"] = ds.agencies.loc[frame.index, "short_name"].astype(str)
    frame.index.name = "agency_id"
    return frame.sort_values(["change", "name"], ascending=[False, True], kind="stable")


def category_changes(totals: RegionTotals) -> list[tuple[str, int, int]]:
    """(category label, last year, this year) of table 三's result categories, in table order;
    empty without last year's totals."""
    if totals.prev is None:
        return []
    now = narrative.result_categories(totals)
    before = {c.category: c.count for c in narrative.result_categories(totals.prev)}
    return [(c.label, before.get(c.category, 0), c.count) for c in now]


# ---------------------------------------------------------------- prose


def _names(names: Sequence[str]) -> str:
    if len(names) <= NAMES_SHOWN:
        return P.NAME_SEP.join(names)
    return P.NAMES_MORE.format(names=P.NAME_SEP.join(names[:NAMES_SHOWN]), n=len(names))


def _mover(row) -> str:
    d = narrative.fmt_count(abs(row.change))
    if row.change > 0:
        if row.prev == 0:
            return P.MOVER_UP_FROM_ZERO.format(name=row.name, d=d)
        return P.MOVER_UP.format(name=row.name, d=d, pct=narrative.fmt_pct(row.change, row.prev))
    return P.MOVER_DOWN.format(name=row.name, d=d, pct=narrative.fmt_pct(-row.change, row.prev))


def movements_sentence(changes: pd.DataFrame, n: int = MOVERS) -> str:
    """The agencies with the largest increases and decreases of new applications."""
    if not len(changes):
        return ""
    up = changes[changes["change"] > 0].head(n)
    down = changes[changes["change"] < 0].sort_values(["change", "name"], kind="stable").head(n)
    if not len(up) and not len(down):
        return P.MOVERS_NONE
    parts = []
    if len(up):
        parts.append(P.MOVERS_UP.format(items="、".join(_mover(r) for r in up.itertuples())))
    if len(down):
        items = "、".join(_mover(r) for r in down.itertuples())
        parts.append((P.MOVERS_DOWN_AFTER_UP if parts else P.MOVERS_DOWN_ONLY).format(items=items))
    return "".join(parts) + "。"


def category_sentence(totals: RegionTotals) -> str:
    """The result category of table 三 that moved most against last year, if any moved."""
    changes = [(label, a, b) for label, a, b in category_changes(totals) if a != b]
    if not changes:
        return ""
    label, a, b = max(changes, key=lambda c: (abs(c[2] - c[1]), -changes.index(c)))
    template = P.CATEGORY_UP if b > a else P.CATEGORY_DOWN
    text = template.format(label=label, a=narrative.fmt_count(a), b=narrative.fmt_count(b))
    if a > 0:
        text += P.CATEGORY_PCT.format(direction=P.UP if b > a else P.DOWN,
                                      pct=narrative.fmt_pct(abs(b - a), a))
    return text + "。"


# ---------------------------------------------------------------- one region-year


@dataclass
class RegionData:
    """Everything a region summary shows, computed once from one load of the data."""

    region: str
    year: int
    dataset: Dataset
    agency_ids: list[str]
    findings: list[Finding]

    @property
    def format(self) -> ReportFormat:
        return format_for_year(self.year)

    @cached_property
    def names(self) -> dict[str, str]:
        """Short name of every agency of the registry."""
        return self.dataset.agencies["short_name"].astype(str).to_dict()

    @cached_property
    def totals(self) -> RegionTotals:
        return region_totals(self.dataset, self.agency_ids, self.year, self.region)

    @cached_property
    def history(self) -> list[RegionTotals]:
        return totals_history(self.dataset, self.agency_ids, self.region, up_to=self.year)

    @cached_property
    def reported(self) -> list[str]:
        return [a for a in self.agency_ids if self.dataset.has(a, self.year)]

    @cached_property
    def comparison(self) -> pd.DataFrame:
        return comparison_frame(self.dataset, self.agency_ids, self.year, self.findings)

    @cached_property
    def overview(self) -> ValidationOverview:
        return validation_overview(self.dataset, self.agency_ids, self.year, self.findings)

    @cached_property
    def totals_checks(self) -> list[TotalsCheck]:
        return check_totals(self.totals)

    @cached_property
    def changes(self) -> pd.DataFrame:
        return agency_changes(self.dataset, self.agency_ids, self.year)

    # ---------------------------------------------------------------- sentences

    def coverage_sentence(self) -> str:
        n, m = len(self.agency_ids), len(self.reported)
        if m == n:
            return P.COVERAGE_ALL.format(region=self.region, n=n, year=self.year)
        missing = [self.names[a] for a in self.overview.no_data]
        return P.COVERAGE_SOME.format(region=self.region, n=n, m=m, k=n - m, year=self.year,
                                      names=_names(missing))

    def totals_sentence(self) -> str:
        facts = narrative.overview_facts(self.totals)
        text = P.TOTALS.format(facts="；".join(facts))
        if self.totals.fee_statement_complete():
            fee = narrative.fee_sentence(self.totals)
            if fee:
                text += fee
        prev = self.totals.prev
        if prev is not None and set(prev.agency_ids) != set(self.totals.agency_ids):
            text += P.PREV_SET_DIFFERS.format(m=prev.n_agencies)
        return text

    def movement_sentences(self) -> str:
        text = movements_sentence(self.changes) + category_sentence(self.totals)
        first = [self.names[a] for a in self.reported
                 if self.totals.prev is not None and not self.dataset.has(a, self.year - 1)]
        if first:
            text += P.FIRST_REPORT.format(names=_names(first))
        return text

    def checks_sentence(self) -> str:
        ov = self.overview
        with_errors = int((ov.by_agency["errors"] > 0).sum()) if len(ov.by_agency) else 0
        with_warnings = int((ov.by_agency["warnings"] > 0).sum()) if len(ov.by_agency) else 0
        parts = []
        if with_errors:
            parts.append(P.CHECK_ERRORS.format(a=with_errors, e=narrative.fmt_count(ov.errors)))
        if with_warnings:
            parts.append(P.CHECK_WARNINGS.format(b=with_warnings,
                                                 w=narrative.fmt_count(ov.warnings)))
        if ov.general:
            parts.append(P.CHECK_FILES.format(k=len(ov.general)))
        text = P.CHECK_SENTENCE.format(parts="，".join(parts)) if parts else P.CHECK_CLEAN
        if len(ov.late):
            names = list(dict.fromkeys(ov.late["name"]))
            text += P.LATE.format(k=len(names), names=_names(names))
        if ov.no_narrative:
            names = [self.names[a] for a in ov.no_narrative]
            text += P.NO_TEXT.format(k=len(names), names=_names(names))
        return text

    def paragraphs(self) -> list[str]:
        """The overview of the region in three or four paragraphs."""
        out = [self.coverage_sentence() + self.totals_sentence()]
        if self.totals.prev is not None:
            moved = self.movement_sentences()
            if moved:
                out.append(moved)
        out.append(self.checks_sentence())
        return out


def check_parameters(region: str, year: int, data_dir: str | Path) -> tuple[pd.DataFrame,
                                                                            list[str]]:
    """The registry and the region's agency ids, or a ParameterError that says what to
    fix (unknown region, no statistics file or no reporting agency for the year)."""
    data_dir = Path(data_dir)
    if not (data_dir / "agencies.csv").exists():
        raise ParameterError(f"数据目录 {data_dir} 中没有单位名录 agencies.csv")
    registry, _ = load_agencies(data_dir)
    ids = region_agency_ids(registry, region.strip())
    if not ids:
        known = "、".join(regions_of(registry)) or "无"
        raise ParameterError(f"单位名录中没有区域“{region}”（已有区域：{known}）")
    try:
        format_for_year(int(year))
    except ValueError as exc:
        raise ParameterError(str(exc)) from None
    if int(year) not in stats_files(data_dir):
        have = "、".join(map(str, sorted(stats_files(data_dir)))) or "无"
        raise ParameterError(
            f"没有 {year} 年度的统计数据文件 stats/{year}.csv（已有年度：{have}）")
    reporting = _agencies_in_stats(stats_files(data_dir)[int(year)])
    if reporting is not None and not reporting & set(ids):
        raise ParameterError(f"区域“{region}”没有任何单位报送 {year} 年度统计数据"
                             f"（stats/{year}.csv 中没有该区域的单位）")
    return registry, ids


def _agencies_in_stats(path: Path) -> set[str] | None:
    """Agency ids named in a statistics file; None when the file cannot be read this way
    (the loader then reports exactly what is wrong with it)."""
    try:
        return set(pd.read_csv(path, usecols=["agency_id"], dtype=str, encoding="utf-8-sig",
                               keep_default_na=False)["agency_id"].str.strip())
    except (UnicodeDecodeError, ValueError, pd.errors.ParserError):
        return None


def load_region(region: str, year: int, data_dir: str | Path = DATA_DIR,
                trend_years: int = TREND_YEARS) -> RegionData:
    """Load the region's agencies for the trend window and validate the summary year."""
    region = region.strip()
    _, ids = check_parameters(region, year, data_dir)
    year = int(year)
    wanted = [y for y in range(year - max(trend_years, 2) + 2, year + 1)]
    ds = load(Path(data_dir), years=wanted, agencies=ids)
    if not any(ds.has(a, year) for a in ids):
        fatal = "；".join(f"{f.where()}：{f.message}" for f in ds.fatal)
        raise ParameterError(f"区域“{region}”没有任何单位报送 {year} 年度统计数据"
                             + (f"（数据文件无法读取：{fatal}）" if fatal else ""))
    findings = check_region_year(ds, ids, year)
    return RegionData(region, year, ds, ids, findings)


def _sha256_frame(frame: pd.DataFrame) -> str:
    h = hashlib.sha256()
    for row in frame.itertuples(index=False):
        h.update(("\x1f".join(map(str, row)) + "\n").encode("utf-8"))
    return h.hexdigest()


def region_fingerprint(rd: RegionData) -> str:
    """SHA-256 of what the summary reads: the region's registry rows, their statistics of the
    loaded years up to the summary year, this year's and last year's narratives, deadlines.
    It holds no timestamp: the same data gives the same digest."""
    ds = rd.dataset
    h = hashlib.sha256()
    h.update(rd.region.encode("utf-8"))
    registry = ds.agencies.loc[rd.agency_ids].reset_index()
    h.update(_sha256_frame(registry.astype(str)).encode())
    cells = ds.cells
    cells = cells[cells["agency_id"].isin(rd.agency_ids) & (cells["year"] <= rd.year)]
    # Row hashes in file order (value-based, also for categorical columns): the same files
    # give the same digest, and any edited, added or removed cell changes it.
    hashed = pd.util.hash_pandas_object(
        cells[["agency_id", "year", "table", "row", "col", "value"]], index=False)
    h.update(hashed.to_numpy().tobytes())
    for year in (rd.year - 1, rd.year):
        for agency in rd.agency_ids:
            path = ds.data_dir / "text" / str(year) / f"{agency}.md"
            if (agency, year) in ds.texts and path.exists():
                h.update(agency.encode() + b"\x1f" + path.read_bytes())
    deadlines = ds.data_dir / "deadlines.csv"
    if deadlines.exists():
        h.update(deadlines.read_bytes())
    return h.hexdigest()


def region_provenance(rd: RegionData) -> dict:
    from nianbao import __version__
    from nianbao.report.provenance import git_commit, package_versions

    return {
        "kind": "summary",
        "region": rd.region,
        "year": rd.year,
        "format": rd.format.id,
        "agencies": len(rd.agency_ids),
        "reported": len(rd.reported),
        "data_sha256": region_fingerprint(rd),
        "nianbao": __version__,
        "git_commit": git_commit(),
        "packages": package_versions(),
    }


__all__ = [
    "INPUT_RULE_TITLES", "REGIONS_FILE", "TREND_YEARS", "RegionData",
    "RegionTotals", "TotalsCheck", "ValidationOverview",
    "agency_changes", "category_changes", "check_parameters", "check_region_year",
    "check_totals", "comparison_columns", "comparison_frame", "load_region",
    "movements_sentence", "region_agency_ids", "region_fingerprint", "region_provenance",
    "region_slug", "region_totals", "regions_of", "restrict_years", "rule_titles",
"totals_history", "validation_overview",
]
