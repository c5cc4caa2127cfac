"""Look-ups by codes a chunk at a time give what plain NumPy indexing gives."""

from __future__ import annotations

import numpy as np
import pytest

from nianbao.data import codes, threads


@pytest.mark.parametrize("chunk", [1, 3, 1 << 20])
@pytest.mark.parametrize("split", [1, 1 << 22])
def test_take_and_mark_agree_with_plain_indexing(monkeypatch, chunk, split):
    """Also with the halves of every array on two threads (``split``: from this many cells)."""
    monkeypatch.setattr(codes, "CHUNK", chunk)
    monkeypatch.setattr(threads, "SPLIT_MIN", split)
    rng = np.random.default_rng(0)
    a = rng.integers(-1, 5, 50).astype(np.int8)
    b = rng.integers(0, 7, 50).astype(np.int16)
    table = rng.random(5)
    assert np.array_equal(codes.take(table, a), table[a])
    grid = rng.random((5, 7))
    assert np.array_equal(codes.take(grid, a, b), grid[a, b])
    assert codes.take(table, a).dtype == table.dtype
    seen, expected = np.zeros((5, 7), dtype=bool), np.zeros((5, 7), dtype=bool)
    codes.mark(seen, a, b)
    expected[a, b] = True
    assert np.array_equal(seen, expected)


def test_codes_type_is_the_type_pandas_keeps():
    import pandas as pd

    for n in (1, 126, 127, 128, 32_766, 32_767, 40_000):
        cat = pd.Categorical.from_codes(np.zeros(3, dtype=np.int64), categories=range(n))
        assert cat.codes.dtype == codes.codes_dtype(n)


def test_per_cell_spreads_category_flags_and_marks_missing_cells():
    from nianbao.data.codes import per_cell

    codes = np.array([1, 0, -1, 1], dtype=np.int8)
    assert per_cell([True, False], codes, False).tolist() == [False, True, False, False]
    assert per_cell([True, False], codes, True).tolist() == [False, True, True, False]
    assert per_cell([], np.array([-1], dtype=np.int8), True).tolist() == [True]


@pytest.mark.parametrize("n", [0, 1, 2, 7, 1000])
def test_halves_cover_every_index_once_on_two_threads(monkeypatch, n):
    import threading
    import time

    monkeypatch.setattr(threads, "SPLIT_MIN", 1)
    monkeypatch.setattr(threads, "usable_cores", lambda: 2)
    seen = np.zeros(n, dtype=int)
    names = set()

    def work(lo, hi):
        if lo == 0:
            time.sleep(0.05)  # the helper's half ends last: the call must wait for it
        seen[lo:hi] += 1
        names.add(threading.current_thread().name)

    running = set(threading.enumerate())  # other tests may have threads of their own
    threads.in_halves(n, work)
    assert (seen == 1).all()
    assert len(names) == (2 if n else 1)  # the first half on a thread of its own
    assert set(threading.enumerate()) <= running  # and none left behind
    grid = threads.filled((n, 3), np.nan)
    assert grid.shape == (n, 3) and np.isnan(grid).all()


def test_an_error_in_the_other_half_reaches_the_caller(monkeypatch):
    monkeypatch.setattr(threads, "SPLIT_MIN", 1)
    monkeypatch.setattr(threads, "usable_cores", lambda: 2)

    def work(lo, hi):
        if lo == 0:
            raise MemoryError("first half")

    with pytest.raises(MemoryError, match="first half"):
        threads.in_halves(10, work)


def test_dataset_built_on_two_threads_is_the_same(monkeypatch):
    """The sample data set loads to the same matrices when every array is split in halves."""
    from pathlib import Path

    from nianbao.data.dataset import load_tables

    data = Path(__file__).resolve().parents[1] / "data"
    one = load_tables(data)
    monkeypatch.setattr(threads, "SPLIT_MIN", 1)
    monkeypatch.setattr(threads, "usable_cores", lambda: 2)
    two = load_tables(data)
    assert one.key_list == two.key_list
    assert np.array_equal(one.values, two.values, equal_nan=True)
    assert np.array_equal(one.blank, two.blank) and np.array_equal(one.derived, two.derived)
    assert one.units == two.units
    assert [f.message for f in one.findings] == [f.message for f in two.findings]


def test_no_thread_to_be_had_means_one_thread(monkeypatch):
    """A process at its thread limit still gets the work done, on the calling thread."""
    import threading

    def refuse(self):
        raise RuntimeError("can't start new thread")

    monkeypatch.setattr(threads, "SPLIT_MIN", 1)
    monkeypatch.setattr(threads, "usable_cores", lambda: 2)
    monkeypatch.setattr(threading.Thread, "start", refuse)
    seen = np.zeros(9, dtype=int)

    def work(lo, hi):
        seen[lo:hi] += 1

    threads.in_halves(9, work)
    assert (seen == 1).all()
