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
_NAME_END = re.compile(r"街道|镇|乡|局|委|办|区|县|市|所|中心")
_SHINGLE = 3


def _shingles(text: str) -> set[str]:
    text = re.sub(r"\s+", "", text)
    return {text[i : i + _SHINGLE] for i in range(max(len(text) - _SHINGLE + 1, 0))}


def text_similarity(a: str, b: str) -> float:
    """Share of character trigrams two texts have in common (Jaccard), in [0, 1]."""
    sa, sb = _shingles(a), _shingles(b)
    if not sa or not sb:
        return 0.0
    return len(sa & sb) / len(sa | sb)


def other_agency_names(text: str, names: dict[str, set[str]], own_id: str) -> list[str]:
    """Names of other registry agencies that the text mentions, in order of appearance.

    Candidate names end at a typical suffix (街道, 镇, 局 …); each is looked up in the registry,
    which keeps this linear in the text however many agencies there are.
    """
    lengths = sorted({len(n) for n in names}, reverse=True)
    hits: dict[str, None] = {}
    for m in _NAME_END.finditer(text):
        end = m.end()
        for length in lengths:
            candidate = text[max(end - length, 0) : end]
            owners = names.get(candidate)
            if owners and own_id not in owners:
                hits[candidate] = None
                break
            if owners:
                break
    return list(hits)


def kind_wording_hits(text: str, kind: str) -> list[str]:
    """Self-references that belong to another kind of agency (全镇 in a 街道's report …)."""
    return [w for w in FOREIGN_WORDS.get(kind, ()) if w in text]
