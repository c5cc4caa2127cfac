"""All agencies and years in memory at once: one matrix of cell values, tidy frames, reports.

The matrix (one row per agency-year, one column per cell id) is what makes validation
vectorised; ``Dataset.report`` gives the typed model of one agency-year for a notebook.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from nianbao.data.codes import CHUNK, codes_dtype, mark, per_cell, take
from nianbao.data.layout import INPUT_REFS
from nianbao.data.loading import (
    StatsReader,
    agency_record,
    load_agencies,
    load_deadlines,
    load_stats,
    load_texts,
    missing_cell_finding,
    read_stats_files,
    required_refs,
)
from nianbao.data.model import Prose, Report
from nianbao.data.threads import filled, in_halves
from nianbao.errors import DataReadError
from nianbao.findings import Finding
from nianbao.formats.spec import ReportFormat, all_formats, format_for_year
from nianbao.paths import DATA_DIR


def _all_refs() -> list[str]:
    refs: dict[str, None] = {}
    for fmt in all_formats():
        refs.update(dict.fromkeys(fmt.cell_refs()))
    return [*refs, *INPUT_REFS]


@dataclass
class Dataset:
    """Everything read from one data directory (optionally filtered by agency and year)."""

    data_dir: Path
    agencies: pd.DataFrame
    cells: pd.DataFrame
    texts: dict[tuple[str, int], Prose]
    findings: list[Finding]
    keys: pd.DataFrame = field(repr=False)
    refs: list[str] = field(repr=False)
    values: np.ndarray = field(repr=False)
    blank: np.ndarray = field(repr=False)
    derived: np.ndarray = field(repr=False)
    units: dict[tuple[int, str], str] = field(repr=False, default_factory=dict)
    #: Local deadlines of ``deadlines.csv``: (region, kind) → (month, day).
    deadlines: dict[tuple[str, str], tuple[int, int]] = field(repr=False, default_factory=dict)

    # ----------------------------------------------------------------- lookup

    @cached_property
    def ref_index(self) -> dict[str, int]:
        return {r: i for i, r in enumerate(self.refs)}

    @cached_property
    def row_index(self) -> dict[tuple[str, int], int]:
        pairs = zip(self.keys.agency_id, self.keys.year, strict=True)
        return {(a, int(y)): i for i, (a, y) in enumerate(pairs)}

    @cached_property
    def key_list(self) -> list[tuple[str, int]]:
        """(agency_id, year) of each matrix row."""
        return list(self.row_index)

    @cached_property
    def prev_row(self) -> np.ndarray:
        """For each agency-year, the row of the same agency's previous year (-1 when absent)."""
        index = self.row_index
        return np.array(
            [index.get((a, y - 1), -1) for a, y in self.key_list],
            dtype=np.int64,
        )

    @property
    def fatal(self) -> list[Finding]:
        return [f for f in self.findings if f.fatal]

    def column(self, ref: str) -> np.ndarray:
        return self.values[:, self.ref_index[ref]]

    def agency_years(self) -> list[tuple[str, int]]:
        return list(self.row_index)

    def years(self) -> list[int]:
        return sorted(set(self.keys.year.astype(int)))

    def has(self, agency_id: str, year: int) -> bool:
        return (agency_id, int(year)) in self.row_index

    def restrict_years(self, years) -> Dataset:
        """The same dataset limited to some report years (validation work grows with the
        rows it sees: a multi-year load validated for one year need not check them all)."""
        wanted = {int(y) for y in years}
        rows = np.flatnonzero(self.keys.year.isin(wanted).to_numpy())
        new_index = {int(old): new for new, old in enumerate(rows)}
        return dataclasses.replace(
            self,
            cells=self.cells[self.cells["year"].isin(wanted)],
            texts={k: v for k, v in self.texts.items() if k[1] in wanted},
            findings=[f for f in self.findings if f.year is None or f.year in wanted],
            keys=self.keys.iloc[rows].reset_index(drop=True),
            values=self.values[rows],
            blank=self.blank[rows],
            derived=self.derived[rows],
            units={(new_index[k], r): u for (k, r), u in self.units.items() if k in new_index},
        )

    # ----------------------------------------------------------------- models

    def report(self, agency_id: str, year: int, with_prev: bool = True) -> Report:
        """The typed model of one agency-year (with last year's report when there is one)."""
        key = (agency_id, int(year))
        if key not in self.row_index:
            if agency_id not in self.agencies.index:
                raise KeyError(f"单位“{agency_id}”不在单位名录中")
            have = sorted(y for a, y in self.row_index if a == agency_id)
            raise KeyError(
                f"{self.agencies.loc[agency_id, 'name']}没有 {year} 年度的统计数据"
                f"（已有年度：{'、'.join(map(str, have)) or '无'}）"
            )
        i = self.row_index[key]
        fmt = format_for_year(year)
        refs = fmt.cell_refs()
        cols = [self.ref_index[r] for r in refs]
        row = self.values[i, cols]
        values = {r: float(v) for r, v in zip(refs, row, strict=True) if not np.isnan(v)}
        blank = frozenset(r for r, c in zip(refs, cols, strict=True) if self.blank[i, c])
        units = {r: u for (k, r), u in self.units.items() if k == i}
        prev = None
        if with_prev and (agency_id, int(year) - 1) in self.row_index:
            prev = self.report(agency_id, int(year) - 1, with_prev=False)
        return Report(
            agency=agency_record(self.agencies, agency_id),
            year=int(year),
            values=values,
            blank_cells=blank,
            units=units,
            prose=self.texts.get(key, Prose()),
            prev=prev,
        )

    def reports(self, agency_id: str) -> list[Report]:
        """Every year of one agency, oldest first (for trends)."""
        years = sorted(y for a, y in self.row_index if a == agency_id)
        return [self.report(agency_id, y) for y in years]

    def cells_frame(self) -> pd.DataFrame:
        """Tidy frame of every cell: agency, year, format, table/row/col ids, label and value."""
        parts = []
        for fmt in all_formats():
            rows = np.flatnonzero(self.keys.format.to_numpy() == fmt.id)
            if not len(rows):
                continue
            refs = fmt.cell_refs()
            cols = np.array([self.ref_index[r] for r in refs])
            block = self.values[np.ix_(rows, cols)]
            frame = pd.DataFrame({
                "agency_id": np.repeat(self.keys.agency_id.to_numpy()[rows], len(refs)),
                "year": np.repeat(self.keys.year.to_numpy()[rows], len(refs)),
                "format": fmt.id,
                "ref": np.tile(refs, len(rows)),
                "value": block.ravel(),
                "blank": self.blank[np.ix_(rows, cols)].ravel(),
                "derived": self.derived[np.ix_(rows, cols)].ravel(),
            })
            labels = {r: fmt.cell_label(r) for r in refs}
            frame["label"] = frame["ref"].map(labels)
            parts.append(frame)
        if not parts:
            return pd.DataFrame(columns=["agency_id", "year", "format", "table", "row", "col",
                                         "ref", "label", "value", "blank", "derived"])
        out = pd.concat(parts, ignore_index=True)
        out[["table", "row", "col"]] = out["ref"].str.split(".", expand=True)
        out = out.merge(self.agencies[["short_name", "region", "kind"]],
                        left_on="agency_id", right_index=True, how="left")
        cols = ["agency_id", "short_name", "region", "kind", "year", "format", "table", "row",
                "col", "ref", "label", "value", "blank", "derived"]
        return out[cols].sort_values(["agency_id", "year"], kind="stable").reset_index(drop=True)

    def wide(self) -> pd.DataFrame:
        """One row per agency-year, one column per cell id (NaN where a cell does not exist)."""
        index = pd.MultiIndex.from_frame(self.keys[["agency_id", "year"]])
        return pd.DataFrame(self.values, index=index, columns=self.refs)


