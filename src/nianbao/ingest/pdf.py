"""PDF reports with a text layer (pdfplumber: MIT; pdfminer.six: MIT).

Ruled tables are found from the page's lines and read cell by cell (merged cells come back
once, as in the source); the rest of the page is read as text lines. Both are put in
reading order by their position on the page, each stretch remembering page and box.
"""

from __future__ import annotations

import logging

import pdfplumber
from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
from pdfminer.pdfparser import PDFSyntaxError
from pdfplumber.utils.exceptions import PdfminerException

from nianbao.errors import UnreadableDocument
from nianbao.ingest.model import Location, Rendered

MAX_PAGES = 80  # annual reports are a few dozen pages; more is not one report

for _name in ("pdfminer", "pdfplumber"):
    logging.getLogger(_name).setLevel(logging.ERROR)


def render_pdf(path, name: str) -> Rendered:
    try:
        pdf = pdfplumber.open(path)
    except (PDFPasswordIncorrect, PDFEncryptionError) as exc:
        raise UnreadableDocument(name, "PDF 已加密，无法读取") from exc
    except (PdfminerException, PDFSyntaxError, Exception) as exc:
        if "password" in repr(exc).lower() or "encrypt" in repr(exc).lower():
            raise UnreadableDocument(name, "PDF 已加密，无法读取") from exc
        raise UnreadableDocument(name, "PDF 文件已损坏或不完整，无法读取") from exc
    with pdf:
        try:
            return _render(pdf, name)
        except UnreadableDocument:
            raise
        except Exception as exc:
            if "password" in repr(exc).lower() or "encrypt" in repr(exc).lower():
                raise UnreadableDocument(name, "PDF 已加密，无法读取") from exc
            raise UnreadableDocument(name, "PDF 文件已损坏或不完整，无法读取") from exc


def _render(pdf, name: str) -> Rendered:
    doc = Rendered(kind="pdf", pages=len(pdf.pages))
    title = (pdf.metadata or {}).get("Title")
    if isinstance(title, str) and title.strip():
        doc.title_hint = title.strip()
    chars = 0
    images = 0
    for number, page in enumerate(pdf.pages[:MAX_PAGES], start=1):
        chars += len(page.chars)
        images += len(page.images)
        _page(page, number, doc)
    if chars == 0:
        reason = ("PDF 没有文字层（可能是扫描件），未进行文字识别（OCR），无法审核"
                  if images else "PDF 中没有可读取的文字，无法审核")
        raise UnreadableDocument(name, reason)
    return doc


def _page(page, number: int, doc: Rendered) -> None:
    blocks = []  # (top, kind, payload)
    tables = page.find_tables()
    rest = page
    for table in tables:
        rows = []
        for row_obj, texts in zip(table.rows, table.extract(), strict=False):
            rows.append(list(zip(row_obj.cells, texts, strict=False)))
        blocks.append((table.bbox[1], "table", rows))
        try:
            rest = rest.outside_bbox(table.bbox)
        except ValueError:
            continue
    for line in rest.extract_text_lines(layout=False, strip=True, return_chars=False):
        box = (line["x0"], line["top"], line["x1"], line["bottom"])
        blocks.append((line["top"], "line", (line["text"], box)))
    blocks.sort(key=lambda b: (round(b[0], 1), b[1] != "table"))
    for _top, kind, payload in blocks:
        if kind == "table" and len(payload) == 1:  # one ruled row is a line of text, not a table
            for box, t in payload[0]:
                if t:
                    doc.add(_cell(t), Location(page=number, bbox=_round(box)))
                    doc.add(" ")
            doc.add("\n")
            continue
        if kind == "line":
            text, box = payload
            doc.add(text, Location(page=number, bbox=_round(box)))
            doc.add("\n")
            continue
        for row in payload:
            filled = [(box, t) for box, t in row if t is not None]
            if len(filled) == 1 and len(row) > 1 or len(row) == 1:
                box, t = filled[0] if filled else (None, "")
                doc.add(_cell(t), Location(page=number, bbox=_round(box)))
                doc.add("\n")
                continue
            doc.add("|")
            for box, t in row:
                if t is None:  # covered by a merged cell to its left or above
                    continue
                doc.add(" ")
                doc.add(_cell(t), Location(page=number, bbox=_round(box)))
                doc.add(" |")
            doc.add("\n")
    doc.add("\n")


def _cell(text: str | None) -> str:
    """Cell text on one line: wrapped Chinese joins without a space."""
    if not text:
        return ""
    return "".join(part.strip() for part in text.splitlines()).replace("|", "｜")


def _round(box):
    return None if box is None else tuple(round(float(v), 1) for v in box)
