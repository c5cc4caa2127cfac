"""The Excel form an office fills: one sheet per agency with tables 二, 三, 四 as printed.

Input cells are unlocked and carry a defined name derived from their cell id; everything else
is protected without a password. Data validation keeps counts whole and non-negative; live
formulas under 三 and 四 say, in the workbook itself, when a column or a row does not balance,
and conditional formatting colours it, so an office sees the error before sending the form.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Sequence
from copy import copy
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from openpyxl import Workbook
from openpyxl.formatting.rule import CellIsRule, FormulaRule
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.cell_range import CellRange, MultiCellRange
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from nianbao import __version__
from nianbao.data.dataset import Dataset, load
from nianbao.data.loading import FEE_KEYS, load_agencies
from nianbao.errors import ParameterError
from nianbao.files import atomic_write
from nianbao.formats.spec import format_for_year
from nianbao.forms.layout import (
    AGENCY_FIELDS,
    CHECK_BAD,
    CHECK_OK,
    COLUMN_CHECK_LABEL,
    FEE_LABELS,
    FIRST_VALUE_COL,
    INSTRUCTIONS_SHEET,
    LABEL_COLS,
    PUBLISHED_LABEL,
    ROW_BAD,
    ROW_CHECK_LABEL,
    TEXT_SECTIONS,
    TOTAL_CHECK_LABEL,
    YEAR_LABEL,
    TableBlock,
    allows_negative,
    blocks,
    cell_name,
    has_fees,
    text_titles,
)
from nianbao.paths import DATA_DIR

WIDE = FIRST_VALUE_COL + 15  # the grid: three label columns, up to 15 value columns, a check
_THIN = Side(style="thin", color="808080")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
INPUT_FILL = "FFFDE7"
BAD_FILL = PatternFill("solid", fgColor="F8CBAD")
BAD_FONT = Font(color="9C0006", bold=True)


class _Styles:
    """Named styles, registered once: much faster than styling a cell attribute by attribute."""

    HEAD, LABEL, INPUT, MONEY, YUAN, DATE, TEXT, INFO, CHECK, TITLE, HEADING = (
        "表单-表头", "表单-行名", "表单-填报", "表单-金额", "表单-金额（元）", "表单-日期",
        "表单-文字", "表单-信息", "表单-核对", "表单-标题", "表单-小标题")

    def __init__(self, wb: Workbook) -> None:
        unlocked = Protection(locked=False)
        fill = PatternFill("solid", fgColor=INPUT_FILL)
        center = Alignment(horizontal="center", vertical="center", wrap_text=True)
        left = Alignment(horizontal="left", vertical="center", wrap_text=True)
        for name, kw in {
            self.HEAD: {"font": Font(bold=True), "alignment": center,
                        "fill": PatternFill("solid", fgColor="E7E6E6")},
            self.LABEL: {"alignment": left},
            self.INPUT: {"protection": unlocked, "fill": fill, "number_format": "0",
                         "alignment": Alignment(horizontal="right")},
            self.MONEY: {"protection": unlocked, "fill": fill, "number_format": "0.00",
                         "alignment": Alignment(horizontal="right")},
            self.YUAN: {"protection": unlocked, "fill": fill, "number_format": '0.00"元"',
                        "alignment": Alignment(horizontal="right")},
            self.DATE: {"protection": unlocked, "fill": fill, "number_format": "yyyy-mm-dd",
                        "alignment": Alignment(horizontal="left")},
            self.TEXT: {"protection": unlocked, "fill": fill,
                        "alignment": Alignment(horizontal="left", vertical="top",
                                               wrap_text=True)},
            self.INFO: {"alignment": left, "fill": PatternFill("solid", fgColor="F2F2F2")},
            self.CHECK: {"alignment": center, "font": Font(bold=True, color="375623")},
        }.items():
            wb.add_named_style(NamedStyle(name, border=_BORDER, **kw))
        middle = Alignment(vertical="center")
        wb.add_named_style(NamedStyle(self.TITLE, font=Font(bold=True, size=14),
                                      alignment=middle))
        wb.add_named_style(NamedStyle(self.HEADING, font=Font(bold=True, size=12),
                                      alignment=middle))


@dataclass(frozen=True)
class Prefill:
    """What goes into one agency's sheet before the office sees it."""

    cells: dict[str, object]  # ref → number; absent = empty
    published: dt.date | None = None
    fees: dict[str, object] | None = None
    texts: dict[str, str] | None = None


