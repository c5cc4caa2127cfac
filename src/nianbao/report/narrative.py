"""Sentences that restate the numbers of sections 二, 三 and 四, and the fee statement of 六.

Every number is read from the report's cells through the format (its tables, result categories
and ``derived_quantities``), never typed separately, so the prose cannot disagree with the tables
printed next to it (spec §9, §10.1). The wording lives in ``narrative_phrases``.

Conventions (spec §9):

- Counts are Arabic digits; a count of 10000 or more is grouped by thousands ("13,810"), as
  GB/T 15835 allows for numbers of five digits or more; smaller counts are never grouped.
- Percentages have one decimal place and are rounded half up (四舍五入) from the exact ratio
  of the integers the table shows. Python's ``round`` is not used: it rounds ties to even and
  works on the binary float, so 0.35 would become 0.3. A non-zero share below 0.05 % is written
  "不足0.1%" rather than a misleading "0.0%".
- Result shares are rounded one by one, never adjusted to force a sum of exactly 100.0 %:
  an adjusted share would no longer equal round(part / answered), which is what a reader and the
  R10 check recompute. With k stated shares the sum is within 100 ± 0.1 × (k − 1).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from nianbao.data.layout import FEE_KEYS
from nianbao.errors import MissingFeeFigures
from nianbao.report import phrases as P
from nianbao.report.numbers import fmt_count, fmt_money, fmt_pct, integral, to_decimal

if TYPE_CHECKING:
    from nianbao.data.model import Report
    from nianbao.formats.spec import Column, ReportFormat, Row, Table

__all__ = [
    "CategoryResult",
    "fee_sentence",
    "fmt_count",
    "fmt_money",
    "fmt_pct",
    "overview_facts",
    "result_categories",
    "section2_paragraph",
    "section3_paragraph",
    "section4_paragraph",
]

CATCH_ALL_LABEL = "其他"  # a sub-row with this label explains nothing, so it is never named

_NUMBERING = re.compile(r"^(?:（[一二三四五六七八九十]+）|[一二三四五六七八九十]+、|\d+\.)")
_TRAILING_NOTE = re.compile(r"（[^（）]*）$")


# --- Shared helpers ---------------------------------------------------------------------------


def _q(report: Report, name: str) -> int:
    """A derived quantity of the format as an integer count."""
    return integral(round(report.derived(name)))


def _cell(report: Report, ref: str) -> int:
    return integral(report.count(ref))


def _bare(label: str) -> str:
    """A row label without its numbering ("（一）", "1.") and without a trailing note in
    brackets: "（二）部分公开（区分处理的…）" → "部分公开"."""
    label = _NUMBERING.sub("", label.strip())
    return _TRAILING_NOTE.sub("", label) if not _TRAILING_NOTE.fullmatch(label) else label


def _and(labels: Sequence[str]) -> str:
    """"A", "A和B", "A、B和C"."""
    if len(labels) <= 1:
        return "".join(labels)
    return "、".join(labels[:-1]) + "和" + labels[-1]


def _sentence(clauses: Iterable[str], sep: str = "；") -> str:
    text = sep.join(c for c in clauses if c)
    return f"{text}。" if text else ""


# --- Section 二 -------------------------------------------------------------------------------


def _money_unit(report: Report, ref: str, column: Column) -> str:
    return report.units.get(ref) or column.unit or "元"


def _doc_row_clause(report: Report, table: Table, row: Row) -> str | None:
    """One document kind of 第二十条第（一）项; None when all its cells are 0."""
    label = row.label
    actions = [c for c in table.columns if c.id in P.DOC_ACTION_VERBS]
    stock = next(c for c in table.columns if c.id in P.DOC_STOCK_PHRASES)
    done = [(c, _cell(report, f"{table.id}.{row.id}.{c.id}")) for c in actions]
    held = _cell(report, f"{table.id}.{row.id}.{stock.id}")
    if held == 0 and not any(n for _, n in done):
        return None
    parts = []
    for column, n in (d for d in done if d[1]):
        template = P.DOC_ACTIONS_NEXT if parts else P.DOC_ACTIONS_FIRST
        parts.append(
            template.format(verb=P.DOC_ACTION_VERBS[column.id], label=label, n=fmt_count(n))
        )
    if not parts:
        verbs = "或".join(P.DOC_ACTION_VERBS[c.id] for c in actions)
        parts.append(P.DOC_NO_ACTION.format(verbs=verbs, label=label))
    with_stock, without_stock = P.DOC_STOCK_PHRASES[stock.id]
    held_text = (
        with_stock.format(label=label, n=fmt_count(held))
        if held
        else without_stock.format(label=label)
    )
    return "、".join(parts) + "，" + held_text


def _row_clauses(report: Report, tables: Sequence[Table], clause_of) -> tuple[list, list]:
    """The clause of each data row that has one, and the labels of the rows that have none."""
    clauses, empty = [], []
    for table in tables:
        for row in table.data_rows:
            clause = clause_of(report, table, row)
            if clause is None:
                empty.append(row.label)
            else:
                clauses.append(clause)
    return clauses, empty


def _documents_sentence(report: Report, table: Table) -> str:
    """规章 and (行政)规范性文件: this year's actions, then the stock; empty rows grouped last."""
    clauses, empty = _row_clauses(report, [table], _doc_row_clause)
    if empty:
        first_verb = next(P.DOC_ACTION_VERBS[c.id] for c in table.columns
                          if c.id in P.DOC_ACTION_VERBS)
        stock = next(c for c in table.columns if c.id in P.DOC_STOCK_PHRASES)
        labels = _and(empty)
        clauses.append(P.DOC_ALL_ZERO.format(
            verb=first_verb, labels=labels,
            stock_none=P.DOC_STOCK_PHRASES[stock.id][1].format(label=labels),
        ))
    return P.DOCS_SENTENCE.format(clauses="；".join(clauses))


