"""Web pages: text in reading order, tables as ``| cell |`` rows. Scripts are never run.

lxml parses the page; script, style and similar elements are dropped unread. Layout tables
(tables that contain tables) are read as plain blocks; each innermost table becomes one text
line per ``<tr>`` with every ``<td>``/``<th>`` as a cell, blank cells kept, so merged cells
(rowspan/colspan) appear once, where the source prints them.
"""

from __future__ import annotations

import re

import lxml.html
from lxml import etree

from nianbao.errors import UnreadableDocument
from nianbao.ingest.detect import declared_charset, decode
from nianbao.ingest.model import Location, Rendered

_SKIP = {"script", "style", "noscript", "template", "head", "iframe", "object", "svg", "select",
         "button", "textarea"}
_BLOCK = {"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "section",
          "article", "tr", "table", "blockquote", "pre", "hr", "dd", "dt", "header", "footer"}
_WS = re.compile(r"[ \t\u00a0\u3000\u200b\r\n]+")


def render_html(data: bytes, name: str = "") -> Rendered:
    text = decode(data, declared_charset(data))
    text = re.sub(r"^\s*<\?xml[^>]*>", "", text)
    try:
        root = lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError) as exc:
        raise UnreadableDocument(name, "网页无法解析") from exc
    doc = Rendered(kind="html")
    title = root.find(".//title")
    meta = root.xpath("//meta[@name='ArticleTitle']/@content")
    doc.title_hint = (meta[0] if meta else (title.text_content() if title is not None else "")
                      ).strip() or None
    body = root.find("body")
    state = {"tables": 0}
    _walk(body if body is not None else root, doc, state)
    return doc


def _walk(el, doc: Rendered, state: dict) -> None:
    tag = el.tag if isinstance(el.tag, str) else ""
    if tag in _SKIP or not tag and not isinstance(el, etree._Element):
        return
    if tag == "table" and not el.xpath(".//table"):
        _table(el, doc, state)
        _tail(el, doc)
        return
    if tag in _BLOCK:
        doc.add("\n")
    if el.text and tag not in _SKIP and isinstance(el.tag, str):
        doc.add(_clean(el.text))
    for child in el:
        if not isinstance(child.tag, str):  # comments, processing instructions
            _tail(child, doc)
            continue
        _walk(child, doc, state)
    if tag in _BLOCK:
        doc.add("\n")
    _tail(el, doc)


def _tail(el, doc: Rendered) -> None:
    if el.tail:
        doc.add(_clean(el.tail))


def _clean(s: str) -> str:
    return _WS.sub(" ", s)


def _table(table, doc: Rendered, state: dict) -> None:
    state["tables"] += 1
    number = state["tables"]
    doc.add("\n")
    for r, tr in enumerate(table.xpath(".//tr"), start=1):
        cells = [c for c in tr if isinstance(c.tag, str) and c.tag in ("td", "th")]
        if not cells:
            continue
        if len(cells) == 1:  # a one-cell row is a line of text (layout tables, captions)
            doc.add(_clean(cells[0].text_content()).strip(), Location(table=number, row=r, col=1))
            doc.add("\n")
            continue
        doc.add("|")
        for c, cell in enumerate(cells, start=1):
            content = _clean(cell.text_content()).strip().replace("|", "｜")
            doc.add(" ")
            doc.add(content, Location(table=number, row=r, col=c))
            doc.add(" |")
        doc.add("\n")
    doc.add("\n")
