"""The statement lexicon of R10: which wording in prose states which table quantity.

The lexicon itself is data (``prose_lexicon.json``); the format adds its own row labels (the
sub-reasons of table 三). Wordings are found in one pass per window of text: only where their
first two characters may stand are the patterns tried.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from nianbao.formats.spec import ReportFormat, load_format

LEXICON = Path(__file__).with_name("prose_lexicon.json")
MAX_GAP = 16  # most characters between a wording and its count


@dataclass(frozen=True)
class Statement:
    """One entry of the lexicon (fields as described in ``prose_lexicon.json``)."""

    id: str
    group: str
    terms: re.Pattern
    readings: tuple[str, ...]
    level: str
    also: re.Pattern | None = None
    after: bool = False
    zero: bool = False
    gap: int = MAX_GAP


@dataclass(frozen=True)
class Lexicon:
    """The compiled lexicon of one format."""

    statements: tuple[tuple[Statement, ...], ...]  # statements sharing one term pattern
    patterns: tuple[re.Pattern, ...]  # each distinct term pattern, in priority order
    firsts: re.Pattern | None  # where a wording can start (its first two characters) …
    by_first: dict[str, tuple[int, ...]]  # … and which patterns can start with each character
    union: re.Pattern  # all of them as one alternation (no groups: searched fast)
    require: dict[str, re.Pattern | None]
    exclude: dict[str, re.Pattern | None]
    scope: re.Pattern
    all_upheld: re.Pattern
    share: re.Pattern


def _compile(pattern: str | None) -> re.Pattern | None:
    return re.compile(pattern) if pattern else None


def lexicon(fmt: ReportFormat) -> Lexicon:
    """The statement lexicon for one format: the data file plus the format's sub-reason rows."""
    return _lexicon(fmt.id)


@cache
def _lexicon(format_id: str) -> Lexicon:
    fmt = load_format(format_id)
    data = json.loads(LEXICON.read_text(encoding="utf-8"))
    raw = list(data["statements"])
    for category in ("deny", "unable", "noproc", "other"):
        rows = fmt.result_rows(category)
        if len(rows) < 2:
            continue
        for row in rows:
            label = re.sub(r"^\d+\.", "", row.label).strip()
            if label in ("其他",):
                continue
            raw.insert(0, {"id": f"reason_{row.id}", "group": "t3_result",
                           "terms": re.escape(label), "level": "warning",
                           "readings": [f"t3.{row.id}.total", category], "gap": 4})
    statements = tuple(
        Statement(id=s["id"], group=s["group"], terms=re.compile(s["terms"]),
                  readings=tuple(s["readings"]), level=s["level"], also=_compile(s.get("also")),
                  after=s.get("after", False), zero=s.get("zero", False),
                  gap=s.get("gap", MAX_GAP))
        for s in raw
    )
    by_terms: dict[str, list[Statement]] = {}
    for st in statements:
        by_terms.setdefault(st.terms.pattern, []).append(st)
    patterns = list(by_terms)
    union = re.compile("|".join(f"(?:{p})" for p in patterns))
    groups = data["groups"]
    firsts, by_first = _candidates(patterns)
    return Lexicon(
        statements=tuple(tuple(by_terms[p]) for p in patterns), union=union,
        patterns=tuple(re.compile(p) for p in patterns), firsts=firsts, by_first=by_first,
        require={g: _compile(v["require"]) for g, v in groups.items()},
        exclude={g: _compile(v["exclude"]) for g, v in groups.items()},
        scope=re.compile(data["scope_words"]), all_upheld=re.compile(data["all_upheld"]),
        share=re.compile(data["share"] + r"$"),
    )


