"""Bad input: every problem is reported with file, line, agency, year and cell; none crashes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from datadir import agency_row, write_dataset, zero_report
from nianbao.checks.shards import check_data
from nianbao.checks.validate import check
from nianbao.data.dataset import load
from nianbao.errors import DataReadError
from nianbao.paths import display_path

ROOT = Path(__file__).resolve().parents[1]
REG = [agency_row("a1", "甲街道"), agency_row("b2", "乙镇", kind="乡镇")]


def cli(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "build.py"), "check", *args],
                          capture_output=True, text=True, timeout=120)


def good(tmp_path, years=(2022,)):
    return write_dataset(tmp_path, REG, {y: {"a1": zero_report(y), "b2": zero_report(y)}
                                         for y in years})


def append(path: Path, text: str) -> None:
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(text)


def only(findings, rule):
    hits = [f for f in findings if f.rule == rule]
    assert len(hits) == 1, [(f.rule, f.message) for f in findings]
    return hits[0]


def test_unknown_cell_names_file_line_and_format(tmp_path):
    good(tmp_path)
    append(tmp_path / "stats/2022.csv", "a1,t2_9,central_procurement,procurement_items,3\n")
    f = only(check(load(tmp_path)), "IN_unknown_cell")
    assert (f.agency_id, f.year, f.severity) == ("a1", 2022, "error")
    assert f.file.endswith("stats/2022.csv") and f.line == 2 * 200 + 2
    assert "属于 F2019 格式" in f.message and "F2021" in f.message


def test_duplicate_cell_names_both_lines(tmp_path):
    good(tmp_path)
    append(tmp_path / "stats/2022.csv", "a1,t3,new,total,5\n")
    f = only(check(load(tmp_path)), "IN_duplicate_cell")
    assert f.cells == ["t3.new.total"] and "一、本年新收政府信息公开申请数量·总计" in f.message
    assert "第 2 行" not in f.message and "402" in f.message


def test_year_file_for_unknown_agency(tmp_path):
    good(tmp_path)
    append(tmp_path / "stats/2022.csv", "zz,t3,new,total,5\nzz,t3,carry_in,total,0\n")
    ds = load(tmp_path)
    f = only(check(ds), "IN_unknown_agency")
    assert (f.agency_id, f.year, f.line) == ("zz", 2022, 402) and "共 2 行" in f.message
    assert not ds.has("zz", 2022) and ds.has("a1", 2022)


@pytest.mark.parametrize("jobs", [1, 2])
def test_rows_keep_their_year_file_and_line_across_files(tmp_path, jobs):
    """Files are read apart (side by side with ``jobs`` 2) and joined: each row keeps its own
    year, file and line, also after blank lines that give no row."""
    good(tmp_path, years=(2021, 2022))
    early = tmp_path / "stats/2021.csv"
    lines = early.read_text(encoding="utf-8").splitlines(keepends=True)
    early.write_text("".join([*lines[:10], "\n", ",,,,\n", *lines[10:]]), encoding="utf-8")
    append(early, "yy,t3,new,total,5\n")
    append(tmp_path / "stats/2022.csv", "zz,t3,new,total,5\n")
    ds, found = check_data(tmp_path, jobs=jobs)
    for year, numbers in ((2021, [*range(2, 11), *range(13, 2 * 200 + 5)]),
                          (2022, [*range(2, 2 * 200 + 3)])):
        rows = ds.cells[ds.cells.year == year]
        assert set(rows.file) == {display_path(tmp_path / f"stats/{year}.csv")}
        assert rows.line.tolist() == numbers
    unknown = {f.agency_id: (f.year, f.line) for f in found if f.rule == "IN_unknown_agency"}
    assert unknown == {"yy": (2021, 2 * 200 + 4), "zz": (2022, 2 * 200 + 2)}


def test_gbk_csv_is_unreadable_with_clear_message(tmp_path):
    good(tmp_path)
    path = tmp_path / "stats/2022.csv"
    path.write_bytes(path.read_text("utf-8").replace("a1,t3,new,total,0", "a1,t3,new,total,无")
                     .encode("gbk"))
    ds = load(tmp_path)
    (f,) = ds.fatal
    assert f.rule == "IN_encoding" and "GBK" in f.message and f.file.endswith("2022.csv")
    with pytest.raises(DataReadError, match="UTF-8"):
        load(tmp_path, strict=True)
    result = cli("--data", str(tmp_path))
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("name", ["stats/2022.csv", "agencies.csv"])
@pytest.mark.parametrize("content", ["\n\na1\n", "\n" + "a1,t3,new,total,0\n"])
def test_csv_starting_with_a_blank_line_is_a_header_problem(tmp_path, name, content):
    """Blank first lines: the header is missing, said so, not a parser traceback."""
    good(tmp_path)
    (tmp_path / name).write_text(content, encoding="utf-8")
    ds = load(tmp_path)
    problem = next(f for f in ds.fatal if f.rule == "IN_header")
    assert problem.file.endswith(name) and problem.line == 1
    assert "实际第 1 行为空" in problem.message
    result = cli("--data", str(tmp_path))
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(("change", "fields"), [(lambda r: r + ",,", 7),
                                               (lambda r: r.rsplit(",", 1)[0], 4)])
def test_every_row_of_the_wrong_width_is_reported_row_by_row(tmp_path, change, fields):
    """Trailing commas on every row: pandas would take the first fields as an index and shift
    the columns (agency ids read from the row column); each row is reported instead. A file
    with no usable row at all (the only year) is no crash either."""
    good(tmp_path)
    path = tmp_path / "stats/2022.csv"
    header, *rows = path.read_text("utf-8").splitlines()
    path.write_text("\n".join([header, *map(change, rows)]) + "\n", encoding="utf-8")
    findings = load(tmp_path).findings
    bad = [f for f in findings if f.rule == "IN_malformed_row"]
    assert len(bad) == len(rows) and bad[0].line == 2 and f"{fields} 个字段" in bad[0].message
    assert not [f for f in findings if f.rule == "IN_unknown_agency"]
    result = cli("--data", str(tmp_path))
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr


def test_missing_text_file(tmp_path):
    write_dataset(tmp_path, REG, {2022: {"a1": zero_report(2022)}}, texts={("a1", 2022): None})
    f = only(check(load(tmp_path)), "IN_missing_text")
    assert f.file.endswith("text/2022/a1.md") and (f.agency_id, f.year) == ("a1", 2022)


def test_text_without_statistics(tmp_path):
    good(tmp_path)
    (tmp_path / "text/2022/zz.md").write_text("---\npublished: 2023-01-01\n---\n", "utf-8")
    f = only(check(load(tmp_path)), "IN_unknown_agency")
    assert f.file.endswith("text/2022/zz.md")


@pytest.mark.parametrize(("front", "needle", "line"), [
    ("published: [2023\n", "格式错误", 3),
    ("title: x\n", "缺少发布日期", 1),
    ("published: 2023-13-01\n", "YYYY-MM-DD", 1),
    ("published: 2023-01-10\nfee_collected_yuan: 很多\n", "fee_collected_yuan", 3),
])
def test_malformed_front_matter(tmp_path, front, needle, line):
    good(tmp_path)
    (tmp_path / "text/2022/a1.md").write_text(f"---\n{front}---\n## 总体情况\n正文。\n", "utf-8")
    f = only(check(load(tmp_path)), "IN_front_matter")
    assert needle in f.message and f.line == line and f.file.endswith("a1.md")


def test_unknown_heading(tmp_path):
    good(tmp_path)
    path = tmp_path / "text/2022/a1.md"
    append(path, "\n## 三、收到和处理政府信息公开申请情况\n手写的数字。\n")
    f = only(check(load(tmp_path)), "IN_text_heading")
    assert f.line == len(path.read_text("utf-8").splitlines()) - 1


def test_bad_registry_rows(tmp_path):
    good(tmp_path)
    append(tmp_path / "agencies.csv", "Bad_ID,某单位,某,测试区,街道,,,,,\n"
                                      "c3,某单位,某,测试区,村委会,,,,,\na1,重复,重复,测试区,街道,,,,,\n")
    rules = {f.rule: f for f in check(load(tmp_path))}
    assert {"IN_agency_id", "IN_agency_kind", "IN_duplicate_agency"} <= set(rules)
    assert rules["IN_agency_id"].line == 4 and rules["IN_agency_kind"].line == 5


def test_missing_cells_reported_not_guessed(tmp_path):
    cells = zero_report(2022)
    del cells["t3.res_open.natural_person"]
    write_dataset(tmp_path, REG, {2022: {"a1": cells}})
    f = only(check(load(tmp_path)), "IN_missing_cell")
    assert f.cells == ["t3.res_open.natural_person"]
    assert "三、本年度办理结果（一）予以公开·自然人" in f.message


def test_one_agency_bad_others_intact(tmp_path):
    good(tmp_path)
    append(tmp_path / "stats/2022.csv", "a1,t3,bogus,total,x\n")
    ds = load(tmp_path)
    assert ds.report("b2", 2022).value("t3.new.total") == 0
    assert {f.agency_id for f in check(ds)} == {"a1"}


def test_cli_exit_codes_and_json(tmp_path):
    good(tmp_path, years=(2021, 2022))
    ok = cli("--data", str(tmp_path))
    assert ok.returncode == 0 and "错误 0 项" in ok.stdout
    append(tmp_path / "stats/2022.csv", "b2,t4,cases,rev_total,7\n")
    path = tmp_path / "stats/2022.csv"
    path.write_text(path.read_text("utf-8").replace("b2,t4,cases,rev_total,0\n", ""), "utf-8")
    bad = cli("--data", str(tmp_path), "--json")
    assert bad.returncode == 1
    findings = json.loads(bad.stdout)
    assert set(findings[0]) >= {"agency_id", "year", "rule", "severity", "cells", "expected",
                                "actual", "message"}
    f = next(f for f in findings if f["rule"] == "R4_t4_rev_total")
    assert (f["agency_id"], f["year"], f["expected"], f["actual"]) == ("b2", 2022, 0, 7)
    assert cli("--data", str(tmp_path), "--agency", "a1").returncode == 0
    assert cli("--data", str(tmp_path), "--year", "2021").returncode == 0
    text = cli("--data", str(tmp_path)).stdout
    assert "乙镇（b2） 2022 年度" in text and "R4_t4_rev_total" in text


def test_cli_missing_registry_is_unreadable(tmp_path):
    result = cli("--data", str(tmp_path / "nowhere"))
    assert result.returncode == 2 and "agencies.csv" in result.stdout


# ------------------------------------------------------------------ narrative sections

_LINES = ["## 总体情况", "## 存在的主要问题及改进情况", "## 其他需要报告的事项", "## 未知标题",
          "##总体情况", "### （一）主动公开", "正文一句。", "", "  ", " ## 总体情况"]
_BREAKS = ["\n", "\n", "\r\n", "\r", "\u2028", "\x0c", "\x85"]


def plain_sections(body: str, body_line: int, titles: dict[str, str]):
    """Line by line: a ``## `` heading opens its section (or none, when unknown)."""
    from nianbao.data.loading import PROSE_SECTIONS

    sections: dict[str, list[str]] = {}
    unknown, current = [], None
    for offset, line in enumerate(body.splitlines()):
        if line.startswith("## "):
            current = titles.get(line[3:].strip())
            if current not in PROSE_SECTIONS:
                unknown.append(body_line + offset)
                current = None
                continue
            sections.setdefault(current, [])
        elif current is not None:
            sections[current].append(line)
    return {k: "\n".join(v).strip() for k, v in sections.items()}, unknown


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(_LINES), st.sampled_from(_BREAKS)), max_size=14),
       st.sampled_from([2020, 2021]))
