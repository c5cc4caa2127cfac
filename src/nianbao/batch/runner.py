"""The whole build: plan, skip what is up to date, execute the rest, record, summarise.

Only the driver (this module) writes into the output directory: workers return files as bytes,
the driver renames them into place and records the run in the manifest at once. A failed run
never stops the others; an interrupted build keeps what it finished, and the next build does
only what is left.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import signal
import sys
import threading
import time
import traceback
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from nianbao import exits, paths
from nianbao.batch.log import BuildLog
from nianbao.batch.manifest import Freshness, Manifest
from nianbao.batch.params import BatchParams, find_params, load_params
from nianbao.batch.plan import Plan, Run, make_plan, run_label
from nianbao.batch.scan import DataScan, scan
from nianbao.batch.sources import package_hash
from nianbao.errors import OutputRefused, ParamsError, PlanError
from nianbao.files import describe_os_error, guard_output_dir
from nianbao.paths import display_path
from nianbao.run.execute import Failure, RunOutcome, RunResult, write_outcome

if TYPE_CHECKING:
    from nianbao.batch.services import LocalServices

EXIT_OK, EXIT_FAILED, EXIT_UNUSABLE, EXIT_INTERRUPTED = (
    exits.OK, exits.FAILED, exits.UNREADABLE, exits.INTERRUPTED)


@dataclass
class BuildOptions:
    """Everything ``build.py`` (the batch command) accepts."""

    data_dir: Path = field(default_factory=paths.data_dir)  # of the project (``--project``)
    out_dir: Path = field(default_factory=paths.build_dir)
    params: list[Path] = field(default_factory=list)  # empty: every params/*.yaml
    agencies: list[str] = field(default_factory=list)
    years: list[int] = field(default_factory=list)
    formats: tuple[str, ...] | None = None  # output kinds (the command line's --formats)
    profile: str | None = None
    jobs: int | None = None  # default: number of cores
    scheduler: str | None = None  # Dask scheduler address
    force: bool = False
    dry_run: bool = False
    quiet: bool = False


@dataclass
class BuildReport:
    """What a build did (returned for tests and scripts; the CLI prints it)."""

    plan: Plan | None = None
    executed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: dict[str, dict] = field(default_factory=dict)  # target → manifest entry
    interrupted: bool = False
    seconds: float = 0.0
    exit_code: int = EXIT_OK


class _Console:
    def __init__(self, out: TextIO, err: TextIO, quiet: bool) -> None:
        self.out, self.err, self.quiet = out, err, quiet
        self.bar = None
        self.log: BuildLog | None = None  # everything said also goes to the build's log

    def say(self, text: str) -> None:
        print(text, file=self.out, flush=True)
        if self.log is not None:
            self.log.write(text)

    def warn(self, text: str) -> None:
        if self.log is not None:
            self.log.write(text)
        if self.bar is not None:
            self.bar.write(text, file=self.err)
        else:
            print(text, file=self.err, flush=True)


# ------------------------------------------------------------------ planning


def load_batches(opts: BuildOptions, data: DataScan, console: _Console) -> list[BatchParams]:
    params_dir = paths.params_dir()
    files = [Path(p) for p in opts.params] or find_params(params_dir)
    if files:
        return [load_params(p) for p in files]
    console.warn(f"没有参数文件（{display_path(params_dir)}/*.yaml），构建数据中每个地区的全部年度")
    years = tuple(data.years())
    if not years:
        raise ParamsError(f"数据目录 {data.data_dir} 中没有统计数据（stats/<年度>.csv）")
    return [BatchParams(name=region or "全部", path=None, years=years, region=region)
            for region in data.regions()]


def freshness(plan: Plan, manifest: Manifest, force: bool) -> list[tuple[Run, Freshness]]:
    if force:
        return [(run, Freshness(False, "--force")) for run in plan.runs]
    return [(run, manifest.freshness(run.target, run.input_key, run.spec.outputs()))
            for run in plan.runs]


# ------------------------------------------------------------------ execution


def early_services(opts: BuildOptions) -> LocalServices:
    """The kernel factory and the browser for the local workers, started before the plan is made
    so that they get ready meanwhile (none for a dry run or a Dask cluster)."""
    from nianbao.batch.services import LocalServices
    from nianbao.run.targets import DEFAULT_KINDS, REPORT_NOTEBOOK, SUMMARY_NOTEBOOK

    services = LocalServices()
    if opts.dry_run or opts.scheduler:
        return services
    notebooks = tuple(str(nb.resolve()) for nb in (REPORT_NOTEBOOK, SUMMARY_NOTEBOOK)
                      if nb.exists())
    services.start(notebooks, kernels=_forks_kernels(opts.jobs or os.cpu_count() or 1),
                   pdf="pdf" in (opts.formats or DEFAULT_KINDS))
    return services


def _forks_kernels(jobs: int) -> bool:
    """Whether local workers get their kernels from one factory the driver starts."""
    from nianbao.batch.worker import kernel_mode
    from nianbao.run.kernels import Zygote

    return kernel_mode() == "fork" and Zygote.supported() and jobs > 1


def make_executor(opts: BuildOptions, todo: list[Run], services: LocalServices):
    """The executor for ``todo``; ``services`` (what the local workers share) gets what it
    lacks for them."""
    from nianbao.batch.executors import DaskPool, LocalPool
    from nianbao.batch.worker import warm_up
    from nianbao.run.kernels import sweep_stale_dirs

    sweep_stale_dirs()  # left by an earlier build that was killed

    pdf = any("pdf" in run.spec.kinds for run in todo)
    notebooks = tuple(dict.fromkeys(str(Path(run.spec.notebook).resolve()) for run in todo))
    if opts.scheduler:
        pool = DaskPool(opts.scheduler, pdf=pdf, notebooks=notebooks)
        problems = pool.check_workers(str(Path(opts.data_dir).resolve()))
        if problems:
            pool.shutdown()
            raise PlanError(problems)
        return pool
    jobs = min(opts.jobs or os.cpu_count() or 1, len(todo))
    services.start(notebooks, kernels=_forks_kernels(jobs), pdf=pdf)
    return LocalPool(jobs, initializer=warm_up,
                     initargs=(pdf, notebooks, services.factory, services.printer_address))


def _entry(run: Run, outcome: RunOutcome, result: RunResult, out_dir: Path) -> dict:
    meta = outcome.metadata or {}
    entry = {
        "key": run.input_key,
        "kind": run.kind,
        "agency_id": run.agency_id,
        "name": run.name,
        "short_name": run.short_name,
        "region": run.region,
        "year": run.year,
        "batch": run.batch,
        "format": (meta.get("provenance") or {}).get("format") or _format_id(run.year),
        "status": "ok" if result.ok else "failed",
        "seconds": round(outcome.seconds, 2),
        "finished": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "worker": outcome.worker,
    }
    if result.ok:
        entry["outputs"] = Manifest.output_info(run.spec.outputs())
    else:
        failure = result.failure or Failure("internal", result.reason)
        notebook = ""
        if result.failed_notebook:
            notebook = Path(result.failed_notebook).relative_to(out_dir).as_posix()
        entry["failure"] = {"category": failure.category, "reason": failure.reason,
                            "cell": failure.cell, "cell_source": failure.cell_source,
                            "notebook": notebook}
    return entry


def _format_id(year: int) -> str:
    try:
        from nianbao.formats.spec import format_for_year

        return format_for_year(year).id
    except Exception:
        return ""


def _outcome_of(future: Future, run: Run) -> RunOutcome | None:
    """The run's outcome, or ``None`` when the worker was lost (the caller may retry)."""
    from nianbao.errors import RunTimeout, WorkerLost

    try:
        return future.result()
    except RunTimeout as exc:
        failure = Failure("timeout", f"运行超时：{exc}")
    except WorkerLost:
        return None
    except Exception as exc:
        detail = "".join(traceback.format_exception(exc))
        if type(exc).__name__ == "KilledWorker":  # Dask gave up after losing workers
            failure = Failure("worker", f"工作节点意外退出：{exc}", detail=detail)
        else:
            failure = Failure("internal", f"执行出错：{type(exc).__name__}: {exc}", detail=detail)
    return RunOutcome(run.target, False, failure=failure)


