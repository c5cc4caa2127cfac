"""Benchmark of the region summary: 1,000 synthetic agencies of one region, five report years.

Times the phases in this process (load, validate, render: every block the notebook displays,
charts included), then the real thing: ``notebooks/region_summary.ipynb`` executed by papermill
in a fresh kernel (goal: under 30 s), and its HTML export (and PDF with ``--pdf``).
Run: ``.venv/bin/python benchmarks/bench_region.py [--agencies 1000] [--pdf]``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import nbformat

from nianbao.data.dataset import load
from nianbao.region.checks import check_region_year
from nianbao.region.data import TREND_YEARS, RegionData, check_parameters, region_provenance
from nianbao.region.document import SummaryDocument
from nianbao.run.targets import SUMMARY_NOTEBOOK
from nianbao.testing import synth

GOAL_SECONDS = 30.0


def render(doc: SummaryDocument) -> int:
    """Every block the notebook displays; returns the size of the HTML."""
    blocks = [doc.title_block(), doc.preface(), doc.overview(), doc.section("s2"),
              doc.section("s3"), doc.results_chart(), doc.section("s4"), doc.comparison(),
              doc.comparison_charts(), doc.validation()]
    doc.metadata_bundle()
    return sum(len(b) for b in blocks)


def in_process(data_dir: Path, region: str, year: int) -> dict[str, float]:
    times = {}
    start = time.perf_counter()
    _, ids = check_parameters(region, year, data_dir)
    ds = load(data_dir, years=list(range(year - TREND_YEARS + 2, year + 1)), agencies=ids)
    times["load"] = time.perf_counter() - start
    start = time.perf_counter()
    findings = check_region_year(ds, ids, year)
    times["validate"] = time.perf_counter() - start
    start = time.perf_counter()
    data = RegionData(region, year, ds, ids, findings)
    doc = SummaryDocument(data, region_provenance(data))
    size = render(doc)
    times["render"] = time.perf_counter() - start
    print(f"  {len(ids)} agencies, {len(ds.keys)} agency-years loaded, "
          f"{len(findings)} findings, {size / 1e6:.1f} MB of HTML blocks")
    return times


def notebook(data_dir: Path, region: str, year: int, pdf: bool) -> dict[str, float]:
    import papermill

    from nianbao.render.html import export_html
    from nianbao.run.execute import collect_metadata

    times = {}
    with tempfile.TemporaryDirectory() as work:
        out = Path(work) / "summary.ipynb"
        start = time.perf_counter()
        papermill.execute_notebook(
            str(SUMMARY_NOTEBOOK), str(out), kernel_name="python3", progress_bar=False,
            parameters={"region": region, "year": year, "data_dir": str(data_dir)},
            cwd=str(SUMMARY_NOTEBOOK.parent),
        )
        times["execute"] = time.perf_counter() - start
        nb = nbformat.read(out, as_version=4)
        collect_metadata(nb)
        start = time.perf_counter()
        html = export_html(nb)
        times["html"] = time.perf_counter() - start
        print(f"  HTML {len(html) / 1e6:.1f} MB")
        if pdf:
            from nianbao.render.chromium import ChromiumBrowser

            with ChromiumBrowser() as browser:
                start = time.perf_counter()
                data = browser.html_to_pdf(html)
                times["pdf"] = time.perf_counter() - start
            print(f"  PDF {len(data) / 1e6:.1f} MB")
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agencies", type=int, default=1000)
    parser.add_argument("--years", type=synth.parse_years, default=synth.parse_years("2019-2023"))
    parser.add_argument("--data", type=Path, help="use this data directory instead of "
                        "generating one")
    parser.add_argument("--region", default=synth.DEFAULT_REGION)
    parser.add_argument("--pdf", action="store_true", help="also print the PDF")
    args = parser.parse_args()
    year = args.years[-1]
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = args.data or Path(tmp)
        if args.data is None:
            start = time.perf_counter()
            synth.write(synth.generate(args.agencies, args.years, seed=1, region=args.region),
                        data_dir)
            print(f"synthetic data: {args.agencies} agencies × {len(args.years)} years "
                  f"({time.perf_counter() - start:.1f} s)")
        print(f"summary of {args.region} {year}, in this process:")
        phases = in_process(data_dir, args.region, year)
        for name, seconds in phases.items():
            print(f"  {name:<9} {seconds:6.2f} s")
        print(f"  total     {sum(phases.values()):6.2f} s")
        print("notebook (papermill, fresh kernel):")
        run = notebook(data_dir, args.region, year, args.pdf)
        for name, seconds in run.items():
            print(f"  {name:<9} {seconds:6.2f} s")
        verdict = "ok" if run["execute"] < GOAL_SECONDS else "TOO SLOW"
        print(f"summary notebook executes in {run['execute']:.1f} s "
              f"(goal < {GOAL_SECONDS:.0f} s): {verdict}")


if __name__ == "__main__":
    main()
