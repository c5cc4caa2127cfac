"""The Word report: built from the model, read back by python-docx and by LibreOffice.

Fast tests build every sample agency-year's .docx straight from the model (no notebook) and
read each official table back cell by cell, as the HTML tables are read back. Slow tests hand
the file to a second implementation, LibreOffice headless, and run the notebook build.
"""

from __future__ import annotations

import io
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from docx.oxml.ns import qn
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from nianbao.data.dataset import load
from nianbao.data.model import Agency, Report
from nianbao.export import ooxml
from nianbao.export.docx import report_docx, tables_docx
from nianbao.formats.spec import format_for_year
from nianbao.report.document import ReportDocument, prepare, validation_rows
from nianbao.report.tables import column_path, section_html
from nianbao.testing.docx_parse import open_docx, parse_docx_tables, read_docx_tables
from nianbao.testing.tables_parse import read_tables

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"


@pytest.fixture(scope="module")
def sample():
    return load(DATA)


def _sample_keys() -> list[tuple[str, int]]:
    ds = load(DATA)
    return sorted(ds.agency_years())


def _doc(ds, agency: str, year: int, profile: str = "review") -> ReportDocument:
    return prepare(agency, year, DATA, profile=profile, dataset=ds)


def _paragraphs(word, style_name: str) -> list[str]:
    return [p.text for p in word.paragraphs if p.style.name == style_name]


def _all_text(word) -> str:
    parts = [p.text for p in word.paragraphs]
    for table in word.tables:
        parts += [c.text for row in table.rows for c in row.cells]
    return "\n".join(parts)


# --- every sample report ---------------------------------------------------------------------


@pytest.mark.parametrize(("agency", "year"), _sample_keys())
def test_sample_report_reads_back(sample, agency: str, year: int) -> None:
    doc = _doc(sample, agency, year)
    data = report_docx(doc)
    word = open_docx(data)
    report = doc.report
    # every value cell of every official table, found by the labels around it
    assert parse_docx_tables(data) == {
        ref: float(report.value(ref)) for ref in report.format.cell_refs()}
    # title, the six numbered sections in order, the agency and date at the end
    assert _paragraphs(word, ooxml.AGENCY) == [report.agency.name]
    assert _paragraphs(word, ooxml.TITLE) == [f"{year}年政府信息公开工作年度报告"]
    headings = [h for h in _paragraphs(word, ooxml.H1) if h != "数据校验"]
    assert headings == [s.heading for s in report.format.sections]
    signature = _paragraphs(word, ooxml.SIGNATURE)
    assert signature == doc.signature() and signature[0] == report.agency.name
    # the narrative's sub-headings are second-level headings
    expected_h2 = re.findall(r"^###\s+(.+)$", "\n".join(report.prose.sections.values()),
                             re.M)
    assert _paragraphs(word, ooxml.H2) == [h.strip() for h in expected_h2]
    # charts as images, one per figure of the document
    assert len(word.inline_shapes) == len(doc.figures())


@pytest.mark.parametrize("section_id", ["s2", "s3", "s4"])
@pytest.mark.parametrize(("agency", "year"), [("fushan", 2020), ("fushan", 2022)])
def test_merged_cells_exactly_as_in_html(sample, agency, year, section_id) -> None:
    """The Word tables have the HTML tables' grid: same text in every slot, same merges."""
    doc = _doc(sample, agency, year)
    html_grids = [_grid_signature(t) for t in read_tables(section_html(doc.report, section_id))]
    word_grids = [_grid_signature(t) for t in read_docx_tables(report_docx(doc))]
    assert html_grids
    for grid in html_grids:
        assert grid in word_grids


def _table_texts(table) -> set[str]:
    return {c.text for g in table.groups for row in g.rows for c in row}


def _grid_signature(table) -> list[list[tuple[str, tuple[int, int]]]]:
    """Every slot of the grid as (text of the cell there, slot where that cell starts)."""
    grid = table.grid()
    return [[(c.text, grid.origin[c]) if c is not None else ("", (-1, -1)) for c in row]
            for row in grid.rows]


