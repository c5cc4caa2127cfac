"""Benchmark of `build.py check`: 10,000 synthetic agency-years, load and validate.

Prints the time of each phase and compares the vectorised engine with a baseline that checks
the same formula rules one agency-year at a time in plain Python (the way a per-report script
would). Run: `.venv/bin/python benchmarks/bench_check.py [--agency-years 10000]`.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from nianbao.checks.validate import validate
from nianbao.data.dataset import load
from nianbao.formats.expr import compile_expr
from nianbao.formats.spec import format_for_year
from nianbao.testing import synth

YEARS = list(range(2019, 2025))


def best_of(n: int, fn):
    times, result = [], None
    for _ in range(n):
        start = time.process_time()
        result = fn()
        times.append(time.process_time() - start)
    return min(times), result


def baseline_formula_checks(ds) -> int:
    """Every formula rule instance evaluated per agency-year with Python scalars."""
    failures = 0
    for row, (_agency, year) in enumerate(ds.key_list):
        fmt = format_for_year(year)
        values = {ref: ds.values[row, i] for ref, i in ds.ref_index.items()}
        prev = ds.prev_row[row]
        for ref, i in ds.ref_index.items():
            values["prev." + ref] = ds.values[prev, i] if prev >= 0 else float("nan")
        for rule in fmt.enforced_rules:
            if rule.expr_kind != "formula" or rule.scope not in ("report", "cross_year"):
                continue
            for _, expr in rule.instances():
                compiled = compile_expr(expr)
                if any(values[r] != values[r] for r in compiled.refs if not r.startswith("s6.")):
                    continue
                if not compiled.evaluate({r: values.get(r, 0.0) for r in compiled.refs})["ok"]:
                    failures += 1
    return failures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agency-years", type=int, default=10_000)
    args = parser.parse_args()
    n_agencies = -(-args.agency_years // len(YEARS))
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        synth.write(synth.generate(n_agencies, YEARS, seed=1), Path(tmp))
        print(f"synthetic data: {n_agencies} agencies × {len(YEARS)} years "
              f"= {n_agencies * len(YEARS)} agency-years ({time.perf_counter() - start:.1f} s)")
        t_load, ds = best_of(3, lambda: load(tmp))
        t_validate, findings = best_of(3, lambda: validate(ds))
        t_formula, _ = best_of(3, lambda: validate(ds, prose=False))
        print(f"load      {t_load:6.2f} s CPU")
        print(f"validate  {t_validate:6.2f} s CPU   ({len(findings)} findings; "
              f"of which the prose checks of data/text {t_validate - t_formula:.2f} s)")
        print(f"check     {t_load + t_validate:6.2f} s CPU   (goal: < 5 s on one core)")
        t_base, base_failures = best_of(1, lambda: baseline_formula_checks(ds))
        print(f"baseline: formula rules one agency-year at a time: {t_base:.2f} s CPU "
              f"({base_failures} failures)")
        print(f"ratio baseline / vectorised validate (without prose): {t_base / t_formula:.1f}×")


if __name__ == "__main__":
    main()
