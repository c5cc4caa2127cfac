"""Where a report's time goes: the cold start of a worker and the CPU of each stage of a run.

    .venv/bin/python benchmarks/bench_stages.py --data data --n 6

Runs in this process what a batch worker runs (``nianbao.batch.worker``: kernel factory, warm
kernels, one Chromium; in a local build the driver runs that Chromium for all its workers) and
prints

* the cold start: what the first report waits for — the worker's imports, the kernel factory,
  the first kernel, the fonts, the browser — in seconds of wall time;
* per report, the CPU seconds of each stage, counted in every process that works for it (this
  one, the kernel, Chromium and playwright's driver): kernel start, notebook execution, HTML
  export, PDF.

The stages are those of ``nianbao.run.execute.produce``, called one by one so that each can be
measured. Not a test: the figures depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = str((ROOT / "notebooks" / "report.ipynb").resolve())


def _cpu(proc: psutil.Process) -> float:
    try:
        t = proc.cpu_times()
        return t.user + t.system
    except psutil.Error:  # gone
        return 0.0


class Tree:
    """CPU of this process and of its descendants outside the kernel factory's tree."""

    def __init__(self, factory_pid: int | None) -> None:
        self.me = psutil.Process()
        self.factory_pid = factory_pid

    def cpu(self) -> float:
        total = _cpu(self.me)
        for child in self.me.children(recursive=True):
            if self.factory_pid and (child.pid == self.factory_pid
                                     or self.factory_pid in _ancestors(child)):
                continue
            total += _cpu(child)
        return total


def _ancestors(proc: psutil.Process) -> set[int]:
    try:
        return {p.pid for p in proc.parents()}
    except psutil.Error:
        return set()


def cold_start(pdf: bool = True) -> tuple[dict[str, float], object]:
    """Start a worker here step by step; wall seconds of each step (steps that overlap in a real
    worker — the factory imports in its own process — are timed as the worker waits for them)."""
    steps: dict[str, float] = {}
    t0 = t = time.perf_counter()

    def step(name: str) -> None:
        nonlocal t
        now = time.perf_counter()
        steps[name] = now - t
        t = now

    from nianbao.slow_imports import skip_slow_optional_imports

    skip_slow_optional_imports()
    from nianbao.batch import worker

    st = worker.state((NOTEBOOK,))
    st.kernels.start_factory()  # imports in its own process from now on
    step("start the kernel factory (a process of its own)")
    import importlib

    for name in worker.PRELOAD:
        importlib.import_module(name)
    step("worker imports (nbformat, nbconvert, papermill, jupyter_client, render)")
    from nianbao.render.truetype import ensure_truetype_fonts

    ensure_truetype_fonts()
    step("fonts (cached TrueType copies)")
    if pdf:
        st.get_browser()
        step("Chromium launch and its first context")
    st.kernels.zygote()
    step("wait for the kernel factory's imports")
    st.kernels.prepare(NOTEBOOK)
    kernel = st.kernels.acquire(NOTEBOOK)
    step("first kernel forked and ready")
    kernel.discard()
    steps["total"] = time.perf_counter() - t0
    return steps, st


def stages(st, specs, work: Path) -> list[dict[str, float]]:
    """CPU seconds per stage for each run of ``specs``, on the worker state ``st``."""
    import nbformat
    import papermill

    from nianbao.render.html import export_html
    from nianbao.run.execute import collect_metadata
    from nianbao.run.kernels import ENGINE_NAME, register_engine

    register_engine()
    factory = st.kernels.zygote()
    factory_pid = factory.process.pid if factory and factory.process else None
    tree = Tree(factory_pid)
    factory_proc = psutil.Process(factory_pid) if factory_pid else None
    browser = st.get_browser()
    rows = []
    for spec in specs:
        row: dict[str, float] = {}
        f0 = _cpu(factory_proc) if factory_proc else 0.0
        c0, w0 = tree.cpu(), time.perf_counter()
        kernel = st.kernels.acquire(NOTEBOOK)
        kproc = psutil.Process(kernel.pid)
        k_start = _cpu(kproc)
        c1, w1 = tree.cpu(), time.perf_counter()
        f1 = _cpu(factory_proc) if factory_proc else 0.0
        row["kernel start"] = k_start + (c1 - c0) + (f1 - f0)
        row["wall kernel start"] = w1 - w0
        out = work / f"{spec.target.replace('/', '-')}.ipynb"
        nb = papermill.execute_notebook(
            spec.notebook, str(out), parameters=dict(spec.parameters), engine_name=ENGINE_NAME,
            km=kernel.km, progress_bar=False, log_output=False,
            request_save_on_cell_execute=False, execution_timeout=spec.timeout,
            shutdown_kernel="immediate")
        k_end = _cpu(kproc)
        kernel.discard()
        c2, w2 = tree.cpu(), time.perf_counter()
        row["notebook execution"] = (k_end - k_start) + (c2 - c1)
        row["wall notebook execution"] = w2 - w1
        collect_metadata(nb)
        nbformat.writes(nb)
        html = export_html(nb)
        c3, w3 = tree.cpu(), time.perf_counter()
        row["HTML export"] = c3 - c2
        row["wall HTML export"] = w3 - w2
        browser.html_to_pdf(html)
        c4, w4 = tree.cpu(), time.perf_counter()
        row["PDF"] = c4 - c3
        row["wall PDF"] = w4 - w3
        rows.append(row)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=ROOT / "data")
    parser.add_argument("--n", type=int, default=6, help="reports to measure (default 6)")
    parser.add_argument("--agency", action="append", help="agency ids (default: from the data)")
    args = parser.parse_args(argv)
    report(args.data, args.n, args.agency)
    return 0


def report(data: Path, n: int, agencies: list[str] | None = None) -> dict:
    from nianbao.batch import worker
    from nianbao.run.targets import report_spec

    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores", flush=True)
    steps, st = cold_start()
    print("cold start of a worker (what the first report waits for, wall seconds):")
    for name, seconds in steps.items():
        print(f"  {seconds:6.2f} s  {name}")
    if agencies is None:
        lines = (data / "agencies.csv").read_text(encoding="utf-8").splitlines()[1:]
        agencies = [line.split(",", 1)[0] for line in lines if line.strip()]
    years = sorted(int(p.stem) for p in (data / "stats").glob("*.csv"))
    pairs = [(a, y) for y in years for a in agencies][:n]
    with tempfile.TemporaryDirectory() as tmp:
        specs = [report_spec(a, y, str(data), tmp, ("html", "pdf"), "review", False)
                 for a, y in pairs]
        rows = stages(st, specs, Path(tmp))
    worker.shutdown()
    names = ["kernel start", "notebook execution", "HTML export", "PDF"]
    print(f"per report, median of {len(rows)} (the first included):")
    result = {"cold_start": steps}
    for name in names:
        cpu = statistics.median(r[name] for r in rows)
        wall = statistics.median(r["wall " + name] for r in rows)
        result[name] = cpu
        print(f"  {cpu:6.2f} s CPU  {wall:6.2f} s wall  {name}")
    total = sum(result[name] for name in names)
    print(f"  {total:6.2f} s CPU in all per report "
          f"(first report: {sum(rows[0][n] for n in names):.2f} s)")
    result["total"] = total
    return result


if __name__ == "__main__":
    sys.exit(main())
