"""Reading filled forms back: every agency sheet of a workbook becomes one agency-year.

Cells are found by their defined names; a sheet whose names were lost (copied into another
workbook) is read through the official labels instead. Entries are cleaned the way offices
write them (full-width digits, numbers stored as text, "—" for nothing); anything that is not
a usable number is an error naming the workbook, the sheet, the Excel cell and the official
label, and that agency is left out while the others go through.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.utils.datetime import from_excel
from openpyxl.worksheet.worksheet import Worksheet

from nianbao.data.loading import FEE_KEYS, SLUG
from nianbao.errors import FormError
from nianbao.formats.spec import format_for_year
from nianbao.forms.layout import (
    AGENCY_FIELDS,
    FEE_LABELS,
    INSTRUCTIONS_SHEET,
    PUBLISHED_LABEL,
    TEXT_SECTIONS,
    YEAR_LABEL,
    TableBlock,
    allows_negative,
    blocks,
    has_fees,
    norm_label,
    ref_of_name,
    text_titles,
)

BLANK_TOKENS = {"", "-", "—", "－", "/", "无", "／", "--", "——"}
_UNIT = re.compile(r"(万元|元|件|项|个)$")
_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")


@dataclass
class SheetForm:
    """What one agency sheet holds, or why it cannot be used."""

    workbook: str
    sheet: str
    agency_id: str | None = None
    year: int | None = None
    agency: dict = field(default_factory=dict)
    cells: dict[str, object] = field(default_factory=dict)
    front_matter: dict = field(default_factory=dict)
    text_markdown: str | None = None
    blanks: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    by_labels: bool = False  # the defined names were missing: cells found by their labels

    @property
    def where(self) -> str:
        return f"{self.workbook}：工作表“{self.sheet}”"


# ---------------------------------------------------------------- opening


def open_form(path: Path):
    """The workbook with cached formula values; a clear message for .xls, .et and non-xlsx."""
    path = Path(path)
    suffix = path.suffix.lower()
    save_as = "请在 Excel 或 WPS 中打开后“另存为”Excel 工作簿（*.xlsx）再导入"
    if suffix in (".xls", ".et", ".ett"):
        kind = "旧版 Excel（.xls）" if suffix == ".xls" else "WPS 表格（.et）"
        raise FormError(f"{path.name} 是{kind}格式，不能直接导入；{save_as}")
    if not path.exists():
        raise FormError(f"找不到文件 {path}")
    with open(path, "rb") as fh:
        head = fh.read(8)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise FormError(f"{path.name} 实际是旧版 Excel（.xls）或 WPS 格式的文件；{save_as}")
    if not zipfile.is_zipfile(path):
        raise FormError(f"{path.name} 不是 .xlsx 工作簿；{save_as}")
    try:  # read-only: several times faster; merged cells are loaded only when labels are needed
        return load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for damaged files
        raise FormError(f"{path.name} 无法作为 .xlsx 工作簿读取（{type(exc).__name__}）；"
                        f"{save_as}") from None


# ---------------------------------------------------------------- finding cells


_ONE_CELL = re.compile(r"(?:'((?:[^']|'')+)'|([^'!]+))!\$?([A-Za-z]{1,3})\$?(\d+)")


def named_cells(wb, ws: Worksheet) -> dict[str, tuple[int, int]]:
    """Defined names of this sheet (sheet-scoped, or workbook names pointing into it)."""
    out: dict[str, tuple[int, int]] = {}
    candidates = [*ws.defined_names.values(), *wb.defined_names.values()]
    for dn in candidates:
        ref = ref_of_name(dn.name.lower())
        if ref is None:
            continue
        simple = _ONE_CELL.fullmatch((dn.attr_text or "").strip())
        if simple:  # the usual one-cell name, without openpyxl's formula tokenizer (slow)
            quoted, bare, col, row = simple.groups()
            targets = [((quoted or "").replace("''", "'") or bare, f"{col}{row}")]
        else:
            try:
                targets = list(dn.destinations)
            except Exception:  # a name that is a formula, not a range
                continue
        for title, coord in targets:
            if title == ws.title:
                min_col, min_row, _, _ = range_boundaries(coord.replace("$", ""))
                out[f"nb_{ref}"] = (min_row, min_col)
    return out


class _Values:
    """Every value of a sheet, read in one pass (cell-by-cell access is slow in read-only mode)."""

    def __init__(self, ws):
        self.rows = list(ws.iter_rows(values_only=True))
        self.first_row = getattr(ws, "min_row", 1) or 1
        self.first_col = getattr(ws, "min_column", 1) or 1

    def get(self, pos: tuple[int, int] | None):
        if pos is None:
            return None
        r, c = pos[0] - self.first_row, pos[1] - self.first_col
        if 0 <= r < len(self.rows) and 0 <= c < len(self.rows[r]):
            return self.rows[r][c]
        return None


class _Grid:
    """The sheet's text, with a merged range's text visible in every cell it covers."""

    def __init__(self, ws: Worksheet):
        self.ws = ws
        self.text: dict[tuple[int, int], str] = {}
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.strip():
                    self.text[(cell.row, cell.column)] = norm_label(cell.value)
        self.owner: dict[tuple[int, int], tuple[int, int]] = {}
        for rng in ws.merged_cells.ranges:
            for r in range(rng.min_row, rng.max_row + 1):
                for c in range(rng.min_col, rng.max_col + 1):
                    self.owner[(r, c)] = (rng.min_row, rng.min_col)

    def at(self, r: int, c: int) -> str:
        return self.text.get(self.owner.get((r, c), (r, c)), "")

    def find_all(self, label: str, start_row: int = 1) -> list[tuple[int, int]]:
        want = norm_label(label)
        return sorted(k for k, v in self.text.items() if v == want and k[0] >= start_row)

    def find(self, label: str, start_row: int = 1) -> tuple[int, int] | None:
        hits = self.find_all(label, start_row)
        return hits[0] if hits else None

    def value_right_of(self, label: str) -> tuple[int, int] | None:
        """The first cell right of a label that is not part of the label's merged range."""
        hit = self.find(label)
        if hit is None:
            return None
        r, c = hit
        c2 = c + 1
        while self.owner.get((r, c2)) == self.owner.get((r, c), (r, c)) and (r, c2) in self.owner:
            c2 += 1
        return (r, c2)