def execute(todo: list[Run], opts: BuildOptions, manifest: Manifest, console: _Console,
            report: BuildReport, services: LocalServices | None = None,
            validation: _Validation | None = None) -> None:
    """Run ``todo`` on the executor, writing each result and the manifest as it arrives;
    ``validation`` starts once the services it may use are there."""
    from tqdm import tqdm

    from nianbao.batch.services import LocalServices
    from nianbao.batch.worker import run_task

    services = services or LocalServices()

    try:
        executor = make_executor(opts, todo, services)
    finally:
        if validation is not None:
            validation.start()
    # disable=None: no bar when stderr is not a terminal (a log file, CI)
    bar = tqdm(total=len(todo), desc="生成", unit="项", file=console.err,
               disable=True if console.quiet else None,
               dynamic_ncols=True, smoothing=0.05)
    console.bar = bar
    failed = 0
    try:
        attempts: dict[str, int] = {}
        waiting = {executor.submit(run_task, run.spec, timeout=run.spec.timeout): run
                   for run in todo}
        while waiting:
            retry: dict = {}
            for future in executor.as_completed(list(waiting)):
                run = waiting[future]
                outcome = _outcome_of(future, run)
                if outcome is None:
                    attempts[run.target] = attempts.get(run.target, 0) + 1
                    if attempts[run.target] <= 1:
                        retry[executor.submit(run_task, run.spec, timeout=run.spec.timeout)] = run
                        continue
                    outcome = RunOutcome(run.target, False,
                                         failure=Failure("worker", "工作进程意外退出"))
                result = write_outcome(run.spec, outcome)
                entry = _entry(run, outcome, result, opts.out_dir)
                try:
                    manifest.record(run.target, entry)
                except OSError as exc:  # the run's files are in place; the next build redoes it
                    console.warn(f"无法写入构建记录：{describe_os_error(exc)}")
                report.executed.append(run.target)
                if not result.ok:
                    failed += 1
                    report.failed[run.target] = entry
                    console.warn(f"失败：{run.label}：{entry['failure']['reason']}")
                    if console.log is not None:
                        console.log.failure(run.label, run.target,
                                            result.failure or outcome.failure
                                            or Failure("internal", result.reason),
                                            display_path(result.failed_notebook)
                                            if result.failed_notebook else "")
                    bar.set_postfix_str(f"失败 {failed}")
                bar.update(1)
                _check_signalled()
            waiting = retry
    except BaseException:
        executor.shutdown(cancel=True)
        raise
    else:
        executor.shutdown()
    finally:
        services.close()
        bar.close()
        console.bar = None


