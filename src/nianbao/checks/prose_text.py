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
# Starts with a digit and has no look-behind, so the scan stays fast; counts_in checks the
# character before and the thousands separators.
_COUNT = re.compile(
    rf"(?P<num>\d[\d,]*)(?P<frac>\.\d+)?\s*(?P<approx>余|多)?\s*(?P<unit>{COUNT_UNITS})"
)
_GROUPED = re.compile(r"\d{1,3}(?:,\d{3})+")
_PERCENT = re.compile(r"(?<![\d.])(?P<num>\d+(?:\.\d+)?)\s*[%％]")
APPROX_WORDS = ("约", "近", "逾", "超过", "达", "达到", "不足", "不到", "将近", "大约")
NEGATION = re.compile(r"未(?!经|来|按)|无(?!法|论)|没有")
_NEGATION_BEFORE = NEGATION
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
        num, frac, start = m["num"], m["frac"], m.start()
        if start and text[start - 1] in "0123456789.,":
            continue
        if "," in num and not _GROUPED.fullmatch(num):
            continue
        value = float(num.replace(",", "") + (frac or "")) if frac or "," in num else float(num)
        approx = bool(m["approx"] or frac) or text[max(0, start - 2):start].endswith(APPROX_WORDS)
        out.append(Count(value, m["unit"], start, m.end(), approx))
    return out


def percents_in(text: str, start: int, end: int) -> list[tuple[float, int, int, int]]:
    """Percentages in ``text[start:end]``: (value, decimals, start, end)."""
    out = []
    for m in _PERCENT.finditer(text, start, end):
        num = m["num"]
        decimals = len(num.split(".")[1]) if "." in num else 0
        out.append((float(num), decimals, m.start(), m.end()))
    return out


_HEADING_START = re.compile(r"[#|>*\-（(]|[一二三四五六七八九十]+、|\d+[.、．]")
_HARD_BEFORE = "。！？!?；;：:"
_PAGE_MARKER = re.compile(r"[ \t]*[-—–]+[ \t]*\d+[ \t]*[-—–]+[ \t]*")


def hard_break(text: str, i: int) -> bool:
    """Whether the newline at ``i`` ends a sentence. Text extracted from PDF pages breaks lines
    inside sentences; a newline counts only after a blank line, after closing punctuation,
    before a heading or list marker, or after a heading line."""
    j = i - 1
    while j >= 0 and text[j] in " \t　":
        j -= 1
    if j < 0 or text[j] == "\n" or text[j] in _HARD_BEFORE:
        return True
    k = i + 1
    while k < len(text) and text[k] in " \t　":
        k += 1
    if k >= len(text) or text[k] == "\n" or _HEADING_START.match(text, k):
        return True
    line_start = text.rfind("\n", 0, i) + 1
    if _PAGE_MARKER.fullmatch(text, line_start, i):
        return False
    if text[j] in "，,、":
        return False
    heading = _HEADING_START.match(text, line_start) and i - line_start < 40
    return bool(heading) or i - line_start < 6


_SENTENCE_END_RE = re.compile("[" + re.escape(SENTENCE_END) + "]")
_CLAUSE_END_RE = re.compile("[" + re.escape(CLAUSE_END) + "]")


def _back(text: str, pos: int, ends: str, floor: int = 0) -> int:
    """Index after the last of ``ends`` before ``pos`` (``floor`` when there is none)."""
    return max(floor, max(text.rfind(c, floor, pos) for c in ends) + 1)


def _forward(text: str, pos: int, pattern: re.Pattern) -> int:
    m = pattern.search(text, pos)
    return m.start() if m else len(text)


_BLANKS = re.compile(r"[ \t　\r]+|\n|^[ \t]*[-—–]+[ \t]*\d+[ \t]*[-—–]+[ \t]*$", re.MULTILINE)


@dataclass(frozen=True)
class Normalized:
    """A section text with line-wrapping newlines, blanks between Chinese characters and digits
    and page markers ("— 1 —") removed, and the way back to the original offsets."""

    text: str
    _norm: tuple[int, ...]  # positions in ``text`` where a removal happened …
    _shift: tuple[int, ...]  # … and how many characters had been removed up to there

    def original(self, start: int, end: int) -> tuple[int, int]:
        """A span of the normalised text as a span of the original text."""
        from bisect import bisect_right

        def at(pos: int) -> int:
            k = bisect_right(self._norm, pos) - 1
            return pos + (self._shift[k] if k >= 0 else 0)

        return at(start), at(max(start, end - 1)) + 1


def _maybe_soft(text: str) -> bool:
    """Whether ``normalize`` may have anything to undo (cheap string operations only)."""
    bare = text.replace("# ", "#") if "# " in text else text
    if " " in bare or "\t" in bare or "　" in bare or "\r" in bare:
        return True
    if text.startswith("\n"):  # such a text is taken as it is
        return False
    return _SOFT_NEWLINE.search(text) is not None


#: A line break that may only wrap a line: neither after closing punctuation or a blank line,
#: nor before a blank line, a heading or a list marker, nor at the end. It opens with the line
#: break itself, which the regex engine finds by a fast scan.
_SOFT_NEWLINE = re.compile(rf"\n(?<=[^{re.escape(_HARD_BEFORE)}\n]\n)(?=[^\n#|>*\-（(])")


def normalize(text: str) -> Normalized:
    if not _maybe_soft(text):  # nothing to undo (the usual Markdown of data/text)
        return Normalized(text, (), ())
    pieces, norm, shift = [], [], []
    last, removed, out_len = 0, 0, 0
    for m in _BLANKS.finditer(text):
        s, e = m.span()
        if m.group(0) == "\n":
            if hard_break(text, s):
                continue
        elif not m.group(0).strip() and _between_ascii(text, s, e):
            continue
        pieces.append(text[last:s])
        out_len += s - last
        removed += e - s
        norm.append(out_len)
        shift.append(removed)
        last = e
    if not pieces:
        return Normalized(text, (), ())
    pieces.append(text[last:])
    return Normalized("".join(pieces), tuple(norm), tuple(shift))


def _between_ascii(text: str, s: int, e: int) -> bool:
    """Blanks between two Latin letters or digits separate words and stay."""
    return (s > 0 and e < len(text) and text[s - 1].isascii() and text[e].isascii()
            and text[s - 1].isalnum() and text[e].isalnum())


def sentence_span(text: str, pos: int) -> tuple[int, int]:
    """The sentence around ``pos``, without surrounding blanks and Markdown markers."""
    start = _back(text, pos, SENTENCE_END)
    end = _forward(text, pos, _SENTENCE_END_RE)
    if end < len(text) and text[end] != "\n":
        end += 1
    while start < end and text[start] in " \t#>-*　\n":
        start += 1
    return start, end


def clause_start(text: str, pos: int, floor: int = 0) -> int:
    """Start of the clause that holds ``pos`` (not before ``floor``)."""
    return _back(text, pos, CLAUSE_END, floor)


def clause_end(text: str, pos: int) -> int:
    return _forward(text, pos, _CLAUSE_END_RE)


def previous_sentence(text: str, start: int) -> str:
    """The sentence before the one starting at ``start`` (empty at the start of the text)."""
    if start <= 1:
        return ""
    s, e = sentence_span(text, max(0, start - 2))
    return text[s:e]


def quote(text: str, start: int, end: int, limit: int = 120) -> str:
    """The sentence as a finding quotes it: blanks collapsed, long ones shortened."""
    body = " ".join(re.sub(r"\s*\n\s*", "", text[start:end]).split())
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
