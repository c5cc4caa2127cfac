"""One year of every agency in one Excel workbook: a sheet per official table, plus findings.

Layout of a table sheet (all labels official, from the format file):

- columns A–D identify the agency (单位标识, 单位名称, 所属区域, 类型), one row per agency;
- then one column per cell of the table, under two header rows: row 1 names the table row
  (the full label path of 三, e.g. 三、本年度办理结果·（三）不予公开·1.属于国家秘密, merged
  across that row's columns), row 2 the column (自然人, 法人或其他组织·商业企业 …). Table 四 has
  no row labels: its row 1 holds the column groups (行政复议, 行政诉讼·未经复议直接起诉 …) and
  row 2 the result columns;
- values are numbers (no formulas); cells that were blank in the data (counted as 0) are shaded
  yellow, totals derived from their parts are blue and italic; amounts keep their unit as a
  number format.

``pd.read_excel(path, sheet_name=..., header=[0, 1], index_col=0)`` reads a table sheet back;
``table_headers`` gives the (row 1, row 2) header of every cell id. The workbook is written to a
temporary file and renamed, so a reader never sees half a file.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from nianbao import __version__
from nianbao.data.dataset import Dataset, load
from nianbao.data.loading import load_agencies, stats_files
from nianbao.errors import ParameterError
from nianbao.findings import SEVERITY_ZH, Finding, severity_rank
from nianbao.formats.spec import CELL_SEP, ReportFormat, Table, format_for_year
from nianbao.paths import DATA_DIR
from nianbao.region.summary import (
    check_region_year,
    region_agency_ids,
    region_totals,
    regions_of,
    rule_titles,
)
from nianbao.report.tables import column_path, label_width, printed_row_path

ID_COLUMNS = (("agency_id", "单位标识"), ("name", "单位名称"), ("region", "所属区域"),
              ("kind", "类型"))
INFO_SHEET = "说明"
AGENCY_SHEET = "单位名录"
FINDINGS_SHEET = "校验结果"
HEADER_ROWS = 2
VALUE_WIDTH = 11

_THIN = Side(style="thin", color="808080")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEAD_FONT = Font(bold=True)
_WRAP_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
_WRAP_LEFT = Alignment(horizontal="left", vertical="top", wrap_text=True)
INTEGER_FORMAT = "#,##0"
BLANK_COLOR = "FFF2CC"
DERIVED_COLOR = "DDEBF7"


class _Styles:
    """The workbook's cell styles, registered once as named styles: assigning a name is several
    times faster than setting border, fill and format cell by cell (a year of 1,000 agencies
    has some 200,000 cells)."""

    HEAD = "年报-表头"
    PLAIN = "年报-单元格"
    TEXT = "年报-文字"
    INTEGER = "年报-整数"
    DECIMAL = "年报-小数"
    BLANK = "年报-原表空白"
    DERIVED = "年报-推算总计"

    def __init__(self, wb: Workbook) -> None:
        self.wb = wb
        self._add(self.HEAD, font=_HEAD_FONT, fill=PatternFill("solid", fgColor="E7E6E6"),
                  alignment=_WRAP_CENTER)
        self._add(self.PLAIN)
        self._add(self.TEXT, alignment=_WRAP_LEFT)
        self._add(self.INTEGER, number_format=INTEGER_FORMAT)
        self._add(self.DECIMAL, number_format="General")
        self._add(self.BLANK, number_format=INTEGER_FORMAT,
                  fill=PatternFill("solid", fgColor=BLANK_COLOR))
        self._add(self.DERIVED, number_format=INTEGER_FORMAT, font=Font(italic=True),
                  fill=PatternFill("solid", fgColor=DERIVED_COLOR))

    def _add(self, name: str, **kw) -> str:
        if name not in self.wb.named_styles:
            self.wb.add_named_style(NamedStyle(name, border=_BORDER, **kw))
        return name

    def amount(self, unit: str) -> str:
        """A decimal that keeps its unit on screen (the value stays a plain number)."""
        if not unit:
            return self.DECIMAL
        return self._add(f"年报-金额（{unit}）", number_format=f'General"{unit}"')


# ---------------------------------------------------------------- headers


def sheet_name(fmt: ReportFormat, table: Table) -> str:
    """Sheet name of a table: 二、第二十条第（一）项, 三、收到和处理政府信息公开申请情况 …"""
    section = fmt.section(table.section)
    name = f"{section.no}、{table.caption}" if table.caption else section.heading
    return name[:31]


def table_headers(fmt: ReportFormat, table: Table) -> list[tuple[str, str, str]]:
    """(cell id, header row 1, header row 2) of every cell of a table, in official order."""
    out = []
    with_labels = label_width(table) > 0
    for row in table.data_rows:
        for column in table.columns:
            ref = f"{table.id}.{row.id}.{column.id}"
            if with_labels:
                top = CELL_SEP.join(printed_row_path(table, row)) or row.label
                bottom = fmt.column_label(table.id, column.id)
            else:
                path = column_path(table, column)
                top = CELL_SEP.join(path[:-1]) or fmt.section(table.section).title
                bottom = path[-1]
            out.append((ref, top, bottom))
    return out


def _text_width(text: str) -> int:
    """Display width of a label: CJK characters count double."""
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in str(text))


# ---------------------------------------------------------------- sheets


def _head(cell, text: str | None) -> None:
    cell.value = text
    cell.style = _Styles.HEAD


def _id_headers(ws: Worksheet) -> None:
    for j, (_, label) in enumerate(ID_COLUMNS, start=1):
        _head(ws.cell(1, j), label)
        _head(ws.cell(2, j), None)
        ws.merge_cells(start_row=1, start_column=j, end_row=2, end_column=j)


def _id_values(ws: Worksheet, r: int, agency: str, record) -> None:
    values = (agency, record["name"], record["region"], record["kind"])
    for j, value in enumerate(values, start=1):
        ws.cell(r, j, str(value)).style = _Styles.PLAIN


def _finish(ws: Worksheet, widths: Sequence[float], header_rows: int, freeze_cols: int) -> None:
    for j, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(j)].width = width
    ws.freeze_panes = ws.cell(header_rows + 1, freeze_cols + 1)
    ws.print_title_rows = f"1:{header_rows}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def _id_widths(ds: Dataset, agencies: Sequence[str]) -> list[float]:
    widths = []
    for key, label in ID_COLUMNS:
        if key == "agency_id":
            values = list(agencies)
        else:
            values = ds.agencies.loc[list(agencies), key].astype(str).tolist()
        widest = max([_text_width(label), *map(_text_width, values)])
        widths.append(min(48, widest + 2))
    return widths


def _table_sheet(wb: Workbook, styles: _Styles, ds: Dataset, fmt: ReportFormat, table: Table,
                 agencies: Sequence[str], year: int) -> Worksheet:
    ws = wb.create_sheet(sheet_name(fmt, table))
    _id_headers(ws)
    headers = table_headers(fmt, table)
    first = len(ID_COLUMNS) + 1
    j = 0
    while j < len(headers):  # header row 1: runs of the same label merge
        k = j
        while k + 1 < len(headers) and headers[k + 1][1] == headers[j][1]:
            k += 1
        _head(ws.cell(1, first + j), headers[j][1])
        for m in range(j + 1, k + 1):
            _head(ws.cell(1, first + m), None)
        if k > j:
            ws.merge_cells(start_row=1, start_column=first + j, end_row=1, end_column=first + k)
        j = k + 1
    for j, (_, _, bottom) in enumerate(headers):
        _head(ws.cell(2, first + j), bottom)
    kinds = {f"{table.id}.{r.id}.{c.id}": c for r in table.data_rows for c in table.columns}
    cols = [ds.ref_index[ref] for ref, _, _ in headers]
    for i, agency in enumerate(agencies):
        r = HEADER_ROWS + 1 + i
        k = ds.row_index[(agency, year)]
        _id_values(ws, r, agency, ds.agencies.loc[agency])
        values = ds.values[k, cols]
        for j, ((ref, _, _), value) in enumerate(zip(headers, values, strict=True)):
            cell = ws.cell(r, first + j)
            c = cols[j]
            if np.isnan(value):
                cell.style = styles.PLAIN
                continue
            column = kinds[ref]
            if ds.derived[k, c]:  # a blank total is derived, not 0
                style = styles.DERIVED
            elif ds.blank[k, c]:
                style = styles.BLANK
            elif column.type == "integer":
                style = styles.INTEGER
            else:
                style = styles.amount(ds.units.get((k, ref), "") if column.unit is None else "")
            if column.type == "integer" and float(value).is_integer():
                cell.value = int(value)
            else:
                cell.value = float(value)
                if style == styles.INTEGER:
                    style = styles.DECIMAL
            cell.style = style
    ws.row_dimensions[1].height = 60 if label_width(table) and len(table.columns) > 1 else 45
    ws.row_dimensions[2].height = 48
    widths = _id_widths(ds, agencies) + [VALUE_WIDTH] * len(headers)
    _finish(ws, widths, HEADER_ROWS, 2)
    if agencies:
        last = get_column_letter(first + len(headers) - 1)
        ws.auto_filter.ref = f"A2:{last}{HEADER_ROWS + len(agencies)}"
    return ws


def _rows_sheet(wb: Workbook, title: str, header: Sequence[str], rows: Sequence[Sequence],
                widths: Sequence[float], wrap: Sequence[int] = ()) -> Worksheet:
    """A plain list sheet: one header row, autofilter, frozen header."""
    ws = wb.create_sheet(title)
    for j, label in enumerate(header, start=1):
        _head(ws.cell(1, j), label)
    for i, row in enumerate(rows, start=2):
        for j, value in enumerate(row, start=1):
            ws.cell(i, j, value).style = _Styles.TEXT if j - 1 in wrap else _Styles.PLAIN
    _finish(ws, widths, 1, 1)
    ws.auto_filter.ref = f"A1:{get_column_letter(len(header))}{max(1, len(rows) + 1)}"
    return ws


def _plain(value) -> object:
    """A finding's expected/actual value as a cell value (numbers stay numbers)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        return int(value) if float(value).is_integer() else float(value)
    if isinstance(value, list | tuple):
        return "、".join(map(str, value))
    return str(value)


