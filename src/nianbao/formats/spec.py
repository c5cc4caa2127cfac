"""The official report formats, read from the definition files in ``nianbao/formats``.

Every table, row, column, label and rule of a format is data; this module only reads it and
answers questions about it (which format a year uses, the official label of a cell, the
expanded instances of a rule). A new format revision is a new JSON file.
"""

from __future__ import annotations

import itertools
import json
import re
from functools import cache
from importlib import resources
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

CELL_SEP = "·"


class _Model(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)


class Column(_Model):
    id: str
    label: str
    type: Literal["integer", "decimal"] = "integer"
    unit: str | None = None
    min: float | None = None
    group: str | None = None
    subgroup: str | None = None


class Row(_Model):
    id: str
    label: str
    level: int = 0
    data: bool = True
    category: str | None = None
    label_colspan: int = 1
    rowspan: int | None = None
    label_column: int | None = None


class Table(_Model):
    id: str
    section: str
    caption: str | None = None
    first_header: str | None = None
    corner_note: str | None = None
    value_colspan: int | None = None
    columns: list[Column]
    rows: list[Row]

    @property
    def data_rows(self) -> list[Row]:
        return [r for r in self.rows if r.data]

    def column(self, col_id: str) -> Column:
        return next(c for c in self.columns if c.id == col_id)

    def row(self, row_id: str) -> Row:
        return next(r for r in self.rows if r.id == row_id)

    def row_paths(self) -> dict[str, list[str]]:
        """Labels of the merged group cells above each data row, outermost first."""
        paths: dict[str, list[str]] = {}
        open_groups: list[list] = []  # [label, remaining physical rows]
        for row in self.rows:
            if not row.data:
                open_groups.append([row.label, row.rowspan or 0])
                continue
            paths[row.id] = [g[0] for g in open_groups] + [row.label]
            for g in open_groups:
                g[1] -= 1
            open_groups = [g for g in open_groups if g[1] > 0]
        return paths


class Section(_Model):
    id: str
    no: str
    title: str
    type: str
    tables: list[str] = Field(default_factory=list)
    title_variants: list[str] = Field(default_factory=list)
    expected_topics: list[str] = Field(default_factory=list)

    @property
    def heading(self) -> str:
        return f"{self.no}、{self.title}"


class Rule(_Model):
    id: str
    level: Literal["error", "warning", "none"]
    status: str
    expr_kind: Literal["formula", "text"]
    expr: str
    title_zh: str
    scope: Literal["report", "cross_year", "timeliness", "text", "generated"] = "report"
    for_each: dict[str, list[str]] = Field(default_factory=dict)
    message: str | None = None
    description: str | None = None
    applies_to: str | None = None

    def instances(self) -> list[tuple[dict[str, str], str]]:
        """The rule's expression once per combination of its ``for_each`` values."""
        if not self.for_each:
            return [({}, self.expr)]
        names = list(self.for_each)
        out = []
        for values in itertools.product(*(self.for_each[n] for n in names)):
            binding = dict(zip(names, values, strict=True))
            expr = self.expr
            for name, value in binding.items():
                expr = expr.replace("{" + name + "}", value)
            out.append((binding, expr))
        return out


class ReportFormat(_Model):
    id: str
    name: str
    document_no: str
    report_years: dict[str, int | None]
    sections: list[Section]
    tables: list[Table]
    rules: list[Rule]
    derived_quantities: dict[str, str]
    blank_tokens: list[str]

    def covers(self, year: int) -> bool:
        first, last = self.report_years["from"], self.report_years.get("to")
        return year >= first and (last is None or year <= last)

    def table(self, table_id: str) -> Table:
        for t in self.tables:
            if t.id == table_id:
                return t
        raise KeyError(f"{self.id} has no table {table_id!r}")

    def rule(self, rule_id: str) -> Rule:
        return next(r for r in self.rules if r.id == rule_id)

    def section(self, section_id: str) -> Section:
        return next(s for s in self.sections if s.id == section_id)

    @property
    def enforced_rules(self) -> list[Rule]:
        """Rules that may be reported (``level: none`` marks a rule that must never fire)."""
        return [r for r in self.rules if r.level != "none"]

    def cell_refs(self) -> list[str]:
        """Every data cell of the format as ``table.row.col``, in official order."""
        return [
            f"{t.id}.{r.id}.{c.id}" for t in self.tables for r in t.data_rows for c in t.columns
        ]

    def cell_label(self, ref: str) -> str:
        """The full official Chinese label of ``table.row.col`` (or ``table.row``)."""
        return _cell_labels(self.id).get(ref) or _row_labels(self.id).get(ref, ref)

    def row_label(self, table_id: str, row_id: str) -> str:
        return _row_labels(self.id)[f"{table_id}.{row_id}"]

    def column_label(self, table_id: str, col_id: str) -> str:
        col = self.table(table_id).column(col_id)
        return CELL_SEP.join(p for p in (col.group, col.subgroup, col.label) if p)

    def result_rows(self, category: str | None = None) -> list[Row]:
        """Result data rows of table 三 (optionally one category), in official order."""
        rows = [r for r in self.table("t3").data_rows if r.category and r.category != "total"]
        return [r for r in rows if category is None or r.category == category]


@cache
def _row_labels(format_id: str) -> dict[str, str]:
    fmt = load_format(format_id)
    labels = {}
    for t in fmt.tables:
        paths = t.row_paths()
        for r in t.data_rows:
            if t.id == "t4":
                labels[f"{t.id}.{r.id}"] = "四、行政复议、行政诉讼情况"
            elif t.caption:
                labels[f"{t.id}.{r.id}"] = f"{t.caption}{CELL_SEP}{r.label}"
            else:
                labels[f"{t.id}.{r.id}"] = "".join(paths[r.id])
    return labels


@cache
def _cell_labels(format_id: str) -> dict[str, str]:
    fmt = load_format(format_id)
    rows = _row_labels(format_id)
    out = {}
    for t in fmt.tables:
        for r in t.data_rows:
            for c in t.columns:
                col = fmt.column_label(t.id, c.id)
                if t.id == "t4":
                    out[f"{t.id}.{r.id}.{c.id}"] = col
                else:
                    out[f"{t.id}.{r.id}.{c.id}"] = f"{rows[f'{t.id}.{r.id}']}{CELL_SEP}{col}"
    return out


@cache
def load_format(format_id: str) -> ReportFormat:
    text = resources.files("nianbao.formats").joinpath(f"{format_id}.json").read_text("utf-8")
    return ReportFormat.model_validate(json.loads(text))


@cache
def all_formats() -> tuple[ReportFormat, ...]:
    names = sorted(
        p.name[:-5]
        for p in resources.files("nianbao.formats").iterdir()
        if re.fullmatch(r"F\d{4}\.json", p.name)
    )
    return tuple(load_format(n) for n in names)


def format_for_year(year: int) -> ReportFormat:
    """The format that applies to a report year (F2019 for 2019–2020, F2021 from 2021)."""
    for fmt in all_formats():
        if fmt.covers(int(year)):
            return fmt
    raise ValueError(f"{year} 年度报告没有适用的统一格式（支持 2019 年及以后）")
