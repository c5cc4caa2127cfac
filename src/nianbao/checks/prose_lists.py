"""Arithmetic of the prose itself: a total and the items it lists, a stated number of points
and the points that follow.

"共发布信息249条，其中：文件9条；……" must add up when the items are introduced as the parts of
the total ("分别为" and "包括" lists without "等"); a "其中" list may name only some parts, so
there only items exceeding the total, or a breakdown of three or more items covering most but
not all of it, are reported. "从以下三个方面" must be followed by as many
points ("一是 … 三是", "（一）…（三）", "1. … 3.").
"""

from __future__ import annotations

import re

from nianbao.checks import prose_text as T
from nianbao.checks.prose_context import Context, fmt_number
from nianbao.findings import Finding

RULE = "R_prose_arithmetic"
_LIST_MARKER = re.compile(
    r"^[^。；;\d]{0,3}?[，,：:（(]?\s*(?P<marker>其中|包括|包含|分别为|分别是|具体为|主要有|涉及)"
    r"[：:，,]?")
_UNIT_THEN_MARKER = re.compile(
    rf"(?:{T.COUNT_UNITS})[^。；;\d]{{0,3}}?[，,：:（(]?\s*(?:其中|包括|包含|分别为|分别是|具体为|主要有|涉及)")
_STRENGTH = {"、": 0, "，": 1, ",": 1, "；": 2, ";": 2, "。": 3, "\n": 3, "！": 3, "？": 3}
_PARTIAL = re.compile(r"等|其他|其它|其余|以及")
_NESTED = re.compile(r"其中|包括|包含|含")
_EXACT_MARKERS = ("分别为", "分别是", "具体为")
_NOUNS = "方面|方式|措施|举措|问题|渠道|环节|部分|重点|途径|形式|不足|短板"
_LEADING_NUMERAL = re.compile(r"[一二两三四五六七八九十\d]+")
_POINTS = re.compile(  # no group before the character class, which keeps the scan fast
    r"[一二两三四五六七八九十\d][一二三四五六七八九十\d]?\s*(?:个|种|项|大|条|点|方面的)?"
    rf"(?:{_NOUNS})"
)
_CN = "一二三四五六七八九十"


def list_findings(ctx: Context) -> list[Finding]:
    return _total_findings(ctx) + _point_findings(ctx)


# ------------------------------------------------------------------ totals and their items


def _total_findings(ctx: Context) -> list[Finding]:
    text = ctx.text
    # Units followed by a list marker, found in one scan; only those counts are looked at.
    ends = {m.start() + 1 for m in _UNIT_THEN_MARKER.finditer(text)}
    if not ends:
        return []
    counts = ctx.counts
    out = []
    for i, total in enumerate(counts):
        if total.approx or total.end not in ends:
            continue
        m = _LIST_MARKER.search(text[total.end:total.end + 12])
        if not m:
            continue
        # Without a colon the list cannot reach past a separator stronger than the one that
        # led into it: "30条，其中解读10条；工作动态90条" lists one item, not two.
        colon = m.group(0).rstrip()[-1:] in "：:"
        before = m.group(0)[: m.start("marker")].strip()
        limit = 2 if colon else _STRENGTH.get(before[-1:], 1) if before else 1
        items = _items(text, total.end + m.end(), counts[i + 1:], total.unit, limit)
        if items is None or len(items) < 2:
            continue
        values, list_end = items
        s = sum(c.value for c in values)
        if abs(s - total.value) < 1e-9:
            continue
        marker = m["marker"]
        listed = text[total.end + m.end():list_end]
        if _NESTED.search(listed):
            continue  # a part broken down in turn: the items are not all of one level
        partial = bool(_PARTIAL.search(listed))
        cut = list_end < len(text) and text[list_end] not in "。！？!?\n"
        if s > total.value:
            severity = "warning" if marker in ("其中", "涉及", "主要有") else "error"
        elif marker in _EXACT_MARKERS and not partial:
            severity = "error"
        elif marker in ("包括", "包含") and not partial:
            severity = "warning"
        elif len(values) >= 3 and not partial and s >= total.value / 2:
            severity = "warning"  # a breakdown of most of the total that misses a part
        else:
            continue
        if cut and severity == "error":
            severity = "warning"  # the list may go on after a stronger separator
        sent = (T.sentence_span(text, total.start)[0], list_end)
        parts = "+".join(fmt_number(c.value) for c in values)
        out.append(ctx.finding(
            severity, f"“{ctx.heading}”中“{T.quote(text, *sent, limit=60)}”所列各项之和"
            f"（{parts}={fmt_number(s)}{total.unit}）与总数{fmt_number(total.value)}{total.unit}不符",
            sent, expected=total.value, actual=s, rule=RULE))
    return out


