"""The report as a Word document, built from the same ``ReportDocument`` as the notebook.

Not converted from HTML: the official tables come from ``report.tables.section_layout``, the
grid the HTML is drawn from, so every merged cell (table 三's 申请人情况 / 法人或其他组织 header,
the grouped result rows) is merged the same way here. Sentences, narrative, charts and the
review section are the document's own parts; the house style is in ``export.ooxml``.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
from typing import TYPE_CHECKING

import mistune
from docx import Document
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.shared import Emu, Mm
from docx.table import _Cell

from nianbao.export import ooxml
from nianbao.report.bundle import DOCX_MIMETYPE
from nianbao.report.document import validation_rows, validation_summary
from nianbao.report.tables import Cell, TableLayout, section_layout

if TYPE_CHECKING:
    from nianbao.report.document import ReportDocument

_markdown_ast = mistune.create_markdown(renderer=None)
FIGURE_WIDTH = Mm(150)
REVIEW_WIDTHS = (0.3, 0.1, 0.6)  # 规则 · 结果 · 说明: shares of the text width


def report_docx(doc: ReportDocument) -> bytes:
    """The whole report as .docx bytes; the same document always gives the same bytes."""
    word = Document()
    ooxml.setup(word)
    styles = _StyleIds(word)
    ooxml.page_number_footer(word.sections[0])
    _properties(word, doc)
    styles.add(doc.report.agency.name, ooxml.AGENCY)
    styles.add(f"{doc.report.year}年政府信息公开工作年度报告", ooxml.TITLE)
    styles.add(doc.preface_text(), ooxml.BODY)
    for section in doc.report.format.sections:
        styles.add(section.heading, ooxml.H1)
        for kind, value in doc.section_parts(section.id):
            if kind == "text":
                styles.add(value, ooxml.BODY)
            elif kind == "tables":
                for layout in section_layout(doc.report, value):
                    _official_table(styles, layout)
            elif kind == "missing":
                styles.add(f"【{value}】", ooxml.BODY)
            else:
                _markdown(styles, value)
        if section.id == "s3":
            for caption, png in doc.figures():
                styles.add("", ooxml.FIGURE).add_run().add_picture(
                    io.BytesIO(png), width=FIGURE_WIDTH)
                styles.add(caption, ooxml.FIGURE_CAPTION)
    styles.add("", ooxml.BODY)
    for line in doc.signature():
        styles.add(line, ooxml.SIGNATURE)
    if doc.profile == "review":
        _review(styles, doc)
    buffer = io.BytesIO()
    word.save(buffer)
    return ooxml.stable_package(buffer.getvalue())


def tables_docx(source, section_ids: tuple[str, ...] = ("s2", "s3", "s4")) -> bytes:
    """Only the official tables of ``source`` (a report or an aggregate) as a Word document."""
    word = Document()
    ooxml.setup(word)
    styles = _StyleIds(word)
    for section_id in section_ids:
        styles.add(source.format.section(section_id).heading, ooxml.H1)
        for layout in section_layout(source, section_id):
            _official_table(styles, layout)
    buffer = io.BytesIO()
    word.save(buffer)
    return ooxml.stable_package(buffer.getvalue())


class _StyleIds:
    """The document and its style ids, looked up once (python-docx scans every style per call)."""

    def __init__(self, word) -> None:
        self.word = word
        self.ids: dict[str, str] = {}

    def id(self, name: str) -> str:
        if name not in self.ids:
            self.ids[name] = self.word.styles[name].style_id
        return self.ids[name]

    def set(self, paragraph, name: str):
        paragraph._p.style = self.id(name)
        return paragraph

    def add(self, text: str, name: str, container=None):
        """A paragraph of ``text`` in style ``name`` at the end of the document (or a cell)."""
        return self.set((container or self.word).add_paragraph(text), name)


class DocxBundle:
    """The .docx as a notebook display output (``DOCX_MIMETYPE``, base64) the build collects."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {DOCX_MIMETYPE: base64.b64encode(self.data).decode("ascii"), "text/plain": ""}


