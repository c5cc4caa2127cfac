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

import re

from nianbao.checks import prose_text as T
from nianbao.checks.prose_context import (
    R10,
    Context,
    cell_labels,
    fmt_number,
    quantity,
    quantity_label,
)
from nianbao.checks.prose_lexicon import (
    MAX_GAP,
    Lexicon,
    Match,
    Statement,
    lexicon,
    term_hits,
)
from nianbao.findings import Finding
from nianbao.formats.spec import ReportFormat

RULE = R10
MAX_TERM = 16  # longest wording looked for before a count
MAX_AFTER = 12  # most characters after a count for a wording that may follow it
ZERO_WINDOW = 24  # a negated wording starts this close after its negation
PCT_DENOMINATORS = ("answered", "to_handle", "t3.new.total")


def _context_ok(lex: Lexicon, st: Statement, text: str, sent: tuple[int, int],
                clause: str, term: tuple[int, int], clause_from: int) -> bool:
    """Whether the clause and sentence around a wording make it the statement it may be: the
    companion wording is there (制发 … 规范性文件), nothing shows the count is about other
    business (工单, 行政许可申请 …), and the sentence or the one before is about applications."""
    if st.also is not None and not st.also.search(clause):
        return False
    exclude = lex.exclude.get(st.group)
    if exclude is not None:
        local = clause[: term[0] - clause_from] + clause[term[1] - clause_from:]
        if exclude.search(local):
            return False
    require = lex.require.get(st.group)
    if require is not None:
        s, e = sent
        if not require.search(text, s, e) and not require.search(T.previous_sentence(text, s)):
            return False
    return True


def _candidates(hits: list[Match], start: int, end: int) -> list[Match]:
    """Wordings within ``[start, end)``, latest first (ties: earlier in the lexicon)."""
    out = [h for h in hits if h.term_start >= start and h.term_end <= end]
    out.sort(key=lambda c: -c.term_end)  # stable: lexicon order among equal ends
    return out


def _statement_for(lex: Lexicon, hits: list[Match], text: str, count: T.Count, floor: int,
                   sent: tuple[int, int]) -> Match | None:
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
        if ctx.year and _other_year(text, sent[0], count.start, ctx.year):
            continue  # a figure of another year (R_wrong_year says whether it belongs there)
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


_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")


def _other_year(text: str, start: int, end: int, year: int) -> bool:
    """Whether the sentence dates what it says before ``end`` in a year other than the report's
    (the next year is the one carried-over applications go to)."""
    return any(int(m.group(1)) not in (year, year + 1) for m in _YEAR.finditer(text, start, end))


def _mismatch(ctx: Context, lex: Lexicon, st: Statement, count: T.Count, sent, values,
              match: Match) -> Finding:
    text = ctx.text
    main, refs = values[0]
    c_start = T.clause_start(text, count.start, sent[0])
    clause = text[c_start:count.start]
    start = min(match.term_start, count.start)
    if st.also is not None:
        also = st.also.search(text, c_start, max(match.term_end, count.end))
        start = min(start, also.start()) if also else start
    stated = T.quote(text, max(c_start, start), max(match.term_end, count.end), limit=40)
    severity = st.level
    why = ""
    if lex.scope.search(clause):
        severity, why = "uncertain", "（该句可能仅指本单位的一部分，请核实口径）"
    elif len(values) > 1:
        why = "（按其他口径计算亦不相符）"
    what = quantity_label(ctx.fmt, st.readings[0], refs)
    message = (f"“{ctx.heading}”中“{T.quote(text, *sent, limit=60)}”所称“{stated}”与表格不符："
               f"{what}为{fmt_number(main)}{why}")
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
            f"{pct:g}%与{fmt_number(count.value)}{count.unit}不符（按办结数、应办理数或新收数计算应为"
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


def _zero_finding(ctx: Context, lex: Lexicon, st: Statement, m: Match) -> list[Finding]:
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
    label = cell_labels(ctx.fmt, refs)
    return [ctx.finding(
        "warning", f"“{ctx.heading}”中“{T.quote(text, *sent, limit=60)}”称没有"
        f"{text[m.term_start:m.term_end]}，但表格中{'、'.join(label[:2])}为{fmt_number(main)}",
        sent, refs=refs, expected=main, actual=0)]


_GROUPS = {"复议": ("rev",), "诉讼": ("lit_direct", "lit_after_rev"),
           "起诉": ("lit_direct", "lit_after_rev")}


def _upheld_findings(ctx: Context, lex: Lexicon) -> list[Finding]:
    """"均获维持" while table 四 shows cases corrected, with other results or pending."""
    text = ctx.text
    out = []
    if "维持" not in text and "纠" not in text:
        return out
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
        labels = cell_labels(ctx.fmt, [r for r, _ in bad])
        detail = "、".join(f"{lab}{fmt_number(v)}件"
                          for lab, (_, v) in zip(labels, bad, strict=True))
        out.append(ctx.finding(
            "warning", f"“{ctx.heading}”中“{T.quote(text, *sent, limit=60)}”称案件均获维持，"
            f"但表四中{detail}", sent, refs=[r for r, _ in bad], expected="均获维持",
            actual=detail))
    return out
