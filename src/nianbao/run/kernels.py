"""Single-use Jupyter kernels on the IPC transport, optionally started one run ahead.

Every run gets a kernel of its own that is shut down when the run ends, so no state passes from
one report to the next. Kernels listen on Unix sockets in a private directory instead of TCP
ports, so kernels started at the same moment by several workers cannot collide on a port.

``WarmKernels`` starts the kernel for the next run while the current one executes and exports,
and has it import the modules the notebook imports (pandas, matplotlib, nianbao …) before the
run is handed over: the imports leave the run's critical path, the kernel still serves one run.
With a ``Zygote`` (see ``nianbao.run.zygote``) the kernels are forked from a process that has
done those imports once, so they cost milliseconds instead of seconds of CPU.
"""

from __future__ import annotations

import ast
import json
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from functools import cache
from pathlib import Path

from nianbao.errors import KernelStartError
from nianbao.run.zygote import read_line

ENGINE_NAME = "nianbao-single-use"
START_TIMEOUT = 60.0


class Kernel:
    """A started kernel for one run: its manager, its private socket directory and its process."""

    def __init__(self, cwd: str, warm_imports: tuple[str, ...] = (),
                 zygote: Zygote | None = None) -> None:
        # A short path: Unix socket names are limited to about 100 bytes.
        self.workdir = private_dir("nbk")
        self.km = _single_use_manager_class()(kernel_name="python3", transport="ipc",
                                              ip=str(self.workdir / "k"))
        self.km.connection_file = str(self.workdir / "kernel.json")
        if zygote is not None:
            self.km.provisioner = _fork_provisioner(self.km, zygote)
        self._warm_client = None
        self._warm_msg: str | None = None
        self._lock = threading.Lock()
        try:
            self.km.start_kernel(cwd=cwd)
            if warm_imports:
                client = self.km.client()
                self._warm_client = client
                client.start_channels(shell=True, iopub=False, stdin=False, hb=False,
                                      control=False)
                code = "; ".join(f"__import__({name!r})" for name in warm_imports)
                # silent: no execution count, no history, no output; the namespace stays empty.
                self._warm_msg = client.execute(code, silent=True, store_history=False)
        except Exception as exc:
            self.discard()
            raise KernelStartError(f"kernel did not start: {exc}") from exc
        # nbclient drives the kernel from an event loop: it needs the asynchronous client (a
        # blocking one would stall the loop and never notice a kernel that died).
        self.km.client_class = "nianbao.run.client.PromptKernelClient"

    @property
    def pid(self) -> int | None:
        provisioner = self.km.provisioner
        return getattr(provisioner, "pid", None) if provisioner is not None else None

    def ready(self, timeout: float = START_TIMEOUT) -> None:
        """Wait until the warm-up imports finished; raise ``KernelStartError`` if it died."""
        client, msg_id = self._warm_client, self._warm_msg
        if client is None:
            return
        deadline = time.monotonic() + timeout
        try:
            while True:
                if not self.km.is_alive():
                    raise KernelStartError("kernel died while starting")
                if time.monotonic() > deadline:
                    raise KernelStartError(f"kernel did not answer within {timeout:g} s")
                try:
                    reply = client.get_shell_msg(timeout=0.5)
                except Exception:  # queue.Empty: not yet
                    continue
                if reply.get("parent_header", {}).get("msg_id") == msg_id:
                    return
        finally:
            client.stop_channels()
            self._warm_client = self._warm_msg = None

    def kill(self) -> None:
        """Kill the kernel's process group at once (the run's watchdog uses this)."""
        pid = self.pid
        if pid:
            try:
                os.killpg(pid, signal.SIGKILL)
            except OSError:  # not (yet) a process group of its own: the process alone
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass

    def _end_now(self) -> None:
        """Kill the kernel and wait until it is gone: jupyter_client's shutdown then finds it
        dead at once, instead of polling every 0.1 s after its own kill."""
        self.kill()
        process = getattr(self.km.provisioner, "process", None)
        if process is not None:
            try:
                process.wait(timeout=1.0)
            except subprocess.TimeoutExpired:  # shutdown_kernel waits longer and warns
                pass

    def discard(self) -> None:
        """Shut the kernel down immediately and remove its socket directory (idempotent)."""
        with self._lock:
            if self._warm_client is not None:
                self._warm_client.stop_channels()
                self._warm_client = None
            try:
                if self.km.has_kernel:
                    self._end_now()
                    self.km.shutdown_kernel(now=True)
                self.km.cleanup_resources()
            except Exception:  # already gone: nothing left to stop
                pass
            self.km.stop_clients()
            shutil.rmtree(self.workdir, ignore_errors=True)


