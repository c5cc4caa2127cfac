"""What a report depends on, hashed from the raw files: the one definition of a data slice.

The slice of an agency-year is: the agency's registry row; its statistics of this and every
earlier year (carry-over and the trend chart read them); its narrative files of those years and
of this year (the copied-text rule compares consecutive years); and ``deadlines.csv``. The slice
of a region-year is the slices of its member agencies for that year, the region's name and
``regions.csv``. Row order in the CSV files does not matter; nothing of another agency counts.

The report's provenance, the batch planner (whether a built report is up to date) and the region
summary all hash through this module, so that they agree by construction. It uses the standard
library only: the planner reads a thousand agency-years in a fraction of a second, and a single
report reads only its own agency's lines.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from nianbao.data.layout import (
    AGENCIES_FILE,
    AGENCY_COLUMNS,
    DEADLINES_FILE,
    REGIONS_FILE,
    STATS_COLUMNS,
    STATS_DIR,
    text_path,
)

SEP = "\x1f"
FEW = 8  # up to this many agencies, search their lines instead of parsing whole files


def _decode(raw: bytes, path: Path, problems: list[str]) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        problems.append(f"{path}: 不是 UTF-8 编码")
        return raw.decode("utf-8", "surrogateescape")


def _collect(records: Iterable[list[str]], year: int, only: set[str] | None,
             cells: dict[str, dict[int, list[str]]]) -> None:
    """Add the records of one stats file to ``cells`` as "table␟row␟col␟value" lines (fields
    stripped, blank records skipped, short ones padded). The planner's hot loop."""
    mine: dict[str, list[str]] = {}
    for record in records:
        if len(record) < 5:
            if not any(r.strip() for r in record):
                continue
            record = (record + [""] * 5)[:5]
        agency_id = record[0].strip()
        lines = mine.get(agency_id)
        if lines is None:
            if only is not None and agency_id not in only:
                continue
            lines = mine[agency_id] = cells.setdefault(agency_id, {}).setdefault(year, [])
        lines.append(SEP.join((record[1].strip(), record[2].strip(), record[3].strip(),
                               record[4].strip())))


def _header_ok(header: list[str] | None) -> bool:
    return tuple(h.strip() for h in (header or [])[:5]) == STATS_COLUMNS


def _own_lines(raw: bytes, agency_ids: set[str]) -> Iterable[str]:
    """The lines of a CSV file (without quoting) that mention one of ``agency_ids``, in file
    order: found with ``bytes.find`` instead of parsing every line of the file."""
    found: dict[int, int] = {}  # start → end of each line
    for agency_id in agency_ids:
        needle = agency_id.encode()
        at = raw.find(needle)
        while at >= 0:
            start = raw.rfind(b"\n", 0, at) + 1
            end = raw.find(b"\n", at)
            end = len(raw) if end < 0 else end
            if start:  # start 0 is the header
                found[start] = end
            at = raw.find(needle, end)
    for start in sorted(found):
        yield raw[start:found[start]].decode("utf-8", "surrogateescape")


def _sorted_body(path: Path) -> bytes:
    """A small CSV file with its data lines sorted (its row order means nothing)."""
    if not path.exists():
        return b""
    header, *body = path.read_bytes().splitlines()
    return b"\n".join([header, *sorted(line.rstrip() for line in body if line.strip())])


@dataclass
class RawData:
    """The registry and the raw cell lines of a data directory (or of some of its agencies)."""

    data_dir: Path
    agencies: dict[str, dict[str, str]]  # registry rows by agency_id, in file order
    cells: dict[str, dict[int, list[str]]]  # agency → year → "table␟row␟col␟value" lines
    problems: list[str] = field(default_factory=list)  # files that could not be read
    #: Statistics files with a problem, by year: that year's reports fail or are skipped,
    #: the other years are built.
    broken: dict[int, str] = field(default_factory=dict)
    _digests: dict[str, dict[int, str]] = field(default_factory=dict, repr=False)

    def years_of(self, agency_id: str) -> list[int]:
        return sorted(self.cells.get(agency_id, {}))

    def members(self, region: str) -> list[str]:
        """Agencies of a region, in registry order."""
        return [a for a, row in self.agencies.items() if row.get("region", "") == region.strip()]

    # -------------------------------------------------------------- digests

    @cached_property
    def _shared(self) -> bytes:
        return b"\n#deadlines\n" + _sorted_body(self.data_dir / DEADLINES_FILE)

    def _digest_years(self, agency_id: str, wanted: Iterable[int]) -> dict[int, str]:
        """Digests of the slices of ``agency_id`` for each wanted year, in one pass."""
        wanted = {int(y) for y in wanted}
        by_year = self.cells.get(agency_id, {})
        h = hashlib.sha256(b"agency\n")
        row = self.agencies.get(agency_id, {})
        h.update(SEP.join([agency_id, *(row.get(k, "") for k in AGENCY_COLUMNS[1:])]).encode())
        out: dict[int, str] = {}
        for year in sorted(wanted | {y for y in by_year if y <= max(wanted, default=0)}):
            if year in by_year:
                h.update(f"\n#stats {year}\n".encode())
                h.update("\n".join(sorted(by_year[year])).encode("utf-8", "surrogateescape"))
            text = text_path(self.data_dir, year, agency_id)
            if text.exists():
                h.update(f"\n#text {year}\n".encode())
                h.update(text.read_bytes())
            if year in wanted:
                snapshot = h.copy()
                snapshot.update(self._shared)
                out[year] = snapshot.hexdigest()
        return out

    def fingerprints(self, agency_id: str) -> dict[int, str]:
        """Digest of the slice of each year the agency has statistics for (cached)."""
        if agency_id not in self._digests:
            self._digests[agency_id] = self._digest_years(agency_id, self.years_of(agency_id))
        return self._digests[agency_id]

    def fingerprint(self, agency_id: str, year: int) -> str:
        """Digest of the slice of one agency-year."""
        year = int(year)
        known = self.fingerprints(agency_id).get(year)
        return known if known is not None else self._digest_years(agency_id, [year])[year]

    def region_fingerprint(self, region: str, year: int) -> str:
        """Digest of the slice of a region-year: its members' slices, its name, regions.csv."""
        region = region.strip()
        h = hashlib.sha256(f"region\n{region}\n".encode())
        h.update(_sorted_body(self.data_dir / REGIONS_FILE) + b"\n")
        for agency_id in sorted(self.members(region)):
            h.update(f"{agency_id}:{self.fingerprint(agency_id, year)}\n".encode())
        return h.hexdigest()


