"""Helpers for the form tests: write a template, fill cells by cell id, compare data dirs."""

from __future__ import annotations

import shutil
from pathlib import Path

from openpyxl import load_workbook

from nianbao.forms.intake import named_cells
from nianbao.forms.template import write_template
from nianbao.paths import DATA_DIR

YEARS = (2020, 2021, 2022, 2023)


def sample_copy(root: Path) -> Path:
    shutil.copytree(DATA_DIR, root, ignore=shutil.ignore_patterns("README.md"))
    return root


def template(path: Path, year: int, agencies=(), region: str | None = None,
             prefill: bool = True, data_dir: Path = DATA_DIR) -> Path:
    write_template(path, year, agencies=list(agencies), region=region, data_dir=data_dir,
                   prefill=prefill)
    return path


def fill(src: Path, dst: Path, values: dict[str, dict[str, object]]) -> Path:
    """Copy a workbook, setting ``values[sheet][cell id or nb_ name] = value``."""
    wb = load_workbook(src)
    for sheet, cells in values.items():
        ws = wb[sheet]
        names = named_cells(wb, ws)
        for key, value in cells.items():
            r, c = names[key if key.startswith("nb_") else f"nb_{key}"]
            ws.cell(r, c).value = value
    wb.save(dst)
    return dst


def address(path: Path, sheet: str, ref: str) -> str:
    wb = load_workbook(path)
    r, c = named_cells(wb, wb[sheet])[f"nb_{ref}"]
    return wb[sheet].cell(r, c).coordinate


def data_files(root: Path, year: int) -> dict[str, bytes]:
    """The stats file and the narrative files of one year."""
    files = {"stats": (root / "stats" / f"{year}.csv").read_bytes()}
    for p in sorted((root / "text" / str(year)).glob("*.md")):
        files[p.name] = p.read_bytes()
    return files
