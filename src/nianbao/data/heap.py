"""Memory settings of a process that loads a national data set.

Loading tens of millions of cells makes and frees arrays of hundreds of megabytes, one after
the other. By default glibc hands each such array straight back to the system and maps fresh
memory for the next, and NumPy asks for transparent huge pages, which the kernel may compact
memory to provide; every page of every temporary is then faulted in again, which on a virtual
machine costs more than the work done in many of those arrays. Kept in the heap,
freed memory is reused without a fault; the price is a higher resident size, which a
national check (one process, ending soon) can pay.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys

# mallopt parameters (glibc malloc.h)
_M_TRIM_THRESHOLD = -1
_M_MMAP_MAX = -4


def keep_freed_memory() -> bool:
    """Make this process (and the workers it forks later) reuse freed memory instead of
    returning it to the system; True when the allocator took the settings."""
    import numpy as np

    hugepages = getattr(getattr(np, "_core", None), "multiarray", None)
    if hasattr(hugepages, "_set_madvise_hugepage"):
        hugepages._set_madvise_hugepage(False)
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc (musl has no mallopt)
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    # every block from the heap, never from its own mapping; the heap's top never trimmed
    return bool(mallopt(_M_MMAP_MAX, 0)) and bool(mallopt(_M_TRIM_THRESHOLD, 2**31 - 1))
