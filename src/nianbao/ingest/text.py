"""Plain text and Markdown reports, including crawled pages whose table cells run together.

Text copied from a web page or Word table often puts each table cell on its own line starting
with a tab (a blank cell is an empty or non-breaking-space line), rows separated by an empty
line. Such blocks are rendered as ``| a | b |`` rows so that blank cells stay blank; every
stretch keeps its offset in the decoded file.
"""

from __future__ import annotations

import re

from nianbao.ingest.detect import decode
from nianbao.ingest.model import Location, Rendered

_TITLE_LINE = re.compile(r"^\s*(?:标题|名称|title)\s*[:：]\s*(.+)$", re.M | re.I)
_CELL_LINE = re.compile(r"^ ?\t")


def render_text(data: bytes) -> Rendered:
    text = decode(data).replace("\r\n", "\n").replace("\r", "\n")
    doc = Rendered(kind="text")
    lines = text.split("\n")
    cells = sum(1 for line in lines if _CELL_LINE.match(line))
    if cells < 20:  # no tab-per-cell tables: the text as it is
        doc.add(text, Location(offset=0))
    else:
        _tab_cells(lines, doc)
    m = _TITLE_LINE.search(text[:3000])
    if m:
        doc.title_hint = m.group(1).strip()
    return doc


def _tab_cells(lines: list[str], doc: Rendered) -> None:
    offset = 0
    row: list[tuple[str, int]] = []

    def flush() -> None:
        if not row:
            return
        doc.add("|")
        for content, at in row:
            doc.add(" ")
            doc.add(content, Location(offset=at))
            doc.add(" |")
        doc.add("\n")
        row.clear()

    for line in lines:
        start = offset
        offset += len(line) + 1
        if _CELL_LINE.match(line):
            lead = len(line) - len(line.lstrip(" \t\u00a0"))
            row.append((line.strip(" \t\u00a0").replace("|", "｜"), start + lead))
            continue
        if row and not line.strip():
            flush()
            continue
        if row and line.strip() and not line.startswith((" ", "\t")) and len(row) and \
                not re.match(r"^[一二三四五六七八九十]+、", line):
            # a cell that wrapped onto a new line without its tab: part of the last cell
            content, at = row[-1]
            row[-1] = (content + line.strip(), at)
            continue
        flush()
        doc.add(line + "\n", Location(offset=start))
    flush()
