"""The statement lexicon of R10: which wording in prose states which table quantity.

The lexicon itself is data (``prose_lexicon.json``); the format adds its own row labels (the
sub-reasons of table 三). Wordings are found in one pass per window of text: only where one of
their first characters stands is the alternation tried.
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
    firsts: re.Pattern | None  # the characters a wording can start with …
    by_first: dict[str, tuple[int, ...]]  # … and which patterns can start with each
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
    return Lexicon(
        statements=tuple(tuple(by_terms[p]) for p in patterns), union=union,
        patterns=tuple(re.compile(p) for p in patterns), firsts=_firsts(patterns),
        by_first=_by_first(patterns),
        require={g: _compile(v["require"]) for g, v in groups.items()},
        exclude={g: _compile(v["exclude"]) for g, v in groups.items()},
        scope=re.compile(data["scope_words"]), all_upheld=re.compile(data["all_upheld"]),
        share=re.compile(data["share"] + r"$"),
    )


def _by_first(patterns: list[str]) -> dict[str, tuple[int, ...]]:
    out: dict[str, list[int]] = {}
    for i, p in enumerate(patterns):
        for ch in _first_chars(p) or ():
            out.setdefault(ch, []).append(i)
    return {ch: tuple(v) for ch, v in out.items()}


def _firsts(patterns: list[str]) -> re.Pattern | None:
    chars: set[str] = set()
    for p in patterns:
        first = _first_chars(p)
        if first is None:
            return None
        chars |= first
    return re.compile("[" + re.escape("".join(sorted(chars))) + "]")


# ------------------------------------------------------------------ reading quantities


@dataclass
class Match:
    """A wording found in a text, with the statement it may make."""

    statement: Statement
    term_start: int
    term_end: int


def term_hits(lex: Lexicon, text: str, pos: int = 0, n: int | None = None) -> list[Match]:
    """Every wording of the lexicon in a text, in order.

    The alternation is only tried where one of its first characters stands (found by a fast
    character-class scan), which makes the pass several times faster on long texts.
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


def _first_chars(pattern: str) -> set[str] | None:
    """Characters a match of ``pattern`` can start with (None: any)."""
    from re import _constants as C  # noqa: N812
    from re import _parser

    def first(items) -> tuple[set[str] | None, bool]:
        chars: set[str] = set()
        for op, av in items:
            if op is C.LITERAL:
                return chars | {chr(av)}, False
            if op is C.IN:
                if any(o is not C.LITERAL for o, _ in av):
                    return None, False
                return chars | {chr(v) for _, v in av}, False
            if op is C.BRANCH:
                nullable = False
                for branch in av[1]:
                    sub, null = first(branch)
                    if sub is None:
                        return None, False
                    chars |= sub
                    nullable |= null
                if not nullable:
                    return chars, False
            elif op is C.SUBPATTERN:
                sub, null = first(av[3])
                if sub is None:
                    return None, False
                chars |= sub
                if not null:
                    return chars, False
            elif op in (C.MAX_REPEAT, C.MIN_REPEAT):
                sub, null = first(av[2])
                if sub is None:
                    return None, False
                chars |= sub
                if av[0] > 0 and not null:
                    return chars, False
            elif op in (C.ASSERT, C.ASSERT_NOT, C.AT):
                continue
            else:
                return None, False
        return chars, True

    chars, nullable = first(_parser.parse(pattern))
    return None if chars is None or nullable else chars
