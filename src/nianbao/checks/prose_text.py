"""Reading prose for the text checks: sentences, clauses, stated counts and percentages.

All positions are character offsets in the section text, so that a finding can quote the
sentence and point at it. Counts are Arabic numerals followed by a counting unit (件, 条 …);
a count marked as approximate (余, 多, 约, 近 …) is kept but flagged, because it cannot be
compared with a table cell.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

SENTENCE_END = "。！？!?\n"
CLAUSE_END = "，,；;：:。！？!?\n"
COUNT_UNITS = "件|条|起|项|份|宗|个|篇"
_COUNT = re.compile(
    r"(?<![\d.,，])(?P<num>\d{1,3}(?:,\d{3})+|\d+)(?P<frac>\.\d+)?\s*(?P<approx>余|多)?\s*"
    rf"(?P<unit>{COUNT_UNITS})"
)
_PERCENT = re.compile(r"(?<![\d.])(?P<num>\d+(?:\.\d+)?)\s*[%％]")
_APPROX_BEFORE = re.compile(r"(?:约|近|逾|超过|达到?|不足|不到|将近|大约|左右)$")
_NEGATION_BEFORE = re.compile(r"(?:未|无|没有|尚无|暂无|并无|亦无|均无|均未)")
CN_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
             "九": 9, "十": 10}


@dataclass(frozen=True)
class Count:
    """A count stated in prose: its value, unit and span; ``approx`` for 余/多/约 counts."""

    value: float
    unit: str
    start: int
    end: int
    approx: bool


def counts_in(text: str) -> list[Count]:
    """Every stated count of a text, in order."""
    out = []
    for m in _COUNT.finditer(text):
        value = float(m["num"].replace(",", "") + (m["frac"] or ""))
        before = text[max(0, m.start() - 4):m.start()]
        approx = bool(m["approx"]) or bool(_APPROX_BEFORE.search(before)) or bool(m["frac"])
        out.append(Count(value, m["unit"], m.start(), m.end(), approx))
    return out


def percents_in(text: str, start: int, end: int) -> list[tuple[float, int, int, int]]:
    """Percentages in ``text[start:end]``: (value, decimals, start, end)."""
    out = []
    for m in _PERCENT.finditer(text, start, end):
        num = m["num"]
        decimals = len(num.split(".")[1]) if "." in num else 0
        out.append((float(num), decimals, m.start(), m.end()))
    return out


def sentence_span(text: str, pos: int) -> tuple[int, int]:
    """The sentence around ``pos``, without surrounding blanks and Markdown markers."""
    start = pos
    while start > 0 and text[start - 1] not in SENTENCE_END:
        start -= 1
    end = pos
    while end < len(text) and text[end] not in SENTENCE_END:
        end += 1
    if end < len(text) and text[end] != "\n":
        end += 1
    while start < end and text[start] in " \t#>-*　":
        start += 1
    return start, end


def clause_start(text: str, pos: int, floor: int = 0) -> int:
    """Start of the clause that holds ``pos`` (not before ``floor``)."""
    i = pos
    while i > floor and text[i - 1] not in CLAUSE_END:
        i -= 1
    return i


def clause_end(text: str, pos: int) -> int:
    i = pos
    while i < len(text) and text[i] not in CLAUSE_END:
        i += 1
    return i


def previous_sentence(text: str, start: int) -> str:
    """The sentence before the one starting at ``start`` (empty at the start of the text)."""
    if start <= 1:
        return ""
    s, e = sentence_span(text, max(0, start - 2))
    return text[s:e]


def quote(text: str, start: int, end: int, limit: int = 120) -> str:
    """The sentence as a finding quotes it: blanks collapsed, long ones shortened."""
    body = " ".join(text[start:end].split())
    return body if len(body) <= limit else body[: limit - 1] + "…"


def negated(prefix: str, gap: int = 4) -> bool:
    """True when ``prefix`` ends with a negation at most ``gap`` characters before its end."""
    tail = prefix[-(gap + 2):]
    return bool(_NEGATION_BEFORE.search(tail))


def chinese_number(text: str) -> int | None:
    """一 … 十九, 两, or Arabic digits, as an integer (None if not a small number)."""
    if text.isdigit():
        return int(text)
    if text in CN_DIGITS:
        return CN_DIGITS[text]
    if len(text) == 2 and text[0] == "十" and text[1] in CN_DIGITS:
        return 10 + CN_DIGITS[text[1]]
    if len(text) == 2 and text[1] == "十" and text[0] in CN_DIGITS:
        return CN_DIGITS[text[0]] * 10
    return None