@cache
def _single_use_manager_class():
    """A ``KernelManager`` that remembers the clients it made, so that the run's end can close
    their channels (nbclient leaves them open on a kernel manager it did not create)."""
    from jupyter_client import KernelManager

    class SingleUseKernelManager(KernelManager):
        def client(self, **kwargs):
            client = super().client(**kwargs)
            self.__dict__.setdefault("_nianbao_clients", []).append(client)
            return client

        def stop_clients(self) -> None:
            for client in self.__dict__.pop("_nianbao_clients", []):
                try:
                    client.stop_channels()
                except Exception:  # its loop is gone: the sockets close with it
                    pass

    return SingleUseKernelManager


def _socket_root() -> str:
    root = os.environ.get("NIANBAO_KERNEL_DIR") or tempfile.gettempdir()
    return root if len(root) < 60 else "/tmp"


def private_dir(kind: str, root: str | None = None) -> Path:
    """A new temporary directory named after this process (``<kind>-<pid>-…``), so that one
    left behind by a killed process can be recognised and removed later."""
    return Path(tempfile.mkdtemp(prefix=f"{kind}-{os.getpid()}-", dir=root or _socket_root()))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def sweep_stale_dirs() -> None:
    """Remove the temporary directories of batch processes that no longer exist."""
    for root in {_socket_root(), tempfile.gettempdir()}:
        for path in Path(root).glob("n*-*-*"):
            kind, _, rest = path.name.partition("-")
            pid = rest.split("-", 1)[0]
            if kind in ("nbk", "nbz", "nianbao") and pid.isdigit() and path.is_dir() \
                    and not _alive(int(pid)):
                shutil.rmtree(path, ignore_errors=True)


def start_kernel(cwd: str, warm_imports: tuple[str, ...] = (),
                 zygote: Zygote | None = None) -> Kernel:
    """Start one kernel in ``cwd`` (it does not wait for the kernel to be ready)."""
    return Kernel(cwd, warm_imports, zygote)


class KernelSource:
    """Hands out fresh kernels, one per run."""

    def acquire(self, notebook: str) -> Kernel:
        return start_kernel(str(Path(notebook).parent))

    def close(self) -> None:
        pass


