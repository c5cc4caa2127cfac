"""Titles, headings and the fee statement as real reports write them (invented wording)."""

from __future__ import annotations

import pytest

from nianbao.ingest import sections as sec


@pytest.mark.parametrize(("title", "agency", "year"), [
    ("示例县水利局2023年度政府信息公开工作年度报告", "示例县水利局", 2023),
    ("2024年示例市人民政府办公室政府信息公开工作年度报告", "示例市人民政府办公室", 2024),
    ("示例镇人民政府政府信息公开工作年度报告（2022年度）", "示例镇人民政府", 2022),
    ("当前位置：首页 > 信息公开 > 示例街道2021年政府信息公开年报", "示例街道", 2021),
])
def test_agency_and_year_from_the_title(title, agency, year):
    assert sec.title("", title) == (agency, year)


def test_title_split_over_two_lines_with_the_agency_above():
    text = "示例区教育局\n2023年政府信息公开工作年度报告\n正文……"
    assert sec.title(text, None) == ("示例区教育局", 2023)


def test_headings_tolerate_numbering_spaces_variants_and_a_contents_list():
    text = ("本报告包括：一、总体情况；二、主动公开政府信息情况；"
            "三、收到和处理政府信息公开申请情况；四、政府信息公开行政复议、行政诉讼情况；"
            "五、存在的主要问题及改进情况；六、其他需要报告的事项。\n"
            "一、总体情况\n本年度工作平稳。\n"
            "二. 主动公开政府信息情况\n| 规章 | 0 | 0 | 0 |\n"
            "三、 收到和处理政府信息公开申请情况\n表格\n"
            "四、因政府信息公开工作被申请行政复议、提起行政诉讼的情况\n表格\n"
            "五、存在的主要问题及整改措施\n问题若干。\n"
            "六、其它需要报告的事项\n无。\n")
    heads = sec.headings(text)
    assert list(heads) == ["s1", "s2", "s3", "s4", "s5", "s6"]
    body = sec.section_spans(text, heads)
    assert text[slice(*body["s1"])].strip() == "本年度工作平稳。"
    assert text[slice(*body["s5"])].strip() == "问题若干。"
    assert heads["s1"][0] > text.index("本报告包括")  # the contents list is not the heading


def test_headings_in_run_together_text_end_at_their_title():
    text = ("一、总体情况本年度平稳。二、主动公开政府信息情况表"
            "三、收到和处理政府信息公开申请情况表四、政府信息公开行政复议、行政诉讼情况表"
            "五、存在的主要问题及改进情况问题。六、其他需要报告的事项本年度未收取信息处理费。")
    spans = sec.section_spans(text, sec.headings(text))
    assert text[slice(*spans["s6"])] == "本年度未收取信息处理费。"
    assert text[slice(*spans["s1"])] == "本年度平稳。"


@pytest.mark.parametrize(("s6", "issued", "collected"), [
    ("本年度未收取信息处理费。", 0, 0),
    ("本机关全年未发生收费情况。", 0, 0),
    ("本年度共发出收费通知2件，收费通知金额共计300元，实际收取信息处理费300元。", 2, 300),
    ("本年度实际收取信息处理费0.1万元。", None, 1000),
])
def test_fee_statement_of_section_six(s6, issued, collected):
    fees = sec.fees(s6)
    assert fees.notices_issued == issued
    assert fees.collected_yuan == collected
    assert fees.quote and fees.quote in s6


def test_no_fee_statement_says_nothing():
    fees = sec.fees("无其他需要报告的事项。")
    assert fees.as_inputs() == {} and fees.quote is None


def test_publication_date_from_the_page_or_the_signature():
    assert str(sec.published("发布时间：2024-01-17 10:00\n正文")) == "2024-01-17"
    assert str(sec.published("正文……\n示例局\n2023年1月31日\n")) == "2023-01-31"


def test_letter_spaced_headings_of_a_pdf_are_found():
    text = ("一 、 总 体 情 况\n平稳。\n二 、 主 动 公 开 政 府 信 息 情 况\n表\n"
            "五 、 存 在 的 主 要 问 题 及 改 进 情 况\n问题。\n"
            "六 、 其 他 需 要 报 告 的 事 项\n无。\n")
    heads = sec.headings(text)
    assert list(heads) == ["s1", "s2", "s5", "s6"]
    spans = sec.section_spans(text, heads)
    assert text[slice(*spans["s5"])].strip() == "问题。"
