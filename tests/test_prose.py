"""The text checks: prose against its tables (R10), prose arithmetic, wrong year or superseded
format, text pasted from elsewhere and structure — on hand-written cases, on our own generated
narrative (which must never be flagged), on synthetic data and on real published reports."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import prose_corpus as corpus
from datadir import TEXT, agency_row, write_dataset, zero_report
from nianbao.checks.prose import RULES as PROSE_RULES
from nianbao.checks.prose import ProseInput, prose_findings
from nianbao.checks.prose_lexicon import _candidates, _heads, lexicon, term_hits
from nianbao.checks.validate import check
from nianbao.data.dataset import load
from nianbao.data.model import Agency, Prose, Report
from nianbao.findings import SEVERITY_ORDER, Finding, findings_frame
from nianbao.formats.spec import format_for_year
from nianbao.report.narrative import (
    fee_sentence,
    overview_facts,
    section2_paragraph,
    section3_paragraph,
    section4_paragraph,
)
from nianbao.testing import synth
from strategies import consistent_report

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
    r = Report(AGENCY, year, dict(cells), prose=Prose(meta={}))
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


# ------------------------------------------------------------------ R10 on hand-written sentences


def test_a_received_count_the_table_does_not_hold_is_reported_with_quote_and_cell():
    text = "本年度我办共收到政府信息公开申请5件，均已按期答复。"
    found = rules(run({"s1": text}, t3_cells(new=3, open=3)), "R10_prose_vs_table")
    assert len(found) == 1
    f = found[0]
    assert f.severity == "warning" and f.actual == 5 and f.expected == 3
    assert "t3.new.total" in f.cells and "一、本年新收政府信息公开申请数量·总计" in f.labels
    assert f.quote == text and f.section == "s1" and text[f.span[0]:f.span[1]] == text


def test_received_may_include_last_years_carry_over():
    text = "全年共受理信息公开申请12件，及时依法答复。"
    cells = t3_cells(new=10, carry_in=2, open=12)
    assert not rules(run({"s1": text}, cells), "R10_prose_vs_table")


def test_a_sub_units_figure_is_uncertain_not_an_error():
    text = "其中，区政府办公室代表区政府受理政府信息公开申请12件。"
    found = rules(run({"s1": text}, t3_cells(new=40, open=40)), "R10_prose_vs_table")
    assert [f.severity for f in found] == ["uncertain"]


def test_result_counts_against_their_rows_and_percentages_against_their_counts():
    cells = t3_cells(new=40, open=15, partial=5, unable=20)
    good = "办结申请40件，其中予以公开15件，占37.5%；部分公开5件，占12.5%；无法提供20件，占50%。"
    assert not rules(run({"s1": good}, cells), "R10_prose_vs_table")
    rounded = "予以公开15件，占38%，部分公开5件（12.5%）。"
    assert not rules(run({"s1": rounded}, cells), "R10_prose_vs_table")
    wrong_count = "办结申请40件，其中予以公开18件。"
    found = rules(run({"s1": wrong_count}, cells), "R10_prose_vs_table")
    assert [(f.severity, f.expected, f.actual) for f in found] == [("warning", 15, 18)]
    wrong_share = "办结申请40件，其中予以公开15件，占45%。"
    found = rules(run({"s1": wrong_share}, cells), "R10_prose_vs_table")
    assert [f.severity for f in found] == ["warning"] and "45%" in found[0].message


def test_open_and_partial_together_and_a_count_before_its_wording():
    cells = t3_cells(new=12, carry_out=2, open=6, partial=4)
    assert not rules(run({"s1": "予以公开和部分公开共10件，2件结转下年度继续办理。"}, cells))
    found = rules(run({"s1": "办结10件，3件结转下年度继续办理。"}, cells), "R10_prose_vs_table")
    assert [(f.expected, f.actual) for f in found] == [(2, 3)]


def test_blank_or_unread_cells_are_never_compared():
    text = "本年度新收政府信息公开申请7件。"
    assert not run({"s1": text}, {"t3.new.total": None, "t3.carry_in.total": 0})
    assert not run({"s1": text}, {})


def test_counts_about_other_business_are_not_table_statements():
    text = ("全年办理12345热线工单100件，按时办结率100%。受理行政许可申请300件。"
            "承办人大代表建议8件，均已办结。")
    assert not run({"s1": text}, t3_cells(new=2, open=2))


def test_negated_statements_must_match_a_zero_table():
    text = "本年度未收到政府信息公开申请。本年度未被申请行政复议。"
    cells = t3_cells(new=0) | {"t4.cases.rev_total": 0}
    assert not run({"s1": text}, cells)
    cells = t3_cells(new=3, open=3) | {"t4.cases.rev_total": 1}
    found = rules(run({"s1": text}, cells), "R10_prose_vs_table")
    assert sorted(f.expected for f in found) == [1, 3]


def test_all_upheld_while_a_case_is_pending():
    text = "因政府信息公开工作被申请行政复议3件，均获维持。"
    cells = {"t4.cases.rev_total": 3, "t4.cases.rev_upheld": 2, "t4.cases.rev_corrected": 0,
             "t4.cases.rev_other": 0, "t4.cases.rev_pending": 1}
    found = rules(run({"s1": text}, cells), "R10_prose_vs_table")
    assert len(found) == 1 and "尚未审结" in found[0].message
    cells["t4.cases.rev_upheld"], cells["t4.cases.rev_pending"] = 3, 0
    assert not run({"s1": text}, cells)


def test_documents_of_section_two_and_grouped_numbers():
    cells = {"t2_1.normative_doc.issued": 0, "t2_1.normative_doc.in_force": 10,
             "t2_1.normative_doc.repealed": 0, "t3.new.total": 13810, "t3.carry_in.total": 0}
    text = "本年度我局印发了2件行政规范性文件，现行有效规范性文件10件。"
    found = rules(run({"s1": text}, cells), "R10_prose_vs_table")
    assert [(f.expected, f.actual) for f in found] == [(0, 2)]
    assert not run({"s1": "全年收到政府信息公开申请13,810件。"}, cells)


def test_pdf_line_wrapping_does_not_split_wordings_or_sentences():
    text = "办结 40 件。其中予以公开及部\n分公开 20 件（50%），无法提\n供 20 件。"
    found = run({"s1": text}, t3_cells(new=40, open=12, partial=8, unable=20))
    assert not found, [f.message for f in found]
    wrong = "本年度共受理政府\n信息公开申请 17 件，均已答复。"
    found = run({"s1": wrong}, t3_cells(new=9, open=9))
    assert len(found) == 1 and found[0].quote == "本年度共受理政府信息公开申请17件，均已答复。"
    assert wrong[found[0].span[0]:found[0].span[1]].startswith("本年度共受理政府\n")


SPEC_VECTORS = {v["id"]: v for v in json.loads(
    (Path(__file__).parent / "data" / "spec_test_vectors.json").read_text("utf-8"))}


def test_the_spec_vectors_prose_claims():
    """The format spec's example of prose contradicting its table: each recorded wording that
    contradicts the table is found (as the rule's level, warning); the others pass."""
    vector = SPEC_VECTORS["shanghai_gov_office_2019"]
    fmt = format_for_year(vector["report_year"])
    cells = {r: None for r in fmt.cell_refs() if r.startswith(("t3.", "t4."))}  # blank
    for table in ("t3", "t4"):
        for row, cols in vector.get(table, {}).items():
            for col, value in cols.items():
                cells[f"{table}.{row}.{col}"] = value
    claims = [c for c in vector["prose_claims"] if c["text"]]
    for claim in claims:
        text = {"均获维持": "因政府信息公开被申请行政复议和提起行政诉讼的案件均获维持。"}.get(
            claim["text"], claim["text"] + "。")
        found = rules(run({"s1": text}, cells, year=vector["report_year"]), "R10_prose_vs_table")
        if claim["value"] == claim["table_value"]:
            assert not found, (claim, found)
        else:
            assert found and {f.severity for f in found} == {"warning"}, (claim, fmt.id)


PIECES = ["本年度", "共收到政府信息公开申请", "受理", "予以公开", "部分公开", "不予公开",
          "无法提供", "行政复议", "行政诉讼", "均获维持", "结转下年度", "上年结转", "未", "无",
          "其中", "分别为", "三个方面", "一是", "二是", "（一）", "占", "%", "件", "条", "，", "。",
          "；", "：", "、", "\n", " ", "2022年", "〔2019〕60号", "规范性文件", "制发",
          "沈阳市人民政府", "（", "）"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(PIECES), st.integers(0, 2000).map(str)), max_size=60),
       st.dictionaries(st.sampled_from(["t3.new.total", "t3.carry_in.total", "t3.res_open.total",
                                        "t4.cases.rev_total", "t4.cases.rev_pending",
                                        "t2_1.normative_doc.issued"]),
                       st.one_of(st.none(), st.integers(0, 50), st.just("12"), st.just("x"))))
