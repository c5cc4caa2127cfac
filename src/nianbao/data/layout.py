"""The layout of a data directory: file names and the columns of its CSV files, defined once.

Standard library only, so that the batch planner and the fingerprints can name files without
importing pandas.
"""

from __future__ import annotations

from pathlib import Path

from nianbao.files import SLUG  # noqa: F401  (agency ids and region folder names)

AGENCIES_FILE = "agencies.csv"
STATS_DIR = "stats"  # stats/<year>.csv
TEXT_DIR = "text"  # text/<year>/<agency_id>.md
DEADLINES_FILE = "deadlines.csv"  # optional: region,kind,deadline
REGIONS_FILE = "regions.csv"  # optional: region,slug

AGENCY_COLUMNS = (
    "agency_id", "name", "short_name", "region", "kind",
    "address", "phone", "postcode", "email", "website",
)  # fmt: skip
STATS_COLUMNS = ("agency_id", "table", "row", "col", "value")
# Inputs stated in a narrative's front matter (section 六), named ``s6.<key>`` in rules.
FEE_KEYS = ("fee_notices_issued", "fee_notices_amount_yuan", "fee_collected_yuan")
INPUT_REFS = tuple(f"s6.{k}" for k in FEE_KEYS)


def stats_path(data_dir: str | Path, year: int) -> Path:
    return Path(data_dir) / STATS_DIR / f"{int(year)}.csv"


def text_path(data_dir: str | Path, year: int, agency_id: str) -> Path:
    return Path(data_dir) / TEXT_DIR / str(int(year)) / f"{agency_id}.md"
