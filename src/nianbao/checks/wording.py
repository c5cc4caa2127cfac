"""Findings for people: a table grouped by agency-year, with counts at the end."""

from __future__ import annotations

import json
from collections import Counter
from itertools import groupby

from nianbao.findings import SEVERITY_ZH, Finding, severity_rank


def _sort_key(f: Finding):
    return (f.agency_id or "", f.year or 0, severity_rank(f.severity), f.rule, f.line or 0)


def findings_to_text(findings: list[Finding], names: dict[str, str] | None = None) -> str:
    """Readable report of findings: one block per agency-year, then the totals."""
    names = names or {}
    lines = []
    for (agency, year), group in groupby(sorted(findings, key=_sort_key),
                                         key=lambda f: (f.agency_id, f.year)):
        title = " ".join(
            p for p in (agency and f"{names.get(agency, agency)}（{agency}）",
                        year and f"{year} 年度") if p
        ) or "整体"
        lines.append(f"== {title}")
        for f in group:
            where = f"  [{f.where()}]" if f.file else ""
            severity = SEVERITY_ZH.get(f.severity, f.severity)
            lines.append(f"  {severity}  {f.rule}  {f.message}{where}")
    counts = Counter(f.severity for f in findings)
    years = {(f.agency_id, f.year) for f in findings if f.agency_id}
    lines.append("")
    lines.append(
        f"合计：错误 {counts.get('error', 0)} 项，警告 {counts.get('warning', 0)} 项，"
        + (f"存疑 {counts['uncertain']} 项，" if counts.get("uncertain") else "")
        + f"涉及 {len(years)} 个单位年度"
    )
    return "\n".join(lines)


def findings_to_json(findings: list[Finding]) -> str:
    return json.dumps([f.to_json() for f in sorted(findings, key=_sort_key)],
                      ensure_ascii=False, indent=1)