def _items(text: str, start: int, later: list[T.Count], unit: str, limit: int = 2):
    """Counts of the list starting at ``start``: (counts, end of list) or None. The list ends
    at the sentence end, at a separator stronger than ``limit`` or than its own."""
    sep = None
    depth = 0
    end = len(text)
    i = start
    seen_item = False
    while i < len(text):
        ch = text[i]
        if ch in "（(":
            depth += 1
        elif ch in "）)":
            depth = max(0, depth - 1)
        elif depth == 0 and ch in _STRENGTH:
            strength = _STRENGTH[ch]
            if strength == 3 or strength > limit:
                end = i
                break
            if seen_item and sep is None:
                sep = strength
            elif sep is not None and strength > sep:
                end = i
                break
        if not seen_item and any(c.start == i for c in later):
            seen_item = True
        i += 1
    chosen = []
    for c in later:
        if c.start >= end:
            break
        if _inside_brackets(text, start, c.start):
            continue
        if c.unit != unit:
            continue
        if c.approx:
            return None
        chosen.append(c)
    return chosen, end


def _inside_brackets(text: str, start: int, pos: int) -> bool:
    segment = text[start:pos]
    opened = segment.count("（") + segment.count("(")
    closed = segment.count("）") + segment.count(")")
    return opened > closed


# ------------------------------------------------------------------ "三个方面" and its points

_STYLES = (
    ("是", lambda k: _CN[k - 1] + "是" if k <= 10 else None),
    ("（）", lambda k: f"（{_CN[k - 1]}）" if k <= 10 else None),
    ("第", lambda k: f"第{_CN[k - 1]}，" if k <= 10 else None),
    ("1.", lambda k: f"{k}."),
    ("1、", lambda k: f"{k}、"),
    ("（1）", lambda k: f"（{k}）"),
)
LOOK_AHEAD = 80  # the first point must start this close to the announcement


def _point_findings(ctx: Context) -> list[Finding]:
    text = ctx.text
    out = []
    for m in _POINTS.finditer(text):
        n = T.chinese_number(_LEADING_NUMERAL.match(m.group(0)).group(0))
        if n is None or n < 2 or n > 10:
            continue
        after = m.end()
        style = _first_style(text, after)
        if style is None:
            continue
        name, ordinal = style
        first = text.find(ordinal(1), after)
        k, pos = 1, first
        while k < 12:
            nxt = ordinal(k + 1)
            restart = text.find(ordinal(1), pos + 1)
            found = text.find(nxt, pos + 1) if nxt else -1
            if found < 0 or (0 <= restart < found):
                break
            k, pos = k + 1, found
        if k == n or k < 2:
            continue
        sent = T.sentence_span(text, m.start())
        out.append(ctx.finding(
            "warning", f"“{ctx.heading}”中“{T.quote(text, *sent, limit=60)}”称"
            f"{m.group(0)}，但随后列出{k}项", sent, expected=n, actual=k, rule=RULE))
    return out


def _first_style(text: str, start: int):
    """The numbering style whose first point comes first after ``start`` (and close to it)."""
    best = None
    for name, ordinal in _STYLES:
        pos = text.find(ordinal(1), start, start + LOOK_AHEAD)
        if pos >= 0 and (best is None or pos < best[0]):
            best = (pos, name, ordinal)
    return None if best is None else best[1:]
