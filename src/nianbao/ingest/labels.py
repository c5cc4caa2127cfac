"""Finding printed labels in rendered text, tolerant to spacing, punctuation and typos.

Matching runs on a normalised copy of the text (no whitespace, no table bars, one form of
brackets and dots, no quotes) with a map back to the original offsets.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

_DROP = set(" \t\r\n\u00a0\u3000\u200b|“”\"‘’'")
_MAP = str.maketrans({"（": "(", "）": ")", "．": ".", "：": ":", "，": ",", "；": ";",
                      "﹒": ".", "〔": "(", "〕": ")"})
NUMBERING = re.compile(
    r"^(?:[一二三四五六七八九十]+[、.．,，]|[（(][一二三四五六七八九十\d]+[）)]|\d+\s*[.．、])")


@dataclass
class Normalised:
    text: str
    origin: list[int]  # index in the normalised text → index in the original

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Original offsets of a normalised span."""
        return self.origin[start], self.origin[end - 1] + 1

    def find(self, orig_offset: int) -> int:
        """First normalised index at or after an original offset."""
        return bisect.bisect_left(self.origin, orig_offset)


def normalise(text: str) -> Normalised:
    out = []
    origin = []
    for i, ch in enumerate(text):
        if ch in _DROP:
            continue
        out.append(ch.translate(_MAP))
        origin.append(i)
    return Normalised("".join(out), origin)


def norm(s: str) -> str:
    return normalise(s).text


def split_label(label: str) -> tuple[str, str]:
    """(numbering, core) of a printed label, e.g. ("2.", "其他法律行政法规禁止公开")."""
    m = NUMBERING.match(label)
    prefix = m.group(0) if m else ""
    core = label[len(prefix):]
    core = re.split(r"[（(]", core, maxsplit=1)[0] or core  # drop a printed remark
    return norm(prefix), norm(core)


def find_label(n: Normalised, core: str, prefix: str, lo: int, hi: int,
               need_prefix: bool = False) -> tuple[int, int] | None:
    """Normalised (start, end) of a label at or after ``lo`` and before ``hi``.

    Tries the whole label, then (for typos and broken lines) its first and last halves.
    The numbering in front, when printed, is included in the span.
    """
    text = n.text
    tries = [core]
    if len(core) >= 6 and not need_prefix:
        k = max(4, (len(core) + 1) // 2)
        tries += [core[:k], core[-k:]]
    for i, piece in enumerate(tries):
        # the values of a row may be printed inside its wrapped label (PDF cells)
        pattern = r"\d*".join(re.escape(ch) for ch in piece)
        if need_prefix:
            pattern = re.escape(prefix) + pattern
        m = re.compile(pattern).search(text, lo, hi)
        if not m:
            continue
        start, end = m.start(), m.end()
        if i == 1:  # first half found: the label ends about where the whole would
            end = min(hi, start + len(core))
            tail = text[m.end():end]
            cut = re.search(r"[\d|]", tail)
            if cut:
                end = m.end() + cut.start()
        if prefix and not need_prefix and text[max(0, start - len(prefix)):start] == prefix:
            start -= len(prefix)
        return start, end
    return None
