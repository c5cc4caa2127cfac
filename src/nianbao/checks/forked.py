"""Jobs in forked worker processes, while the parent goes on with other work.

Forked workers see the parent's data as it was at the fork (copy-on-write), so a job needs only
its bounds. A thread of the parent hands out jobs one at a time (the faster worker takes more)
and collects results in job order. A worker that raises or dies ends the whole run with a
``CheckWorkerError`` worded for people, never a hang; workers ignore Ctrl-C, which the parent
handles by ending them.
"""

from __future__ import annotations

import multiprocessing
import signal
import threading
import traceback
from collections.abc import Callable, Sequence
from multiprocessing.connection import wait

from nianbao.errors import CheckWorkerError


def can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


class ForkedPool:
    """``task(*job)`` for each job in ``workers`` forked processes; ``results()`` in job order.

    Use as a context manager: leaving it ends any worker still running.
    """

    def __init__(self, task: Callable, jobs: Sequence[tuple], workers: int,
                 label: Callable[[int], str] = lambda index: f"第 {index + 1} 批单位",
                 initializer: Callable[[], object] | None = None):
        """``label``: how an error names the job of that index (a batch of agencies, a file);
        ``initializer``: called in each worker before its first job."""
        self.task, self.jobs, self.label = task, list(jobs), label
        self.initializer = initializer
        self.workers = max(1, min(workers, len(self.jobs)))
        self._results: list = [None] * len(self.jobs)
        self._error: str | None = None
        self._procs: list = []
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    def __enter__(self) -> ForkedPool:
        context = multiprocessing.get_context("fork")
        for _ in range(self.workers):  # every fork before the thread starts
            parent_end, child_end = context.Pipe()
            proc = context.Process(target=_serve, args=(child_end, self.task, self.initializer),
                                   daemon=True)
            proc.start()
            child_end.close()
            self._procs.append((proc, parent_end))
        self._thread = threading.Thread(target=self._dispatch, name="check-workers",
                                        daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        for proc, _ in self._procs:
            if proc.is_alive():
                proc.terminate()
        if self._thread is not None:
            self._thread.join()
        for proc, conn in self._procs:
            proc.join()
            conn.close()

    def results(self) -> list:
        """The result of every job, in the order of the jobs (waits for them)."""
        assert self._thread is not None, "use ForkedPool as a context manager"
        while self._thread.is_alive():
            self._thread.join(0.2)  # in short waits: Ctrl-C reaches the main thread at once
        if self._error:
            raise CheckWorkerError(self._error)
        return self._results

    # ------------------------------------------------------------------ the dispatch thread

    def _dispatch(self) -> None:
        try:
            self._run_jobs()
        except Exception as exc:  # a broken pipe, an unreadable result
            self._fail(f"与校验子进程的通信中断（{type(exc).__name__}：{exc}）")

    def _run_jobs(self) -> None:
        todo = iter(range(len(self.jobs)))
        busy: dict = {}  # connection → (process, job index)
        for proc, conn in self._procs:
            self._hand_out(proc, conn, todo, busy)
        while busy and not self._stop.is_set():
            waiting = {proc.sentinel: (proc, conn) for conn, (proc, _) in busy.items()}
            for ready in wait([*busy, *waiting], timeout=0.5):
                if ready in busy:
                    proc, index = busy.pop(ready)
                    try:
                        ok, payload = ready.recv()
                    except (EOFError, OSError):
                        return self._died(proc, index)
                    if not ok:
                        return self._fail(f"校验子进程出错（{self.label(index)}）：{payload}")
                    self._results[index] = payload
                    self._hand_out(proc, ready, todo, busy)
                elif ready in waiting:
                    proc, conn = waiting[ready]
                    if conn in busy and not conn.poll():  # ended without its result
                        return self._died(proc, busy[conn][1])

    def _hand_out(self, proc, conn, todo, busy) -> None:
        index = next(todo, None)
        if index is None:
            conn.send(None)  # no more work: the worker ends
        else:
            conn.send(self.jobs[index])
            busy[conn] = (proc, index)

    def _died(self, proc, index: int) -> None:
        proc.join(1)
        code = proc.exitcode
        why = (f"被信号 {-code} 终止" if code is not None and code < 0
               else f"退出码 {code}" if code is not None else "原因不明")
        hint = "，可能是内存不足" if code == -signal.SIGKILL else ""
        self._fail(f"校验子进程意外退出（{why}{hint}，{self.label(index)}未完成）；"
                   "可用 --jobs 1 在单个进程中校验")

    def _fail(self, message: str) -> None:
        if self._error is None:
            self._error = message
        self._stop.set()
        for proc, _ in self._procs:
            if proc.is_alive():
                proc.terminate()


def _serve(conn, task: Callable, initializer: Callable[[], object] | None) -> None:
    """A worker's loop: a job in, ``(True, result)`` or ``(False, reason)`` out; None ends it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if initializer is not None:
        initializer()
    while True:
        job = conn.recv()
        if job is None:
            break
        try:
            result = task(*job)
        except Exception as exc:
            last = traceback.format_exception_only(exc)[-1].strip()
            conn.send((False, last))
            break
        conn.send((True, result))
    conn.close()
