"""Benchmark the batch build against the same reports scripted by hand, one CLI per step.

    .venv/bin/python benchmarks/bench_batch.py            # 40 agency-years, HTML + PDF
    .venv/bin/python benchmarks/bench_batch.py --n 12     # one district, one year's worth
    .venv/bin/python benchmarks/bench_batch.py --n 12 --before /path/to/older/checkout

Builds the same synthetic agency-years two ways and prints the time per report of each and
their ratio, in wall seconds and in CPU seconds (every process of each side counted):

(a) by hand, as an analyst scripts it: for each report ``papermill``, then ``jupyter nbconvert
    --to nianbao_html`` (the suite's exporter), then ``chromium --headless --print-to-pdf``;
(b) ``python build.py`` (local pool, one worker per core), built twice (before and after (a),
    so that a change of the machine's load weighs on both sides alike). Its CPU is polled
    over its process tree, which slightly undercounts processes that live under 0.05 s.

With ``--before`` the same batch is also built by an older checkout, alternating with (b): the
before/after figures come from one run, and the HTML of every report must be byte-identical
between the two (the git commit in the footer aside) and each PDF must have the same text.

It also prints where one report's time goes (``bench_stages``: the cold start of a worker and
the CPU of each stage), the time of one ``build.py report`` against the same report by hand,
checks that (a) and (b) produced the same report content, times a build with nothing to do
over 1,000 agency-years, and measures the throughput of a Dask cluster on localhost with one
and with two workers. Not a test: it takes minutes and its figures depend on the machine and
its load (printed with the figures).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
BIN = Path(PYTHON).parent
NOTEBOOK = ROOT / "notebooks" / "report.ipynb"
YEARS = (2020, 2021, 2022, 2023)
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-pdf-header-footer"]


def children_cpu() -> float:
    """CPU seconds of every finished child process (and theirs, once waited for)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def load() -> str:
    return "load average " + " ".join(f"{x:.1f}" for x in os.getloadavg())


