"""The batch on a real Dask cluster: a ``dask scheduler`` and two ``dask worker`` processes on
localhost, started from the venv's ``dask`` command; the reports equal a local build's."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from batchdata import build, dataset, manifest, params

pytestmark = pytest.mark.slow

DASK = Path(sys.executable).parent / "dask"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _stop(procs: list[subprocess.Popen]) -> None:
    for proc in reversed(procs):
        if proc.poll() is None:
            proc.terminate()
    for proc in procs:
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """Address of a scheduler with two single-threaded workers; torn down afterwards."""
    from distributed import Client

    work = tmp_path_factory.mktemp("dask")
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    log = open(work / "cluster.log", "w")
    procs = [subprocess.Popen([str(DASK), "scheduler", "--host", "127.0.0.1", "--port",
                               str(port), "--no-dashboard"], cwd=work, stdout=log,
                              stderr=subprocess.STDOUT)]
    try:
        for name in ("w1", "w2"):
            procs.append(subprocess.Popen(
                [str(DASK), "worker", address, "--nthreads", "1", "--no-dashboard",
                 "--name", name, "--local-directory", str(work / name)],
                cwd=work, stdout=log, stderr=subprocess.STDOUT))
        deadline = time.monotonic() + 120
        while True:  # the scheduler may take a moment to listen
            try:
                with Client(address, timeout=10) as client:
                    client.wait_for_workers(2, timeout=max(1, deadline - time.monotonic()))
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        yield address
    finally:
        _stop(procs)
        log.close()


def test_dask_build_equals_local_build(cluster, tmp_path):
    data = dataset(tmp_path / "data", {"alpha": "甲街道", "beta": "乙街道"}, [2021, 2022])
    batch = params(tmp_path / "batch.yaml", years="2021-2022", region="测试区")
    local, remote = tmp_path / "local", tmp_path / "remote"

    on_dask = build(data, remote, batch, "--scheduler", cluster)
    assert on_dask.returncode == 0, on_dask.stdout + on_dask.stderr
    assert "生成 4 项" in on_dask.stdout
    here = build(data, local, batch)
    assert here.returncode == 0, here.stdout + here.stderr

    reports = sorted(p.relative_to(local) for p in local.rglob("report.html"))
    assert len(reports) == 4
    for path in reports:
        assert (remote / path).read_bytes() == (local / path).read_bytes(), path
    workers = {entry["worker"] for entry in manifest(remote).values()}
    assert len(workers) == 2, workers  # both workers took runs

    again = build(data, remote, batch, "--scheduler", cluster)
    assert "生成 0 项，未变化 4 项" in again.stdout  # incremental on Dask too


def test_workers_that_cannot_see_the_data_are_refused(cluster):
    from nianbao.batch.executors import DaskPool

    pool = DaskPool(cluster, pdf=False)
    try:
        problems = pool.check_workers("/nonexistent/data")
    finally:
        pool.shutdown()
    assert len(problems) == 2
    assert all("找不到数据目录 /nonexistent/data" in p for p in problems)
