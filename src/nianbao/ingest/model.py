"""What a reader produces: the document as one text with source locations, then the report.

Every reader (PDF, HTML, Word, text) renders its document into one plain text in reading
order, table rows as ``| a | b |`` lines, and remembers for each stretch of that text where it
came from (page and position, table cell, or byte offset). The table and section parsers work
on that text only, so they are the same for every kind of input.
"""

from __future__ import annotations

import bisect
import datetime as dt
import unicodedata
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Location:
    """Where a stretch of rendered text was read in the source."""

    page: int | None = None  # PDF page, 1-based
    bbox: tuple[float, float, float, float] | None = None  # PDF points: x0, top, x1, bottom
    table: int | None = None  # HTML / Word: table number (1-based), row and column
    row: int | None = None
    col: int | None = None
    offset: int | None = None  # text files: character offset in the decoded file

    def describe(self) -> str:
        """The location in Chinese, for the reviewer page."""
        parts = []
        if self.page is not None:
            parts.append(f"第{self.page}页")
        if self.table is not None:
            parts.append(f"第{self.table}个表格")
        if self.row is not None:
            parts.append(f"第{self.row}行")
        if self.col is not None:
            parts.append(f"第{self.col}列")
        if self.bbox is not None:
            x0, top, _, _ = self.bbox
            parts.append(f"（x={x0:.0f}, y={top:.0f}）")
        if self.offset is not None:
            parts.append(f"字符位置{self.offset}")
        return "".join(parts) or "未知位置"

    def to_json(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if v is not None}


NOWHERE = Location()

# Kangxi radicals, compatibility ideographs and full-width digits that some fonts map for the
# ordinary character (⾏ for 行): folded one to one, so offsets do not move.
_FOLD = {cp: unicodedata.normalize("NFKC", chr(cp))
         for cp in [*range(0x2F00, 0x2FD6), *range(0x2E80, 0x2EF4), *range(0xF900, 0xFADA),
                    *range(0xFF10, 0xFF1A)]}  # and full-width digits
_FOLD = {cp: ch for cp, ch in _FOLD.items() if len(ch) == 1 and ch != chr(cp)}


@dataclass
class Rendered:
    """A document as text in reading order, with the source location of each stretch."""

    kind: str  # pdf, html, docx, text
    text: str = ""
    starts: list[int] = field(default_factory=list)
    locations: list[Location] = field(default_factory=list)
    title_hint: str | None = None  # <title>, PDF metadata or a crawler's 标题 line
    date_hint: dt.date | None = None
    pages: int | None = None

    def add(self, text: str, location: Location | None = None) -> None:
        """Append text; without a location it belongs to no particular source place."""
        if location is None and self.locations and self.locations[-1] != NOWHERE:
            location = NOWHERE
        if location is not None:
            self.starts.append(len(self.text))
            self.locations.append(location)
        self.text += text.translate(_FOLD)

    def locate(self, offset: int) -> Location:
        """The source location of a character of ``text``."""
        if not self.locations:
            return Location(offset=offset)
        i = bisect.bisect_right(self.starts, offset) - 1
        if i < 0:
            return Location(offset=offset)
        loc = self.locations[i]
        if loc.offset is not None:  # plain text: offsets map one to one from the stretch start
            return Location(offset=loc.offset + offset - self.starts[i])
        return loc


@dataclass
class CellReading:
    """How one cell value was obtained."""

    value: float | None  # None: blank in the source, or not read (see method)
    method: str  # direct | sums | order | collapsed | derived | ambiguous | missing
    start: int | None = None  # offsets in the rendered text
    end: int | None = None
    location: Location | None = None
    raw: str | None = None
    candidates: list[float] = field(default_factory=list)

    @property
    def read(self) -> bool:
        return self.method not in ("ambiguous", "missing")


@dataclass
class Fees:
    """The fee statement of section 六, as read from the prose (None: not stated)."""

    notices_issued: float | None = None
    notices_amount_yuan: float | None = None
    collected_yuan: float | None = None
    quote: str | None = None

    def as_inputs(self) -> dict[str, float]:
        pairs = (("s6.fee_notices_issued", self.notices_issued),
                 ("s6.fee_notices_amount_yuan", self.notices_amount_yuan),
                 ("s6.fee_collected_yuan", self.collected_yuan))
        return {k: v for k, v in pairs if v is not None}


@dataclass
class PublishedReport:
    """One published report as read: identity, cells with provenance, sections, doubts."""

    file: str
    rendered: Rendered
    agency: str | None = None
    year: int | None = None
    format_id: str | None = None
    cells: dict[str, CellReading] = field(default_factory=dict)
    sections: dict[str, str] = field(default_factory=dict)
    section_spans: dict[str, tuple[int, int]] = field(default_factory=dict)
    preface: str = ""  # the text before part 一 (title, basis, contact)
    fees: Fees = field(default_factory=Fees)
    published: dt.date | None = None
    findings: list = field(default_factory=list)  # reading findings (nianbao.findings.Finding)

    def values(self) -> dict[str, float | None]:
        """Cell id → value; None for a blank cell or one that could not be read."""
        return {ref: c.value for ref, c in self.cells.items()}

    def certain_values(self) -> dict[str, float]:
        """Only the cells read without doubt and not blank (what formula rules may use)."""
        return {ref: c.value for ref, c in self.cells.items()
                if c.read and c.value is not None}
