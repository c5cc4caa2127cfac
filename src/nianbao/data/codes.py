"""Look-ups by categorical codes over tens of millions of cells, without giant temporaries.

NumPy indexes with platform integers: ``table[codes]`` with int8 or int16 codes first makes an
int64 copy of all the codes. At national scale that copy is hundreds of megabytes of fresh
memory whose page faults cost more than the look-up itself; a chunk at a time, the copies are
small and their memory is reused.
"""

from __future__ import annotations

import numpy as np

from nianbao.data.threads import in_halves

#: Cells per chunk: small enough for the allocator to reuse the memory of the last one.
CHUNK = 1 << 20


def codes_dtype(n: int) -> type:
    """The integer type pandas keeps the codes of ``n`` categories in: codes made in that type
    are not copied again."""
    for kind in (np.int8, np.int16, np.int32):
        if n < np.iinfo(kind).max:
            return kind
    return np.int64


def take(table: np.ndarray, *codes: np.ndarray) -> np.ndarray:
    """``table[codes]`` (``table[a, b]`` for two code arrays), the same values and type;
    gathered a chunk at a time, the halves of a large array on two threads."""
    n = len(codes[0])
    if n <= CHUNK:
        return table[codes if len(codes) > 1 else codes[0]]
    out = np.empty(n, dtype=table.dtype)

    def gather(lo: int, hi: int) -> None:
        for at in range(lo, hi, CHUNK):
            end = min(at + CHUNK, hi)
            part = tuple(c[at:end] for c in codes)
            out[at:end] = table[part if len(part) > 1 else part[0]]

    in_halves(n, gather)
    return out


def per_cell(flags, codes: np.ndarray, missing: bool) -> np.ndarray:
    """A flag given for each category, for every cell by its code; a cell of code -1 (missing)
    gets ``missing``."""
    return take(np.append(np.asarray(flags, dtype=bool), missing), codes)


def mark(table: np.ndarray, *codes: np.ndarray) -> None:
    """``table[codes] = True`` a chunk at a time (see ``take``)."""
    for at in range(0, len(codes[0]), CHUNK):
        part = tuple(c[at:at + CHUNK] for c in codes)
        table[part if len(part) > 1 else part[0]] = True
