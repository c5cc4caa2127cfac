"""Read rendered official tables back into cell values, to prove that a document shows the data.

The reader does not trust ``data-cell`` attributes: it expands every ``rowspan``/``colspan`` into
the table's grid, names each value cell by the labels printed to its left and above it, and
finds the format table whose official labels give exactly those names. A ``data-cell``
attribute that disagrees with the cell's position is an error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from html.parser import HTMLParser

from nianbao.formats.spec import Table, all_formats
from nianbao.report.tables import column_path, corner_text, label_width, printed_row_path

_ROW_GROUPS = ("thead", "tbody", "tfoot")
_NUMBER = re.compile(r"([+-]?\d+(?:\.\d+)?)\D*")


@dataclass(eq=False)
class HtmlCell:
    """One ``<td>``/``<th>`` as written (compared by identity: one cell may fill many slots)."""

    tag: str
    attrs: dict[str, str]
    rowspan: int = 1
    colspan: int = 1
    parts: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return " ".join("".join(self.parts).split())

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())


@dataclass
class RowGroup:
    """A ``<thead>``/``<tbody>``/``<tfoot>`` (``kind`` is "" for rows outside any)."""

    kind: str
    rows: list[list[HtmlCell]] = field(default_factory=list)
    closed: bool = False


@dataclass
class HtmlTable:
    """One ``<table>`` as written, and its expanded grid."""

    attrs: dict[str, str]
    groups: list[RowGroup] = field(default_factory=list)

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def grid(self) -> Grid:
        return expand_grid(self.groups)


@dataclass
class Grid:
    """Physical rows × grid columns; ``origin`` gives each cell's top-left slot."""

    rows: list[list[HtmlCell | None]]
    origin: dict[HtmlCell, tuple[int, int]]
    group_of_row: list[str]

    @property
    def width(self) -> int:
        return max((len(r) for r in self.rows), default=0)

    def cells_in_row(self, r: int) -> list[HtmlCell]:
        """Distinct cells covering row ``r``, left to right (including ones from rows above)."""
        return list(dict.fromkeys(c for c in self.rows[r] if c is not None))

    def starts_in_row(self, r: int) -> list[HtmlCell]:
        return [c for c in self.cells_in_row(r) if self.origin[c][0] == r]


