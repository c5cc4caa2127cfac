"""Structure of a published report: its six parts in order, and the official tables' rows.

A part or a row the reader did not find may be the reader's doubt as much as the report's
fault, so these findings are warnings, never errors.
"""

from __future__ import annotations

from collections.abc import Mapping

from nianbao.findings import Finding
from nianbao.formats.spec import ReportFormat

SECTIONS = "R12_sections_present"
ROWS = "R_table_rows"
TEXT_SECTIONS = ("s1", "s5", "s6")  # parts that are prose only: empty means missing


def section_findings(fmt: ReportFormat, sections: Mapping[str, str]) -> list[Finding]:
    official = [s.id for s in fmt.sections]
    out = []
    for s in fmt.sections:
        present = s.id in sections and (s.id not in TEXT_SECTIONS or sections[s.id].strip())
        if not present:
            out.append(Finding(rule=SECTIONS, severity="warning", cells=[s.id],
                               labels=[s.heading], section=s.id,
                               message=f"报告缺少“{s.heading}”部分或该部分为空"))
    found = [k for k in sections if k in official]
    expected = sorted(found, key=official.index)
    if found != expected:
        first = next(a for a, b in zip(found, expected, strict=True) if a != b)
        shown = "、".join(fmt.section(k).no for k in found)
        out.append(Finding(
            rule=SECTIONS, severity="warning", cells=found,
            labels=[fmt.section(k).heading for k in found], section=first,
            expected="、".join(fmt.section(k).no for k in expected), actual=shown,
            message=f"报告各部分的顺序为{shown}，与规定的顺序不符"
                    f"（“{fmt.section(first).heading}”位置不对）"))
    return out


def row_findings(fmt: ReportFormat, cells: Mapping[str, float | None]) -> list[Finding]:
    """Rows of a read table that the format lacks, and format rows missing from it."""
    tables = {t.id: t for t in fmt.tables}
    rows_seen: dict[str, set[str]] = {}
    extra: dict[str, list[str]] = {}
    for ref in cells:
        parts = ref.split(".")
        if len(parts) != 3 or not parts[0].startswith("t"):
            continue
        table = tables.get(parts[0])
        if table is None:
            extra.setdefault(parts[0], []).append(ref)
            continue
        rows_seen.setdefault(parts[0], set()).add(parts[1])
        if parts[1] not in {r.id for r in table.data_rows}:
            extra.setdefault(parts[0], []).append(ref)
    out = []
    for table_id, refs in extra.items():
        rows = sorted({r.split(".")[1] for r in refs})
        name = _table_name(fmt, table_id)
        out.append(Finding(
            rule=ROWS, severity="warning", cells=refs, labels=refs, actual="、".join(rows),
            message=f"{name}中有{fmt.id}格式没有的行或表格：{'、'.join(rows)}"))
    for table_id, seen in rows_seen.items():
        table = tables[table_id]
        missing = [r for r in table.data_rows if r.id not in seen]
        if missing:
            labels = [fmt.row_label(table_id, r.id) for r in missing]
            out.append(Finding(
                rule=ROWS, severity="warning", cells=[f"{table_id}.{r.id}" for r in missing],
                labels=labels, expected="、".join(labels),
                message=f"{_table_name(fmt, table_id)}缺少规定的行：{'、'.join(labels)}"))
    return out


def _table_name(fmt: ReportFormat, table_id: str) -> str:
    tables = {t.id: t for t in fmt.tables}
    if table_id not in tables:
        return f"表格“{table_id}”"
    table = tables[table_id]
    section = fmt.section(table.section)
    return f"“{section.heading}”{table.caption or ''}表格"
