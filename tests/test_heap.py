"""The memory settings of a national check: freed arrays stay in the heap for reuse."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

PROBE = textwrap.dedent("""
    import sys
    import numpy as np
    from nianbao.data.heap import keep_freed_memory

    def resident_mb():
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * 4096 // 2**20

    kept = keep_freed_memory() if sys.argv[1] == "keep" else None
    before = resident_mb()
    block = np.ones(300 * 2**20, dtype=np.uint8)  # touched: 300 MB resident
    del block
    print(kept, resident_mb() - before)
""")


def _probe(mode: str) -> tuple[str, int]:
    out = subprocess.run([sys.executable, "-c", PROBE, mode], capture_output=True, text=True,
                         check=True).stdout.split()
    return out[0], int(out[1])


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc allocator settings")
def test_freed_memory_stays_for_reuse():
    kept, grown = _probe("keep")
    assert kept == "True"
    assert grown >= 250  # the freed array's pages are still the process's, ready for reuse
    default_kept, default_grown = _probe("default")
    assert default_kept == "None"
    assert default_grown < 50  # by default glibc gives a block this large straight back

