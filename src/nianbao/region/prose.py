"""The prose of a region summary: coverage, totals, movements and checks, in Chinese.

The wording lives in ``region.phrases``; the numbers come from ``RegionData`` and the same
sentence generator as one agency's report (``report.narrative``).
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from nianbao.region import phrases as P
from nianbao.region.data import RegionData, RegionTotals, category_changes
from nianbao.report import narrative

MOVERS = 3  # agencies named for the largest increases and decreases
NAMES_SHOWN = 5  # agencies named in a sentence before "等 n 个单位"


def _names(names: Sequence[str]) -> str:
    if len(names) <= NAMES_SHOWN:
        return P.NAME_SEP.join(names)
    return P.NAMES_MORE.format(names=P.NAME_SEP.join(names[:NAMES_SHOWN]), n=len(names))


def _mover(row) -> str:
    d = narrative.fmt_count(abs(row.change))
    if row.change > 0:
        if row.prev == 0:
            return P.MOVER_UP_FROM_ZERO.format(name=row.name, d=d)
        return P.MOVER_UP.format(name=row.name, d=d, pct=narrative.fmt_pct(row.change, row.prev))
    return P.MOVER_DOWN.format(name=row.name, d=d, pct=narrative.fmt_pct(-row.change, row.prev))


def movements_sentence(changes: pd.DataFrame, n: int = MOVERS) -> str:
    """The agencies with the largest increases and decreases of new applications."""
    if not len(changes):
        return ""
    up = changes[changes["change"] > 0].head(n)
    down = changes[changes["change"] < 0].sort_values(["change", "name"], kind="stable").head(n)
    if not len(up) and not len(down):
        return P.MOVERS_NONE
    parts = []
    if len(up):
        parts.append(P.MOVERS_UP.format(items="、".join(_mover(r) for r in up.itertuples())))
    if len(down):
        items = "、".join(_mover(r) for r in down.itertuples())
        parts.append((P.MOVERS_DOWN_AFTER_UP if parts else P.MOVERS_DOWN_ONLY).format(items=items))
    return "".join(parts) + "。"


def category_sentence(totals: RegionTotals) -> str:
    """The result category of table 三 that moved most against last year, if any moved."""
    changes = [(label, a, b) for label, a, b in category_changes(totals) if a != b]
    if not changes:
        return ""
    label, a, b = max(changes, key=lambda c: (abs(c[2] - c[1]), -changes.index(c)))
    template = P.CATEGORY_UP if b > a else P.CATEGORY_DOWN
    text = template.format(label=label, a=narrative.fmt_count(a), b=narrative.fmt_count(b))
    if a > 0:
        text += P.CATEGORY_PCT.format(direction=P.UP if b > a else P.DOWN,
                                      pct=narrative.fmt_pct(abs(b - a), a))
    return text + "。"


def coverage_sentence(rd: RegionData) -> str:
    """How many of the region's agencies reported (and which did not)."""
    n, m = len(rd.agency_ids), len(rd.reported)
    if m == n:
        return P.COVERAGE_ALL.format(region=rd.region, n=n, year=rd.year)
    missing = [rd.names[a] for a in rd.overview.no_data]
    return P.COVERAGE_SOME.format(region=rd.region, n=n, m=m, k=n - m, year=rd.year,
                                  names=_names(missing))


def totals_sentence(rd: RegionData) -> str:
    """The region's totals, said as one agency's report says them."""
    facts = narrative.overview_facts(rd.totals)
    text = P.TOTALS.format(facts="；".join(facts))
    if rd.totals.fee_statement_complete():
        fee = narrative.fee_sentence(rd.totals)
        if fee:
            text += fee
    prev = rd.totals.prev
    if prev is not None and set(prev.agency_ids) != set(rd.totals.agency_ids):
        text += P.PREV_SET_DIFFERS.format(m=prev.n_agencies)
    return text


def movement_sentences(rd: RegionData) -> str:
    """Largest movers, the result category that moved most, first-time reporters."""
    text = movements_sentence(rd.changes) + category_sentence(rd.totals)
    first = [rd.names[a] for a in rd.reported
             if rd.totals.prev is not None and not rd.dataset.has(a, rd.year - 1)]
    if first:
        text += P.FIRST_REPORT.format(names=_names(first))
    return text


def checks_sentence(rd: RegionData) -> str:
    """What validation found: agencies with errors or warnings, file problems, late reports."""
    ov = rd.overview
    with_errors = int((ov.by_agency["errors"] > 0).sum()) if len(ov.by_agency) else 0
    with_warnings = int((ov.by_agency["warnings"] > 0).sum()) if len(ov.by_agency) else 0
    parts = []
    if with_errors:
        parts.append(P.CHECK_ERRORS.format(a=with_errors, e=narrative.fmt_count(ov.errors)))
    if with_warnings:
        parts.append(P.CHECK_WARNINGS.format(b=with_warnings,
                                             w=narrative.fmt_count(ov.warnings)))
    if ov.general:
        parts.append(P.CHECK_FILES.format(k=len(ov.general)))
    text = P.CHECK_SENTENCE.format(parts="，".join(parts)) if parts else P.CHECK_CLEAN
    if len(ov.late):
        names = list(dict.fromkeys(ov.late["name"]))
        text += P.LATE.format(k=len(names), names=_names(names))
    if ov.no_narrative:
        names = [rd.names[a] for a in ov.no_narrative]
        text += P.NO_TEXT.format(k=len(names), names=_names(names))
    return text


def paragraphs(rd: RegionData) -> list[str]:
    """The overview of the region in three or four paragraphs."""
    out = [coverage_sentence(rd) + totals_sentence(rd)]
    if rd.totals.prev is not None:
        moved = movement_sentences(rd)
        if moved:
            out.append(moved)
    out.append(checks_sentence(rd))
    return out