# ------------------------------------------------------------------ validation and index


def _validation_key(plan: Plan) -> str:
    h = hashlib.sha256(package_hash().encode())
    for agency_id, year in plan.scope:
        h.update(f"{agency_id}:{year}:{plan.scan.fingerprint(agency_id, year)}\n".encode())
    return h.hexdigest()


class _Validation(threading.Thread):
    """Checks the batch's data in the background while the runs execute: in a child of the
    kernel factory when one runs (it has pandas and the rules imported already; the driver
    would spend more on importing them than on checking a district), else in this thread."""

    def __init__(self, plan: Plan, services: LocalServices) -> None:
        super().__init__(name="nianbao-validation", daemon=True)
        self.plan = plan
        self.services = services
        self.findings = None
        self.error: BaseException | None = None

    def run(self) -> None:
        from nianbao.errors import KernelStartError

        scope = self.plan.scope
        args = (str(self.plan.data_dir), [a for a, _ in scope], [y for _, y in scope])
        try:
            if not scope:
                self.findings = []
                return
            zygote = self.services.zygote
            if zygote is not None and zygote.alive():
                try:
                    self.findings = zygote.call("nianbao.batch.outputs", "batch_findings", *args)
                    return
                except KernelStartError:  # the factory is gone: check here instead
                    pass
            from nianbao.batch.outputs import batch_findings

            self.findings = batch_findings(*args)
        except BaseException as exc:  # reported by the caller
            self.error = exc