def docx_output(doc: ReportDocument, wanted: bool = True) -> tuple[DocxBundle, ...]:
    """What the report notebook displays for the Word file: the file when the build asks for
    it (``make_docx``), else nothing — ``display(*docx_output(doc, make_docx))``."""
    return (DocxBundle(report_docx(doc)),) if wanted else ()


# --------------------------------------------------------------------------- metadata


def _properties(word, doc: ReportDocument) -> None:
    """Title and author; dates from the report (not the clock), so the bytes are stable."""
    props = word.core_properties
    issued = doc.report.prose.published or dt.date(doc.report.year + 1, 1, 1)
    stamp = dt.datetime(issued.year, issued.month, issued.day, tzinfo=dt.UTC)
    props.title = doc.title
    props.subject = "政府信息公开工作年度报告"
    props.author = props.last_modified_by = doc.report.agency.name
    props.keywords = f"{doc.report.format.id};{doc.profile}"
    props.comments = ""
    props.language = "zh-CN"
    props.created = props.modified = stamp
    props.revision = 1


# --------------------------------------------------------------------------- narrative


def _inline_text(children: list[dict]) -> list[tuple[str, bool]]:
    """Inline Markdown as (text, bold) runs; links keep their text, line breaks join CJK."""
    runs: list[tuple[str, bool]] = []
    for child in children:
        kind = child["type"]
        if kind in ("text", "codespan"):
            runs.append((child.get("raw", ""), False))
        elif kind == "strong":
            runs += [(text, True) for text, _ in _inline_text(child.get("children", []))]
        elif kind in ("softbreak", "linebreak"):
            continue
        else:
            runs += _inline_text(child.get("children", []))
    return runs


def _paragraph(styles: _StyleIds, children: list[dict], style: str):
    paragraph = styles.add("", style)
    for text, bold in _inline_text(children):
        paragraph.add_run(text).bold = bold or None
    return paragraph


def _markdown(styles: _StyleIds, text: str) -> None:
    """The agency's narrative: ``###`` sub-headings in 楷体, paragraphs and list items."""
    for token in _markdown_ast(text):
        kind = token["type"]
        if kind == "heading":
            style = ooxml.H1 if token["attrs"]["level"] <= 2 else ooxml.H2
            _paragraph(styles, token["children"], style)
        elif kind == "paragraph":
            _paragraph(styles, token["children"], ooxml.BODY)
        elif kind == "list":
            ordered = token["attrs"].get("ordered")
            for number, item in enumerate(token["children"], start=1):
                mark = {"type": "text", "raw": f"{number}. " if ordered else "· "}
                for block in item.get("children", []):
                    _paragraph(styles, [mark, *block.get("children", [])], ooxml.BODY)


# --------------------------------------------------------------------------- tables

# Widths of the label columns as the HTML tables draw them (report.css), in characters.
_GROUP_WIDTH = {"level-0": 1.6, "level-1": 4.5}


def _column_weights(grid: list[list[Cell | None]], width: int) -> list[float]:
    """Relative widths: merged group columns narrow, labels by their text, values even."""
    weights = [2.5] * width
    for row in grid:
        for c, cell in enumerate(row):
            if cell is None or cell.colspan != 1 or "caption" in cell.classes:
                continue
            group = next((_GROUP_WIDTH[k] for k in cell.classes if k in _GROUP_WIDTH), None)
            if group is not None:
                weight = group
            elif cell.tag == "th" and "label" in cell.classes:
                weight = min(len(cell.text), 15)
            else:
                weight = min(max(len(cell.text) + 1, 2.5), 4)
            weights[c] = max(weights[c], weight) if group is None else weight
    return weights


def _place(layout: TableLayout) -> list[tuple[str, list[list[Cell | None]], dict]]:
    """Each row's kind, and every cell at its grid slot as a browser lays HTML tables out."""
    width = layout.width
    rows: list[tuple[str, list[Cell | None], dict]] = []
    for group in layout.groups:
        covered: dict[tuple[int, int], Cell] = {}
        for r, row in enumerate(group.rows):
            slots: list[Cell | None] = [None] * width
            below: dict[int, Cell] = {}
            c = 0
            for cell in row.cells:
                while (r, c) in covered:
                    below[c] = covered[(r, c)]
                    c += covered[(r, c)].colspan
                slots[c] = cell
                for dr in range(1, cell.rowspan):
                    covered[(r + dr, c)] = cell
                c += cell.colspan
            while (r, c) in covered:
                below[c] = covered[(r, c)]
                c += covered[(r, c)].colspan
            rows.append((row.kind, slots, below))
    return rows


