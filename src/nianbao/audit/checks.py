"""The same rules as ``check``, applied to the cells read from a published report.

Formula rules of the format run on the cells read without doubt; a cell in doubt makes every
rule instance that names it unevaluable (never an error). A blank cell counts as 0, as in
``check``, and raises R6b. R5/R8 run when the same agency's previous year is in the run.
The prose rules come from ``nianbao.checks.prose`` when that module is present.
"""

from __future__ import annotations

import re

import numpy as np

from nianbao.findings import Finding
from nianbao.formats.expr import compile_expr
from nianbao.formats.spec import ReportFormat, format_for_year, load_format
from nianbao.ingest.model import PublishedReport

S6_LABELS = {"s6.fee_notices_issued": "六、其他需要报告的事项·收费通知件数",
             "s6.fee_notices_amount_yuan": "六、其他需要报告的事项·收费通知金额（元）",
             "s6.fee_collected_yuan": "六、其他需要报告的事项·实际收取金额（元）"}


def table_findings(report: PublishedReport, prev: PublishedReport | None) -> list[Finding]:
    """Formula rules (report scope, and cross-year when ``prev`` is given), R6 and R6b."""
    if not report.format_id:
        return []
    fmt = load_format(report.format_id)
    values = _values(report)
    out = []
    if prev is not None and prev.format_id:
        for ref, v in _values(prev).items():
            values["prev." + ref] = v
    for rule in fmt.enforced_rules:
        if rule.expr_kind != "formula" or rule.scope not in ("report", "cross_year"):
            continue
        if rule.scope == "cross_year" and prev is None:
            continue
        for binding, expr in rule.instances():
            compiled = compile_expr(expr)
            if any(values.get(r) is None for r in compiled.refs):
                continue
            result = compiled.evaluate({r: np.array([values[r]]) for r in compiled.refs})
            if bool(result["ok"][0]):
                continue
            out.append(_finding(report, fmt, rule, binding, compiled, values, result))
    out += _types_and_blanks(report, fmt)
    return out


def _values(report: PublishedReport) -> dict[str, float | None]:
    """Cell values for the rules: blank → 0 (as ``check`` does); doubtful or unread → None."""
    out: dict[str, float | None] = {}
    for ref, c in report.cells.items():
        if not c.read:
            out[ref] = None
        else:
            out[ref] = 0.0 if c.value is None else float(c.value)
    for ref in S6_LABELS:
        out[ref] = report.fees.as_inputs().get(ref, 0.0)
    return out


def _label(fmt: ReportFormat, ref: str, year: int | None) -> str:
    if ref.startswith("prev."):
        prev_fmt = format_for_year(year - 1) if year else fmt
        return f"上一年度·{prev_fmt.cell_label(ref[5:])}"
    return S6_LABELS.get(ref) or fmt.cell_label(ref)


def _plain(v):
    v = float(v)
    return int(v) if v.is_integer() else round(v, 6)


def _finding(report, fmt, rule, binding, compiled, values, result) -> Finding:
    labels = [_label(fmt, r, report.year) for r in compiled.refs]
    lhs, rhs = result.get("lhs"), result.get("rhs")
    subs = {r: str(_plain(values[r])) for r in compiled.refs}
    subs.update({"lhs": "" if lhs is None else str(_plain(lhs[0])),
                 "rhs": "" if rhs is None else str(_plain(rhs[0])), "lhs_label": labels[0]})
    if "col" in binding:
        subs["col_label"] = fmt.column_label(compiled.refs[0].split(".")[-3], binding["col"])
    if "row" in binding:
        subs["row_label"] = fmt.row_label(compiled.refs[0].split(".")[0], binding["row"])
    if "table_row" in binding:
        subs["row_label"] = fmt.cell_label(binding["table_row"])
    message = re.sub(r"\{([a-z0-9_.]+)\}", lambda m: subs.get(m.group(1), m.group(0)),
                     rule.message or rule.title_zh)
    return Finding(rule=rule.id, severity=rule.level, message=message, year=report.year,
                   cells=list(compiled.refs), labels=labels, file=report.file,
                   expected=None if rhs is None else _plain(rhs[0]),
                   actual=None if lhs is None else _plain(lhs[0]))


def _types_and_blanks(report: PublishedReport, fmt: ReportFormat) -> list[Finding]:
    out = []
    blanks = [ref for ref, c in report.cells.items()
              if ref.startswith(("t3.", "t4.")) and c.read and c.value is None]
    if blanks:
        first = fmt.cell_label(blanks[0])
        out.append(Finding(
            rule="R6b_blank_cells", severity="warning", cells=blanks, year=report.year,
            labels=[fmt.cell_label(r) for r in blanks], actual=len(blanks), expected=0,
            file=report.file,
            message=f"表三、表四共有 {len(blanks)} 个单元格空白（如“{first}”），"
                    "已按 0 计算；没有数据的单元格应填写 0"))
    spec = {f"{t.id}.{r.id}.{c.id}": c for t in fmt.tables for r in t.data_rows
            for c in t.columns}
    for ref, c in report.cells.items():
        col = spec[ref]
        if not c.read or c.value is None:
            continue
        why = None
        if col.min is not None and c.value < col.min:
            why = "不能为负数"
        elif col.type == "integer" and not float(c.value).is_integer():
            why = "应为整数"
        if why:
            label = fmt.cell_label(ref)
            out.append(Finding(
                rule="R6_types", severity="error", cells=[ref], labels=[label], year=report.year,
                actual=c.raw, expected="非负整数" if col.type == "integer" else "非负数",
                file=report.file, message=f"“{label}”的值“{c.raw}”{why}"))
    return out


def prose_findings(report: PublishedReport, prev: PublishedReport | None,
                   peers: dict[str, dict[str, str]] | None,
                   registry: list[str]) -> list[Finding]:
    """The prose rules (R10, arithmetic, wrong year, pasted text, structure) of the report.

    Cells the reader did not find are left out (the prose rules then say nothing about them);
    a blank cell or one in doubt is None. Missing table rows are already reported by the
    reader as doubts, so the prose module's row rule is not run twice.
    """
    from nianbao.checks import prose

    cells: dict[str, float | None] = {}
    for ref, c in report.cells.items():
        if c.method != "missing":
            cells[ref] = c.value if c.read else None
    cells.update(report.fees.as_inputs())
    sections = dict(report.sections)
    if report.preface:
        sections = {"preface": report.preface, **sections}
    doc = prose.ProseInput(
        sections=sections, cells=cells, format_id=report.format_id, year=report.year,
        agency_name=report.agency or "", agency_kind=guess_kind(report.agency),
        registry_names=registry,
        previous_sections=dict(prev.sections) if prev else None, peer_texts=peers)
    found = prose.prose_findings(doc, skip={prose.prose_structure.ROWS})
    for f in found:
        f.file = f.file or report.file
        f.year = f.year or report.year
    return found


def guess_kind(name: str | None) -> str | None:
    """The agency kind (街道, 乡镇, 部门, 政府) from its name, as the deadline rules need it."""
    if not name:
        return None
    if name.endswith(("街道", "街道办事处", "街道办")):
        return "街道"
    if re.search(r"(?:镇|乡)(?:人民政府)?$", name):
        return "乡镇"
    if name.endswith(("人民政府", "人民政府办公室", "人民政府办公厅", "管委会", "实验区")):
        return "政府"
    return "部门"