def _block_cells(grid: _Grid, block: TableBlock, start_row: int) -> tuple[dict, int] | None:
    """Positions of a table's cells found by its title, row labels and column headers."""
    for top in grid.find_all(block.title, start_row):  # a section heading may read the same
        found = _block_at(grid, block, top[0])
        if found is not None:
            return found
    return None


def _block_at(grid: _Grid, block: TableBlock, r0: int) -> tuple[dict, int] | None:
    max_col = grid.ws.max_column
    header_rows = range(r0 + 1, r0 + 1 + block.depth)
    col_of: dict[tuple[str, ...], int] = {}
    for c in range(1, max_col + 1):
        path = []
        for r in header_rows:
            text = grid.at(r, c)
            if text and (not path or path[-1] != text):
                path.append(text)
        col_of.setdefault(tuple(path), c)
    cols = []
    for path in block.col_paths:
        c = col_of.get(tuple(norm_label(p) for p in path))
        if c is None:
            return None
        cols.append(c)
    out: dict[str, tuple[int, int]] = {}
    first = r0 + 1 + block.depth
    if not block.row_paths[0]:  # table 四: one row right under its headers
        for ref, c in zip(block.refs[0], cols, strict=True):
            out[ref] = (first, c)
        return out, first + 1
    want = {tuple(norm_label(p) for p in path): i for i, path in enumerate(block.row_paths)}
    r = first
    last = first
    while r <= grid.ws.max_row and len(out) < sum(map(len, block.refs)):
        path = []
        for c in range(1, cols[0]):
            text = grid.at(r, c)
            if text and (not path or path[-1] != text):
                path.append(text)
        i = want.get(tuple(path))
        if i is not None:
            for ref, c in zip(block.refs[i], cols, strict=True):
                out[ref] = (r, c)
            last = r
        elif r - last > 3:
            break
        r += 1
    return out, last + 1


