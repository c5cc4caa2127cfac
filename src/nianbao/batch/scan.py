"""A fast read of a data directory for planning: the registry, who has data for which year, and a
content fingerprint of every run's data slice.

This is what lets a build that has nothing to do finish in well under a second for a thousand
agency-years: it uses the standard library only (no pandas, no validation) and hashes the raw
cell values. It is not a loader: reports and validation read the data with ``nianbao.data.dataset``.

The slice of one report is what ``report.provenance.data_fingerprint`` describes: the agency's
registry row, its statistics of this and every earlier year (carry-over and the trend chart read
them), its narratives of this and every earlier year (the copied-text rule compares consecutive
years) and ``deadlines.csv``. Row order in the CSV files does not matter.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

REGISTRY_FIELDS = ("agency_id", "name", "short_name", "region", "kind", "address", "phone",
                   "postcode", "email", "website")
SEP = "\x1f"


@dataclass
class DataScan:
    """What planning needs to know about a data directory."""

    data_dir: Path
    agencies: dict[str, dict[str, str]]  # registry rows by agency_id, in file order
    cells: dict[str, dict[int, list[str]]]  # agency → year → "table␟row␟col␟value" lines
    problems: list[str] = field(default_factory=list)  # files that could not be read
    #: Statistics files with a problem, by year: that year's reports fail or are skipped,
    #: the other years are built.
    broken: dict[int, str] = field(default_factory=dict)

    # -------------------------------------------------------------- questions

    def years(self) -> list[int]:
        return sorted({y for by_year in self.cells.values() for y in by_year})

    def years_of(self, agency_id: str) -> list[int]:
        return sorted(self.cells.get(agency_id, {}))

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

    # -------------------------------------------------------------- fingerprints

    @cached_property
    def _shared(self) -> bytes:
        path = self.data_dir / "deadlines.csv"
        return path.read_bytes() if path.exists() else b""

    def fingerprints(self, agency_id: str) -> dict[int, str]:
        """SHA-256 of the data slice of each year's report of one agency (cached)."""
        cached = self._cache.get(agency_id)
        if cached is not None:
            return cached
        h = hashlib.sha256()
        row = self.agencies.get(agency_id, {})
        h.update(SEP.join([agency_id, *(row.get(k, "") for k in REGISTRY_FIELDS[1:])]).encode())
        out: dict[int, str] = {}
        by_year = self.cells.get(agency_id, {})
        text_root = self.data_dir / "text"
        for year in sorted(by_year):
            h.update(f"\n#stats {year}\n".encode())
            h.update("\n".join(sorted(by_year[year])).encode("utf-8", "surrogateescape"))
            text = text_root / str(year) / f"{agency_id}.md"
            h.update(f"\n#text {year}\n".encode())
            if text.exists():
                h.update(text.read_bytes())
            snapshot = h.copy()
            snapshot.update(b"\n#deadlines\n" + self._shared)
            out[year] = snapshot.hexdigest()
        self._cache[agency_id] = out
        return out

    def fingerprint(self, agency_id: str, year: int) -> str:
        """The data fingerprint of one report ('' when the agency has no data that year)."""
        return self.fingerprints(agency_id).get(int(year), "")

    def region_fingerprint(self, agency_ids: list[str], year: int) -> str:
        """Fingerprint of a region summary: every member's slice up to ``year``."""
        h = hashlib.sha256()
        for agency_id in sorted(agency_ids):
            years = [y for y in self.years_of(agency_id) if y <= int(year)]
            h.update(f"{agency_id}:{self.fingerprint(agency_id, years[-1]) if years else ''}\n"
                     .encode())
        return h.hexdigest()

    @cached_property
    def _cache(self) -> dict[str, dict[int, str]]:
        return {}


def _read_text(path: Path, problems: list[str]) -> str | None:
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        problems.append(f"{path}: 不是 UTF-8 编码")
        return raw.decode("utf-8", "surrogateescape")


def scan(data_dir: Path | str) -> DataScan:
    """Read ``agencies.csv`` and every ``stats/<year>.csv`` of ``data_dir``."""
    data_dir = Path(data_dir)
    problems: list[str] = []
    agencies: dict[str, dict[str, str]] = {}
    registry = data_dir / "agencies.csv"
    if registry.exists() and not registry.is_file():
        problems.append(f"{registry}: 是目录，不是单位名录文件")
    elif registry.exists():
        text = _read_text(registry, problems) or ""
        for row in csv.DictReader(io.StringIO(text)):
            agency_id = (row.get("agency_id") or "").strip()
            if agency_id and agency_id not in agencies:
                agencies[agency_id] = {k: (row.get(k) or "").strip() for k in REGISTRY_FIELDS}
    else:
        problems.append(f"{registry}: 文件不存在")
    cells: dict[str, dict[int, list[str]]] = {}
    broken: dict[int, str] = {}
    folder = data_dir / "stats"
    for path in sorted(folder.glob("*.csv")) if folder.is_dir() else []:
        if not re.fullmatch(r"\d{4}", path.stem):
            continue
        year = int(path.stem)
        if not path.is_file():
            broken[year] = f"{path}: 不是文件"
            continue
        year_problems: list[str] = []
        text = _read_text(path, year_problems)
        if year_problems:
            broken[year] = year_problems[0]
        reader = csv.reader(io.StringIO(text))
        header = next(reader, None)
        if not header or [h.strip() for h in header[:5]] != ["agency_id", "table", "row", "col",
                                                              "value"]:
            broken[year] = f"{path}: 表头不正确" if header else f"{path}: 文件为空"
            continue
        for record in reader:
            if len(record) < 5:
                if any(r.strip() for r in record):
                    record = (record + [""] * 5)[:5]
                else:
                    continue
            agency_id = record[0].strip()
            cells.setdefault(agency_id, {}).setdefault(year, []).append(
                SEP.join(v.strip() for v in record[1:5]))
    return DataScan(data_dir, agencies, cells, problems, broken)