def _decisions_sentence(report: Report, tables: Sequence[Table]) -> str:
    """Tables that only count decisions (F2021 行政许可/行政处罚/行政强制), in one sentence."""
    made, none = [], []
    for table in tables:
        for row in table.data_rows:
            n = _cell(report, f"{table.id}.{row.id}.decisions")
            if n:
                made.append(P.DECISION_ITEM.format(label=row.label, n=fmt_count(n)))
            else:
                none.append(row.label)
    if not made:
        return P.DECISIONS_NONE_ALL.format(labels="、".join(none))
    clauses = [P.DECISIONS_MADE.format(items="、".join(made))]
    if none:
        clauses.append(P.DECISIONS_NONE.format(labels="、".join(none)))
    return _sentence(clauses, sep="，")


def _items_row_clause(report: Report, table: Table, row: Row) -> str | None:
    """F2019 item counts of one row (上一年项目数量, 本年增/减, 处理决定数量); None if all 0.

    The item columns and the decision count are independent (spec R7_not_a_rule), so each is
    stated as it is and nothing is derived from their sum.
    """
    base = f"{table.id}.{row.id}"
    has_decisions = any(c.id == "decisions" for c in table.columns)
    prev = _cell(report, f"{base}.prev_items")
    change = _cell(report, f"{base}.items_change")
    decisions = _cell(report, f"{base}.decisions") if has_decisions else 0
    if prev == 0 and change == 0 and decisions == 0:
        return None
    parts = [
        P.ITEMS_PREV.format(label=row.label, n=fmt_count(prev))
        if prev
        else P.ITEMS_PREV_NONE.format(label=row.label)
    ]
    if change > 0:
        parts.append(P.ITEMS_UP.format(n=fmt_count(change)))
    elif change < 0:
        parts.append(P.ITEMS_DOWN.format(n=fmt_count(-change)))
    else:
        parts.append(P.ITEMS_SAME)
    if has_decisions:
        parts.append(
            P.ITEMS_DECISIONS.format(n=fmt_count(decisions)) if decisions
            else P.ITEMS_NO_DECISIONS
        )
    return "，".join(parts)


def _items_sentence(report: Report, tables: Sequence[Table]) -> str:
    clauses, empty = _row_clauses(report, tables, _items_row_clause)
    if empty:
        template = P.ITEMS_ALL_ZERO if clauses else P.ITEMS_NONE_AT_ALL
        clauses.append(template.format(labels="、".join(empty)))
    return _sentence(clauses)


def _fee_amount_sentence(report: Report, table: Table) -> str:
    """F2021 行政事业性收费 in the unit of the table (万元), with the precision given."""
    column = table.column("fee_amount")
    out = []
    for row in table.data_rows:
        ref = f"{table.id}.{row.id}.{column.id}"
        amount = to_decimal(report.value(ref))
        if amount == 0:
            out.append(P.FEE_NONE.format(label=row.label))
        else:
            out.append(P.FEE_AMOUNT.format(
                label=row.label, amount=fmt_money(amount, _money_unit(report, ref, column))
            ))
    return "".join(out)


