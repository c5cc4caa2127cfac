"""Memory settings while a national data set is loaded.

Loading tens of millions of cells makes and frees arrays of hundreds of megabytes, one after
the other. By default glibc hands each such array straight back to the system and maps fresh
memory for the next, and NumPy asks for transparent huge pages, which the kernel may compact
memory to provide; every page of every temporary is then faulted in again, which on a virtual
machine costs more than the work done in many of those arrays. While the settings hold, freed
memory stays in the heap and is reused without a fault; afterwards it is handed back, so that
the process does not keep the peak of the load for the rest of its life.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys
from collections.abc import Iterator
from contextlib import contextmanager

# mallopt parameters (glibc malloc.h) and their default values
_M_TRIM_THRESHOLD, _TRIM_DEFAULT = -1, 128 * 1024
_M_MMAP_MAX, _MMAP_MAX_DEFAULT = -4, 65536


@contextmanager
def freed_memory_reused() -> Iterator[bool]:
    """Within the block, freed memory is reused instead of returned to the system (yields
    whether the allocator took the settings); on leaving, the defaults come back and the
    memory the heap no longer uses is returned."""
    was, kept = _reuse()
    try:
        yield kept
    finally:
        libc = _glibc()
        if libc:
            libc.mallopt(_M_MMAP_MAX, _MMAP_MAX_DEFAULT)
            libc.mallopt(_M_TRIM_THRESHOLD, _TRIM_DEFAULT)
            libc.malloc_trim(0)
        hugepages = _numpy_hugepages()
        if hugepages and was is not None:
            hugepages(was)


def keep_freed_memory() -> bool:
    """The settings of ``freed_memory_reused`` for the rest of the process: for a forked worker
    whose memory goes back to the system when it ends (a check worker takes shard after shard
    of the same size). Returns whether the allocator took them."""
    return _reuse()[1]


def _reuse() -> tuple[bool | None, bool]:
    """NumPy asks no huge pages; glibc takes every block from the heap and never trims its
    top. Returns NumPy's huge-page setting before (None without the switch) and whether glibc
    took its settings."""
    hugepages = _numpy_hugepages()
    was = hugepages(False) if hugepages else None
    libc = _glibc()
    kept = bool(libc) and bool(libc.mallopt(_M_MMAP_MAX, 0)) and bool(
        libc.mallopt(_M_TRIM_THRESHOLD, 2**31 - 1))
    return was, kept


def _numpy_hugepages():
    """NumPy's switch for asking huge pages for large arrays (None where it has none)."""
    import numpy as np

    multiarray = getattr(getattr(np, "_core", None), "multiarray", None)
    return getattr(multiarray, "_set_madvise_hugepage", None)


def _glibc():
    """glibc's malloc controls, or None (another platform, or musl, which has no mallopt)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt, trim = libc.mallopt, libc.malloc_trim
    except (OSError, AttributeError):
        return None
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    return libc
