"""The official tables of sections 二, 三 and 四 as HTML, laid out entirely from the format file.

Nothing here names a row, a column or a label: captions, header groups, merged group cells and
their spans all come from the format definition, so a new format revision renders unchanged.
The functions accept anything with ``.format``, ``.value(ref)`` and (optionally) ``.units`` —
one agency's ``Report`` or an aggregate of many.

Layout helpers (``column_path``, ``label_width``, ``printed_row_path``) are public because
``nianbao.testing.tables_parse`` reads rendered tables back with the same vocabulary.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape
from typing import Protocol

from nianbao.formats.spec import Column, ReportFormat, Row, Table
from nianbao.report.numbers import fmt_cell

# Defaults for places where the suite's report template (which styles ``table.official``) is
# absent, e.g. JupyterLab. Scoped under the wrapper class that ``OfficialTable`` emits, so the
# rules outrank JupyterLab's own table styling but never leak into other tables.
TABLE_CSS = """\
.nianbao-official table.official {
  border-collapse: collapse; width: 100%; table-layout: auto; margin: 0.5em 0 1.2em;
  font-family: "Noto Serif CJK SC", serif; font-size: 10.5pt; line-height: 1.4;
  color: inherit;
}
.nianbao-official table.official th,
.nianbao-official table.official td {
  border: 1px solid currentColor; padding: 0.3em 0.45em; vertical-align: middle;
  background: transparent; white-space: normal; max-width: none; font-weight: normal;
  text-align: center;
}
.nianbao-official table.official tr { background: transparent; break-inside: avoid; }
.nianbao-official table.official thead { display: table-header-group; }
.nianbao-official table.official th.caption { font-weight: bold; }
.nianbao-official table.official th.corner { text-align: left; font-size: 0.9em; }
.nianbao-official table.official th.label { text-align: left; }
.nianbao-official table.official th.group { text-align: center; }
.nianbao-official table.official th.group.level-0 { width: 1.5em; }
.nianbao-official table.official th.group.level-1 { width: 4.5em; }
.nianbao-official table.official td.num {
  white-space: nowrap; font-variant-numeric: tabular-nums;
}
"""

# Decimal places kept when printing a float: enough for any amount a report states (万元 to the
# 元 needs four), few enough to hide binary noise from sums of decimals. The narrative prints
# float amounts with the same precision and rounding, so table and prose cannot differ.


class TableSource(Protocol):
    """What a table needs from its data: one report, or an aggregate of many."""

    @property
    def format(self) -> ReportFormat: ...

    def value(self, ref: str) -> float: ...


# --- numbers -------------------------------------------------------------------------------


def cell_text(source: TableSource, table: Table, row: Row, column: Column) -> str:
    """The printed content of one value cell.

    A column without a fixed unit (F2019 采购总金额) prints the unit recorded for that cell, as
    reports write it ("251000元"); columns with a fixed unit never repeat it in the cell.
    """
    ref = f"{table.id}.{row.id}.{column.id}"
    text = fmt_cell(source.value(ref))
    if column.unit is None:
        units: Mapping[str, str] = getattr(source, "units", None) or {}
        text += units.get(ref, "")
    return text


# --- layout vocabulary, shared with the parser ---------------------------------------------


def _header_groups(table: Table) -> list[dict]:
    return list((table.model_extra or {}).get("header_groups", []))


def column_path(table: Table, column: Column) -> tuple[str, ...]:
    """Header labels above a value column, outermost first.

    Combines the table's ``header_groups`` (e.g. 申请人情况) with the column's own ``group`` and
    ``subgroup``; a label named by both appears once.
    """
    outer = [g["label"] for g in _header_groups(table) if column.id in g["columns"]]
    groups = dict.fromkeys(p for p in (*outer, column.group, column.subgroup) if p)
    return (*groups, column.label)


def corner_text(table: Table) -> str | None:
    """The text of the block above the row labels (the 勾稽 note of 三, 信息内容 in 二)."""
    return table.corner_note or table.first_header


@dataclass(frozen=True)
class BodyRow:
    """One physical data row: its row, the group cells that open on it, where its label starts."""

    row: Row
    opening_groups: tuple[Row, ...]
    label_start: int


def body_rows(table: Table) -> list[BodyRow]:
    """The physical rows of a table body.

    Group rows (``data: false``) are not physical rows: their merged label cell sits in
    ``label_column`` of the first data row of their block and spans ``rowspan`` data rows. A
    data row's own label starts in the column after the innermost open group cell.
    """
    out: list[BodyRow] = []
    open_groups: list[list] = []  # [group row, data rows it still covers]
    pending: list[Row] = []
    for row in table.rows:
        if not row.data:
            if not row.rowspan or not row.label_column:
                raise ValueError(f"{table.id}.{row.id}: a group row needs rowspan and label_column")
            pending.append(row)
            open_groups.append([row, row.rowspan])
            continue
        start = max((g.label_column for g, _ in open_groups), default=0)
        out.append(BodyRow(row, tuple(pending), start))
        pending = []
        for group in open_groups:
            group[1] -= 1
        open_groups = [g for g in open_groups if g[1] > 0]
    if open_groups:
        names = ", ".join(g[0].id for g in open_groups)
        raise ValueError(f"{table.id}: group rows {names} span past the last data row")
    return out


def label_width(table: Table) -> int:
    """Number of label columns; 0 for a table without row labels (四 heads nothing on the left)."""
    if corner_text(table) is None:
        return 0
    extents = [b.label_start + b.row.label_colspan for b in body_rows(table)]
    extents += [r.label_column or 0 for r in table.rows if not r.data]
    return max(extents)


def printed_row_path(table: Table, row: Row) -> tuple[str, ...]:
    """The labels printed to the left of a data row, outermost group first (empty for 四)."""
    if label_width(table) == 0:
        return ()
    return tuple(table.row_paths()[row.id])


# --- cells and rows ------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """One table cell as drawn: ``th`` (caption, header, label) or ``td`` (a value)."""

    tag: str
    text: str
    classes: tuple[str, ...] = ()
    rowspan: int = 1
    colspan: int = 1
    attrs: tuple[tuple[str, str], ...] = ()

    def html(self) -> str:
        parts = []
        if self.classes:
            parts.append(f'class="{" ".join(self.classes)}"')
        if self.rowspan > 1:
            parts.append(f'rowspan="{self.rowspan}"')
        if self.colspan > 1:
            parts.append(f'colspan="{self.colspan}"')
        parts += [f'{name}="{escape(value)}"' for name, value in self.attrs]
        opening = " ".join([self.tag, *parts])
        return f"<{opening}>{escape(self.text)}</{self.tag}>"


def _tr(cells: Sequence[Cell], css_class: str | None = None) -> str:
    opening = f'<tr class="{css_class}">' if css_class else "<tr>"
    return opening + "".join(c.html() for c in cells) + "</tr>"


def _value_spans(table: Table) -> list[int]:
    """Grid columns each value column covers (``value_colspan`` merges across a shared grid)."""
    return [table.value_colspan or 1] * len(table.columns)


def _value_width(table: Table) -> int:
    return sum(_value_spans(table))


def _caption_cell(table: Table, width: int) -> Cell:
    return Cell("th", table.caption or "", ("caption",), colspan=width)


def _head_cell(text: str, rowspan: int, colspan: int, scope: str) -> Cell:
    return Cell("th", text, ("head",), rowspan, colspan, (("scope", scope),))


def _group_end(paths: list[tuple[str, ...]], i: int, level: int) -> int:
    """End (exclusive) of the run of columns from ``i`` under the same group label at ``level``."""
    j = i
    while (
        j < len(paths)
        and len(paths[j]) - 1 > level
        and paths[j][: level + 1] == paths[i][: level + 1]
    ):
        j += 1
    return j


def _header_level(paths: list[tuple[str, ...]], spans: list[int], level: int) -> list[Cell]:
    """The header cells of one level: leaves reach the last header row, groups merge columns."""
    depth = max(len(p) for p in paths)
    cells: list[Cell] = []
    i = 0
    while i < len(paths):
        path = paths[i]
        if len(path) - 1 < level:  # covered by a leaf from a row above
            i += 1
        elif len(path) - 1 == level:
            cells.append(_head_cell(path[level], depth - level, spans[i], "col"))
            i += 1
        else:
            j = _group_end(paths, i, level)
            cells.append(_head_cell(path[level], 1, sum(spans[i:j]), "colgroup"))
            i = j
    return cells


def _header_rows(table: Table) -> list[list[Cell]]:
    """Header rows: the corner block over the label columns, then one row per header level."""
    paths = [column_path(table, c) for c in table.columns]
    depth = max(len(p) for p in paths)
    rows = [_header_level(paths, _value_spans(table), level) for level in range(depth)]
    width = label_width(table)
    if width:
        rows[0].insert(0, Cell("th", corner_text(table) or "", ("corner",), depth, width))
    return rows


def _label_cells(table: Table, body: BodyRow, width: int) -> list[Cell]:
    cells = [
        Cell("th", g.label, ("label", "group", f"level-{g.level}"), rowspan=g.rowspan or 1)
        for g in sorted(body.opening_groups, key=lambda g: g.label_column or 0)
    ]
    if width == 0:
        return cells
    span = width - body.label_start
    if span != body.row.label_colspan:
        raise ValueError(
            f"{table.id}.{body.row.id}: label spans {body.row.label_colspan} columns from column "
            f"{body.label_start + 1}, but the table has {width} label columns"
        )
    own = Cell("th", body.row.label, ("label",), colspan=span, attrs=(("scope", "row"),))
    return [*cells, own]


def _body_row_cells(source: TableSource, table: Table, body: BodyRow, width: int) -> list[Cell]:
    spans = _value_spans(table)
    values = [
        Cell(
            "td",
            cell_text(source, table, body.row, column),
            ("num",),
            colspan=span,
            attrs=(("data-cell", f"{table.id}.{body.row.id}.{column.id}"),),
        )
        for column, span in zip(table.columns, spans, strict=True)
    ]
    return [*_label_cells(table, body, width), *values]


# --- layout: the grid of one drawn table, shared by the HTML and Word writers ---------------


@dataclass(frozen=True)
class LayoutRow:
    """One physical row: its kind (``caption``, ``head`` or ``body``) and its cells as written."""

    kind: str
    cells: tuple[Cell, ...]


@dataclass(frozen=True)
class LayoutGroup:
    """Rows that merged cells may not leave: a ``thead``/``tbody``, or one sub-table."""

    kind: str
    table_id: str | None
    rows: tuple[LayoutRow, ...]


@dataclass(frozen=True)
class TableLayout:
    """One drawn table: which format tables it shows and its row groups, top to bottom."""

    section_id: str
    table_ids: tuple[str, ...]
    groups: tuple[LayoutGroup, ...]
    continuous: bool

    @property
    def width(self) -> int:
        """Grid columns of the table (every row covers all of them)."""
        return max(_row_width(g) for g in self.groups)


def _row_width(group: LayoutGroup) -> int:
    return sum(c.colspan for c in group.rows[0].cells) if group.rows else 0


def _head_layout_rows(table: Table, width: int) -> list[LayoutRow]:
    rows = [LayoutRow("caption", (_caption_cell(table, width),))] if table.caption else []
    return rows + [LayoutRow("head", tuple(cells)) for cells in _header_rows(table)]


def _body_layout_rows(source: TableSource, table: Table) -> list[LayoutRow]:
    width = label_width(table)
    return [LayoutRow("body", tuple(_body_row_cells(source, table, b, width)))
            for b in body_rows(table)]


def _shared_grid_width(tables: Sequence[Table]) -> int | None:
    """The common value width when several sub-tables fit one grid (F2021 二), else None."""
    widths = {_value_width(t) for t in tables}
    labels = {label_width(t) for t in tables}
    if len(tables) > 1 and len(widths) == 1 and len(labels) == 1:
        return widths.pop()
    return None


def section_layout(source: TableSource, section_id: str) -> list[TableLayout]:
    """The tables of one section as grids of cells with their spans.

    Sub-tables that fit a common grid are drawn as one continuous table (F2021 二), one row
    group per sub-table and no repeated header; otherwise each is its own table with its
    caption and headers in a ``thead`` (F2019 二 with 3, 3, 3, 2, 2 value columns; 三; 四).
    """
    fmt = source.format
    tables = [fmt.table(t) for t in fmt.section(section_id).tables]
    if not tables:
        raise ValueError(f"{fmt.id} section {section_id} has no tables")
    if _shared_grid_width(tables) is not None:
        width = label_width(tables[0]) + _value_width(tables[0])
        groups = tuple(
            LayoutGroup("tbody", t.id, tuple(_head_layout_rows(t, width)
                                             + _body_layout_rows(source, t)))
            for t in tables
        )
        return [TableLayout(section_id, tuple(t.id for t in tables), groups, True)]
    out = []
    for t in tables:
        width = label_width(t) + _value_width(t)
        groups = (LayoutGroup("thead", None, tuple(_head_layout_rows(t, width))),
                  LayoutGroup("tbody", None, tuple(_body_layout_rows(source, t))))
        out.append(TableLayout(section_id, (t.id,), groups, False))
    return out


# --- tables as HTML ------------------------------------------------------------------------


def _layout_html(layout: TableLayout) -> str:
    """One drawn table; a continuous one has no ``<thead>``, since a header repeated on a
    printed page would show the first sub-table's columns above the rows of another."""
    ids = " ".join(layout.table_ids)
    lines = [f'<table class="official" data-section="{layout.section_id}" data-table="{ids}">']
    for group in layout.groups:
        lines.append(f'<{group.kind} data-table="{group.table_id}">' if group.table_id
                     else f"<{group.kind}>")
        lines += [_tr(row.cells, None if row.kind == "body" else row.kind)
                  for row in group.rows]
        lines.append(f"</{group.kind}>")
    lines.append("</table>")
    return "\n".join(lines)


