"""Word (.docx) reports with python-docx: paragraphs and tables in document order.

A merged cell is returned by python-docx once per grid position it covers; it is written once,
in the first row and column where it appears, as the source prints it.
"""

from __future__ import annotations

import io
import zipfile

import docx
from docx.table import Table
from docx.text.paragraph import Paragraph

from nianbao.errors import UnreadableDocument
from nianbao.ingest.model import Location, Rendered


def render_docx(data: bytes, name: str) -> Rendered:
    try:
        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise UnreadableDocument(name, "Word 文档已损坏或不完整，无法读取") from exc
    doc = Rendered(kind="docx")
    title = document.core_properties.title
    if title and title.strip():
        doc.title_hint = title.strip()
    tables = 0
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            doc.add(block.text)
            doc.add("\n")
        elif isinstance(block, Table):
            tables += 1
            _table(block, tables, doc)
    return doc


def _table(table: Table, number: int, doc: Rendered) -> None:
    seen: set = set()  # the cell elements themselves: kept alive, compared by identity
    doc.add("\n")
    for r, row in enumerate(table.rows, start=1):
        doc.add("|")
        for c, cell in enumerate(row.cells, start=1):
            if cell._tc in seen:
                continue
            seen.add(cell._tc)
            text = "".join(p.text.strip() for p in cell.paragraphs).replace("|", "｜")
            doc.add(" ")
            doc.add(text, Location(table=number, row=r, col=c))
            doc.add(" |")
        doc.add("\n")
    doc.add("\n")