def _candidates(patterns: list[str]) -> tuple[re.Pattern | None, dict[str, tuple[int, ...]]]:
    """Where a wording may start, as one pattern of its first two characters, and which
    patterns can start with each first character (None: a wording may start anywhere).

    Common first characters (信 of 信息, 办 of 办理 …) stand everywhere in these texts; the second
    character rules out most of those places in the regex engine, before any Python runs.
    """
    seconds: dict[str, set[str] | None] = {}
    by_first: dict[str, list[int]] = {}
    for i, pattern in enumerate(patterns):
        heads = _heads(pattern)
        if heads is None or any(not h or h[0] is None for h in heads):
            return None, {}
        for head in heads:
            first = head[0]
            if i not in by_first.setdefault(first, []):
                by_first[first].append(i)
            known = seconds.get(first, set())
            if known is not None and len(head) == 2 and head[1] is not None:
                known.add(head[1])
                seconds[first] = known
            else:  # the wording may end after one character, or go on with any
                seconds[first] = None
    alternatives = [re.escape(first) + ("" if after is None else
                                        "[" + re.escape("".join(sorted(after))) + "]")
                    for first, after in sorted(seconds.items())]
    return re.compile("|".join(alternatives)), {ch: tuple(v) for ch, v in by_first.items()}


Head = tuple[str | None, ...]  # characters a match opens with; None: any character there


def _heads(pattern: str, k: int = 2) -> set[Head] | None:
    """The ways a match of ``pattern`` can open: up to ``k`` characters each, shorter where
    the match may end sooner (None: the pattern is matched without regard to case)."""
    from re import _constants as C  # noqa: N812
    from re import _parser

    def sequence(items, k: int) -> set[Head]:
        done: set[Head] = set()
        growing: set[Head] = {()}
        for op, av in items:
            if not growing:
                break
            ahead: set[Head] = set()
            for head in growing:
                for more in item(op, av, k - len(head)):
                    (done if len(head) + len(more) == k else ahead).add(head + more)
            growing = ahead
        return done | growing

    def item(op, av, k: int) -> set[Head]:
        if op is C.LITERAL:
            return {(chr(av),)}
        if op is C.IN and all(o is C.LITERAL for o, _ in av):
            return {(chr(v),) for _, v in av}
        if op in (C.ASSERT, C.ASSERT_NOT, C.AT):
            return {()}  # zero width
        if op is C.BRANCH:
            return set().union(*(sequence(branch, k) for branch in av[1]))
        if op is C.SUBPATTERN and not av[1] & re.IGNORECASE:
            return sequence(av[3], k)
        if op is C.ATOMIC_GROUP:
            return sequence(av, k)
        if op in (C.MAX_REPEAT, C.MIN_REPEAT, C.POSSESSIVE_REPEAT):
            low, high, body = av
            return set().union(*(sequence(list(body) * n, k)
                                 for n in range(min(low, k), min(high, k) + 1)))
        return {(None,) * k}  # any character, a class by category, a back-reference …

    parsed = _parser.parse(pattern)
    if parsed.state.flags & re.IGNORECASE:
        return None
    return sequence(parsed, k)


# ------------------------------------------------------------------ reading quantities


@dataclass
class Match:
    """A wording found in a text, with the statement it may make."""

    statement: Statement
    term_start: int
    term_end: int


def term_hits(lex: Lexicon, text: str, pos: int = 0, n: int | None = None) -> list[Match]:
    """Every wording of the lexicon in a text, in order.

    The patterns are only tried where a wording's first two characters stand (found by the
    regex engine's scan for the first ones), which makes the pass several times faster.
    """
    out = []
    n = len(text) if n is None else min(n, len(text))
    if lex.firsts is None:  # a wording may start with any character: the slow way
        for m in lex.union.finditer(text, pos, n):
            i = next(i for i, p in enumerate(lex.patterns) if p.match(text, m.start(), n)
                     and p.match(text, m.start(), n).end() == m.end())
            out += [Match(st, m.start(), m.end()) for st in lex.statements[i]]
        return out
    while pos < n:
        first = lex.firsts.search(text, pos, n)
        if first is None:
            break
        pos = first.start()
        for i in lex.by_first[text[pos]]:  # in priority order, as the alternation tries them
            hit = lex.patterns[i].match(text, pos, n)
            if hit is not None and hit.end() > pos:
                out += [Match(st, pos, hit.end()) for st in lex.statements[i]]
                pos = hit.end() - 1
                break
        pos += 1
    return out
