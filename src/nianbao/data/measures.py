"""Derived quantities of many agency-years at once, evaluated over the dataset's value matrix.

The expressions are the format's ``derived_quantities`` (answered, deny, reviews …), compiled
once per format and evaluated on whole columns, so a figure here is the figure the report of
that agency-year states, for a thousand agencies in one pass.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from nianbao.data.dataset import Dataset
from nianbao.formats.expr import evaluate_quantity, refs_in
from nianbao.formats.spec import ReportFormat, all_formats

# Cells that the comparisons name directly, beside the derived quantities.
NAMED_CELLS = {
    "new": "t3.new.total",
    "carry_in": "t3.carry_in.total",
    "carry_out": "t3.carry_out.total",
}


def quantity_names(fmt: ReportFormat) -> list[str]:
    """Derived quantities of a format that are plain sums of this year's cells."""
    return [
        name for name, expr in fmt.derived_quantities.items()
        if "(" not in name and "prev." not in expr
    ]


def _columns(ds: Dataset, rows: np.ndarray, refs: Sequence[str]) -> dict[str, np.ndarray]:
    """Cell columns for ``rows``; an absent cell counts 0, as ``Report.value`` reads it."""
    return {ref: np.nan_to_num(ds.values[rows, ds.ref_index[ref]]) for ref in refs}


def quantities_frame(ds: Dataset, rows: Sequence[int] | np.ndarray | None = None) -> pd.DataFrame:
    """One row per agency-year (index agency_id, year) with the named cells and every derived
    quantity of its format; ``rows`` limits the frame to those matrix rows."""
    rows = np.arange(len(ds.keys)) if rows is None else np.asarray(rows, dtype=np.int64)
    formats = ds.keys.format.to_numpy()[rows] if len(rows) else np.array([], dtype=object)
    names = list(dict.fromkeys(
        [*NAMED_CELLS, *(n for f in all_formats() for n in quantity_names(f))]
    ))
    out = np.full((len(rows), len(names)), np.nan)
    for fmt in all_formats():
        mine = np.flatnonzero(formats == fmt.id)
        if not len(mine):
            continue
        sel = rows[mine]
        exprs = {**NAMED_CELLS, **{n: fmt.derived_quantities[n] for n in quantity_names(fmt)}}
        refs = list(dict.fromkeys(r for e in exprs.values() for r in refs_in(e)))
        values = _columns(ds, sel, refs)
        for j, name in enumerate(names):
            if name in exprs:
                out[mine, j] = np.broadcast_to(evaluate_quantity(exprs[name], values), len(sel))
    index = pd.MultiIndex.from_arrays(
        [ds.keys.agency_id.to_numpy()[rows], ds.keys.year.to_numpy()[rows].astype(int)],
        names=["agency_id", "year"],
    )
    return pd.DataFrame(out, index=index, columns=names)


def decision_refs(fmt: ReportFormat) -> list[str]:
    """Cells of section 二 that count administrative decisions (行政许可, 行政处罚 …)."""
    return [
        f"{t}.{r.id}.decisions"
        for t in fmt.section("s2").tables
        for r in fmt.table(t).data_rows
        if any(c.id == "decisions" for c in fmt.table(t).columns)
    ]


def decision_label(fmt: ReportFormat, ref: str) -> str:
    """Reader's name of a decision cell: the row label and 决定 (行政许可决定)."""
    table, row, _ = ref.split(".")
    return f"{fmt.table(table).row(row).label}决定"


def rows_of(ds: Dataset, agency_ids: Sequence[str], year: int) -> np.ndarray:
    """Matrix rows of the given agencies in one year, in the order given (absent ones skipped)."""
    index = ds.row_index
    return np.array([index[(a, int(year))] for a in agency_ids if (a, int(year)) in index],
                    dtype=np.int64)