class WarmKernels(KernelSource):
    """Keeps one kernel per notebook started ahead, with the notebook's imports already done.

    ``acquire`` hands over the waiting kernel and at once starts the next one, which then
    boots while the current run executes and exports. With ``fork=True`` kernels come from a
    ``Zygote`` (started on first use; if it cannot start, kernels start the ordinary way).
    Call ``close`` at the end to stop the waiting kernels and the zygote.
    """

    def __init__(self, fork: bool = False, preload: tuple[str, ...] = (),
                 factory: str | None = None) -> None:
        self._next: dict[str, Kernel] = {}
        self._lock = threading.RLock()
        self._fork = fork and Zygote.supported()
        self._preload = preload
        # A factory shared with other workers (``factory`` is its socket), or one of our own.
        self._zygote: Zygote | None = Zygote.attach(factory) if factory and self._fork else None

    def start_factory(self) -> None:
        """Start our own kernel factory now (it imports in the background); no waiting.

        Nothing to do with a shared factory (``factory=``), or one of ours that is running.
        """
        with self._lock:
            if not self._fork or (self._zygote is not None and self._zygote.alive()):
                return
            if self._zygote is not None:
                self._zygote.close()
            self._zygote = Zygote(self._preload)

    def zygote(self) -> Zygote | None:
        """The kernel factory to fork from (``None`` when forking is off or failed).

        A shared factory that does not come up is replaced by one of our own; if ours fails
        too, kernels start the ordinary way from then on.
        """
        with self._lock:
            for _attempt in range(2):
                if not self._fork:
                    return None
                self.start_factory()
                try:
                    self._zygote.wait_ready()
                    return self._zygote
                except KernelStartError as exc:
                    import logging

                    logging.getLogger(__name__).warning("kernel factory unavailable: %s", exc)
                    shared = self._zygote.process is None
                    self._zygote.close()
                    self._zygote = None
                    self._fork = shared  # after a shared one, try our own once
            return None

    def _start(self, notebook: str) -> Kernel:
        return start_kernel(str(Path(notebook).parent), notebook_imports(notebook),
                            self.zygote())

    def acquire(self, notebook: str) -> Kernel:
        with self._lock:
            kernel = self._next.pop(notebook, None)
        try:
            if kernel is None:
                kernel = self._start(notebook)
            kernel.ready()
        except KernelStartError:
            if kernel is not None:
                kernel.discard()
            raise
        finally:
            self.prepare(notebook)
        return kernel

    def prepare(self, notebook: str) -> None:
        """Start the kernel for the next run of ``notebook`` (if none is waiting)."""
        with self._lock:
            if notebook in self._next:
                return
            try:
                self._next[notebook] = self._start(notebook)
            except KernelStartError:
                pass  # the next acquire starts one itself and reports the error

    def close(self) -> None:
        with self._lock:
            waiting, self._next = list(self._next.values()), {}
            zygote, self._zygote = self._zygote, None
        for kernel in waiting:
            kernel.discard()
        if zygote is not None:
            zygote.close()


# ------------------------------------------------------------------ forked kernels