def finish_validation(plan: Plan, manifest: Manifest, validation: _Validation | None,
                      key: str, console: _Console) -> None:
    from nianbao.batch.outputs import counts, finding_rows, write_validation

    if validation is None:
        return
    validation.join()
    if validation.error is not None:
        console.warn(f"数据校验未能完成：{type(validation.error).__name__}: {validation.error}")
        return
    findings = validation.findings or []
    names = {a: plan.scan.short_name(a) for a in plan.scan.agencies}
    write_validation(plan.out_dir, finding_rows(findings, names))
    members = plan.scan.regions()
    scope = set(plan.scope)
    summaries = {(b.region, y) for b in plan.batches if b.region for y in b.years}
    for entry in manifest.runs.values():
        agency_id, year = entry.get("agency_id"), entry.get("year")
        if entry.get("kind") == "summary" and (entry.get("region"), year) in summaries:
            entry["errors"], entry["warnings"] = counts(findings, None, year,
                                                        members[entry["region"]])
        elif (agency_id, year) in scope:
            entry["errors"], entry["warnings"] = counts(findings, agency_id, year)
    manifest.extra["validation_key"] = key
    manifest.save()


def _title(plan: Plan) -> str:
    titles = [b.title for b in plan.batches if b.title]
    return titles[0] if len(titles) == 1 else "政府信息公开工作年度报告"


def finish_index(plan: Plan, manifest: Manifest) -> None:
    from nianbao.batch.outputs import index_key, write_index

    key = index_key(manifest.runs)
    if manifest.extra.get("index_key") == key and (plan.out_dir / "index.html").exists():
        return
    write_index(plan.out_dir, manifest.runs, _title(plan))
    manifest.extra["index_key"] = key
    manifest.save()


# ------------------------------------------------------------------ messages


def _dry_run(states: list[tuple[Run, Freshness]], console: _Console) -> None:
    width = max((len(run.target) for run, _ in states), default=10)
    for run, state in states:
        status = "最新" if state.skip else f"需要生成（{state.why}）"
        if state.skip and state.why != "最新":
            status = state.why
        console.say(f"{run.target.ljust(width)}  {run.label}  {status}")
    todo = sum(not s.skip for _, s in states)
    console.say(f"共 {len(states)} 项：最新 {len(states) - todo} 项，需要生成 {todo} 项。")


def _failure_line(target: str, entry: dict, out_dir: Path, remembered: bool) -> str:
    failure = entry.get("failure") or {}
    label = run_label(entry.get("kind", "report"), entry.get("year"),
                      entry.get("short_name") or entry.get("name") or target,
                      entry.get("agency_id"))
    text = f"  - {label}：{failure.get('reason', '未知原因')}"
    details = []
    if failure.get("cell") is not None:
        source = failure.get("cell_source") or ""
        details.append(f"第 {failure['cell'] + 1} 个单元格" + (f"“{source}”" if source else ""))
    if failure.get("notebook"):
        details.append(f"笔记本：{display_path(out_dir / failure['notebook'])}")
    if remembered:
        details.append("输入未变，沿用上次的结果")
    return text + (f"（{'；'.join(details)}）" if details else "")


