"""Plain text and Markdown reports, including crawled pages whose table cells run together."""

from __future__ import annotations

import re

from nianbao.ingest.detect import decode
from nianbao.ingest.model import Location, Rendered

_TITLE_LINE = re.compile(r"^\s*(?:标题|名称|title)\s*[:：]\s*(.+)$", re.M | re.I)


def render_text(data: bytes) -> Rendered:
    """The decoded text itself; every character's location is its offset in the file."""
    text = decode(data).replace("\r\n", "\n").replace("\r", "\n")
    doc = Rendered(kind="text")
    doc.add(text, Location(offset=0))
    m = _TITLE_LINE.search(text[:3000])
    if m:
        doc.title_hint = m.group(1).strip()
    return doc