# ---------------------------------------------------------------- one sheet


class _SheetWriter:
    def __init__(self, ws: Worksheet, year: int, validations: dict[str, list[str]]):
        self.ws = ws
        self.year = year
        self.row = 1
        self.dv = validations
        self.styles: dict = {}

    def name(self, name: str, row: int, col: int) -> None:
        coord = f"${get_column_letter(col)}${row}"
        title = self.ws.title.replace("'", "''")
        self.ws.defined_names.add(DefinedName(name, attr_text=f"'{title}'!{coord}"))

    def put(self, row: int, col: int, value, style: str, rowspan: int = 1, colspan: int = 1):
        """A cell with a named style; merged over its span (every covered cell styled too)."""
        cell = self.ws.cell(row, col, value)
        styled = self.styles.get(style)
        if styled is None:  # assigning by name is slow: do it once, then copy the style ids
            cell.style = style
            self.styles[style] = styled = copy(cell._style)
        else:
            cell._style = copy(styled)
        if rowspan > 1 or colspan > 1:
            for r in range(row, row + rowspan):
                for c in range(col, col + colspan):
                    if (r, c) != (row, col):
                        self.ws.cell(r, c)._style = copy(styled)
            end = f"{get_column_letter(col + colspan - 1)}{row + rowspan - 1}"
            self._merge(f"{get_column_letter(col)}{row}:{end}")
        return cell

    def _merge(self, ref: str) -> None:
        # straight into the set: MultiCellRange.add scans every range (quadratic per sheet)
        # and as a plain range: MergedCellRange recomputes borders the cells already have
        self.ws.merged_cells.ranges.add(CellRange(ref))

    def validate(self, kind: str, row: int, col: int) -> None:
        self.dv[kind].append(f"{get_column_letter(col)}{row}")

    def heading(self, text: str, title: bool = False) -> None:
        self.put(self.row, 1, text, _Styles.TITLE if title else _Styles.HEADING)
        self._merge(f"A{self.row}:{get_column_letter(WIDE)}{self.row}")
        self.ws.row_dimensions[self.row].height = 22 if title else 18
        self.row += 1

    def info(self, agency: dict) -> None:
        for key, label in AGENCY_FIELDS:
            self.put(self.row, 1, label, _Styles.HEAD, colspan=LABEL_COLS)
            self.put(self.row, FIRST_VALUE_COL, str(agency.get(key) or ""), _Styles.INFO,
                     colspan=7)
            self.name(f"nb_{key}", self.row, FIRST_VALUE_COL)
            self.row += 1
        self.put(self.row, 1, YEAR_LABEL, _Styles.HEAD, colspan=LABEL_COLS)
        self.put(self.row, FIRST_VALUE_COL, self.year, _Styles.INFO, colspan=7)
        self.name("nb_year", self.row, FIRST_VALUE_COL)
        self.row += 2

    def table(self, block: TableBlock, prefill: Prefill) -> dict[str, tuple[int, int]]:
        """One table; returns the sheet position of each of its cells."""
        top = self.row
        self.put(top, 1, block.title, _Styles.HEAD, colspan=LABEL_COLS + len(block.col_paths))
        for h in [*block.headers, *block.labels]:
            style = _Styles.HEAD if h.css in ("head", "corner") else _Styles.LABEL
            self.put(top + h.row, h.col, h.text, style, h.rowspan, h.colspan)
        where = {}
        for i, refs in enumerate(block.refs):
            r = top + 1 + block.depth + i
            for j, ref in enumerate(refs):
                c = FIRST_VALUE_COL + j
                column = block.table.columns[j]
                money = column.type == "decimal"
                # an amount whose unit the header does not print (F2019 采购总金额) is in 元
                style = (_Styles.INPUT if not money else
                         _Styles.YUAN if column.unit is None else _Styles.MONEY)
                self.put(r, c, prefill.cells.get(ref), style)
                self.name(cell_name(ref), r, c)
                kind = "money" if money else ("signed" if allows_negative(column) else "count")
                self.validate(kind, r, c)
                where[ref] = (r, c)
        self.row = top + block.height
        return where

    def t3_checks(self, block: TableBlock, where: dict[str, tuple[int, int]]) -> None:
        fmt = format_for_year(self.year)
        results = [r.id for r in fmt.result_rows()]
        r = self.row
        self.put(r, 1, COLUMN_CHECK_LABEL, _Styles.HEAD, colspan=LABEL_COLS)
        for j, column in enumerate(block.table.columns):
            c = FIRST_VALUE_COL + j

            def at(row_id: str, col=column.id) -> str:
                rr, cc = where[f"t3.{row_id}.{col}"]
                return f"{get_column_letter(cc)}{rr}"

            balance = f"SUM({at('new')},{at('carry_in')})=SUM({at('res_total')},{at('carry_out')})"
            parts = ",".join(at(x) for x in results)
            formula = (f'=IF(AND({balance},SUM({at("res_total")})=SUM({parts})),'
                       f'"{CHECK_OK}","{CHECK_BAD}")')
            self.put(r, c, formula, _Styles.CHECK)
            self.name(f"nb_check_col__t3__{column.id}", r, c)
            letter = get_column_letter(c)
            first, last = min(p[0] for p in where.values()), max(p[0] for p in where.values())
            self.ws.conditional_formatting.add(
                f"{letter}{first}:{letter}{last}",
                FormulaRule(formula=[f'{letter}${r}="{CHECK_BAD}"'], fill=BAD_FILL))
        check_col = FIRST_VALUE_COL + len(block.table.columns)
        head = where[f"t3.new.{block.table.columns[0].id}"][0] - block.depth
        self.put(head, check_col, ROW_CHECK_LABEL, _Styles.HEAD, rowspan=block.depth)
        parts_cols = [c.id for c in block.table.columns if c.id != "total"]
        for row in block.table.data_rows:
            rr, cc = where[f"t3.{row.id}.total"]
            first = get_column_letter(where[f"t3.{row.id}.{parts_cols[0]}"][1])
            last = get_column_letter(where[f"t3.{row.id}.{parts_cols[-1]}"][1])
            self.put(rr, check_col,
                     f'=IF(SUM({get_column_letter(cc)}{rr})=SUM({first}{rr}:{last}{rr}),'
                     f'"","{ROW_BAD}")', _Styles.CHECK)
            self.name(f"nb_check_row__t3__{row.id}", rr, check_col)
        self._bad_rule(f"{get_column_letter(check_col)}{head}:{get_column_letter(check_col)}"
                       f"{self.row - 1}", ROW_BAD)
        self._bad_rule(f"{get_column_letter(FIRST_VALUE_COL)}{r}:"
                       f"{get_column_letter(check_col - 1)}{r}", CHECK_BAD)
        self.row = r + 2

    def t4_checks(self, block: TableBlock, where: dict[str, tuple[int, int]]) -> None:
        r = self.row
        self.put(r, 1, TOTAL_CHECK_LABEL, _Styles.HEAD, colspan=LABEL_COLS)
        ids = [c.id for c in block.table.columns]
        sums = sum_rules(format_for_year(self.year), "t4")
        for j, col in enumerate(ids):
            c = FIRST_VALUE_COL + j
            if f"t4.cases.{col}" not in sums:
                self.put(r, c, None, _Styles.CHECK)
                continue
            parts = [where[p] for p in sums[f"t4.cases.{col}"]]
            tr, tc = where[f"t4.cases.{col}"]
            cells = ",".join(f"{get_column_letter(pc)}{pr}" for pr, pc in parts)
            self.put(r, c, f'=IF(SUM({get_column_letter(tc)}{tr})=SUM({cells}),'
                           f'"{CHECK_OK}","{CHECK_BAD}")', _Styles.CHECK)
            self.name(f"nb_check_col__t4__{col}", r, c)
        self._bad_rule(f"{get_column_letter(FIRST_VALUE_COL)}{r}:"
                       f"{get_column_letter(FIRST_VALUE_COL + len(ids) - 1)}{r}", CHECK_BAD)
        self.row = r + 2

    def _bad_rule(self, ref: str, text: str) -> None:
        self.ws.conditional_formatting.add(
            ref, CellIsRule(operator="equal", formula=[f'"{text}"'], fill=BAD_FILL, font=BAD_FONT))

    def fees_and_date(self, prefill: Prefill) -> None:
        if has_fees(self.year):
            self.heading("六、收费情况（“其他需要报告的事项”中依《政府信息公开信息处理费管理办法》"
                         "报告的收费）")
            for key in FEE_KEYS:
                self.put(self.row, 1, FEE_LABELS[key], _Styles.LABEL, colspan=LABEL_COLS)
                money = key != "fee_notices_issued"
                value = (prefill.fees or {}).get(key)
                self.put(self.row, FIRST_VALUE_COL, value,
                         _Styles.MONEY if money else _Styles.INPUT, colspan=2)
                self.name(f"nb_{key}", self.row, FIRST_VALUE_COL)
                self.validate("money" if money else "count", self.row, FIRST_VALUE_COL)
                self.row += 1
            self.row += 1
        self.heading("报告发布")
        self.put(self.row, 1, PUBLISHED_LABEL, _Styles.LABEL, colspan=LABEL_COLS)
        self.put(self.row, FIRST_VALUE_COL, prefill.published, _Styles.DATE, colspan=2)
        self.name("nb_published", self.row, FIRST_VALUE_COL)
        self.validate("date", self.row, FIRST_VALUE_COL)
        self.row += 2

    def texts(self, prefill: Prefill) -> None:
        fmt = format_for_year(self.year)
        titles = text_titles(self.year)
        for sid in TEXT_SECTIONS:
            sec = fmt.section(sid)
            self.heading(f"{sec.no}、{titles[sid]}（正文，可分段；“### ”开头的行为小标题）")
            text = (prefill.texts or {}).get(sid)
            self.put(self.row, 1, text, _Styles.TEXT, colspan=WIDE - 1)
            self.name(f"nb_text_{sid}", self.row, 1)
            lines = len((text or "").splitlines()) + len(text or "") // 60
            self.ws.row_dimensions[self.row].height = max(120, min(409, 15 * lines))
            self.row += 2