def load(
    data_dir: Path | str = DATA_DIR,
    years: list[int] | None = None,
    agencies: list[str] | None = None,
    strict: bool = False,
) -> Dataset:
    """Read a data directory into a Dataset.

    ``years`` also loads each year's previous year, which the carry-over rules need.
    ``strict`` raises ``DataReadError`` when a file could not be read at all.
    """
    dataset = add_texts(load_tables(data_dir, years, agencies), years, agencies)
    if strict and dataset.fatal:
        raise DataReadError(dataset.fatal)
    return dataset


def add_texts(dataset: Dataset, years: list[int] | None = None,
              agencies: list[str] | None = None) -> Dataset:
    """The narratives of every agency-year of ``load_tables`` (same ``years``, ``agencies``),
    with their findings and fee figures."""
    texts, problems = load_texts(
        dataset.data_dir, dataset.key_list, dataset.agencies, loaded_years(years),
        agencies=set(agencies) if agencies else None,
    )
    dataset.findings += problems
    dataset.texts = texts
    fill_inputs(dataset, range(len(dataset.key_list)))
    return dataset


def loaded_years(years: list[int] | None) -> set[int] | None:
    """The years a load of ``years`` reads: each with its previous year (carry-over rules)."""
    return None if not years else {int(y) for y in years} | {int(y) - 1 for y in years}


