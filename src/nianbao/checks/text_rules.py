"""Checks on the agency's own prose: copying from last year, and text pasted from elsewhere."""

from __future__ import annotations

import re

# Words by which a text speaks of its own agency as a town, or as a sub-district.
SELF_WORDS = {
    "镇": ("全镇", "本镇", "我镇", "镇村两级", "镇直"),
    "乡": ("全乡", "本乡", "我乡", "乡村两级", "乡直"),
    "街道": ("全街道", "本街道", "我街道", "街道社区两级"),
}
FOREIGN_WORDS = {"街道": SELF_WORDS["镇"] + SELF_WORDS["乡"], "乡镇": SELF_WORDS["街道"]}


_SENTENCE_END = re.compile(r"[。！？；!?;\n]+")
_DIGITS = re.compile(r"\d+(?:\.\d+)?")
#: White space that does not end a sentence (``\n`` does).
_SPACE = re.compile(r"[^\S\n]+")
MIN_SENTENCE = 8


def text_fingerprint(text: str) -> frozenset[str]:
    """The distinct sentences of a text, white space removed and numbers masked, so that a copy
    whose years and counts were updated still matches; very short fragments (headings, 无。)
    are ignored. Spaces and numbers never span a sentence end: both are replaced in the whole
    text at once, not sentence by sentence."""
    masked = _DIGITS.sub("#", _SPACE.sub("", text))
    return frozenset(s for s in _SENTENCE_END.split(masked) if len(s) >= MIN_SENTENCE)


def fingerprint_similarity(a: frozenset[str], b: frozenset[str]) -> float:
    """Share of the sentences of ``a`` that also stand in ``b``, in [0, 1]."""
    if not a or not b:
        return 0.0
    return len(a & b) / len(a)


class NameIndex:
    """Registry names indexed by their last two characters, to find them in text in linear time.

    Each occurrence of a character that ends some name (道, 镇, 府 …) is a candidate end; only
    the lengths of names ending in the same two characters (街道, 政府 …) are tried, longest
    first, so the cost does not grow with the number of agencies.
    """

    def __init__(self, names: dict[str, set[str]]):
        self.names = names
        lengths: dict[str, set[int]] = {}
        for name in names:
            lengths.setdefault(name[-2:], set()).add(len(name))
        # A one-character name is the shortest candidate at any end: tried after the others.
        self.single = {name for name in names if len(name) == 1}
        self.lengths = {tail: sorted(ls, reverse=True) for tail, ls in lengths.items()
                        if len(tail) == 2}
        ends = "".join(sorted({name[-1] for name in names}))
        self.ends = re.compile("[" + re.escape(ends) + "]") if ends else None

    def others_in(self, text: str, own_id: str) -> list[str]:
        """Names of other agencies the text mentions, in order of appearance (at each place the
        longest name that ends there)."""
        if self.ends is None:
            return []
        hits: dict[str, None] = {}
        no_lengths: list[int] = []
        for m in self.ends.finditer(text):
            end = m.end()
            for length in self.lengths.get(text[end - 2 : end], no_lengths) if end > 1 else ():
                if length > end:
                    continue
                owners = self.names.get(text[end - length : end])
                if owners:
                    if own_id not in owners:
                        hits[text[end - length : end]] = None
                    break
            else:
                if m.group(0) in self.single and own_id not in self.names[m.group(0)]:
                    hits[m.group(0)] = None
        return list(hits)


def kind_wording_hits(text: str, kind: str) -> list[str]:
    """Self-references that belong to another kind of agency (全镇 in a 街道's report …)."""
    return [w for w in FOREIGN_WORDS.get(kind, ()) if w in text]


_GOV = re.compile(r"[省市区县州盟旗](?:人民)?政府")  # a character class first: a fast scan
_GOV_OFFICE_AFTER = re.compile(r"(?:及|和|、)(?:其)?[省市区县]?(?:人民)?政府?办公[室厅]")
_APPLICATION = re.compile(r"(?:受理|收到|接收)[^。；\n]*申请")


def addressee_hits(text: str, kind: str) -> list[tuple[str, str]]:
    """Applications said to be addressed to a government (向市政府提出的申请) in the report of
    an agency that is not one: (addressee, sentence) pairs."""
    if kind == "政府" or "申请" not in text:
        return []
    out = []
    for m in _GOV.finditer(text):
        if text[m.start() - 1:m.start()] != "向" and not _GOV_OFFICE_AFTER.match(text, m.end()):
            continue
        start = max(text.rfind(c, 0, m.start()) for c in "。！？\n") + 1
        ends = [i for i in (text.find(c, m.end()) for c in "。！？\n") if i >= 0]
        end = min(ends) + 1 if ends else len(text)
        sentence = text[start:end].strip()
        if _APPLICATION.search(sentence):
            out.append((m.group(0), sentence))
    return out