def _findings_sheet(wb: Workbook, ds: Dataset, findings: Sequence[Finding]) -> Worksheet:
    titles = rule_titles()
    names = ds.agencies["short_name"].astype(str).to_dict()
    rows = [
        (f.agency_id or "", names.get(f.agency_id, "") if f.agency_id else "", f.year,
         SEVERITY_ZH.get(f.severity, f.severity), f.rule, titles.get(f.rule, f.rule), f.message,
         "；".join(f.labels or f.cells), _plain(f.expected), _plain(f.actual), f.file or "",
         f.line)
        for f in sorted(findings, key=lambda f: (f.agency_id or "", f.year or 0,
                                                 severity_rank(f.severity), f.rule, f.line or 0))
    ]
    header = ["单位标识", "单位名称", "年度", "级别", "规则", "规则名称", "说明", "涉及单元格",
              "期望值", "实际值", "文件", "行号"]
    return _rows_sheet(wb, FINDINGS_SHEET, header, rows,
                       [14, 16, 7, 7, 24, 22, 60, 48, 12, 12, 24, 7], wrap=(6, 7))


def _agency_sheet(wb: Workbook, ds: Dataset, agencies: Sequence[str], year: int,
                  findings: Sequence[Finding]) -> Worksheet:
    errors: dict[str, int] = {}
    warnings: dict[str, int] = {}
    for f in findings:
        if f.agency_id:
            if f.severity in ("error", "warning"):
                target = errors if f.severity == "error" else warnings
                target[f.agency_id] = target.get(f.agency_id, 0) + 1
    rows = []
    for a in agencies:
        rec = ds.agencies.loc[a]
        text = ds.texts.get((a, year))
        published = text.published.isoformat() if text and text.published else ""
        rows.append((a, rec["name"], rec["short_name"], rec["region"], rec["kind"],
                     "已报送" if ds.has(a, year) else "未报送",
                     "有" if text else "缺", published, errors.get(a, 0), warnings.get(a, 0)))
    header = ["单位标识", "单位名称", "简称", "所属区域", "类型", "统计数据", "正文", "发布日期",
              "错误", "警告"]
    widths = _id_widths(ds, agencies)[:2] + [14, 16, 7, 9, 6, 12, 7, 7]
    return _rows_sheet(wb, AGENCY_SHEET, header, rows, widths)


