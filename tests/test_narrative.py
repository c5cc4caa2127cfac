"""Narrative sentences of sections 二, 三, 四 and the fee statement of 六.

The golden strings are written by hand from the tables they describe; the property tests check
that whatever the data, every number in the prose is one the table shows.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nianbao.data.model import Agency, Prose, Report
from nianbao.formats.spec import format_for_year
from nianbao.report.narrative import (
    fee_sentence,
    fmt_count,
    fmt_money,
    fmt_pct,
    overview_facts,
    result_categories,
    section2_paragraph,
    section3_paragraph,
    section4_paragraph,
)
from strategies import consistent_report

AGENCY = Agency("fushan", "咸宁市咸安区人民政府浮山街道办事处", "浮山街道", "咸安区", "街道")
Y2019 = 2020  # a report year of format F2019
Y2021 = 2022  # a report year of format F2021

CATEGORY_LABELS = {
    "open": "予以公开",
    "partial": "部分公开",
    "deny": "不予公开",
    "unable": "无法提供",
    "noproc": "不予处理",
    "other": "其他处理",
}


def report(year, cells=None, *, prev_new=None, meta=None, units=None):
    """A report from a dict of cells; ``prev_new`` gives last year a count of new applications."""
    prev = None if prev_new is None else Report(AGENCY, year - 1, {"t3.new.total": prev_new})
    return Report(AGENCY, year, dict(cells or {}), units=units or {},
                  prose=Prose(meta=meta or {}), prev=prev)


def t3(new, natural, carry_in=0, **results):
    """Total-column cells of a balanced table 三 (the carry-out closes the balance)."""
    answered = sum(results.values())
    carry_out = new + carry_in - answered
    assert carry_out >= 0
    cells = {f"t3.{row}.total": n for row, n in results.items()}
    cells.update({
        "t3.new.total": new, "t3.new.natural_person": natural, "t3.carry_in.total": carry_in,
        "t3.res_total.total": answered, "t3.carry_out.total": carry_out,
    })
    return cells


def t4(**cells):
    """Cells of table 四 with the three 总计 columns filled in from their parts."""
    out = {f"t4.cases.{k}": v for k, v in cells.items()}
    for block in ("rev", "lit_direct", "lit_after_rev"):
        out[f"t4.cases.{block}_total"] = sum(
            v for k, v in cells.items() if k.startswith(block + "_")
        )
    return out


# --- Number helpers -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("part", "whole", "expected"),
    [
        (1, 3, "33.3%"),
        (2, 3, "66.7%"),
        (5, 5, "100.0%"),
        (0, 7, "0.0%"),
        (7, 2000, "0.4%"),  # 0.35 exactly: half up, where round() would give 0.3
        (1, 2000, "0.1%"),  # 0.05 exactly
        (1, 2001, "不足0.1%"),
        (3, 0, None),
    ],
)
def test_fmt_pct(part, whole, expected):
    assert fmt_pct(part, whole) == expected


@pytest.mark.parametrize(
    ("n", "expected"), [(0, "0"), (7, "7"), (9999, "9999"), (10000, "10,000"), (13810.0, "13,810")]
)
def test_fmt_count(n, expected):
    assert fmt_count(n) == expected


def test_fmt_count_rejects_fractions():
    with pytest.raises(ValueError):
        fmt_count(2.5)


@pytest.mark.parametrize(
    ("amount", "unit", "expected"),
    [
        (1500, "元", "1500元"),
        (1500.0, "元", "1500元"),
        (1200.5, "元", "1200.50元"),
        (12345.678, "元", "12,345.68元"),
        (0.1 + 0.2, "万元", "0.3万元"),
        (Decimal("2.50"), "万元", "2.50万元"),
        ("12.5", "万元", "12.5万元"),
        (251000.0, "元", "251,000元"),
    ],
)
def test_fmt_money(amount, unit, expected):
    assert fmt_money(amount, unit) == expected


# --- Section 三: golden sentences ---------------------------------------------------------------


def test_s3_zero_applications():
    assert section3_paragraph(report(Y2021)) == (
        "本年度未收到政府信息公开申请，无上年结转及结转下年度的申请。"
    )


def test_s3_exactly_one_application_with_yoy_down():
    r = report(Y2021, t3(1, 1, res_open=1), prev_new=3)
    assert section3_paragraph(r) == (
        "本年度收到政府信息公开申请1件，较上年下降66.7%，由自然人提出；无上年结转申请。"
        "本年度办结申请1件，办理结果为予以公开。"
        "无结转下年度继续办理的申请。"
    )


def test_s3_carry_in_and_out_with_yoy_up_f2021():
    cells = t3(
        50, 46, carry_in=3,
        res_open=20, res_partial=5, res_deny_third_party=2,
        res_unable_not_held=12, res_unable_need_creation=3,
        res_noproc_repeat=2, res_other_no_correction=1,
    )
    assert cells["t3.carry_out.total"] == 8
    assert section3_paragraph(report(Y2021, cells, prev_new=40)) == (
        "本年度共收到政府信息公开申请50件，较上年增长25.0%，"
        "其中自然人提出46件、法人或其他组织提出4件；上年结转申请3件。"
        "本年度办结申请45件（含上年结转申请），其中予以公开20件，占办结总数的44.4%；"
        "部分公开5件，占11.1%；"
        "不予公开2件，占4.4%，原因均为保护第三方合法权益；"
        "无法提供15件，占33.3%，主要原因为本机关不掌握相关政府信息（12件）；"
        "不予处理2件，占4.4%，原因均为重复申请；"
        "其他处理1件，占2.2%，原因为申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请。"
        "结转下年度继续办理8件。"
    )


def test_s3_yoy_down_f2019_and_dominant_reason():
    cells = t3(15, 15, res_open=10, res_unable_not_held=3, res_unable_unclear=2)
    assert section3_paragraph(report(Y2019, cells, prev_new=20)) == (
        "本年度共收到政府信息公开申请15件，较上年下降25.0%，均由自然人提出；无上年结转申请。"
        "本年度办结申请15件，其中予以公开10件，占办结总数的66.7%；"
        "无法提供5件，占33.3%，主要原因为本机关不掌握相关政府信息（3件）。"
        "无结转下年度继续办理的申请。"
    )


def test_s3_single_category_with_carry_over_and_same_as_last_year():
    cells = t3(12, 12, carry_in=2, res_unable_not_held=10)
    assert section3_paragraph(report(Y2021, cells, prev_new=12)) == (
        "本年度共收到政府信息公开申请12件，与上年持平，均由自然人提出；上年结转申请2件。"
        "本年度办结申请10件（含上年结转申请），办理结果均为无法提供，"
        "原因均为本机关不掌握相关政府信息。"
        "结转下年度继续办理4件。"
    )


def test_s3_no_yoy_without_last_year_or_with_last_year_zero():
    cells = t3(3, 0, res_open=1, res_unable_not_held=1, res_unable_need_creation=1)
    expected = (
        "本年度共收到政府信息公开申请3件，均由法人或其他组织提出；无上年结转申请。"
        "本年度办结申请3件，其中予以公开1件，占办结总数的33.3%；无法提供2件，占66.7%。"
        "无结转下年度继续办理的申请。"
    )
    assert section3_paragraph(report(Y2021, cells)) == expected
    assert section3_paragraph(report(Y2021, cells, prev_new=0)) == expected


def test_s3_only_carried_over_applications():
    cells = t3(0, 0, carry_in=4, res_open=1)
    assert section3_paragraph(report(Y2021, cells, prev_new=6)) == (
        "本年度未收到新的政府信息公开申请；上年结转申请4件。"
        "本年度办结申请1件（含上年结转申请），办理结果为予以公开。"
        "结转下年度继续办理3件。"
    )


def test_s3_tiny_share_and_large_counts():
    cells = t3(20001, 20000, res_open=20000, res_other_no_fee=1)
    assert section3_paragraph(report(Y2021, cells, prev_new=20000)) == (
        "本年度共收到政府信息公开申请20,001件，较上年增长不足0.1%，"
        "其中自然人提出20,000件、法人或其他组织提出1件；无上年结转申请。"
        "本年度办结申请20,001件，其中予以公开20,000件，占办结总数的100.0%；"
        "其他处理1件，占比不足0.1%，"
        "原因为申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请。"
        "无结转下年度继续办理的申请。"
    )


def test_s3_category_is_the_sum_of_its_subrows_shanghai_2019():
    """The §10.1 counter-example: 无法提供 is 337, not the 265 of its first sub-row."""
    cells = t3(
        859, 821, carry_in=18,
        res_open=272, res_partial=3,
        res_deny_state_secret=14, res_deny_internal_affairs=5, res_deny_process_info=4,
        res_deny_admin_inquiry=12,
        res_unable_not_held=265, res_unable_need_creation=47, res_unable_unclear=25,
        res_noproc_petition=149, res_noproc_repeat=9,
    )
    assert cells["t3.carry_out.total"] == 72
    assert section3_paragraph(report(2019, cells)) == (
        "本年度共收到政府信息公开申请859件，其中自然人提出821件、法人或其他组织提出38件；"
        "上年结转申请18件。"
        "本年度办结申请805件（含上年结转申请），其中予以公开272件，占办结总数的33.8%；"
        "部分公开3件，占0.4%；不予公开35件，占4.3%；"
        "无法提供337件，占41.9%，主要原因为本机关不掌握相关政府信息（265件）；"
        "不予处理158件，占19.6%，主要原因为信访举报投诉类申请（149件）。"
        "结转下年度继续办理72件。"
    )


def test_s3_no_reason_named_at_exactly_half_or_for_a_catch_all_row():
    cells = t3(6, 6, res_unable_not_held=2, res_unable_unclear=2, res_other_other=2)
    text = section3_paragraph(report(Y2021, cells))
    assert "原因" not in text
    assert "其中无法提供4件，占办结总数的66.7%；其他处理2件，占33.3%。" in text


def test_s3_nothing_answered_yet():
    cells = t3(3, 3)
    assert section3_paragraph(report(Y2021, cells)) == (
        "本年度共收到政府信息公开申请3件，均由自然人提出；无上年结转申请。"
        "本年度尚无办结的申请。结转下年度继续办理3件。"
    )


@pytest.mark.parametrize("year", [Y2019, Y2021])
def test_category_totals_equal_the_formats_derived_quantities(year):
    rows = [r.id for r in format_for_year(year).result_rows()]
    cells = t3(500, 100, **{row: i + 1 for i, row in enumerate(rows)})
    r = report(year, cells)
    for cat in result_categories(r):
        assert cat.count == r.derived(cat.category)
        assert cat.label == CATEGORY_LABELS[cat.category]


# --- Section 四 -----------------------------------------------------------------------------------


def test_s4_zero():
    assert section4_paragraph(report(Y2021)) == (
        "本年度未发生因政府信息公开工作被申请行政复议、提起行政诉讼的情况。"
    )


def test_s4_pending_cases_are_not_upheld():
    cells = t4(rev_upheld=5, rev_pending=2, lit_direct_upheld=8, lit_direct_pending=1)
    assert section4_paragraph(report(2019, cells)) == (
        "本年度因政府信息公开工作被申请行政复议7件（结果维持5件、尚未审结2件），"
        "被提起行政诉讼9件（结果维持8件、尚未审结1件），均为未经复议直接起诉。"
    )


def test_s4_all_upheld_with_both_kinds_of_lawsuit():
    cells = t4(rev_upheld=3, lit_direct_upheld=2, lit_after_rev_upheld=1)
    assert section4_paragraph(report(Y2021, cells)) == (
        "本年度因政府信息公开工作被申请行政复议3件，"
        "被提起行政诉讼3件（其中未经复议直接起诉2件、复议后起诉1件），均获维持。"
    )


def test_s4_lawsuits_direct_and_after_review_with_mixed_results():
    cells = t4(
        rev_upheld=3, rev_corrected=1,
        lit_direct_upheld=2, lit_direct_other=1, lit_after_rev_pending=1,
    )
    assert section4_paragraph(report(Y2021, cells)) == (
        "本年度因政府信息公开工作被申请行政复议4件（结果维持3件、结果纠正1件），"
        "被提起行政诉讼4件，其中未经复议直接起诉3件（结果维持2件、其他结果1件），"
        "复议后起诉1件（尚未审结1件）。"
    )


def test_s4_reviews_only_and_lawsuits_only():
    assert section4_paragraph(report(Y2021, t4(rev_upheld=2))) == (
        "本年度因政府信息公开工作被申请行政复议2件，均获维持；未被提起行政诉讼。"
    )
    assert section4_paragraph(report(Y2021, t4(rev_upheld=1))) == (
        "本年度因政府信息公开工作被申请行政复议1件（结果维持1件），未被提起行政诉讼。"
    )
    assert section4_paragraph(report(Y2021, t4(lit_after_rev_upheld=2))) == (
        "本年度因政府信息公开工作未被申请行政复议，被提起行政诉讼2件（均为复议后起诉），均获维持。"
    )
    assert section4_paragraph(report(Y2021, t4(lit_direct_corrected=1))) == (
        "本年度因政府信息公开工作未被申请行政复议，"
        "被提起行政诉讼1件（结果纠正1件），为未经复议直接起诉。"
    )


# --- Section 六: fees (F2021) -------------------------------------------------------------------


def _fee_meta(issued, amount, collected):
    return {"fee_notices_issued": issued, "fee_notices_amount_yuan": amount,
            "fee_collected_yuan": collected}


def test_fee_none_for_f2019():
    assert fee_sentence(report(Y2019, meta=_fee_meta(2, 300, 300))) is None


def test_fee_zero():
    assert fee_sentence(report(Y2021, meta=_fee_meta(0, 0, 0))) == (
        "本年度未收取政府信息公开信息处理费。"
    )


def test_fee_nonzero():
    r = report(Y2021, meta=_fee_meta(3, 1500.0, 1200.5))
    assert fee_sentence(r) == (
        "本年度共发出政府信息公开信息处理费收费通知3件，金额合计1500元，实际收取1200.50元。"
    )


def test_fee_one_notice_not_paid():
    r = report(Y2021, t3(1, 1, res_other_no_fee=1), meta=_fee_meta(1, 200, 0))
    assert fee_sentence(r) == (
        "本年度发出政府信息公开信息处理费收费通知1件，金额为200元，实际未收取费用。"
    )


def test_fee_missing_meta_without_unpaid_applications_means_no_fee():
    assert fee_sentence(report(Y2021, t3(2, 2, res_open=2))) == (
        "本年度未收取政府信息公开信息处理费。"
    )


def test_fee_missing_meta_with_unpaid_applications_is_an_error():
    r = report(Y2021, t3(2, 2, res_open=1, res_other_no_fee=1))
    with pytest.raises(ValueError, match=r"浮山街道办事处.*2022.*fee_notices_issued"):
        fee_sentence(r)


def test_fee_partly_missing_meta_is_an_error():
    r = report(Y2021, meta={"fee_notices_issued": 2})
    with pytest.raises(ValueError, match="fee_collected_yuan"):
        fee_sentence(r)


# --- Section 二 -----------------------------------------------------------------------------------


def test_s2_f2019_negative_change_and_procurement_unit():
    cells = {
        "t2_1.normative_doc.new_made": 2, "t2_1.normative_doc.new_published": 2,
        "t2_1.normative_doc.total_published": 15,
        "t2_5.admin_license.prev_items": 12, "t2_5.admin_license.items_change": -3,
        "t2_5.admin_license.decisions": 93,
        "t2_5.other_external_service.prev_items": 20,
        "t2_5.other_external_service.items_change": 5,
        "t2_6.admin_penalty.prev_items": 143, "t2_6.admin_penalty.decisions": 122,
        "t2_8.admin_fee.prev_items": 2, "t2_8.admin_fee.items_change": -2,
        "t2_9.central_procurement.procurement_items": 5,
        "t2_9.central_procurement.procurement_amount": 12.5,
    }
    units = {"t2_9.central_procurement.procurement_amount": "万元"}
    assert section2_paragraph(report(Y2019, cells, units=units)) == (
        "本年度新制作规范性文件2件、新公开2件，对外公开规范性文件总数15件；"
        "未新制作规章，亦无对外公开的规章。"
        "行政许可上一年项目数量12项，本年减少3项，处理决定93件；"
        "其他对外管理服务事项上一年项目数量20项，本年增加5项，未作出处理决定；"
        "行政处罚上一年项目数量143项，本年无变化，处理决定122件；"
        "行政事业性收费上一年项目数量2项，本年减少2项；"
        "无行政强制相关事项。"
        "本年度政府集中采购项目5项，采购总金额12.5万元。"
    )


def test_s2_f2019_all_zero_and_default_yuan():
    assert section2_paragraph(report(Y2019)) == (
        "本年度未新制作规章和规范性文件，亦无对外公开的规章和规范性文件。"
        "本年度无行政许可、其他对外管理服务事项、行政处罚、行政强制、行政事业性收费相关事项。"
        "本年度无政府集中采购项目。"
    )
    cells = {"t2_9.central_procurement.procurement_items": 1,
             "t2_9.central_procurement.procurement_amount": 251000}
    assert section2_paragraph(report(Y2019, cells)).endswith(
        "本年度政府集中采购项目1项，采购总金额251,000元。"
    )


def test_s2_f2021():
    cells = {
        "t2_1.regulation.in_force": 3,
        "t2_1.normative_doc.issued": 2, "t2_1.normative_doc.repealed": 1,
        "t2_1.normative_doc.in_force": 10,
        "t2_5.admin_license.decisions": 12345, "t2_6.admin_penalty.decisions": 56,
        "t2_8.admin_fee.fee_amount": 0.1 + 0.2,
    }
    assert section2_paragraph(report(Y2021, cells)) == (
        "本年度未制发或废止规章，现行有效规章3件；"
        "制发行政规范性文件2件、废止1件，现行有效行政规范性文件10件。"
        "本年度作出行政许可处理决定12,345件、行政处罚处理决定56件，未作出行政强制处理决定。"
        "本年度行政事业性收费金额为0.3万元。"
    )


def test_s2_f2021_all_zero():
    assert section2_paragraph(report(Y2021)) == (
        "本年度未制发规章和行政规范性文件，亦无现行有效的规章和行政规范性文件。"
        "本年度未作出行政许可、行政处罚、行政强制处理决定。"
        "本年度无行政事业性收费。"
    )


# --- Overview -------------------------------------------------------------------------------------


def test_overview_facts():
    cells = t3(10, 8, res_open=6, res_partial=1, res_unable_not_held=1)
    cells.update(t4(rev_upheld=1))
    assert overview_facts(report(Y2021, cells, prev_new=8)) == [
        "新收政府信息公开申请10件，较上年增长25.0%",
        "办结申请8件，其中予以公开和部分公开7件，占办结总数的87.5%",
        "结转下年度继续办理2件",
        "因政府信息公开工作被申请行政复议1件、被提起行政诉讼0件",
    ]
    assert overview_facts(report(Y2021)) == [
        "未收到新的政府信息公开申请",
        "未发生因政府信息公开工作引起的行政复议、行政诉讼",
    ]


# --- Properties -----------------------------------------------------------------------------------

COUNT = st.one_of(st.just(0), st.just(0), st.integers(1, 20), st.integers(21, 60000))
NUMBER_BEFORE_JIAN = re.compile(r"(\d[\d,]*)件")
SHARE = re.compile(
    r"(予以公开|部分公开|不予公开|无法提供|不予处理|其他处理)(\d[\d,]*)件，"
    r"占(?:办结总数的)?(?:比例|比)?(不足0\.1%|\d+\.\d%)"
)
YOY = re.compile(r"较上年(增长|下降)(不足0\.1%|\d+\.\d%)")


def _int(text):
    return int(text.replace(",", ""))


def _half_up_pct(part, whole):
    """Independent reference: 100 × part / whole rounded half up to one decimal."""
    exact = Decimal(100 * part) / Decimal(whole)
    return exact.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _check_pct(stated, part, whole):
    exact = Fraction(100 * part, whole)
    if stated == "不足0.1%":
        assert 0 < exact < Fraction(1, 20)
        return Decimal(0)
    value = Decimal(stated[:-1])
    assert value == _half_up_pct(part, whole)
    assert abs(Fraction(value) - exact) <= Fraction(1, 20)
    # Python's round() agrees except at exact ties, where it rounds to even.
    assert abs(float(value) - round(float(exact), 1)) <= 0.1 + 1e-9
    return value


@st.composite
def t3_reports(draw):
    year = draw(st.sampled_from([Y2019, Y2021]))
    rows = format_for_year(year).result_rows()
    results = {r.id: draw(COUNT) for r in rows}
    answered = sum(results.values())
    carry_out = draw(COUNT)
    carry_in = draw(st.integers(0, answered + carry_out))
    new = answered + carry_out - carry_in
    natural = draw(st.integers(0, new))
    prev_new = draw(st.one_of(st.none(), COUNT))
    cells = t3(new, natural, carry_in=carry_in, **results)
    return report(year, cells, prev_new=prev_new)


@settings(max_examples=300, deadline=None)
@given(t3_reports())
def test_s3_every_number_comes_from_the_table(r):
    text = section3_paragraph(r)
    cats = {c.category: c for c in result_categories(r)}
    new, natural = r.count("t3.new.total"), r.count("t3.new.natural_person")
    answered = r.count("t3.res_total.total")
    allowed = {new, natural, new - natural, r.count("t3.carry_in.total"), answered,
               r.count("t3.carry_out.total")}
    for row in r.format.result_rows():
        allowed.add(r.count(f"t3.{row.id}.total"))
    for category in CATEGORY_LABELS:
        rows = r.format.result_rows(category)
        allowed.add(sum(r.count(f"t3.{row.id}.total") for row in rows))
    for match in NUMBER_BEFORE_JIAN.finditer(text):
        assert _int(match.group(1)) in allowed, (match.group(0), text)
        assert _int(match.group(1)) > 0, text  # a zero is said in words, never as "0件"
    assert not re.search(r"[A-Za-z]", text)

    shares = SHARE.findall(text)
    label_to_cat = {v: k for k, v in CATEGORY_LABELS.items()}
    stated = []
    for label, n, pct in shares:
        category = label_to_cat[label]
        expected = sum(r.count(f"t3.{row.id}.total") for row in r.format.result_rows(category))
        assert _int(n) == expected == cats[category].count
        stated.append(_check_pct(pct, expected, answered))
    if len(stated) >= 2:
        nonzero = [c for c in cats.values() if c.count]
        assert len(stated) == len(nonzero)
        assert abs(sum(stated) - 100) <= Decimal("0.1") * (len(stated) - 1)

    yoy = YOY.search(text)
    base = None if r.prev is None else r.prev.count("t3.new.total")
    if base and new:
        if new == base:
            assert "与上年持平" in text
        else:
            assert yoy is not None
            assert (yoy.group(1) == "增长") == (new > base)
            _check_pct(yoy.group(2), abs(new - base), base)
    else:
        assert "较上年" not in text and "与上年持平" not in text


@st.composite
def t4_reports(draw):
    small = st.one_of(st.just(0), st.just(0), st.integers(1, 3), st.integers(4, 20000))
    cells = {}
    for block in ("rev", "lit_direct", "lit_after_rev"):
        for outcome in ("upheld", "corrected", "other", "pending"):
            cells[f"{block}_{outcome}"] = draw(small)
    year = draw(st.sampled_from([Y2019, Y2021]))
    return report(year, t4(**cells))


@settings(max_examples=300, deadline=None)
@given(t4_reports())
def test_s4_upheld_only_when_every_case_was_upheld(r):
    text = section4_paragraph(r)
    values = {ref: r.count(ref) for ref in r.values if ref.startswith("t4.")}
    cases = r.derived("reviews") + r.derived("lawsuits")
    not_upheld = sum(v for ref, v in values.items()
                     if ref.endswith(("_corrected", "_other", "_pending")))
    assert ("均获维持" in text) == (cases >= 2 and not_upheld == 0)
    allowed = set(values.values()) | {r.derived("reviews"), r.derived("lawsuits")}
    for match in NUMBER_BEFORE_JIAN.finditer(text):
        assert _int(match.group(1)) in allowed, (match.group(0), text)
    if r.derived("pending_cases"):
        assert "尚未审结" in text
    assert not re.search(r"[A-Za-z]", text)


def test_s2_table_of_an_unknown_kind_is_still_stated():
    """A table of a future format without dedicated wording falls back to label + value."""
    from nianbao.formats.spec import Table
    from nianbao.report.narrative import _generic_sentence

    table = Table.model_validate({
        "id": "t2_x", "section": "s2", "columns": [
            {"id": "count", "label": "本年数量", "unit": "件"},
            {"id": "amount", "label": "金额", "type": "decimal", "unit": "万元"},
        ],
        "rows": [{"id": "thing", "label": "某类事项"}],
    })
    r = report(Y2021, {"t2_x.thing.count": 4, "t2_x.thing.amount": 1.25})
    assert _generic_sentence(r, table) == "某类事项本年数量4件，某类事项金额1.25万元。"


@settings(max_examples=60, deadline=None)
@given(st.sampled_from([Y2019, Y2021]).flatmap(
    lambda year: st.tuples(st.just(year), consistent_report(year))
))
def test_full_reports_of_both_formats(year_and_cells):
    """Every cell filled, every applicant column balanced: all sentences build, read as
    Chinese only, and section 二 states only numbers its tables hold."""
    year, cells = year_and_cells
    r = report(year, cells)
    texts = [section2_paragraph(r), section3_paragraph(r), section4_paragraph(r),
             fee_sentence(r) or "", *overview_facts(r)]
    for text in texts:
        assert not re.search(r"[A-Za-z]", text), text
    section2_numbers = {abs(int(v)) for ref, v in cells.items() if ref.startswith("t2_")}
    for match in re.finditer(r"(\d[\d,]*)(?:件|项)", texts[0]):
        assert _int(match.group(1)) in section2_numbers, (match.group(0), texts[0])
