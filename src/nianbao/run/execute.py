"""One notebook run: execute with papermill in a fresh kernel, export HTML and PDF, write.

A run is self-contained: ``produce`` takes a ``RunSpec`` and returns the output files as bytes
(or the reason it failed), so the batch can run it in a local worker process or on a Dask worker
and write the files where it likes; ``run_report`` is ``produce`` followed by ``write_outcome``.
Failures are returned, not raised: the batch goes on.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import threading
import time
import traceback
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from nianbao.errors import OutputRefused, UnsafePathError
from nianbao.files import atomic_write, describe_os_error, guard_output_dir
from nianbao.report.bundle import METADATA_MIMETYPE, take_docx
from nianbao.run.targets import RunSpec

if TYPE_CHECKING:
    import nbformat

    from nianbao.run.kernels import Kernel, KernelSource

#: Failure categories. A deterministic failure happens again with the same inputs, so the batch
#: remembers it; a transient one (kernel died, time limit, a crashed worker) is retried next time.
DETERMINISTIC = frozenset({"blocked", "parameter", "cell"})
TRANSIENT = frozenset({"timeout", "kernel", "start", "export", "worker", "internal", "write"})


@dataclass
class Failure:
    """Why a run failed: a category (``DETERMINISTIC``/``TRANSIENT``) and a reason in Chinese."""

    category: str
    reason: str
    cell: int | None = None  # index of the failing cell in the executed notebook
    cell_source: str = ""
    detail: str = ""  # traceback, for the log

    @property
    def deterministic(self) -> bool:
        return self.category in DETERMINISTIC

    @property
    def retryable(self) -> bool:
        """Worth trying again at once (a kernel that did not start)."""
        return self.category == "start"


@dataclass
class RunOutcome:
    """What a run produced, in memory: output files as bytes, or why it failed.

    A failed run carries the partially executed notebook (``files['ipynb']``) when there is one.
    """

    target: str
    ok: bool
    files: dict[str, bytes] = field(default_factory=dict)
    metadata: dict = field(default_factory=dict)
    failure: Failure | None = None
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)
    worker: str = ""


@dataclass
class RunResult:
    """A run after its files were written: paths of the outputs or of the failed notebook."""

    spec: RunSpec
    ok: bool
    outputs: dict[str, str] = field(default_factory=dict)
    metadata: dict = field(default_factory=dict)
    reason: str = ""
    failed_cell: int | None = None
    failed_notebook: str = ""
    seconds: float = 0.0
    retryable: bool = False
    failure: Failure | None = None

    def to_json(self) -> dict:
        out = asdict(self)
        out["spec"] = asdict(self.spec)
        return out


def collect_metadata(nb: nbformat.NotebookNode) -> dict:
    """Move the report metadata the notebook displayed into ``nb.metadata['nianbao']``.

    A notebook collected before keeps its metadata (collecting twice changes nothing).
    """
    found: dict = {}
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        kept = []
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if METADATA_MIMETYPE in data:
                found = dict(data[METADATA_MIMETYPE])
            else:
                kept.append(output)
        cell["outputs"] = kept
    if found or "nianbao" not in nb.metadata:
        nb.metadata["nianbao"] = found
    return _plain(nb.metadata["nianbao"])


def _plain(value):
    """Notebook nodes as plain dicts and lists: whoever unpickles a run's metadata (the batch
    driver) need not import nbformat."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def execute_notebook(spec: RunSpec, work: Path,
                     kernel: Kernel | None = None) -> nbformat.NotebookNode:
    """Run the notebook with papermill in a fresh kernel; ``kernel`` is one started for this run.

    Without ``kernel`` one is started here (IPC transport, see ``nianbao.run.kernels``). Either
    way it serves this run only and is shut down afterwards. The kernel's working directory is
    the notebook's folder, set when it starts: nothing here calls the process-global ``chdir``.
    """
    from nianbao.slow_imports import skip_slow_optional_imports

    skip_slow_optional_imports()
    import papermill

    from nianbao.run.kernels import ENGINE_NAME, register_engine, start_kernel

    register_engine()
    if kernel is None:
        kernel = start_kernel(str(Path(spec.notebook).parent))
    out = work / f"{spec.basename}.ipynb"
    try:
        kernel.ready()
        return papermill.execute_notebook(
            spec.notebook, str(out), parameters=dict(spec.parameters), engine_name=ENGINE_NAME,
            km=kernel.km, progress_bar=False, log_output=False,
            request_save_on_cell_execute=False, execution_timeout=spec.timeout,
            shutdown_kernel="immediate", partial_path=str(out),
        )
    finally:
        kernel.discard()