def _info_sheet(wb: Workbook, ds: Dataset, year: int, scope: str, agencies: Sequence[str],
                reported: Sequence[str], sheets: Sequence[tuple[str, str]]) -> Worksheet:
    fmt = format_for_year(year)
    ws = wb.active
    ws.title = INFO_SHEET
    ws["A1"] = f"{scope}{year}年政府信息公开工作年度报告统计数据汇编"
    ws["A1"].font = Font(bold=True, size=14)
    totals = region_totals(ds, reported, year, scope, with_prev=False)
    lines = [
        ("报告年度", year),
        ("适用格式", f"{fmt.name}（{fmt.document_no}）"),
        ("范围", scope),
        ("单位数", f"单位名录 {len(agencies)} 个，已报送统计数据 {len(reported)} 个"),
        ("新收申请合计（件）", totals.count("t3.new.total")),
        ("办结申请合计（件）", totals.count("t3.res_total.total")),
        ("结转下年度合计（件）", totals.count("t3.carry_out.total")),
        ("表头", "各表格工作表第1行为表格行名称（多级行名以“·”连接），第2行为列名称；"
                 "表四第1行为列的分组。每行一个单位，未报送统计数据的单位见“单位名录”。"),
        ("标记", "黄色底纹：原表空白、按0计算的单元格；蓝色斜体：由分项推算的总计。"),
        ("生成", f"nianbao {__version__}"),
    ]
    for i, (key, value) in enumerate(lines, start=3):
        ws.cell(i, 1, key).font = _HEAD_FONT
        cell = ws.cell(i, 2, value)
        cell.alignment = Alignment(horizontal="left", vertical="top", wrap_text=True)
    ws.cell(len(lines) + 4, 1, "工作表").font = _HEAD_FONT
    ws.cell(len(lines) + 4, 2, "内容").font = _HEAD_FONT
    for i, (name, about) in enumerate(sheets, start=len(lines) + 5):
        ws.cell(i, 1, name)
        ws.cell(i, 2, about)
    ws.column_dimensions["A"].width = 36
    ws.column_dimensions["B"].width = 90
    return ws


