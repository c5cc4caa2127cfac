"""Which reader a file needs, decided by its content (the extension is only a hint)."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import charset_normalizer

from nianbao.errors import UnreadableDocument

MAX_BYTES = 16 * 1024 * 1024  # a text, page or Word report larger than this is not a report
MAX_PDF_BYTES = 256 * 1024 * 1024  # PDFs are read page by page; scans with images are large
_HTML_START = re.compile(rb"<\s*(!doctype\s+html|html|head|body|table|meta|div|p)[\s>/]", re.I)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.I)


def sniff(path: Path, head: bytes) -> str:
    """``pdf``, ``docx``, ``html`` or ``text`` (raises for a kind nianbao cannot read)."""
    if head.startswith(b"%PDF-") or b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as z:
                if "word/document.xml" in z.namelist():
                    return "docx"
        except zipfile.BadZipFile as exc:
            raise UnreadableDocument(str(path), "文件已损坏（压缩包不完整），无法读取") from exc
        raise UnreadableDocument(str(path), "压缩文件不是 Word（.docx）文档，无法读取")
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise UnreadableDocument(
            str(path), "旧版 Word（.doc）文档暂不支持，请另存为 .docx 或 PDF 后再审核")
    if b"\x00" in head[:4096] and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise UnreadableDocument(str(path), "不是文本、网页、PDF 或 Word 文档，无法读取")
    if _HTML_START.search(head[:8192]):
        return "html"
    return "text"


def read_head(path: Path) -> tuple[bytes, int]:
    """The first bytes of a file (enough to tell its kind) and its size."""
    size = path.stat().st_size
    if size == 0:
        raise UnreadableDocument(str(path), "文件为空")
    with path.open("rb") as fh:
        return fh.read(16384), size


def check_size(path: Path, kind: str, size: int) -> None:
    """Refuse a file too large for its kind, before reading it into memory."""
    limit = MAX_PDF_BYTES if kind == "pdf" else MAX_BYTES
    if size > limit:
        raise UnreadableDocument(
            str(path),
            f"文件过大（{size / 1024 / 1024:.0f} MB，"
            f"此类文件上限 {limit // 1024 // 1024} MB），未读取")


def decode(data: bytes, declared: str | None = None) -> str:
    """Text of a page or text file: BOM, then the declared charset, UTF-8, then detection.

    GBK and GB2312 are read as GB18030, their superset, so no character is lost.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    candidates = []
    if declared:
        candidates.append(_gb(declared))
    candidates.append("utf-8")
    for enc in candidates:
        try:
            return data.decode(enc)
        except (UnicodeDecodeError, LookupError):
            continue
    best = charset_normalizer.from_bytes(data[:200_000]).best()
    enc = _gb(best.encoding) if best else "gb18030"
    return data.decode(enc, errors="replace")


def declared_charset(data: bytes) -> str | None:
    m = _META_CHARSET.search(data[:16384])
    return m.group(1).decode("ascii").lower() if m else None


def _gb(name: str) -> str:
    name = name.lower().replace("_", "-")
    return "gb18030" if name in ("gbk", "gb2312", "gb-2312", "cp936", "x-gbk", "gb18030") else name
