"""The consolidated workbook: round trip, layout, findings, regions, atomic writing, CLI."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import numpy as np
import openpyxl
import pandas as pd
import pytest

import regiondata as rd
from datadir import agency_row, write_dataset, zero_report
from nianbao.data.dataset import load
from nianbao.errors import ParameterError
from nianbao.export.workbook import (
    AGENCY_SHEET,
    FINDINGS_SHEET,
    INFO_SHEET,
    export_workbook,
    sheet_name,
    table_headers,
)
from nianbao.formats.spec import format_for_year
from nianbao.paths import PROJECT_ROOT
from nianbao.region.checks import check_region_year


@pytest.fixture(scope="module", params=[2020, 2022], ids=["F2019", "F2021"])
def exported(request, tmp_path_factory):
    """A workbook of one year of a region with blanks, units, a missing agency and findings."""
    year = request.param
    root = rd.synth_dir(tmp_path_factory.mktemp(f"wb{year}"), n=9, years=[year - 1, year],
                        other=2)
    ids = rd.agency_ids(root)
    rd.drop_agency_year(root, year, ids[0])
    rd.unbalance(root, year, ids[1])
    rd.set_cells(root, year, ids[2], {"t3.res_total.total": "", "t4.cases.rev_other": ""})
    if year == 2020:
        rd.set_cells(root, year, ids[3], {"t2_9.central_procurement.procurement_amount":
                                          "12.5万元"})
    path = tmp_path_factory.mktemp("out") / "汇总.xlsx"
    result = export_workbook(path, year, root, region=rd.REGION)
    return year, root, ids, path, result


def test_every_number_reads_back(exported):
    year, root, ids, path, result = exported
    ds = load(root, years=[year])
    fmt = format_for_year(year)
    reported = [a for a in ids if ds.has(a, year)]
    for table in fmt.tables:
        frame = pd.read_excel(path, sheet_name=sheet_name(fmt, table), header=[0, 1],
                              index_col=0)
        assert list(frame.index) == reported
        for ref, top, bottom in table_headers(fmt, table):
            column = frame[(top, bottom)]
            for agency in reported:
                want = ds.values[ds.row_index[(agency, year)], ds.ref_index[ref]]
                got = column[agency]
                assert got == pytest.approx(want) or (np.isnan(want) and np.isnan(got)), (
                    ref, agency)
        names = frame[("单位名称", frame.columns[0][1])]
        assert names[reported[0]] == ds.agencies.loc[reported[0], "name"]


def test_headers_are_official_labels_with_merged_groups(exported):
    year, root, ids, path, result = exported
    fmt = format_for_year(year)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == [INFO_SHEET, AGENCY_SHEET,
                             *(sheet_name(fmt, t) for t in fmt.tables), FINDINGS_SHEET]
    assert all(len(name) <= 31 for name in wb.sheetnames)
    t3 = wb[sheet_name(fmt, fmt.table("t3"))]
    assert t3["E1"].value == "一、本年新收政府信息公开申请数量"
    orgs = [f"法人或其他组织·{x}" for x in ("商业企业", "科研机构", "社会公益组织", "法律服务机构",
                                          "其他")]
    assert [t3.cell(2, 5 + j).value for j in range(7)] == ["自然人", *orgs, "总计"]
    merged = {str(r) for r in t3.merged_cells.ranges}
    assert {"A1:A2", "B1:B2", "E1:K1"} <= merged
    assert t3.cell(1, 5 + 7 * 4).value == "三、本年度办理结果·（三）不予公开·1.属于国家秘密"
    assert t3.freeze_panes == "C3"
    assert t3.column_dimensions["B"].width > 10
    t4 = wb[sheet_name(fmt, fmt.table("t4"))]
    assert [t4.cell(1, c).value for c in (5, 10, 15)] == [
        "行政复议", "行政诉讼·未经复议直接起诉", "行政诉讼·复议后起诉"]
    assert {"E1:I1", "J1:N1", "O1:S1"} <= {str(r) for r in t4.merged_cells.ranges}
    assert t4.cell(2, 9).value == "总计"
    for ws in wb.worksheets:  # numbers only: no formulas anywhere
        for row in ws.iter_rows():
            assert not any(isinstance(c.value, str) and c.value.startswith("=") for c in row)


def test_marks_units_and_findings(exported):
    year, root, ids, path, result = exported
    fmt = format_for_year(year)
    ds = load(root, years=[year])
    wb = openpyxl.load_workbook(path)
    t3 = wb[sheet_name(fmt, fmt.table("t3"))]
    row = 3 + [a for a in ids if ds.has(a, year)].index(ids[2])
    refs = [ref for ref, _, _ in table_headers(fmt, fmt.table("t3"))]
    derived = t3.cell(row, 5 + refs.index("t3.res_total.total"))
    assert derived.font.i and derived.fill.fgColor.rgb.endswith("DDEBF7")
    t4 = wb[sheet_name(fmt, fmt.table("t4"))]
    blank = t4.cell(row, 5 + 2)  # rev_other, blank in the data → 0, shaded
    assert blank.value == 0 and blank.fill.fgColor.rgb.endswith("FFF2CC")
    if year == 2020:
        t29 = wb[sheet_name(fmt, fmt.table("t2_9"))]
        amount = t29.cell(3 + [a for a in ids if ds.has(a, year)].index(ids[3]), 6)
        assert amount.value == 12.5 and amount.number_format == 'General"万元"'
    findings = check_region_year(ds, ids, year)
    sheet = pd.read_excel(path, sheet_name=FINDINGS_SHEET)
    assert len(sheet) == len(findings) == result.findings
    assert set(sheet["规则"]) == {f.rule for f in findings}
    r1 = sheet[sheet["规则"] == "R1_t3_balance"]
    assert set(r1["单位标识"]) == {ids[1]} and set(r1["级别"]) == {"错误"}
    assert set(r1["规则名称"]) == {"表三各列勾稽关系"}
    agencies = pd.read_excel(path, sheet_name=AGENCY_SHEET).set_index("单位标识")
    assert list(agencies.index) == ids  # the region only, in registry order
    assert agencies.loc[ids[0], "统计数据"] == "未报送"
    assert agencies.loc[ids[1], "错误"] == 2
    info = pd.read_excel(path, sheet_name=INFO_SHEET, header=None)
    assert str(year) in str(info.iloc[0, 0]) and rd.REGION in str(info.iloc[0, 0])


def test_the_file_is_well_formed_for_spreadsheet_programs(exported):
    year, root, ids, path, result = exported
    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is None
        names = archive.namelist()
        assert "[Content_Types].xml" in names and "xl/workbook.xml" in names
        for name in names:
            if name.endswith((".xml", ".rels")):
                ElementTree.fromstring(archive.read(name))
    assert not list(path.parent.glob(".*.tmp"))  # written atomically, nothing left behind


def test_all_regions_and_failures_leave_the_old_file(tmp_path):
    root = rd.synth_dir(tmp_path / "data", n=3, years=[2021], other=2)
    path = tmp_path / "all.xlsx"
    result = export_workbook(path, 2021, root)
    assert result.scope == "各区域" and result.agencies == 5
    regions = pd.read_excel(path, sheet_name=AGENCY_SHEET)["所属区域"]
    assert set(regions) == {rd.REGION, rd.OTHER_REGION}
    before = path.read_bytes()
    with pytest.raises(ParameterError, match="已有区域"):
        export_workbook(path, 2021, root, region="无此区")
    with pytest.raises(ParameterError, match="stats/2020.csv"):
        export_workbook(path, 2020, root)
    assert path.read_bytes() == before


def test_a_region_without_any_finding(tmp_path):
    regs = [agency_row("a1", "甲街道", region="某区")]
    root = write_dataset(tmp_path / "d", regs, {2022: {"a1": zero_report(2022)}})
    result = export_workbook(tmp_path / "x.xlsx", 2022, root, region="某区")
    assert result.findings == 0 and result.reported == 1
    assert pd.read_excel(tmp_path / "x.xlsx", sheet_name=FINDINGS_SHEET).empty


@pytest.mark.slow
def test_build_export_command(tmp_path):
    root = rd.synth_dir(tmp_path / "data", n=3, years=[2021])
    out = tmp_path / "out" / "book.xlsx"
    cmd = [sys.executable, str(PROJECT_ROOT / "build.py"), "export", "--year", "2021",
           "--region", rd.REGION, "--data", str(root), "--xlsx", str(out)]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert out.exists() and f"xlsx: {out}" in done.stdout
    bad = subprocess.run(cmd[:4] + ["2000"] + cmd[5:], capture_output=True, text=True,
                         timeout=300)
    assert bad.returncode == 2 and "不能导出" in bad.stderr
    assert Path(out).stat().st_size > 0