def _first_line(raw: bytes) -> str:
    end = raw.find(b"\n")
    return raw[: len(raw) if end < 0 else end].decode("utf-8-sig", "surrogateescape")


def read_registry(data_dir: Path, problems: list[str],
                  only: set[str] | None = None) -> dict[str, dict[str, str]]:
    """Registry rows by agency id (the first row of an id wins); with ``only``, those ids'."""
    agencies: dict[str, dict[str, str]] = {}
    registry = data_dir / AGENCIES_FILE
    if not registry.exists():
        problems.append(f"{registry}: 文件不存在")
        return agencies
    if not registry.is_file():
        problems.append(f"{registry}: 是目录，不是单位名录文件")
        return agencies
    raw = registry.read_bytes()
    if only is not None and len(only) <= FEW and b'"' not in raw:
        lines = [_first_line(raw), *_own_lines(raw, only)]
    else:
        lines = io.StringIO(_decode(raw, registry, problems))
    for row in csv.DictReader(lines):
        agency_id = (row.get("agency_id") or "").strip()
        if only is not None and agency_id not in only:
            continue
        if agency_id and agency_id not in agencies:
            agencies[agency_id] = {k: (row.get(k) or "").strip() for k in AGENCY_COLUMNS}
    return agencies


def read_raw(data_dir: Path | str, agency_ids: Iterable[str] | None = None,
             up_to: int | None = None) -> RawData:
    """Read the registry and the cell lines of every ``stats/<year>.csv`` of ``data_dir``;
    with ``agency_ids``, only those agencies' lines (a quick search, not a full parse); with
    ``up_to``, only the years up to that one (later ones are in no slice of it)."""
    data_dir = Path(data_dir)
    problems: list[str] = []
    only = None if agency_ids is None else {a.strip() for a in agency_ids}
    agencies = read_registry(data_dir, problems, only)
    cells: dict[str, dict[int, list[str]]] = {}
    broken: dict[int, str] = {}
    folder = data_dir / STATS_DIR
    for path in sorted(folder.glob("*.csv")) if folder.is_dir() else []:
        if not re.fullmatch(r"\d{4}", path.stem):
            continue
        year = int(path.stem)
        if up_to is not None and year > up_to:
            continue
        if not path.is_file():
            broken[year] = f"{path}: 不是文件"
            continue
        raw = path.read_bytes()
        if not raw.strip():
            broken[year] = f"{path}: 文件为空"
            continue
        if only is not None and len(only) <= FEW and b'"' not in raw:  # one record per line
            if not _header_ok(next(csv.reader([_first_line(raw)]), None)):
                broken[year] = f"{path}: 表头不正确"
                continue
            records = csv.reader(_own_lines(raw, only))
        else:
            year_problems: list[str] = []
            reader = csv.reader(io.StringIO(_decode(raw, path, year_problems)))
            if year_problems:
                broken[year] = year_problems[0]
            header = next(reader, None)
            if not _header_ok(header):
                broken[year] = f"{path}: 表头不正确"
                continue
            records = reader
        _collect(records, year, only, cells)
    return RawData(data_dir, agencies, cells, problems, broken)


def agency_fingerprint(data_dir: Path | str, agency_id: str, year: int) -> str:
    """Digest of the slice of one agency-year, reading only that agency's lines."""
    return read_raw(data_dir, [agency_id], up_to=int(year)).fingerprint(agency_id, year)


def region_fingerprint(data_dir: Path | str, region: str, year: int) -> str:
    """Digest of the slice of one region-year, reading only its members' lines."""
    data_dir = Path(data_dir)
    registry = read_registry(data_dir, [])
    members = [a for a, row in registry.items() if row.get("region", "") == region.strip()]
    return read_raw(data_dir, members, up_to=int(year)).region_fingerprint(region, year)
