"""Our own reports as published documents, for the audit round trip tests."""

from __future__ import annotations

from pathlib import Path

from nianbao.data.dataset import load
from nianbao.report.document import ReportDocument
from nianbao.report.tables import TABLE_CSS
from nianbao.testing import synth


def synthetic_dataset(tmp: Path, n_agencies: int, years, seed: int = 7):
    data = synth.generate(n_agencies, years=years, seed=seed)
    synth.write(data, tmp / "data")
    return load(tmp / "data")


def report_html(ds, agency_id: str, year: int) -> str:
    """The report as our HTML shows it: title, preface, the six sections, signature."""
    report = ds.report(agency_id, year)
    history = [r for r in ds.reports(agency_id) if r.year <= year]
    doc = ReportDocument(report, history, [], "publish")
    body = [doc.title_block(), doc.preface(), *doc.sections(), doc.footer()]
    return ("<!DOCTYPE html><html><head><meta charset='utf-8'>"
            f"<title>{doc.title}</title><style>{TABLE_CSS}</style></head><body>"
            "<div class='nianbao-official'>" + "\n".join(body) + "</div></body></html>")