def _procurement_sentence(report: Report, table: Table) -> str:
    """F2019 政府集中采购: item count and total amount with the unit written in the data."""
    column = table.column("procurement_amount")
    out = []
    for row in table.data_rows:
        items = _cell(report, f"{table.id}.{row.id}.procurement_items")
        ref = f"{table.id}.{row.id}.{column.id}"
        amount = to_decimal(report.value(ref))
        if items == 0 and amount == 0:
            out.append(P.PROCUREMENT_NONE.format(label=row.label))
        else:
            out.append(P.PROCUREMENT.format(
                label=row.label, n=fmt_count(items),
                amount=fmt_money(amount, _money_unit(report, ref, column)),
            ))
    return "".join(out)


def _generic_sentence(report: Report, table: Table) -> str:
    """Fallback for a table of a future format that has no dedicated wording yet."""
    cells = []
    for row in table.data_rows:
        for column in table.columns:
            ref = f"{table.id}.{row.id}.{column.id}"
            value = report.value(ref)
            text = (fmt_money(value, _money_unit(report, ref, column))
                    if column.type == "decimal" else f"{fmt_count(value)}{column.unit or ''}")
            cells.append(P.GENERIC_CELL.format(row=row.label, column=column.label, value=text))
    return _sentence(cells, sep="，")


def _table_kind(table: Table) -> str:
    """Which wording a section-二 table takes, recognised from its column ids."""
    ids = {c.id for c in table.columns}
    if {"prev_items", "items_change"} <= ids:
        return "items"
    if ids == {"decisions"}:
        return "decisions"
    if ids & set(P.DOC_ACTION_VERBS) and ids & set(P.DOC_STOCK_PHRASES):
        return "documents"
    if ids == {"fee_amount"}:
        return "fee"
    if ids == {"procurement_items", "procurement_amount"}:
        return "procurement"
    return "generic"


def section2_paragraph(report: Report) -> str:
    """Restates the section-二 tables in their order; consecutive tables of the same kind
    (decision counts, item counts) share one sentence so the paragraph stays short."""
    fmt = report.format
    tables = [fmt.table(t) for t in fmt.section("s2").tables]
    runs: list[tuple[str, list[Table]]] = []
    for table in tables:
        kind = _table_kind(table)
        if runs and runs[-1][0] == kind and kind in ("decisions", "items"):
            runs[-1][1].append(table)
        else:
            runs.append((kind, [table]))
    sentences = []
    for kind, group in runs:
        if kind == "decisions":
            sentences.append(_decisions_sentence(report, group))
        elif kind == "items":
            sentences.append(_items_sentence(report, group))
        else:
            writer = {
                "documents": _documents_sentence,
                "fee": _fee_amount_sentence,
                "procurement": _procurement_sentence,
                "generic": _generic_sentence,
            }[kind]
            sentences.extend(writer(report, t) for t in group)
    return "".join(sentences)


# --- Section 三 -------------------------------------------------------------------------------


@dataclass(frozen=True)
class CategoryResult:
    """One result category of table 三 (予以公开 … 其他处理) with its sub-rows.

    ``count`` is the sum of all sub-rows, never a single sub-row (spec §9, §10.1).
    """

    category: str
    label: str
    count: int
    subrows: tuple[tuple[str, int], ...]  # (label without numbering, count), table order

    def main_reason(self) -> tuple[str, int, bool] | None:
        """The sub-reason worth naming, as (label, count, is_the_only_one), or None.

        Rule: a sub-row is named when the category has at least two sub-rows in the format
        and either (a) it is the only non-zero one, or (b) at least two are non-zero and it
        holds strictly more than half of the category. A catch-all row labelled "其他" is
        never named: it tells the reader nothing.
        """
        if len(self.subrows) < 2 or self.count == 0:
            return None
        nonzero = [(label, n) for label, n in self.subrows if n > 0]
        if len(nonzero) == 1:
            label, n = nonzero[0]
            only = True
        else:
            label, n = max(nonzero, key=lambda s: s[1])
            if 2 * n <= self.count:
                return None
            only = False
        if label == CATCH_ALL_LABEL:
            return None
        return label, n, only


def _category_label(fmt: ReportFormat, rows: Sequence[Row]) -> str:
    """The category's own label: the row itself, or the merged group cell above its sub-rows."""
    if len(rows) == 1 and rows[0].level == 1:
        return _bare(rows[0].label)
    path = fmt.table("t3").row_paths()[rows[0].id]
    return _bare(path[-2])


