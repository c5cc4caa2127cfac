"""Audit a set of published reports: read each (in parallel), check, write JSON and pages.

One unreadable input never stops the others; it is listed with its reason. Exit codes: 0 no
errors, 1 some report has errors, 2 some input could not be read (takes precedence).
"""

from __future__ import annotations

import json
import sys
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from nianbao.audit.checks import prose_findings, table_findings
from nianbao.errors import UnreadableDocument
from nianbao.findings import SEVERITY_ORDER, Finding, plain_value
from nianbao.ingest.model import PublishedReport
from nianbao.ingest.read import read_report

EXIT_OK, EXIT_ERRORS, EXIT_UNREADABLE = 0, 1, 2
SUFFIXES = {".pdf", ".html", ".htm", ".shtml", ".xhtml", ".docx", ".txt", ".md", ".markdown",
            ".text", ""}


@dataclass
class Audited:
    report: PublishedReport
    findings: list[Finding] = field(default_factory=list)

    def count(self, severity: str) -> int:
        return sum(1 for f in self.findings if f.severity == severity)


@dataclass
class AuditResult:
    audited: list[Audited]
    unreadable: list[tuple[str, str]]

    @property
    def exit_code(self) -> int:
        if self.unreadable:
            return EXIT_UNREADABLE
        if any(a.count("error") for a in self.audited):
            return EXIT_ERRORS
        return EXIT_OK

    def to_json(self) -> dict:
        return {"reports": [report_json(a) for a in self.audited],
                "unreadable": [{"file": f, "message": m} for f, m in self.unreadable]}


def expand(paths: list[Path]) -> tuple[list[Path], list[tuple[str, str]]]:
    """Files to audit: the given files, and the report-like files under given folders."""
    files, missing = [], []
    for p in paths:
        if p.is_dir():
            files += sorted(f for f in p.rglob("*") if f.is_file()
                            and f.suffix.lower() in SUFFIXES and not f.name.startswith("."))
        elif p.is_file():
            files.append(p)
        else:
            missing.append((str(p), f"{p}：文件不存在"))
    return files, missing


def _read_one(path: str) -> tuple[str, PublishedReport | None, str | None]:
    try:
        return path, read_report(Path(path)), None
    except UnreadableDocument as exc:
        return path, None, str(exc)
    except (OSError, MemoryError, RecursionError, ValueError, KeyError, IndexError) as exc:
        return path, None, f"{path}：无法读取（{type(exc).__name__}）"


def audit(paths: list[Path], *, jobs: int = 1, progress=None) -> AuditResult:
    files, unreadable = expand(paths)
    reports: list[PublishedReport] = []
    names = [str(f) for f in files]
    if jobs > 1 and len(names) > 1:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            results = list(pool.map(_read_one, names, chunksize=max(1, len(names) // (jobs * 4))))
    else:
        results = [_read_one(n) for n in names]
    for i, (name, report, error) in enumerate(results, start=1):
        if progress:
            progress(i, len(results), name)
        if error:
            unreadable.append((name, error))
        else:
            reports.append(report)
    return AuditResult(check_all(reports), unreadable)


def _key(name: str | None) -> str:
    return (name or "").replace(" ", "")


def check_all(reports: list[PublishedReport]) -> list[Audited]:
    """Every rule on every report; the previous year of the same agency when it is here."""
    by_key: dict[tuple[str, int], PublishedReport] = {}
    for r in sorted(reports, key=lambda r: len(r.certain_values())):
        if r.agency and r.year:  # of two renderings of one report, the better read one
            by_key[(_key(r.agency), r.year)] = r
    registry = sorted({r.agency for r in reports if r.agency})
    out = []
    for r in reports:
        prev = by_key.get((_key(r.agency), r.year - 1)) if r.agency and r.year else None
        peers = {o.agency: o.sections for o in reports
                 if o.agency and o.year == r.year and _key(o.agency) != _key(r.agency)}
        found = list(r.findings) + table_findings(r, prev)
        if r.format_id and r.year:
            found += prose_findings(r, prev, peers or None,
                                    [n for n in registry if n != r.agency])
        for f in found:
            f.file = f.file or r.file
        found.sort(key=lambda f: (SEVERITY_ORDER.get(f.severity, 9), f.rule))
        out.append(Audited(r, found))
    return out


def report_json(a: Audited) -> dict:
    r = a.report
    return {
        "file": r.file, "agency": r.agency, "year": r.year, "format": r.format_id,
        "published": r.published.isoformat() if r.published else None,
        "cells": {ref: _num(c.value) for ref, c in r.cells.items()},
        "sources": {ref: {"method": c.method, "raw": c.raw,
                          "location": c.location.to_json() if c.location else None,
                          **({"candidates": [_num(v) for v in c.candidates]}
                             if c.candidates else {})}
                    for ref, c in r.cells.items()},
        "fees": {k.removeprefix("s6."): _num(v) for k, v in r.fees.as_inputs().items()},
        "counts": {s: a.count(s) for s in ("error", "warning", "uncertain")},
        "findings": [finding_json(f) for f in a.findings],
    }


def finding_json(f: Finding) -> dict:
    return {"rule": f.rule, "severity": f.severity, "cells": list(f.cells),
            "labels": list(f.labels), "expected": plain_value(f.expected),
            "actual": plain_value(f.actual), "message": f.message,
            "quote": getattr(f, "quote", None), "section": getattr(f, "section", None),
            "span": list(f.span) if getattr(f, "span", None) else None}


def _num(v):
    if v is None:
        return None
    v = float(v)
    return int(v) if v.is_integer() else v


def run_cli(paths: list[Path], *, as_json: bool, out: Path, jobs: int,
            to_data: Path | None = None, agency_id: str | None = None,
            replace: bool = False) -> int:
    """What ``build.py audit`` does: audit, write the pages, print JSON or a summary."""
    from nianbao.audit.pages import write_pages
    from nianbao.audit.to_data import to_data as write_data

    def progress(i, n, name):
        print(f"[{i}/{n}] {name}", file=sys.stderr)

    result = audit(paths, jobs=jobs, progress=progress)
    index = write_pages(result, out / "audit")
    for _name, message in result.unreadable:
        print(f"无法读取  {message}", file=sys.stderr)
    if as_json:
        sys.stdout.write(json.dumps(result.to_json(), ensure_ascii=False, indent=1) + "\n")
    else:
        for a in result.audited:
            r = a.report
            print(f"== {r.agency or '（单位未识别）'} {r.year or '?'} 年度  {r.file}")
            for f in a.findings:
                tag = {"error": "错误", "warning": "警告", "uncertain": "存疑"}.get(f.severity,
                                                                                 f.severity)
                print(f"  {tag}  {f.rule}  {f.message}")
    print(f"审核页面：{index}", file=sys.stderr)
    if to_data is not None:
        for written in write_data(result.audited, to_data, agency_id, replace):
            print(written.message, file=sys.stderr)
    return result.exit_code
