"""Synthetic data directories for the region, explore and export tests, with known defects.

``synth_dir`` writes consistent data with ``testing.synth``; the helpers then plant exactly the
problems a test wants to find (an agency without data, a missing narrative, a late publication,
a broken carry-over, an unbalanced table) by editing the written files.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

from nianbao.testing import synth

REGION = synth.DEFAULT_REGION
OTHER_REGION = "测试市样例县"


def synth_dir(root: Path, n: int = 12, years=range(2019, 2023), seed: int = 0,
              other: int = 0) -> Path:
    """``n`` agencies of REGION (and ``other`` more of OTHER_REGION) for ``years``."""
    agencies = synth.make_agencies(n + other, REGION, seed)
    if other:
        agencies.loc[agencies.index[-other:], "region"] = OTHER_REGION
    synth.write(synth.generate_for(agencies, years, seed), root)
    return Path(root)


def agency_ids(root: Path, region: str = REGION) -> list[str]:
    with open(Path(root) / "agencies.csv", encoding="utf-8") as fh:
        return [r["agency_id"] for r in csv.DictReader(fh) if r["region"] == region]


def short_name(root: Path, agency: str) -> str:
    with open(Path(root) / "agencies.csv", encoding="utf-8") as fh:
        return next(r["short_name"] for r in csv.DictReader(fh) if r["agency_id"] == agency)


def _rows(root: Path, year: int) -> list[list[str]]:
    with open(Path(root) / "stats" / f"{year}.csv", encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def _write_rows(root: Path, year: int, rows: list[list[str]]) -> None:
    with open(Path(root) / "stats" / f"{year}.csv", "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)


def cell(root: Path, year: int, agency: str, ref: str) -> str:
    table, row, col = ref.split(".")
    for r in _rows(root, year):
        if r[:4] == [agency, table, row, col]:
            return r[4]
    raise KeyError(ref)


def set_cells(root: Path, year: int, agency: str, values: dict[str, str]) -> None:
    """Overwrite cells of one agency-year (values as written in the CSV, '' for blank)."""
    rows = _rows(root, year)
    for r in rows[1:]:
        ref = ".".join(r[1:4])
        if r[0] == agency and ref in values:
            r[4] = values[ref]
    _write_rows(root, year, rows)


def add_to_cells(root: Path, year: int, agency: str, deltas: dict[str, int]) -> None:
    set_cells(root, year, agency,
              {ref: str(int(cell(root, year, agency, ref)) + d) for ref, d in deltas.items()})


def drop_agency_year(root: Path, year: int, agency: str) -> None:
    """The agency reported nothing for the year: no statistics, no narrative."""
    rows = _rows(root, year)
    _write_rows(root, year, [r for r in rows if r[0] != agency])
    (Path(root) / "text" / str(year) / f"{agency}.md").unlink()


def drop_narrative(root: Path, year: int, agency: str) -> None:
    (Path(root) / "text" / str(year) / f"{agency}.md").unlink()


def set_published(root: Path, year: int, agency: str, date: str) -> None:
    path = Path(root) / "text" / str(year) / f"{agency}.md"
    text = re.sub(r"^published: .*$", f"published: {date}", path.read_text("utf-8"),
                  count=1, flags=re.M)
    path.write_text(text, encoding="utf-8")


def break_carry_over(root: Path, year: int, agency: str, n: int = 2) -> None:
    """Raise 上年结转 (natural persons) by ``n`` and answer ``n`` more, so that the table stays
    balanced (R1–R3 hold) but no longer continues last year's carry-out (R5 fails)."""
    add_to_cells(root, year, agency, {
        "t3.carry_in.natural_person": n, "t3.carry_in.total": n,
        "t3.res_open.natural_person": n, "t3.res_open.total": n,
        "t3.res_total.natural_person": n, "t3.res_total.total": n,
    })


def unbalance(root: Path, year: int, agency: str) -> None:
    """One more new application from a natural person, nowhere answered: R1 fails."""
    add_to_cells(root, year, agency, {"t3.new.natural_person": 1, "t3.new.total": 1})


def carry_forward(root: Path, year: int, agency: str, n: int) -> None:
    """``n`` more new applications left open at the end of ``year`` and answered the year
    after: every rule still holds, and the agency now carries ``n`` more forward."""
    add_to_cells(root, year, agency, {
        "t3.new.natural_person": n, "t3.new.total": n,
        "t3.carry_out.natural_person": n, "t3.carry_out.total": n,
    })
    break_carry_over(root, year + 1, agency, n)
