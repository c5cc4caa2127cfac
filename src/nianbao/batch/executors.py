"""Where runs execute: a local pool of worker processes, or a Dask cluster — one interface.

Both executors offer ``submit(fn, *args, timeout=...)`` returning a future, ``as_completed``
and ``shutdown``, in the manner of ``concurrent.futures``; the runner does not know which one
it drives. Each has a wall-clock limit per task on top of the worker's own watchdog:

* ``LocalPool`` kills the worker process of a task that overruns and starts a new one; a worker
  that dies (killed for memory, a crash) fails only its own task. ``ProcessPoolExecutor`` would
  instead break the whole pool.
* ``DaskPool`` runs each task under a guard on the worker that gives up after the limit.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from concurrent.futures import as_completed as futures_as_completed
from multiprocessing.connection import Connection, wait

from nianbao.errors import RunTimeout, TaskError, WorkerLost

#: Extra seconds the executor allows beyond a run's own time limit before it steps in.
GRACE = 30.0


# ------------------------------------------------------------------ local pool


class _Worker:
    """One ``python -m nianbao.batch.poolworker`` process and the connection to it.

    A plain subprocess rather than ``multiprocessing``: nothing of the caller's ``__main__`` is
    re-imported, so ``build()`` can be called from any script. When the process dies, its end
    of the socket closes and the pool notices.
    """

    def __init__(self, initializer, initargs) -> None:
        ours, theirs = socket.socketpair()
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "nianbao.batch.poolworker", str(theirs.fileno()),
                 str(os.getpid())],
                pass_fds=[theirs.fileno()], stdin=subprocess.DEVNULL,
            )
        finally:
            theirs.close()
        self.conn = Connection(ours.detach())
        self.conn.send((initializer, initargs))
        self.task: _Task | None = None
        self.deadline = float("inf")

    def kill(self) -> None:
        try:
            self.process.kill()
        except OSError:
            pass
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            pass
        self.conn.close()


class _Task:
    __slots__ = ("future", "fn", "args", "timeout")

    def __init__(self, future: Future, fn, args, timeout: float | None) -> None:
        self.future, self.fn, self.args, self.timeout = future, fn, args, timeout


class LocalPool:
    """``workers`` worker processes, each running one task at a time."""

    def __init__(self, workers: int, initializer: Callable | None = None,
                 initargs: tuple = (), grace: float = GRACE) -> None:
        self.slots = max(1, int(workers))
        self.grace = grace
        self._init = (initializer, initargs)
        self._pending: deque[_Task] = deque()
        self._lock = threading.Lock()
        wake_r, wake_w = socket.socketpair()
        self._wake_r, self._wake_w = Connection(wake_r.detach()), Connection(wake_w.detach())
        self._closing = False
        self._abort = False
        self._workers = [_Worker(*self._init) for _ in range(self.slots)]
        self._thread = threading.Thread(target=self._loop, name="nianbao-pool", daemon=True)
        self._thread.start()

    # -------------------------------------------------------------- interface

    def submit(self, fn: Callable, *args, timeout: float | None = None) -> Future:
        future: Future = Future()
        with self._lock:
            if self._closing:
                raise RuntimeError("pool is shut down")
            self._pending.append(_Task(future, fn, args, timeout))
        self._wake()
        return future

    @staticmethod
    def as_completed(futures: Iterable[Future]) -> Iterator[Future]:
        return futures_as_completed(list(futures))

    def shutdown(self, cancel: bool = False) -> None:
        """Stop the workers: let running tasks finish, or (``cancel``) kill them at once."""
        with self._lock:
            self._closing = True
            self._abort = cancel
            pending = list(self._pending) if cancel else []
            if cancel:
                self._pending.clear()
        for task in pending:
            task.future.cancel()
        self._wake()
        self._thread.join()
        for worker in self._workers:
            if worker.process.poll() is None:
                try:
                    worker.conn.send(None)
                except (OSError, ValueError):
                    pass
        for worker in self._workers:
            try:
                worker.process.wait(30)
            except subprocess.TimeoutExpired:
                worker.kill()
        self._wake_r.close()
        self._wake_w.close()

    # -------------------------------------------------------------- dispatcher

    def _wake(self) -> None:
        try:
            self._wake_w.send_bytes(b"x")
        except (OSError, ValueError):
            pass

    def _assign(self) -> None:
        with self._lock:
            for worker in self._workers:
                if worker.task is None and self._pending:
                    task = self._pending.popleft()
                    if not task.future.set_running_or_notify_cancel():
                        continue
                    try:
                        worker.conn.send((task.fn, task.args))
                    except (OSError, ValueError) as exc:
                        task.future.set_exception(WorkerLost(str(exc)))
                        continue
                    worker.task = task
                    worker.deadline = (time.monotonic() + task.timeout + self.grace
                                       if task.timeout else float("inf"))

    def _replace(self, worker: _Worker) -> None:
        worker.kill()
        index = self._workers.index(worker)
        if not self._closing:
            self._workers[index] = _Worker(*self._init)

    def _loop(self) -> None:
        while True:
            with self._lock:
                idle = all(w.task is None for w in self._workers) and not self._pending
                if self._closing and (idle or self._abort):
                    break
            self._assign()
            busy = [w for w in self._workers if w.task is not None]
            next_deadline = min((w.deadline for w in busy), default=float("inf"))
            timeout = max(0.0, next_deadline - time.monotonic()) if busy else None
            waitables = [self._wake_r] + [w.conn for w in busy]
            try:
                ready = wait(waitables, timeout=min(timeout, 1.0) if timeout is not None else 1.0)
            except OSError:
                ready = []
            if self._wake_r in ready:
                while self._wake_r.poll():
                    self._wake_r.recv_bytes()
            now = time.monotonic()
            for worker in busy:
                task = worker.task
                if task is None:
                    continue
                if worker.conn in ready:  # a result, or end of file when the process died
                    try:
                        ok, value = worker.conn.recv()
                    except (EOFError, OSError):
                        worker.task = None
                        try:
                            code = worker.process.wait(5)
                        except subprocess.TimeoutExpired:
                            code = None
                        task.future.set_exception(WorkerLost(f"工作进程意外退出（退出码 {code}）"))
                        self._replace(worker)
                        continue
                    worker.task = None
                    if ok:
                        task.future.set_result(value)
                    else:
                        task.future.set_exception(TaskError(value))
                elif now > worker.deadline:
                    worker.task = None
                    task.future.set_exception(RunTimeout(
                        f"超过时限 {task.timeout:g} 秒（另加 {self.grace:g} 秒余量），"
                        "已终止工作进程"))
                    self._replace(worker)
        if self._abort:  # interrupted: stop the running tasks now
            for worker in self._workers:
                task, worker.task = worker.task, None
                worker.kill()
                if task is not None:
                    task.future.set_exception(WorkerLost("已中断"))


# ------------------------------------------------------------------ Dask


def guarded(fn: Callable, timeout: float | None, *args):
    """Run ``fn(*args)`` on a Dask worker, giving up after ``timeout`` + ``GRACE`` seconds."""
    if not timeout:
        return fn(*args)
    box: dict = {}

    def target() -> None:
        try:
            box["value"] = fn(*args)
        except BaseException as exc:
            box["error"] = exc

    thread = threading.Thread(target=target, name="nianbao-run", daemon=True)
    thread.start()
    thread.join(timeout + GRACE)
    if thread.is_alive():
        raise RunTimeout(f"超过时限 {timeout:g} 秒（另加 {GRACE:g} 秒余量）")
    if "error" in box:
        raise box["error"]
    return box["value"]


class DaskPool:
    """Runs tasks on a Dask cluster through ``distributed.Client`` (its futures interface)."""

    def __init__(self, address: str, pdf: bool = True, notebooks: tuple[str, ...] = (),
                 connect_timeout: float = 30.0) -> None:
        from distributed import Client

        from nianbao.batch.dask_plugin import NianbaoWorkerPlugin

        self.client = Client(address, timeout=connect_timeout, set_as_default=False)
        self._submitted: list = []
        workers = self.client.scheduler_info(n_workers=-1).get("workers", {})
        self.slots = max(1, sum(int(w.get("nthreads", 1)) for w in workers.values()))
        self.client.register_plugin(NianbaoWorkerPlugin(pdf, notebooks), name="nianbao")

    def check_workers(self, data_dir: str) -> list[str]:
        """Problems that would make every run fail: no workers, other code, no data."""
        from nianbao.batch.sources import package_hash
        from nianbao.batch.worker import package_fingerprint

        info = self.client.scheduler_info(n_workers=-1).get("workers", {})
        if not info:
            return ["Dask 集群中没有可用的工作节点"]
        problems = []
        mine = package_hash()
        for address, theirs in self.client.run(package_fingerprint).items():
            if theirs != mine:
                problems.append(f"工作节点 {address} 上的 nianbao 代码与本机不同，请在每台机器上"
                                "安装同一版本")
        for address, ok in self.client.run(os.path.isdir, str(data_dir)).items():
            if not ok:
                problems.append(f"工作节点 {address} 上找不到数据目录 {data_dir}"
                                "（各节点须以同一路径访问数据）")
        return problems

    def submit(self, fn: Callable, *args, timeout: float | None = None):
        future = self.client.submit(guarded, fn, timeout, *args, pure=False)
        self._submitted.append(future)
        return future

    def as_completed(self, futures):
        from distributed import as_completed

        return as_completed(list(futures), loop=self.client.loop)

    def shutdown(self, cancel: bool = False) -> None:
        """Disconnect; with ``cancel`` the tasks not yet finished are cancelled first."""
        if cancel:
            pending = [f for f in self._submitted if not f.done()]
            if pending:
                try:
                    self.client.cancel(pending)
                except Exception:  # the scheduler may be gone already
                    pass
        self.client.close()