def _official_table(styles: _StyleIds, layout: TableLayout) -> None:
    """One drawn table: spans become ``gridSpan``/``vMerge``; header rows repeat on new pages."""
    placed = _place(layout)
    width = layout.width
    weights = _column_weights([slots for _, slots, _ in placed], width)
    total = sum(weights)
    widths = [Emu(int(ooxml.TEXT_WIDTH * w / total)) for w in weights]
    word = styles.word
    table = word.add_table(rows=0, cols=width)
    table.style = word.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for column, w in zip(table.columns, widths, strict=True):
        column.width = w
    for kind, slots, continued in placed:
        tr = table._tbl.add_tr()
        _row_properties(tr, repeat=kind != "body" and not layout.continuous)
        c = 0
        while c < width:
            cell, merged = slots[c], continued.get(c)
            span = (cell or merged).colspan
            tc = tr.add_tc()
            tc.width = Emu(sum(widths[c:c + span]))
            if span > 1:
                tc.grid_span = span
            target = _Cell(tc, table)
            target.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
            if cell is None:
                tc.vMerge = "continue"
                styles.set(target.paragraphs[0], ooxml.TABLE_LABEL)
            else:
                if cell.rowspan > 1:
                    tc.vMerge = "restart"
                _fill(styles, target, cell, kind)
            c += span
    styles.add("", ooxml.FIGURE_CAPTION)


def _row_properties(tr, *, repeat: bool) -> None:
    """Rows never split across pages; header rows repeat at the top of the next page."""
    props = tr.get_or_add_trPr()
    props.append(OxmlElement("w:cantSplit"))
    if repeat:
        props.append(OxmlElement("w:tblHeader"))


def _fill(styles: _StyleIds, target: _Cell, cell: Cell, kind: str) -> None:
    paragraph = target.paragraphs[0]
    if kind == "caption":
        styles.set(paragraph, ooxml.TABLE_CAPTION)
    elif cell.tag == "td":
        styles.set(paragraph, ooxml.TABLE_VALUE)
    else:
        styles.set(paragraph, ooxml.TABLE_LABEL)
        if kind == "head" and "corner" not in cell.classes or "group" in cell.classes:
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.add_run(cell.text)


# --------------------------------------------------------------------------- review


def _review(styles: _StyleIds, doc: ReportDocument) -> None:
    """数据校验 on a page of its own: every rule checked and its result (review builds only)."""
    rows = validation_rows(doc.report, doc.findings)
    word = styles.word
    heading = styles.add("", ooxml.H1)
    heading.add_run().add_break(WD_BREAK.PAGE)
    heading.add_run("数据校验")
    styles.add(validation_summary(rows), ooxml.BODY)
    table = word.add_table(rows=1, cols=3)
    table.style = word.styles["Table Grid"]
    table.autofit = False
    widths = [Emu(int(ooxml.TEXT_WIDTH * share)) for share in REVIEW_WIDTHS]
    for column, w in zip(table.columns, widths, strict=True):
        column.width = w
    _row_properties(table.rows[0]._tr, repeat=True)
    for cell, text, w in zip(table.rows[0].cells, ("规则", "结果", "说明及涉及单元格"), widths,
                             strict=True):
        cell.width = w
        styles.set(cell.paragraphs[0], ooxml.REVIEW)
        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
        cell.paragraphs[0].add_run(text).bold = True
    for row in rows:
        cells = table.add_row().cells
        texts = ([f"{row.title}", row.rule_id], [row.result], list(row.details) or [""])
        for cell, lines, w in zip(cells, texts, widths, strict=True):
            cell.width = w
            styles.set(cell.paragraphs[0], ooxml.REVIEW).add_run(lines[0])
            for line in lines[1:]:
                styles.add(line, ooxml.REVIEW, cell)
