"""The audit command: round trip of our own reports, bad input, JSON, safe pages."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from nianbao.audit.pages import write_pages
from nianbao.audit.run import audit
from nianbao.ingest.read import read_report
from prose_corpus import SHARED
from roundtrip_support import report_html, synthetic_dataset

ROOT = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("NIANBAO_CORPUS", SHARED / "corpus"))


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("rt")
    ds = synthetic_dataset(tmp, 36, range(2019, 2025))  # 216 agency-years, both formats
    files = {}
    for agency, year in ds.agency_years():
        path = tmp / "html" / f"{agency}-{year}.html"
        path.parent.mkdir(exist_ok=True)
        path.write_text(report_html(ds, agency, year), encoding="utf-8")
        files[path] = (agency, year)
    return ds, files


def test_round_trip_of_our_html_reports_reads_every_cell(synthetic):
    ds, files = synthetic
    assert len(files) >= 200
    assert {ds.report(*k).format.id for k in files.values()} == {"F2019", "F2021"}
    for path, (agency, year) in files.items():
        want = ds.report(agency, year)
        got = read_report(path)
        assert (got.agency, got.year, got.format_id) == (want.agency.name, year, want.format.id)
        for ref, cell in got.cells.items():
            expected = None if ref in want.blank_cells else want.values[ref]
            assert cell.value == expected, (path.name, ref, cell)


def test_round_trip_audit_finds_no_error_and_no_prose_mismatch(synthetic):
    _ds, files = synthetic
    result = audit(sorted(files), jobs=2)
    assert result.exit_code == 0 and len(result.audited) == len(files)
    for a in result.audited:
        bad = [f.message for f in a.findings
               if f.severity in ("error", "uncertain") or f.rule == "R10_prose_vs_table"]
        assert bad == [], a.report.file


def test_a_broken_table_is_an_error_and_exit_1(synthetic, tmp_path):
    _ds, files = synthetic
    path, (agency, year) = sorted(files.items())[0]
    html = path.read_text(encoding="utf-8")
    marker = 'data-cell="t3.new.total">'
    k = html.index(marker) + len(marker)
    end = html.index("<", k)
    bad = tmp_path / "bad.html"
    bad.write_text(html[:k] + str(int(html[k:end]) + 5) + html[end:], encoding="utf-8")
    result = audit([bad])
    rules = {f.rule for f in result.audited[0].findings if f.severity == "error"}
    assert "R3_t3_row_total" in rules and result.exit_code == 1


def _scanned_pdf(path: Path) -> None:
    from PIL import Image
    Image.new("RGB", (600, 800), "white").save(path, "PDF")


def _big_scan(path: Path) -> None:
    """A large PDF of noisy page images, like a scanned report (tens of MB)."""
    import numpy as np
    from PIL import Image
    rng = np.random.default_rng(0)
    pages = [Image.fromarray(rng.integers(0, 255, (2400, 1700, 3), dtype=np.uint8))
             for _ in range(4)]
    pages[0].save(path, save_all=True, append_images=pages[1:], quality=95)
    assert path.stat().st_size > 15 * 1024 * 1024


def _encrypted_pdf(path: Path) -> None:
    from pypdf import PdfReader, PdfWriter
    writer = PdfWriter()
    for page in PdfReader(CORPUS / "pdf" / "02_淮安市洪泽区人民政府_2024.pdf").pages:
        writer.add_page(page)
    writer.encrypt("secret")
    with path.open("wb") as fh:
        writer.write(fh)


@pytest.mark.skipif(not CORPUS.exists(), reason="no corpus")
def test_bad_inputs_get_a_clear_message_and_the_others_are_still_audited(tmp_path):
    good = tmp_path / "good.html"
    good.write_bytes((CORPUS / "html" / "pingtan-2021.html").read_bytes())
    _scanned_pdf(tmp_path / "scan.pdf")
    _encrypted_pdf(tmp_path / "locked.pdf")
    pdf = (CORPUS / "pdf" / "02_淮安市洪泽区人民政府_2024.pdf").read_bytes()
    (tmp_path / "cut.pdf").write_bytes(pdf[: len(pdf) // 3])
    (tmp_path / "notes.txt").write_text("会议纪要\n今天讨论了食堂的菜单。\n", encoding="utf-8")
    (tmp_path / "empty.docx").write_bytes(b"")
    line = "政府信息公开工作年度报告的正文。\n".encode()
    (tmp_path / "huge.txt").write_bytes(line * (50 * 1024 * 1024 // len(line)))
    _big_scan(tmp_path / "big-scan.pdf")
    result = audit([tmp_path])
    messages = dict(result.unreadable)
    assert [a.report.agency for a in result.audited] == ["平潭综合实验区"]
    assert result.exit_code == 2
    assert "没有文字层" in messages[str(tmp_path / "scan.pdf")]
    assert "未进行文字识别" in messages[str(tmp_path / "scan.pdf")]
    assert "加密" in messages[str(tmp_path / "locked.pdf")]
    assert "损坏或不完整" in messages[str(tmp_path / "cut.pdf")]
    assert "不是政府信息公开工作年度报告" in messages[str(tmp_path / "notes.txt")]
    assert "文件为空" in messages[str(tmp_path / "empty.docx")]
    assert "文件过大" in messages[str(tmp_path / "huge.txt")]
    assert "没有文字层" in messages[str(tmp_path / "big-scan.pdf")]
    for name, message in messages.items():
        assert message.startswith(name)


def test_gbk_page_with_scripts_is_read_and_nothing_unescaped_reaches_our_pages(synthetic,
                                                                               tmp_path):
    ds, files = synthetic
    path = sorted(files)[-1]
    html = path.read_text(encoding="utf-8").replace("<meta charset='utf-8'>",
                                                    '<meta charset="gb2312">')
    evil = "<script>alert('x')</script><img src=x onerror=alert(1)>"
    html = html.replace("<body>", "<body>" + evil)
    html = html.replace("</h2>", "</h2><p>“<b>注入</b>”<script>bad()</script></p>", 1)
    page = tmp_path / "gbk.htm"
    page.write_bytes(html.encode("gb18030"))
    result = audit([page])
    report = result.audited[0].report
    assert report.agency == ds.report(*files[path]).agency.name  # from the GBK title
    assert report.cells["t3.new.total"].value is not None
    out = write_pages(result, tmp_path / "audit")
    written = "".join(p.read_text(encoding="utf-8") for p in out.parent.glob("report-*.html"))
    assert "<script" not in written and "onerror=alert" not in written
    assert "alert(" not in report.rendered.text


def test_cli_json_is_the_only_output_on_stdout(tmp_path):
    source = CORPUS / "text" / "07_平潭综合实验区_2021.txt"
    if not source.exists():
        pytest.skip("no corpus")
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    proc = subprocess.run(
        [sys.executable, str(ROOT / "build.py"), "audit", str(source), str(tmp_path / "nope.pdf"),
         "--json", "--out", str(tmp_path)], capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 2, proc.stderr
    data = json.loads(proc.stdout)
    (report,) = data["reports"]
    assert report["agency"] == "平潭综合实验区" and report["year"] == 2021
    assert report["format"] == "F2021" and report["cells"]["t3.new.total"] == 70
    assert report["cells"]["t2_1.normative_doc.issued"] is None  # in doubt: no guess
    assert {f["severity"] for f in report["findings"]} <= {"error", "warning", "uncertain"}
    assert all(set(f) >= {"rule", "severity", "cells", "expected", "actual", "message", "quote"}
               for f in report["findings"])
    assert data["unreadable"][0]["file"].endswith("nope.pdf")
    assert (tmp_path / "audit" / "index.html").is_file()


def test_to_data_writes_what_report_renders_and_never_overwrites_silently(synthetic, tmp_path):
    from nianbao.audit.to_data import to_data
    from nianbao.data.dataset import load

    ds, files = synthetic
    path, (agency, year) = sorted(files.items())[7]
    want = ds.report(agency, year)
    data = tmp_path / "data"
    (done,) = to_data(audit([path]).audited, data, agency_id="imported")
    assert done.result.written and not done.result.conflicts, done.message
    new = load(data)
    assert not [f for f in new.findings if f.severity == "error"]
    got = new.report("imported", year)
    assert got.agency.name == want.agency.name
    assert {k: v for k, v in got.values.items() if k not in got.blank_cells} == {
        k: v for k, v in want.values.items() if k not in want.blank_cells}
    assert got.prose.published == want.prose.published
    assert got.prose.sections["s5"].strip()
    # our HTML of the imported data reads back the same cells (re-rendered in our layout)
    again = tmp_path / "again.html"
    again.write_text(report_html(new, "imported", year), encoding="utf-8")
    assert read_report(again).values() == read_report(path).values()
    # a different value is not overwritten without replace; the change table says what differs
    html = path.read_text(encoding="utf-8")
    marker = 'data-cell="t4.cases.rev_upheld">'
    k = html.index(marker) + len(marker)
    end = html.index("<", k)
    changed = tmp_path / "changed.html"
    changed.write_text(html[:k] + str(int(html[k:end]) + 1) + html[end:], encoding="utf-8")
    before = (data / "stats" / f"{year}.csv").read_bytes()
    (refused,) = to_data(audit([changed]).audited, data, agency_id="imported")
    assert refused.result.conflicts and not refused.result.written
    assert "未写入" in refused.message and "rev_upheld" not in refused.message
    assert "结果维持" in refused.message
    assert (data / "stats" / f"{year}.csv").read_bytes() == before
    (forced,) = to_data(audit([changed]).audited, data, agency_id="imported", replace=True)
    assert forced.result.written
    assert load(data).report("imported", year).values["t4.cases.rev_upheld"] == \
        want.values["t4.cases.rev_upheld"] + 1


def test_a_table_of_the_other_format_is_a_finding_not_a_crash(synthetic, tmp_path):
    ds, files = synthetic
    path, (agency, year) = next((p, k) for p, k in sorted(files.items()) if k[1] == 2022)
    html = path.read_text(encoding="utf-8").replace("2022年", "2020年")
    moved = tmp_path / "moved.html"
    moved.write_text(html, encoding="utf-8")
    report = read_report(moved)
    assert report.year == 2020 and report.format_id == "F2021"
    (finding,) = [f for f in report.findings if f.rule == "ingest_format_mismatch"]
    assert finding.severity == "warning" and finding.expected == "F2019"
    assert report.cells["t3.res_other_no_fee.total"].value == \
        ds.report(agency, year).values["t3.res_other_no_fee.total"]


def test_cli_to_data_writes_the_data_files(tmp_path):
    source = CORPUS / "html" / "pingtan-2021.html"
    if not source.exists():
        pytest.skip("no corpus")
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    data = tmp_path / "data"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "build.py"), "audit", str(source), "--out", str(tmp_path),
         "--to-data", str(data), "--agency-id", "pingtan"],
        capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "已写入" in proc.stderr
    assert "pingtan,平潭综合实验区" in (data / "agencies.csv").read_text(encoding="utf-8")
    stats = (data / "stats" / "2021.csv").read_text(encoding="utf-8")
    assert "pingtan,t3,new,total,70" in stats
    text = (data / "text" / "2021" / "pingtan.md").read_text(encoding="utf-8")
    assert text.startswith("---\n") and "published: 2022-02-08" in text
    assert "## 总体情况" in text and "fee_collected_yuan: 0" in text
