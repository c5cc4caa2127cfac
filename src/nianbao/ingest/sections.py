"""Title, year, publication date, the six section headings and the fee statement of 六.

Headings are recognised by their numeral (一 … 六) followed by a separator and a key word of
the section within a few characters, so real-world variants ("五、存在的主要问题及整改措施",
typos, extra words) are found; a table of contents earlier in the document loses to the last
heading sequence in order.
"""

from __future__ import annotations

import datetime as dt
import re

from nianbao.ingest.labels import norm, normalise
from nianbao.ingest.model import Fees

SECTION_WORDS = {
    "s1": ("总体情况", "概述", "基本情况", "总体", "概况"),
    "s2": ("主动公开",),
    "s3": ("收到和处理", "依申请", "申请情况", "收到", "处理政府信息公开申请"),
    "s4": ("行政复议", "行政诉讼", "复议"),
    "s5": ("存在的主要问题", "主要问题", "存在问题", "问题及", "问题和", "改进情况", "整改"),
    "s6": ("其他需要报告", "其他需报告", "其他事项", "需要报告", "其他"),
}
NUMERALS = {"s1": "一", "s2": "二", "s3": "三", "s4": "四", "s5": "五", "s6": "六"}
_REPORT = r"政(?:府|务)信息公开(?:工作)?(?:年度)?(?:工作)?(?:报告|年报)"
_TITLE_A = re.compile(r"([^\s，。、:：;；|]{2,40}?)(20\d\d)年度?" + _REPORT)
_TITLE_B = re.compile(r"(20\d\d)年度?([^\s，。、:：;；|]{0,40}?)" + _REPORT)
_TITLE_C = re.compile(r"([^\s，。、:：;；|]{2,40}?)" + _REPORT
                      + r"[（(〔\[]?(20\d\d)年?度?[）)〕\]]?")
_JUNK = re.compile(r"^(?:.*?(?:当前位置|首页|标题|名称|正文|>|»))+")
_DATE_HEAD = re.compile(
    r"(?:发布时间|发布日期|公开日期|成文日期|印发日期|日期|时间)\s*[:：]\s*"
    r"(20\d\d)\s*[-年/.]\s*(\d{1,2})\s*[-月/.]\s*(\d{1,2})")
_DATE_CN = re.compile(r"(20\d\d)\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")


def headings(text: str) -> dict[str, tuple[int, int]]:
    """Original (start, end) of each section heading found, in official order."""
    found: dict[str, list[tuple[int, int]]] = {}
    n = normalise(text)
    for sid, no in NUMERALS.items():
        words = "|".join(re.escape(w) for w in SECTION_WORDS[sid])
        pattern = re.compile(
            rf"(?<![一二三四五六七八九十第（(])({no})\s*(?:[、.．,，:：]|\s)\s*"
            rf"(?:[^\n。；;|]{{0,16}}?)({words})")
        found[sid] = [(m.start(), _line_end(text, m.end())) for m in pattern.finditer(text)]
        # letter-spaced headings of PDFs (一 、 总 体 情 况): the same on the text without spaces
        spaced = re.compile(
            rf"(?<![一二三四五六七八九十第(])({no})[、.,:](?:[^。;|]{{0,16}}?)({words})")
        for m in spaced.finditer(n.text):
            start, end = n.span(m.start(), m.end())
            if not any(a <= start < b for a, b in found[sid]):
                found[sid].append((start, _line_end(text, end)))
        bare = re.compile(rf"(?m)^[ \t]*((?:政府信息公开|行政机关|因政府信息公开工作被申请)?"
                          rf"(?:工作)?(?:{words})[^\n|。，,]{{0,16}}(?:情况|事项))[ \t]*$")
        found[sid] += [(m.start(1), m.end(1)) for m in bare.finditer(text)]
        found[sid].sort()
    out: dict[str, tuple[int, int]] = {}
    limit = len(text) + 1
    for sid in reversed(list(NUMERALS)):
        options = [s for s in found[sid] if s[1] <= limit]
        if options:
            out[sid] = options[-1]
            limit = options[-1][0]
    return dict(sorted(out.items()))


def _line_end(text: str, pos: int) -> int:
    """End of a heading: the end of its title words, else its line when the line is short."""
    nl = text.find("\n", pos)
    stop = nl if nl != -1 else len(text)
    if text[max(0, pos - 2):pos] in ("情况", "事项", "措施"):
        return pos
    m = re.search(r"情况|事项|措施", text[pos:min(stop, pos + 12)])
    if m:
        return pos + m.end()
    return stop if stop - pos <= 30 else pos


