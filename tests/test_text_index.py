"""The fast text checks agree with their plain definitions on any text and any registry."""

from __future__ import annotations

import pickle

from hypothesis import given, settings
from hypothesis import strategies as st

from nianbao.checks.places import gazetteer
from nianbao.checks.text_rules import MIN_SENTENCE, NameIndex, text_fingerprint

# Few characters, so that names, numbers, spaces and sentence ends collide often (white space
# and digits of every kind: str.split and \d see more than ASCII).
ALPHABET = "街道镇乡政府办事处安堡横沟 \t\u3000\n。；!?.0123456789\r\x0b\x1c\x85\xa0\u2028١٢"


def plain_fingerprint(text: str) -> frozenset[str]:
    """Sentence by sentence: split at sentence ends, drop spaces, mask numbers."""
    import re

    out = set()
    for sentence in re.split(r"[。！？；!?;\n]+", text):
        sentence = re.sub(r"\d+(?:\.\d+)?", "#", "".join(sentence.split()))
        if len(sentence) >= MIN_SENTENCE:
            out.add(sentence)
    return frozenset(out)


def plain_others(names: dict[str, set[str]], text: str, own_id: str) -> list[str]:
    """At every position, the longest registry name ending there; other agencies' ones kept."""
    hits: dict[str, None] = {}
    for end in range(1, len(text) + 1):
        for start in range(end):
            owners = names.get(text[start:end])
            if owners:
                if own_id not in owners:
                    hits[text[start:end]] = None
                break
    return list(hits)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=ALPHABET, max_size=120))
def test_fingerprint_equals_sentence_by_sentence(text):
    assert text_fingerprint(text) == plain_fingerprint(text)


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(st.text(alphabet="街道镇𠀋a", min_size=1, max_size=5),
                    st.sets(st.sampled_from(["a", "b", "c"]), min_size=1), max_size=12),
    st.text(alphabet="街道镇。𠀋a", max_size=60),  # one, three and four bytes in UTF-8
    st.sampled_from(["a", "b", "c"]),
)
def test_name_index_finds_the_longest_name_at_every_end(names, text, own):
    assert NameIndex(names).others_in(text, own) == plain_others(names, text, own)


def plain_maybe_soft(text: str) -> bool:
    """Newline by newline (the first at the very start ends the look)."""
    bare = text.replace("# ", "#")
    if any(c in bare for c in " \t　\r"):
        return True
    pos = text.find("\n")
    while pos > 0:
        if text[pos - 1] not in "。！？!?；;：:\n" and text[pos + 1:pos + 2] not in (
                "\n", "#", "|", ">", "*", "-", "（", "(", ""):
            return True
        pos = text.find("\n", pos + 1)
    return False


# line breaks and plain text most often, as in a narrative; the rest now and then
_SOFT_PIECES = ["\n", "\n", "\n", "文", "文", "文", "。", "；", "：", "!", "?", "#", "|", ">", "*",
                "-", "（", "(", "# ", " ", "　", "\t", "\r"]


@settings(max_examples=600, deadline=None)
@given(st.lists(st.sampled_from(_SOFT_PIECES), max_size=30).map("".join))
def test_soft_line_breaks_found_as_newline_by_newline(text):
    from nianbao.checks.prose_text import _maybe_soft

    assert _maybe_soft(text) == plain_maybe_soft(text)


def test_the_name_index_and_the_gazetteer_survive_pickling():
    """A checked data set keeps them among its look-ups, and may be pickled (Dask, joblib)."""
    index = pickle.loads(pickle.dumps(NameIndex({"浮山街道": {"a"}, "街道": {"b"}})))
    assert index.others_in("浮山街道和街道", "b") == ["浮山街道"]
    assert pickle.loads(pickle.dumps(gazetteer())).locate("沈阳市和平区") == \
        gazetteer().locate("沈阳市和平区")


def test_a_lone_surrogate_does_not_stop_the_name_search():
    """A broken PDF text layer may hold one; the automaton reads UTF-8, which has no form for it."""
    index = NameIndex({"浮山街道": {"a"}, "横沟桥镇": {"b"}})
    assert index.others_in("\ud800横沟桥镇\udfff与浮山街道", "a") == ["横沟桥镇"]
    assert gazetteer().locate("\ud800沈阳市和平区") == gazetteer().locate("沈阳市和平区")