def _summary(report: BuildReport, opts: BuildOptions, manifest: Manifest,
             console: _Console) -> None:
    plan = report.plan
    remembered = {r.target: manifest.runs[r.target] for r in plan.runs
                  if r.target in report.skipped
                  and manifest.runs.get(r.target, {}).get("status") == "failed"}
    failed = {**report.failed, **remembered}
    built = len(report.executed) - len(report.failed)
    unchanged = len(report.skipped) - len(remembered)
    console.say(f"完成：共 {len(plan.runs)} 项，生成 {built} 项，未变化 {unchanged} 项，"
                f"失败 {len(failed)} 项，用时 {report.seconds:.1f} 秒。")
    if failed:
        console.say("以下报告生成失败：")
        for target in sorted(failed):
            console.say(_failure_line(target, failed[target], opts.out_dir,
                                      target in remembered))
    out = opts.out_dir
    console.say(f"索引：{display_path(out / 'index.html')}；校验结果："
                f"{display_path(out / 'validation.csv')}、{display_path(out / 'validation.json')}")
    if plan.unreadable:
        console.say("以下统计数据文件有问题，相应年度的报告未能生成：")
        for line in plan.unreadable:
            console.say(f"  - {line}")
    if console.log is not None:
        console.say(f"日志（含失败的完整错误信息）：{display_path(console.log.path)}")
    report.failed = failed
    report.exit_code = EXIT_FAILED if failed or plan.unreadable else EXIT_OK


# ------------------------------------------------------------------ the build


class _Terminated(KeyboardInterrupt):
    """SIGTERM, handled like Ctrl-C."""


#: Set by Ctrl-C or SIGTERM during a build. The KeyboardInterrupt the handler raises is lost
#: when the main thread happens to be running a finalizer (``__del__``, called by the garbage
#: collector), which Python reports and ignores: the run loop checks this flag after each
#: result, so such a signal still stops the build.
_signalled = threading.Event()


def _on_signal(signum, frame):
    _signalled.set()
    raise _Terminated() if signum == signal.SIGTERM else KeyboardInterrupt()