def result_categories(report: Report) -> list[CategoryResult]:
    """The result categories of table 三 in table order, taken from the format (F2019 has one
    其他处理 row, F2021 three), with totals summed from their sub-rows."""
    fmt = report.format
    order = list(dict.fromkeys(r.category for r in fmt.result_rows()))
    out = []
    for category in order:
        rows = fmt.result_rows(category)
        subrows = tuple((_bare(r.label), _cell(report, f"t3.{r.id}.total")) for r in rows)
        out.append(CategoryResult(
            category=category,
            label=_category_label(fmt, rows),
            count=sum(n for _, n in subrows),
            subrows=subrows if len(rows) > 1 else (),
        ))
    return out


def _yoy_clause(report: Report, new: int) -> str | None:
    """"较上年增长x%" only when last year's report exists with a count above 0."""
    if new == 0 or report.derived("yoy_change_pct") is None:
        return None
    base = _cell(report.prev, "t3.new.total")
    if new == base:
        return P.S3_YOY_SAME
    pct = fmt_pct(abs(new - base), base)
    return (P.S3_YOY_UP if new > base else P.S3_YOY_DOWN).format(pct=pct)


def _applicants_clause(report: Report, new: int) -> str | None:
    """自然人 / 法人或其他组织 split of the new applications, labels from the format."""
    if new == 0:
        return None
    columns = report.format.table("t3").columns
    person = columns[0].label
    org = next(c.group for c in columns if c.group)
    persons, orgs = _q(report, "from_natural_persons_new"), _q(report, "from_orgs_new")
    if persons < 0 or orgs < 0:
        return None  # inconsistent row: say nothing rather than something false
    if persons and orgs:
        return P.S3_APPLICANTS_SPLIT.format(
            person=person, a=fmt_count(persons), org=org, b=fmt_count(orgs)
        )
    who = person if persons else org
    return (P.S3_APPLICANTS_ONE if new == 1 else P.S3_APPLICANTS_ALL).format(who=who)


def _received_sentence(report: Report, new: int, carry_in: int) -> str:
    if new == 0:
        head = P.S3_RECEIVED_NONE
    else:
        head = (P.S3_RECEIVED_ONE if new == 1 else P.S3_RECEIVED_MANY).format(n=fmt_count(new))
    first = "，".join(c for c in (head, _yoy_clause(report, new),
                                  _applicants_clause(report, new)) if c)
    carry = P.S3_CARRY_IN.format(n=fmt_count(carry_in)) if carry_in else P.S3_CARRY_IN_NONE
    return _sentence([first, carry])


def _reason_clause(cat: CategoryResult) -> str | None:
    reason = cat.main_reason()
    if reason is None:
        return None
    label, n, only = reason
    if not only:
        return P.S3_REASON_MAIN.format(label=label, n=fmt_count(n))
    return (P.S3_REASON_ONLY_ONE if cat.count == 1 else P.S3_REASON_ONLY_ALL).format(label=label)


def _single_result_clause(cat: CategoryResult, answered: int) -> str:
    """"办理结果均为无法提供，原因均为…" when one category holds every answered application."""
    head = (P.S3_SINGLE_RESULT_ONE if answered == 1 else P.S3_SINGLE_RESULT_ALL)
    return "，".join(c for c in (head.format(label=cat.label), _reason_clause(cat)) if c)


def _share_clauses(shown: Sequence[CategoryResult], answered: int) -> list[str]:
    """Category counts with their shares of ``answered`` (the denominator named once)."""
    clauses = []
    for cat in shown:
        pct = fmt_pct(cat.count, answered)
        if pct is None:
            text = P.S3_COUNT_ONLY.format(label=cat.label, n=fmt_count(cat.count))
        else:
            tiny = pct == P.PCT_BELOW_RESOLUTION
            template = ((P.S3_NEXT_SHARE_TINY if tiny else P.S3_NEXT_SHARE) if clauses
                        else (P.S3_FIRST_SHARE_TINY if tiny else P.S3_FIRST_SHARE))
            text = template.format(label=cat.label, n=fmt_count(cat.count), pct=pct)
        reason = _reason_clause(cat)
        clauses.append(f"{text}，{reason}" if reason else text)
    return clauses