_SUM_RULE = re.compile(r"(\S+) == (\S+(?: \+ \S+)+)")


def sum_rules(fmt, table_id: str) -> dict[str, list[str]]:
    """Total cell → its parts, from the format's ``total == a + b + …`` rules on one table."""
    out = {}
    for rule in fmt.enforced_rules:
        if rule.expr_kind != "formula":
            continue
        for _, expr in rule.instances():
            m = _SUM_RULE.fullmatch(expr.strip())
            if m and m.group(1).startswith(f"{table_id}."):
                parts = m.group(2).split(" + ")
                if all(p.startswith(f"{table_id}.") for p in parts):
                    out[m.group(1)] = parts
    return out


def _validations(ws: Worksheet, cells: dict[str, list[str]]) -> None:
    common = {"allow_blank": True, "showErrorMessage": True, "errorStyle": "stop"}
    dvs = {
        "count": DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0",
                                error="请填写大于或等于 0 的整数", errorTitle="数值无效",
                                **common),
        "signed": DataValidation(type="whole", operator="between", formula1="-1000000000",
                                 formula2="1000000000", error="请填写整数（减少填负数）",
                                 errorTitle="数值无效", **common),
        "money": DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0",
                                error="请填写大于或等于 0 的金额（最多两位小数）",
                                errorTitle="金额无效", **common),
        "date": DataValidation(type="date", operator="between", formula1="36526",
                               formula2="73051", error="请填写日期，如 2024-01-20",
                               errorTitle="日期无效", **common),
    }
    for kind, dv in dvs.items():
        if cells.get(kind):
            dv.sqref = MultiCellRange(" ".join(cells[kind]))
            ws.add_data_validation(dv)