def _find_by_labels(grid: _Grid, year: int) -> dict[str, tuple[int, int]]:
    out: dict[str, tuple[int, int]] = {}
    start = 1
    for block in blocks(year):
        found = _block_cells(grid, block, start)
        if found is None:
            continue
        cells, start = found
        out.update({f"nb_{ref}": pos for ref, pos in cells.items()})
    for key in FEE_KEYS:
        pos = grid.value_right_of(FEE_LABELS[key])
        if pos:
            out[f"nb_{key}"] = pos
    pos = grid.value_right_of(PUBLISHED_LABEL)
    if pos:
        out["nb_published"] = pos
    fmt = format_for_year(year)
    titles = text_titles(year)
    for sid in TEXT_SECTIONS:
        sec = fmt.section(sid)
        prefix = norm_label(f"{sec.no}、{titles[sid]}")
        hits = sorted(k for k, v in grid.text.items() if v.startswith(prefix + "（正文"))
        if hits:
            out[f"nb_text_{sid}"] = (hits[0][0] + 1, 1)
    return out


# ---------------------------------------------------------------- values


def _clean_text(value: str) -> str:
    text = unicodedata.normalize("NFKC", value).replace("\u3000", " ").strip()
    return text


def parse_number(value: object) -> tuple[float | None, str | None]:
    """(number, None), (None, None) for a blank entry, or (None, reason) for anything else."""
    if value is None:
        return None, None
    if isinstance(value, bool):
        return None, f"应为数字，实际为“{value}”"
    if isinstance(value, int | float):
        return float(value), None
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return None, f"应为数字，实际为日期“{value}”"
    raw = str(value)
    if raw.strip() in BLANK_TOKENS:
        return None, None
    text = _clean_text(raw)
    if text in BLANK_TOKENS:
        return None, None
    text = re.sub(r"[,\s]", "", text)
    text = _UNIT.sub("", text)
    try:
        return float(text), None
    except ValueError:
        return None, f"应为数字，实际为“{raw.strip()}”"


def _count(number: float, signed: bool) -> tuple[int | None, str | None]:
    if not number.is_integer():
        return None, f"应为整数，实际为 {number:g}"
    if number < 0 and not signed:
        return None, f"不能为负数，实际为 {int(number)}"
    return int(number), None


def parse_date(value: object) -> tuple[dt.date | None, str | None]:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, None
    if isinstance(value, dt.datetime):
        return value.date(), None
    if isinstance(value, dt.date):
        return value, None
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return from_excel(value).date(), None
        except (ValueError, OverflowError, TypeError):
            return None, f"不是有效的日期：{value}"
    m = _DATE.fullmatch(_clean_text(str(value)))
    if m:
        try:
            return dt.date(*map(int, m.groups())), None
        except ValueError:
            pass
    return None, f"应为日期（如 2024-01-20），实际为“{value}”"


# ---------------------------------------------------------------- one sheet


def read_sheet(wb, ws: Worksheet, workbook: str,
               full_sheet: Callable[[], Worksheet] | None = None) -> SheetForm | None:
    """One agency sheet as a ``SheetForm``; None for a sheet that is not an agency form.

    ``full_sheet`` gives the same sheet with its merged cells (not loaded in read-only mode),
    needed only when the defined names are missing.
    """
    form = SheetForm(workbook, ws.title)
    names = named_cells(wb, ws)
    vals = _Values(ws)
    value_at = vals.get
    grid = None

    def labelled() -> _Grid:
        return _Grid(full_sheet() if full_sheet else ws)

    if "nb_agency_id" in names:
        info = {k: value_at(names.get(f"nb_{k}")) for k, _ in AGENCY_FIELDS}
        year_value = value_at(names.get("nb_year"))
    else:
        grid = labelled()
        info = {k: value_at(grid.value_right_of(label)) for k, label in AGENCY_FIELDS}
        year_value = value_at(grid.value_right_of(YEAR_LABEL))
    agency_id = str(info.get("agency_id") or "").strip()
    if not agency_id:
        return None
    form.agency_id = agency_id
    form.agency = {k: str(v).strip() if v is not None else "" for k, v in info.items()}
    if not SLUG.fullmatch(agency_id):
        form.errors.append(f"{form.where}：单位标识“{agency_id}”无效（只能使用小写字母、数字和"
                           "连字符）；请使用本系统生成的填报表")
        return form
    number, _ = parse_number(year_value)
    try:
        fmt = format_for_year(int(number)) if number is not None else None
    except ValueError:
        fmt = None
    if fmt is None:
        form.errors.append(f"{form.where}：报告年度“{year_value}”无效")
        return form
    form.year = year = int(number)
    wanted = [f"nb_{ref}" for ref in fmt.cell_refs()]
    if not all(n in names for n in wanted):
        grid = grid or labelled()
        by_labels = _find_by_labels(grid, year)
        form.by_labels = True
        names = {**by_labels, **names}
    for table in fmt.tables:
        for row in table.data_rows:
            for column in table.columns:
                ref = f"{table.id}.{row.id}.{column.id}"
                _read_cell(form, vals, names, fmt, ref, column)
    for key in FEE_KEYS if has_fees(year) else ():
        pos = names.get(f"nb_{key}")
        if pos is None:
            continue
        number, problem = parse_number(vals.get(pos))
        label = f"六、收费·{FEE_LABELS[key]}"
        if problem is None and number is not None and number < 0:
            problem = f"不能为负数，实际为 {number:g}"
        if problem is None and number is not None and key == "fee_notices_issued":
            number, problem = _count(number, signed=False)
        if problem:
            form.errors.append(_error(form, pos, label, problem))
        elif number is not None:
            form.front_matter[key] = int(number) if float(number).is_integer() else number
    pos = names.get("nb_published")
    if pos is not None:
        published, problem = parse_date(vals.get(pos))
        if problem:
            form.errors.append(_error(form, pos, PUBLISHED_LABEL, problem))
        elif published is not None:
            form.front_matter["published"] = published
    form.text_markdown = _markdown(vals, names, year)
    return form


