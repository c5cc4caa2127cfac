"""The batch build: plans checked before anything runs, incremental rebuilds, fault isolation,
resuming after a kill, and the executors underneath.

Slow tests run real kernels (and, where PDF is asked for, real Chromium) through ``build.py``
started as a subprocess, on data directories of two or three agencies.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from batchdata import (
    ROOT,
    build,
    build_cmd,
    dataset,
    manifest,
    mark_built,
    mtimes,
    params,
    set_cell,
)
from nianbao.batch.params import from_mapping, parse_years
from nianbao.batch.scan import scan
from nianbao.cli import main
from nianbao.errors import ParamsError

AGENCIES = {"alpha": "甲街道", "beta": "乙街道"}


# ------------------------------------------------------------------ batch files and plans


@pytest.mark.parametrize("years, expected", [
    (2022, (2022,)),
    ("2020-2023", (2020, 2021, 2022, 2023)),
    ("2020–2021", (2020, 2021)),
    ([2023, 2021], (2021, 2023)),
    (["2020-2021", 2023], (2020, 2021, 2023)),
])
def test_years(years, expected):
    assert parse_years(years, "x.yaml") == expected


@pytest.mark.parametrize("mapping, message", [
    ({"years": 2022, "region": "测试区", "format": ["html"]}, "未知的键“format”"),
    ({"region": "测试区"}, "缺少 years"),
    ({"years": "2023-2020", "region": "测试区"}, "起始年度晚于结束年度"),
    ({"years": "去年", "region": "测试区"}, "不是年度"),
    ({"years": 2022}, "region"),
    ({"years": 2022, "region": "测试区", "agencies": ["alpha"]}, "二者之一"),
    ({"years": 2022, "region": "测试区", "formats": ["odt"]}, "未知的输出格式“odt”"),
    ({"years": 2022, "region": "测试区", "profile": "final"}, "profile 应为"),
    ({"years": 2022, "region": "测试区", "parameters": {"year": 2020}}, "由批次设置"),
    ({"years": 2022, "region": "测试区", "timeout": 0}, "timeout"),
])
def test_params_file_errors(mapping, message):
    with pytest.raises(ParamsError, match=message):
        from_mapping(mapping, "batch")


def test_plan_errors_stop_before_anything_runs(tmp_path, capsys):
    data = dataset(tmp_path / "data", AGENCIES, [2021, 2022])
    out = tmp_path / "build"
    cases = [
        (dict(years=2022, agencies=["alpha", "gamma"]), "单位标识“gamma”不在单位名录中"),
        (dict(years=[2021, 2023], agencies=["alpha"]), "没有 2023 年度的统计数据"),
        (dict(years=2023, region="测试区"), "2023 年度没有统计数据"),
        (dict(years=2022, region="别的区"), "地区“别的区”在单位名录中没有单位"),
        (dict(years=2022, region="测试区", parameters={"colour": "red"}),
         "参数“colour”未在笔记本 notebooks/report.ipynb 的参数单元格中声明"),
    ]
    for values, message in cases:
        batch = params(tmp_path / "batch.yaml", **values)
        code = main(["--data", str(data), "--out", str(out), "--params", str(batch), "--quiet"])
        err = capsys.readouterr().err
        assert code == 2, err
        assert message in err
        assert "未运行任何报告" in err
        assert not out.exists() or not any(out.rglob("*.html"))


def test_command_line_filters_are_checked(tmp_path, capsys):
    data = dataset(tmp_path / "data", AGENCIES, [2021, 2022])
    batch = params(tmp_path / "batch.yaml", years=[2021, 2022], region="测试区")
    base = ["--data", str(data), "--out", str(tmp_path / "build"), "--params", str(batch)]
    assert main([*base, "--agency", "gamma", "--dry-run"]) == 2
    assert "单位标识“gamma”不在单位名录" in capsys.readouterr().err
    assert main([*base, "--year", "2019", "--dry-run"]) == 2
    assert "2019 年度不在所选参数文件的批次中" in capsys.readouterr().err
    assert main([*base, "--agency", "beta", "--year", "2022", "--dry-run"]) == 0
    listed = capsys.readouterr().out
    assert "2022/beta" in listed and "2021/beta" not in listed and "alpha" not in listed


def test_dry_run_lists_runs_and_builds_nothing(tmp_path, capsys):
    data = dataset(tmp_path / "data", AGENCIES, [2021, 2022])
    batch = params(tmp_path / "batch.yaml", years="2021-2022", region="测试区")
    out = tmp_path / "build"
    assert main(["--data", str(data), "--out", str(out), "--params", str(batch),
                 "--dry-run"]) == 0
    listed = capsys.readouterr().out
    for target in ("2021/alpha", "2021/beta", "2022/alpha", "2022/beta"):
        assert f"{target}" in listed
    assert "需要生成（未生成）" in listed
    assert "共 4 项：最新 0 项，需要生成 4 项" in listed
    assert not out.exists()


# ------------------------------------------------------------------ fingerprints


def test_fingerprints_follow_the_data_slice(tmp_path):
    data = dataset(tmp_path / "data", AGENCIES, [2020, 2021, 2022])
    before = scan(data)
    set_cell(data, 2021, "alpha", "t3.new.natural_person", 5)
    after = scan(data)
    changed = {(a, y) for a in AGENCIES for y in (2020, 2021, 2022)
               if before.fingerprint(a, y) != after.fingerprint(a, y)}
    # carry-over and the trend chart read every earlier year: 2021 and 2022 of alpha
    assert changed == {("alpha", 2021), ("alpha", 2022)}

    text = data / "text" / "2022" / "beta.md"
    text.write_text(text.read_text(encoding="utf-8") + "\n补充说明。\n", encoding="utf-8")
    assert scan(data).fingerprint("beta", 2022) != after.fingerprint("beta", 2022)
    assert scan(data).fingerprint("beta", 2021) == after.fingerprint("beta", 2021)


def test_fingerprints_ignore_row_order(tmp_path):
    data = dataset(tmp_path / "data", AGENCIES, [2021])
    before = scan(data)
    path = data / "stats" / "2021.csv"
    header, *rows = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join([header, *reversed(rows)]) + "\n", encoding="utf-8")
    assert scan(data).fingerprints("alpha") == before.fingerprints("alpha")


def test_noop_build_of_1000_agency_years_does_no_heavy_work(tmp_path):
    """A build with nothing to do plans from the raw files alone: no pandas, no kernel, no
    browser. (How long it takes is measured by ``benchmarks/bench_batch.py``, not here.)"""
    data = tmp_path / "data"
    subprocess.run([sys.executable, "-m", "nianbao.testing.synth", "--agencies", "250", "--years",
                    "2020-2023", "--out", str(data)], check=True, capture_output=True)
    agencies = [line.split(",", 1)[0] for line in
                (data / "agencies.csv").read_text(encoding="utf-8").splitlines()[1:]]
    batch = params(tmp_path / "batch.yaml", years="2020-2023", agencies=agencies,
                   formats=["html", "pdf"])
    out = tmp_path / "build"
    assert mark_built(data, out, batch) == 1000
    first = build(data, out, batch)  # writes the validation files and the index once
    assert first.returncode == 0, first.stderr
    heavy = ("pandas", "matplotlib", "nbclient", "papermill", "playwright", "jupyter_client")
    code = ("import sys; from nianbao.cli import main; "
            f"code = main({build_cmd(data, out, batch)[2:]!r}); "
            f"print('loaded:', sorted(m for m in {heavy!r} if m in sys.modules)); "
            "sys.exit(code)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=600, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert "生成 0 项，未变化 1000 项" in result.stdout
    assert "loaded: []" in result.stdout


# ------------------------------------------------------------------ builds


@pytest.mark.slow
def test_broken_agency_fails_alone_and_is_named(tmp_path):
    agencies = {"alpha": "甲街道", "beta": "乙街道", "gamma": "丙街道"}
    data = dataset(tmp_path / "data", agencies, [2021], broken={("beta", 2021)})
    batch = params(tmp_path / "batch.yaml", years=2021, region="测试区", profile="publish")
    out = tmp_path / "build"
    result = build(data, out, batch)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "乙街道（beta）2021 年度" in result.stdout
    assert "发布版校验未通过" in result.stdout
    assert "失败 1 项" in result.stdout
    for agency in ("alpha", "gamma"):
        assert (out / "2021" / agency / "report.html").stat().st_size > 10_000
    assert not (out / "2021" / "beta" / "report.html").exists()
    kept = out / "_failed" / "2021" / "beta" / "report.ipynb"
    assert kept.exists()
    entry = manifest(out)["2021/beta"]
    assert entry["status"] == "failed"
    assert entry["failure"]["category"] == "blocked"
    assert entry["failure"]["cell"] is not None
    assert "prepare(" in entry["failure"]["cell_source"]
    assert entry["failure"]["notebook"] == "_failed/2021/beta/report.ipynb"
    assert (out / "index.html").exists() and (out / "validation.json").exists()

    # Nothing changed: the failure is remembered, not run again, and still reported.
    before = mtimes(out)
    again = build(data, out, batch)
    assert again.returncode == 1
    assert "生成 0 项" in again.stdout and "乙街道（beta）2021 年度" in again.stdout
    assert "输入未变，沿用上次的结果" in again.stdout
    assert mtimes(out) == before


@pytest.mark.slow
def test_rebuilds_exactly_what_changed(tmp_path):
    data = dataset(tmp_path / "data", AGENCIES, [2020, 2021, 2022])
    batch = params(tmp_path / "batch.yaml", years="2020-2022", region="测试区")
    out = tmp_path / "build"
    first = build(data, out, batch)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "生成 6 项" in first.stdout
    built = mtimes(out)
    book = manifest(out)

    # Nothing changed: nothing runs, nothing is rewritten.
    second = build(data, out, batch)
    assert second.returncode == 0
    assert "生成 0 项，未变化 6 项" in second.stdout
    assert mtimes(out) == built
    assert manifest(out) == book

    # alpha's 2021 statistics change: its 2021 report and the 2022 one that reads 2021
    # (carry-over, trend) rebuild; 2020 and every beta report do not.
    set_cell(data, 2021, "alpha", "t3.new.natural_person", 5)
    third = build(data, out, batch)
    assert third.returncode == 0, third.stdout + third.stderr
    assert "生成 2 项，未变化 4 项" in third.stdout
    now = mtimes(out)
    rebuilt = {path.rsplit("/", 1)[0] for path in now if now[path] != built.get(path)}
    assert rebuilt == {"2021/alpha", "2022/alpha"}

    # A deleted output rebuilds just its run.
    (out / "2020" / "beta" / "report.html").unlink()
    fourth = build(data, out, batch)
    assert "生成 1 项，未变化 5 项" in fourth.stdout
    assert (out / "2020" / "beta" / "report.html").exists()

    # Other options rebuild everything (alpha 2021 now fails under publish); --force too.
    assert "未变化 0 项" in build(data, out, batch, "--profile", "publish").stdout
    assert "未变化 0 项" in build(data, out, batch, "--profile", "publish", "--force").stdout


@pytest.mark.slow
@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGINT])
def test_killed_build_resumes_without_redoing_finished_runs(tmp_path, how):
    data = dataset(tmp_path / "data", AGENCIES, [2020, 2021])
    batch = params(tmp_path / "batch.yaml", years="2020-2021", region="测试区")
    out = tmp_path / "build"
    # Ctrl-C reaches the build as in a terminal, even when these tests run with SIGINT ignored
    # (started in the background): a caught signal is default again in the child.
    interactive = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        proc = subprocess.Popen(build_cmd(data, out, batch, "--jobs", "1"), cwd=tmp_path,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    finally:
        signal.signal(signal.SIGINT, interactive)
    deadline = time.monotonic() + 300
    while not manifest(out) and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.2)
    finished = manifest(out)
    assert finished, "no run finished"
    assert proc.poll() is None, "the build ended before it could be interrupted"
    proc.send_signal(how)
    _, err = proc.communicate(timeout=120)
    if how == signal.SIGINT:
        assert proc.returncode == 130
        assert "已中断" in err and "下次运行" in err
    done = manifest(out)
    assert len(done) < 4
    for target in done:  # what was recorded is complete on disk
        assert (out / target / "report.html").stat().st_size > 10_000
    assert not list(out.rglob("*.tmp"))
    stamps = {t: (out / t / "report.html").stat().st_mtime_ns for t in done}

    resumed = build(data, out, batch)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert f"生成 {4 - len(done)} 项，未变化 {len(done)} 项" in resumed.stdout
    assert set(manifest(out)) == {"2020/alpha", "2020/beta", "2021/alpha", "2021/beta"}
    for target, stamp in stamps.items():
        assert (out / target / "report.html").stat().st_mtime_ns == stamp
        assert manifest(out)[target]["finished"] == done[target]["finished"]


# ------------------------------------------------------------------ failures inside runs


NOTEBOOK = """{{"cells": [
 {{"cell_type": "code", "execution_count": null, "metadata": {{"tags": ["parameters"]}},
   "outputs": [], "source": ["x: int = 0  # a number"]}},
 {{"cell_type": "code", "execution_count": null, "metadata": {{}}, "outputs": [],
   "source": [{body}]}}],
 "metadata": {{"kernelspec": {{"display_name": "Python 3", "language": "python",
   "name": "python3"}}}}, "nbformat": 4, "nbformat_minor": 5}}"""


def tiny_run(tmp_path: Path, name: str, body: str, timeout: float = 60.0):
    import json

    from nianbao.batch.plan import Run
    from nianbao.run.targets import RunSpec

    notebook = tmp_path / f"{name}.ipynb"
    notebook.write_text(NOTEBOOK.format(body=json.dumps(body)), encoding="utf-8")
    spec = RunSpec("test", f"t/{name}", str(notebook), (("x", 1),), str(tmp_path / "build"),
                   "out", ("html",), timeout)
    return Run(spec, input_key=name, year=2021, agency_id=name, name=name, short_name=name)


@pytest.mark.slow
def test_cell_error_dead_kernel_and_timeout_fail_only_their_run(tmp_path):
    import io

    from nianbao.batch.manifest import Manifest
    from nianbao.batch.runner import BuildOptions, BuildReport, _Console, execute

    runs = [
        tiny_run(tmp_path, "fine", "print(x + 1)"),
        tiny_run(tmp_path, "raises", "raise ValueError('坏数据')"),
        tiny_run(tmp_path, "dies", "import os; os._exit(1)"),
        tiny_run(tmp_path, "hangs", "import time; time.sleep(120)", timeout=5.0),
    ]
    out = tmp_path / "build"
    opts = BuildOptions(out_dir=out, jobs=2, quiet=True)
    book, report = Manifest.load(out), BuildReport()
    execute(runs, opts, book, _Console(io.StringIO(), io.StringIO(), True), report)
    assert set(report.executed) == {r.target for r in runs}
    assert (out / "t" / "fine" / "out.html").exists()
    failures = {t: e["failure"] for t, e in book.runs.items() if e["status"] == "failed"}
    assert set(failures) == {"t/raises", "t/dies", "t/hangs"}
    assert failures["t/raises"]["category"] == "cell"
    # the third cell as the notebook shows it: parameters, injected parameters, the body
    assert "第 3 个单元格出错：ValueError: 坏数据" in failures["t/raises"]["reason"]
    assert failures["t/raises"]["cell"] == 2
    assert failures["t/dies"]["category"] == "kernel"
    assert failures["t/hangs"]["category"] == "timeout"
    assert "超过 5 秒" in failures["t/hangs"]["reason"]
    for name in ("raises", "dies", "hangs"):
        assert (out / "_failed" / "t" / name / "out.ipynb").exists()


@pytest.mark.slow
def test_an_interrupt_lost_in_a_finalizer_still_stops_the_build(tmp_path, monkeypatch):
    """Python reports and drops an exception raised in ``__del__``: a Ctrl-C whose handler runs
    while the main thread finalizes garbage must still stop the build after the running run."""
    import io

    from nianbao.batch.manifest import Manifest
    from nianbao.batch.runner import BuildOptions, BuildReport, _Console, _interruptible, execute

    class Finalized:
        def __del__(self):
            signal.raise_signal(signal.SIGINT)  # the handler's KeyboardInterrupt is dropped

    dropped = []  # what Python's own hook would print and drop (pytest's would re-raise)
    monkeypatch.setattr(sys, "unraisablehook", lambda u: dropped.append(u.exc_type))
    runs = [tiny_run(tmp_path, f"r{i}", "print(x)") for i in range(4)]
    out = tmp_path / "build"
    book, report = Manifest.load(out), BuildReport()
    # as in a terminal, even when these tests run with SIGINT ignored (in the background)
    interactive = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with _interruptible():
            Finalized()  # finalized at once, the interrupt with it
            assert dropped == [KeyboardInterrupt]
            with pytest.raises(KeyboardInterrupt):
                execute(runs, BuildOptions(out_dir=out, jobs=1, quiet=True), book,
                        _Console(io.StringIO(), io.StringIO(), True), report)
    finally:
        signal.signal(signal.SIGINT, interactive)
    assert 1 <= len(report.executed) < len(runs)


def test_a_build_started_with_ctrl_c_ignored_keeps_ignoring_it():
    from nianbao.batch.runner import _interruptible

    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        with _interruptible():
            assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
            assert signal.getsignal(signal.SIGTERM) not in (signal.SIG_DFL, signal.SIG_IGN)
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGINT, previous)


def test_local_pool_isolates_crashes_and_enforces_time_limits():
    from nianbao.batch.executors import LocalPool
    from nianbao.errors import RunTimeout, WorkerLost

    pool = LocalPool(2, grace=0.5)
    try:  # tasks are plain library functions: the workers must be able to import them
        crash = pool.submit(os._exit, 3)
        hang = pool.submit(time.sleep, 30, timeout=0.5)
        fine = pool.submit(sum, [1, 2], timeout=10)
        with pytest.raises(WorkerLost):
            crash.result(timeout=30)
        started = time.monotonic()
        with pytest.raises(RunTimeout):
            hang.result(timeout=30)
        assert time.monotonic() - started < 10
        assert fine.result(timeout=30) == 3
        assert pool.submit(sum, [4, 5], timeout=10).result(timeout=30) == 9  # still usable
    finally:
        pool.shutdown(cancel=True)


# ------------------------------------------------------------------ pieces


def test_collect_metadata_is_idempotent():
    import nbformat

    from nianbao.report.bundle import METADATA_MIMETYPE
    from nianbao.run.execute import collect_metadata

    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("")
    cell.outputs = [nbformat.v4.new_output("display_data",
                                           {METADATA_MIMETYPE: {"title": "报告"}})]
    nb.cells = [cell]
    assert collect_metadata(nb) == {"title": "报告"}
    assert collect_metadata(nb) == {"title": "报告"}
    assert nb.metadata["nianbao"] == {"title": "报告"} and nb.cells[0].outputs == []


def test_collected_metadata_is_plain_data():
    """The batch driver unpickles it: notebook nodes would make it import nbformat (and the
    JSON schema machinery behind it) in the middle of a build."""
    import nbformat

    from nianbao.report.bundle import METADATA_MIMETYPE
    from nianbao.run.execute import collect_metadata

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("")]
    nb.cells[0].outputs = [nbformat.v4.new_output("display_data", {METADATA_MIMETYPE: {
        "provenance": {"inputs": [{"file": "stats/2021.csv"}]}, "title": "报告"}})]
    nbformat.validate(nb)
    meta = collect_metadata(nbformat.reads(nbformat.writes(nb), as_version=4))

    def kinds(value) -> set[type]:
        if isinstance(value, dict):
            return {type(value)} | {k for v in value.values() for k in kinds(v)}
        if isinstance(value, list):
            return {type(value)} | {k for v in value for k in kinds(v)}
        return {type(value)}

    assert kinds(meta) == {dict, list, str}
    assert meta["provenance"]["inputs"][0]["file"] == "stats/2021.csv"


@pytest.mark.slow
def test_forked_kernels_give_the_same_report_as_ordinary_ones(tmp_path):
    """Kernels forked from a factory that imported the notebook's modules and filled the
    reports' caches (``nianbao.report.warm``) write the same report as a fresh kernel."""
    from nianbao.batch.worker import FACTORY_WARM_UP, factory_preload
    from nianbao.run.execute import produce
    from nianbao.run.kernels import KernelSource, WarmKernels
    from nianbao.run.targets import REPORT_NOTEBOOK, report_spec

    data = dataset(tmp_path / "data", AGENCIES, [2020, 2021])
    spec = report_spec("alpha", 2021, data, tmp_path / "build", ("html",))
    preload = factory_preload((str(REPORT_NOTEBOOK),))
    assert preload[-1] == FACTORY_WARM_UP and "nianbao.report.document" in preload
    forked = WarmKernels(fork=True, preload=preload)
    try:
        a = produce(spec, forked)
        b = produce(spec, forked)  # the second kernel comes from the same factory
    finally:
        forked.close()
    plain = produce(spec, KernelSource())
    assert a.ok and b.ok and plain.ok, (a.failure, b.failure, plain.failure)
    assert a.files["html"] == b.files["html"] == plain.files["html"]


