"""Reviewer pages: an index of every audited report and one page per report.

The report page shows the tables in the official layout (the report room's own table
markup) with each flagged cell highlighted and the place it was read from, the prose with each
quoted sentence highlighted, and every finding linked to both. Everything from the source is
escaped by Jinja's autoescape; no script of the source reaches the page.
"""

from __future__ import annotations

import hashlib
import html
import re
from pathlib import Path

import jinja2

from nianbao.audit.run import Audited, AuditResult
from nianbao.files import atomic_write
from nianbao.formats.spec import load_format
from nianbao.report.tables import TABLE_CSS, section_html

SEVERITY_ZH = {"error": "错误", "warning": "警告", "uncertain": "存疑"}
METHOD_ZH = {"direct": "直接读取", "sums": "按合计关系拆分", "order": "按行序读取",
             "collapsed": "原表合并为一行", "ambiguous": "存疑（多种拆分）", "missing": "未读到"}
_TD = re.compile(r'<td class="num"((?: colspan="\d+")?) data-cell="([a-z0-9_.]+)">[^<]*</td>')

_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("nianbao", "templates/audit"),
    autoescape=True, trim_blocks=True, lstrip_blocks=True,
)


def page_name(a: Audited) -> str:
    digest = hashlib.sha1(a.report.file.encode("utf-8")).hexdigest()[:12]
    return f"report-{digest}.html"


def write_pages(result: AuditResult, out: Path) -> Path:
    """Write ``index.html`` and one page per report under ``out``; returns the index path."""
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for a in result.audited:
        name = page_name(a)
        atomic_write(out / name, report_page(a).encode("utf-8"))
        rows.append({"page": name, "file": a.report.file, "agency": a.report.agency or "",
                     "year": a.report.year or "", "format": a.report.format_id or "",
                     "errors": a.count("error"), "warnings": a.count("warning"),
                     "uncertain": a.count("uncertain")})
    page = _ENV.get_template("index.html.j2").render(
        rows=rows, unreadable=result.unreadable)
    index = out / "index.html"
    atomic_write(index, page.encode("utf-8"))
    return index


def report_page(a: Audited) -> str:
    r = a.report
    findings = []
    flagged: dict[str, list[tuple[int, str, int]]] = {}  # cell → (finding, severity, cells)
    for i, f in enumerate(a.findings):
        for ref in f.cells:
            flagged.setdefault(ref, []).append((i, f.severity, len(f.cells)))
    prose, quote_ids = _prose_html(a)
    for i, f in enumerate(a.findings):
        findings.append({
            "i": i, "severity": f.severity, "severity_zh": SEVERITY_ZH.get(f.severity, f.severity),
            "rule": f.rule, "message": f.message, "quote": getattr(f, "quote", None),
            "cells": [c for c in f.cells if c in r.cells], "quote_id": quote_ids.get(i),
            "expected": f.expected, "actual": f.actual,
        })
    tables = _tables_html(a, flagged) if r.format_id else ""
    return _ENV.get_template("report.html.j2").render(
        r=r, a=a, findings=findings, tables=tables, prose=prose, table_css=TABLE_CSS,
        counts={s: a.count(s) for s in SEVERITY_ZH},
        fmt_name=load_format(r.format_id).name if r.format_id else "未识别",
        sources=[{"ref": ref, "value": _text(c.value, c.method), "method": METHOD_ZH[c.method],
                  "where": c.location.describe() if c.location else "—",
                  "label": load_format(r.format_id).cell_label(ref)}
                 for ref, c in r.cells.items()],
    )


class _Zero:
    """A table source that prints nothing real: the cells are filled in afterwards."""

    def __init__(self, fmt):
        self.format = fmt

    def value(self, ref: str) -> float:
        return 0.0


def _tables_html(a: Audited, flagged: dict) -> str:
    r = a.report
    fmt = load_format(r.format_id)
    source = _Zero(fmt)
    parts = []
    for sid in ("s2", "s3", "s4"):
        heading = fmt.section(sid).heading
        parts.append(f"<h3>{html.escape(heading)}</h3>")
        parts.append(_TD.sub(lambda m: _td(m, r, flagged), section_html(source, sid)))
    return "\n".join(parts)


def _td(m: re.Match, r, flagged) -> str:
    colspan, ref = m.group(1), m.group(2)
    c = r.cells.get(ref)
    classes = ["num"]
    if c is None:
        return m.group(0)
    if c.method in ("ambiguous", "missing"):
        classes.append("doubt")
    elif c.value is None:
        classes.append("blank")
    severities = {severity for _i, severity, _n in flagged.get(ref, [])}
    if severities & {"error", "warning"}:
        classes.append("flagged")
        classes.append("sev-" + ("error" if "error" in severities else "warning"))
    where = c.location.describe() if c.location else "—"
    title = f"{ref} · {METHOD_ZH[c.method]} · {where}"
    links = "".join(f'<a class="ref" href="#f{i}">[{i + 1}]</a>'
                    for i, _sev, n in flagged.get(ref, []) if n <= 24)
    return (f'<td class="{" ".join(classes)}"{colspan} data-cell="{html.escape(ref)}" '
            f'id="cell-{html.escape(ref)}" title="{html.escape(title)}">'
            f'{html.escape(_text(c.value, c.method))}{links}</td>')


def _text(value, method: str) -> str:
    if method in ("ambiguous", "missing"):
        return "？"
    if value is None:
        return "（空）"
    v = float(value)
    return str(int(v)) if v.is_integer() else f"{v:g}"


def _prose_html(a: Audited) -> tuple[list[dict], dict[int, str]]:
    """Sections with each finding's quote marked; finding index → mark id."""
    r = a.report
    fmt = load_format(r.format_id) if r.format_id else None
    sections = {"preface": r.preface, **r.sections} if r.preface else dict(r.sections)
    marks: dict[str, list[tuple[int, int, int]]] = {}
    quote_ids: dict[int, str] = {}
    for i, f in enumerate(a.findings):
        quote = getattr(f, "quote", None)
        if not quote:
            continue
        span = getattr(f, "span", None)
        sid = getattr(f, "section", None)
        if sid not in sections:
            sid = next((c for c in f.cells if c in sections), None)
        hits = []
        if span and sid:
            hits = [(sid, span[0], span[1])]
        else:
            for s, body in sections.items():
                k = body.find(quote)
                if k >= 0:
                    hits = [(s, k, k + len(quote))]
                    break
        for s, a0, b0 in hits:
            marks.setdefault(s, []).append((a0, b0, i))
            quote_ids[i] = f"q{i}"
    out = []
    for sid, body in sections.items():
        pieces = []
        pos = 0
        for a0, b0, i in sorted(marks.get(sid, [])):
            if a0 < pos:
                continue
            pieces.append(html.escape(body[pos:a0]))
            pieces.append(f'<mark id="q{i}" class="sev-{html.escape(a.findings[i].severity)}">'
                          f'{html.escape(body[a0:b0])}<a class="ref" href="#f{i}">[{i + 1}]</a>'
                          f"</mark>")
            pos = b0
        pieces.append(html.escape(body[pos:]))
        heading = "前言" if sid == "preface" else (fmt.section(sid).heading if fmt else sid)
        out.append({"id": sid, "heading": heading, "html": "".join(pieces)})
    return out, quote_ids
