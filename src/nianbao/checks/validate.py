"""The validation engine: every rule of the format files over all agency-years at once.

Formula rules are compiled from the format files and evaluated as array operations over the
dataset's value matrix (one evaluation per rule instance, not per cell). Rules whose
``expr_kind`` is ``text`` are implemented here, one function each, registered in ``TEXT_RULES``.
A rule instance that names a cell absent from the data is not evaluable and is skipped.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from nianbao.checks.prose import RULES as PROSE_RULES
from nianbao.checks.prose import ProseInput, prose_findings
from nianbao.checks.prose_context import S6_LABELS
from nianbao.checks.text_rules import (
    NameIndex,
    addressee_hits,
    fingerprint_similarity,
    kind_wording_hits,
    text_fingerprint,
)
from nianbao.data.codes import per_cell
from nianbao.data.dataset import Dataset
from nianbao.data.loading import (
    AGENCY_KINDS,
    PROSE_SECTIONS,
    gbk_reading,
    parsed_categories,
    stats_files,
)
from nianbao.findings import Finding
from nianbao.formats.expr import compile_expr, refs_in
from nianbao.formats.spec import ReportFormat, Rule, all_formats, format_for_year
from nianbao.paths import display_path

TEXT_REUSE_THRESHOLD = 0.5  # share of this year's sentences repeated from last year
LOCAL_DEADLINE = (1, 31)  # default month/day for 街道/乡镇 when data/deadlines.csv says nothing


def validate(ds: Dataset, prose: bool = True) -> list[Finding]:
    """All rule findings of the dataset (input findings stay in ``ds.findings``);
    ``prose=False`` leaves out the checks of the hand-written prose (to time the rest)."""
    return [f for step in plan(ds, prose) for f in step.run(ds)]


@dataclass(frozen=True)
class Step:
    """One rule (or one part of one) over the agency-years of one format, in validation order.

    ``kind`` says what it reads: ``table`` the matrix and cells only, ``fees`` also the fee
    figures of the front matter (a formula on ``s6.*``), ``rows`` the narrative of each
    agency-year, one at a time, so that a shard of agencies can be checked on its own.
    """

    fmt: ReportFormat
    rule: Rule | None
    rows: np.ndarray
    fn: Callable[[Dataset, ReportFormat, Rule | None, np.ndarray], list[Finding]]
    kind: str

    def run(self, ds: Dataset, lo: int = 0, hi: int | None = None) -> list[Finding]:
        """Findings for the rows of this step in ``range(lo, hi)`` (all by default)."""
        rows = self.rows
        if lo or hi is not None:
            rows = rows[(rows >= lo) & (rows < (len(ds.key_list) if hi is None else hi))]
        return self.fn(ds, self.fmt, self.rule, rows) if len(rows) else []


def plan(ds: Dataset, prose: bool = True) -> list[Step]:
    """The steps of ``validate``; their findings, concatenated in this order, are its result."""
    steps = []
    for fmt in all_formats():
        rows = np.flatnonzero(ds.keys.format.to_numpy() == fmt.id)
        if not len(rows):
            continue
        for rule in fmt.enforced_rules:
            if rule.expr_kind == "formula" and rule.scope in ("report", "cross_year"):
                fees = any(r.startswith("s6.") for _, e in rule.instances() for r in refs_in(e))
                steps.append(Step(fmt, rule, rows, _formula_rule, "fees" if fees else "table"))
            elif rule.id in TEXT_RULES:
                for fn in TEXT_RULES[rule.id]:
                    steps.append(Step(fmt, rule, rows, fn,
                                      "rows" if fn in ROW_RULES else "table"))
        steps.append(Step(fmt, None, rows, _fee_figures, "rows"))
        if prose:
            steps.append(Step(fmt, None, rows, _prose_rules, "rows"))
    return steps


def _fee_figures(ds: Dataset, fmt: ReportFormat, rule: None, rows: np.ndarray) -> list[Finding]:
    """Section 六 states the fee figures of the front matter (F2021): the statement cannot be
    written when some are missing, or when all are and table 三 shows applications dropped for
    not paying a fee (then "no fee" would contradict the table)."""
    if "t3.res_other_no_fee.total" not in ds.ref_index or not any(
            "t3.res_other_no_fee.total" == r for r in fmt.cell_refs()):
        return []
    from nianbao.data.loading import FEE_KEYS, FEE_NAMES

    dropped = ds.values[:, ds.ref_index["t3.res_other_no_fee.total"]]
    out = []
    for k in rows:
        key = ds.key_list[k]
        narrative = ds.texts.get(key)
        if narrative is None or not narrative.meta:
            continue  # no file, or unreadable front matter: reported by the loader
        missing = [f for f in FEE_KEYS if narrative.meta.get(f) is None]
        if not missing or (len(missing) == len(FEE_KEYS) and not dropped[k] > 0):
            continue
        names = "、".join(f"{m}（{FEE_NAMES[m]}）" for m in missing)
        why = ("表三“申请人逾期未按收费通知要求缴纳费用”为 "
               f"{_num(dropped[k])} 件，" if len(missing) == len(FEE_KEYS) else "")
        out.append(Finding(
            rule="R_fee_figures", severity="error", agency_id=key[0], year=key[1],
            cells=[f"s6.{m}" for m in missing], labels=[_label(fmt, f"s6.{m}", key[1])
                                                          for m in missing],
            file=narrative.path, line=1, expected="、".join(missing),
            message=f"{why}正文头部信息缺少 {names}：第六部分须说明信息处理费的收取情况，"
                    "请在头部信息中填写（没有则填 0）",
        ))
    return out


def check(ds: Dataset, agencies=None, years=None) -> list[Finding]:
    """Input and rule findings, limited to the requested agencies and years."""
    return scoped(ds, ds.findings + validate(ds), agencies, years)


def scoped(ds: Dataset, found: list[Finding], agencies=None, years=None) -> list[Finding]:
    """``found`` limited to the requested agencies and years (and a requested year without
    any data said so)."""
    if agencies:
        found = [f for f in found if f.agency_id is None or f.agency_id in agencies]
    if years:
        wanted = {int(y) for y in years}
        found = [f for f in found if f.year is None or f.year in wanted]
        found += _no_data(ds, sorted(wanted), agencies)
    return found


def _no_data(ds: Dataset, years: list[int], agencies) -> list[Finding]:
    """A requested year with no statistics at all is an error, not "0 errors"."""
    out = []
    have = ds.years()
    files = "、".join(map(str, stats_files(ds.data_dir))) or "无"
    for year in years:
        where = display_path(ds.data_dir / "stats" / f"{year}.csv")
        if year in have or any(f.file == where for f in ds.findings):
            continue  # data, or a file the loader already said it could not read
        who = f"所选单位{'、'.join(agencies)}" if agencies else "任何单位"
        out.append(Finding(
            rule="IN_no_data", severity="error", year=year,
            file=where, message=f"没有{who}的 {year} 年度统计数据，无可校验"
                    f"（已有统计数据的年度：{files}）",
        ))
    return out


# ---------------------------------------------------------------- formula rules


def _formula_rule(ds: Dataset, fmt: ReportFormat, rule: Rule, rows: np.ndarray) -> list[Finding]:
    out = []
    index = ds.ref_index
    for binding, expr in rule.instances():
        compiled = compile_expr(expr)
        sel = rows
        if any(r.startswith("prev.") for r in compiled.refs):
            sel = rows[ds.prev_row[rows] >= 0]
            if not len(sel):
                continue
        values = {}
        for ref in compiled.refs:
            if ref.startswith("prev."):
                values[ref] = ds.values[ds.prev_row[sel], index[ref[5:]]]
            elif ref.startswith("s6."):
                values[ref] = np.nan_to_num(ds.values[sel, index[ref]])  # not stated = none
            else:
                values[ref] = ds.values[sel, index[ref]]
        known = np.all([~np.isnan(v) for v in values.values()], axis=0)
        result = compiled.evaluate(values)
        for k in np.flatnonzero(known & ~result["ok"]):
            out.append(_formula_finding(ds, fmt, rule, binding, compiled, values, result, k,
                                        int(sel[k])))
    return out


def _formula_finding(ds, fmt, rule, binding, compiled, values, result, k, row) -> Finding:
    agency, year = ds.key_list[row]
    labels = [_label(fmt, ref, year) for ref in compiled.refs]
    lhs = result.get("lhs")
    rhs = result.get("rhs")
    subs = {ref: _num(v[k]) for ref, v in values.items()}
    subs.update({
        "lhs": _num(lhs[k]) if lhs is not None else "",
        "rhs": _num(rhs[k]) if rhs is not None else "",
        "lhs_label": labels[0],
    })
    if "col" in binding:
        subs["col_label"] = fmt.column_label(compiled.refs[0].split(".")[-3], binding["col"])
    if "row" in binding:
        table = compiled.refs[0].split(".")[0]
        subs["row_label"] = fmt.row_label(table, binding["row"])
    if "table_row" in binding:
        subs["row_label"] = fmt.cell_label(binding["table_row"])
    message = _fill(rule.message or rule.title_zh, subs)
    return Finding(
        rule=rule.id, severity=rule.level, message=message, agency_id=agency, year=year,
        cells=list(compiled.refs), labels=labels,
        expected=None if rhs is None else _plain(rhs[k]),
        actual=None if lhs is None else _plain(lhs[k]),
    )


def _label(fmt: ReportFormat, ref: str, year: int) -> str:
    if ref.startswith("prev."):
        return f"上一年度·{format_for_year(year - 1).cell_label(ref[5:])}"
    if ref.startswith("s6."):
        return S6_LABELS[ref]
    return fmt.cell_label(ref)


def _fill(template: str, subs: dict) -> str:
    return re.sub(r"\{([a-z0-9_.]+)\}", lambda m: str(subs.get(m.group(1), m.group(0))), template)


def _plain(value: float):
    value = float(value)
    return int(value) if value.is_integer() else round(value, 6)


def _num(value: float) -> str:
    return str(_plain(value))


# ---------------------------------------------------------------- text rules

TextRule = Callable[[Dataset, ReportFormat, Rule, np.ndarray], list[Finding]]
#: The functions of each text rule, in order; those in ``ROW_RULES`` read the narratives.
TEXT_RULES: dict[str, list[TextRule]] = {}
ROW_RULES: set[TextRule] = set()


def _text_rule(rule_id: str, rows: bool = False):
    def register(fn: TextRule) -> TextRule:
        TEXT_RULES.setdefault(rule_id, []).append(fn)
        if rows:
            ROW_RULES.add(fn)
        return fn

    return register


def prepare_rows(ds: Dataset) -> None:
    """Make the look-ups of the row rules now (before workers fork: made once, shared)."""
    lookups = _lookups(ds)
    for name in ("kind_names", "full_names", "row_kind_names", "row_kinds", "row_regions",
                 "name_index"):
        getattr(lookups, name)
    ds.key_list, ds.prev_row  # noqa: B018 - cached on the dataset


def _lookups(ds: Dataset) -> _Lookups:
    """Per-dataset look-ups of the row rules, made once (a shard of rows must not rebuild them)."""
    found = ds.__dict__.get("_check_lookups")
    if found is None or found.agencies is not ds.agencies or found.keys is not ds.keys:
        found = ds.__dict__["_check_lookups"] = _Lookups(ds.agencies, ds.keys)
    return found


class _Lookups:
    def __init__(self, agencies: pd.DataFrame, keys: pd.DataFrame):
        self.agencies, self.keys = agencies, keys

    @cached_property
    def kind_names(self) -> dict[str, str]:
        return self.agencies["kind"].to_dict()

    @cached_property
    def full_names(self) -> dict[str, str]:
        return self.agencies["name"].to_dict()

    @cached_property
    def row_kind_names(self) -> np.ndarray:
        return self.keys.agency_id.map(self.agencies["kind"]).to_numpy()

    @cached_property
    def row_kinds(self) -> np.ndarray:
        return pd.Series(self.row_kind_names).map(AGENCY_KINDS).to_numpy()

    @cached_property
    def row_regions(self) -> np.ndarray:
        return self.keys.agency_id.map(self.agencies["region"]).to_numpy()

    @cached_property
    def name_index(self) -> NameIndex:
        names: dict[str, set[str]] = {}
        for agency_id, short, full in zip(self.agencies.index, self.agencies["short_name"],
                                          self.agencies["name"], strict=True):
            for name in {short, full}:
                if name:
                    names.setdefault(name, set()).add(agency_id)
        return NameIndex(names)


def _finding(rule: Rule, ds: Dataset, row: int, message: str, **kw) -> Finding:
    return Finding(rule=rule.id, severity=rule.level, message=message,
                   agency_id=ds.key_list[row][0], year=ds.key_list[row][1], **kw)


#: Beyond these a figure cannot be a real count or amount (and would not print sensibly).
PLAUSIBLE_MAX = {"件": 1e8, "项": 1e8, "元": 1e13, "万元": 1e9, None: 1e13}
#: Units a cell may carry after its number, by the unit of its column (None: a money column
#: whose unit is written in the data, F2019 采购总金额).
ALLOWED_UNITS = {"件": ("件", "项"), "项": ("件", "项"), "万元": ("万元",), None: ("元", "万元")}


@_text_rule("R6_types")
def _types(ds: Dataset, fmt: ReportFormat, rule: Rule, rows: np.ndarray) -> list[Finding]:
    columns = {f"{t.id}.{r.id}.{c.id}": c for t in fmt.tables for r in t.data_rows
               for c in t.columns}
    cells = ds.cells
    cells = cells[cells["valid"].to_numpy(dtype=bool) & (cells["format"] == fmt.id).to_numpy()
                  & per_cell(_doubtful_values(cells["value"].array, columns),
                             np.asarray(cells["value"].cat.codes), True)]
    if not len(cells):
        return []
    refs = cells["ref"]  # categorical: every map below works on the distinct ids only
    kinds = refs.map({k: c.type for k, c in columns.items()})
    mins = refs.map({k: c.min for k, c in columns.items()}).astype(float)
    units = refs.map({k: c.unit for k, c in columns.items()}).astype(object)
    limits = refs.map({k: PLAUSIBLE_MAX.get(c.unit, PLAUSIBLE_MAX[None])
                       for k, c in columns.items()}).astype(float)
    own = cells["unit"].astype(object)
    has_unit = own != ""
    # a cell's own unit (元 or 万元) sets its scale where the column has none
    limits = limits.where(~(has_unit & units.isna() & (own == "万元")), PLAUSIBLE_MAX["万元"])
    value = cells["value_num"]
    blank = cells["blank"].astype(bool)
    nan = ~blank & value.isna()
    overflow = pd.Series(False, index=cells.index)
    if nan.any():
        raw = cells["value"][nan].astype(str).str.strip().str.lower()
        overflow[nan] = (raw.str.fullmatch(r"[+-]?(inf|infinity|nan)")
                         | raw.str.fullmatch(r"[+-]?[\d.]+e\+?\d{3,}")).to_numpy(dtype=bool)
    not_number = nan & ~overflow
    negative = value.notna() & mins.notna() & (value < mins)
    fraction = value.notna() & (kinds == "integer") & (value != value.round())
    too_big = value.notna() & (value.abs() > limits)
    wrong_unit = pd.Series(False, index=cells.index)
    if has_unit.any():
        wrong_unit[has_unit] = [u not in ALLOWED_UNITS.get(cu, ALLOWED_UNITS[None])
                                for u, cu in zip(own[has_unit], units[has_unit], strict=True)]
    out = []
    for mask, why in ((not_number, "不是数字"),
                      (overflow, "不是有限的数（数字过大，或写成了 inf、nan）"),
                      (negative, "不能为负数"),
                      (fraction, "应为整数"), (too_big, "超出合理范围，请核对"),
                      (wrong_unit, None)):
        for r in cells[mask].itertuples():
            label = fmt.cell_label(r.ref)
            column_unit = units[r.Index]
            expected = "非负整数" if kinds[r.Index] == "integer" else "非负数"
            if why is None:
                allowed = ALLOWED_UNITS.get(column_unit, ALLOWED_UNITS[None])
                message = (f"“{label}”的值“{r.value}”带有单位“{r.unit}”，与本栏的单位不符"
                           f"（本栏应填{'或'.join(allowed)}）；请按本栏单位填写数字")
                expected = "或".join(allowed)
            else:
                message = f"“{label}”的值“{r.value}”{why}"
                hint = gbk_reading(str(r.value)) if why == "不是数字" else None
                if hint:
                    message += (f"；此值按 GBK 编码读作“{hint}”，文件 {r.file} 可能是 GBK 编码，"
                                "请另存为 UTF-8 编码")
                elif why.startswith("超出") and column_unit:
                    message += f"（以{column_unit}计，上限 {limits[r.Index]:,.0f}）"
            out.append(Finding(
                rule=rule.id, severity=rule.level, agency_id=r.agency_id, year=int(r.year),
                cells=[r.ref], labels=[label], actual=r.value, file=r.file, line=int(r.line),
                expected=expected, message=message,
            ))
    return out


def _doubtful_values(values: pd.Categorical, columns: dict) -> np.ndarray:
    """For each distinct raw value, whether ``_types`` could flag a cell of that value in some
    column: the other values (nearly all of millions of cells) need no closer look, and no
    per-cell copy is made for them."""
    mins = [float(c.min) for c in columns.values() if c.min is not None]
    highest_min = max((m for m in mins if m == m), default=-np.inf)
    smallest_limit = min(PLAUSIBLE_MAX.values())
    return np.array([
        unit != "" or (not blank and number != number)
        or (number == number and (number != round(number) or number < highest_min
                                  or abs(number) > smallest_limit))
        for number, blank, unit in parsed_categories(values.categories)
    ], dtype=bool)


@_text_rule("R6b_blank_cells")
def _blank_cells(ds: Dataset, fmt: ReportFormat, rule: Rule, rows: np.ndarray) -> list[Finding]:
    refs = [r for r in fmt.cell_refs() if r.startswith(("t3.", "t4."))]
    cols = np.array([ds.ref_index[r] for r in refs])
    blank = ds.blank[np.ix_(rows, cols)]
    out = []
    for k in np.flatnonzero(blank.any(axis=1)):
        which = [refs[j] for j in np.flatnonzero(blank[k])]
        first = fmt.cell_label(which[0])
        out.append(_finding(
            rule, ds, int(rows[k]), cells=which, labels=[fmt.cell_label(r) for r in which],
            actual=len(which), expected=0,
            message=f"表三、表四共有 {len(which)} 个单元格空白（如“{first}”），"
                    "已按 0 计算；没有数据的单元格应填写 0",
        ))
    return out


@_text_rule("R12_sections_present")
def _missing_tables(ds: Dataset, fmt: ReportFormat, rule: Rule,
                    rows: np.ndarray) -> list[Finding]:
    out = []
    for table in fmt.tables:
        cols = [ds.ref_index[f"{table.id}.{r.id}.{c.id}"]
                for r in table.data_rows for c in table.columns]
        missing = np.isnan(ds.values[np.ix_(rows, cols)]).all(axis=1)
        section = fmt.section(table.section)
        name = table.caption or section.heading
        for k in np.flatnonzero(missing):
            out.append(_finding(rule, ds, int(rows[k]), cells=[table.id],
                                labels=[name], message=f"缺少表格“{name}”（{section.heading}）"))
    return out


@_text_rule("R12_sections_present", rows=True)
def _missing_sections(ds: Dataset, fmt: ReportFormat, rule: Rule,
                      rows: np.ndarray) -> list[Finding]:
    out = []
    for k in rows:
        key = ds.key_list[k]
        narrative = ds.texts.get(key)
        if narrative is None:  # the missing file is reported by the loader
            continue
        for sid in PROSE_SECTIONS:
            if not narrative.sections.get(sid, "").strip():
                heading = fmt.section(sid).heading
                out.append(_finding(rule, ds, int(k), cells=[sid], labels=[heading],
                                    file=narrative.path,
                                    message=f"正文缺少“{heading}”部分或该部分为空"))
    return out


def _timeliness(ds: Dataset, fmt: ReportFormat, rule: Rule, rows: np.ndarray) -> list[Finding]:
    wanted = {"R11_deadline_department": "department", "R11_deadline_government": "government",
              "R11_local_deadlines": "local"}[rule.id]
    local = ds.deadlines if wanted == "local" else {}
    lookups = _lookups(ds)
    kinds, regions = lookups.row_kinds, lookups.row_regions
    kind_names = lookups.row_kind_names
    out = []
    for k in rows[kinds[rows] == wanted]:
        agency, year = ds.key_list[k]
        narrative = ds.texts.get((agency, year))
        published = narrative.published if narrative else None
        if published is None:
            continue
        month, day = {"department": (1, 31), "government": (3, 31)}.get(
            wanted, local.get((regions[k], kind_names[k]), LOCAL_DEADLINE))
        deadline = dt.date(year + 1, month, day)
        if published > deadline:
            out.append(_finding(
                rule, ds, int(k), cells=["publish_date"], labels=["发布日期"],
                expected=deadline.isoformat(), actual=published.isoformat(), file=narrative.path,
                message=_fill(rule.message, {"publish_date": published.isoformat(),
                                             "deadline": deadline.isoformat()}),
            ))
    return out


for _rid in ("R11_deadline_department", "R11_deadline_government", "R11_local_deadlines"):
    _text_rule(_rid, rows=True)(_timeliness)


def _own_text(narrative) -> str:
    return "\n".join(narrative.sections.get(s, "") for s in ("s1", "s5"))


@_text_rule("R_text_reuse", rows=True)
def _text_reuse(ds: Dataset, fmt: ReportFormat, rule: Rule, rows: np.ndarray) -> list[Finding]:
    out = []
    fingerprints: dict[int, object] = {}

    def fingerprint(row: int):
        if row not in fingerprints:
            text = ds.texts.get(ds.key_list[row])
            fingerprints[row] = text_fingerprint(_own_text(text)) if text else None
        return fingerprints[row]

    for k in rows[ds.prev_row[rows] >= 0]:
        now, before = fingerprint(int(k)), fingerprint(int(ds.prev_row[k]))
        if now is None or before is None:
            continue
        score = fingerprint_similarity(now, before)
        if score >= TEXT_REUSE_THRESHOLD:
            path = ds.texts[ds.key_list[k]].path
            out.append(_finding(
                rule, ds, int(k), cells=["s1", "s5"],
                labels=[fmt.section("s1").heading, fmt.section("s5").heading],
                expected=f"< {TEXT_REUSE_THRESHOLD:.0%}", actual=f"{score:.0%}", file=path,
                message=f"“总体情况”和“存在的主要问题及改进情况”中有 {score:.0%} 的句子"
                        "与上一年度报告相同"
                        "（数字不计），疑似照搬上年内容",
            ))
    return out


@_text_rule("R_other_agency_name", rows=True)
def _other_agency(ds: Dataset, fmt: ReportFormat, rule: Rule, rows: np.ndarray) -> list[Finding]:
    index = _lookups(ds).name_index
    out = []
    for k in rows:
        agency = ds.key_list[k][0]
        narrative = ds.texts.get(ds.key_list[k])
        if not narrative:
            continue
        text = "\n".join(narrative.sections.values())
        hits = index.others_in(text, agency)
        if hits:
            out.append(_finding(
                rule, ds, int(k), cells=list(PROSE_SECTIONS), actual="、".join(hits),
                labels=["正文"], file=narrative.path,
                message=f"正文提到其他单位“{'、'.join(hits)}”，疑似从其他单位的报告中复制",
            ))
    return out


@_text_rule("R_kind_wording", rows=True)
def _kind_wording(ds: Dataset, fmt: ReportFormat, rule: Rule, rows: np.ndarray) -> list[Finding]:
    out = []
    kinds = _lookups(ds).kind_names
    for k in rows:
        agency = ds.key_list[k][0]
        narrative = ds.texts.get(ds.key_list[k])
        if not narrative:
            continue
        kind = kinds[agency]
        text = "\n".join(narrative.sections.values())
        hits = kind_wording_hits(text, kind)
        if hits:
            out.append(_finding(
                rule, ds, int(k), cells=list(PROSE_SECTIONS), labels=["正文"],
                actual="、".join(hits), expected=kind, file=narrative.path,
                message=f"本单位为{kind}，但正文使用了“{'、'.join(hits)}”等称谓，疑似沿用其他单位的文字",
            ))
        for addressee, sentence in addressee_hits(text, kind)[:1]:
            out.append(_finding(
                rule, ds, int(k), cells=list(PROSE_SECTIONS), labels=["正文"],
                actual=addressee, expected=kind, file=narrative.path, quote=sentence,
                message=f"本单位为{kind}，但正文“{sentence}”所述为向“{addressee}”提出的申请，"
                        "疑似沿用政府报告的文字",
            ))
    return out


@_text_rule("R_s1_topics", rows=True)
def _s1_topics(ds: Dataset, fmt: ReportFormat, rule: Rule, rows: np.ndarray) -> list[Finding]:
    topics = fmt.section("s1").expected_topics
    heading = fmt.section("s1").heading
    out = []
    for k in rows:
        narrative = ds.texts.get(ds.key_list[k])
        text = narrative.sections.get("s1", "") if narrative else ""
        missing = [t for t in topics if t not in text]
        if narrative and text and missing:
            out.append(_finding(
                rule, ds, int(k), cells=["s1"], labels=[heading], file=narrative.path,
                expected="、".join(topics), actual="、".join(missing),
                message=f"“{heading}”未涉及{'、'.join(missing)}（应涵盖{'、'.join(topics)}五个方面）",
            ))
    return out


# ---------------------------------------------------------------- hand-written prose

# Rules of the prose checks that the dataset-wide rules above already cover (or that only
# concern reports read from a publication: its parts and table rows).
PROSE_SKIP = ("R_kind_wording", "R_other_agency_name", "R_text_reuse", "R_peer_text",
              "R12_sections_present", "R_table_rows")


class _RowCells(Mapping):
    """The cells of one agency-year as a read-only mapping (no copy of the row)."""

    __slots__ = ("index", "row")

    def __init__(self, index: dict[str, int], row: np.ndarray):
        self.index, self.row = index, row

    def __getitem__(self, ref: str) -> float | None:
        value = self.row[self.index[ref]]
        return None if value != value else float(value)

    def __iter__(self):
        return iter(self.index)

    def __len__(self) -> int:
        return len(self.index)


def _prose_rules(ds: Dataset, fmt: ReportFormat, rule: None, rows: np.ndarray) -> list[Finding]:
    """R10 and the other prose checks on the hand-written sections of ``data/text``."""
    wanted = {r.id for r in fmt.enforced_rules}
    skip = set(PROSE_SKIP) | {r for r in PROSE_RULES if r not in wanted}
    if all(r in skip for r in PROSE_RULES):
        return []
    kinds, names = _lookups(ds).kind_names, _lookups(ds).full_names
    out = []
    for k in rows:
        agency, year = ds.key_list[k]
        narrative = ds.texts.get((agency, year))
        if narrative is None:
            continue
        doc = ProseInput(
            sections={s: narrative.sections.get(s, "") for s in PROSE_SECTIONS},
            cells=_RowCells(ds.ref_index, ds.values[k]), format_id=fmt.id, year=year,
            agency_name=names.get(agency, agency), agency_kind=kinds.get(agency),
        )
        for f in prose_findings(doc, skip=skip):
            f.agency_id, f.year, f.file = agency, year, narrative.path
            out.append(f)
    return out


def rule_instances(fmt: ReportFormat) -> list[tuple[Rule, dict, list[str]]]:
    """Every checked rule instance with the cells it names (for a report's 数据校验 section)."""
    out = []
    for rule in fmt.enforced_rules:
        if rule.expr_kind == "formula":
            out += [(rule, b, refs_in(e)) for b, e in rule.instances()]
        else:
            out.append((rule, {}, []))
    return out
