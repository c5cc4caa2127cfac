"""Reading real published reports (../shared/corpus): hand-checked cells, findings, doubts."""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path

import pytest

from nianbao.audit.run import audit
from nianbao.ingest.read import read_report
from prose_corpus import SHARED

CORPUS = Path(os.environ.get("NIANBAO_CORPUS", SHARED / "corpus"))
pytestmark = pytest.mark.skipif(not (CORPUS / "INDEX.csv").exists(), reason="no corpus")

# The hand check of this report wrote 0 for rows whose 法人 cells the source leaves blank
# (INDEX.csv: "法人 columns left BLANK (not 0)"); the reader keeps them blank (null).
SOURCE_BLANK = {"text/15_沭阳县发展和改革局_2023.txt", "html/shuyang-fgj-2023.html"}


def hand_checked() -> list[tuple[str, int, str, dict]]:
    data = json.loads((CORPUS / "table3_table4.json").read_text(encoding="utf-8"))
    return [(f, r["year"], r["format"], r["cells"]) for r in data["reports"] for f in r["files"]]


@cache
def read(name: str):
    return read_report(CORPUS / name)


@pytest.mark.parametrize(("name", "year", "format_id", "cells"), hand_checked(),
                         ids=[h[0] for h in hand_checked()])
def test_every_hand_checked_cell_is_read_back(name, year, format_id, cells):
    report = read(name)
    assert report.year == year and report.format_id == format_id
    assert report.agency
    for ref, expected in cells.items():
        got = report.cells[ref]
        if expected == 0 and got.value is None and name in SOURCE_BLANK:
            assert got.method == "direct" and got.raw == "", ref  # a blank cell of the source
            continue
        assert got.value == expected, (ref, got)
        assert got.location is not None, ref


def test_complete_consistent_reports_have_no_error():
    result = audit([CORPUS / "html", CORPUS / "text", CORPUS / "pdf"])
    assert not result.unreadable
    for a in result.audited:
        errors = [f.message for f in a.findings if f.severity == "error"]
        assert errors == [], (a.report.file, errors)


def test_run_together_table_four_is_split_by_its_sums():
    report = read("text/07_平潭综合实验区_2021.txt")
    t4 = [report.cells[f"t4.cases.{c}"] for c in
          ("rev_upheld", "rev_corrected", "rev_other", "rev_pending", "rev_total",
           "lit_direct_upheld", "lit_direct_total", "lit_after_rev_total")]
    assert [c.value for c in t4] == [1, 0, 2, 0, 3, 12, 12, 0]
    assert {c.method for c in t4} == {"sums"}


def test_an_unsplittable_run_is_uncertain_with_the_true_reading_among_candidates():
    text = read("text/07_平潭综合实验区_2021.txt")
    page = read("html/pingtan-2021.html")  # the same report with cell boundaries
    doubts = [f for f in text.findings if f.rule == "ingest_ambiguous_split"]
    assert doubts and all(f.severity == "uncertain" for f in doubts)
    ref = "t2_1.normative_doc.in_force"
    assert ref in doubts[0].cells
    assert text.cells[ref].value is None and text.cells[ref].method == "ambiguous"
    assert page.cells[ref].value in text.cells[ref].candidates
    assert page.cells[ref].method == "direct"


def test_cross_year_rules_use_the_previous_year_in_the_same_run():
    result = audit([CORPUS / "html" / "pingtan-2021.html", CORPUS / "html" / "pingtan-2022.html"])
    by_year = {a.report.year: a for a in result.audited}
    # 2021 现行有效 665 + 制发 88 - 废止 55 = 698 = 2022 现行有效: R8 holds, R5 holds
    rules = {f.rule for f in by_year[2022].findings}
    assert "R8_in_force_continuity_F2021" not in rules and "R5_carry_over_continuity" not in rules
    assert by_year[2022].report.cells["t3.carry_in.total"].value == 1


def test_fee_rule_fires_on_a_real_report():
    report = [a for a in audit([CORPUS / "html" / "pingtan-2025.html"]).audited][0]
    r9 = [f for f in report.findings if f.rule == "R9_fee_consistency"]
    assert r9 and r9[0].severity == "warning"
    assert report.report.fees.notices_issued == 0


def test_pdf_cells_remember_page_and_box():
    report = read("pdf/02_淮安市洪泽区人民政府_2024.pdf")
    loc = report.cells["t3.new.total"].location
    assert loc.page == 3 and loc.bbox is not None
    assert report.cells["t4.cases.lit_after_rev_total"].location.page == 4
    assert report.agency == "淮安市洪泽区人民政府"


SEED = Path(os.environ.get("NIANBAO_SEED", SHARED / "seed" / "fushan-2020-report.txt"))


@pytest.mark.skipif(not SEED.exists(), reason="no seed report")
def test_seed_text_with_one_cell_per_line_keeps_blank_cells_blank():
    report = read_report(SEED)
    assert (report.agency, report.year, report.format_id) == (
        "咸宁市咸安区人民政府浮山街道办事处", 2020, "F2019")
    assert report.cells["t2_5.other_external_service.decisions"].value == 9547
    assert report.cells["t2_9.central_procurement.procurement_amount"].value == 2249470.45
    blank = report.cells["t3.res_deny_state_secret.natural_person"]
    assert blank.value is None and blank.method == "direct"
    assert report.cells["t3.carry_out.total"].value == 0
    assert report.cells["t4.cases.rev_total"].value == 0
    assert set(report.sections) == {"s1", "s2", "s3", "s4", "s5", "s6"}
    assert report.published.isoformat() == "2021-01-27"
    # the first rows of 表三 lost their labels in this copy: reported, not guessed
    doubt = [f for f in report.findings if f.rule == "ingest_cells_not_read"]
    assert doubt and "t3.new.total" in doubt[0].cells and report.cells["t3.new.total"].value is None


def test_the_inconsistencies_noted_in_the_index_are_found():
    result = audit([CORPUS / "partial", CORPUS / "pdf", CORPUS / "html" / "shuyang-fgj-2023.html"])
    rules = {Path(a.report.file).name: {f.rule for f in a.findings} for a in result.audited}
    # prose that contradicts table 三 / 二
    assert "R10_prose_vs_table" in rules["P01_长春市某市直部门_styjrswj_2023.txt"]
    assert "R10_prose_vs_table" in rules["P08_柳州市体育局_2023.txt"]
    assert "R10_prose_vs_table" in rules["02_淮安市洪泽区人民政府_2024.pdf"]
    # a 街道 report speaking of the city government's applications (pasted text)
    assert "R_kind_wording" in rules["P02_沈阳市于洪区迎宾路街道办事处_2021.txt"]
    # the improvement paragraph dated in the report year (carried over)
    assert "R_wrong_year" in rules["shuyang-fgj-2023.html"]
    # the table of contents typos do not hide the headings of a real report
    (p12,) = [a for a in result.audited if a.report.file.endswith("P12_大冶市东风路街道_2024.txt")]
    assert p12.report.agency == "东风路街道" and p12.report.year == 2024
