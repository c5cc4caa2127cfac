"""R10: counts and percentages stated in prose against the report's own tables.

Each stated count ("予以公开42件") is tied to the wording closest before it in its clause (or,
for some wordings, right after it: "1件结转下年度"); the statement lexicon
(``prose_lexicon.json``) says which table quantities that wording may mean. A count that equals
none of them is a finding; one that equals a legitimate other reading (受理 = 新收 + 上年结转)
is accepted. When the clause names a sub-unit (区政府办, 本级 …) the figure may be the
sub-unit's own, so the finding is only ``uncertain``. A percentage after a count ("占42.9%")
is checked against that count over the denominators a report may use.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path

from nianbao.checks import prose_text as T
from nianbao.findings import Finding
from nianbao.formats.spec import ReportFormat, load_format

RULE = "R10_prose_vs_table"
LEXICON = Path(__file__).with_name("prose_lexicon.json")
MAX_GAP = 16  # most characters between a wording and its count
MAX_TERM = 16  # longest wording looked for before a count
MAX_AFTER = 12  # most characters after a count for a wording that may follow it
ZERO_WINDOW = 24  # a negated wording starts this close after its negation
PCT_DENOMINATORS = ("answered", "to_handle", "t3.new.total")
S6_LABELS = {"s6.fee_notices_issued": "六、其他需要报告的事项·收费通知件数",
             "s6.fee_notices_amount_yuan": "六、其他需要报告的事项·收费通知金额（元）",
             "s6.fee_collected_yuan": "六、其他需要报告的事项·实际收取金额（元）"}


@dataclass(frozen=True)
class Statement:
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
    statements: tuple[tuple[Statement, ...], ...]  # statements sharing one term pattern
    patterns: tuple[re.Pattern, ...]  # each distinct term pattern, in priority order
    firsts: re.Pattern | None  # the characters a wording can start with
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
        require={g: _compile(v["require"]) for g, v in groups.items()},
        exclude={g: _compile(v["exclude"]) for g, v in groups.items()},
        scope=re.compile(data["scope_words"]), all_upheld=re.compile(data["all_upheld"]),
        share=re.compile(data["share"] + r"$"),
    )


def _firsts(patterns: list[str]) -> re.Pattern | None:
    chars: set[str] = set()
    for p in patterns:
        first = _first_chars(p)
        if first is None:
            return None
        chars |= first
    return re.compile("[" + re.escape("".join(sorted(chars))) + "]")


# ------------------------------------------------------------------ reading quantities

_TERM = re.compile(r"([+-]?)\s*([A-Za-z0-9_.]+)")


def quantity(name: str, fmt: ReportFormat, cells: Mapping[str, float | None]
             ) -> tuple[float | None, list[str]]:
    """Value of a cell id, a derived quantity or a sum of them, with the cells it reads.

    None when a cell is absent (the table was not read) or blank (the reading is in doubt).
    """
    expr = fmt.derived_quantities.get(name, name)
    total, refs = 0.0, []
    for sign, ref in _TERM.findall(expr):
        if ref in fmt.derived_quantities:
            value, sub = quantity(ref, fmt, cells)
            refs += sub
        else:
            value = cells.get(ref)
            if value is None or value != value:
                value = _from_parts(ref, fmt, cells)
            refs.append(ref)
        if value is None or value != value:
            return None, refs
        total += -value if sign == "-" else value
    return total, refs


def _from_parts(ref: str, fmt: ReportFormat, cells: Mapping[str, float | None]) -> float | None:
    """A total cell left blank, summed from its parts (when at least one of them was read)."""
    table, row, col = (ref.split(".") + ["", ""])[:3]
    if table == "t3" and col == "total":
        parts = [f"t3.{row}.{c.id}" for c in fmt.table("t3").columns if c.id != "total"]
    elif table == "t4" and col.endswith("_total"):
        stem = col.removesuffix("_total")
        parts = [f"t4.{row}.{stem}_{k}" for k in ("upheld", "corrected", "other", "pending")]
    else:
        return None
    values = [v for v in (cells.get(p) for p in parts) if v is not None and v == v]
    if not values:
        return None
    return float(sum(values))  # blank parts count as 0, as in the tables' own rules


# ------------------------------------------------------------------ matching


@dataclass
class _Match:
    statement: Statement
    term_start: int
    term_end: int


def _context_ok(lex: Lexicon, st: Statement, text: str, sent: tuple[int, int],
                clause: str, term: tuple[int, int], clause_from: int) -> bool:
    if st.also is not None and not st.also.search(clause):
        return False
    exclude = lex.exclude.get(st.group)
    if exclude is not None:
        local = clause[: term[0] - clause_from] + "" + clause[term[1] - clause_from:]
        if exclude.search(local):
            return False
    require = lex.require.get(st.group)
    if require is not None:
        s, e = sent
        if not require.search(text, s, e) and not require.search(T.previous_sentence(text, s)):
            return False
    return True


def term_hits(lex: Lexicon, text: str, pos: int = 0, n: int | None = None) -> list[_Match]:
    """Every wording of the lexicon in a text, in order.

    The alternation is only tried where one of its first characters stands (found by a fast
    character-class scan), which makes the pass several times faster on long texts.
    """
    out = []
    n = len(text) if n is None else min(n, len(text))
    while pos < n:
        first = lex.firsts.search(text, pos, n) if lex.firsts is not None else None
        if lex.firsts is not None:
            if first is None:
                break
            pos = first.start()
        m = lex.union.match(text, pos, n)
        if m is None or m.end() == pos:
            pos += 1
            continue
        start, end = m.span()
        for i, pattern in enumerate(lex.patterns):  # which alternative matched
            hit = pattern.match(text, start, n)
            if hit is not None and hit.end() == end:
                out += [_Match(st, start, end) for st in lex.statements[i]]
                break
        pos = end
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


def _candidates(hits: list[_Match], start: int, end: int) -> list[_Match]:
    """Wordings within ``[start, end)``, latest first (ties: earlier in the lexicon)."""
    out = [h for h in hits if h.term_start >= start and h.term_end <= end]
    out.sort(key=lambda c: -c.term_end)  # stable: lexicon order among equal ends
    return out


def _statement_for(lex: Lexicon, hits: list[_Match], text: str, count: T.Count, floor: int,
                   sent: tuple[int, int]) -> _Match | None:
    """The statement a count belongs to: wording before it in its clause, else right after."""
    c_start = T.clause_start(text, count.start, floor)
    c_end = T.clause_end(text, count.end)
    clause = text[c_start:c_end]
    window = max(c_start, count.start - MAX_GAP - MAX_TERM)
    for cand in _candidates(hits, window, count.start):
        if count.start - cand.term_end > cand.statement.gap:
            break
        if _context_ok(lex, cand.statement, text, sent, clause, (cand.term_start, cand.term_end),
                       c_start):
            return cand
    for cand in reversed(_candidates(hits, count.end, min(c_end, count.end + MAX_AFTER))):
        if cand.statement.after and _context_ok(lex, cand.statement, text, sent, clause,
                                                (cand.term_start, cand.term_end), c_start):
            return cand
    return None


def _values(st: Statement, fmt: ReportFormat, cells) -> list[tuple[float, list[str]]]:
    out = []
    for reading in st.readings:
        value, refs = quantity(reading, fmt, cells)
        if value is None:
            if all(r in cells for r in refs):  # blank cell: the reading is in doubt
                return []
            continue
        out.append((value, refs))
    return out


def _labels(fmt: ReportFormat, refs: list[str]) -> list[str]:
    return [S6_LABELS.get(ref) or fmt.cell_label(ref) for ref in refs]


def _fmt(n: float) -> str:
    return str(int(n)) if float(n).is_integer() else f"{n:g}"


@dataclass
class Context:
    """What the checks of one section need: the format, the cells and where findings go."""

    fmt: ReportFormat
    cells: Mapping[str, float | None]
    section: str
    heading: str
    source: T.Normalized  # the section text as read, line wrapping undone

    @property
    def text(self) -> str:
        return self.source.text

    @cached_property
    def counts(self) -> list[T.Count]:
        """The stated counts of the section (read once, used by several rules)."""
        return T.counts_in(self.text)

    def finding(self, severity: str, message: str, span: tuple[int, int], refs=(),
                expected=None, actual=None, rule: str = RULE) -> Finding:
        """A finding quoting the sentence at ``span`` (offsets of the original text)."""
        refs = list(dict.fromkeys(refs))
        return Finding(rule=rule, severity=severity, message=message, cells=refs,
                       labels=_labels(self.fmt, refs), expected=expected, actual=actual,
                       quote=T.quote(self.text, *span), span=self.source.original(*span),
                       section=self.section)


def number_findings(ctx: Context) -> list[Finding]:
    """R10 on one section: stated counts, zero statements, percentages and 均获维持."""
    lex = lexicon(ctx.fmt)
    text = ctx.text
    out: list[Finding] = []
    counts = ctx.counts
    floor = 0
    stated: dict[str, float] = {}  # statement id → count stated in this section
    for i, count in enumerate(counts):
        low = max(floor, count.start - MAX_GAP - MAX_TERM)
        floor = count.end
        hits = term_hits(lex, text, low, count.end + MAX_AFTER + MAX_TERM)
        if not hits:
            continue  # no wording near the count: nothing it could state
        sent = T.sentence_span(text, count.start)
        match = _statement_for(lex, hits, text, count, max(low, sent[0]), sent)
        if match is None or count.approx:
            continue
        st = match.statement
        stated.setdefault(st.id, count.value)
        values = _values(st, ctx.fmt, ctx.cells)
        if not values:
            continue
        if any(abs(v - count.value) < 1e-9 for v, _ in values):
            pass
        else:
            out.append(_mismatch(ctx, lex, st, count, sent, values, match))
        next_start = counts[i + 1].start if i + 1 < len(counts) else len(text)
        out += _share_findings(ctx, lex, count, sent, min(next_start, sent[1]), stated)
    out += _zero_findings(ctx, lex)
    out += _upheld_findings(ctx, lex)
    return out


def _mismatch(ctx: Context, lex: Lexicon, st: Statement, count: T.Count, sent, values,
              match: _Match) -> Finding:
    text = ctx.text
    main, refs = values[0]
    clause = text[T.clause_start(text, count.start, sent[0]):count.start]
    term = text[match.term_start:match.term_end]
    severity = st.level
    why = ""
    if lex.scope.search(clause):
        severity, why = "uncertain", "（该句可能仅指本单位的一部分，请核实口径）"
    elif len(values) > 1:
        why = "（其他口径亦不相符）"
    label = _labels(ctx.fmt, refs)
    what = label[0] if len(label) == 1 else st.id
    if len(refs) > 1:
        what = "、".join(label[:3]) + ("等" if len(label) > 3 else "") + "之和"
    message = (f"“{ctx.heading}”中“{T.quote(text, *sent, limit=60)}”称{term}"
               f"{_fmt(count.value)}{count.unit}，但表格中{what}为{_fmt(main)}{why}")
    return ctx.finding(severity, message, sent, refs=[r for _, rs in values for r in rs],
                       expected=main, actual=count.value)


def _share_findings(ctx: Context, lex: Lexicon, count: T.Count, sent, end: int,
                    stated: dict[str, float]) -> list[Finding]:
    """A percentage right after a count is that count over answered, to-handle or new."""
    text = ctx.text
    out = []
    for pct, decimals, p_start, _p_end in T.percents_in(text, count.end, end):
        if not lex.share.search(text[count.end:p_start]):
            continue
        denominators = []
        for name in PCT_DENOMINATORS:
            value, _ = quantity(name, ctx.fmt, ctx.cells)
            if value:
                denominators.append(value)
        denominators += [v for k, v in stated.items() if k in ("answered", "received", "new")
                         and v]
        if not denominators:
            continue
        if any(_pct_fits(count.value, d, pct, decimals) for d in denominators):
            continue
        shown = "、".join(f"{100 * count.value / d:.{max(decimals, 1)}f}%"
                         for d in dict.fromkeys(denominators))
        out.append(ctx.finding(
            "warning", f"“{ctx.heading}”中“{T.quote(text, *sent, limit=60)}”所称比例"
            f"{pct:g}%与{_fmt(count.value)}{count.unit}不符（按办结数、应办理数或新收数计算应为"
            f"{shown}）", sent, refs=["t3.res_total.total"], expected=shown, actual=f"{pct:g}%"))
        break
    return out


def _pct_fits(part: float, whole: float, pct: float, decimals: int) -> bool:
    """Rounded (any rule) or cut to the stated decimals."""
    exact = 100 * part / whole
    unit = 10.0 ** -decimals
    return abs(exact - pct) <= unit / 2 + 1e-9 or 0 <= exact - pct < unit


def _zero_findings(ctx: Context, lex: Lexicon) -> list[Finding]:
    """"未收到申请", "无上年结转", "未被申请行政复议" while the table counts some."""
    text = ctx.text
    out = []
    for neg in T.NEGATION.finditer(text):
        stop = min(T.clause_end(text, neg.end()), neg.end() + ZERO_WINDOW)
        for h in term_hits(lex, text, neg.end(), stop + MAX_TERM):
            if h.statement.zero and h.term_start < stop:
                out += _zero_finding(ctx, lex, h.statement, h)
    return out


def _zero_finding(ctx: Context, lex: Lexicon, st: Statement, m: _Match) -> list[Finding]:
    text = ctx.text
    c_start, c_end = T.clause_start(text, m.term_start), T.clause_end(text, m.term_end)
    clause = text[c_start:c_end]
    if T.counts_in(clause):
        return []
    before = text[c_start:m.term_start]
    also = st.also.search(clause) if st.also else None
    if also is not None and also.start() + c_start < m.term_start:
        before = text[c_start:also.start() + c_start]
    if not before or not T.negated(before):
        return []
    sent = T.sentence_span(text, m.term_start)
    if not _context_ok(lex, st, text, sent, clause, (m.term_start, m.term_end), c_start):
        return []
    values = _values(st, ctx.fmt, ctx.cells)
    if not values or any(v == 0 for v, _ in values):
        return []
    main, refs = values[0]
    label = _labels(ctx.fmt, refs)
    return [ctx.finding(
        "warning", f"“{ctx.heading}”中“{T.quote(text, *sent, limit=60)}”称没有"
        f"{text[m.term_start:m.term_end]}，但表格中{'、'.join(label[:2])}为{_fmt(main)}",
        sent, refs=refs, expected=main, actual=0)]


_GROUPS = {"复议": ("rev",), "诉讼": ("lit_direct", "lit_after_rev"),
           "起诉": ("lit_direct", "lit_after_rev")}


def _upheld_findings(ctx: Context, lex: Lexicon) -> list[Finding]:
    """"均获维持" while table 四 shows cases corrected, with other results or pending."""
    text = ctx.text
    out = []
    for m in lex.all_upheld.finditer(text):
        sent = T.sentence_span(text, m.start())
        sentence = text[sent[0]:sent[1]]
        groups = [g for word, gs in _GROUPS.items() if word in sentence for g in gs]
        if not groups or "公开" not in sentence + T.previous_sentence(text, sent[0]):
            continue
        refs = [f"t4.cases.{g}_{k}" for g in dict.fromkeys(groups)
                for k in ("corrected", "other", "pending")]
        read = [ctx.cells.get(r) for r in refs]
        if all(v is None for v in read):
            continue  # table 四 not read
        values = [v or 0 for v in read]  # blank cells count as 0
        if not any(values):
            continue
        bad = [(r, v) for r, v in zip(refs, values, strict=True) if v]
        labels = _labels(ctx.fmt, [r for r, _ in bad])
        detail = "、".join(f"{lab}{_fmt(v)}件" for lab, (_, v) in zip(labels, bad, strict=True))
        out.append(ctx.finding(
            "warning", f"“{ctx.heading}”中“{T.quote(text, *sent, limit=60)}”称案件均获维持，"
            f"但表四中{detail}", sent, refs=[r for r, _ in bad], expected="均获维持",
            actual=detail))
    return out
