"""What the Word file adds to each report.

In the build the notebook's kernel already holds the report document with its charts drawn
(they are shown in the HTML), so the Word file costs the writing of the .docx alone; it travels
back in the executed notebook and is written beside the other files. This script times that
for every sample agency-year, in this process, next to the HTML blocks the same notebook
renders, and prints the file sizes. With ``--e2e`` it also times one real report run
(papermill, HTML, PDF) with and without ``docx``; with ``--libreoffice`` one conversion of a
.docx to PDF by LibreOffice (not part of a build: the tests' second reader).
Run: ``.venv/bin/python benchmarks/bench_docx.py [--e2e] [--libreoffice]``.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from nianbao.data.dataset import load
from nianbao.export.docx import report_docx
from nianbao.paths import DATA_DIR
from nianbao.report.document import prepare


def html_blocks(doc) -> int:
    """Every HTML block the report notebook displays; returns their size."""
    blocks = [doc.title_block(), doc.preface(), *doc.sections(), doc.charts(), doc.footer(),
              doc.review()]
    return sum(len(b) for b in blocks)


def per_report(data_dir: Path) -> None:
    ds = load(data_dir)
    html_s, docx_s, sizes = [], [], []
    for agency, year in sorted(ds.agency_years()):
        doc = prepare(agency, year, data_dir, dataset=ds)
        start = time.perf_counter()
        html_blocks(doc)  # draws the charts, as the notebook's HTML output does
        html_s.append(time.perf_counter() - start)
        start = time.perf_counter()
        data = report_docx(doc)
        docx_s.append(time.perf_counter() - start)
        sizes.append(len(data))
    n = len(sizes)
    print(f"{n} sample reports, in process (charts drawn once, shared by HTML and Word):")
    print(f"  HTML blocks incl. charts : median {statistics.median(html_s) * 1e3:7.1f} ms")
    print(f"  Word file (.docx)        : median {statistics.median(docx_s) * 1e3:7.1f} ms, "
          f"max {max(docx_s) * 1e3:.1f} ms, total {sum(docx_s):.2f} s")
    print(f"  .docx size               : median {statistics.median(sizes) / 1024:7.1f} KiB, "
          f"max {max(sizes) / 1024:.1f} KiB")


def end_to_end(data_dir: Path, repeat: int) -> None:
    from nianbao.run.execute import produce
    from nianbao.run.targets import report_spec

    with tempfile.TemporaryDirectory() as out:
        for formats in (("html", "pdf"), ("html", "pdf", "docx")):
            runs = []
            for _ in range(repeat):
                spec = report_spec("fushan", 2022, data_dir, out, formats)
                outcome = produce(spec)
                assert outcome.ok, outcome.failure
                runs.append(outcome.seconds)
            print(f"  one report run, {'+'.join(formats):14s}: median "
                  f"{statistics.median(runs):6.2f} s over {repeat}")


def libreoffice(data_dir: Path) -> None:
    from nianbao.export.libreoffice import convert

    data = report_docx(prepare("fushan", 2022, data_dir))
    start = time.perf_counter()
    convert(data, "pdf")
    print(f"  LibreOffice .docx → PDF  : {time.perf_counter() - start:6.2f} s (tests only)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA_DIR)
    parser.add_argument("--e2e", action="store_true", help="also time real report runs")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--libreoffice", action="store_true")
    args = parser.parse_args()
    per_report(args.data)
    if args.e2e:
        end_to_end(args.data, args.repeat)
    if args.libreoffice:
        libreoffice(args.data)


if __name__ == "__main__":
    main()
