"""The report notebook end to end: papermill, nbconvert, Chromium; HTML and PDF against the data."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from pypdf import PdfReader

from datadir import agency_row, write_dataset, zero_report
from nianbao.data.dataset import load
from nianbao.errors import ParameterError, ReportBlocked
from nianbao.paths import DATA_DIR, PROJECT_ROOT
from nianbao.report import narrative
from nianbao.report.document import prepare
from nianbao.run.execute import run_report
from nianbao.run.targets import report_spec
from nianbao.testing import synth
from nianbao.testing.tables_parse import parse_official_table

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def f2021_data(tmp_path_factory) -> Path:
    """Synthetic agencies with two F2021 years, so carry-over and trend are exercised."""
    root = tmp_path_factory.mktemp("f2021")
    synth.write(synth.generate(3, [2021, 2022], seed=7), root)
    return root


def _busiest(data_dir: Path, year: int) -> str:
    ds = load(data_dir)
    return max((a for a, y in ds.agency_years() if y == year),
               key=lambda a: ds.report(a, year).value("t3.new.total"))


@pytest.fixture(scope="module")
def built(tmp_path_factory, f2021_data):
    """The seed agency (F2019) and a synthetic F2021 agency-year, each as HTML and PDF."""
    out = tmp_path_factory.mktemp("out")
    agency = _busiest(f2021_data, 2022)
    cases = {"seed": ("fushan", 2020, DATA_DIR), "f2021": (agency, 2022, f2021_data)}
    results = {}
    for name, (agency_id, year, data) in cases.items():
        result = run_report(report_spec(agency_id, year, data, out))
        assert result.ok, result.reason
        results[name] = (agency_id, year, Path(data), result)
    return results


@pytest.mark.parametrize("case", ["seed", "f2021"])
def test_html_tables_match_the_data(built, case):
    agency_id, year, data, result = built[case]
    html = Path(result.outputs["html"]).read_text("utf-8")
    report = load(data).report(agency_id, year)
    parsed = parse_official_table(html)
    expected = {ref: report.value(ref) for ref in report.format.cell_refs()}
    assert parsed == expected
    headings = re.findall(r"<h2[^>]*>(.*?)</h2>", html)
    assert headings[:6] == [s.heading for s in report.format.sections]
    assert narrative.section3_paragraph(report) in html
    assert narrative.section4_paragraph(report) in html
    assert report.agency.name in html and f"{year}年政府信息公开工作年度报告" in html


def test_f2021_report_states_fees_and_trend(built):
    agency_id, year, data, result = built["f2021"]
    html = Path(result.outputs["html"]).read_text("utf-8")
    report = load(data).report(agency_id, year)
    assert narrative.fee_sentence(report) in html
    assert "图2 历年政府信息公开申请收到和办结情况" in html
    assert html.count('src="data:image/png;base64,') >= 2


def test_review_profile_lists_every_rule(built):
    _, _, _, result = built["seed"]
    html = Path(result.outputs["html"]).read_text("utf-8")
    section = html[html.index("数据校验"):]
    for rule in ("R1_t3_balance", "R6b_blank_cells", "R_other_agency_name", "R5_carry_over"):
        assert rule in section
    assert section.index("R6b_blank_cells") < section.index("R1_t3_balance")  # problems first
    assert "R7_not_a_rule" not in html


def test_provenance_in_metadata_and_html(built):
    _, _, _, result = built["seed"]
    nb = nbformat.read(result.outputs["ipynb"], as_version=4)
    meta = nb.metadata["nianbao"]
    assert re.fullmatch(r"[0-9a-f]{64}", meta["provenance"]["data_sha256"])
    assert meta["running_header"] == "咸宁市咸安区人民政府浮山街道办事处"
    assert meta["warnings"] == 3 and meta["errors"] == 0
    html = Path(result.outputs["html"]).read_text("utf-8")
    assert meta["provenance"]["data_sha256"] in html and "nianbao provenance" in html
    assert "papermill" in nb.metadata  # papermill's own record of the parameters
    assert nb.metadata["papermill"]["parameters"]["agency_id"] == "fushan"


@pytest.mark.parametrize("case", ["seed", "f2021"])
def test_pdf_is_a4_with_page_numbers_fonts_and_values(built, case):
    agency_id, year, data, result = built[case]
    reader = PdfReader(result.outputs["pdf"])
    report = load(data).report(agency_id, year)
    text = "\n".join(page.extract_text() for page in reader.pages)
    for page in reader.pages:
        assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (595, 842)
    assert f"第 1 页 共 {len(reader.pages)} 页" in text
    assert report.agency.name in text
    assert str(report.count("t3.new.total")) in text
    if case == "seed":
        assert "9547" in text and "2249470.45元" in text
    fonts = set()
    for page in reader.pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            font = font.get_object()
            descendants = font.get("/DescendantFonts")
            target = descendants[0].get_object() if descendants else font
            descriptor = target.get("/FontDescriptor")
            if descriptor is not None:
                descriptor = descriptor.get_object()
                embedded = any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
                fonts.add((str(target.get("/BaseFont")), embedded))
    assert fonts and all(embedded for _, embedded in fonts), fonts
    assert any("SerifSC" in name for name, _ in fonts)  # the CJK body face, embedded


def test_html_in_chromium_offline_and_screenshot(built, tmp_path):
    from nianbao.render.chromium import ChromiumBrowser

    _, _, _, result = built["seed"]
    html = Path(result.outputs["html"]).read_text("utf-8")
    shot = tmp_path / "first-page.png"

    def visit(browser):
        page = browser.new_page(viewport={"width": 900, "height": 1270})
        requests, errors = [], []
        page.on("request", lambda r: requests.append(r.url))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("requestfailed", lambda r: errors.append(f"failed: {r.url}"))
        page.set_content(html, wait_until="load")
        page.screenshot(path=str(shot))
        title = page.title()
        page.close()
        return requests, errors, title

    with ChromiumBrowser(embed_fonts=False) as browser:
        requests, errors, title = browser.run(visit)
    assert [u for u in requests if not u.startswith(("data:", "about:"))] == []
    assert errors == []
    assert "浮山街道办事处" in title
    assert shot.stat().st_size > 20_000


def test_same_report_twice_is_byte_identical(built, tmp_path):
    agency_id, year, data, result = built["f2021"]
    again = run_report(report_spec(agency_id, year, data, tmp_path, kinds=("html",)))
    assert again.ok, again.reason
    assert Path(again.outputs["html"]).read_bytes() == Path(result.outputs["html"]).read_bytes()


def _data_with_error(root: Path) -> Path:
    cells = zero_report(2022)
    cells["t3.new.total"] = 2  # R3: 总计 without applicants
    return write_dataset(root, [agency_row("a1", "甲街道")], {2022: {"a1": cells}})


def test_publish_refuses_a_report_with_errors(tmp_path):
    data = _data_with_error(tmp_path / "data")
    with pytest.raises(ReportBlocked, match="R3_t3_row_total"):
        prepare("a1", 2022, data, profile="publish")
    blocked = run_report(report_spec("a1", 2022, data, tmp_path / "out", kinds=("html",),
                                     profile="publish"))
    assert not blocked.ok and "R3_t3_row_total" in blocked.reason and "校验错误" in blocked.reason
    assert not (tmp_path / "out/2022/a1/report.html").exists()
    allowed = run_report(report_spec("a1", 2022, data, tmp_path / "out2", kinds=("html",),
                                     profile="publish", allow_errors=True))
    assert allowed.ok, allowed.reason
    html = Path(allowed.outputs["html"]).read_text("utf-8")
    assert "数据校验" not in html and "甲街道" in html


@pytest.mark.parametrize(("agency", "year", "needle"), [
    ("nobody", 2020, "不在单位名录"),
    ("fushan", 2019, "没有 2019 年度的统计数据"),
])
def test_parameters_checked_against_the_data(agency, year, needle):
    with pytest.raises(ParameterError, match=needle):
        prepare(agency, year, DATA_DIR)
    cli = subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "build.py"), "report", "--agency", agency,
         "--year", str(year), "--formats", "html"],
        capture_output=True, text=True, timeout=120,
    )
    assert cli.returncode == 2 and needle in cli.stderr and "Traceback" not in cli.stderr


def test_notebook_is_committed_clean_and_thin():
    nb = nbformat.read(PROJECT_ROOT / "notebooks/report.ipynb", as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code)
    params = [c for c in code if "parameters" in c.metadata.get("tags", [])]
    assert len(params) == 1
    for name in ("agency_id: str", "year: int", "data_dir: str", "profile: str"):
        assert name in params[0].source
    body = "\n".join(c.source for c in code if c is not params[0])
    assert not re.search(r"\bfor\b|\bdef\b|\d{2,}|\bif\b", body)  # calls and display only


def test_pdf_bytes_are_a_pdf(built):
    data = Path(built["seed"][3].outputs["pdf"]).read_bytes()
    assert data.startswith(b"%PDF") and PdfReader(io.BytesIO(data)).pages