def produce(
    spec: RunSpec,
    kernels: KernelSource | None = None,
    browser=None,
) -> RunOutcome:
    """Execute one run and export it; nothing is written outside a private work directory.

    ``kernels`` hands out fresh single-use kernels (default: start one here); ``browser`` is a
    long-lived ``ChromiumBrowser`` for PDF (default: the process-wide shared one). A watchdog
    kills the kernel when the run exceeds ``spec.timeout``.
    """
    from nianbao.errors import KernelStartError
    from nianbao.run.kernels import private_dir, start_kernel

    started = time.perf_counter()
    timings: dict[str, float] = {}
    work = private_dir("nianbao", tempfile.gettempdir())  # this run's own work directory
    partial = work / f"{spec.basename}.ipynb"
    expired = threading.Event()

    def fail(failure: Failure) -> RunOutcome:
        files = {"ipynb": partial.read_bytes()} if partial.exists() else {}
        return RunOutcome(spec.target, False, files, failure=failure,
                          seconds=time.perf_counter() - started, timings=timings)

    try:
        try:
            notebook = str(Path(spec.notebook).resolve())
            kernel = kernels.acquire(notebook) if kernels else start_kernel(
                str(Path(notebook).parent))
        except Exception as exc:
            return fail(Failure("start", f"内核启动失败：{_one_line(exc)}",
                                detail=traceback.format_exc()))

        def expire() -> None:
            expired.set()
            kernel.kill()

        watchdog = threading.Timer(spec.timeout, expire)
        watchdog.daemon = True
        watchdog.start()
        try:
            nb = execute_notebook(spec, work, kernel)
        except KernelStartError as exc:
            return fail(Failure("start", f"内核启动失败：{_one_line(exc)}",
                                detail=traceback.format_exc()))
        except Exception as exc:
            if expired.is_set():
                return fail(Failure("timeout", f"运行超时（超过 {spec.timeout:g} 秒）"))
            return fail(classify(exc))
        finally:
            watchdog.cancel()
        timings["execute"] = time.perf_counter() - started
        return _export(spec, nb, browser, started, timings)
    except Exception as exc:
        return fail(Failure("internal", f"内部错误：{_one_line(exc)}",
                            detail=traceback.format_exc()))
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _export(spec: RunSpec, nb, browser, started: float, timings: dict) -> RunOutcome:
    import nbformat

    from nianbao.render.html import export_html
    from nianbao.run.portable import make_portable

    make_portable(nb, spec)
    meta = collect_metadata(nb)
    docx = take_docx(nb)
    files: dict[str, bytes] = {"ipynb": nbformat.writes(nb).encode("utf-8")}
    t = time.perf_counter()
    try:
        if "docx" in spec.kinds:
            if docx is None:
                raise ValueError("笔记本没有生成 Word 文件（make_docx 参数未生效）")
            files["docx"] = docx
        html = export_html(nb)
        timings["html"] = time.perf_counter() - t
        if "html" in spec.kinds:
            files["html"] = html.encode("utf-8")
        if "pdf" in spec.kinds:
            t = time.perf_counter()
            if browser is None:
                from nianbao.render.chromium import shared_browser

                browser = shared_browser()
            files["pdf"] = browser.html_to_pdf(html)
            timings["pdf"] = time.perf_counter() - t
    except Exception as exc:
        return RunOutcome(spec.target, False, {"ipynb": files["ipynb"]}, meta,
                          Failure("export", f"导出失败：{_one_line(exc)}",
                                  detail=traceback.format_exc()),
                          time.perf_counter() - started, timings)
    return RunOutcome(spec.target, True, files, meta, seconds=time.perf_counter() - started,
                      timings=timings)


