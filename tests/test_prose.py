"""The text checks: prose against its tables (R10), prose arithmetic, wrong year or superseded
format, text pasted from elsewhere and structure — on hand-written cases, on our own generated
narrative (which must never be flagged), on synthetic data and on real published reports."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nianbao.checks.prose import ProseInput, prose_findings
from nianbao.data.model import Agency, Narrative, Report
from nianbao.findings import SEVERITY_ORDER, Finding, findings_frame
from nianbao.formats.spec import format_for_year
from nianbao.report.narrative import (
    fee_sentence,
    overview_facts,
    section2_paragraph,
    section3_paragraph,
    section4_paragraph,
)
from strategies import consistent_report

CORPUS = Path("/work/shared/corpus")
AGENCY = Agency("fushan", "咸宁市咸安区人民政府浮山街道办事处", "浮山街道", "咸安区", "街道")
STRUCTURE = ("R12_sections_present", "R_table_rows")


def run(sections, cells, year=2022, kind=None, name="某某街道办事处", skip=STRUCTURE, **kw):
    fmt = format_for_year(year)
    doc = ProseInput(sections=sections, cells=cells, format_id=fmt.id, year=year,
                     agency_name=name, agency_kind=kind, **kw)
    return prose_findings(doc, skip=skip)


def rules(findings, rule=None):
    return [f for f in findings if rule is None or f.rule == rule]


def t3_cells(new=0, carry_in=0, carry_out=0, natural=None, **results):
    """Table 三 totals (other cells absent: not read) with results by category."""
    cells = {"t3.new.total": new, "t3.carry_in.total": carry_in, "t3.carry_out.total": carry_out,
             "t3.new.natural_person": new if natural is None else natural,
             "t3.carry_in.natural_person": carry_in}
    rows = {"open": "res_open", "partial": "res_partial", "deny": "res_deny_state_secret",
            "unable": "res_unable_not_held", "noproc": "res_noproc_petition",
            "other": "res_other_other"}
    fmt = format_for_year(2022)
    for row in fmt.result_rows():
        cells[f"t3.{row.id}.total"] = 0
    for key, n in results.items():
        cells[f"t3.{rows[key]}.total"] = n
    cells["t3.res_total.total"] = sum(results.values())
    return cells


# ------------------------------------------------------------------ the Finding shape


def test_finding_json_carries_quote_span_and_section_only_when_present():
    plain = Finding(rule="R1", severity="error", message="m").to_json()
    assert "quote" not in plain and "span" not in plain and "section" not in plain
    rich = Finding(rule="R10_prose_vs_table", severity="uncertain", message="m", quote="句子",
                   span=(3, 9), section="s1").to_json()
    assert rich["quote"] == "句子" and rich["span"] == [3, 9] and rich["section"] == "s1"
    frame = findings_frame([Finding(rule="a", severity="info", message=""),
                            Finding(rule="b", severity="uncertain", message=""),
                            Finding(rule="c", severity="error", message="")])
    assert list(frame["severity"]) == ["error", "uncertain", "info"]
    assert SEVERITY_ORDER["warning"] < SEVERITY_ORDER["uncertain"] < SEVERITY_ORDER["info"]


# ------------------------------------------------------------------ our own narrative


def generated_sections(year: int, cells: dict) -> dict[str, str]:
    """The sentences our narrative writes for a report, placed in the sections they belong to."""
    r = Report(AGENCY, year, dict(cells), narrative=Narrative(meta={}))
    return {"s1": "。".join(overview_facts(r)) + "。", "s2": section2_paragraph(r),
            "s3": section3_paragraph(r), "s4": section4_paragraph(r),
            "s5": "", "s6": fee_sentence(r) or ""}


@settings(max_examples=150, deadline=None)
@given(st.sampled_from([2020, 2022]).flatmap(
    lambda year: st.tuples(st.just(year), consistent_report(year))))
def test_our_generated_prose_gives_no_r10_finding(year_and_cells):
    year, cells = year_and_cells
    sections = generated_sections(year, cells)
    found = rules(run(sections, cells, year=year), "R10_prose_vs_table")
    assert not found, (sections, [f.message for f in found])