class Zygote:
    """A ``nianbao.run.zygote`` process (ours, or shared by another) and how to ask it for
    kernels."""

    def __init__(self, preload: tuple[str, ...] = ()) -> None:
        self.dir = private_dir("nbz")
        self.path = str(self.dir / "z")
        self.process: subprocess.Popen | None = subprocess.Popen(
            [sys.executable, "-m", "nianbao.run.zygote", self.path, *preload],
            stdin=subprocess.DEVNULL, start_new_session=True, cwd=str(self.dir),
        )

    @classmethod
    def attach(cls, path: str) -> Zygote:
        """A factory another process started and owns (we only ask it for kernels)."""
        self = cls.__new__(cls)
        self.dir, self.path, self.process = None, path, None
        return self

    @staticmethod
    def supported() -> bool:
        return hasattr(os, "fork") and hasattr(os, "pidfd_open") and sys.platform == "linux"

    broken = False  # asking it for a kernel failed: do not use it again

    def alive(self) -> bool:
        """Ours: the process runs. Shared: assumed to, until asking it for a kernel fails."""
        if self.broken:
            return False
        return self.process is None or self.process.poll() is None

    def wait_ready(self, timeout: float = START_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while not os.path.exists(self.path):
            if self.process is not None and self.process.poll() is not None:
                raise KernelStartError(f"kernel factory exited with {self.process.returncode}")
            if time.monotonic() > deadline:
                raise KernelStartError(f"kernel factory not ready within {timeout:g} s")
            time.sleep(0.05)

    def fork(self, connection_file: str, cwd: str, env: dict[str, str]) -> int:
        """Ask for a kernel process; returns its pid."""
        self.wait_ready()
        request = {"connection_file": connection_file, "cwd": cwd, "env": dict(env),
                   "owner": os.getpid()}
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.settimeout(30.0)
            try:
                conn.connect(self.path)
                conn.sendall(json.dumps(request).encode() + b"\n")
                return int(json.loads(read_line(conn))["pid"])
            except (OSError, ValueError, KeyError) as exc:
                self.broken = True
                raise KernelStartError(f"kernel factory did not fork: {exc}") from exc

    def call(self, module: str, function: str, *args):
        """``module.function(*args)`` in a child forked for this call (arguments as JSON, the
        result pickled back); raises what the function raised, or ``KernelStartError`` when the
        factory could not answer."""
        import pickle

        self.wait_ready()
        request = {"call": [module, function, list(args)], "owner": os.getpid()}
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.settimeout(30.0)
            try:
                conn.connect(self.path)
                conn.sendall(json.dumps(request).encode() + b"\n")
                conn.shutdown(socket.SHUT_WR)
                conn.settimeout(None)  # as long as the function takes
                with conn.makefile("rb") as stream:
                    ok, value = pickle.load(stream)
            except (OSError, EOFError, pickle.UnpicklingError, ValueError, TypeError) as exc:
                raise KernelStartError(f"kernel factory did not call {function}: {exc}") from exc
        if not ok:
            raise value
        return value

    def close(self) -> None:
        """Stop the factory (only one this process started; kernels it forked die with it)."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.kill()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            pass
        shutil.rmtree(self.dir, ignore_errors=True)


class _ForkedProcess:
    """The part of ``subprocess.Popen`` that jupyter_client uses, for a process we did not start.

    The kernel is the zygote's child, not ours: a pidfd tells reliably when it has exited.
    """

    stdin = stdout = stderr = None

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None
        try:
            self._fd: int | None = os.pidfd_open(pid)
        except OSError:  # already gone
            self._fd, self.returncode = None, -signal.SIGKILL

    def poll(self) -> int | None:
        if self.returncode is None and self._fd is not None:
            ready, _, _ = select.select([self._fd], [], [], 0)
            if ready:
                self.returncode = -signal.SIGKILL  # the exit status belongs to the zygote
                os.close(self._fd)
                self._fd = None
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                raise subprocess.TimeoutExpired(str(self.pid), timeout)
            select.select([self._fd], [], [], left)  # wakes when the process exits
        return self.returncode  # type: ignore[return-value]

    def send_signal(self, signum: int) -> None:
        if self.poll() is None:
            try:
                signal.pidfd_send_signal(self._fd, signum)
            except (OSError, TypeError):
                pass

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)


def _fork_provisioner(km, zygote: Zygote):
    """A jupyter_client provisioner that gets its kernel process from ``zygote``."""
    from jupyter_client.provisioning import LocalProvisioner

    class ForkProvisioner(LocalProvisioner):
        async def launch_kernel(self, cmd, **kwargs):
            connection_file = cmd[cmd.index("-f") + 1]
            env = kwargs.get("env") or dict(os.environ)
            cwd = str(kwargs.get("cwd") or os.getcwd())
            pid = zygote.fork(connection_file, cwd, env)
            self.process = _ForkedProcess(pid)
            self.pid = self.pgid = pid  # the child calls setsid()
            self.cwd = cwd
            return self.connection_info

    import uuid

    km.kernel_id = km.kernel_id or str(uuid.uuid4())
    return ForkProvisioner(kernel_id=km.kernel_id, kernel_spec=km.kernel_spec, parent=km)


@cache
def notebook_imports(notebook: str) -> tuple[str, ...]:
    """Top-level modules imported by the notebook's code cells (``from a.b import c`` → a.b)."""
    nb = json.loads(Path(notebook).read_text(encoding="utf-8"))
    found: dict[str, None] = {}
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        source = "".join(cell.get("source", []))
        try:
            tree = ast.parse(source)
        except SyntaxError:  # IPython magics: skip the cell
            continue
        for node in tree.body:
            if isinstance(node, ast.Import):
                found.update(dict.fromkeys(alias.name for alias in node.names))
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                found[node.module] = None
    return tuple(found)


def register_engine() -> None:
    """Register the papermill engine that runs on a kernel started beforehand (``km=``).

    papermill's own nbclient engine does the work; this one only keeps the partly executed
    notebook when a cell or the kernel fails (papermill writes the output notebook only after
    the last cell unless it saves after every cell, which costs a write per cell).
    """
    from papermill.engines import NBClientEngine, papermill_engines

    class SingleUseKernelEngine(NBClientEngine):
        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, partial_path=None, **kwargs):
            try:
                return super().execute_managed_notebook(nb_man, kernel_name, **kwargs)
            except Exception:
                if partial_path:
                    import nbformat

                    nbformat.write(nb_man.nb, partial_path)
                raise

    papermill_engines.register(ENGINE_NAME, SingleUseKernelEngine)
