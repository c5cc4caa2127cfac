"""Work on arrays of tens of millions of cells split between two threads.

NumPy lets go of the GIL inside its loops, so two threads gathering or filling the two halves
of a large array run on two cores. Most of the cost of a fresh array of that size is its page
faults, which the kernel then also takes on both cores. The threads live only for the call:
no thread is left running when a check forks its workers.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable

import numpy as np

#: Elements from which an array's work is split between two threads.
SPLIT_MIN = 1 << 22


def usable_cores() -> int:
    """Cores this process may run on (cgroup and affinity limits respected)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def in_halves(n: int, work: Callable[[int, int], None]) -> None:
    """``work(lo, hi)`` over ``range(n)``: for a large ``n`` on two cores, the first half on a
    second thread while this one does the second. An error in either is raised here."""
    if n < SPLIT_MIN or usable_cores() < 2:
        work(0, n)
        return
    mid = n // 2
    errors: list[BaseException] = []

    def first_half() -> None:
        try:
            work(0, mid)
        except BaseException as exc:  # noqa: BLE001 - handed to the calling thread
            errors.append(exc)

    helper = threading.Thread(target=first_half, name="array-half", daemon=True)
    try:
        helper.start()
    except RuntimeError:  # no thread to be had (a process limit): all of it here
        work(0, n)
        return
    try:
        work(mid, n)
    finally:
        helper.join()
    if errors:
        raise errors[0]


def filled(shape: int | tuple[int, ...], value, dtype=float) -> np.ndarray:
    """``np.full(shape, value, dtype)``, its pages faulted in by two threads."""
    out = np.empty(shape, dtype=dtype)
    flat = out.reshape(-1)

    def fill(lo: int, hi: int) -> None:
        flat[lo:hi] = value

    in_halves(flat.size, fill)
    return out
