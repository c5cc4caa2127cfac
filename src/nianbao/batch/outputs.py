"""The batch's own outputs: ``validation.json``/``.csv`` (every finding) and ``index.html``.

The index lists every run the manifest knows — agency or region, year, format version, status,
validation counts and links — as one self-contained page (inline CSS and JavaScript, nothing
loaded from the network) that sorts and filters in the browser.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from pathlib import Path

from nianbao.batch.sources import INDEX_TEMPLATE_DIR, file_hash
from nianbao.files import atomic_write
from nianbao.findings import severity_rank

FINDING_COLUMNS = ("agency_id", "agency", "year", "rule", "severity", "cells", "labels",
                   "expected", "actual", "message", "file", "line")
INDEX_TEMPLATE = "index.html.j2"


# ------------------------------------------------------------------ validation


def batch_findings(data_dir: Path, agencies: list[str], years: list[int]):
    """Every finding of ``check`` for the batch's agencies and years (loads the data once)."""
    from nianbao.checks.validate import check
    from nianbao.data.dataset import load

    ds = load(data_dir, years=sorted(set(years)), agencies=sorted(set(agencies)))
    return check(ds, agencies=sorted(set(agencies)), years=sorted(set(years)))


def finding_rows(findings, names: dict[str, str]) -> list[dict]:
    rows = []
    for f in findings:
        row = f.to_json()
        row["agency"] = names.get(f.agency_id or "", "")
        rows.append({k: row.get(k) for k in FINDING_COLUMNS})
    rows.sort(key=lambda r: (r["agency_id"] or "", r["year"] or 0,
                             severity_rank(r["severity"]), r["rule"], r["line"] or 0))
    return rows


def write_validation(out_dir: Path, rows: list[dict]) -> tuple[Path, Path]:
    """``validation.json`` (an array, as ``build.py check --json``) and ``validation.csv``."""
    json_path, csv_path = out_dir / "validation.json", out_dir / "validation.csv"
    atomic_write(json_path, json.dumps(rows, ensure_ascii=False, indent=1).encode("utf-8"))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(FINDING_COLUMNS)
    for row in rows:
        writer.writerow([_csv_cell(row[k]) for k in FINDING_COLUMNS])
    # With a BOM so that spreadsheet programs read the Chinese text as UTF-8.
    atomic_write(csv_path, buffer.getvalue().encode("utf-8-sig"))
    return json_path, csv_path


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "；".join(map(str, value))
    return str(value)


def counts(findings, agency_id: str | None, year: int,
           members: list[str] | None = None) -> tuple[int, int]:
    """Errors and warnings of one report (or, with ``members``, of a region's reports)."""
    wanted = set(members) if members is not None else {agency_id}
    errors = warnings = 0
    for f in findings:
        if f.agency_id in wanted and (f.year is None or f.year == year):
            errors += f.severity == "error"
            warnings += f.severity == "warning"
    return errors, warnings


# ------------------------------------------------------------------ index page

STATUS_ZH = {"ok": "成功", "failed": "失败"}
KIND_ZH = {"report": "年度报告", "summary": "区域汇总"}


def index_rows(out_dir: Path, runs: dict[str, dict]) -> list[dict]:
    """One row per run of the manifest, with links relative to the index page."""
    rows = []
    for target, entry in runs.items():
        links = []
        status = entry.get("status", "failed")
        if status == "ok":
            for kind, label in (("html", "HTML"), ("pdf", "PDF"), ("ipynb", "笔记本")):
                info = (entry.get("outputs") or {}).get(kind)
                if info and (out_dir / target / info["path"]).exists():
                    links.append((label, f"{target}/{info['path']}"))
        failure = entry.get("failure") or {}
        notebook = failure.get("notebook")
        if status != "ok" and notebook and (out_dir / notebook).exists():
            links.append(("出错的笔记本", notebook))
        if status == "ok" and not links:
            continue  # outputs deleted since: not listed until rebuilt
        rows.append({
            "target": target,
            "kind": KIND_ZH.get(entry.get("kind", "report"), entry.get("kind", "")),
            "name": entry.get("short_name") or entry.get("name") or target,
            "full_name": entry.get("name") or "",
            "agency_id": entry.get("agency_id") or "",
            "region": entry.get("region") or "",
            "year": entry.get("year") or "",
            "format": entry.get("format") or "",
            "status": STATUS_ZH.get(status, status),
            "ok": status == "ok",
            "errors": entry.get("errors"),
            "warnings": entry.get("warnings"),
            "reason": failure.get("reason", ""),
            "cell": failure.get("cell"),
            "links": links,
        })
    rows.sort(key=lambda r: (r["region"], -int(r["year"] or 0), r["kind"] != "区域汇总",
                             r["agency_id"]))
    return rows


def index_key(runs: dict[str, dict]) -> str:
    """Changes whenever the page would: the manifest's runs and the page template."""
    h = hashlib.sha256(json.dumps(runs, sort_keys=True, ensure_ascii=False).encode())
    h.update(file_hash(str(INDEX_TEMPLATE_DIR / INDEX_TEMPLATE)).encode())
    return h.hexdigest()


def render_index(rows: list[dict], title: str = "政府信息公开工作年度报告") -> str:
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(INDEX_TEMPLATE_DIR)),
                             autoescape=True, trim_blocks=True, lstrip_blocks=True,
                             keep_trailing_newline=True)
    years = sorted({r["year"] for r in rows if r["year"]}, reverse=True)
    totals = {
        "runs": len(rows),
        "ok": sum(r["ok"] for r in rows),
        "failed": sum(not r["ok"] for r in rows),
        "errors": sum(r["errors"] or 0 for r in rows if r["kind"] == KIND_ZH["report"]),
        "warnings": sum(r["warnings"] or 0 for r in rows if r["kind"] == KIND_ZH["report"]),
    }
    return env.get_template(INDEX_TEMPLATE).render(title=title, rows=rows, years=years,
                                                   totals=totals)


def write_index(out_dir: Path, runs: dict[str, dict], title: str = "政府信息公开工作年度报告"
                ) -> Path:
    path = out_dir / "index.html"
    html = render_index(index_rows(out_dir, runs), title)
    if not path.exists() or path.read_text(encoding="utf-8") != html:
        atomic_write(path, html.encode("utf-8"))
    return path
