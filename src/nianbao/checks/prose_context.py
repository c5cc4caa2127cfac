"""What every prose rule works on: one section's text, the report's cells and format, and
the shape of the findings it returns (quoting the sentence, naming the cells in Chinese)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

from nianbao.checks import prose_text as T
from nianbao.findings import Finding
from nianbao.formats.spec import ReportFormat

R10 = "R10_prose_vs_table"
S6_LABELS = {"s6.fee_notices_issued": "六、其他需要报告的事项·收费通知件数",
             "s6.fee_notices_amount_yuan": "六、其他需要报告的事项·收费通知金额（元）",
             "s6.fee_collected_yuan": "六、其他需要报告的事项·实际收取金额（元）"}


_TERM = re.compile(r"([+-]?)\s*([A-Za-z0-9_.]+)")


def quantity(name: str, fmt: ReportFormat, cells: Mapping[str, float | None]
             ) -> tuple[float | None, list[str]]:
    """Value of a cell id, a derived quantity or a sum of them, with the cells it reads.

    None when a cell is absent (the table was not read) or blank (the reading is in doubt).
    """
    expr = fmt.derived_quantities.get(name, name)
    total, refs = 0.0, []
    for sign, ref in _TERM.findall(expr):
        if ref in fmt.derived_quantities:
            value, sub = quantity(ref, fmt, cells)
            refs += sub
        else:
            value = _number(cells.get(ref))
            if value is None or value != value:
                value = _from_parts(ref, fmt, cells)
            refs.append(ref)
        if value is None or value != value:
            return None, refs
        total += -value if sign == "-" else value
    return total, refs


class NumericCells(Mapping):
    """A read-only view of a report's cells as numbers (None for a blank or unreadable one),
    converted when read: a reader may pass text, and ``check`` passes every cell of its matrix
    without copying it."""

    def __init__(self, raw: Mapping) -> None:
        self._raw = raw

    def __getitem__(self, ref: str) -> float | None:
        return _number(self._raw[ref])

    def __iter__(self):
        return iter(self._raw)

    def __len__(self) -> int:
        return len(self._raw)


def _number(value) -> float | None:
    """A cell value as a number; None for a blank or unreadable one (a reader may pass text)."""
    if value is None or isinstance(value, (int, float)):
        return value
    try:
        return float(str(value).replace(",", "").strip())
    except ValueError:
        return None


def _from_parts(ref: str, fmt: ReportFormat, cells: Mapping[str, float | None]) -> float | None:
    """A total cell left blank, summed from its parts (when at least one of them was read)."""
    table, row, col = (ref.split(".") + ["", ""])[:3]
    if table == "t3" and col == "total":
        parts = [f"t3.{row}.{c.id}" for c in fmt.table("t3").columns if c.id != "total"]
    elif table == "t4" and col.endswith("_total"):
        stem = col.removesuffix("_total")
        parts = [f"t4.{row}.{stem}_{k}" for k in ("upheld", "corrected", "other", "pending")]
    else:
        return None
    values = [v for v in (_number(cells.get(p)) for p in parts) if v is not None and v == v]
    if not values:
        return None
    return float(sum(values))  # blank parts count as 0, as in the tables' own rules


# ------------------------------------------------------------------ matching


def cell_labels(fmt: ReportFormat, refs: list[str]) -> list[str]:
    return [S6_LABELS.get(ref) or fmt.cell_label(ref) for ref in refs]


# Chinese names of the derived quantities a statement may read (the cells of a sum are listed
# in the finding; the message names the sum).
QUANTITY_LABELS = {
    "to_handle": "本年新收与上年结转申请之和",
    "answered": "本年度办理结果总计",
    "open": "予以公开",
    "partial": "部分公开",
    "open_or_partial": "予以公开与部分公开之和",
    "deny": "不予公开（各项合计）",
    "unable": "无法提供（各项合计）",
    "noproc": "不予处理（各项合计）",
    "other": "其他处理（各项合计）",
    "from_orgs_new": "法人或其他组织本年新收申请",
    "reviews": "行政复议总计",
    "lawsuits": "行政诉讼总计（未经复议直接起诉与复议后起诉之和）",
    "corrected_cases": "结果纠正的案件（各项合计）",
    "pending_cases": "尚未审结的案件（各项合计）",
}


def quantity_label(fmt: ReportFormat, reading: str, refs: list[str]) -> str:
    if reading in QUANTITY_LABELS:
        return QUANTITY_LABELS[reading]
    labels = cell_labels(fmt, refs)
    return labels[0] if len(labels) == 1 else "、".join(labels) + "之和"


def fmt_number(n: float) -> str:
    return str(int(n)) if float(n).is_integer() else f"{n:g}"


@dataclass
class Context:
    """What the checks of one section need: the format, the cells and where findings go."""

    fmt: ReportFormat
    cells: Mapping[str, float | None]
    section: str
    heading: str
    source: T.Normalized  # the section text as read, line wrapping undone
    year: int | None = None  # the report year

    @property
    def text(self) -> str:
        return self.source.text

    @cached_property
    def counts(self) -> list[T.Count]:
        """The stated counts of the section (read once, used by several rules)."""
        return T.counts_in(self.text)

    def finding(self, severity: str, message: str, span: tuple[int, int], refs=(),
                expected=None, actual=None, rule: str = R10) -> Finding:
        """A finding quoting the sentence at ``span`` (offsets of the original text)."""
        refs = list(dict.fromkeys(refs))
        return Finding(rule=rule, severity=severity, message=message, cells=refs,
                       labels=cell_labels(self.fmt, refs), expected=expected, actual=actual,
                       quote=T.quote(self.text, *span), span=self.source.original(*span),
                       section=self.section)
