"""Read the official tables of a Word report back into cell values, as a reader of the file.

Each ``w:tbl`` becomes the same grid the HTML reader builds: ``gridSpan`` is a column span, a
``vMerge`` run a row span. Value cells are those whose paragraph has the value style (as a
``<td>`` is a value in HTML); everything else is a label. Values are then named by the labels
printed to their left and above them, exactly as for HTML (``tables_parse``), so a value
written into the wrong cell, or a merge that covers the wrong rows, reads back wrong.
"""

from __future__ import annotations

import io
from pathlib import Path

from docx import Document
from docx.oxml.ns import qn

from nianbao.export.ooxml import TABLE_CAPTION, TABLE_LABEL, TABLE_VALUE
from nianbao.testing.tables_parse import HtmlCell, HtmlTable, RowGroup, tables_values

_OFFICIAL_STYLES = {TABLE_CAPTION, TABLE_LABEL, TABLE_VALUE}


def open_docx(source: bytes | str | Path):
    return Document(io.BytesIO(source) if isinstance(source, bytes) else str(source))


def _style_names(document) -> dict[str, str]:
    return {s.style_id: s.name for s in document.styles}


def _cell_style(tc, names: dict[str, str]) -> str:
    for p in tc.iter(qn("w:p")):
        ppr = p.find(qn("w:pPr"))
        style = ppr.find(qn("w:pStyle")) if ppr is not None else None
        if style is not None:
            return names.get(style.get(qn("w:val")), "")
    return ""


def _cell_text(tc) -> str:
    return "".join(t.text or "" for t in tc.iter(qn("w:t")))


def read_docx_tables(source: bytes | str | Path) -> list[HtmlTable]:
    """Every top-level table of a .docx as an ``HtmlTable`` (official ones have class official)."""
    document = open_docx(source)
    names = _style_names(document)
    out = []
    for table in document.tables:
        group = RowGroup("")
        above: dict[int, HtmlCell] = {}  # grid column → the cell a vMerge continues
        styles: set[str] = set()
        for tr in table._tbl.tr_lst:
            row: list[HtmlCell] = []
            column = 0
            for tc in tr.tc_lst:
                span = tc.grid_span
                if tc.vMerge == "continue":
                    cell = above.get(column)
                    if cell is None:
                        raise ValueError(f"vMerge continues nothing in grid column {column}")
                    cell.rowspan += 1
                else:
                    style = _cell_style(tc, names)
                    styles.add(style)
                    tag = "td" if style == TABLE_VALUE else "th"
                    cell = HtmlCell(tag, {}, 1, span, [_cell_text(tc)])
                    row.append(cell)
                    for c in range(column, column + span):
                        above[c] = cell
                column += span
            group.rows.append(row)
        attrs = {"class": "official"} if styles & _OFFICIAL_STYLES else {}
        out.append(HtmlTable(attrs, [group]))
    return out


def parse_docx_tables(source: bytes | str | Path) -> dict[str, float]:
    """{``table.row.col``: value} for every value cell of the official tables in a .docx."""
    tables = [t for t in read_docx_tables(source) if "official" in t.classes]
    if not tables:
        raise ValueError("no official table in the Word document")
    return tables_values(tables)