def test_region_batches_plan_their_summaries(tmp_path, capsys):
    data = dataset(tmp_path / "data", AGENCIES, [2021, 2022])
    batch = params(tmp_path / "batch.yaml", years="2021-2022", region="测试区", summaries=True)
    out = tmp_path / "build"
    assert main(["--data", str(data), "--out", str(out), "--params", str(batch),
                 "--dry-run"]) == 0
    listed = capsys.readouterr().out
    assert "共 6 项" in listed
    assert "测试区 2021 年度汇总" in listed and "测试区 2022 年度汇总" in listed
    assert "2022/_regions/" in listed
    # --agency narrows the batch to reports: no region summary
    assert main(["--data", str(data), "--out", str(out), "--params", str(batch),
                 "--agency", "alpha", "--dry-run"]) == 0
    assert "_regions" not in capsys.readouterr().out


def test_a_second_build_into_the_same_directory_is_refused(tmp_path, capsys):
    from nianbao.batch.runner import _lock

    data = dataset(tmp_path / "data", AGENCIES, [2021])
    batch = params(tmp_path / "batch.yaml", years=2021, region="测试区")
    out = tmp_path / "build"
    held = _lock(out)
    try:
        code = main(["--data", str(data), "--out", str(out), "--params", str(batch), "--quiet"])
    finally:
        held.close()
    assert code == 2
    assert "另一个构建正在向" in capsys.readouterr().err