def _sheet(wb: Workbook, title: str, year: int, agency: dict, prefill: Prefill) -> Worksheet:
    ws = wb.create_sheet(title)
    validated: dict[str, list[str]] = {"count": [], "signed": [], "money": [], "date": []}
    w = _SheetWriter(ws, year, validated)
    fmt = format_for_year(year)
    w.heading(f"{agency.get('name') or agency['agency_id']}{year}年政府信息公开工作年度报告填报表",
              title=True)
    w.heading("黄色底纹的单元格为填报项，其余内容已保护。没有数据的单元格请填 0。")
    w.info(agency)
    current = None
    for block in blocks(year):
        section = fmt.section(block.table.section)
        if section.id != current:
            w.heading(section.heading)
            current = section.id
        where = w.table(block, prefill)
        if block.table.id == "t3":
            w.t3_checks(block, where)
        elif block.table.id == "t4":
            w.t4_checks(block, where)
        else:
            w.row += 1
    w.fees_and_date(prefill)
    w.texts(prefill)
    _validations(ws, validated)
    for c in range(1, WIDE + 1):
        width = {1: 8, 2: 16, 3: 30}.get(c, 11)
        ws.column_dimensions[get_column_letter(c)].width = width
    ws.protection.sheet = True
    ws.protection.formatRows = False  # let offices make a long text row taller
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    return ws


