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
from pathlib import Path

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
from nianbao.data.dataset import Dataset
from nianbao.data.loading import AGENCY_KINDS, NARRATIVE_SECTIONS
from nianbao.findings import Finding
from nianbao.formats.expr import compile_expr, refs_in
from nianbao.formats.spec import ReportFormat, Rule, all_formats, format_for_year

TEXT_REUSE_THRESHOLD = 0.5  # share of this year's sentences repeated from last year
LOCAL_DEADLINE = (1, 31)  # default month/day for 街道/乡镇 when data/deadlines.csv says nothing


def validate(ds: Dataset) -> list[Finding]:
    """All rule findings of the dataset (input findings stay in ``ds.findings``)."""
    findings: list[Finding] = []
    for fmt in all_formats():
        rows = np.flatnonzero(ds.keys.format.to_numpy() == fmt.id)
        if not len(rows):
            continue
        for rule in fmt.enforced_rules:
            if rule.expr_kind == "formula" and rule.scope in ("report", "cross_year"):
                findings += _formula_rule(ds, fmt, rule, rows)
            elif rule.id in TEXT_RULES:
                findings += TEXT_RULES[rule.id](ds, fmt, rule, rows)
        findings += _prose_rules(ds, fmt, rows)
    return findings


def check(ds: Dataset, agencies=None, years=None) -> list[Finding]:
    """Input and rule findings, limited to the requested agencies and years."""
    found = ds.findings + validate(ds)
    if agencies:
        found = [f for f in found if f.agency_id is None or f.agency_id in agencies]
    if years:
        wanted = {int(y) for y in years}
        found = [f for f in found if f.year is None or f.year in wanted]
    return found


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
TEXT_RULES: dict[str, TextRule] = {}


def _text_rule(rule_id: str):
    def register(fn: TextRule) -> TextRule:
        TEXT_RULES[rule_id] = fn
        return fn

    return register


def _finding(rule: Rule, ds: Dataset, row: int, message: str, **kw) -> Finding:
    return Finding(rule=rule.id, severity=rule.level, message=message,
                   agency_id=ds.key_list[row][0], year=ds.key_list[row][1], **kw)


@_text_rule("R6_types")
def _types(ds: Dataset, fmt: ReportFormat, rule: Rule, rows: np.ndarray) -> list[Finding]:
    cells = ds.cells
    cells = cells[cells["valid"].astype(bool) & (cells["format"] == fmt.id)]
    if not len(cells):
        return []
    spec = {
        f"{t.id}.{r.id}.{c.id}": (c.type, c.min)
        for t in fmt.tables for r in t.data_rows for c in t.columns
    }
    kinds = cells["ref"].map({k: v[0] for k, v in spec.items()})
    mins = cells["ref"].map({k: v[1] for k, v in spec.items()}).astype(float)
    value = cells["value_num"]
    blank = cells["blank"].astype(bool)
    not_number = ~blank & value.isna()
    negative = value.notna() & mins.notna() & (value < mins)
    fraction = value.notna() & (kinds == "integer") & (value != value.round())
    out = []
    for mask, why in ((not_number, "不是数字"), (negative, "不能为负数"),
                      (fraction, "应为整数")):
        for r in cells[mask].itertuples():
            label = fmt.cell_label(r.ref)
            out.append(Finding(
                rule=rule.id, severity=rule.level, agency_id=r.agency_id, year=int(r.year),
                cells=[r.ref], labels=[label], actual=r.value, file=r.file, line=int(r.line),
                expected="非负整数" if kinds[r.Index] == "integer" else "非负数",
                message=f"“{label}”的值“{r.value}”{why}",
            ))
    return out


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
def _sections(ds: Dataset, fmt: ReportFormat, rule: Rule, rows: np.ndarray) -> list[Finding]:
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
    for k in rows:
        key = ds.key_list[k]
        narrative = ds.texts.get(key)
        if narrative is None:  # the missing file is reported by the loader
            continue
        for sid in NARRATIVE_SECTIONS:
            if not narrative.sections.get(sid, "").strip():
                heading = fmt.section(sid).heading
                out.append(_finding(rule, ds, int(k), cells=[sid], labels=[heading],
                                    file=narrative.path,
                                    message=f"正文缺少“{heading}”部分或该部分为空"))
    return out