def section_spans(text: str, heads: dict[str, tuple[int, int]]) -> dict[str, tuple[int, int]]:
    """Body (start, end) of each found section: from its heading to the next one."""
    order = list(heads)
    spans = {}
    for i, sid in enumerate(order):
        end = heads[order[i + 1]][0] if i + 1 < len(order) else len(text)
        spans[sid] = (heads[sid][1], end)
    return spans


def title(text: str, hint: str | None) -> tuple[str | None, int | None]:
    """Agency name and report year from the title (a page title or the first lines)."""
    candidates = [hint] if hint else []
    lines = [line for line in text[:4000].split("\n") if line.strip()][:60]
    singles = len(candidates) + len(lines)
    candidates += lines + [a + b for a, b in zip(lines, lines[1:], strict=False)]
    for i, raw in enumerate(candidates):
        line = norm(raw)
        m = _TITLE_A.search(line)
        if m:
            agency = _clean_agency(m.group(1))
            if agency:
                return agency, int(m.group(2))
        m = _TITLE_C.search(line)
        if m and not _TITLE_B.search(line):
            agency = _clean_agency(m.group(1))
            if agency:
                return agency, int(m.group(2))
        m = _TITLE_B.search(line)
        if m:
            agency = _clean_agency(m.group(2))
            if not agency and 0 < i < singles:  # the agency on the line above the title
                agency = _clean_agency(norm(candidates[i - 1]))
            return agency or None, int(m.group(1))
    m = re.search(r"统计期限?[^。]{0,8}?(20\d\d)\s*年\s*1\s*月\s*1\s*日", text[:6000]) or \
        re.search(r"截[止至]\s*(20\d\d)\s*年\s*12\s*月\s*31\s*日", text[:6000])
    return None, int(m.group(1)) if m else None


def _clean_agency(s: str) -> str:
    s = _JUNK.sub("", s)
    s = re.sub(r"^[^\u4e00-\u9fff]+", "", s)
    s = re.sub(r"^(?:关于|[:：])", "", s)
    s = re.sub(r"(?:关于)$", "", s)
    return s if len(s) >= 2 and re.search(r"[\u4e00-\u9fff]{2}", s) else ""


def published(text: str) -> dt.date | None:
    """The publication date: a page's date line, else the date under the signature."""
    for m in [_DATE_HEAD.search(text[:3000])] + list(_DATE_CN.finditer(text[-400:]))[-1:]:
        if m:
            try:
                return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                continue
    return None


_NO_FEE = re.compile(r"(?:未|没有|无|不)(?:发生|产生)?(?:收取|收费|征收)"
                     r"|未(?:发生|产生)[^。]{0,10}费"
                     r"|无收取|费用为(?:零|0)|收取[^。]{0,12}(?:为零|0元|0 元)")
_NUM = r"(\d[\d,]*(?:\.\d+)?)"


def fees(s6: str) -> Fees:
    """Fee notices and amounts stated in section 六 (None where nothing is said)."""
    text = norm(s6)
    out = Fees()
    m = re.search(r"(?:发出|送达|出具|开具)?收费通知(?:书)?" + _NUM + r"(?:件|份|次)", text)
    if m:
        out.notices_issued = float(m.group(1).replace(",", ""))
        out.quote = m.group(0)
    m = re.search(r"收费通知[^。;]{0,30}?金额(?:为|共|合计)?" + _NUM + r"(万)?元", text)
    if m:
        out.notices_amount_yuan = _yuan(m.group(1), m.group(2))
    m = re.search(r"(?:实际)?(?:收取|收缴|共收)[^。;]{0,20}?" + _NUM + r"(万)?元", text)
    if m:
        out.collected_yuan = _yuan(m.group(1), m.group(2))
        out.quote = out.quote or m.group(0)
    if out.notices_issued is None and out.collected_yuan is None:
        m = _NO_FEE.search(text)
        if m and re.search(r"费", text):
            out.notices_issued = 0.0
            out.notices_amount_yuan = 0.0
            out.collected_yuan = 0.0
    if out.notices_issued is not None or out.collected_yuan is not None:
        out.quote = _sentence_with(s6, "费")
    return out


def _sentence_with(text: str, word: str) -> str | None:
    """The first sentence of ``text`` (as printed) that contains ``word``."""
    for sentence in re.split(r"(?<=[。；;！!])|\n", text):
        if word in sentence and sentence.strip():
            return sentence.strip()
    return None


def _yuan(number: str, wan: str | None) -> float:
    value = float(number.replace(",", ""))
    return value * 10000 if wan else value
