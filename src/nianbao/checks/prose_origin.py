"""Where the prose came from: another year, a superseded format, another agency or place.

- ``R_wrong_year``: a figure dated in another year inside the report's own account of its year
  ("2022年，共收到申请5件" in a 2023 report), or improvement measures dated in the report year
  itself (usually last year's plan carried over; only ``uncertain``).
- ``R_superseded_notice``: the 2019 format notice (国办公开办函〔2019〕60号) cited by a report of
  2021 or later, or the 2021 notice by a report of 2019–2020.
- ``R_other_agency_name`` / ``R_kind_wording`` / ``R_text_reuse``: the rules ``check`` also runs
  over the whole dataset (text_rules.py), here for one report and its given context.
- ``R_peer_text``: near-identical text between agencies of the same year.
- ``R_other_place_name``: another province's or city's name, as the report's own subject
  (本市, 沈阳市人民政府 …: a warning) or only mentioned (information).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import TYPE_CHECKING

from nianbao.checks import prose_text as T
from nianbao.checks.places import gazetteer
from nianbao.checks.prose_context import Context
from nianbao.checks.text_rules import (
    NameIndex,
    addressee_hits,
    fingerprint_similarity,
    kind_wording_hits,
    text_fingerprint,
)
from nianbao.findings import Finding

if TYPE_CHECKING:
    from nianbao.checks.prose import ProseInput
    from nianbao.formats.spec import ReportFormat

WRONG_YEAR = "R_wrong_year"
SUPERSEDED = "R_superseded_notice"
OTHER_AGENCY = "R_other_agency_name"
OTHER_PLACE = "R_other_place_name"
KIND_WORDING = "R_kind_wording"
REUSE = "R_text_reuse"
PEER_TEXT = "R_peer_text"

OWN_ACCOUNT = ("s1", "s5", "s6")  # sections that tell the year's own story
REUSE_THRESHOLD = 0.5
PEER_THRESHOLD = 0.6
PASSAGE = 20  # characters of a sentence long enough to count as a passage of its own

_DATED = re.compile(r"(?P<year>(?:19|20)\d{2})\s*年(?:度)?(?:，|,|全年|共|我|本|全|累计)")
_CLAUSE_OPEN = T.CLAUSE_END + " \t　"
_COMPARE = re.compile(r"较|比|同比|相比|环比|增长|下降|减少|增加|上升|持平|以来|至今|截至|截止|"
                      r"延续|持续|连续|自|从|历年|首次|整改|对照")
_PLAN_MARKER = re.compile(r"改进措施|整改措施|改进计划|下一步|下一年度|今后|改进方向|工作打算")
# The notices by their number (with the issuer's code, so that a local 〔2019〕60号 is not
# taken for them) or, for the trial format, by its title.
_NOTICE_2019 = re.compile(r"公开办函\s*[〔\[［（(【]\s*2019\s*[〕\]］）)】]\s*60\s*号|"
                          r"年度报告格式\s*[（(]\s*试行\s*[）)]")
_NOTICE_2021 = re.compile(r"公开办函\s*[〔\[［（(【]\s*2021\s*[〕\]］）)】]\s*30\s*号")


def section_findings(ctx: Context, doc: ProseInput, skip: Collection[str]) -> list[Finding]:
    """Rules that read one section on its own."""
    out: list[Finding] = []
    if WRONG_YEAR not in skip and ctx.section in OWN_ACCOUNT:
        out += _dated_figures(ctx, doc.year)
        if ctx.section == "s5":
            out += _plan_in_report_year(ctx, doc.year)
    if SUPERSEDED not in skip:
        out += _superseded(ctx, doc.year)
    if KIND_WORDING not in skip and doc.agency_kind:
        out += _kind_wording(ctx, doc.agency_kind)
    if OTHER_PLACE not in skip:
        out += _other_places(ctx, doc.agency_name)
    return out


def report_findings(doc: ProseInput, fmt: ReportFormat, skip: Collection[str]) -> list[Finding]:
    """Rules that compare the whole report with other texts."""
    out: list[Finding] = []
    if OTHER_AGENCY not in skip and doc.registry_names:
        out += _other_agencies(doc)
    own = _own_text(doc.sections)
    if REUSE not in skip and doc.previous_sections:
        mine, before = text_fingerprint(own), text_fingerprint(_own_text(doc.previous_sections))
        score = fingerprint_similarity(mine, before)
        labels = [fmt.section("s1").heading, fmt.section("s5").heading]
        if score >= REUSE_THRESHOLD:
            out.append(Finding(
                rule=REUSE, severity="warning", cells=["s1", "s5"], section="s1",
                labels=labels, expected=f"< {REUSE_THRESHOLD:.0%}", actual=f"{score:.0%}",
                message=f"“总体情况”和“存在的主要问题及改进情况”中有 {score:.0%} 的句子"
                        "与上一年度报告相同（数字不计），疑似照搬上年内容"))
        else:
            long = sorted((s for s in mine & before if len(s) >= PASSAGE), key=len, reverse=True)
            if len(long) >= 2:  # whole passages carried over, the rest rewritten
                out.append(Finding(
                    rule=REUSE, severity="info", cells=["s1", "s5"], section="s1",
                    labels=labels, actual=len(long), quote=long[0].replace("#", "…"),
                    message=f"“总体情况”和“存在的主要问题及改进情况”中有 {len(long)} 个较长的句子"
                            "与上一年度报告相同（数字不计），"
                            f"如“{long[0][:40].replace('#', '…')}”"))
    if PEER_TEXT not in skip and doc.peer_texts:
        mine = text_fingerprint(own)
        for name, sections in doc.peer_texts.items():
            if name == doc.agency_name:
                continue
            score = fingerprint_similarity(mine, text_fingerprint(_own_text(sections)))
            if score >= PEER_THRESHOLD:
                out.append(Finding(
                    rule=PEER_TEXT, severity="warning", cells=["s1", "s5"], section="s1",
                    labels=[fmt.section("s1").heading, fmt.section("s5").heading],
                    expected=f"< {PEER_THRESHOLD:.0%}", actual=f"{score:.0%}",
                    message=f"“总体情况”和“存在的主要问题及改进情况”中有 {score:.0%} 的句子"
                            f"与同年度“{name}”的报告相同（数字不计），疑似套用其他单位的报告"))
    return out


def _own_text(sections: dict[str, str]) -> str:
    return "\n".join(sections.get(s, "") for s in ("s1", "s5"))


def text_similarity_of(a: str, b: str) -> float:
    return fingerprint_similarity(text_fingerprint(a), text_fingerprint(b))


# ------------------------------------------------------------------ years and notices


def _dated_figures(ctx: Context, year: int) -> list[Finding]:
    text = ctx.text
    out = []
    seen = set()
    for m in _DATED.finditer(text):
        dated = int(m["year"])
        if dated in (year, year + 1):
            continue
        start = m.start()
        if start > 0 and text[start - 1] not in _CLAUSE_OPEN:
            continue  # not at the start of a clause (or inside a longer number)
        sent = T.sentence_span(text, start)
        if sent in seen:
            continue
        sentence = text[sent[0]:sent[1]]
        if _COMPARE.search(sentence) or not [c for c in T.counts_in(sentence) if not c.approx]:
            continue
        if f"{year}年" in sentence.replace(" ", ""):
            continue  # the two years side by side: a comparison
        seen.add(sent)
        out.append(ctx.finding(
            "warning", f"“{ctx.heading}”中“{T.quote(text, *sent, limit=60)}”所述为{dated}年的"
            f"数字，而本报告为{year}年度报告，疑似沿用其他年度的内容", sent,
            expected=year, actual=dated, rule=WRONG_YEAR))
    return out


def _plan_in_report_year(ctx: Context, year: int) -> list[Finding]:
    text = ctx.text
    marker = _PLAN_MARKER.search(text)
    if not marker:
        return []
    for m in _DATED.finditer(text, marker.end()):
        if int(m["year"]) != year or (m.start() and text[m.start() - 1].isdigit()):
            continue
        sent = T.sentence_span(text, m.start())
        return [ctx.finding(
            "uncertain", f"“{ctx.heading}”的改进措施写作“{T.quote(text, *sent, limit=60)}”，"
            f"所署年份为报告年度{year}年；改进措施通常针对下一年度，请核实是否沿用了上一年度"
            "报告的内容", sent, expected=year + 1, actual=year, rule=WRONG_YEAR)]
    return []


def _superseded(ctx: Context, year: int) -> list[Finding]:
    text = ctx.text
    if "公开办函" not in text and "试行" not in text:  # in every text either notice matches
        return []
    old, new = _NOTICE_2019.search(text), _NOTICE_2021.search(text)
    out = []
    if year >= 2021 and old:
        sent = T.sentence_span(text, old.start())
        severity = "warning" if new else "error"
        out.append(ctx.finding(
            severity, f"{year}年度报告引用了已被替代的2019年报告格式通知"
            f"（国办公开办函〔2019〕60号）：“{T.quote(text, *sent, limit=60)}”；"
            "2021年度起应依据国办公开办函〔2021〕30号",
            sent, expected="国办公开办函〔2021〕30号", actual="国办公开办函〔2019〕60号",
            rule=SUPERSEDED))
    if year <= 2020 and new:
        sent = T.sentence_span(text, new.start())
        out.append(ctx.finding(
            "error", f"{year}年度报告引用了2021年才印发的报告格式通知（国办公开办函〔2021〕30号）："
            f"“{T.quote(text, *sent, limit=60)}”；{year}年度报告应依据国办公开办函〔2019〕60号",
            sent, expected="国办公开办函〔2019〕60号", actual="国办公开办函〔2021〕30号",
            rule=SUPERSEDED))
    return out


# ------------------------------------------------------------------ pasted from elsewhere


def _kind_wording(ctx: Context, kind: str) -> list[Finding]:
    text = ctx.text
    out = []
    hits = kind_wording_hits(text, kind)
    if hits:
        first = text.find(hits[0])
        sent = T.sentence_span(text, first)
        out.append(ctx.finding(
            "warning", f"本单位为{kind}，但“{ctx.heading}”使用了“{'、'.join(hits)}”等称谓，"
            "疑似沿用其他单位的文字", sent, actual="、".join(hits), expected=kind,
            rule=KIND_WORDING))
    for addressee, sentence in addressee_hits(text, kind)[:1]:
        start = text.find(sentence)
        sent = (start, start + len(sentence))
        out.append(ctx.finding(
            "warning", f"本单位为{kind}，但“{ctx.heading}”中“{T.quote(text, *sent, limit=60)}”"
            f"所述为向“{addressee}”提出的申请，疑似沿用政府报告的文字",
            sent, actual=addressee, expected=kind, rule=KIND_WORDING))
    return out


def _other_agencies(doc: ProseInput) -> list[Finding]:
    own = doc.agency_name
    names = {n: {n} for n in doc.registry_names if n and n not in own and own not in n}
    index = NameIndex(names)
    out = []
    for key, text in doc.sections.items():
        hits = index.others_in(text, own)
        if not hits:
            continue
        sent = T.sentence_span(text, text.find(hits[0]))
        out.append(Finding(
            rule=OTHER_AGENCY, severity="warning", cells=[key], labels=["正文"],
            actual="、".join(hits), section=key, span=sent, quote=T.quote(text, *sent),
            message=f"正文提到其他单位“{'、'.join(hits)}”，疑似从其他单位的报告中复制"))
    return out


_OWN_AFTER = re.compile(r"(?:人民)?政府|政务|党委|委员会|信息公开|年度|全[市省区县]")
_OWN_BEFORE = ("本", "我", "全")


def _other_places(ctx: Context, agency_name: str) -> list[Finding]:
    """Provinces and cities other than the agency's own (known from its name)."""
    gaz = gazetteer()
    provinces, cities = gaz.locate(agency_name)
    if not provinces:
        return []
    text = ctx.text
    hits: list[str] = []
    weak_at = strong_at = None
    for start, end, places in gaz.in_text(text):
        name = places[0].name
        if name in agency_name or any(_own(p, provinces, cities) for p in places):
            continue
        if name not in hits:
            hits.append(name)
        if _OWN_AFTER.match(text, end) or text[max(0, start - 1):start] in _OWN_BEFORE:
            strong_at = start if strong_at is None else strong_at
        weak_at = start if weak_at is None else weak_at
    if not hits:
        return []
    strong = strong_at is not None
    sent = T.sentence_span(text, strong_at if strong else weak_at)
    severity = "warning" if strong else "info"
    how = "作为本单位的称谓" if strong else ""
    return [ctx.finding(
        severity, f"“{ctx.heading}”{how}提到其他地方“{'、'.join(hits)}”（本单位为{agency_name}），"
        f"疑似从其他地方的报告中复制：“{T.quote(text, *sent, limit=60)}”", sent,
        actual="、".join(hits), expected=agency_name, rule=OTHER_PLACE)]


def _own(place, provinces: set[str], cities: set[str]) -> bool:
    if place.province not in provinces:
        return False
    return place.level == "province" or not cities or place.city in cities
