"""Forms through LibreOffice headless: saved by another program, recalculated, read back."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from openpyxl import load_workbook

from formsdata import YEARS, data_files, fill, template
from nianbao.formats.spec import format_for_year
from nianbao.forms.importer import import_forms
from nianbao.forms.intake import named_cells
from nianbao.forms.layout import CHECK_BAD, CHECK_OK, ROW_BAD
from nianbao.paths import DATA_DIR
from nianbao.testing.office import available, resave_xlsx

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not available(), reason="LibreOffice (soffice) is not installed")]


@pytest.mark.parametrize("year", YEARS)
def test_round_trip_through_libreoffice(tmp_path: Path, year: int):
    form = template(tmp_path / "form.xlsx", year, region="咸宁市咸安区")
    resaved = resave_xlsx(form, tmp_path / "lo")
    assert resaved.read_bytes() != form.read_bytes()
    report = import_forms([resaved], tmp_path / "data")
    assert report.ok, report.errors
    assert not any(f.by_labels for f in report.forms)  # the names survived LibreOffice
    assert data_files(tmp_path / "data", year) == data_files(DATA_DIR, year)


def _flags(path: Path, sheet: str) -> dict[str, str]:
    """Every live check's computed text, by check name (``check_col.t3.total`` …)."""
    wb = load_workbook(path, data_only=True)
    ws = wb[sheet]
    return {name[3:]: ws.cell(*pos).value for name, pos in named_cells(wb, ws).items()
            if name.startswith("nb_check_")}


def test_live_checks_flag_unbalanced_columns_and_rows(tmp_path: Path):
    form = template(tmp_path / "form.xlsx", 2022, agencies=["fushan", "damu"])
    filled = fill(form, tmp_path / "filled.xlsx", {
        "大幕乡": {"t3.new.natural_person": 50, "t3.res_open.natural_person": "—",
                  "t4.cases.rev_upheld": 3},
        "浮山街道": {"t3.res_deny_state_secret.org_other": "无"},
    })
    good = _flags(resave_xlsx(form, tmp_path / "lo-form"), "浮山街道")
    assert len(good) == 7 + 25 + 3
    assert {v for k, v in good.items() if k.startswith("check_col")} == {CHECK_OK}
    assert {v for k, v in good.items() if k.startswith("check_row")} == {None}

    out = resave_xlsx(filled, tmp_path / "lo")
    flags = _flags(out, "大幕乡")
    bad = {k for k, v in flags.items() if v in (CHECK_BAD, ROW_BAD)}
    assert bad == {
        "check_col.t3.natural_person",  # 自然人: 一+二 ≠ 三+四, and 予以公开 went blank
        "check_row.t3.new", "check_row.t3.res_open",  # rows whose 总计 ≠ sum of parts
        "check_col.t4.rev_total",  # 行政复议 总计 ≠ its parts
    }
    assert flags["check_col.t3.total"] == CHECK_OK  # its totals were left as they were
    assert flags["check_col.t4.lit_direct_total"] == CHECK_OK
    assert {v for k, v in _flags(out, "浮山街道").items()
            if k.startswith("check_col")} == {CHECK_OK}  # "无" counts as nothing


def test_formula_cell_imports_its_value_and_protection_survives(tmp_path: Path):
    form = template(tmp_path / "form.xlsx", 2023, agencies=["fushan"])
    filled = fill(form, tmp_path / "filled.xlsx",
                  {"浮山街道": {"t3.res_deny_state_secret.org_other": "=2+3",
                               "t2_8.admin_fee.fee_amount": "=1/8"}})
    out = resave_xlsx(filled, tmp_path / "lo")
    ws = load_workbook(out)["浮山街道"]
    assert ws.protection.sheet
    report = import_forms([out], tmp_path / "data")
    assert report.ok, report.errors
    with open(tmp_path / "data/stats/2023.csv", encoding="utf-8") as fh:
        rows = {f"{r['table']}.{r['row']}.{r['col']}": r["value"] for r in csv.DictReader(fh)}
    assert rows["t3.res_deny_state_secret.org_other"] == "5"
    assert rows["t2_8.admin_fee.fee_amount"] == "0.125"
    assert format_for_year(2023).id == "F2021"