def load_tables(
    data_dir: Path | str = DATA_DIR,
    years: list[int] | None = None,
    agencies: list[str] | None = None,
    read: StatsReader = read_stats_files,
) -> Dataset:
    """Everything but the narratives: registry, statistics, matrix and their findings.

    ``load`` adds the narratives; a national check reads them in shards instead
    (``nianbao.checks.shards``). The fee figures of the front matter stay NaN until then.
    ``read`` reads the statistics files (a national check reads them side by side).
    """
    data_dir = Path(data_dir)
    wanted_years = loaded_years(years)
    registry, findings = load_agencies(data_dir)
    cells, problems = load_stats(data_dir, wanted_years, registry, read)
    findings += problems
    if agencies:
        unknown = [a for a in agencies if a not in registry.index]
        findings += [
            Finding(rule="IN_unknown_agency", severity="error", agency_id=a, fatal=True,
                    message=f"单位标识“{a}”不在单位名录 agencies.csv 中")
            for a in unknown
        ]
        cells = cells[cells["agency_id"].isin(agencies)]
    usable = cells["valid"].to_numpy(dtype=bool)
    valid = cells if usable.all() else cells[usable]  # usually all: no copy of 60 million rows
    keys, rows = _keys(valid)
    keys["format"] = keys["year"].map({y: format_for_year(y).id for y in keys["year"].unique()})
    deadlines, problems = load_deadlines(data_dir)
    findings += problems
    refs = _all_refs()
    values, blank, units, present = _matrix(valid, keys, rows, refs)
    findings += _missing_cells(present, keys, refs, valid)
    derived = _derive_totals(values, blank, keys, refs)
    return Dataset(data_dir, registry, cells, {}, findings, keys, refs, values, blank,
                   derived, units, deadlines)


def _keys(valid: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray | None]:
    """The distinct (agency_id, year) of the cells, sorted (agencies in the order of their
    categories), and the row of each cell among them (None: ``_matrix`` looks rows up itself).

    Agency codes and years index a small table of presence: no sort or hash of the cells.
    """
    agency, years = valid["agency_id"], valid["year"].to_numpy()
    if isinstance(agency.dtype, pd.CategoricalDtype) and len(valid):
        codes = np.asarray(agency.cat.codes)
        low, span = int(years.min()), int(years.max()) - int(years.min()) + 1
        if codes.min() >= 0 and len(agency.cat.categories) * span <= 4 * len(valid) + 10**6:
            where = (codes, years - low)
            seen = np.zeros((len(agency.cat.categories), span), dtype=bool)
            mark(seen, *where)
            present, offset = np.nonzero(seen)
            table = np.full(seen.shape, -1, dtype=codes_dtype(len(present)))
            table[present, offset] = np.arange(len(present))
            keys = pd.DataFrame({
                "agency_id": pd.Categorical.from_codes(present.astype(codes.dtype),
                                                       dtype=agency.dtype),
                "year": (offset + low).astype(int),
            })
            return keys, take(table, *where)
    keys = (valid[["agency_id", "year"]].drop_duplicates().sort_values(["agency_id", "year"])
            .reset_index(drop=True))
    keys["year"] = keys["year"].astype(int)
    return keys, None