def _instructions(wb: Workbook, year: int, agencies: Sequence[dict]) -> None:
    fmt = format_for_year(year)
    ws = wb.active
    ws.title = INSTRUCTIONS_SHEET
    lines = [
        f"{year}年政府信息公开工作年度报告填报表",
        f"适用格式：{fmt.name}（{fmt.document_no}）",
        f"本工作簿共 {len(agencies)} 个单位，每个单位一个工作表，工作表名为单位简称。",
        "一、只填写黄色底纹的单元格，其余内容已保护，不需要密码即可填写。",
        "二、统计表中的数量请填写整数；没有发生的请填 0，不要留空，也不要填“—”“无”等文字。",
        "三、金额单位以表头为准（万元或元），最多保留两位小数。",
        "四、表三下方的“本列核对”、右侧的“本行核对”和表四下方的“总计核对”会自动计算："
        "显示红色“不平衡”或“合计不符”时，请检查该列或该行的数字后再报送。",
        "五、报告发布日期填写实际在网站公开的日期，如 2024-01-20。",
        "六、正文各部分直接填写在对应的大单元格内，可分段（单元格内换行：Alt+Enter，"
        "WPS 同样）；以“### ”开头的行表示小标题。",
        "七、请用 Excel、WPS 或 LibreOffice 保存为 .xlsx 格式后报送，不要另存为 .xls 或 .et；"
        "不要更改工作表的结构（不要插入、删除行列）。",
        f"生成：nianbao {__version__}",
    ]
    for i, line in enumerate(lines, start=1):
        cell = ws.cell(i, 1, line)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if i == 1:
            cell.font = Font(bold=True, size=14)
    ws.column_dimensions["A"].width = 110


_BAD_TITLE = re.compile(r"[\[\]:*?/\\']")


def sheet_titles(agencies: Sequence[dict]) -> list[str]:
    """Unique sheet titles (short names; Excel allows 31 characters and no []:*?/\\)."""
    seen: set[str] = {INSTRUCTIONS_SHEET}
    out = []
    for a in agencies:
        base = _BAD_TITLE.sub("", str(a.get("short_name") or a["agency_id"])).strip()[:28]
        base = base or a["agency_id"][:28]
        title, n = base, 2
        while title in seen:
            title, n = f"{base}({n})"[:31], n + 1
        seen.add(title)
        out.append(title)
    return out


def build_template(year: int, agencies: Sequence[dict],
                   prefills: dict[str, Prefill] | None = None) -> Workbook:
    """The form workbook for the given registry rows (one sheet each, in the given order)."""
    format_for_year(year)
    wb = Workbook()
    _Styles(wb)
    _instructions(wb, year, agencies)
    for agency, title in zip(agencies, sheet_titles(agencies), strict=True):
        prefill = (prefills or {}).get(agency["agency_id"]) or Prefill({})
        _sheet(wb, title, year, agency, prefill)
    wb.properties.title = f"{year}年政府信息公开工作年度报告填报表"
    wb.properties.creator = "nianbao"
    return wb