def _answered_sentence(report: Report, answered: int, carry_in: int) -> str:
    """Applications answered and their results; zero categories are left out."""
    if answered == 0:
        return _sentence([P.S3_ANSWERED_NONE])
    head = (P.S3_ANSWERED_INCL_CARRY if carry_in else P.S3_ANSWERED).format(
        n=fmt_count(answered)
    )
    shown = [c for c in result_categories(report) if c.count > 0]
    if not shown:
        return _sentence([head])
    if len(shown) == 1 and shown[0].count == answered:
        return _sentence([f"{head}，{_single_result_clause(shown[0], answered)}"])
    clauses = _share_clauses(shown, answered)
    return _sentence([f"{head}，其中{clauses[0]}", *clauses[1:]])


def section3_paragraph(report: Report) -> str:
    """Section 三 in the order of spec §9: received (with the change on last year), carried
    over, who applied, answered with the results by category, carried into next year."""
    new = _cell(report, "t3.new.total")
    carry_in = _cell(report, "t3.carry_in.total")
    carry_out = _cell(report, "t3.carry_out.total")
    answered = _q(report, "answered")
    if new == carry_in == carry_out == answered == 0:
        return P.S3_NOTHING
    carry = (P.S3_CARRY_OUT.format(n=fmt_count(carry_out)) if carry_out
             else P.S3_CARRY_OUT_NONE)
    return (
        _received_sentence(report, new, carry_in)
        + _answered_sentence(report, answered, carry_in)
        + carry
    )


# --- Section 四 -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _CaseGroup:
    """One block of table 四 (行政复议, 未经复议直接起诉, 复议后起诉)."""

    name: str
    total: int
    upheld: int
    outcomes: tuple[tuple[str, int], ...]  # (结果维持 …, n) in column order, without 总计

    @property
    def not_upheld(self) -> int:
        """Cases corrected, with another result, or still pending."""
        return sum(n for _, n in self.outcomes) - self.upheld

    def detail(self) -> str:
        """"（结果维持5件、尚未审结2件）": non-zero outcomes only; empty for no case."""
        parts = [P.S4_OUTCOME.format(label=label, n=fmt_count(n))
                 for label, n in self.outcomes if n]
        return f"（{'、'.join(parts)}）" if parts else ""


def _case_groups(report: Report) -> list[_CaseGroup]:
    """Blocks of table 四 in column order (行政复议 first), read from the format's column
    groups; in each block the ``*_total`` column is the total and ``*_upheld`` the upheld."""
    table = report.format.table("t4")
    row = table.data_rows[0].id
    blocks: dict[tuple[str | None, str | None], list[Column]] = {}
    for column in table.columns:
        blocks.setdefault((column.group, column.subgroup), []).append(column)
    out = []
    for (group, subgroup), columns in blocks.items():
        values = {c.id: _cell(report, f"t4.{row}.{c.id}") for c in columns}
        total = next(c.id for c in columns if c.id.endswith("_total"))
        upheld = next(c.id for c in columns if c.id.endswith("_upheld"))
        outcomes = tuple((c.label, values[c.id]) for c in columns if c.id != total)
        out.append(_CaseGroup(subgroup or group or "", values[total], values[upheld], outcomes))
    return out


def all_upheld(report: Report) -> bool:
    """True when "均获维持" may be written: at least two cases and every one of them upheld —
    none corrected, none with another result, none pending (spec §8 item 16). With a single
    case the word 均 does not fit, so the outcome is stated in brackets instead."""
    cases = _q(report, "reviews") + _q(report, "lawsuits")
    return cases >= 2 and not any(g.not_upheld for g in _case_groups(report))


def _lawsuit_clause(suits: Sequence[_CaseGroup], total: int, upheld: bool) -> str:
    """Lawsuits: the total, then the kinds (直接起诉 / 复议后起诉) with their outcomes."""
    head = P.S4_LAWSUITS.format(n=fmt_count(total))
    active = [g for g in suits if g.total]
    if len(active) > 1:
        if upheld:
            parts = "、".join(f"{g.name}{fmt_count(g.total)}件" for g in active)
            return f"{head}（{P.S4_LAWSUITS_SPLIT.format(parts=parts)}）"
        parts = "，".join(f"{g.name}{fmt_count(g.total)}件{g.detail()}" for g in active)
        return f"{head}，{P.S4_LAWSUITS_SPLIT.format(parts=parts)}"
    if not active:  # totals of the kinds missing: state the total only
        return head
    only = active[0]
    kind = (P.S4_LAWSUITS_ONE_KIND if total == 1 else P.S4_LAWSUITS_ALL_ONE_KIND).format(
        kind=only.name
    )
    return f"{head}（{kind}）" if upheld else f"{head}{only.detail()}，{kind}"