def _matrix(valid: pd.DataFrame, keys: pd.DataFrame, rows: np.ndarray | None,
            refs: list[str]):
    n, m = len(keys), len(refs)
    values = filled((n, m), np.nan)
    blank = filled((n, m), False, dtype=bool)
    present = filled((n, m), False, dtype=bool)
    if not len(valid):
        return values, blank, {}, present
    if rows is None:
        key_index = pd.MultiIndex.from_frame(keys[["agency_id", "year"]])
        rows = key_index.get_indexer(pd.MultiIndex.from_frame(
            valid[["agency_id", "year"]].astype({"year": int})))
    ref_index = {r: i for i, r in enumerate(refs)}
    ref_cat = valid["ref"].cat
    ref_codes = np.asarray(ref_cat.codes)
    by_category = np.array([ref_index.get(c, -1) for c in ref_cat.categories] + [-1],
                           dtype=np.int32)
    if per_cell(by_category[:-1] >= 0, ref_codes, False).all():
        # one flat index for the three matrices, a chunk of cells at a time
        numbers = valid["value_num"].to_numpy(dtype=float)
        blanks = valid["blank"].to_numpy(dtype=bool)

        def place(first: int, last: int) -> None:  # each cell has a place of its own
            for lo in range(first, last, CHUNK):
                hi = min(lo + CHUNK, last)
                at = rows[lo:hi].astype(np.int64)
                at *= m
                at += by_category[ref_codes[lo:hi]]
                np.put(values, at, numbers[lo:hi])
                np.put(blank, at, blanks[lo:hi])
                np.put(present, at, True)

        in_halves(len(rows), place)
    else:
        cols = take(by_category, ref_codes)
        values[rows, cols] = valid["value_num"].to_numpy(dtype=float)
        blank[rows, cols] = valid["blank"].to_numpy(dtype=bool)
        present[rows, cols] = True
    unit = valid["unit"].array
    with_unit = per_cell([u != "" for u in unit.categories], np.asarray(unit.codes), True)
    units = {
        (int(r), ref): u
        for r, ref, u in zip(rows[with_unit], np.asarray(valid["ref"].array[with_unit]),
                             np.asarray(unit[with_unit]), strict=True)
    }
    return values, blank, units, present


def _missing_cells(present, keys, refs, valid) -> list[Finding]:
    """One finding per agency-year that leaves out required (non-total) cells."""
    index = {r: i for i, r in enumerate(refs)}
    out = []
    for fmt in all_formats():
        rows = np.flatnonzero(keys.format.to_numpy() == fmt.id)
        if not len(rows):
            continue
        required = required_refs(fmt)
        cols = np.array([index[r] for r in required])
        absent = ~present[np.ix_(rows, cols)]
        for k in np.flatnonzero(absent.any(axis=1)):
            agency, year = keys.agency_id.iat[rows[k]], int(keys.year.iat[rows[k]])
            missing = [required[j] for j in np.flatnonzero(absent[k])]
            out.append(missing_cell_finding(agency, year, missing, f"stats/{year}.csv"))
    return out


def fill_inputs(ds: Dataset, rows) -> None:
    """Section-六 fee figures from the front matter become matrix columns like any cell
    (for the agency-years ``rows``, whose narratives are in ``ds.texts``)."""
    columns = [ds.ref_index[ref] for ref in INPUT_REFS]
    key_list, texts = ds.key_list, ds.texts
    for k in rows:
        narrative = texts.get(key_list[k])
        if narrative is None or not narrative.meta:
            continue
        for ref, column in zip(INPUT_REFS, columns, strict=True):
            value = narrative.meta.get(ref[3:])
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                ds.values[k, column] = float(value)


def _derive_totals(values, blank, keys, refs) -> np.ndarray:
    """Fill absent or blank total cells from their parts (spec: blank_handling).

    Order matters: row totals of table 三, then its （七）总计 row, then table 四.
    """
    index = {r: i for i, r in enumerate(refs)}
    derived = np.zeros_like(blank)
    for fmt in all_formats():
        rows = np.flatnonzero(keys.format.to_numpy() == fmt.id)
        if len(rows):
            for target, parts in _total_definitions(fmt):
                t = index[target]
                cols = [index[p] for p in parts]
                need = np.isnan(values[rows, t]) | blank[rows, t]
                if need.any():
                    sel = rows[need]
                    values[sel, t] = values[np.ix_(sel, cols)].sum(axis=1)
                    derived[sel, t] = True
    return derived


def _total_definitions(fmt: ReportFormat) -> list[tuple[str, list[str]]]:
    """Each optional total cell with the cells it sums, in an order that resolves dependencies."""
    from nianbao.formats.expr import refs_in

    out = []
    rule_r3, rule_r2 = fmt.rule("R3_t3_row_total"), fmt.rule("R2_t3_result_total")
    r3 = {b["row"]: e for b, e in rule_r3.instances()}
    for row, expr in r3.items():
        if row != "res_total":
            refs = refs_in(expr)
            out.append((refs[0], refs[1:]))
    for binding, expr in rule_r2.instances():
        if binding["col"] != "total":
            refs = refs_in(expr)
            out.append((refs[0], refs[1:]))
    refs = refs_in(r3["res_total"])
    out.append((refs[0], refs[1:]))
    for rule in fmt.rules:
        if rule.id.startswith("R4_"):
            refs = refs_in(rule.expr)
            out.append((refs[0], refs[1:]))
    return out