def build_workbook(ds: Dataset, year: int, agencies: Sequence[str], findings: Sequence[Finding],
                   scope: str) -> Workbook:
    """The workbook of one year for the given agencies (registry order kept)."""
    fmt = format_for_year(year)
    reported = [a for a in agencies if ds.has(a, year)]
    wb = Workbook()
    styles = _Styles(wb)
    sheets = [(AGENCY_SHEET, "名录中的单位、是否报送、发布日期及校验问题数")]
    sheets += [(sheet_name(fmt, t), "每行一个单位，每列一个单元格") for t in fmt.tables]
    sheets.append((FINDINGS_SHEET, "数据校验发现的错误和警告，每行一项"))
    _info_sheet(wb, ds, year, scope, agencies, reported, sheets)
    _agency_sheet(wb, ds, agencies, year, findings)
    for table in fmt.tables:
        _table_sheet(wb, styles, ds, fmt, table, reported, year)
    _findings_sheet(wb, ds, findings)
    wb.properties.title = f"{scope}{year}年政府信息公开工作年度报告统计数据"
    wb.properties.creator = "nianbao"
    return wb


# ---------------------------------------------------------------- export


@dataclass(frozen=True)
class ExportResult:
    path: Path
    year: int
    scope: str
    agencies: int
    reported: int
    findings: int
    sheets: tuple[str, ...]


def export_workbook(path: str | Path, year: int, data_dir: str | Path = DATA_DIR,
                    region: str | None = None) -> ExportResult:
    """Write the workbook of one year (optionally one region) to ``path`` atomically."""
    from nianbao.files import atomic_write

    data_dir = Path(data_dir)
    if not (data_dir / "agencies.csv").exists():
        raise ParameterError(f"数据目录 {data_dir} 中没有单位名录 agencies.csv")
    registry, _ = load_agencies(data_dir)
    if region:
        ids = region_agency_ids(registry, region.strip())
        if not ids:
            known = "、".join(regions_of(registry)) or "无"
            raise ParameterError(f"单位名录中没有区域“{region}”（已有区域：{known}）")
        scope = region.strip()
    else:
        ids = list(registry.index)
        regions = regions_of(registry)
        scope = regions[0] if len(regions) == 1 else "各区域"
    try:
        format_for_year(int(year))
    except ValueError as exc:
        raise ParameterError(str(exc)) from None
    if int(year) not in stats_files(data_dir):
        raise ParameterError(f"没有 {year} 年度的统计数据文件 stats/{year}.csv")
    ds = load(data_dir, years=[int(year)], agencies=ids)
    findings = check_region_year(ds, ids, int(year))
    wb = build_workbook(ds, int(year), ids, findings, scope)
    buffer = io.BytesIO()
    wb.save(buffer)
    path = Path(path)
    atomic_write(path, buffer.getvalue())
    reported = sum(ds.has(a, int(year)) for a in ids)
    return ExportResult(path, int(year), scope, len(ids), reported, len(findings),
                        tuple(wb.sheetnames))
