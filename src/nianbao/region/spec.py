"""Where a region summary goes and how it runs: region slugs, output folders, the RunSpec.

Kept free of pandas and matplotlib so that a batch planner can name every summary cheaply.

Output folders need an ASCII name for a region and no pinyin converter is available offline, so
``region_slug`` decides it in this order: a name that already is a slug (the rule of agency ids)
is kept; otherwise the optional ``regions.csv`` of the data directory (columns ``region,slug``)
names it; otherwise it is ``r-`` and the first 10 hex digits of the SHA-256 of the UTF-8 name —
stable across machines and runs, and independent of which agencies the region holds.
"""

from __future__ import annotations

import csv
import hashlib
import io
from pathlib import Path

from nianbao.data.layout import REGIONS_FILE
from nianbao.errors import ParameterError, UnsafePathError
from nianbao.files import SLUG, check_id


def _problem(message: str) -> Exception:
    return ParameterError(message)


def _slug_map(data_dir: str | Path | None) -> dict[str, str]:
    """region → slug from ``<data_dir>/regions.csv`` (empty without the file)."""
    if data_dir is None:
        return {}
    path = Path(data_dir) / REGIONS_FILE
    if not path.exists():
        return {}
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _problem(f"{path} 不是 UTF-8 编码，请另存为 UTF-8") from None
    rows = list(csv.reader(io.StringIO(text)))
    if not rows or [c.strip() for c in rows[0][:2]] != ["region", "slug"]:
        raise _problem(f"{path} 的表头应为 region,slug")
    out: dict[str, str] = {}
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        region, slug = (row + ["", ""])[0].strip(), (row + ["", ""])[1].strip()
        try:
            check_id(slug, "区域目录名")
        except UnsafePathError as exc:
            raise _problem(f"{path} 第 {line} 行：{exc}") from None
        if slug in out.values() and out.get(region) != slug:
            raise _problem(f"{path} 第 {line} 行：区域目录名“{slug}”重复")
        out[region] = slug
    return out


def region_slug(region: str, data_dir: str | Path | None = None) -> str:
    """ASCII folder name of a region (see the module docstring for the rule)."""
    region = region.strip()
    if SLUG.fullmatch(region):
        return region
    mapped = _slug_map(data_dir).get(region)
    if mapped:
        return mapped
    return "r-" + hashlib.sha256(region.encode("utf-8")).hexdigest()[:10]
