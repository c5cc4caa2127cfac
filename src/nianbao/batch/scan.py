"""A fast read of a data directory for planning: the registry, who has data for which year, and
the fingerprint of every run's data slice.

This is what lets a build that has nothing to do finish in well under a second for a thousand
agency-years: it reads the raw files with the standard library (no pandas, no validation). The
reading and the slice a report depends on are defined once, in ``nianbao.data.fingerprint``;
reports and validation read the data with ``nianbao.data.dataset``.
"""

from __future__ import annotations

from pathlib import Path

from nianbao.data.fingerprint import RawData, read_raw


class DataScan(RawData):
    """What planning needs to know about a data directory."""

    def years(self) -> list[int]:
        return sorted({y for by_year in self.cells.values() for y in by_year})

    def has(self, agency_id: str, year: int) -> bool:
        return int(year) in self.cells.get(agency_id, {})

    def regions(self) -> dict[str, list[str]]:
        """Agencies of each region, in registry order."""
        out: dict[str, list[str]] = {}
        for agency_id, row in self.agencies.items():
            out.setdefault(row.get("region", ""), []).append(agency_id)
        return out

    def name(self, agency_id: str) -> str:
        row = self.agencies.get(agency_id, {})
        return row.get("name") or agency_id

    def short_name(self, agency_id: str) -> str:
        row = self.agencies.get(agency_id, {})
        return row.get("short_name") or row.get("name") or agency_id


def scan(data_dir: Path | str) -> DataScan:
    """Read ``agencies.csv`` and every ``stats/<year>.csv`` of ``data_dir``."""
    raw = read_raw(data_dir)
    return DataScan(raw.data_dir, raw.agencies, raw.cells, raw.problems, raw.broken)
