"""The typed model of one agency-year, as the notebooks and renderers see it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from nianbao.formats.spec import ReportFormat, format_for_year


@dataclass(frozen=True)
class Agency:
    """One row of ``data/agencies.csv``."""

    agency_id: str
    name: str
    short_name: str
    region: str
    kind: str
    address: str = ""
    phone: str = ""
    postcode: str = ""
    email: str = ""
    website: str = ""


@dataclass(frozen=True)
class Prose:
    """The agency's own text, ``data/text/<year>/<agency_id>.md``: front matter and sections.

    (``narrative`` names the sentences the package generates; ``Prose`` is what the agency wrote.)

    ``sections`` maps a section id (s1, s5, s6) to its Markdown body (sub-headings kept).
    """

    meta: dict = field(default_factory=dict)
    sections: dict[str, str] = field(default_factory=dict)
    path: str = ""

    @property
    def published(self) -> dt.date | None:
        value = self.meta.get("published")
        return value if isinstance(value, dt.date) else None


@dataclass(frozen=True)
class Report:
    """All facts of one agency-year: its cell values, its prose and last year's report.

    ``values`` holds every cell of the format (``table.row.col`` → number); cells that were
    blank in the data are 0 there and listed in ``blank_cells``; derived totals are filled in.
    """

    agency: Agency
    year: int
    values: dict[str, float]
    blank_cells: frozenset[str] = frozenset()
    units: dict[str, str] = field(default_factory=dict)
    prose: Prose = field(default_factory=Prose)
    prev: Report | None = None

    @property
    def format(self) -> ReportFormat:
        return format_for_year(self.year)

    def value(self, ref: str) -> float:
        """The value of ``table.row.col`` (0 for a blank or absent cell)."""
        return self.values.get(ref, 0)

    def count(self, ref: str) -> int:
        return int(round(self.value(ref)))

    def derived(self, name: str) -> float:
        """A derived quantity of the format (``answered``, ``deny``, ``reviews`` …)."""
        from nianbao.data.quantities import derived_quantity

        return derived_quantity(self, name)
