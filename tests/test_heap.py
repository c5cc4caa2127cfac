"""The memory settings of a national check: freed arrays stay in the heap for reuse while the
data set loads, and go back to the system afterwards."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

PROBE = textwrap.dedent("""
    import sys
    import numpy as np
    from contextlib import nullcontext
    from nianbao.data.heap import freed_memory_reused

    def resident_mb():
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * 4096 // 2**20

    settings = freed_memory_reused() if sys.argv[1] == "reuse" else nullcontext()
    before = resident_mb()
    with settings as kept:
        block = np.ones(300 * 2**20, dtype=np.uint8)  # touched: 300 MB resident
        del block
        inside = resident_mb() - before
    print(kept, inside, resident_mb() - before)
""")


def _probe(mode: str) -> tuple[str, int, int]:
    kept, inside, after = subprocess.run(
        [sys.executable, "-c", PROBE, mode], capture_output=True, text=True, check=True,
    ).stdout.split()
    return kept, int(inside), int(after)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc allocator settings")
def test_freed_memory_is_kept_while_loading_and_returned_after():
    kept, inside, after = _probe("reuse")
    assert kept == "True"
    assert inside >= 250  # the freed array's pages are still the process's, ready for reuse
    assert after < 50  # and handed back when the load is over
    _, default_inside, _ = _probe("default")
    assert default_inside < 50  # by default glibc gives a block this large straight back


def _kept_after_free(_: int) -> int:
    """In a worker: resident MB that a freed 300 MB array leaves behind."""
    import numpy as np

    def resident_mb():
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * 4096 // 2**20

    before = resident_mb()
    block = np.ones(300 * 2**20, dtype=np.uint8)
    del block
    return resident_mb() - before


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc allocator settings")
def test_check_workers_keep_freed_memory_for_the_next_shard():
    """A forked check worker reuses the memory of one shard for the next; the parent is left
    as it was."""
    from nianbao.checks.forked import ForkedPool
    from nianbao.data.heap import keep_freed_memory

    with ForkedPool(_kept_after_free, [(0,)], 1, initializer=keep_freed_memory) as pool:
        kept = pool.results()[0]
    with ForkedPool(_kept_after_free, [(0,)], 1) as pool:
        default = pool.results()[0]
    assert kept >= 250
    assert default < 50
    assert _kept_after_free(0) < 50  # the parent's allocator keeps its defaults
