"""Excel forms: the template's structure, and import of filled workbooks (openpyxl only)."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from formsdata import YEARS, address, data_files, fill, sample_copy, template
from nianbao.cli import main
from nianbao.data.dataset import load
from nianbao.formats.spec import format_for_year
from nianbao.forms.importer import import_forms, render
from nianbao.forms.intake import named_cells, parse_number
from nianbao.forms.layout import cell_name
from nianbao.paths import DATA_DIR
from strategies import consistent_report

REGION = "咸宁市咸安区"


@pytest.fixture(scope="module")
def form_2022(tmp_path_factory) -> Path:
    return template(tmp_path_factory.mktemp("f") / "2022.xlsx", 2022,
                    agencies=["fushan", "damu", "gaoqiao"])


def _stats(root: Path, year: int, agency: str) -> dict[str, str]:
    with open(root / "stats" / f"{year}.csv", encoding="utf-8") as fh:
        return {f"{r['table']}.{r['row']}.{r['col']}": r["value"] for r in csv.DictReader(fh)
                if r["agency_id"] == agency}


@pytest.mark.parametrize("year", YEARS)
def test_prefilled_template_imports_to_identical_data(tmp_path: Path, year: int):
    form = template(tmp_path / f"{year}.xlsx", year, region=REGION)
    report = import_forms([form], tmp_path / "data")
    assert report.ok and not report.errors
    assert len(report.imported) == 13
    assert data_files(tmp_path / "data", year) == data_files(DATA_DIR, year)
    assert (tmp_path / "data/agencies.csv").read_bytes() == (DATA_DIR / "agencies.csv").read_bytes()


def test_template_structure(form_2022: Path):
    wb = load_workbook(form_2022)
    assert wb.sheetnames == ["填报说明", "浮山街道", "大幕乡", "高桥镇"]
    ws = wb["浮山街道"]
    assert ws.protection.sheet and not ws.protection.password
    names = named_cells(wb, ws)
    fmt = format_for_year(2022)
    for ref in fmt.cell_refs():
        r, c = names[f"nb_{ref}"]
        assert ws.cell(r, c).protection.locked is False, ref
    assert set(ws.defined_names) >= {cell_name(r) for r in fmt.cell_refs()}
    r, c = names["nb_agency_id"]
    assert ws.cell(r, c).value == "fushan" and ws.cell(r, c).protection.locked is not False
    labels = {str(cell.value) for row in ws.iter_rows() for cell in row if cell.value}
    for table in fmt.tables:
        assert all(row.label in labels for row in table.rows if table.id != "t4")
    assert "（七）总计" in labels and "三、收到和处理政府信息公开申请情况" in labels
    rules = {(dv.type, dv.operator, dv.formula1) for dv in ws.data_validations.dataValidation}
    assert ("whole", "greaterThanOrEqual", "0") in rules
    assert ("decimal", "greaterThanOrEqual", "0") in rules
    count = next(dv for dv in ws.data_validations.dataValidation if dv.type == "whole")
    assert address(form_2022, "浮山街道", "t3.new.natural_person") in str(count.sqref)
    formulas = [c.value for row in ws.iter_rows() for c in row
                if isinstance(c.value, str) and c.value.startswith("=IF(")]
    assert len(formulas) == 7 + 25 + 3  # 本列 of 三, 本行 of 三, 总计 of 四
    assert len(ws.conditional_formatting) >= 3
    covered: list[tuple[int, int]] = [  # Excel repairs (drops) overlapping merged ranges
        (r, c) for rng in ws.merged_cells.ranges for r in range(rng.min_row, rng.max_row + 1)
        for c in range(rng.min_col, rng.max_col + 1)]
    assert len(covered) == len(set(covered)) and len(ws.merged_cells.ranges) > 50


def test_signed_column_of_2019_format_allows_negatives(tmp_path: Path):
    form = template(tmp_path / "2020.xlsx", 2020, agencies=["fushan"])
    ws = load_workbook(form)["浮山街道"]
    signed = [dv for dv in ws.data_validations.dataValidation if dv.operator == "between"
              and dv.type == "whole"]
    refs = [r for r in format_for_year(2020).cell_refs() if r.endswith(".items_change")]
    assert len(refs) == 5 and len(signed) == 1
    assert {address(form, "浮山街道", r) for r in refs} == set(str(signed[0].sqref).split())


def test_prefill_carries_last_years_carry_over(tmp_path: Path):
    form = template(tmp_path / "2024.xlsx", 2024, agencies=["fushan"])
    wb = load_workbook(form)
    ws = wb["浮山街道"]
    names = named_cells(wb, ws)
    prev = _stats(DATA_DIR, 2023, "fushan")
    for col in ("natural_person", "total"):
        r, c = names[f"nb_t3.carry_in.{col}"]
        assert ws.cell(r, c).value == int(prev[f"t3.carry_out.{col}"])
    r, c = names["nb_t3.new.natural_person"]
    assert ws.cell(r, c).value is None


@pytest.mark.parametrize(("entry", "expected"), [
    ("—", ""), ("－", ""), ("/", ""), ("无", ""), (None, ""), ("", ""), ("  ", ""),
    ("１２", "12"), ("7 ", "7"), (" 1,234", "1234"), ("5", "5"), (3.0, "3"), ("８件", "8"),
])
def test_real_world_entries(tmp_path: Path, form_2022: Path, entry, expected):
    filled = fill(form_2022, tmp_path / "filled.xlsx",
                  {"大幕乡": {"t3.res_open.org_other": entry}})
    report = import_forms([filled], tmp_path / "data")
    assert report.ok, report.errors
    assert _stats(tmp_path / "data", 2022, "damu")["t3.res_open.org_other"] == expected
    if expected == "":
        text = render(report, False)
        assert "已按空白导入" in text and "R6b_blank_cells" in text


@pytest.mark.parametrize(("entry", "problem"), [
    ("三件", "应为数字，实际为“三件”"), (-2, "不能为负数"), (1.5, "应为整数"), ("2.5", "应为整数"),
])
def test_bad_entry_names_workbook_sheet_cell_and_label(tmp_path: Path, form_2022: Path,
                                                       entry, problem):
    filled = fill(form_2022, tmp_path / "filled.xlsx",
                  {"大幕乡": {"t3.res_open.org_other": entry}})
    report = import_forms([filled], tmp_path / "data")
    where = address(form_2022, "大幕乡", "t3.res_open.org_other")
    assert len(report.errors) == 1
    message = report.errors[0]
    assert message.startswith(f"filled.xlsx：工作表“大幕乡”单元格 {where}（")
    assert format_for_year(2022).cell_label("t3.res_open.org_other") in message
    assert problem in message
    assert "damu" not in _agency_ids(tmp_path / "data")
    assert {"fushan", "gaoqiao"} <= _agency_ids(tmp_path / "data")


def _agency_ids(root: Path) -> set[str]:
    with open(root / "stats" / "2022.csv", encoding="utf-8") as fh:
        return {r["agency_id"] for r in csv.DictReader(fh)}


def test_one_bad_agency_among_good_ones_through_the_command(tmp_path: Path, form_2022: Path,
                                                            capsys):
    filled = fill(form_2022, tmp_path / "filled.xlsx",
                  {"高桥镇": {"t4.cases.rev_upheld": "不详", "nb_published": "下月"}})
    code = main(["import", str(filled), "--data", str(tmp_path / "data")])
    out = capsys.readouterr().out
    assert code == 1
    assert "工作表“高桥镇”" in out and "行政复议·结果维持" in out and "报告发布日期" in out
    assert _agency_ids(tmp_path / "data") == {"fushan", "damu"}
    assert not (tmp_path / "data/text/2022/gaoqiao.md").exists()
    assert "已导入 2 个单位年度" in out


def test_lost_defined_names_found_by_labels(tmp_path: Path, form_2022: Path):
    """A sheet copied cell by cell into a new workbook: no names, the same labels."""
    src = load_workbook(form_2022)["浮山街道"]
    wb = Workbook()
    ws = wb.active
    ws.title = "复制的表"
    for row in src.iter_rows():
        for cell in row:
            if cell.value is not None:
                ws.cell(cell.row, cell.column, cell.value)
    for rng in src.merged_cells.ranges:
        ws.merge_cells(str(rng))
    wb.save(tmp_path / "copied.xlsx")
    report = import_forms([tmp_path / "copied.xlsx"], tmp_path / "data")
    assert report.ok, report.errors
    assert report.forms[0].by_labels
    assert "已按表格行列标签定位单元格" in render(report, False)
    assert _stats(tmp_path / "data", 2022, "fushan") == _stats(DATA_DIR, 2022, "fushan")
    ds = load(tmp_path / "data", years=[2022])
    original = load(DATA_DIR, years=[2022], agencies=["fushan"])
    assert ds.texts[("fushan", 2022)].meta == original.texts[("fushan", 2022)].meta
    assert ds.texts[("fushan", 2022)].sections == original.texts[("fushan", 2022)].sections


def test_lost_names_error_still_gives_the_cell_address(tmp_path: Path, form_2022: Path):
    wb = load_workbook(form_2022)
    ws = wb["浮山街道"]
    names = named_cells(wb, ws)
    r, c = names["nb_t3.carry_out.total"]
    ws.cell(r, c).value = "x"
    for name in list(ws.defined_names):
        del ws.defined_names[name]
    wb.save(tmp_path / "nonames.xlsx")
    report = import_forms([tmp_path / "nonames.xlsx"], tmp_path / "data")
    assert any(f"单元格 {ws.cell(r, c).coordinate}（四、结转下年度继续办理·总计）" in e
               for e in report.errors)


def test_different_values_need_replace(tmp_path: Path, form_2022: Path, capsys):
    data = sample_copy(tmp_path / "data")
    before = (data / "stats/2022.csv").read_bytes()
    old = _stats(data, 2022, "fushan")["t3.new.natural_person"]
    filled = fill(form_2022, tmp_path / "filled.xlsx",
                  {"浮山街道": {"t3.new.natural_person": int(old) + 10}})
    assert main(["import", str(filled), "--data", str(data), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert f"{old} → {int(old) + 10}" in out and "将要写入" in out
    assert (data / "stats/2022.csv").read_bytes() == before
    assert main(["import", str(filled), "--data", str(data)]) == 1
    out = capsys.readouterr().out
    assert "--replace" in out and (data / "stats/2022.csv").read_bytes() == before
    main(["import", str(filled), "--data", str(data), "--replace"])
    out = capsys.readouterr().out
    assert _stats(data, 2022, "fushan")["t3.new.natural_person"] == str(int(old) + 10)
    assert "R1_t3_balance" in out  # the check ran on what was imported


@pytest.mark.parametrize("suffix", [".xls", ".et"])
def test_old_formats_get_a_save_as_message(tmp_path: Path, suffix, capsys):
    path = tmp_path / f"表{suffix}"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512)
    assert main(["import", str(path), "--data", str(tmp_path / "data")]) == 2
    out = capsys.readouterr().out
    assert f"表{suffix}" in out and "另存为" in out and ".xlsx" in out


def test_xls_content_with_xlsx_name(tmp_path: Path):
    path = tmp_path / "renamed.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512)
    report = import_forms([path], tmp_path / "data")
    assert "renamed.xlsx" in report.errors[0] and "另存为" in report.errors[0]


def test_template_command_rejects_unknown_agency(tmp_path: Path, capsys):
    code = main(["template", "--year", "2022", "--agency", "nobody", "--out",
                 str(tmp_path / "t.xlsx")])
    assert code == 2 and "nobody" in capsys.readouterr().err
    assert not (tmp_path / "t.xlsx").exists()


@pytest.mark.parametrize(("text", "value"), [("１２３", 123.0), ("1，000", 1000.0), ("—", None),
                                             ("0.50万元", 0.5)])
def test_parse_number(text, value):
    assert parse_number(text) == (value, None)


def test_registry_changed_since_the_form_was_sent_is_not_a_conflict(tmp_path: Path,
                                                                   form_2022: Path):
    data = sample_copy(tmp_path / "data")
    registry = (data / "agencies.csv").read_text("utf-8").replace(",浮山街道,", ",浮山街道办,")
    (data / "agencies.csv").write_text(registry, "utf-8")
    report = import_forms([form_2022], data)
    assert report.ok and all(not r.changes for _, r in report.results)
    assert (data / "agencies.csv").read_text("utf-8") == registry


@pytest.fixture(scope="module")
def empty_forms(tmp_path_factory) -> dict[int, Path]:
    root = tmp_path_factory.mktemp("empty")
    return {y: template(root / f"{y}.xlsx", y, agencies=["fushan"], prefill=False)
            for y in (2020, 2023)}


@settings(max_examples=5, deadline=None, phases=[Phase.explicit, Phase.generate],
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), year=st.sampled_from([2020, 2023]))
def test_protected_sheet_filled_in_its_unlocked_cells(tmp_path_factory, empty_forms, data, year):
    """An office fills every yellow cell of a protected, empty form: all of it comes back."""
    cells = data.draw(consistent_report(year))
    form = empty_forms[year]
    wb = load_workbook(form)
    ws = wb["浮山街道"]
    assert ws.protection.sheet
    names = named_cells(wb, ws)
    for ref, value in cells.items():
        r, c = names[f"nb_{ref}"]
        assert ws.cell(r, c).protection.locked is False
        ws.cell(r, c).value = value
    r, c = names["nb_published"]
    ws.cell(r, c).value = dt.date(year + 1, 1, 20)
    root = tmp_path_factory.mktemp("filled")
    wb.save(root / "filled.xlsx")
    report = import_forms([root / "filled.xlsx"], root / "data")
    assert report.ok, report.errors
    back = _stats(root / "data", year, "fushan")
    assert {ref: int(float(v.removesuffix("元"))) for ref, v in back.items()} == cells
    meta = load(root / "data", years=[year]).texts[("fushan", year)].meta
    assert meta["published"] == dt.date(year + 1, 1, 20)


def test_agency_id_that_is_not_a_slug_is_refused_for_that_sheet(tmp_path: Path,
                                                                form_2022: Path):
    wb = load_workbook(form_2022)
    ws = wb["大幕乡"]
    ws.protection.sheet = False
    r, c = named_cells(wb, ws)["nb_agency_id"]
    ws.cell(r, c).value = "../../etc"
    wb.save(tmp_path / "evil.xlsx")
    report = import_forms([tmp_path / "evil.xlsx"], tmp_path / "data")
    assert any("“../../etc”无效" in e for e in report.errors)
    assert _agency_ids(tmp_path / "data") == {"fushan", "gaoqiao"}
    assert not (tmp_path / "etc").exists() and not (tmp_path / "data/text/etc.md").exists()