def section_html(source: TableSource, section_id: str) -> str:
    """The tables of one section as HTML (see ``section_layout``)."""
    return "\n".join(_layout_html(t) for t in section_layout(source, section_id))


def section2_html(source: TableSource) -> str:
    """二、主动公开政府信息情况: the 第二十条 sub-tables."""
    return section_html(source, "s2")


def section3_html(source: TableSource) -> str:
    """三、收到和处理政府信息公开申请情况: the application table with its 勾稽 note."""
    return section_html(source, "s3")


def section4_html(source: TableSource) -> str:
    """四、行政复议、行政诉讼情况: one row of 15 numbers under three header rows."""
    return section_html(source, "s4")


# --- notebook display ----------------------------------------------------------------------


@dataclass(frozen=True)
class OfficialTable:
    """Rendered official table(s) that a notebook cell displays by evaluating it.

    ``css`` is emitted with the table in notebook output so it looks right in JupyterLab; a
    report template that styles ``table.official`` itself can pass ``css=""``.
    """

    html: str
    css: str = TABLE_CSS

    def _repr_html_(self) -> str:
        style = f"<style>\n{self.css}</style>\n" if self.css else ""
        return f'<div class="nianbao-official">\n{style}{self.html}\n</div>'

    def __str__(self) -> str:
        return self.html


def section_table(source: TableSource, section_id: str, *, css: str = TABLE_CSS) -> OfficialTable:
    """The tables of a section, ready to display in a notebook."""
    return OfficialTable(section_html(source, section_id), css)
