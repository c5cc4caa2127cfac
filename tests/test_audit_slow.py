"""Audit through real Chromium: our reports printed to PDF and read back; the reviewer pages."""

from __future__ import annotations

import io

import pytest

from nianbao.audit.pages import write_pages
from nianbao.audit.run import audit
from nianbao.ingest.read import read_report
from prose_corpus import SHARED
from roundtrip_support import report_html, synthetic_dataset


@pytest.mark.slow
@pytest.mark.parametrize("ruled", [True, False], ids=["ruled-tables", "no-ruling-lines"])
def test_pdf_round_trip_reads_every_cell(browser, tmp_path, ruled):
    ds = synthetic_dataset(tmp_path, 2, [2020, 2021, 2022], seed=3)
    page = browser.new_page()
    for agency, year in ds.agency_years():
        html = report_html(ds, agency, year)
        if not ruled:  # without the table style: no lines, cells only by word positions
            html = html.replace("class='nianbao-official'", "class='plain'")
        page.set_content(html)
        pdf = tmp_path / f"{agency}-{year}.pdf"
        pdf.write_bytes(page.pdf(format="A4"))
        want = ds.report(agency, year)
        got = read_report(pdf)
        assert (got.agency, got.year) == (want.agency.name, year)
        for ref, cell in got.cells.items():
            expected = None if ref in want.blank_cells else want.values[ref]
            assert cell.value == expected, (pdf.name, ref, cell)
            assert cell.location.page >= 1
    page.close()


@pytest.mark.slow
def test_reviewer_pages_in_chromium(browser, tmp_path):
    ds = synthetic_dataset(tmp_path, 3, [2021, 2022], seed=5)
    paths = []
    for agency, year in ds.agency_years():
        html = report_html(ds, agency, year)
        if not paths:  # break one table so that a cell is flagged
            marker = 'data-cell="t3.new.total">'
            k = html.index(marker) + len(marker)
            end = html.index("<", k)
            html = html[:k] + str(int(html[k:end]) + 3) + html[end:]
        path = tmp_path / f"{agency}-{year}.html"
        path.write_text(html, encoding="utf-8")
        paths.append(path)
    result = audit(paths)
    index = write_pages(result, tmp_path / "audit")
    page = browser.new_page()
    problems = []
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto(index.as_uri())
    assert page.locator("#reports tbody tr").count() == len(paths)
    page.fill("#filter", str(result.audited[0].report.agency))
    assert page.locator("#reports tbody tr:visible").count() == 2
    page.fill("#filter", "")
    page.check("#only-errors")
    assert page.locator("#reports tbody tr:visible").count() == 1
    page.uncheck("#only-errors")
    page.click("#reports th:nth-child(4)")
    page.click("#reports th:nth-child(4)")
    first = page.locator("#reports tbody tr td:nth-child(4)").first.inner_text()
    assert first.strip() != "0"
    page.locator("#reports tbody tr:visible a").first.click()
    flagged = page.locator('td.flagged[data-cell="t3.new.total"]')
    assert flagged.count() == 1
    assert "第" in flagged.get_attribute("title")  # where it was read (table, row, column)
    link = page.locator('li.finding[data-severity="error"] a[href="#cell-t3.new.total"]').first
    link.click()
    assert page.evaluate("location.hash") == "#cell-t3.new.total"
    assert problems == []
    page.close()


def test_docx_with_merged_cells_is_read(tmp_path):
    import docx

    d = docx.Document()
    d.add_paragraph("测试街道办事处2022年政府信息公开工作年度报告")
    for no, title in (("一", "总体情况"), ("二", "主动公开政府信息情况")):
        d.add_paragraph(f"{no}、{title}")
        d.add_paragraph("本年度工作正常开展。")
    d.add_paragraph("三、收到和处理政府信息公开申请情况")
    from nianbao.formats.spec import load_format
    fmt = load_format("F2021")
    t3 = fmt.table("t3")
    rows = t3.data_rows
    table = d.add_table(rows=len(rows) + 1, cols=3 + len(t3.columns))
    values = {}
    for i, row in enumerate(rows, start=1):
        cells = table.rows[i].cells
        cells[2].text = row.label
        nums = [i % 3, 0, 0, 0, 0, 0]
        for j, v in enumerate([*nums, sum(nums)]):
            cells[3 + j].text = str(v)
            values[f"t3.{row.id}.{t3.columns[j].id}"] = v
    table.cell(3, 0).text = "三、本年度办理结果"
    table.cell(3, 0).merge(table.cell(6, 0))  # a group label spanning rows
    table.cell(1, 0).merge(table.cell(1, 2))  # a label spanning the three label columns
    d.add_paragraph("四、政府信息公开行政复议、行政诉讼情况")
    d.add_paragraph("五、存在的主要问题及改进情况")
    d.add_paragraph("六、其他需要报告的事项")
    buf = io.BytesIO()
    d.save(buf)
    path = tmp_path / "report.docx"
    path.write_bytes(buf.getvalue())
    got = read_report(path)
    assert (got.agency, got.year, got.format_id) == ("测试街道办事处", 2022, "F2021")
    for ref, v in values.items():
        assert got.cells[ref].value == v, ref
    assert got.cells["t3.new.total"].location.table == 1


@pytest.mark.slow
@pytest.mark.parametrize(("page", "target"), [
    ("pingtan-2022.html", "docx"), ("shuyang-fgj-2023.html", "docx"),
    ("pingtan-2022.html", "pdf"),
])
def test_real_pages_converted_by_libreoffice_read_the_same(tmp_path, page, target):
    import shutil
    import subprocess

    corpus = SHARED / "corpus" / "html"
    if not (corpus / page).exists() or not shutil.which("soffice"):
        pytest.skip("no corpus or no LibreOffice")
    shutil.copy(corpus / page, tmp_path / page)
    docx = tmp_path / page.replace(".html", ".docx")
    subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path}/lo", "--headless",
                    "--convert-to", "docx:MS Word 2007 XML", "--outdir", str(tmp_path),
                    str(tmp_path / page)], check=True, capture_output=True, timeout=240)
    source = docx
    if target == "pdf":
        subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path}/lo", "--headless",
                        "--convert-to", "pdf", "--outdir", str(tmp_path), str(docx)],
                       check=True, capture_output=True, timeout=240)
        source = docx.with_suffix(".pdf")
    got, want = read_report(source), read_report(corpus / page)
    assert got.rendered.kind == target
    assert (got.agency, got.year) == (want.agency, want.year)
    assert got.values() == want.values()