def test_any_text_is_read_without_error_and_findings_point_into_it(pieces, cells):
    text = "".join(pieces)
    found = run({"s1": text, "s5": text}, cells, kind="街道", name="咸宁市咸安区某街道办事处",
                skip=())
    for f in found:
        assert f.severity in SEVERITY_ORDER and f.message
        if f.span is not None:
            start, end = f.span
            assert 0 <= start < end <= len(text), (f.span, text)


def _wordings(year: int) -> list[str]:
    """Texts each pattern of the lexicon matches, and their halves (near misses)."""
    out = []
    for pattern in lexicon(format_for_year(year)).patterns:
        for word in re.split(r"[|()?:*+\\\[\]{}!<=]+", pattern.pattern):
            out += [word, word[: len(word) // 2], word[len(word) // 2:]]
    return [w for w in out if w]


@settings(max_examples=300, deadline=None)
@given(st.sampled_from([2020, 2022]).flatmap(lambda year: st.tuples(
    st.just(year),
    st.lists(st.sampled_from(_wordings(year) + PIECES), max_size=40).map("".join),
    st.integers(0, 200), st.integers(0, 220))))
def test_wordings_found_by_their_first_two_characters_are_those_of_the_alternation(case):
    year, text, pos, end = case
    lex = lexicon(format_for_year(year))
    plain = dataclasses.replace(lex, firsts=None)  # the alternation tried at every position

    def found(lx):
        return [(m.statement.id, m.term_start, m.term_end) for m in term_hits(lx, text, pos, end)]

    assert found(lex) == found(plain)


def test_the_opening_characters_of_a_pattern():
    assert _heads("规章(?!制度)") == {("规", "章")}
    assert _heads("(?<![不分])(?:予以|全部)公开") == {("予", "以"), ("全", "部")}
    assert _heads("上(?:一)?年度?") == {("上", "一"), ("上", "年")}
    assert _heads("\\d{4}年") == {(None, None)}
    assert _heads("x*") == {(), ("x",), ("x", "x")}  # may match nothing
    assert _heads("件") == {("件",)}  # a match may end after one character
    assert _heads("(?i)ab") is None
    firsts, by_first = _candidates(["上(?:一)?年度?结转", "上报", "件"])
    assert firsts.pattern == "上[一年报]|件" and by_first == {"上": (0, 1), "件": (2,)}
    assert _candidates(["x*", "ab"]) == (None, {})


# ------------------------------------------------------------------ prose arithmetic


def test_a_total_and_its_parts():
    ok = "全年发布信息120条，其中：政策文件30条；工作动态50条；通知公告40条。"
    assert not run({"s1": ok}, {})
    exact = "全年发布信息120条，分别为政策文件30条、工作动态50条、通知公告30条。"
    found = rules(run({"s1": exact}, {}), "R_prose_arithmetic")
    assert [(f.severity, f.expected, f.actual) for f in found] == [("error", 120, 110)]
    over = "全年发布信息100条，其中政策文件60条、工作动态50条。"
    assert [f.severity for f in run({"s1": over}, {})] == ["warning"]
    some = "全年发布信息100条，其中政策文件6条、工作动态5条。"
    assert not run({"s1": some}, {})
    nested = "全年发布信息100条，分别为政策文件60条（含解读10条）、工作动态40条。"
    assert not run({"s1": nested}, {})
    unbracketed = "全年发布信息120条，分别为：政策文件30条，其中解读10条；工作动态90条。"
    assert not run({"s1": unbracketed}, {})
    assert not run({"s1": "共开展培训5次，编印资料6份，分别为各科室各1份。"}, {})


def test_announced_points_are_all_listed():
    ok = "下一步从以下三个方面加以改进：一是加强培训；二是完善制度；三是强化监督。"
    assert not run({"s5": ok}, {})
    short = "下一步从以下三个方面加以改进：一是加强培训；二是完善制度。"
    found = rules(run({"s5": short}, {}), "R_prose_arithmetic")
    assert [(f.expected, f.actual) for f in found] == [(3, 2)]


# ------------------------------------------------------------------ wrong year, superseded notice


def test_a_figure_dated_in_another_year():
    text = "2022年，我局共收到政府信息公开申请5件。"
    found = rules(run({"s1": text}, {}, year=2023), "R_wrong_year")
    assert [(f.severity, f.actual) for f in found] == [("warning", 2022)]
    assert not run({"s1": "与2022年相比增加申请5件。2024年，将继续做好公开工作。"}, {},
                   year=2023)
    assert not run({"s1": "发布2022年度政府信息公开工作年度报告1条。"}, {}, year=2023)
    assert not run({"s1": "2022年，共收到申请8件，2023年共收到申请10件。"}, {}, year=2023)


def test_improvement_measures_dated_in_the_report_year_are_uncertain():
    text = "存在问题：培训不足。改进措施：2023年，我局将加强业务培训。"
    found = rules(run({"s5": text}, {}, year=2023), "R_wrong_year")
    assert [f.severity for f in found] == ["uncertain"]
    assert not run({"s5": "存在问题：培训不足。改进措施：2024年，我局将加强业务培训。"}, {},
                   year=2023)


def test_the_2019_notice_in_a_report_of_2021_or_later():
    old = "本报告根据国办公开办函〔2019〕60号要求编制。"
    found = rules(run({"preface": old}, {}, year=2022), "R_superseded_notice")
    assert [f.severity for f in found] == ["error"] and found[0].section == "preface"
    assert not run({"preface": old}, {}, year=2020)
    both = ("本报告根据国办公开办函〔2021〕30号编制，"
            "不再沿用国办公开办函〔2019〕60号的格式。")
    assert [f.severity for f in run({"preface": both}, {}, year=2022)] == ["warning"]
    new = "本报告根据国办公开办函〔2021〕30号要求编制。"
    assert [f.severity for f in run({"preface": new}, {}, year=2020)] == ["error"]
    local = "根据《某市人民政府关于加强政务公开的通知》（某政发〔2019〕60号）开展工作。"
    assert not run({"s1": local}, {}, year=2022)
    title = "本报告按照《中华人民共和国政府信息公开工作年度报告格式（试行）》编制。"
    assert [f.severity for f in run({"preface": title}, {}, year=2023)] == ["error"]


# ------------------------------------------------------------------ pasted from elsewhere


def test_another_agency_kind_wording_and_a_government_addressee():
    names = ["测试区甲街道办事处", "甲街道", "乙镇", "测试区乙镇人民政府"]
    text = ("全镇上下高度重视。我办受理向区政府及区政府办公室提出的政府信息公开申请2件。"
            "乙镇经验值得借鉴。")
    found = run({"s1": text}, {}, kind="街道", name="测试区甲街道办事处", registry_names=names)
    by_rule = {f.rule for f in found}
    assert by_rule == {"R_kind_wording", "R_other_agency_name"}
    assert len(rules(found, "R_kind_wording")) == 2
    assert "乙镇" in rules(found, "R_other_agency_name")[0].message
    government = run({"s1": "受理向区政府提出的政府信息公开申请2件。"}, {}, kind="政府")
    assert not government


def test_text_reused_from_last_year_or_shared_with_another_agency():
    para = ("本单位坚持以公开为常态、不公开为例外，持续完善工作机制。"
            "进一步规范依申请公开办理流程，做到件件有回音。"
            "强化政府网站和政务新媒体的日常监管，确保信息发布安全。")
    now = {"s1": para, "s5": "队伍专业化水平有待提高，下一步加强培训。"}
    found = run(now, {}, previous_sections={"s1": para, "s5": "平台建设仍有短板。"})
    assert [f.rule for f in found] == ["R_text_reuse"]
    found = run(now, {}, peer_texts={"丙街道办事处": dict(now)})
    assert [f.rule for f in found] == ["R_peer_text"] and "丙街道办事处" in found[0].message
    assert not run(now, {}, previous_sections={"s1": "全新的内容，与上年完全不同的表述方式。"})
    rewritten = {"s1": para + "另有新的工作安排一项。另有新的工作安排二项。另有新的工作安排三项。"
                 "另有新的工作安排四项。另有新的工作安排五项。", "s5": "无。"}
    found = run(rewritten, {}, previous_sections={"s1": para})
    assert [(f.rule, f.severity) for f in found] == [("R_text_reuse", "info")]


# ------------------------------------------------------------------ structure


def test_parts_missing_or_out_of_order_and_rows_missing_or_added():
    sections = {"s1": "总体情况。", "s3": "", "s2": "", "s4": "", "s6": "无。"}
    found = run(sections, {}, skip=())
    messages = [f.message for f in found if f.rule == "R12_sections_present"]
    assert any("五、存在的主要问题及改进情况" in m for m in messages)
    assert any("顺序" in m for m in messages)
    assert all(f.severity == "warning" for f in found)
    fmt = format_for_year(2022)
    cells = {f"t3.{r.id}.total": 0 for r in fmt.table("t3").data_rows if r.id != "res_partial"}
    cells["t3.res_extra.total"] = 0
    found = rules(run({}, cells, skip=("R12_sections_present",)), "R_table_rows")
    assert len(found) == 2
    assert any("部分公开" in f.message for f in found) and any("res_extra" in f.message
                                                             for f in found)


# ------------------------------------------------------------------ real published reports

needs_corpus = pytest.mark.skipif(corpus.CORPUS is None, reason="shared corpus not present")

# Cells of the excerpts whose tables are cut off, read off the part of the table they show.
EXCERPT_CELLS = {
    "P01": {"t3.new.total": 3, "t3.carry_in.total": 0, "t3.new.natural_person": 3,
            "t3.carry_in.natural_person": 0},
    "P08": {"t2_1.regulation.issued": 0, "t2_1.regulation.repealed": 0,
            "t2_1.regulation.in_force": 0, "t2_1.normative_doc.issued": 0,
            "t2_1.normative_doc.repealed": 0, "t2_1.normative_doc.in_force": 10},
}
KINDS = {"街道": "街道", "部门": "部门"}


def corpus_reports():
    """(INDEX row, ProseInput) of every corpus report with prose (one rendering each)."""
    if corpus.CORPUS is None:
        return []
    hand = corpus.hand_checked_cells()
    out = []
    for row in corpus.index():
        name = row["file"]
        if name.startswith("html/"):  # the same reports as the text renderings
            continue
        year = int(row["year"])
        cells = dict(hand[name]["cells"]) if name in hand else {}
        cells.update(EXCERPT_CELLS.get(Path(name).name[:3], {}))
        kind = next((v for k, v in KINDS.items() if k in row["level"]), "政府")
        out.append((row, ProseInput(sections=corpus.sections(name), cells=cells,
                                    format_id=format_for_year(year).id, year=year,
                                    agency_name=row["agency"], agency_kind=kind)))
    return out


def corpus_findings(doc):
    return prose_findings(doc, skip=STRUCTURE)


@needs_corpus
def test_corpus_reports_noted_as_consistent_get_no_error():
    checked = 0
    for row, doc in corpus_reports():
        notes = row["notes"]
        found = corpus_findings(doc)
        assert not [f for f in found if f.severity == "error"], (row["file"], found)
        if "MISMATCH" not in notes and ("consistent" in notes or "match" in notes):
            checked += 1
            assert not rules(found, "R10_prose_vs_table"), (row["file"], found)
    assert checked >= 5


@needs_corpus
def test_corpus_inconsistencies_noted_by_hand_are_found():
    """Every INDEX note of prose contradicting its table, pasted text or a stale date."""
    expected = 0
    for row, doc in corpus_reports():
        notes = row["notes"]
        found = corpus_findings(doc)
        if "PROSE/TABLE MISMATCH" in notes:
            expected += 1
            quoted = re.search(r"prose (?:says )?'([^']+)'", notes).group(1)
            hits = [f for f in rules(found, "R10_prose_vs_table")
                    if _digits(quoted) <= _digits(f.quote)]
            assert hits, (row["file"], quoted, found)
            if "scope differs" in notes:
                assert {f.severity for f in hits} == {"uncertain"}
        if "PASTED-IN TEXT" in notes:
            expected += 1
            assert rules(found, "R_kind_wording") or rules(found, "R_other_agency_name")
        if re.search(r"dated '\d{4}年", notes):
            expected += 1
            year = re.search(r"dated '(\d{4})年", notes).group(1)
            assert any(year in (f.quote or "") for f in rules(found, "R_wrong_year")), found
    assert expected >= 5


def _digits(text: str) -> set[str]:
    return set(re.findall(r"\d+", re.sub(r"\s+", "", text)))


@needs_corpus
def test_corpus_prose_is_really_read_a_changed_figure_is_caught():
    """The same consistent reports with one stated figure changed: each change is found."""
    reports = {row["file"]: doc for row, doc in corpus_reports()}
    cases = [
        ("text/13_上海市人民政府办公厅_2025.md", "s1", "208 件", "218 件", "R10_prose_vs_table"),
        ("text/11_平潭综合实验区_2025.txt", "s1", "148件", "149件", "R10_prose_vs_table"),
        ("text/15_沭阳县发展和改革局_2023.txt", "s1", "249条", "259条", "R_prose_arithmetic"),
        ("text/08_平潭综合实验区_2022.txt", "s1", "行政复议案件2件", "行政复议案件3件",
         "R10_prose_vs_table"),
    ]
    for name, key, old, new, rule in cases:
        doc = reports[name]
        assert old in doc.sections[key], (name, old)
        assert not rules(corpus_findings(doc), rule)
        changed = dict(doc.sections, **{key: doc.sections[key].replace(old, new, 1)})
        found = rules(corpus_findings(ProseInput(**{**doc.__dict__, "sections": changed})), rule)
        assert found, (name, new)


# ------------------------------------------------------------------ check on data/text


def test_check_runs_the_prose_rules_on_the_offices_own_hand_written_sections(tmp_path):
    cells = zero_report(2022) | {"t3.new.natural_person": 3, "t3.new.total": 3,
                                 "t3.res_open.natural_person": 3, "t3.res_open.total": 3,
                                 "t3.res_total.natural_person": 3, "t3.res_total.total": 3}
    extra = "fee_notices_issued: 0\nfee_notices_amount_yuan: 0\nfee_collected_yuan: 0\n"
    s1 = ("本报告依据国办公开办函〔2019〕60号编制。\n\n"
          "本年度共收到政府信息公开申请5件，均在法定期限内答复。\n\n"
          "全年发布信息60条，分别为工作动态30条、通知公告20条。")
    text = TEXT.format(published="2023-01-16", extra=extra, s1=s1, s5="培训不足，将加强学习。")
    write_dataset(tmp_path, [agency_row("jia", "甲街道")], {2022: {"jia": cells}},
                  texts={("jia", 2022): text})
    found = {f.rule: f for f in check(load(tmp_path)) if f.rule in PROSE_RULES}
    assert set(found) == {"R10_prose_vs_table", "R_superseded_notice", "R_prose_arithmetic"}
    r10 = found["R10_prose_vs_table"]
    assert (r10.agency_id, r10.year, r10.expected, r10.actual) == ("jia", 2022, 3, 5)
    assert r10.file.endswith("text/2022/jia.md") and "收到政府信息公开申请5件" in r10.quote
    assert found["R_superseded_notice"].severity == "error"


SYNTH_AGENCIES = 40
SYNTH_YEARS = list(range(2019, 2025))


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    root = tmp_path_factory.mktemp("synth")
    synth.write(synth.generate(SYNTH_AGENCIES, SYNTH_YEARS, seed=7), root)
    return load(root)


def test_synthetic_data_gives_no_prose_finding(synthetic):
    """Hand-written-style synthetic prose of 240 agency-years: check finds nothing in it."""
    assert len(synthetic.key_list) >= 200
    found = [f for f in check(synthetic) if f.rule in PROSE_RULES]
    assert not found, [(f.agency_id, f.year, f.message) for f in found[:5]]


def test_our_narrative_of_synthetic_reports_gives_no_r10_finding(synthetic):
    """The sentences our notebooks print for 240 synthetic agency-years state their tables."""
    keys = synthetic.key_list
    assert len(keys) >= 200
    stated = 0
    for agency, year in keys:
        report = synthetic.report(agency, year)
        sections = {"s1": "。".join(overview_facts(report)) + "。",
                    "s2": section2_paragraph(report), "s3": section3_paragraph(report),
                    "s4": section4_paragraph(report), "s6": fee_sentence(report) or ""}
        doc = ProseInput(sections=sections, cells=dict(report.values), year=year,
                         format_id=report.format.id, agency_name=report.agency.name)
        found = rules(prose_findings(doc, skip=STRUCTURE), "R10_prose_vs_table")
        assert not found, (agency, year, sections, [f.message for f in found])
        stated += len(re.findall(r"\d件", sections["s3"]))
    assert stated > len(keys)  # the paragraphs did state counts


def test_another_province_or_city_by_the_gazetteer():
    name = "咸宁市咸安区人民政府浮山街道办事处"
    text = "按照沈阳市人民政府的部署推进公开工作。"
    found = run({"s1": text}, {}, name=name)
    assert [(f.rule, f.severity) for f in found] == [("R_other_place_name", "warning")]
    assert "沈阳市" in found[0].message
    mention = run({"s1": "组织干部赴长沙市学习政务公开经验。"}, {}, name=name)
    assert [f.severity for f in mention] == ["info"]
    own = "按照湖北省和咸宁市的要求，在咸安区政府网站公开。上海路社区"
    assert not run({"s1": own}, {}, name=name)
    assert not run({"s1": text}, {}, name="某某单位")  # own place unknown: nothing to compare


def test_the_reports_validation_section_describes_the_prose_checks(tmp_path):
    """R10 is checked on hand-written prose now: the 数据校验 section says so when it passes and
    shows the finding (as 警告, or 存疑 for an uncertain reading) when it does not."""
    from nianbao.report.document import validation_html

    cells = zero_report(2022) | {"t3.new.natural_person": 3, "t3.new.total": 3,
                                 "t3.res_open.natural_person": 3, "t3.res_open.total": 3,
                                 "t3.res_total.natural_person": 3, "t3.res_total.total": 3}
    extra = "fee_notices_issued: 0\nfee_notices_amount_yuan: 0\nfee_collected_yuan: 0\n"
    texts = {}
    for agency, s1 in (("jia", "本年度共收到政府信息公开申请3件。"),
                       ("yi", "本年度共收到政府信息公开申请5件。"),
                       ("bing", "其中区政府办公室代表区政府受理政府信息公开申请2件。")):
        texts[(agency, 2022)] = TEXT.format(published="2023-01-16", extra=extra, s1=s1,
                                            s5="培训不足，将加强学习。")
    agencies = [agency_row(a, s) for a, s in (("jia", "甲街道"), ("yi", "乙街道"),
                                               ("bing", "丙街道"))]
    write_dataset(tmp_path, agencies, {2022: {a: cells for a in ("jia", "yi", "bing")}},
                  texts=texts)
    ds = load(tmp_path)
    results = {}
    for agency in ("jia", "yi", "bing"):
        page = validation_html(ds.report(agency, 2022), check(ds, agencies=[agency]))
        row = re.search(r"<tr[^>]*><td[^>]*>正文数字与表格一致.*?</tr>", page).group(0)
        results[agency] = row
    assert "通过" in results["jia"] and "逐句与表格核对" in results["jia"]
    assert "警告" in results["yi"] and "收到政府信息公开申请5件" in results["yi"]
    assert "存疑" in results["bing"]