def _error(form: SheetForm, pos: tuple[int, int], label: str, problem: str) -> str:
    address = f"{get_column_letter(pos[1])}{pos[0]}"
    return f"{form.where}单元格 {address}（{label}）：{problem}"


def _read_cell(form: SheetForm, vals: _Values, names: dict, fmt, ref: str, column) -> None:
    pos = names.get(f"nb_{ref}")
    label = fmt.cell_label(ref)
    if pos is None:
        form.errors.append(f"{form.where}：找不到单元格“{label}”（定义名称和表格标签都不匹配）")
        return
    number, problem = parse_number(vals.get(pos))
    if problem is None and number is not None:
        if column.type == "integer":
            number, problem = _count(number, allows_negative(column))
        elif number < 0:
            problem = f"不能为负数，实际为 {number:g}"
    if problem:
        form.errors.append(_error(form, pos, label, problem))
        return
    if number is None:
        form.cells[ref] = None
        form.blanks.append(ref)
    elif column.type == "decimal":
        value = round(float(number), 6)
        form.cells[ref] = f"{_plain(value)}元" if column.unit is None else value
    else:
        form.cells[ref] = number


def _plain(value: float) -> str:
    return str(int(value)) if value.is_integer() else f"{value:f}".rstrip("0").rstrip(".")


def _markdown(vals: _Values, names: dict, year: int) -> str | None:
    titles = text_titles(year)
    parts = {}
    for sid in TEXT_SECTIONS:
        pos = names.get(f"nb_text_{sid}")
        value = vals.get(pos)
        text = "" if value is None else str(value)
        text = text.replace("\r\n", "\n").replace("\r", "\n").replace("_x000D_", "")
        parts[sid] = "\n".join(line.rstrip() for line in text.strip().splitlines())
    if not any(parts.values()):
        return None
    return "\n\n".join(f"## {titles[sid]}\n\n{parts[sid]}".rstrip() for sid in TEXT_SECTIONS) + "\n"


def read_workbook(path: Path) -> tuple[list[SheetForm], list[str]]:
    """Every agency sheet of a workbook, and notes on sheets that are not forms."""
    wb = open_form(path)
    forms, notes = [], []
    full = []

    def full_sheet(title: str) -> Callable[[], Worksheet]:
        def get() -> Worksheet:
            if not full:
                full.append(load_workbook(path, data_only=True))
            return full[0][title]
        return get

    try:
        for ws in wb.worksheets:
            if ws.title == INSTRUCTIONS_SHEET:
                continue
            form = read_sheet(wb, ws, Path(path).name, full_sheet(ws.title))
            if form is None:
                notes.append(f"{Path(path).name}：工作表“{ws.title}”不是填报表（没有单位标识），"
                             "已跳过")
            else:
                forms.append(form)
    finally:
        wb.close()  # a read-only workbook keeps its file open until closed
    return forms, notes


__all__ = ["SheetForm", "open_form", "parse_date", "parse_number", "read_sheet",
           "read_workbook"]
