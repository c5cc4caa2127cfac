"""A worker process of the local pool: runs the tasks it receives, one at a time.

Started by ``nianbao.batch.executors.LocalPool`` as ``python -m nianbao.batch.poolworker FD
PARENT_PID``: ``FD`` is its end of a socket pair to the driver. The first message is the
initializer and its arguments; each further message is a ``(function, args)`` task, answered
with ``(True, result)`` or ``(False, error text)``; ``None`` ends the loop.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
import traceback
from multiprocessing.connection import Connection


def _exit_with_parent(parent_pid: int) -> None:
    """The driver was killed: stop now (the kernels and the browser follow this process)."""
    while True:
        time.sleep(1.0)
        if os.getppid() != parent_pid:
            os._exit(3)


def main(fd: int, parent_pid: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the driver's to handle
    threading.Thread(target=_exit_with_parent, args=(parent_pid,), daemon=True).start()
    conn = Connection(fd)
    try:
        initializer, initargs = conn.recv()
        if initializer is not None:
            initializer(*initargs)
    except (EOFError, OSError):
        return
    except Exception:  # a failed warm-up: each run will start what it needs itself
        traceback.print_exc()
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            break
        if message is None:
            break
        fn, args = message
        try:
            reply = (True, fn(*args))
        except BaseException as exc:  # reported to the driver, never ends the worker
            reply = (False, f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}")
        try:
            conn.send(reply)
        except (OSError, ValueError):
            break


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))
    from nianbao.exits import leave

    leave(0)  # the exit handlers stop the browser and kernels; the teardown would cost 0.5 s