def _deadlines(data_dir: Path) -> dict[tuple[str, str], tuple[int, int]]:
    """Local deadlines (``data/deadlines.csv``: region,kind,deadline as MM-DD), if any."""
    path = Path(data_dir) / "deadlines.csv"
    if not path.exists():
        return {}
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    return {(r.region, r.kind): tuple(int(x) for x in r.deadline.split("-"))
            for r in frame.itertuples()}


def _timeliness(ds: Dataset, fmt: ReportFormat, rule: Rule, rows: np.ndarray) -> list[Finding]:
    wanted = {"R11_deadline_department": "department", "R11_deadline_government": "government",
              "R11_local_deadlines": "local"}[rule.id]
    local = _deadlines(ds.data_dir) if wanted == "local" else {}
    kinds = ds.keys.agency_id.map(ds.agencies["kind"]).map(AGENCY_KINDS).to_numpy()
    regions = ds.keys.agency_id.map(ds.agencies["region"]).to_numpy()
    kind_names = ds.keys.agency_id.map(ds.agencies["kind"]).to_numpy()
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
    TEXT_RULES[_rid] = _timeliness


def _own_text(narrative) -> str:
    return "\n".join(narrative.sections.get(s, "") for s in ("s1", "s5"))


@_text_rule("R_text_reuse")
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


@_text_rule("R_other_agency_name")
def _other_agency(ds: Dataset, fmt: ReportFormat, rule: Rule, rows: np.ndarray) -> list[Finding]:
    names: dict[str, set[str]] = {}
    for agency_id, short, full in zip(ds.agencies.index, ds.agencies["short_name"],
                                      ds.agencies["name"], strict=True):
        for name in {short, full}:
            if name:
                names.setdefault(name, set()).add(agency_id)
    index = NameIndex(names)
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
                rule, ds, int(k), cells=list(NARRATIVE_SECTIONS), actual="、".join(hits),
                labels=["正文"], file=narrative.path,
                message=f"正文提到其他单位“{'、'.join(hits)}”，疑似从其他单位的报告中复制",
            ))
    return out


@_text_rule("R_kind_wording")
def _kind_wording(ds: Dataset, fmt: ReportFormat, rule: Rule, rows: np.ndarray) -> list[Finding]:
    out = []
    kinds = ds.agencies["kind"].to_dict()
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
                rule, ds, int(k), cells=list(NARRATIVE_SECTIONS), labels=["正文"],
                actual="、".join(hits), expected=kind, file=narrative.path,
                message=f"本单位为{kind}，但正文使用了“{'、'.join(hits)}”等称谓，疑似沿用其他单位的文字",
            ))
        for addressee, sentence in addressee_hits(text, kind)[:1]:
            out.append(_finding(
                rule, ds, int(k), cells=list(NARRATIVE_SECTIONS), labels=["正文"],
                actual=addressee, expected=kind, file=narrative.path, quote=sentence,
                message=f"本单位为{kind}，但正文“{sentence}”所述为向“{addressee}”提出的申请，"
                        "疑似沿用政府报告的文字",
            ))
    return out


@_text_rule("R_s1_topics")
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


def _prose_rules(ds: Dataset, fmt: ReportFormat, rows: np.ndarray) -> list[Finding]:
    """R10 and the other prose checks on the hand-written sections of ``data/text``."""
    wanted = {r.id for r in fmt.enforced_rules}
    skip = set(PROSE_SKIP) | {r for r in PROSE_RULES if r not in wanted}
    if all(r in skip for r in PROSE_RULES):
        return []
    kinds = ds.agencies["kind"].to_dict()
    names = ds.agencies["name"].to_dict()
    out = []
    for k in rows:
        agency, year = ds.key_list[k]
        narrative = ds.texts.get((agency, year))
        if narrative is None:
            continue
        doc = ProseInput(
            sections={s: narrative.sections.get(s, "") for s in NARRATIVE_SECTIONS},
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
