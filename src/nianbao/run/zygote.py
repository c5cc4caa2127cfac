"""A kernel factory: a process that imports ipykernel and the report libraries once, then forks a
fresh kernel for every run.

A kernel started the ordinary way spends about two seconds of CPU importing IPython, pandas,
matplotlib and ``nianbao`` before the first cell runs; on a two-core machine that is most of a
report's cost. A forked child shares those imported modules with its parent and is ready in a
few milliseconds. Each child still serves exactly one run and is then killed, and the factory
itself never runs notebook code, so no state passes from one report to the next.

Run as ``python -m nianbao.run.zygote SOCKET MODULE...``: it imports the modules, listens on
the Unix socket ``SOCKET`` and, for each request (one JSON line with ``connection_file``,
``cwd``, ``env`` and ``owner``), forks a kernel and answers with its pid. A kernel exits when
the factory or its owner (the worker process that asked for it) exits; the factory exits when
its parent does.

A request with ``call`` (module, function, JSON arguments) and ``owner`` instead forks a child
that calls that function of the suite once and writes the pickled ``(True, result)`` or
``(False, exception)`` to the connection: the batch's data validation runs there on the
libraries already imported rather than importing pandas in the driver.
"""

from __future__ import annotations

import gc
import importlib
import json
import os
import pickle
import select
import signal
import socket
import sys
import threading
import traceback
from pathlib import Path


def read_line(conn: socket.socket, limit: int = 1 << 20) -> bytes:
    """One newline-terminated message from a socket (both ends of the factory use it)."""
    data = b""
    while not data.endswith(b"\n"):
        chunk = conn.recv(65536)
        if not chunk:
            break
        data += chunk
        if len(data) > limit:
            raise ValueError("request too long")
    return data


def _exit_with(owner: int) -> None:
    """End this kernel when ``owner`` (the worker that asked for it) ends, whatever the cause."""
    try:
        fd = os.pidfd_open(owner)
    except OSError:
        os._exit(1)
    select.select([fd], [], [])  # readable once the owner has exited
    os._exit(1)


def _become_kernel(request: dict) -> None:
    """In the forked child: turn into an IPython kernel for one connection file."""
    code = 1
    try:
        os.setsid()  # own process group: signals to the kernel reach only it
        if request.get("owner"):
            threading.Thread(target=_exit_with, args=(int(request["owner"]),),
                             daemon=True).start()
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        factory = str(os.getppid())
        os.environ["JPY_PARENT_PID"] = factory
        connection_file = request["connection_file"]
        # parent_handle's default was read from the environment when ipykernel was imported
        # here, before there was a parent to name: set it explicitly, so that the kernel
        # exits with the factory (and prints no console banner). No input history: a kernel
        # runs one notebook, and hundreds of them would take turns at one SQLite file.
        argv = ["-f", connection_file, f"--IPKernelApp.parent_handle={factory}",
                "--HistoryManager.enabled=False"]
        sys.argv = ["ipykernel_launcher", *argv]
        from ipykernel.kernelapp import IPKernelApp

        IPKernelApp.launch_instance(argv=argv)
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 0
    except BaseException:
        traceback.print_exc()
    finally:
        os._exit(code)


def _serve_call(conn: socket.socket, request: dict) -> None:
    """In the forked child: call one function of the suite and send its result back."""
    code = 1
    try:
        threading.Thread(target=_exit_with, args=(int(request["owner"]),), daemon=True).start()
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # its own subprocesses are its to wait for
        module, name, args = request["call"]
        try:
            if not str(module).startswith("nianbao."):
                raise ValueError(f"not a module of the suite: {module}")
            reply = (True, getattr(importlib.import_module(module), name)(*args))
        except Exception as exc:
            reply = (False, exc)
        try:
            data = pickle.dumps(reply)
        except Exception as exc:  # an exception that does not pickle: its text does
            data = pickle.dumps((False, RuntimeError(f"{type(exc).__name__}: {exc}")))
        conn.settimeout(None)
        conn.sendall(data)
        code = 0
    except BaseException:
        traceback.print_exc()
    finally:
        os._exit(code)


def _reap(signum, frame) -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


#: What an IPython kernel imports while it starts (after ``ipykernel.kernelapp``): imported here
#: once, instead of in every kernel.
KERNEL_MODULES = ("ipykernel.ipkernel", "ipykernel.zmqshell", "ipykernel.debugger", "pdb",
                  "faulthandler", "IPython.extensions.storemagic", "tornado.platform.asyncio")


def serve(path: str, preload: list[str]) -> None:
    # As ipykernel_launcher does: the start directory is not on the module path.
    if sys.path and (sys.path[0] == "" or Path(sys.path[0]) == Path.cwd()):
        del sys.path[0]
    # As IPKernelApp does before any user code imports matplotlib.
    if not os.environ.get("MPLBACKEND"):
        os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    # No debugger attaches to a batch run's kernel. Without debugpy, ipykernel offers none, and
    # each kernel is spared importing pydevd (0.07 s of CPU, half of what a forked kernel cost
    # to start).
    sys.modules.setdefault("debugpy", None)  # type: ignore[arg-type]
    for name in ("ipykernel.kernelapp", *KERNEL_MODULES):
        importlib.import_module(name)
    for name in preload:
        try:
            importlib.import_module(name)
        except Exception:  # the kernel will import it (and report the error) itself
            traceback.print_exc()
    # Everything imported so far lives as long as the factory: kept out of the collector, so
    # that no kernel's collections walk (and, writing to them, copy) the pages it shares.
    gc.freeze()
    parent = os.getppid()
    # Reap each kernel as it exits (rather than SIG_IGN): its CPU time then counts in this
    # process's children, where whoever started the factory can see what the kernels cost.
    signal.signal(signal.SIGCHLD, _reap)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path + ".tmp")
    os.rename(path + ".tmp", path)  # the socket appears only once the factory is ready
    server.listen(16)
    server.settimeout(1.0)
    try:
        _accept_loop(server, parent)
    finally:
        server.close()
        Path(path).unlink(missing_ok=True)


def _accept_loop(server: socket.socket, parent: int) -> None:
    while True:
        if os.getppid() != parent:
            return
        try:
            conn, _ = server.accept()
        except TimeoutError:
            continue
        conn.settimeout(10.0)
        try:
            request = json.loads(read_line(conn))
        except (OSError, ValueError):
            conn.close()
            continue
        pid = os.fork()
        if pid == 0:
            server.close()
            if "call" in request:
                _serve_call(conn, request)
            conn.close()
            _become_kernel(request)
        if "call" in request:  # the child answers on the connection
            conn.close()
            continue
        try:
            conn.sendall(json.dumps({"pid": pid}).encode() + b"\n")
        except OSError:
            pass
        conn.close()


if __name__ == "__main__":
    serve(sys.argv[1], sys.argv[2:])
