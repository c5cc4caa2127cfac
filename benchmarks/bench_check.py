"""Benchmark of `build.py check`: national scale, and the vectorised engine against a baseline.

    .venv/bin/python benchmarks/bench_check.py --n 300000        # up to 300,000 agency-years
    .venv/bin/python benchmarks/bench_check.py --n 10000 --baseline

1. Scale: ``build.py check`` on synthetic data of n agency-years and on smaller sizes (n/30,
   n/10, n/3), each in a process of its own; prints wall seconds, CPU seconds and peak memory,
   and how memory grows with n. One synthetic district has at most a few thousand agencies,
   so larger data sets are that district repeated as further districts (agency ids and region
   names made unique; texts are hard links of the same files). Its registry therefore has a
   few thousand distinct names, where a national one has a hundred thousand: the search for
   other agencies' names in the texts is measured against such a registry by
   ``bench_names.py``.
2. ``--baseline``: in this process, load and validate at one size, and compare the vectorised
   engine with a baseline that checks the same formula rules one agency-year at a time in
   plain Python (the way a per-report script would).
3. ``--before CHECKOUT``: ``build.py check`` at n by an older checkout and by this one, in turn
   (``--rounds`` times each); prints every run, the medians and their ratio, and whether every
   run found the same. On a machine whose speed drifts, only such side-by-side runs compare.

    .venv/bin/python benchmarks/bench_check.py --n 300000 --skip-scale --before ../old

Not a test: the figures depend on the machine and its load (printed with them).
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench_batch import tree_env

ROOT = Path(__file__).resolve().parents[1]
YEARS = list(range(2019, 2025))
PSS_POLL = 1.0  # seconds between two readings of the memory of the check's processes
#: Agencies of the one synthetic district that larger data sets repeat.
DISTRICT_AGENCIES = 3000


def best_of(n: int, fn):
    times, result = [], None
    for _ in range(n):
        start = time.process_time()
        result = fn()
        times.append(time.process_time() - start)
    return min(times), result


def baseline_formula_checks(ds) -> int:
    """Every formula rule instance evaluated per agency-year with Python scalars."""
    from nianbao.formats.expr import compile_expr
    from nianbao.formats.spec import format_for_year

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


# ------------------------------------------------------------------ data of any size


def district(out: Path, agencies: int) -> Path:
    """One synthetic district (``nianbao.testing.synth``), written once."""
    if not (out / "agencies.csv").exists():
        from nianbao.testing import synth

        synth.write(synth.generate(agencies, YEARS, seed=1), out)
    return out


def repeat(base: Path, out: Path, copies: int) -> int:
    """``base`` as ``copies`` districts; returns the number of agency-years."""
    out.mkdir(parents=True, exist_ok=True)
    with open(base / "agencies.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    with open(out / "agencies.csv", "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        for k in range(copies):
            for row in rows:
                writer.writerow({**row, "agency_id": _id(row["agency_id"], k),
                                 "region": row["region"] + (f"{k}" if k else "")})
    first = re.compile(rb"(?m)^([^,\n]+),")
    (out / "stats").mkdir(exist_ok=True)
    for path in sorted((base / "stats").glob("*.csv")):
        header, _, body = path.read_bytes().partition(b"\n")
        with open(out / "stats" / path.name, "wb") as f:
            f.write(header + b"\n")
            for k in range(copies):
                f.write(first.sub(rb"\1-r" + str(k).encode() + b",", body) if k else body)
    count = 0
    for folder in sorted((base / "text").iterdir()):
        target = out / "text" / folder.name
        target.mkdir(parents=True, exist_ok=True)
        for path in folder.glob("*.md"):
            for k in range(copies):
                os.link(path, target / f"{_id(path.stem, k)}.md")
                count += 1
    return count


def _id(agency_id: str, k: int) -> str:
    return f"{agency_id}-r{k}" if k else agency_id


def dataset_of(work: Path, n: int) -> tuple[Path, int]:
    """A data directory of about ``n`` agency-years (cached in ``work``)."""
    per_district = DISTRICT_AGENCIES * len(YEARS)
    if n <= per_district:
        agencies = -(-n // len(YEARS))
        path = district(work / f"district-{agencies}", agencies)
        return path, agencies * len(YEARS)
    base = district(work / f"district-{DISTRICT_AGENCIES}", DISTRICT_AGENCIES)
    copies = -(-n // per_district)
    path = work / f"national-{copies}"
    if not (path / "agencies.csv").exists():
        repeat(base, path, copies)
    return path, copies * per_district


def check_process(data: Path, root: Path = ROOT,
                  out=subprocess.DEVNULL) -> tuple[float, float, float, float, int]:
    """``build.py check`` of the checkout ``root`` in a process of its own (its findings to
    ``out``): wall s, CPU s (with its workers), peak RSS of one process (GiB), peak proportional
    memory of the process tree (GiB), exit code.

    Forked workers share the parent's pages, so each one's RSS counts them again; the tree's
    summed PSS (polled) is the memory the check really holds. Reading PSS walks the page tables
    of every process, which slows the check itself: polled four times a second it added 5–10 s
    to a national check, once a second it adds about a quarter of that (the peaks last seconds).
    """
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, str(root / "build.py"), "check", "--data",
                             str(data)], cwd=root, env=tree_env(root), stdout=out,
                            stderr=subprocess.DEVNULL)
    peak = [0]
    done = threading.Event()

    def poll():
        while not done.wait(PSS_POLL):
            peak[0] = max(peak[0], _tree_pss(proc.pid))

    watcher = threading.Thread(target=poll, daemon=True)
    watcher.start()
    _, status, usage = os.wait4(proc.pid, 0)
    done.set()
    watcher.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    return (wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 2**20, peak[0] / 2**30,
            proc.returncode)


def _tree_pss(pid: int) -> int:
    """Bytes of proportional set size of ``pid`` and its descendants (0 where unreadable)."""
    total = 0
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                total += int(line.split()[1]) * 1024
                break
        for task in Path(f"/proc/{pid}/task").iterdir():
            for child in (task / "children").read_text().split():
                total += _tree_pss(int(child))
    except (OSError, ValueError):
        pass
    return total


# ------------------------------------------------------------------ main


def scale(work: Path, n: int) -> list[tuple[int, float, float, float]]:
    sizes = sorted({max(1000, n // 30), max(1000, n // 10), max(1000, n // 3), n})
    rows = []
    for size in sizes:
        started = time.perf_counter()
        data, actual = dataset_of(work, size)
        made = time.perf_counter() - started
        wall, cpu, rss, pss, code = check_process(data)
        rows.append((actual, wall, cpu, max(rss, pss)))
        print(f"check {actual:>8,} agency-years: {wall:6.1f} s wall {cpu:6.1f} s CPU "
              f"peak {rss:5.2f} GiB (one process; all processes {pss:5.2f} GiB)  exit {code}  "
              f"(data made in {made:.0f} s; load {os.getloadavg()[0]:.1f})", flush=True)
    if len(rows) > 1:
        (n0, _, c0, m0), (n1, _, c1, m1) = rows[0], rows[-1]
        print(f"from {n0:,} to {n1:,} agency-years: memory grows by "
              f"{(m1 - m0) / (n1 - n0) * 1e6 * 1024:.0f} MiB per 1,000,000 agency-years "
              f"({(m1 - m0) / (n1 - n0) * 2**30:.0f} bytes each), CPU by "
              f"{(c1 - c0) / (n1 - n0) * 1000:.2f} s per 1,000")
    return rows


def before_after(work: Path, n: int, before: Path, rounds: int) -> None:
    """The same check by an older checkout and by this one, in turn: this machine's speed
    drifts by tens of percent within the hour, so only runs side by side compare."""
    data, actual = dataset_of(work, n)
    times: dict[str, list[tuple[float, float]]] = {"before": [], "after": []}
    found: dict[str, set[bytes]] = {"before": set(), "after": set()}
    for _ in range(rounds):
        for label, root in (("before", before), ("after", ROOT)):
            with tempfile.TemporaryFile() as out:
                wall, cpu, _, pss, code = check_process(data, root, out)
                out.seek(0)
                found[label].add(out.read())
            times[label].append((wall, cpu))
            print(f"{label:6s} {actual:,} agency-years: {wall:6.1f} s wall {cpu:6.1f} s CPU "
                  f"{pss:5.2f} GiB  exit {code}  (load {os.getloadavg()[0]:.1f})", flush=True)
    wall = {k: statistics.median(w for w, _ in v) for k, v in times.items()}
    cpu = {k: statistics.median(c for _, c in v) for k, v in times.items()}
    print(f"median of {rounds}: before {wall['before']:.1f} s wall {cpu['before']:.1f} s CPU; "
          f"after {wall['after']:.1f} s wall {cpu['after']:.1f} s CPU; before/after "
          f"{wall['before'] / wall['after']:.2f}× wall, {cpu['before'] / cpu['after']:.2f}× CPU")
    same = len(found["before"] | found["after"]) == 1
    print(f"findings of every run identical: {'yes' if same else 'NO'}")


def baseline(work: Path, n: int) -> None:
    from nianbao.checks.validate import validate
    from nianbao.data.dataset import load

    data, actual = dataset_of(work, n)
    t_load, ds = best_of(3, lambda: load(data))
    t_validate, findings = best_of(3, lambda: validate(ds))
    t_formula, _ = best_of(3, lambda: validate(ds, prose=False))
    print(f"in this process, {actual:,} agency-years:")
    print(f"load      {t_load:6.2f} s CPU")
    print(f"validate  {t_validate:6.2f} s CPU   ({len(findings)} findings; "
          f"of which the prose checks of data/text {t_validate - t_formula:.2f} s)")
    t_base, base_failures = best_of(1, lambda: baseline_formula_checks(ds))
    print(f"baseline: formula rules one agency-year at a time: {t_base:.2f} s CPU "
          f"({base_failures} failures)")
    print(f"ratio baseline / vectorised validate (without prose): {t_base / t_formula:.1f}×")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", "--agency-years", dest="n", type=int, default=10_000,
                        help="largest number of agency-years (default 10,000)")
    parser.add_argument("--baseline", action="store_true",
                        help="also compare with the per-agency-year baseline (at ≤ 18,000)")
    parser.add_argument("--work", type=Path, help="keep the synthetic data here (reused)")
    parser.add_argument("--before", type=Path,
                        help="an older checkout: check at --n by it and by this one in turn")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of --before (default 3)")
    parser.add_argument("--skip-scale", action="store_true", help="skip the sizes up to --n")
    args = parser.parse_args()
    if args.before and not (args.before / "build.py").is_file():
        parser.error(f"--before {args.before}: not a checkout of this project (no build.py)")
    print(f"{os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f}", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        work = args.work or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        if not args.skip_scale:
            scale(work, args.n)
        if args.before:
            before_after(work, args.n, args.before.resolve(), args.rounds)
        if args.baseline:
            baseline(work, min(args.n, DISTRICT_AGENCIES * len(YEARS)))


if __name__ == "__main__":
    main()
