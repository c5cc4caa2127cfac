"""Benchmark of the Excel forms: a prefilled template for 1,000 agencies, and its import.

Generates a synthetic region of N agencies (two report years, so the prefill has last year),
writes the prefilled form of one year (one sheet per agency), then imports every sheet into an
empty data directory and checks the imported stats are the same as the source.
Run: ``.venv/bin/python benchmarks/bench_forms.py [--agencies 1000] [--year 2022]``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from nianbao.forms.importer import import_forms
from nianbao.forms.template import write_template
from nianbao.testing import synth


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agencies", type=int, default=1000)
    parser.add_argument("--year", type=int, default=2022)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-forms-") as tmp:
        root = Path(tmp)
        source = root / "data"
        synth.write(synth.generate(args.agencies, [args.year - 1, args.year], seed=1,
                                   region=synth.DEFAULT_REGION), source)
        form = root / "form.xlsx"
        start, cpu = time.perf_counter(), time.process_time()
        result = write_template(form, args.year, region=synth.DEFAULT_REGION, data_dir=source,
                                prefill=True)
        t_template, c_template = time.perf_counter() - start, time.process_time() - cpu
        size = form.stat().st_size / 1e6
        start, cpu = time.perf_counter(), time.process_time()
        report = import_forms([form], root / "imported", run_check=False)
        t_import, c_import = time.perf_counter() - start, time.process_time() - cpu
        start, cpu = time.perf_counter(), time.process_time()
        import_forms([form], root / "imported", run_check=True)  # again: no changes, then check
        t_again, c_again = time.perf_counter() - start, time.process_time() - cpu
        same = ((root / "imported/stats" / f"{args.year}.csv").read_bytes()
                == (source / "stats" / f"{args.year}.csv").read_bytes())
        print(f"forms benchmark: {result.agencies} agencies, report year {args.year}")
        print("                        wall s   CPU s")
        print(f"  template --prefill   {t_template:7.1f} {c_template:7.1f}  ({size:.1f} MB, "
              f"{c_template / result.agencies * 1000:.0f} ms CPU per sheet)")
        print(f"  import into empty    {t_import:7.1f} {c_import:7.1f}  "
              f"({len(report.imported)} sheets, "
              f"{c_import / max(1, len(report.imported)) * 1000:.0f} ms CPU per sheet)")
        print(f"  import again + check {t_again:7.1f} {c_again:7.1f}  "
              "(nothing to change; check on all)")
        print(f"  imported stats identical to source: {'yes' if same else 'NO'}")
        return 0 if same and report.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