def test_table_three_header_and_result_groups(sample) -> None:
    doc = _doc(sample, "fushan", 2022)
    t3 = doc.report.format.table("t3")
    table = next(t for t in read_docx_tables(report_docx(doc))
                 if "申请人情况" in _table_texts(t))
    cells = {c.text: c for g in table.groups for row in g.rows for c in row}
    paths = {c.id: column_path(t3, c) for c in t3.columns}
    depth = max(len(p) for p in paths.values())
    assert cells["申请人情况"].colspan == sum("申请人情况" in p for p in paths.values()) == 7
    organisations = sum("法人或其他组织" in p for p in paths.values())
    assert cells["法人或其他组织"].colspan == organisations == 5
    assert cells["总计"].rowspan == depth - len(paths["total"]) + 1 == 2
    assert cells["自然人"].rowspan == 2 and cells["商业企业"].rowspan == 1
    for group in (r for r in t3.rows if not r.data):
        assert cells[group.label].rowspan == group.rowspan, group.id


def test_a_value_in_the_wrong_cell_reads_back_wrong(sample) -> None:
    """The reader places values by the grid, so it notices a value written elsewhere."""
    data = report_docx(_doc(sample, "fushan", 2022))
    word = open_docx(data)
    table = next(t for t in word.tables if "申请人情况" in {c.text for c in t.rows[0].cells})
    row = next(r for r in table.rows if r.cells[0].text.startswith("一、本年新收"))
    cell = row._tr.tc_lst[2]  # the label, 自然人, then 商业企业
    text = next(cell.iter(qn("w:t")))
    text.text = "987"
    buffer = io.BytesIO()
    word.save(buffer)
    values = parse_docx_tables(buffer.getvalue())
    assert values["t3.new.org_commercial"] == 987
    assert values != parse_docx_tables(data)


def test_a_broken_merge_is_noticed(sample) -> None:
    word = open_docx(report_docx(_doc(sample, "fushan", 2022)))
    row = next(r for t in word.tables for r in t.rows
               if any(c.text.startswith("2.其他法律行政法规") for c in r.cells))
    merged = next(tc for tc in row._tr.tc_lst if tc.vMerge == "continue")  # under （三）不予公开
    merged.tcPr.remove(merged.tcPr.find(qn("w:vMerge")))
    buffer = io.BytesIO()
    word.save(buffer)
    with pytest.raises(ValueError):
        parse_docx_tables(buffer.getvalue())


def _values(year: int) -> st.SearchStrategy[dict[str, float]]:
    fmt = format_for_year(year)

    def cell(ref: str) -> st.SearchStrategy[float]:
        table, _, col = ref.split(".")
        if fmt.table(table).column(col).type == "decimal":
            return st.integers(0, 10**10).map(lambda n: n / 100)
        return st.integers(-(10**9), 10**9)

    return st.fixed_dictionaries({ref: cell(ref) for ref in fmt.cell_refs()})


@pytest.mark.parametrize("year", [2020, 2023])
def test_random_values_round_trip(year: int) -> None:
    """Any values, signs and decimals included, read back from the Word tables as written."""
    agency = Agency("test", "测试市测试局", "测试局", "测试市", "department")

    @settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(values=_values(year))
    def check(values: dict[str, float]) -> None:
        report = Report(agency, year, values=values)
        assert parse_docx_tables(tables_docx(report)) == {k: float(v) for k, v in values.items()}

    check()


# --- house style, review section, determinism -----------------------------------------------


def _east_asia(style) -> str:
    return style.element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia"))


def test_official_fonts_page_and_page_numbers(sample) -> None:
    data = report_docx(_doc(sample, "fushan", 2022))
    word = open_docx(data)
    assert _east_asia(word.styles[ooxml.TITLE]) == "方正小标宋简体"
    assert _east_asia(word.styles[ooxml.BODY]) == "仿宋_GB2312"
    assert _east_asia(word.styles["Heading 1"]) == "黑体"
    assert _east_asia(word.styles["Heading 2"]) == "楷体_GB2312"
    assert word.styles[ooxml.BODY].font.size.pt == 16  # 三号
    assert word.styles[ooxml.TITLE].font.size.pt == 22  # 二号
    section = word.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert (round(section.top_margin.mm), round(section.left_margin.mm)) == (37, 28)
    footer = section.footer._element
    assert " PAGE " in [t.text for t in footer.iter(qn("w:instrText"))]
    fonts = zipfile.ZipFile(io.BytesIO(data)).read("word/fontTable.xml").decode("utf-8")
    for face, fallback in ooxml.FALLBACKS.items():
        assert re.search(f'w:name="{face}">\\s*<w:altName w:val="{fallback}"/>', fonts), face


