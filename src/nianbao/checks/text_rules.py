"""Checks on the agency's own prose: copying from last year, and text pasted from elsewhere."""

from __future__ import annotations

import re

from ahocorasick_rs import AhoCorasick

# Words by which a text speaks of its own agency as a town, or as a sub-district.
SELF_WORDS = {
    "镇": ("全镇", "本镇", "我镇", "镇村两级", "镇直"),
    "乡": ("全乡", "本乡", "我乡", "乡村两级", "乡直"),
    "街道": ("全街道", "本街道", "我街道", "街道社区两级"),
}
FOREIGN_WORDS = {"街道": SELF_WORDS["镇"] + SELF_WORDS["乡"], "乡镇": SELF_WORDS["街道"]}


# Each pattern opens with one character class, not a repeated one: only then does the regex
# engine skip ahead to the next character of that class instead of trying a match at every
# position (twice as fast over a text).
_SENTENCE_END = re.compile(r"[。！？；!?;\n][。！？；!?;\n]*")
_DIGITS = re.compile(r"\d\d*(?:\.\d+)?")
#: White space that does not end a sentence (``\n`` does).
_SPACE = re.compile(r"[^\S\n][^\S\n]*")
MIN_SENTENCE = 8


def text_fingerprint(text: str) -> frozenset[str]:
    """The distinct sentences of a text, white space removed and numbers masked, so that a copy
    whose years and counts were updated still matches; very short fragments (headings, 无。)
    are ignored. Spaces and numbers never span a sentence end: both are replaced in the whole
    text at once, not sentence by sentence."""
    masked = _DIGITS.sub("#", _without_spaces(text))
    return frozenset(s for s in _SENTENCE_END.split(masked) if len(s) >= MIN_SENTENCE)


def _without_spaces(text: str) -> str:
    r"""``text`` without its white space other than ``\n``. ``str.split`` cuts at exactly the
    characters ``\s`` matches, and much faster than a regex scans for them: when they are all
    line breaks, there is nothing to remove."""
    if len("".join(text.split())) + text.count("\n") == len(text):
        return text
    return _SPACE.sub("", text)


def fingerprint_similarity(a: frozenset[str], b: frozenset[str]) -> float:
    """Share of the sentences of ``a`` that also stand in ``b``, in [0, 1]."""
    if not a or not b:
        return 0.0
    return len(a & b) / len(a)


class NameIndex:
    """Registry names in an Aho-Corasick automaton, to find them all in one pass over a text.

    The cost of a text barely grows with the number of agencies (a national registry has a
    hundred thousand names, opening with thousands of different characters); where several
    names end at the same place, the longest counts (浮山街道, not 街道).
    """

    def __init__(self, names: dict[str, set[str]]):
        self.names = names
        self._automaton = AhoCorasick(list(names)) if names else None

    def __reduce__(self):  # the automaton cannot be pickled: rebuilt from the names
        return NameIndex, (self.names,)

    def others_in(self, text: str, own_id: str) -> list[str]:
        """Names of other agencies the text mentions, in order of appearance (at each place the
        longest name that ends there)."""
        if self._automaton is None:
            return []
        longest: dict[int, int] = {}  # end of a name → length of the longest ending there
        for _, start, end in all_matches(self._automaton, text):
            longest[end] = max(longest.get(end, 0), end - start)
        hits: dict[str, None] = {}
        for end in sorted(longest):
            name = text[end - longest[end]:end]
            if own_id not in self.names[name]:
                hits[name] = None
        return list(hits)


_SURROGATE = re.compile("[\ud800-\udfff]")


def all_matches(automaton: AhoCorasick, text: str) -> list[tuple[int, int, int]]:
    """Every match of the automaton in ``text``, overlapping ones too: (pattern, start, end).

    The automaton reads UTF-8, which a lone surrogate (from a broken PDF text layer) has no
    form in: such a character is searched as U+FFFD, one character for one, so that the
    places stay those of ``text``.
    """
    try:
        return automaton.find_matches_as_indexes(text, overlapping=True)
    except UnicodeEncodeError:
        return automaton.find_matches_as_indexes(_SURROGATE.sub("\ufffd", text),
                                                 overlapping=True)


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