class _TableReader(HTMLParser):
    """Collects the tables of a document; tags other than table parts only contribute text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[HtmlTable] = []
        self._open: list[HtmlTable] = []
        self._cell: HtmlCell | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "table":
            table = HtmlTable(values)
            self.tables.append(table)
            self._open.append(table)
        elif not self._open:
            return
        elif tag in _ROW_GROUPS:
            self._open[-1].groups.append(RowGroup(tag))
        elif tag == "tr":
            self._current_group().rows.append([])
        elif tag in ("td", "th"):
            self._cell = HtmlCell(
                tag, values, _span(values.get("rowspan"), 1), _span(values.get("colspan"), 1) or 1
            )
            self._current_row().append(self._cell)

    def handle_endtag(self, tag: str) -> None:
        if not self._open:
            return
        if tag == "table":
            self._open.pop()
            self._cell = None
        elif tag in ("td", "th"):
            self._cell = None
        elif tag in _ROW_GROUPS and self._open[-1].groups:
            self._open[-1].groups[-1].closed = True

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.parts.append(data)

    def _current_group(self) -> RowGroup:
        table = self._open[-1]
        if not table.groups or table.groups[-1].closed:
            table.groups.append(RowGroup(""))
        return table.groups[-1]

    def _current_row(self) -> list[HtmlCell]:
        group = self._current_group()
        if not group.rows:
            group.rows.append([])
        return group.rows[-1]


def _span(text: str | None, default: int) -> int:
    try:
        return max(int(text), 0) if text else default
    except ValueError:
        return default


def read_tables(html: str) -> list[HtmlTable]:
    """Every ``<table>`` of an HTML text, in document order."""
    reader = _TableReader()
    reader.feed(html)
    reader.close()
    return reader.tables


def expand_grid(groups: list[RowGroup]) -> Grid:
    """Place every cell on the grid as a browser does; spans stop at the end of their row group."""
    rows: list[list[HtmlCell | None]] = []
    origin: dict[HtmlCell, tuple[int, int]] = {}
    group_of_row: list[str] = []
    for group in groups:
        slots: dict[tuple[int, int], HtmlCell] = {}
        height = len(group.rows)
        for r, cells in enumerate(group.rows):
            c = 0
            for cell in cells:
                while (r, c) in slots:
                    c += 1
                rowspan = min(cell.rowspan or height - r, height - r)
                for dr in range(rowspan):
                    for dc in range(cell.colspan):
                        slots[(r + dr, c + dc)] = cell
                origin[cell] = (len(rows) + r, c)
                c += cell.colspan
        width = max((c + 1 for _, c in slots), default=0)
        for r in range(height):
            rows.append([slots.get((r, c)) for c in range(width)])
            group_of_row.append(group.kind)
    width = max((len(r) for r in rows), default=0)
    for row in rows:
        row.extend([None] * (width - len(row)))
    return Grid(rows, origin, group_of_row)


# --- naming value cells --------------------------------------------------------------------


@dataclass
class _Segment:
    """One sub-table inside a grid: optional caption row, header rows, data rows."""

    caption: str | None = None
    header: list[int] = field(default_factory=list)
    data: list[int] = field(default_factory=list)


def _is_caption_row(grid: Grid, r: int) -> bool:
    cells = grid.cells_in_row(r)
    return (
        len(cells) == 1
        and cells[0].tag == "th"
        and grid.origin[cells[0]][0] == r
        and None not in grid.rows[r]
        and grid.width > 1
    )


def _segments(grid: Grid) -> list[_Segment]:
    """Split a grid into sub-tables: a caption row, or headers after data, starts a new one."""
    segments: list[_Segment] = []
    for r, row in enumerate(grid.rows):
        is_data = any(c is not None and c.tag == "td" for c in row)
        if _is_caption_row(grid, r):
            segments.append(_Segment(caption=grid.rows[r][0].text))
        elif not is_data and (not segments or segments[-1].data):
            segments.append(_Segment(header=[r]))
        elif not is_data:
            segments[-1].header.append(r)
        elif not segments:
            segments.append(_Segment(data=[r]))
        else:
            segments[-1].data.append(r)
    return segments


def _column_header(grid: Grid, segment: _Segment, col: int) -> tuple[str, ...]:
    cells = [grid.rows[r][col] for r in segment.header]
    return tuple(c.text for c in dict.fromkeys(c for c in cells if c is not None))


def _corner(grid: Grid, segment: _Segment) -> str | None:
    """Text of the header cell over the label columns, if the segment has label columns."""
    if not segment.header or not segment.data:
        return None
    first_data = grid.rows[segment.data[0]]
    if first_data[0] is None or first_data[0].tag != "th":
        return None
    cell = grid.rows[segment.header[0]][0]
    return cell.text if cell is not None else None


@dataclass(frozen=True)
class _Found:
    """A value cell named by its printed labels."""

    row_path: tuple[str, ...]
    col_path: tuple[str, ...]
    cell: HtmlCell


def _value_cells(grid: Grid, segment: _Segment) -> list[_Found]:
    found = []
    for r in segment.data:
        cells = grid.cells_in_row(r)
        labels = tuple(c.text for c in cells if c.tag == "th")
        for cell in cells:
            if cell.tag != "td":
                continue
            row0, col0 = grid.origin[cell]
            if row0 != r:
                raise ValueError(f"value cell {cell.text!r} spans several rows")
            found.append(_Found(labels, _column_header(grid, segment, col0), cell))
    return found


@dataclass(frozen=True)
class _TableKey:
    """A format table indexed by the labels a reader sees."""

    table_id: str
    caption: str | None
    corner: str | None
    rows: dict[tuple[str, ...], str]
    cols: dict[tuple[str, ...], str]


@cache
def _table_keys() -> tuple[_TableKey, ...]:
    keys = []
    for fmt in all_formats():
        for table in fmt.tables:
            keys.append(_table_key(table))
    return tuple(keys)


def _table_key(table: Table) -> _TableKey:
    rows = {printed_row_path(table, r): r.id for r in table.data_rows}
    cols = {column_path(table, c): c.id for c in table.columns}
    corner = corner_text(table) if label_width(table) else None
    return _TableKey(table.id, table.caption, corner, rows, cols)


def _match(segment: _Segment, corner: str | None, found: list[_Found]) -> dict[str, HtmlCell]:
    """Cell refs of a segment: the format table whose labels name every value cell, exactly."""
    results: dict[tuple[str, ...], dict[str, HtmlCell]] = {}
    for key in _table_keys():
        if key.caption != segment.caption or key.corner != corner:
            continue
        if len(found) != len(key.rows) * len(key.cols):
            continue
        if all(f.row_path in key.rows and f.col_path in key.cols for f in found):
            named = {
                f"{key.table_id}.{key.rows[f.row_path]}.{key.cols[f.col_path]}": f.cell
                for f in found
            }
            if len(named) == len(found):
                results[tuple(sorted(named))] = named
    if len(results) != 1:
        what = "no" if not results else "more than one"
        raise ValueError(
            f"{what} format table matches the table captioned {segment.caption!r} "
            f"with {len(found)} value cells"
        )
    return results.popitem()[1]


def parse_number(text: str) -> float:
    """A printed cell value, with thousands separators and a trailing unit (元, 万元) removed."""
    cleaned = text.replace(",", "").replace("，", "").replace(" ", "")
    m = _NUMBER.fullmatch(cleaned)
    if m is None:
        raise ValueError(f"not a number: {text!r}")
    return float(m.group(1))


def _table_values(table: HtmlTable) -> dict[str, float]:
    grid = table.grid()
    if any(None in row for row in grid.rows):
        raise ValueError("the table grid has holes: rows of unequal width")
    values: dict[str, float] = {}
    for segment in _segments(grid):
        found = _value_cells(grid, segment)
        if not found:
            continue
        for ref, cell in _match(segment, _corner(grid, segment), found).items():
            stated = cell.attrs.get("data-cell")
            if stated is not None and stated != ref:
                raise ValueError(f"cell {stated} is placed where the labels name {ref}")
            values[ref] = parse_number(cell.text)
    return values


def parse_official_table(html: str) -> dict[str, float]:
    """{``table.row.col``: value} for every value cell of the ``table.official`` tables in ``html``.

    Accepts one table, a section, or a whole rendered report. A cell that appears twice is an
    error, so a document cannot hide a second, different copy of a table.
    """
    tables = [t for t in read_tables(html) if "official" in t.classes]
    if not tables:
        raise ValueError('no <table class="official"> in the HTML')
    return tables_values(tables)


def tables_values(tables: list[HtmlTable]) -> dict[str, float]:
    """{``table.row.col``: value} over official tables read from any document (HTML, Word)."""
    values: dict[str, float] = {}
    for table in tables:
        for ref, value in _table_values(table).items():
            if ref in values:
                raise ValueError(f"cell {ref} appears more than once")
            values[ref] = value
    return values