def test_review_section_only_in_review_builds(sample) -> None:
    review = _doc(sample, "fushan", 2020)
    published = _doc(sample, "fushan", 2020, profile="publish")
    review_text = _all_text(open_docx(report_docx(review)))
    published_text = _all_text(open_docx(report_docx(published)))
    rows = validation_rows(review.report, review.findings)
    assert "数据校验" in review_text and "数据校验" not in published_text
    assert all(r.rule_id in review_text for r in rows)
    assert not any(r.rule_id in published_text for r in rows)
    table = next(t for t in open_docx(report_docx(review)).tables
                 if [c.text for c in t.rows[0].cells] == ["规则", "结果", "说明及涉及单元格"])
    assert len(table.rows) == len(rows) + 1
    rule, result, detail = (c.width for c in table.columns)
    assert detail > rule > result  # the explanations get the room


def test_same_inputs_give_the_same_bytes(sample) -> None:
    first = report_docx(_doc(sample, "wenquan", 2021))
    second = report_docx(_doc(sample, "wenquan", 2021))
    assert first == second
    archive = zipfile.ZipFile(io.BytesIO(first))
    assert {i.date_time for i in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    assert archive.namelist()[0] == "[Content_Types].xml"
    core = archive.read("docProps/core.xml").decode("utf-8")
    published = _doc(sample, "wenquan", 2021).report.prose.published
    assert f"{published.isoformat()}T00:00:00Z" in core


def test_docx_differs_when_a_number_changes(sample) -> None:
    doc = _doc(sample, "wenquan", 2021)
    before = report_docx(doc)
    doc.report.values["t3.new.natural_person"] = doc.report.value("t3.new.natural_person") + 1
    after = report_docx(doc)
    assert before != after
    assert parse_docx_tables(after)["t3.new.natural_person"] == \
        parse_docx_tables(before)["t3.new.natural_person"] + 1


# --- LibreOffice, the second reader ----------------------------------------------------------


def _pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


@pytest.mark.slow
@pytest.mark.parametrize(("agency", "year"), [("fushan", 2020), ("yongan", 2023)])
def test_libreoffice_reads_the_report(sample, agency: str, year: int) -> None:
    from nianbao.export.libreoffice import convert

    doc = _doc(sample, agency, year)
    pdf = convert(report_docx(doc), "pdf")
    text = _pdf_text(pdf)
    flat = re.sub(r"\s+", "", text)
    assert re.sub(r"\s+", "", doc.report.agency.name) in flat
    for section in doc.report.format.sections:
        assert re.sub(r"\s+", "", section.heading) in flat, section.heading
    t3 = doc.report.format.table("t3")
    totals = [int(doc.report.value(f"t3.res_total.{c.id}")) for c in t3.columns]
    label = t3.row("res_total").label
    assert re.search(re.escape(label) + r"\s+" + r"\s+".join(map(str, totals)), text), totals
    fonts = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            fonts.add(str(font.get_object()["/BaseFont"]))
    assert any("NotoSerifCJK" in f for f in fonts) and any("NotoSansCJK" in f for f in fonts)


@pytest.mark.slow
def test_build_report_writes_docx(tmp_path: Path) -> None:
    out = tmp_path / "build"
    done = subprocess.run(
        [sys.executable, str(ROOT / "build.py"), "report", "--agency", "guihua", "--year",
         "2021", "--out", str(out), "--formats", "docx"],
        capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    folder = out / "2021" / "guihua"
    assert sorted(p.name for p in folder.iterdir()) == ["report.docx", "report.ipynb"]
    data = (folder / "report.docx").read_bytes()
    ds = load(DATA)
    doc = _doc(ds, "guihua", 2021)
    assert data == report_docx(doc)  # the notebook's file is the model's file
    assert "vnd.nianbao.docx" not in (folder / "report.ipynb").read_text(encoding="utf-8")