def test_sections_read_as_line_by_line(lines, year):
    from nianbao.data.loading import _section_titles, parse_prose

    front = "---\npublished: 2022-01-20\n---\n"
    body = "前言。\n" + "".join(line + brk for line, brk in lines)  # file line 4 on
    prose, findings = parse_prose(front + body, year, "text.md")
    sections, unknown = plain_sections(body, 4, _section_titles(year))
    assert prose.sections == sections
    assert list(prose.sections) == list(sections)  # in the order they first appear
    assert [f.line for f in findings if f.rule == "IN_text_heading"] == unknown


# ------------------------------------------------------------------ UTF-8 check of large files

_PIECES = [b"a", b",", b"\n", "元".encode(), "万元".encode(), "é".encode(), b"\xff", b"\xe5\x85",
           b"\x80", "𠀀".encode(), b"\xed\xa0\x80"]


@settings(max_examples=600, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), min_size=1, max_size=40), st.integers(1, 9))
def test_utf8_judged_by_non_ascii_runs_as_by_decoding(pieces, chunk):
    from nianbao.data.loading import _valid_non_ascii_runs

    raw = b"x" * 4000 + b"".join(pieces) + "元".encode()  # mostly ASCII, as a statistics file
    try:
        raw.decode("utf-8")
        valid = True
    except UnicodeDecodeError:
        valid = False
    dense = sum(b >= 0x80 for b in raw) > len(raw) // 32  # then it decodes the whole file
    assert _valid_non_ascii_runs(raw, chunk=chunk) == (valid and not dense)


