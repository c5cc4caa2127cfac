"""A region's data: its agencies, their totals, the per-agency comparison and the movements.

A region is the value of the ``region`` column of ``agencies.csv``. Its totals are an object
with ``.format`` and ``.value(ref)`` summing the agencies' cells, so the official tables, the
charts and the sentence generator render it exactly as they render one agency's report, and the
format's own rule expressions check it (``region.checks``). ``load_region`` reads and validates
one region-year into a ``RegionData``; ``region.prose`` writes its sentences.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from nianbao.data.dataset import Dataset, load
from nianbao.data.fingerprint import region_fingerprint as data_region_fingerprint
from nianbao.data.layout import AGENCIES_FILE, INPUT_REFS
from nianbao.data.loading import load_agencies, load_stats, stats_files
from nianbao.data.measures import decision_label, decision_refs, quantities_frame, rows_of
from nianbao.data.model import Prose
from nianbao.errors import ParameterError
from nianbao.findings import Finding
from nianbao.formats.spec import ReportFormat, format_for_year
from nianbao.paths import DATA_DIR
from nianbao.region import phrases as P
from nianbao.region.checks import (
    TotalsCheck,
    ValidationOverview,
    check_region_year,
    check_totals,
    validation_overview,
)
from nianbao.report import narrative

TREND_YEARS = 5  # report years loaded for the trend chart, the summary year included
YUAN_PER = {"元": 1.0, "万元": 10000.0}


# ---------------------------------------------------------------- regions


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
    def prose(self) -> Prose:
        """The summed fee figures as the front matter of a prose, for
        ``narrative.fee_sentence``."""
        meta = {ref[3:]: self.values[ref] for ref in INPUT_REFS if ref in self.values}
        return Prose(meta=meta)

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


def check_parameters(region: str, year: int, data_dir: str | Path) -> tuple[pd.DataFrame,
                                                                            list[str]]:
    """The registry and the region's agency ids, or a ParameterError that says what to
    fix (unknown region, no statistics file or no reporting agency for the year)."""
    data_dir = Path(data_dir)
    if not (data_dir / AGENCIES_FILE).exists():
        raise ParameterError(f"数据目录 {data_dir} 中没有单位名录 agencies.csv")
    registry, problems = load_agencies(data_dir)
    fatal = "；".join(f"{f.where()}：{f.message}" for f in problems if f.fatal)
    if fatal:
        raise ParameterError(f"单位名录无法读取：{fatal}")
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
    if reporting is None:  # the loader says exactly why the file cannot be read
        _, problems = load_stats(data_dir, {int(year)}, registry)
        fatal = "；".join(f"{f.where()}：{f.message}" for f in problems if f.fatal)
        if fatal:
            raise ParameterError(f"{year} 年度的统计数据文件无法读取：{fatal}")
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
    except (UnicodeDecodeError, ValueError, pd.errors.ParserError, OSError):
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


def region_fingerprint(rd: RegionData) -> str:
    """SHA-256 of what the summary reads (``nianbao.data.fingerprint`` defines the slice; the
    batch planner hashes the same one). It holds no timestamp: the same data, the same digest."""
    return data_region_fingerprint(rd.dataset.data_dir, rd.region, rd.year)


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