# ---------------------------------------------------------------- prefill from data/


def prefills_from_data(ds: Dataset, year: int, ids: Sequence[str]) -> dict[str, Prefill]:
    """This year's figures, front matter and text; last year's carry-over if this year is empty."""
    out = {}
    cells = ds.cells[ds.cells["valid"].astype(bool) & (ds.cells["year"].isin([year, year - 1]))]
    by_key = {key: grp for key, grp in cells.groupby(["agency_id", "year"], observed=True)}
    fmt = format_for_year(year)
    in_yuan = {f"{t.id}.{r.id}.{c.id}" for t in fmt.tables for r in t.data_rows
               for c in t.columns if c.type == "decimal" and c.unit is None}
    for a in ids:
        values: dict[str, object] = {}
        grp = by_key.get((a, year))
        if grp is not None:
            for ref, num, blank, unit in zip(grp["ref"].astype(str), grp["value_num"],
                                              grp["blank"], grp["unit"], strict=True):
                if blank or np.isnan(num):
                    continue
                number = float(num) * (10_000 if unit == "万元" and ref in in_yuan else 1)
                values[ref] = int(number) if number.is_integer() else number
        else:
            prev = by_key.get((a, year - 1))
            if prev is not None:
                carry = dict(zip(prev["ref"].astype(str), prev["value_num"], strict=True))
                for col in format_for_year(year).table("t3").columns:
                    value = carry.get(f"t3.carry_out.{col.id}")
                    if value is not None and not np.isnan(value):
                        values[f"t3.carry_in.{col.id}"] = int(value)
        narrative = ds.texts.get((a, year))
        out[a] = Prefill(
            values,
            narrative.published if narrative else None,
            {k: narrative.meta.get(k) for k in FEE_KEYS} if narrative else None,
            dict(narrative.sections) if narrative else None,
        )
    return out


@dataclass(frozen=True)
class TemplateResult:
    path: Path
    year: int
    agencies: int
    prefilled: int


def write_template(path: str | Path, year: int, agencies: Sequence[str] = (),
                   region: str | None = None, data_dir: str | Path = DATA_DIR,
                   prefill: bool = False) -> TemplateResult:
    """Write the form for the chosen agencies (or a whole region) to ``path`` atomically."""
    data_dir = Path(data_dir)
    try:
        format_for_year(int(year))
    except ValueError as exc:
        raise ParameterError(str(exc)) from None
    registry, findings = load_agencies(data_dir)
    fatal = [f for f in findings if f.fatal]
    if fatal:
        raise ParameterError(f"{fatal[0].file}：{fatal[0].message}")
    if region:
        ids = [a for a in registry.index if str(registry.loc[a, "region"]) == region.strip()]
        if not ids:
            raise ParameterError(f"单位名录中没有区域“{region}”的单位")
    else:
        unknown = [a for a in agencies if a not in registry.index]
        if unknown:
            raise ParameterError(f"单位名录 agencies.csv 中没有单位：{'、'.join(unknown)}")
        ids = list(dict.fromkeys(agencies))
    if not ids:
        raise ParameterError("请用 --agency 或 --region 指定单位")
    rows = [{"agency_id": a, **{k: str(v) for k, v in registry.loc[a].items() if k != "line"}}
            for a in ids]
    prefills = None
    if prefill:
        ds = load(data_dir, years=[int(year), int(year) - 1], agencies=ids)
        prefills = prefills_from_data(ds, int(year), ids)
    wb = build_template(int(year), rows, prefills)
    buffer = io.BytesIO()
    wb.save(buffer)
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise ParameterError(f"填报表应保存为 .xlsx 文件，实际为“{path.name}”")
    atomic_write(path, buffer.getvalue())
    filled = sum(bool(p.cells) or p.published is not None for p in (prefills or {}).values())
    return TemplateResult(path, int(year), len(ids), filled)
