"""The text checks of one report's prose: against its own tables, its own arithmetic, its year,
and text pasted from elsewhere.

The same function serves two callers: ``check`` on the office's own hand-written sections
(``data/text``) and the readers of published reports (PDF, HTML, DOCX, text), which turn a
report into section texts and cells. Every finding quotes the sentence, names the section and
the character span of the sentence in that section's text, and names the cells it compares.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from functools import cache

from nianbao.checks import prose_lists, prose_numbers, prose_origin, prose_structure
from nianbao.checks.prose_context import Context, NumericCells
from nianbao.checks.prose_text import normalize
from nianbao.findings import Finding
from nianbao.formats.spec import ReportFormat, all_formats, format_for_year, load_format

# Rules of this module, for callers that run only some of them.
RULES = (
    prose_numbers.RULE,
    prose_lists.RULE,
    prose_origin.WRONG_YEAR,
    prose_origin.SUPERSEDED,
    prose_origin.OTHER_AGENCY,
    prose_origin.OTHER_PLACE,
    prose_origin.KIND_WORDING,
    prose_origin.REUSE,
    prose_origin.PEER_TEXT,
    prose_structure.SECTIONS,
    prose_structure.ROWS,
)


EXTRA_HEADINGS = {"preface": "前言"}  # text before part 一 (where the basis is cited)


@dataclass
class ProseInput:
    """One report's prose and cells, as a reader of a published report or ``check`` sees them.

    ``sections``: section key of the format (s1 … s6) → the prose of that section, in the
    order the report prints them (tables left out); ``preface`` may hold the text before
    part 一, where reports cite their basis. ``cells``: dotted cell ids
    (``t3.new.total``) → value; None for a blank cell or one whose reading is in doubt; a cell
    that is absent was not read. ``agency_kind``: 街道, 乡镇, 部门, 政府 or None.
    ``previous_sections``: the same agency's report of the year before, when it is audited too;
    ``peer_texts``: other agencies' sections of the same year, by agency name.
    """

    sections: dict[str, str]
    cells: Mapping[str, float | None]
    format_id: str
    year: int
    agency_name: str
    agency_kind: str | None = None
    registry_names: list[str] = field(default_factory=list)
    previous_sections: dict[str, str] | None = None
    peer_texts: dict[str, dict[str, str]] | None = None

    @property
    def format(self) -> ReportFormat:
        for fmt in all_formats():
            if fmt.id == self.format_id:
                return fmt
        return format_for_year(self.year)


def heading(fmt: ReportFormat, key: str) -> str:
    """The official heading of a section key, or the key itself for one the format lacks."""
    return _headings(fmt.id).get(key) or EXTRA_HEADINGS.get(key, key)


@cache
def _headings(format_id: str) -> dict[str, str]:
    return {s.id: s.heading for s in load_format(format_id).sections}


def prose_findings(doc: ProseInput, skip: Collection[str] = ()) -> list[Finding]:
    """Every text finding of one report (rules named in ``skip`` are not run)."""
    fmt = doc.format
    cells = NumericCells(doc.cells)
    out: list[Finding] = []
    if prose_structure.SECTIONS not in skip:
        out += prose_structure.section_findings(fmt, doc.sections)
    if prose_structure.ROWS not in skip:
        out += prose_structure.row_findings(fmt, cells)
    for key, text in doc.sections.items():
        if not text or not text.strip():
            continue
        ctx = Context(fmt=fmt, cells=cells, section=key, heading=heading(fmt, key),
                      source=normalize(text), year=doc.year)
        if prose_numbers.RULE not in skip:
            out += prose_numbers.number_findings(ctx)
        if prose_lists.RULE not in skip:
            out += prose_lists.list_findings(ctx)
        out += prose_origin.section_findings(ctx, doc, skip)
    out += prose_origin.report_findings(doc, fmt, skip)
    return out
