"""Reports audited per minute for HTML, text and PDF inputs (a measurement, not a test).

HTML: our own synthetic reports; text: the run-together crawled texts of the corpus; PDF:
the corpus PDF and synthetic reports printed by Chromium. Reading runs on ``--jobs`` processes.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from nianbao.audit.run import audit  # noqa: E402
from prose_corpus import SHARED  # noqa: E402
from roundtrip_support import report_html, synthetic_dataset  # noqa: E402

CORPUS = SHARED / "corpus"


def rate(paths: list[Path], jobs: int) -> float:
    start = time.perf_counter()
    result = audit(paths, jobs=jobs)
    assert not result.unreadable, result.unreadable
    return len(paths) / (time.perf_counter() - start) * 60


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--n", type=int, default=20, help="synthetic agencies (× 6 years)")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp())
    ds = synthetic_dataset(tmp, args.n, range(2019, 2025))
    html = []
    for agency, year in ds.agency_years():
        p = tmp / f"{agency}-{year}.html"
        p.write_text(report_html(ds, agency, year), encoding="utf-8")
        html.append(p)
    texts = sorted((CORPUS / "text").glob("*.txt")) * 20
    pdfs = [CORPUS / "pdf" / "02_淮安市洪泽区人民政府_2024.pdf"] * 30
    print(f"HTML: {rate(html, args.jobs):.0f} reports/min ({len(html)} reports, {args.jobs} jobs)")
    print(f"text: {rate(texts, args.jobs):.0f} reports/min ({len(texts)} reports)")
    print(f"PDF:  {rate(pdfs, args.jobs):.0f} reports/min ({len(pdfs)} reports, 5 pages each)")


if __name__ == "__main__":
    main()
