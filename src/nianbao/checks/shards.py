"""``check`` of a large data set on every core: the narratives in shards of agencies.

At national scale most of a check is row by row: reading each narrative and running the prose
rules on it. Here the statistics are read once; forked workers share them, each reads the
narratives of one shard of agencies at a time, runs the row steps of ``validate`` on it and
sends back their findings and the fee figures of the front matter. The parent meanwhile runs
the table steps. Findings are put together step by step in the plain order, so the result is
exactly that of ``check(load(...))``; small data sets take the plain path (forking costs more
than it saves there).
"""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path

import numpy as np

from nianbao.checks.forked import ForkedPool, can_fork
from nianbao.checks.validate import plan, prepare_rows, scoped
from nianbao.data.dataset import Dataset, add_texts, fill_inputs, load_tables, loaded_years
from nianbao.data.heap import freed_memory_reused, keep_freed_memory
from nianbao.data.layout import INPUT_REFS
from nianbao.data.loading import (
    StatsReader,
    orphan_texts,
    read_stats_file,
    read_stats_files,
    read_texts,
    stats_files,
)
from nianbao.data.threads import usable_cores
from nianbao.findings import Finding
from nianbao.paths import display_path

#: Below this many agency-years one process is faster than forking workers.
MIN_ROWS = 20_000
#: Statistics files of this many bytes in all (about 18,000 agency-years) are read side by side.
PARALLEL_READ_BYTES = 150 * 2**20
#: Agency-years per shard: small enough to balance the cores and bound a worker's memory.
SHARD_ROWS = 4_000


def check_data(
    data_dir: Path | str,
    agencies: list[str] | None = None,
    years: list[int] | None = None,
    jobs: int | None = None,
    shard_rows: int = SHARD_ROWS,
) -> tuple[Dataset, list[Finding]]:
    """The dataset (without its narratives when sharded) and ``check``'s findings.

    ``jobs``: worker processes (default: the usable cores, when the data set is large enough);
    1 checks in this process.
    """
    from nianbao.checks.validate import check

    workers = usable_cores() if jobs is None else jobs
    read = read_stats_files
    large = stats_bytes(data_dir) >= PARALLEL_READ_BYTES
    if workers >= 2 and can_fork() and (jobs is not None or large):
        read = parallel_reader(workers)
    with freed_memory_reused() if large else nullcontext():
        ds = load_tables(data_dir, years, agencies, read=read)
    if jobs is None and len(ds.key_list) < MIN_ROWS or workers < 2 or not can_fork():
        add_texts(ds, years, agencies)
        return ds, check(ds, agencies=agencies, years=years)
    return ds, _sharded(ds, agencies, years, workers, shard_rows)


def _sharded(ds: Dataset, agencies, years, workers: int, shard_rows: int) -> list[Finding]:
    steps = plan(ds)
    prepare_rows(ds)  # look-ups made once, before the fork, shared by every worker
    row_steps = [i for i, step in enumerate(steps) if step.kind == "rows"]
    bounds = shard_bounds(ds.key_list, shard_rows)

    def one_shard(lo: int, hi: int):
        texts, problems = read_texts(ds.data_dir, ds.key_list[lo:hi])
        ds.texts = texts  # this worker's copy of the dataset
        fill_inputs(ds, range(lo, hi))
        found = [steps[i].run(ds, lo, hi) for i in row_steps]
        return problems, ds.values[lo:hi, input_columns], found

    input_columns = [ds.ref_index[ref] for ref in INPUT_REFS]
    with ForkedPool(one_shard, bounds, workers, initializer=keep_freed_memory) as pool:
        done = {i: step.run(ds) for i, step in enumerate(steps) if step.kind == "table"}
        orphans = orphan_texts(ds.data_dir, set(ds.key_list), ds.agencies, loaded_years(years),
                               set(agencies) if agencies else None)
        shards = pool.results()
    problems = [f for problems, _, _ in shards for f in problems]
    problems.sort(key=lambda f: (f.agency_id, f.year))  # stable: read in sorted key order
    ds.findings += problems + orphans
    for (lo, hi), (_, inputs, _) in zip(bounds, shards, strict=True):
        ds.values[lo:hi, input_columns] = inputs
    done.update({i: step.run(ds) for i, step in enumerate(steps) if step.kind == "fees"})
    for n, i in enumerate(row_steps):
        done[i] = [f for _, _, found in shards for f in found[n]]
    return scoped(ds, ds.findings + [f for i in range(len(steps)) for f in done[i]],
                  agencies, years)


def shard_bounds(keys: list[tuple[str, int]], size: int) -> list[tuple[int, int]]:
    """Row ranges of about ``size`` agency-years that never split an agency (the carry-over
    rules compare an agency's years with each other)."""
    agencies = np.array([a for a, _ in keys], dtype=object)
    starts = np.flatnonzero(np.r_[True, agencies[1:] != agencies[:-1]]) if len(keys) else []
    bounds, lo = [], 0
    for start in starts:
        if start - lo >= size:
            bounds.append((lo, int(start)))
            lo = int(start)
    if lo < len(keys):
        bounds.append((lo, len(keys)))
    return bounds


def stats_bytes(data_dir: Path | str) -> int:
    """Size of the statistics files, known before reading them (what parsing them costs)."""
    total = 0
    for path in stats_files(Path(data_dir)).values():
        try:
            total += path.stat().st_size
        except OSError:  # the reader words the problem
            pass
    return total


def parallel_reader(workers: int) -> StatsReader:
    """Statistics files read by forked workers, a file each: the parse of a national file
    takes seconds on one core, and the rows come back as compact categorical codes."""

    def read(paths: list[Path]) -> list:
        if len(paths) < 2:
            return read_stats_files(paths)
        with ForkedPool(read_stats_file, [(path,) for path in paths], workers,
                        label=lambda i: f"统计数据文件 {display_path(paths[i])} 的读取") as pool:
            return pool.results()

    return read