@contextmanager
def _interruptible():
    """Ctrl-C and SIGTERM stop the build (in the main thread, and unless they are ignored, as
    for a command started in the background by a script)."""
    _signalled.clear()
    in_main = threading.current_thread() is threading.main_thread()
    previous = ({sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
                if in_main else {})
    for sig, handler in previous.items():
        if handler is not signal.SIG_IGN:
            signal.signal(sig, _on_signal)
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        _signalled.clear()


def _check_signalled() -> None:
    """Raise the interrupt a finalizer swallowed (see ``_signalled``)."""
    if _signalled.is_set():
        raise KeyboardInterrupt()


def build(opts: BuildOptions, out: TextIO | None = None, err: TextIO | None = None
          ) -> BuildReport:
    """Build every run the batch files define; see ``BuildReport.exit_code``."""
    console = _Console(out or sys.stdout, err or sys.stderr, opts.quiet)
    started = time.perf_counter()
    report = BuildReport()
    opts.out_dir = Path(opts.out_dir).resolve()
    opts.data_dir = Path(opts.data_dir).resolve()
    try:
        guard_output_dir(opts.out_dir, opts.data_dir)
    except OutputRefused as exc:
        console.warn(f"不能开始构建：{exc}")
        report.exit_code = EXIT_UNUSABLE
        return report
    manifest = Manifest.load(opts.out_dir)
    if not opts.dry_run:
        console.log = BuildLog(opts.out_dir)
    # A first build (or --force) has runs to do: its kernel factory imports and its browser
    # starts while the plan is made. A rebuild may have nothing to do and starts them only
    # when the plan says so.
    from nianbao.batch.services import LocalServices

    services = early_services(opts) if opts.force or not manifest.runs else LocalServices()
    try:
        return _build(opts, console, report, manifest, started, services)
    finally:
        services.close()
        if console.log is not None:
            console.log.close(f"退出码：{report.exit_code}")


def _build(opts: BuildOptions, console: _Console, report: BuildReport, manifest: Manifest,
           started: float, services: LocalServices) -> BuildReport:
    try:
        data = scan(opts.data_dir)
        batches = load_batches(opts, data, console)
        plan = make_plan(batches, opts.data_dir, opts.out_dir, scan=data,
                         agencies=opts.agencies, years=opts.years, kinds=opts.formats,
                         profile=opts.profile)
    except (ParamsError, PlanError) as exc:
        console.warn("不能开始构建：")
        for problem in getattr(exc, "problems", [str(exc)]):
            console.warn(f"  - {problem}")
        console.warn("未运行任何报告。")
        report.exit_code = EXIT_UNUSABLE
        return report
    report.plan = plan
    for note in plan.notes:
        console.warn(note)
    if opts.dry_run:
        states = freshness(plan, manifest, opts.force)
        _dry_run(states, console)
        report.skipped = [run.target for run, s in states if s.skip]
        return report
    try:
        lock = _lock(opts.out_dir)
    except OSError as exc:
        console.warn(f"不能开始构建：无法写入输出目录 {display_path(opts.out_dir)}"
                     f"（{exc.strerror}）")
        report.exit_code = EXIT_UNUSABLE
        return report
    if lock is None:
        console.warn(f"不能开始构建：另一个构建正在向 {display_path(opts.out_dir)} 写入，"
                     "请等它结束后再运行。")
        report.exit_code = EXIT_UNUSABLE
        return report
    try:
        return _run(plan, opts, console, report, started, services)
    finally:
        lock.close()


def _lock(out_dir: Path):
    """An exclusive lock on the output directory for this build (``None``: another holds it)."""
    import fcntl

    out_dir.mkdir(parents=True, exist_ok=True)
    handle = open(out_dir / ".lock", "w")  # noqa: SIM115 - held until the build ends
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        return None
    return handle


def _run(plan: Plan, opts: BuildOptions, console: _Console, report: BuildReport,
         started: float, services: LocalServices) -> BuildReport:
    manifest = Manifest.load(opts.out_dir)  # again, now that no other build can change it
    states = freshness(plan, manifest, opts.force)
    todo = [run for run, state in states if not state.skip]
    report.skipped = [run.target for run, state in states if state.skip]
    key = _validation_key(plan)
    stale = (manifest.extra.get("validation_key") != key
             or not (opts.out_dir / "validation.json").exists()
             or not (opts.out_dir / "validation.csv").exists())
    with _interruptible():
        try:
            validation = _Validation(plan, services) if (todo or stale) else None
            if todo:
                if not opts.quiet:
                    console.warn(f"需要生成 {len(todo)} 项（共 {len(plan.runs)} 项，"
                                 f"{len(plan.runs) - len(todo)} 项未变化）")
                execute(todo, opts, manifest, console, report, services, validation)
                _check_signalled()
            elif validation is not None:
                validation.start()
            finish_validation(plan, manifest, validation, key, console)
            finish_index(plan, manifest)
        except PlanError as exc:  # workers that cannot run this batch (Dask)
            for problem in exc.problems:
                console.warn(f"  - {problem}")
            report.exit_code = EXIT_UNUSABLE
            return report
        except OSError as exc:  # the index or validation files cannot be written (disk full …)
            console.warn(f"无法写入输出目录 {display_path(opts.out_dir)}：{describe_os_error(exc)}")
            report.seconds = time.perf_counter() - started
            report.exit_code = EXIT_FAILED
            return report
        except KeyboardInterrupt:
            report.interrupted = True
            report.seconds = time.perf_counter() - started
            done = len(report.executed)
            console.warn(f"已中断：本次完成 {done} 项，其余 {len(todo) - done} 项将在下次运行时"
                         "继续生成。")
            report.exit_code = EXIT_INTERRUPTED
            try:
                finish_index(plan, manifest)
            except Exception:
                pass
            return report
    report.seconds = time.perf_counter() - started
    _summary(report, opts, manifest, console)
    return report


def plan_only(opts: BuildOptions) -> Plan:
    """The checked plan of a build, without running anything (for scripts and tests)."""
    data = scan(Path(opts.data_dir).resolve())
    batches = load_batches(opts, data, _Console(sys.stdout, sys.stderr, True))
    return make_plan(batches, Path(opts.data_dir).resolve(), Path(opts.out_dir).resolve(),
                     scan=data, agencies=opts.agencies, years=opts.years,
                     kinds=opts.formats, profile=opts.profile)


__all__ = ["BuildOptions", "BuildReport", "build", "plan_only"]
