"""Derived quantities (answered, deny, reviews …) of the format files, for prose and charts.

Every number a narrative states is computed here from the same cell values the tables show, so
text and table cannot disagree.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from nianbao.formats.expr import evaluate_quantity

if TYPE_CHECKING:
    from nianbao.data.model import Report


class _ReportValues(dict):
    """Cell lookup for one report: ``prev.`` refs read last year's report, absent cells are 0."""

    def __init__(self, report: Report):
        super().__init__()
        self.report = report

    def __missing__(self, ref: str) -> float:
        if ref.startswith("prev."):
            if self.report.prev is None:
                raise LookupError(f"{ref} 需要上一年度报告，但 {self.report.year - 1} 年无数据")
            return self.report.prev.value(ref[5:])
        return self.report.value(ref)


def derived_quantity(report: Report, name: str) -> float:
    """Value of a named derived quantity (``share_pct`` and ``yoy_change_pct`` are functions)."""
    if name == "share_pct":
        raise ValueError("share_pct takes a part: use share_pct(report, part)")
    if name == "yoy_change_pct":
        return yoy_change_pct(report)
    expr = report.format.derived_quantities[name]
    return float(evaluate_quantity(expr, _ReportValues(report)))


def share_pct(report: Report, part: float) -> float | None:
    """``part`` as a percentage of the applications answered (None when nothing was answered)."""
    answered = derived_quantity(report, "answered")
    return None if answered == 0 else 100.0 * part / answered


def yoy_change_pct(report: Report) -> float | None:
    """Change of new applications against last year, in percent (None without a base)."""
    if report.prev is None:
        return None
    base = report.prev.value("t3.new.total")
    if base <= 0:
        return None
    return 100.0 * (report.value("t3.new.total") - base) / base