def classify(exc: BaseException) -> Failure:
    """Turn an exception from executing a notebook into a ``Failure`` with a Chinese reason."""
    import papermill

    if isinstance(exc, papermill.PapermillExecutionError):
        cell, source = exc.cell_index, _failing_line(exc.source, exc.traceback)
        if exc.ename == "ReportBlocked":  # the first line; the errors follow in the detail
            first = (exc.evalue or "").strip().splitlines()[:1] or [""]
            return Failure("blocked", f"发布版校验未通过：{_one_line(first[0])}", cell, source,
                           exc.evalue)
        if exc.ename == "ParameterError":
            return Failure("parameter", f"参数错误：{_one_line(exc.evalue)}", cell, source)
        if exc.ename == "CellTimeoutError" or "TimeoutError" in exc.ename:
            return Failure("timeout", f"单元格运行超时：{_one_line(exc.evalue)}", cell, source)
        return Failure("cell", f"第 {cell + 1} 个单元格出错：{exc.ename}: {_one_line(exc.evalue)}",
                       cell, source, "\n".join(exc.traceback or []))
    name = type(exc).__name__
    text = f"{name}: {exc}"
    if _is_start_failure(text):
        return Failure("start", f"内核启动失败：{_one_line(text)}", detail=traceback.format_exc())
    if name in ("DeadKernelError",) or "Kernel died" in text or "kernel died" in text:
        return Failure("kernel", f"内核意外退出：{_one_line(text)}", detail=traceback.format_exc())
    if "Timeout" in name or "timed out" in text.lower():
        return Failure("timeout", f"运行超时：{_one_line(text)}", detail=traceback.format_exc())
    return Failure("internal", f"执行出错：{_one_line(text)}", detail=traceback.format_exc())


def _is_start_failure(text: str) -> bool:
    return any(s in text for s in ("Kernel died before replying", "Address already in use",
                                   "Kernel didn't respond", "KernelStartError"))


