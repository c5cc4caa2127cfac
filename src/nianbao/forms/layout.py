"""Where everything sits on a form sheet, computed once per format from the format file.

The template writes by this layout and the importer reads by it; when the defined names of a
workbook were lost, the importer finds the same cells again through the labels recorded here
(table titles, row label paths and column header paths, exactly as printed in the reports).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

from nianbao.formats.spec import Column, ReportFormat, Table, format_for_year
from nianbao.report.tables import body_rows, column_path, corner_text, label_width

LABEL_COLS = 3  # label columns of the widest table (三); narrower tables stretch their labels
FIRST_VALUE_COL = LABEL_COLS + 1
NAME_PREFIX = "nb_"
AGENCY_FIELDS = (
    ("agency_id", "单位标识"), ("name", "单位名称"), ("short_name", "简称"),
    ("region", "所属区域"), ("kind", "单位类型"), ("address", "地址"), ("phone", "电话"),
    ("postcode", "邮政编码"), ("email", "电子邮箱"), ("website", "网址"),
)  # fmt: skip
YEAR_LABEL = "报告年度"
PUBLISHED_LABEL = "报告发布日期"
FEE_LABELS = {
    "fee_notices_issued": "发出收费通知的件数（件）",
    "fee_notices_amount_yuan": "收费通知的总金额（元）",
    "fee_collected_yuan": "实际收取的总金额（元）",
}
TEXT_SECTIONS = ("s1", "s5", "s6")
CHECK_OK, CHECK_BAD, ROW_BAD = "平衡", "不平衡", "合计不符"
COLUMN_CHECK_LABEL = ("本列核对（第一项加第二项之和等于第三项加第四项之和，"
                      "且办理结果总计等于各项之和）")
ROW_CHECK_LABEL = "本行核对"
TOTAL_CHECK_LABEL = "总计核对（总计等于各项之和）"
INSTRUCTIONS_SHEET = "填报说明"


def cell_name(ref: str) -> str:
    """The Excel defined name of a cell id: ``t3.new.org_other`` → ``nb_t3__new__org_other``.

    Dots are not allowed in names by every spreadsheet program; ids never contain ``__``.
    """
    return NAME_PREFIX + ref.replace(".", "__")


def ref_of_name(name: str) -> str | None:
    if not name.lower().startswith(NAME_PREFIX):
        return None
    return name[len(NAME_PREFIX):].replace("__", ".")


@dataclass(frozen=True)
class Header:
    """One header cell of a table: text, first row (offset) and column, spans."""

    text: str
    row: int
    col: int
    rowspan: int = 1
    colspan: int = 1
    css: str = "head"


@dataclass
class TableBlock:
    """One official table on the sheet, rows counted from the block's title row (0)."""

    table: Table
    title: str
    depth: int  # header rows
    headers: list[Header] = field(default_factory=list)
    labels: list[Header] = field(default_factory=list)
    refs: list[list[str]] = field(default_factory=list)  # data row × value column
    row_paths: list[tuple[str, ...]] = field(default_factory=list)
    col_paths: list[tuple[str, ...]] = field(default_factory=list)

    @property
    def height(self) -> int:
        return 1 + self.depth + len(self.refs)


def allows_negative(column: Column) -> bool:
    """Whether a count may be negative: a column without a minimum (F2019 本年增/减)."""
    return column.min is None or column.min < 0


def table_title(fmt: ReportFormat, table: Table) -> str:
    """The title row above a table: the sub-table caption of 二, the section heading of 三/四."""
    if table.caption:
        return table.caption
    return fmt.section(table.section).heading


def _header_cells(table: Table, depth: int) -> list[Header]:
    """Column header cells on the grid: groups merge across their columns, leaves run down."""
    paths = [column_path(table, c) for c in table.columns]
    out = []
    for level in range(depth):
        j = 0
        while j < len(paths):
            path = paths[j]
            if len(path) - 1 < level:
                j += 1
                continue
            if len(path) - 1 == level:
                out.append(Header(path[level], 1 + level, FIRST_VALUE_COL + j, depth - level, 1))
                j += 1
                continue
            k = j
            while k < len(paths) and len(paths[k]) - 1 > level and \
                    paths[k][: level + 1] == path[: level + 1]:
                k += 1
            out.append(Header(path[level], 1 + level, FIRST_VALUE_COL + j, 1, k - j))
            j = k
    return out


@cache
def _block(fmt_id: str, table_id: str) -> TableBlock:
    fmt = next(f for f in _formats() if f.id == fmt_id)
    table = fmt.table(table_id)
    paths = [column_path(table, c) for c in table.columns]
    depth = max(len(p) for p in paths)
    block = TableBlock(table, table_title(fmt, table), depth, col_paths=paths)
    block.headers = _header_cells(table, depth)
    width = label_width(table)
    corner = corner_text(table) if width else "案件数（件）"
    block.headers.insert(0, Header(corner or "", 1, 1, depth, LABEL_COLS, "corner"))
    first = 1 + depth
    bodies = body_rows(table)
    for i, body in enumerate(bodies):
        row = first + i
        for g in body.opening_groups:
            block.labels.append(Header(g.label, row, g.label_column, g.rowspan or 1, 1, "group"))
        if width:
            start = body.label_start + 1
            block.labels.append(Header(body.row.label, row, start, 1, LABEL_COLS - start + 1,
                                       "label"))
        block.refs.append([f"{table.id}.{body.row.id}.{c.id}" for c in table.columns])
        block.row_paths.append(tuple(table.row_paths()[body.row.id]) if width else ())
    return block


def _formats() -> tuple[ReportFormat, ...]:
    from nianbao.formats.spec import all_formats

    return all_formats()


def blocks(year: int) -> list[TableBlock]:
    """The table blocks of a year's format in official order."""
    fmt = format_for_year(year)
    return [_block(fmt.id, t.id) for t in fmt.tables]


def has_fees(year: int) -> bool:
    """Whether the format records section 六's fee figures (F2021 and later)."""
    fmt = format_for_year(year)
    return any(r.id == "R9_fee_consistency" for r in fmt.rules)


def text_titles(year: int) -> dict[str, str]:
    fmt = format_for_year(year)
    return {s: fmt.section(s).title for s in TEXT_SECTIONS}


_SPACE = re.compile(r"\s+")


def norm_label(text: object) -> str:
    """A label compared loosely: white space and line breaks do not count."""
    return _SPACE.sub("", str(text or ""))
