"""The sharded check (narratives read and checked in forked workers) finds exactly what the plain
check finds, in the same order; a failing worker or Ctrl-C ends it cleanly."""

from __future__ import annotations

import os
import re
import signal
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nianbao.checks.forked import ForkedPool
from nianbao.checks.shards import check_data, parallel_reader, shard_bounds
from nianbao.checks.validate import check
from nianbao.checks.wording import findings_to_json, findings_to_text
from nianbao.cli import main
from nianbao.data.dataset import load
from nianbao.data.loading import _lines_of, read_stats_files
from nianbao.errors import CheckWorkerError
from nianbao.testing import synth

YEARS = range(2019, 2025)


def _edit(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text("utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, count), "utf-8")


def _set_value(path: Path, agency: str, ref: str, value: str) -> None:
    table, row, col = ref.split(".")
    lines = path.read_text("utf-8").splitlines()
    prefix = f"{agency},{table},{row},{col},"
    number = next(n for n, line in enumerate(lines) if line.startswith(prefix))
    lines[number] = prefix + value
    path.write_text("\n".join(lines) + "\n", "utf-8")


def _set_published(path: Path, date: str) -> None:
    text = path.read_text("utf-8")
    path.write_text(re.sub(r"(?m)^published: .*$", f"published: {date}", text, count=1), "utf-8")


@pytest.fixture(scope="module")
def broken(tmp_path_factory) -> Path:
    """A synthetic district with errors of many kinds, in statistics and narratives."""
    root = tmp_path_factory.mktemp("shards") / "data"
    data = synth.generate(24, YEARS, seed=11)
    synth.write(data, root)
    ids = sorted(data.agencies["agency_id"])
    names = dict(zip(data.agencies["agency_id"], data.agencies["short_name"], strict=True))
    stats, text = root / "stats", root / "text"
    # statistics: not a number, negative, a fraction, a broken sum, blank, duplicated, unknown
    _set_value(stats / "2020.csv", ids[1], "t3.new.natural_person", "十二")
    _set_value(stats / "2021.csv", ids[2], "t3.new.org_commercial", "-4")
    _set_value(stats / "2022.csv", ids[3], "t3.new.natural_person", "2.5")
    _set_value(stats / "2023.csv", ids[4], "t3.new.total", "99999")
    _set_value(stats / "2024.csv", ids[5], "t3.res_open.natural_person", "")
    with (stats / "2022.csv").open("a", encoding="utf-8") as f:
        f.write(f"{ids[6]},t3,new,natural_person,1\n")  # duplicated cell
        f.write("nobody,t3,new,natural_person,1\n")  # unknown agency
        f.write(f"{ids[7]},t3,no_such_row,total,1\n")  # unknown cell
    lines = (stats / "2019.csv").read_text("utf-8").splitlines()
    (stats / "2019.csv").write_text(  # a required cell left out
        "\n".join(ln for ln in lines if not ln.startswith(f"{ids[8]},t3,new,")) + "\n", "utf-8")
    # narratives: missing, unreadable, malformed, late, copied, out of place, missing fees
    (text / "2021" / f"{ids[9]}.md").unlink()
    (text / "2022" / f"{ids[10]}.md").write_bytes("---\npublished: 2023-01-10\n---\n## 总体情况\n"
                                                  "本单位公开信息".encode("gbk"))
    _edit(text / "2023" / f"{ids[11]}.md", "## 总体情况", "## 总体概况")
    for agency in (ids[0], ids[12], ids[20], ids[23]):  # late, in several shards
        _set_published(text / "2024" / f"{agency}.md", "2025-06-30")
        _set_published(text / "2020" / f"{agency}.md", "2021-07-01")
    _edit(text / "2020" / f"{ids[13]}.md", "published:", "published: 2023-02-30\nold:")
    (text / "2022" / f"{ids[14]}.md").write_text(  # last year's text again
        (text / "2021" / f"{ids[14]}.md").read_text("utf-8"), "utf-8")
    _set_published(text / "2022" / f"{ids[14]}.md", "2023-01-20")
    _edit(text / "2023" / f"{ids[15]}.md", "## 总体情况\n",
          f"## 总体情况\n\n本单位参照{names[ids[16]]}的做法，全镇统一部署。\n")
    problems = "## 存在的主要问题及改进情况"
    _edit(text / "2024" / f"{ids[17]}.md", problems,
          f"{problems}\n\n全年共收到政府信息公开申请 987 件。")
    _edit(text / "2022" / f"{ids[18]}.md", "fee_collected_yuan", "fee_other")
    (text / "2021" / "nobody.md").write_text("---\npublished: 2022-01-10\n---\n", "utf-8")
    lines = (stats / "2023.csv").read_text("utf-8").splitlines()
    (stats / "2023.csv").write_text(  # a narrative without statistics
        "\n".join(ln for ln in lines if not ln.startswith(f"{ids[19]},")) + "\n", "utf-8")
    return root


def _plain(data: Path, years=None, agencies=None):
    ds = load(data, years=years, agencies=agencies)
    return ds, check(ds, agencies=agencies, years=years)


@pytest.mark.parametrize("shard_rows", [1, 7, 40])
def test_sharded_check_finds_exactly_what_the_plain_check_finds(broken, shard_rows):
    ds, plain = _plain(broken)
    rules = {f.rule for f in plain}
    # the data set exercises statistics, narrative and prose rules alike
    assert {"R6_types", "IN_duplicate_cell", "IN_unknown_agency", "IN_unknown_cell",
            "IN_missing_cell", "IN_missing_text", "IN_encoding", "IN_text_heading",
            "R_text_reuse", "R_other_agency_name", "R_kind_wording"} <= rules, rules
    assert any(f.rule.startswith("R11") for f in plain)
    sharded_ds, sharded = check_data(broken, jobs=2, shard_rows=shard_rows)
    assert sharded == plain  # the same findings in the same order
    names = ds.agencies["short_name"].to_dict()
    assert findings_to_text(sharded, names) == findings_to_text(plain, names)
    assert findings_to_json(sharded) == findings_to_json(plain)


def test_sharded_check_of_some_years_and_agencies(broken):
    ds, _ = _plain(broken)
    some = sorted(ds.agencies.index)[8:20]
    for years, agencies in (([2022], None), ([2021, 2023], some), (None, some)):
        _, plain = _plain(broken, years, agencies)
        _, sharded = check_data(broken, agencies=agencies, years=years, jobs=2, shard_rows=9)
        assert sharded == plain


def test_check_command_prints_the_same_with_workers(broken, capsys):
    outputs = []
    for jobs in ("1", "2"):
        code = main(["check", "--data", str(broken), "--jobs", jobs])
        out, err = capsys.readouterr()
        outputs.append((code, out))
        assert "Traceback" not in out + err
    assert outputs[0] == outputs[1]
    assert outputs[0][0] == 2 and "错误" in outputs[0][1]  # an unreadable narrative: exit 2


def test_shards_never_split_an_agency():
    keys = [("a", 2020), ("a", 2021), ("b", 2020), ("c", 2019), ("c", 2020), ("c", 2021)]
    assert shard_bounds(keys, 1) == [(0, 2), (2, 3), (3, 6)]
    assert shard_bounds(keys, 2) == [(0, 2), (2, 6)]
    assert shard_bounds(keys, 100) == [(0, 6)]
    assert shard_bounds([], 5) == []


# ---------------------------------------------------------------- statistics read side by side


@pytest.fixture(scope="module")
def unreadable(tmp_path_factory) -> Path:
    """A synthetic district whose statistics files have problems of every kind the reader
    words: rows of the wrong width, a GBK file, padded ids, CRLF line ends, an empty file, a
    misnamed file, a directory where a file should be, repeated cells, unknown agencies and
    cells."""
    root = tmp_path_factory.mktemp("reading") / "data"
    data = synth.generate(12, YEARS, seed=5)
    synth.write(data, root)
    ids = sorted(data.agencies["agency_id"])
    stats = root / "stats"
    lines = (stats / "2019.csv").read_text("utf-8").splitlines()
    lines.insert(7, f"{ids[0]},t3,new,natural_person,1,oops")  # an extra field
    (stats / "2019.csv").write_text("\n".join(lines) + "\n", "utf-8")
    lines = (stats / "2020.csv").read_text("utf-8").splitlines()
    number = next(i for i, line in enumerate(lines) if line.startswith(f"{ids[1]},t3,new,"))
    lines[number] = ",".join(lines[number].split(",")[:4])  # a field short
    lines[number + 3] = " " + lines[number + 3].replace(",", " ,", 1)  # padded id
    lines.append(f"{ids[2]},t3,new,natural_person,")  # a blank cell, repeated
    lines.append("nobody,t3,new,natural_person,1")
    lines.append(f"{ids[3]},t9,new,natural_person,1")
    (stats / "2020.csv").write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8"))
    text = (stats / "2021.csv").read_text("utf-8")
    (stats / "2021.csv").write_bytes(text.replace(",0\n", ",0件\n", 3).encode("gbk"))
    (stats / "2022.csv").write_text("", "utf-8")
    (stats / "2023.csv").rename(stats / "2023.CSV")
    (stats / "2025.csv").mkdir()
    return root


def test_statistics_read_side_by_side_give_the_same_findings(unreadable):
    ds, plain = _plain(unreadable)
    rules = {f.rule for f in plain}
    assert {"IN_malformed_row", "IN_encoding", "IN_empty_file", "IN_file_name", "IN_not_a_file",
            "IN_duplicate_cell", "IN_unknown_agency", "IN_unknown_cell"} <= rules, rules
    assert sum(f.rule == "IN_malformed_row" for f in plain) == 2
    sharded_ds, sharded = check_data(unreadable, jobs=2, shard_rows=10)
    assert sharded == plain
    assert findings_to_json(sharded) == findings_to_json(plain)
    pd.testing.assert_frame_equal(sharded_ds.cells, ds.cells)
    assert sharded_ds.keys.equals(ds.keys)


def test_reader_in_parallel_matches_the_plain_reader(unreadable):
    files = [path for path in sorted((unreadable / "stats").glob("*.csv")) if path.is_file()]
    plain, parallel = read_stats_files(files), parallel_reader(2)(files)
    assert len(plain) == len(parallel) == len(files) >= 3
    for (frame, problems), (other, others) in zip(plain, parallel, strict=True):
        assert problems == others
        if frame is None:
            assert other is None
        else:
            pd.testing.assert_frame_equal(frame, other)


def test_a_killed_reader_is_named_in_the_error(unreadable, monkeypatch):
    def killed(*args):
        os.kill(os.getpid(), signal.SIGKILL)

    monkeypatch.setattr("nianbao.checks.shards.read_stats_file", killed)
    with pytest.raises(CheckWorkerError, match=r"被信号 9 终止.*统计数据文件 .*\.csv 的读取未完成"):
        check_data(unreadable, jobs=2)


@pytest.mark.parametrize("raw", [
    b"a,b\n1,2\n3\n", b"a,b\r\n1,2\r\n3", b"a,b\r1,2\n3\n", b"a,b\n\n1,\x0c2\n3\n",
    "a,b\n1,\u20282\n3\n\u6570\n".encode(), b"", b"\n\n", b"x",
])
def test_lines_of_a_file_are_numbered_as_splitlines_numbers_them(raw):
    every = raw.decode("utf-8").splitlines()
    numbers = np.arange(0, len(every) + 3)
    assert _lines_of(raw, numbers) == {n: every[n - 1] for n in range(1, len(every) + 1)}
    assert _lines_of(raw, np.array([2, 2])) == ({2: every[1]} if len(every) > 1 else {})


# ---------------------------------------------------------------- the workers


def _square(x: int) -> int:
    return x * x


def test_pool_returns_results_in_job_order():
    with ForkedPool(_square, [(n,) for n in range(20)], 2) as pool:
        assert pool.results() == [n * n for n in range(20)]


def _dies_on_three(x: int) -> int:
    if x == 3:
        os._exit(7)
    return x


def _raises_on_three(x: int) -> int:
    if x == 3:
        raise ValueError("坏数据")
    return x


@pytest.mark.parametrize(("task", "needle"), [(_dies_on_three, "意外退出（退出码 7"),
                                              (_raises_on_three, "ValueError: 坏数据")])
def test_a_failing_worker_is_a_clear_error_not_a_hang(task, needle):
    with pytest.raises(CheckWorkerError) as caught, ForkedPool(task, [(n,) for n in range(6)],
                                                               2) as pool:
        pool.results()
    assert needle in str(caught.value)
    assert all(not proc.is_alive() for proc, _ in pool._procs)


def test_a_killed_worker_names_the_signal(broken, monkeypatch):
    def killed(*args):
        os.kill(os.getpid(), signal.SIGKILL)

    monkeypatch.setattr("nianbao.checks.shards.read_texts", killed)
    with pytest.raises(CheckWorkerError, match="被信号 9 终止，可能是内存不足"):
        check_data(broken, jobs=2, shard_rows=10)


def _sleeps(x: int) -> int:
    time.sleep(30)
    return x


def test_ctrl_c_ends_the_workers():
    timer = threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGINT))
    started = time.monotonic()
    timer.start()
    with pytest.raises(KeyboardInterrupt), ForkedPool(_sleeps, [(n,) for n in range(4)],
                                                      2) as pool:
        pool.results()
    assert time.monotonic() - started < 20
    # Gone, whoever reaped them: ``Process.is_alive`` relies on this process's own waitpid.
    assert all(_gone(proc.pid) for proc, _ in pool._procs)


def _gone(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(") ", 1)[1].startswith(("Z", "X"))
    except FileNotFoundError:
        return True