def _one_line(value: object, limit: int = 300) -> str:
    text = " ".join(str(value).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_CELL_LINE = re.compile(r"Cell In\[\d+\], line (\d+)")


def _failing_line(source: str, tb: list[str] | None) -> str:
    """The line of the cell where the error was raised (IPython's traceback names it)."""
    lines = (source or "").splitlines()
    match = _CELL_LINE.search(_ANSI.sub("", "\n".join(tb or [])))
    if match and 0 < int(match.group(1)) <= len(lines):
        return lines[int(match.group(1)) - 1].strip()[:200]
    lines = [line for line in lines if line.strip()]
    return lines[0].strip()[:200] if lines else ""


def write_outcome(spec: RunSpec, outcome: RunOutcome) -> RunResult:
    """Write a run's files into place atomically (a failed run: its notebook under ``_failed/``).

    A file that cannot be written (read-only or full disk, a file where a folder should be) makes
    this run a failure of category ``write``; the caller goes on with the others.
    """
    try:
        return _write_outcome(spec, outcome)
    except (OSError, UnsafePathError) as exc:
        failure = Failure("write", f"无法写入输出文件：{describe_os_error(exc)}")
        return RunResult(spec, False, reason=failure.reason, seconds=outcome.seconds,
                         failure=failure)


def _write_outcome(spec: RunSpec, outcome: RunOutcome) -> RunResult:
    if outcome.ok:
        targets = spec.outputs()
        for kind in targets:
            atomic_write(targets[kind], outcome.files[kind])
        stale = spec.failed_notebook()
        stale.unlink(missing_ok=True)
        return RunResult(spec, True, {k: str(v) for k, v in targets.items()}, outcome.metadata,
                         seconds=outcome.seconds)
    failure = outcome.failure or Failure("internal", "未知错误")
    kept = ""
    if "ipynb" in outcome.files:
        atomic_write(spec.failed_notebook(), outcome.files["ipynb"])
        kept = str(spec.failed_notebook())
    reason = failure.reason + (f"\n{failure.detail}" if failure.detail else "")
    return RunResult(spec, False, reason=reason, failed_cell=failure.cell, failed_notebook=kept,
                     seconds=outcome.seconds, retryable=failure.retryable, failure=failure)


def produce_retrying(spec: RunSpec, kernels: KernelSource | None = None,
                     browser=None) -> RunOutcome:
    """``produce``, once more when the failure is worth it (a kernel that did not start)."""
    outcome = produce(spec, kernels, browser)
    if not outcome.ok and outcome.failure is not None and outcome.failure.retryable:
        outcome = produce(spec, kernels, browser)
    return outcome


def run_report(spec: RunSpec, browser=None, check: Callable[[], object] | None = None
               ) -> RunResult:
    """Build one report in this process and write its files (``build.py report``).

    What a run waits for starts first, each in a process of its own: the kernel (importing the
    notebook's modules) and, for a PDF, Chromium, which then loads the report faces. While they
    boot, this process runs ``check`` (the cheap parameter check: its exception propagates, the
    kernel is stopped and Chromium not started) and compiles the HTML template, so that nothing
    waits in turn.
    """
    try:  # before a kernel starts: an output folder that is a file, or inside the data
        guard_output_dir(spec.out_dir, dict(spec.parameters).get("data_dir"))
        spec.outputs()
    except (OutputRefused, UnsafePathError) as exc:
        failure = Failure("write", str(exc))
        return RunResult(spec, False, reason=failure.reason, failure=failure)
    from nianbao.run.kernels import notebook_imports, start_kernel

    notebook = str(Path(spec.notebook).resolve())
    try:
        first = start_kernel(str(Path(notebook).parent), notebook_imports(notebook))
    except Exception:  # produce starts one itself and reports why it could not
        first = None
    kernels = _Prestarted(first)
    checked: Future[bool] = Future()
    if "pdf" in spec.kinds and browser is None:
        _in_background(lambda: _start_shared_browser(checked), "nianbao-browser-start")
    try:
        if check is not None:
            check()
    except BaseException:
        checked.set_result(False)
        kernels.close()
        raise
    checked.set_result(True)
    _in_background(_compile_template, "nianbao-template")
    outcome = produce(spec, kernels, browser)
    if not outcome.ok and outcome.failure is not None and outcome.failure.retryable:
        outcome = produce(spec, browser=browser)  # a kernel that did not start: once more
    return write_outcome(spec, outcome)


def _in_background(target: Callable[[], None], name: str) -> None:
    threading.Thread(target=target, name=name, daemon=True).start()


def _start_shared_browser(checked: Future[bool]) -> None:
    """Import the browser's libraries at once, start Chromium once the parameters passed."""
    from nianbao.render.chromium import shared_browser

    if not checked.result():
        return
    try:  # the faces load while the kernel executes, not when the report is printed
        shared_browser().warm_up()
    except Exception:  # the export starts it again and reports the error
        pass


def _compile_template() -> None:
    from nianbao.render.html import warm_exporter

    try:
        warm_exporter()
    except Exception:  # the export compiles it again and reports the error
        pass


class _Prestarted:
    """Hands out one kernel started beforehand, then fresh ones (a ``KernelSource``)."""

    def __init__(self, kernel: Kernel | None) -> None:
        self._kernel = kernel

    def acquire(self, notebook: str) -> Kernel:
        from nianbao.run.kernels import start_kernel

        kernel, self._kernel = self._kernel, None
        return kernel or start_kernel(str(Path(notebook).parent))

    def close(self) -> None:
        if self._kernel is not None:
            self._kernel.discard()