# ------------------------------------------------------------------ large files, piece by piece

_FIELDS = ["a1", "t3", "new", "total", "3", "", " ", "元", "1,2", "\"x,y\"", "\xff", "é"]
_ENDS = ["\n", "\r\n", ",\n", ",,\n", "\n\n", " \n", "", "元"]  # "": one long line


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.lists(st.sampled_from(_FIELDS), min_size=1, max_size=7),
                          st.sampled_from(_ENDS)), max_size=12),
       st.booleans(), st.booleans(), st.integers(1, 40))
def test_large_file_read_in_pieces_as_whole(rows, bom, header, piece):
    """A statistics file over the size read whole is checked and parsed from disk, a piece at
    a time: the same frame and the same findings (encoding, blank file, short and long rows)."""
    import tempfile

    from nianbao.data import loading

    text = ("agency_id,table,row,col,value\n" if header else "") + "".join(
        ",".join(fields) + end for fields, end in rows)
    raw = (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8", "surrogateescape").replace(
        "\xff".encode(), b"\xff")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "2022.csv"
        path.write_bytes(raw)
        results = []
        for whole_bytes in (1 << 40, 0):
            with pytest.MonkeyPatch.context() as mp:
                mp.setattr(loading, "WHOLE_FILE_BYTES", whole_bytes)
                mp.setattr(loading, "PIECE_BYTES", piece)
                frame, findings = loading._read_csv(path, loading.STATS_COLUMNS,
                                                    dtype="category", min_fields=5)
                valid = raw.decode(errors="replace").encode() == raw
                if whole_bytes == 0 and raw and valid:  # valid UTF-8 never falls back
                    assert loading._large_utf8(path) is not None
            results.append((None if frame is None else frame.astype(str).to_dict("list"),
                            [(f.rule, f.line, f.message) for f in findings]))
    assert results[0] == results[1]
    assert loading._large_utf8(path) is None  # gone: read whole (and worded) as before


@pytest.mark.parametrize("whole_bytes", [1 << 40, 0])  # read whole, or a piece at a time
def test_a_statistics_file_gone_while_it_is_read_is_a_finding(tmp_path, monkeypatch, whole_bytes):
    """Listed, then moved or deleted (by another program) before or while it is parsed: a
    finding naming the file, not a traceback."""
    from nianbao.data import loading

    good(tmp_path)
    path = tmp_path / "stats/2022.csv"
    checked = loading._large_utf8

    def then_deleted(p):
        found = checked(p)
        path.unlink()
        return found

    monkeypatch.setattr(loading, "WHOLE_FILE_BYTES", whole_bytes)
    monkeypatch.setattr(loading, "_large_utf8", then_deleted)
    frame, findings = loading.read_stats_file(path)
    assert frame is None and [(f.rule, f.fatal) for f in findings] == [("IN_unreadable", True)]
    assert findings[0].file.endswith("stats/2022.csv") and "移动或删除" in findings[0].message