def run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    result = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if result.returncode != 0:
        raise SystemExit(f"failed ({result.returncode}): {' '.join(map(str, cmd))}\n"
                         f"{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
    return result


def synth(out: Path, agencies: int, years: str) -> Path:
    run([PYTHON, "-m", "nianbao.testing.synth", "--agencies", str(agencies), "--years", years,
         "--out", str(out)])
    return out


def agency_ids(data: Path) -> list[str]:
    lines = (data / "agencies.csv").read_text(encoding="utf-8").splitlines()[1:]
    return [line.split(",", 1)[0] for line in lines if line.strip()]


def params_file(path: Path, agencies: list[str], formats: str = "[html, pdf]") -> Path:
    path.write_text(f"years: {YEARS[0]}-{YEARS[-1]}\nagencies: [{', '.join(agencies)}]\n"
                    f"formats: {formats}\nprofile: review\nsummaries: false\n",
                    encoding="utf-8")
    return path


# ------------------------------------------------------------------ (a) by hand


def by_hand(data: Path, out: Path, runs: list[tuple[str, int]]) -> list[float]:
    times = []
    for agency, year in runs:
        target = out / str(year) / agency
        target.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        run([str(BIN / "papermill"), str(NOTEBOOK), str(target / "report.ipynb"),
             "-p", "agency_id", agency, "-p", "year", str(year), "-p", "data_dir", str(data),
             "--cwd", str(NOTEBOOK.parent), "--no-progress-bar"])
        run([str(BIN / "jupyter"), "nbconvert", "--to", "nianbao_html",
             str(target / "report.ipynb"), "--output", "report"])
        run(["chromium", *CHROMIUM_FLAGS, f"--print-to-pdf={target / 'report.pdf'}",
             (target / "report.html").as_uri()])
        times.append(time.perf_counter() - started)
        print(f"  by hand {len(times):3d}/{len(runs)}  {year}/{agency}  {times[-1]:.1f} s",
              flush=True)
    return times


# ------------------------------------------------------------------ (b) build.py


def build(data: Path, out: Path, params: Path, *extra: str, root: Path = ROOT) -> float:
    started = time.perf_counter()
    run([PYTHON, str(root / "build.py"), "--data", str(data), "--out", str(out),
         "--params", str(params), "--quiet", *extra], cwd=root, env=tree_env(root))
    return time.perf_counter() - started


def tree_env(root: Path) -> dict[str, str]:
    """The environment that makes ``root``'s package the one imported (in kernels too)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(root / "src"), *[
        p for p in env.get("PYTHONPATH", "").split(os.pathsep)
        if p and Path(p).resolve() != (ROOT / "src").resolve()]])
    return env


def timed_build(data: Path, out: Path, params: Path, root: Path = ROOT) -> tuple[float, float]:
    """Wall and CPU seconds of one build into a new output directory.

    The CPU is summed over every process of the build, polled while it runs (a process that
    is not waited for — a forked kernel reaped by ``SIG_IGN`` — never reaches our rusage).
    """
    import psutil

    shutil.rmtree(out, ignore_errors=True)
    started = time.perf_counter()
    proc = subprocess.Popen(
        [PYTHON, str(root / "build.py"), "--data", str(data), "--out", str(out), "--params",
         str(params), "--quiet"], cwd=root, env=tree_env(root), stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE, text=True)
    top = psutil.Process(proc.pid)
    seen: dict[tuple[int, float], float] = {}
    while proc.poll() is None:
        try:
            procs = [top, *top.children(recursive=True)]
        except psutil.Error:
            procs = []
        for p in procs:
            try:
                times = p.cpu_times()
                seen[(p.pid, p.create_time())] = times.user + times.system
            except psutil.Error:
                pass
        time.sleep(0.05)
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"build failed ({proc.returncode}): {proc.stderr.read()[-2000:]}")
    return wall, sum(seen.values())


def pdf_text(path: Path) -> str:
    """The text of a PDF without white space (lines wrap differently around a longer commit
    id), the git commit masked."""
    from pypdf import PdfReader

    text = "".join("".join(page.extract_text().split()) for page in PdfReader(path).pages)
    return re.sub(r"git_commit:([0-9a-f]{40}|unknown)", "git_commit:<commit>", text)


def same_outputs(a: Path, b: Path, runs: list[tuple[str, int]]) -> tuple[int, int, list[str]]:
    """HTML files byte-identical (the git commit aside) and PDFs with the same text, per run."""
    html_same, pdf_same, differ = 0, 0, []
    for agency, year in runs:
        left, right = a / str(year) / agency, b / str(year) / agency
        html = [GIT_UNKNOWN.sub(b"<commit>", COMMIT_BYTES.sub(b"<commit>", (d / "report.html")
                                                              .read_bytes()))
                for d in (left, right)]
        same_pdf = pdf_text(left / "report.pdf") == pdf_text(right / "report.pdf")
        html_same += html[0] == html[1]
        pdf_same += same_pdf
        if html[0] != html[1] or not same_pdf:
            differ.append(f"{year}/{agency}")
    return html_same, pdf_same, differ


COMMIT = re.compile(r"\b[0-9a-f]{40}\b")
COMMIT_BYTES = re.compile(rb"\b[0-9a-f]{40}\b")
#: What a checkout outside git records instead of a commit (footer line and provenance).
GIT_UNKNOWN = re.compile(rb'(?<="git_commit": ")unknown(?=")|(?<=git_commit</span>: )unknown')


def same_export(a: Path, b: Path, runs: list[tuple[str, int]]) -> tuple[int, int, list[str]]:
    """Export both executed notebooks of each run the same way and compare the HTML.

    The git commit recorded in the provenance footer is left out of the comparison: in a
    working tree it can change between the two builds without changing the report.
    """
    import nbformat

    from nianbao.render.html import export_html
    from nianbao.run.execute import collect_metadata

    def html(path: Path) -> str:
        nb = nbformat.read(path, as_version=4)
        collect_metadata(nb)
        return COMMIT.sub("<commit>", export_html(nb))

    same, cli_same, differ = 0, 0, []
    for agency, year in runs:
        left, right = a / str(year) / agency, b / str(year) / agency
        if html(left / "report.ipynb") == html(right / "report.ipynb"):
            same += 1
        else:
            differ.append(f"{year}/{agency}")
        cli_same += (left / "report.html").read_bytes() == (right / "report.html").read_bytes()
    return same, cli_same, differ


# ------------------------------------------------------------------ no-op at 1,000


def mark_built(data: Path, out: Path, params: Path) -> int:
    """Record every planned run as built (placeholder files, real input keys)."""
    from nianbao.batch.manifest import Manifest
    from nianbao.batch.runner import BuildOptions, plan_only

    plan = plan_only(BuildOptions(data_dir=data, out_dir=out, params=[params]))
    manifest = Manifest.load(out)
    for r in plan.runs:
        outputs = r.spec.outputs()
        for path in outputs.values():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(b"placeholder")
        manifest.runs[r.target] = {"key": r.input_key, "kind": r.kind, "agency_id": r.agency_id,
                                   "name": r.name, "short_name": r.short_name,
                                   "region": r.region, "year": r.year, "status": "ok",
                                   "outputs": Manifest.output_info(outputs)}
    manifest.save()
    return len(plan.runs)


def noop(work: Path, size: int) -> tuple[int, float]:
    agencies = math.ceil(size / len(YEARS))
    data = synth(work / "data-noop", agencies, f"{YEARS[0]}-{YEARS[-1]}")
    out, params = work / "out-noop", work / "noop.yaml"
    params_file(params, agency_ids(data))
    count = mark_built(data, out, params)
    build(data, out, params)  # validation files and index, once
    best = min(build(data, out, params) for _ in range(3))
    return count, best


# ------------------------------------------------------------------ Dask


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def dask_throughput(data: Path, work: Path, params: Path, n_runs: int, workers: int) -> float:
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    logs = open(work / f"dask-{workers}.log", "w")
    procs = [subprocess.Popen([str(BIN / "dask"), "scheduler", "--host", "127.0.0.1",
                               "--port", str(port), "--no-dashboard"],
                              stdout=logs, stderr=subprocess.STDOUT, cwd=work)]
    try:
        time.sleep(2)
        for _ in range(workers):
            procs.append(subprocess.Popen(
                [str(BIN / "dask"), "worker", address, "--nthreads", "1", "--no-dashboard",
                 "--name", f"w{len(procs)}"], stdout=logs, stderr=subprocess.STDOUT, cwd=work))
        from distributed import Client

        with Client(address, timeout=60) as client:
            client.wait_for_workers(workers, timeout=120)
        seconds = build(data, work / f"out-dask-{workers}", params, "--scheduler", address)
        return n_runs / seconds * 60
    finally:
        for proc in reversed(procs):
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
        logs.close()


# ------------------------------------------------------------------ main


def single_report(before: Path | None) -> dict:
    """``build.py report --agency fushan --year 2020`` (sample data), HTML + PDF, against the
    same report by hand; with ``before``, also by the older checkout."""
    data = ROOT / "data"
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        sides = [("build.py report", ROOT)] + ([("build.py report (before)", before)]
                                               if before else [])
        for _ in range(2):
            for name, root in sides:
                cpu = children_cpu()
                started = time.perf_counter()
                run([PYTHON, str(root / "build.py"), "report", "--agency", "fushan", "--year",
                     "2020", "--data", str(data), "--out", str(Path(tmp) / name)], cwd=root,
                    env=tree_env(root))
                wall = time.perf_counter() - started
                best = results.get(name)
                if best is None or wall < best[0]:
                    results[name] = (wall, children_cpu() - cpu)
        cpu = children_cpu()
        hand = by_hand(data, Path(tmp) / "hand", [("fushan", 2020)])[0]
        results["by hand"] = (hand, children_cpu() - cpu)
    for name, (wall, cpu) in results.items():
        print(f"  one report, {name}: {wall:.2f} s wall, {cpu:.2f} s CPU")
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=40, help="agency-years to build (default 40)")
    parser.add_argument("--noop-size", type=int, default=1000,
                        help="agency-years of the no-op rebuild (default 1000)")
    parser.add_argument("--work", type=Path, help="working directory (default: a new temp dir)")
    parser.add_argument("--before", type=Path,
                        help="an older checkout to build the same batch with (before/after)")
    parser.add_argument("--skip-hand", action="store_true", help="skip (a), the slow part")
    parser.add_argument("--skip-dask", action="store_true", help="skip the Dask throughput")
    parser.add_argument("--skip-noop", action="store_true", help="skip the no-op rebuild")
    parser.add_argument("--skip-single", action="store_true", help="skip the one-report timing")
    parser.add_argument("--skip-stages", action="store_true", help="skip the stage breakdown")
    parser.add_argument("--keep", action="store_true", help="keep the working directory")
    args = parser.parse_args(argv)

    work = args.work or Path(tempfile.mkdtemp(prefix="nianbao-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    agencies = max(1, math.ceil(args.n / len(YEARS)))
    data = synth(work / "data", agencies, f"{YEARS[0]}-{YEARS[-1]}")
    ids = agency_ids(data)
    runs = [(a, y) for y in YEARS for a in ids]
    params = params_file(work / "batch.yaml", ids)
    print(f"{len(runs)} agency-years ({len(ids)} synthetic agencies × {len(YEARS)} years), "
          f"HTML + PDF; {os.cpu_count()} cores; {load()}; work dir {work}", flush=True)
    results: dict = {"runs": len(runs), "cores": os.cpu_count()}

    sides = [("after", ROOT)] + ([("before", args.before.resolve())] if args.before else [])
    timings: dict[str, list[tuple[float, float]]] = {name: [] for name, _ in sides}

    def build_sides(rounds: int) -> None:
        for _ in range(rounds):
            for name, root in sides:
                wall, cpu = timed_build(data, work / f"out-{name}", params, root)
                timings[name].append((wall, cpu))
                print(f"(b) build.py {name}: {wall:.1f} s wall, {cpu:.1f} s CPU "
                      f"({wall / len(runs):.2f} s per report; {load()})", flush=True)

    build_sides(1)
    if not args.skip_hand:
        print("(a) by hand (papermill, jupyter nbconvert, chromium per report) …", flush=True)
        cpu = children_cpu()
        started = time.perf_counter()
        hand = by_hand(data, work / "out-hand", runs)
        a_total = time.perf_counter() - started
        a_cpu = children_cpu() - cpu
        results.update(hand_seconds=a_total, hand_cpu=a_cpu)
        print(f"(a) by hand: {a_total:.1f} s wall, {a_cpu:.1f} s CPU in all, "
              f"{a_total / len(runs):.2f} s per report (papermill + nbconvert + chromium; "
              f"fastest {min(hand):.1f} s; {load()})")
    build_sides(1)
    for name, _ in sides:
        wall = sum(w for w, _ in timings[name]) / len(timings[name])
        cpu = sum(c for _, c in timings[name]) / len(timings[name])
        results[f"build_{name}_seconds"], results[f"build_{name}_cpu"] = wall, cpu
        print(f"(b) build.py {name}: mean {wall:.1f} s wall, {cpu:.1f} s CPU, "
              f"{wall / len(runs):.2f} s per report")
        if not args.skip_hand:
            print(f"ratio (a)/(b {name}): {results['hand_seconds'] / wall:.1f}× wall, "
                  f"{results['hand_cpu'] / cpu:.1f}× CPU")
            results[f"ratio_{name}"] = results["hand_seconds"] / wall
    if args.before:
        html_same, pdf_same, differ = same_outputs(work / "out-before", work / "out-after", runs)
        print(f"before/after: HTML byte-identical (git commit aside) {html_same}/{len(runs)}, "
              f"PDF text identical {pdf_same}/{len(runs)}"
              + (f" (different: {', '.join(differ[:5])})" if differ else ""))
        results.update(before_after_html=html_same, before_after_pdf=pdf_same)
    if not args.skip_hand:
        same, cli_same, differ = same_export(work / "out-hand", work / "out-after", runs)
        print(f"report content: {same}/{len(runs)} identical after the same export "
              "(git commit in the footer aside)"
              + (f" (different: {', '.join(differ[:5])})" if differ else "")
              + f"; HTML files as written by each route identical: {cli_same}/{len(runs)}")
        results.update(same_export=same, same_files=cli_same)

    if not args.skip_stages:
        from bench_stages import report as stage_report

        print("where the time goes (this checkout, in this process):", flush=True)
        results["stages"] = stage_report(data, min(6, len(runs)), ids)

    if not args.skip_single:
        print("one report (sample data, fushan 2020, HTML + PDF):", flush=True)
        results["single"] = single_report(args.before.resolve() if args.before else None)

    if not args.skip_noop:
        count, seconds = noop(work, args.noop_size)
        print(f"no-op rebuild of {count} runs: {seconds:.2f} s")
        results.update(noop_runs=count, noop_seconds=seconds)

    if not args.skip_dask:
        for workers in (1, 2):
            rate = dask_throughput(data, work, params, len(runs), workers)
            print(f"Dask, {workers} worker(s) × 1 thread: {rate:.1f} reports per minute")
            results[f"dask_{workers}_per_minute"] = rate

    (work / "results.json").write_text(json.dumps(results, indent=1), encoding="utf-8")
    if not args.keep and not args.work:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
