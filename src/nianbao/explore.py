"""Every agency and year in tidy DataFrames, and the cross-agency questions analysts ask.

``load_all(data_dir)`` reads the whole data directory once and returns a ``ReportCollection``:
``.cells`` (one row per cell, ids and official Chinese labels), ``.wide`` (one row per
agency-year, one column per cell id), ``.quantities`` (derived quantities per agency-year),
``.findings`` (every validation finding) and ``.agencies`` (the registry). The question
functions below take a collection and return a DataFrame with Chinese column names, ready to
display; ``notebooks/explore.ipynb`` calls them one by one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from nianbao.checks.validate import check
from nianbao.data.dataset import Dataset, load
from nianbao.data.measures import quantities_frame
from nianbao.data.model import Report
from nianbao.findings import SEVERITY_ZH, findings_frame
from nianbao.formats.expr import compile_expr
from nianbao.formats.spec import CELL_SEP, all_formats
from nianbao.paths import DATA_DIR
from nianbao.region.summary import region_agency_ids, regions_of, rule_titles

NON_DISCLOSURE = ("deny", "unable", "noproc", "other")  # result categories that disclose nothing
CARRY_RULE = "R5_carry_over_continuity"


@dataclass
class ReportCollection:
    """All agency-years of a data directory (or one region of it), as tidy frames."""

    dataset: Dataset
    region: str | None = None

    @property
    def agencies(self) -> pd.DataFrame:
        """The agency registry (indexed by agency_id), limited to the region when one is set."""
        registry = self.dataset.agencies
        if self.region:
            registry = registry.loc[region_agency_ids(registry, self.region)]
        return registry

    @property
    def years(self) -> list[int]:
        return self.dataset.years()

    @property
    def regions(self) -> list[str]:
        return regions_of(self.agencies)

    @cached_property
    def cells(self) -> pd.DataFrame:
        """One row per cell: agency, year, format, table/row/col ids, ``ref``, official
        ``label``, ``value`` (float), and whether it was ``blank`` or ``derived``."""
        return self.dataset.cells_frame()

    @cached_property
    def wide(self) -> pd.DataFrame:
        """One row per agency-year (index agency_id, year), one column per cell id."""
        return self.dataset.wide()

    @cached_property
    def quantities(self) -> pd.DataFrame:
        """Per agency-year: new, carry_in, carry_out and the format's derived quantities
        (answered, open_or_partial, deny, unable, noproc, other, reviews, lawsuits …)."""
        q = quantities_frame(self.dataset)
        info = self.dataset.agencies[["short_name", "region", "kind"]]
        return q.join(info, on="agency_id")

    @cached_property
    def findings(self) -> pd.DataFrame:
        """Every input and rule finding, with the agency's short name and the rule's title."""
        frame = findings_frame(check(self.dataset))
        names = self.dataset.agencies["short_name"].astype(str).to_dict()
        titles = rule_titles()
        frame["short_name"] = frame["agency_id"].map(names)
        frame["title"] = frame["rule"].map(lambda r: titles.get(r, r))
        first = ["agency_id", "short_name", "year", "severity", "rule", "title", "message"]
        return frame[first + [c for c in frame.columns if c not in first]]

    def report(self, agency_id: str, year: int) -> Report:
        return self.dataset.report(agency_id, year)

    def overview(self) -> pd.Series:
        """Counts of what was loaded, for a first look."""
        ds = self.dataset
        return pd.Series({
            "单位数": len(self.agencies),
            "区域数": len(self.regions),
            "年度": "、".join(map(str, self.years)),
            "单位年度数": len(ds.keys),
            "单元格数": int((~np.isnan(ds.values)).sum()),
            "正文数": len(ds.texts),
        })


def load_all(data_dir: str | Path = DATA_DIR, region: str | None = None,
             years: Sequence[int] | None = None) -> ReportCollection:
    """Read every agency and year of ``data_dir`` (or one ``region``, or some ``years``)."""
    agencies = None
    if region:
        from nianbao.data.loading import load_agencies

        registry, _ = load_agencies(Path(data_dir))
        agencies = region_agency_ids(registry, region)
        if not agencies:
            raise ValueError(f"单位名录中没有区域“{region}”")
    return ReportCollection(load(data_dir, years=list(years) if years else None,
                                 agencies=agencies), region or None)


# ---------------------------------------------------------------- shared helpers


def latest_year(rc: ReportCollection, year: int | None = None) -> int:
    """``year`` itself, or the latest report year of the collection when it is None or 0."""
    if year:
        return int(year)
    if not rc.years:
        raise ValueError("数据中没有任何年度")
    return rc.years[-1]


def _pct(part: pd.Series | np.ndarray, whole: pd.Series | np.ndarray) -> np.ndarray:
    part, whole = np.asarray(part, dtype=float), np.asarray(whole, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(whole > 0, np.round(100.0 * part / whole, 1), np.nan)


def quantity_by_year(rc: ReportCollection, name: str = "new",
                     agencies: Sequence[str] | None = None) -> pd.DataFrame:
    """One row per agency (short name), one column per year, values of a quantity."""
    q = rc.quantities
    if agencies is not None:
        q = q[q.index.get_level_values("agency_id").isin(list(agencies))]
    table = q[name].unstack("year")
    table.index = q["short_name"].groupby(level="agency_id").first().reindex(table.index)
    table.index.name = "单位"
    table.columns.name = "年度"
    return table


# ---------------------------------------------------------------- question 1: backlog


def carry_forward_ranking(rc: ReportCollection, year: int | None = None,
                          n: int = 10) -> pd.DataFrame:
    """Who carries the most applications into next year: ``n`` agencies of ``year`` (default
    the latest), with the share of the applications to handle (new + carried in) left open."""
    year = latest_year(rc, year)
    q = rc.quantities.xs(year, level="year")
    frame = pd.DataFrame({
        "单位": q["short_name"],
        "区域": q["region"],
        "新收申请": q["new"],
        "上年结转": q["carry_in"],
        "待办理": q["to_handle"],
        "办结": q["answered"],
        "结转下年度": q["carry_out"],
        "结转占待办理比例（%）": _pct(q["carry_out"], q["to_handle"]),
    })
    frame = frame[frame["结转下年度"] > 0]
    frame = frame.sort_values(["结转下年度", "结转占待办理比例（%）", "单位"],
                              ascending=[False, False, True], kind="stable")
    return frame.head(n)


# ---------------------------------------------------------------- question 2: reasons


@dataclass(frozen=True)
class _Reason:
    category: str  # category id (deny, unable …)
    category_label: str  # （三）不予公开
    label: str  # （三）不予公开·1.属于国家秘密
    years: frozenset[int]  # report years whose format has the row


def _reasons(years: Sequence[int]) -> dict[str, _Reason]:
    """Result rows that disclose nothing, over every format, with the latest wording."""
    out: dict[str, _Reason] = {}
    for fmt in all_formats():
        paths = fmt.table("t3").row_paths()
        covered = frozenset(y for y in years if fmt.covers(y))
        for row in fmt.result_rows():
            if row.category not in NON_DISCLOSURE:
                continue
            path = paths[row.id]
            old = out.get(row.id)
            out[row.id] = _Reason(row.category, path[-2] if len(path) > 2 else path[-1],
                                  CELL_SEP.join(path[1:]),
                                  covered | (old.years if old else frozenset()))
    return out


def reason_trends(rc: ReportCollection,
                  categories: Sequence[str] = NON_DISCLOSURE) -> pd.DataFrame:
    """Which reasons for not disclosing are rising: for every result row of 不予公开, 无法提供,
    不予处理 and 其他处理 (or the ``categories`` given), the total over all agencies per year,
    the change between the last two years and the change of its share of the answered
    applications, in percentage points.

    Sums are over the agencies that reported each year; a row that a year's format does not
    have is empty in that year (F2019 has one （六）其他处理 row, F2021 three).
    """
    wide = rc.wide
    years = rc.years
    if not years:
        return pd.DataFrame()
    answered = wide["t3.res_total.total"].groupby(level="year").sum().reindex(years)
    records = []
    for row_id, reason in _reasons(years).items():
        if reason.category not in categories:
            continue
        by_year = wide[f"t3.{row_id}.total"].groupby(level="year").sum().reindex(years)
        records.append({
            "类别": reason.category_label, "理由": reason.label, "行标识": row_id,
            **{y: (by_year[y] if y in reason.years else np.nan) for y in years},
        })
    out = pd.DataFrame(records)
    if len(years) >= 2 and len(out):
        last, before = years[-1], years[-2]
        out["增减"] = out[last] - out[before]
        out["增幅（%）"] = _pct(out["增减"], out[before])
        share_now = _pct(out[last], np.full(len(out), answered[last]))
        share_before = _pct(out[before], np.full(len(out), answered[before]))
        out["占办结比例变化（百分点）"] = np.round(share_now - share_before, 1)
        out = out.sort_values(["增减", "占办结比例变化（百分点）"], ascending=[False, False],
                              kind="stable", na_position="last")
    return out.reset_index(drop=True)


def rising_reasons(rc: ReportCollection) -> pd.DataFrame:
    """The reasons of ``reason_trends`` that rose against the year before, largest rise first."""
    trends = reason_trends(rc)
    if "增减" not in trends:
        return trends
    return trends[trends["增减"] > 0].reset_index(drop=True)


# ---------------------------------------------------------------- question 3: carry-over chain


def carry_over_breaks(rc: ReportCollection) -> pd.DataFrame:
    """Which agencies' figures break the carry-over chain: every agency-year whose 上年结转 in
    some column differs from last year's 结转下年度继续办理, evaluated with the format's own
    rule (``R5_carry_over_continuity``) on the whole matrix at once."""
    ds = rc.dataset
    out = []
    for fmt in all_formats():
        rule = next((r for r in fmt.rules if r.id == CARRY_RULE), None)
        if rule is None:
            continue
        rows = np.flatnonzero((ds.keys.format.to_numpy() == fmt.id) & (ds.prev_row >= 0))
        if not len(rows):
            continue
        for binding, expr in rule.instances():
            compiled = compile_expr(expr)
            values = {}
            for ref in compiled.refs:
                if ref.startswith("prev."):
                    values[ref] = ds.values[ds.prev_row[rows], ds.ref_index[ref[5:]]]
                else:
                    values[ref] = ds.values[rows, ds.ref_index[ref]]
            known = np.all([~np.isnan(v) for v in values.values()], axis=0)
            result = compiled.evaluate(values)
            for k in np.flatnonzero(known & ~result["ok"]):
                row = int(rows[k])
                agency, year = ds.keys.agency_id.iat[row], int(ds.keys.year.iat[row])
                out.append({
                    "agency_id": agency,
                    "单位": ds.agencies.loc[agency, "short_name"],
                    "年度": year,
                    "列": fmt.column_label("t3", binding["col"]),
                    "本年上年结转": result["lhs"][k],
                    "上年结转下年度": result["rhs"][k],
                    "差额": result["lhs"][k] - result["rhs"][k],
                })
    frame = pd.DataFrame(out, columns=["agency_id", "单位", "年度", "列", "本年上年结转",
                                       "上年结转下年度", "差额"])
    return frame.sort_values(["年度", "agency_id"], kind="stable").reset_index(drop=True)


def carry_over_gaps(rc: ReportCollection) -> pd.DataFrame:
    """Agency-years whose chain cannot be checked: an earlier year exists but not the year
    before (the carry-over has nothing to be compared with)."""
    keys = rc.dataset.keys
    out = []
    for agency, group in keys.groupby("agency_id", sort=True):
        years = sorted(int(y) for y in group["year"])
        for before, year in zip(years, years[1:], strict=False):
            if year - before > 1:
                out.append({"agency_id": agency,
                            "单位": rc.dataset.agencies.loc[agency, "short_name"],
                            "年度": year, "缺少年度": "、".join(
                                str(y) for y in range(before + 1, year))})
    return pd.DataFrame(out, columns=["agency_id", "单位", "年度", "缺少年度"])


def or_note(frame: pd.DataFrame, note: str):
    """The frame, or ``note`` as Markdown when the frame is empty (for notebook display)."""
    if len(frame):
        return frame
    from IPython.display import Markdown

    return Markdown(f"*{note}*")


# ---------------------------------------------------------------- findings and movers


def findings_by_rule(rc: ReportCollection) -> pd.DataFrame:
    """Number of findings per rule and year (rows: rule title and level; columns: years)."""
    f = rc.findings
    if not len(f):
        return pd.DataFrame()
    f = f.assign(级别=f["severity"].map(SEVERITY_ZH), 规则=f["title"])
    table = f.pivot_table(index=["级别", "规则", "rule"], columns="year", values="message",
                          aggfunc="count", fill_value=0)
    table.columns.name = "年度"
    return table


def yoy_movers(rc: ReportCollection, name: str = "new", year: int | None = None,
               n: int = 10) -> pd.DataFrame:
    """Agencies whose quantity changed most against the year before (by absolute change)."""
    year = latest_year(rc, year)
    q = rc.quantities
    now = q.xs(year, level="year")
    if year - 1 not in q.index.get_level_values("year"):
        return pd.DataFrame(columns=["单位", "上年", "本年", "增减", "增幅（%）"])
    before = q.xs(year - 1, level="year")[name]
    common = now.index.intersection(before.index)
    frame = pd.DataFrame({
        "单位": now.loc[common, "short_name"],
        "上年": before.loc[common],
        "本年": now.loc[common, name],
    })
    frame["增减"] = frame["本年"] - frame["上年"]
    frame["增幅（%）"] = _pct(frame["增减"], frame["上年"])
    order = frame["增减"].abs().sort_values(ascending=False, kind="stable").index
    return frame.loc[order].head(n)