def section4_paragraph(report: Report) -> str:
    """Reviews and lawsuits caused by disclosure work: totals always, non-zero outcomes in
    brackets, lawsuits split by kind, and "均获维持" only when every case was upheld."""
    reviews, lawsuits = _q(report, "reviews"), _q(report, "lawsuits")
    if reviews == 0 and lawsuits == 0:
        return P.S4_NOTHING
    review_group, *suits = _case_groups(report)
    upheld = all_upheld(report)
    if reviews:
        first = P.S4_REVIEWS.format(n=fmt_count(reviews)) + ("" if upheld
                                                              else review_group.detail())
    else:
        first = P.S4_REVIEWS_NONE
    second = (_lawsuit_clause(suits, lawsuits, upheld) if lawsuits else P.S4_LAWSUITS_NONE)
    if upheld and not lawsuits:
        return f"{P.S4_PREFIX}{first}，{P.S4_ALL_UPHELD}；{second}。"
    tail = f"，{P.S4_ALL_UPHELD}" if upheld else ""
    return f"{P.S4_PREFIX}{first}，{second}{tail}。"


# --- Section 六 (F2021) -----------------------------------------------------------------------


def _fee_has_notice_row(fmt: ReportFormat) -> bool:
    return any(r.id == "res_other_no_fee" for r in fmt.result_rows("other"))


def fee_sentence(report: Report) -> str | None:
    """The information-processing fee statement of section 六; None for F2019, which has no
    such statement.

    The figures come from the narrative front matter. When none of the three keys is given,
    "no fee" is written only if the table shows no application dropped for non-payment;
    otherwise the report would contradict its own table, so ``MissingFeeFigures`` (a
    ValueError) names what is missing.
    """
    if not _fee_has_notice_row(report.format):
        return None
    meta = report.prose.meta
    missing = [k for k in FEE_KEYS if meta.get(k) is None]
    if len(missing) == len(FEE_KEYS) and _cell(report, "t3.res_other_no_fee.total") == 0:
        return P.FEE_NOTHING
    if missing:
        raise MissingFeeFigures(
            f"缺少信息处理费收取情况：{report.agency.name}{report.year}年度报告正文的头部信息"
            f"未填写 {'、'.join(missing)}，第六部分须说明信息处理费收取情况", missing)
    notices = integral(to_decimal(meta["fee_notices_issued"]))
    amount = to_decimal(meta["fee_notices_amount_yuan"])
    collected = to_decimal(meta["fee_collected_yuan"])
    if notices == 0 and amount == 0 and collected == 0:
        return P.FEE_NOTHING
    template = P.FEE_NOTICES_ONE if notices == 1 else P.FEE_NOTICES_MANY
    head = template.format(n=fmt_count(notices), amount=fmt_money(amount))
    tail = P.FEE_COLLECTED.format(amount=fmt_money(collected)) if collected \
        else P.FEE_COLLECTED_NONE
    return f"{head}，{tail}"


# --- Overview ---------------------------------------------------------------------------------


def overview_facts(report: Report) -> list[str]:
    """Three or four short facts for a summary box, worded like the paragraphs they summarise."""
    new = _cell(report, "t3.new.total")
    head = P.FACT_NEW.format(n=fmt_count(new)) if new else P.FACT_NEW_NONE
    facts = ["，".join(c for c in (head, _yoy_clause(report, new)) if c)]
    answered = _q(report, "answered")
    if answered:
        cats = {c.category: c for c in result_categories(report)}
        opened = _q(report, "open_or_partial")
        facts.append(P.FACT_OPEN_SHARE.format(
            n=fmt_count(answered), m=fmt_count(opened),
            labels=f"{cats['open'].label}和{cats['partial'].label}",
            pct=fmt_pct(opened, answered),
        ))
    carry_out = _cell(report, "t3.carry_out.total")
    if carry_out:
        facts.append(P.FACT_CARRY_OUT.format(n=fmt_count(carry_out)))
    reviews, lawsuits = _q(report, "reviews"), _q(report, "lawsuits")
    facts.append(P.FACT_CASES.format(r=fmt_count(reviews), s=fmt_count(lawsuits))
                 if reviews or lawsuits else P.FACT_NO_CASES)
    return facts
