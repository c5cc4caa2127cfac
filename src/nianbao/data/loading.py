"""Reading data/: the agency registry, the statistics of each year and the narrative files.

Nothing is dropped silently and nothing crashes: every problem becomes a ``Finding`` that names
the file, the line, the agency, the year and the cell. A file that cannot be read at all (wrong
encoding, wrong header) yields a *fatal* finding.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import math
import os
import re
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from functools import cache
from itertools import pairwise
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from pandas.api.types import union_categoricals

from nianbao.data.codes import codes_dtype, mark, per_cell, take
from nianbao.data.layout import (
    AGENCIES_FILE,
    AGENCY_COLUMNS,
    DEADLINES_FILE,
    FEE_KEYS,
    SLUG,
    STATS_COLUMNS,
    STATS_DIR,
    TEXT_DIR,
)
from nianbao.data.model import Agency, Prose
from nianbao.findings import Finding
from nianbao.formats.spec import all_formats, format_for_year
from nianbao.paths import display_path

AGENCY_KINDS = {"街道": "local", "乡镇": "local", "部门": "department", "政府": "government"}
UNIT_SUFFIX = r"(万元|元|件|项)$"
PROSE_SECTIONS = ("s1", "s5", "s6")
# Total cells may be left out of the stats file: they are derived from their parts.
OPTIONAL_CELL = re.compile(
    r"^(t3\.[a-z_]+\.total|t3\.res_total\.[a-z_]+|t4\.cases\.[a-z_]+_total)$"
)


def read_utf8(path: Path | str) -> tuple[str | None, Finding | None]:
    """Text of a UTF-8 file (BOM tolerated); a clear fatal finding for GBK or other encodings,
    for a directory where a file should be, or a file that cannot be read.

    ``FileNotFoundError`` still propagates: callers word a missing file themselves.
    """
    raw, problem = _read_raw(path)
    if problem:
        return None, problem
    try:
        return raw.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        return None, _encoding_problem(path, raw, exc)


def read_utf8_bytes(path: Path) -> tuple[bytes | None, Finding | None]:
    """The bytes of a UTF-8 file without its BOM, checked as ``read_utf8`` checks them: the CSV
    parser reads bytes directly (a decoded copy of a national statistics file costs seconds).
    A data file is read once it is listed: gone by then, it was moved or deleted meanwhile."""
    try:
        raw, problem = _read_raw(path)
    except FileNotFoundError:
        return None, _gone(display_path(path))
    if problem:
        return None, problem
    if raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8):]
    error = _utf8_error(raw)
    if error:
        return None, _encoding_problem(path, raw, error)
    return raw, None


def _utf8_error(raw) -> UnicodeDecodeError | None:
    """Why ``raw`` (bytes, or a memoryview of them) is not UTF-8 (None when it is): judged by its
    non-ASCII runs when it is mostly ASCII, decoded whole otherwise or when a run fails (the
    error names the place)."""
    if _ascii(raw) or _valid_non_ascii_runs(raw):
        return None
    try:
        str(raw, "utf-8")
    except UnicodeDecodeError as exc:
        return exc
    return None


def _ascii(raw) -> bool:
    if isinstance(raw, bytes):
        return raw.isascii()
    return int(np.frombuffer(raw, dtype=np.uint8).max(initial=0)) < 0x80  # no copy


def _valid_non_ascii_runs(raw, chunk: int = 1 << 24) -> bool:
    """Whether ``raw`` is valid UTF-8, judged by its runs of non-ASCII bytes alone: no UTF-8
    sequence contains an ASCII byte, so the whole is valid when each run decodes on its own.
    A statistics file is mostly ASCII (a unit here and there): this avoids decoding hundreds of
    megabytes. False also when too many bytes are not ASCII for this to pay (decode it all then)."""
    where = _byte_offsets(raw, lambda part: part >= 0x80, chunk)
    if len(where) > len(raw) // 32:
        return False
    breaks = np.flatnonzero(np.diff(where) > 1)
    starts, ends = where[np.r_[0, breaks + 1]], where[np.r_[breaks, len(where) - 1]] + 1
    try:
        for start, end in zip(starts.tolist(), ends.tolist(), strict=True):
            str(raw[start:end], "utf-8")
    except UnicodeDecodeError:
        return False
    return True


#: Files larger than this are checked and parsed a piece at a time, never held whole: a
#: national statistics file is half a gigabyte, and a copy of it is that much fresh memory.
WHOLE_FILE_BYTES = 1 << 26
PIECE_BYTES = 1 << 24


def _large_utf8(path: Path | str) -> tuple[int, bool] | None:
    """For a file over ``WHOLE_FILE_BYTES`` that is UTF-8 as ``read_utf8_bytes`` judges it: the
    length of its BOM and whether it holds only blanks. None for any other file, which is read
    whole (``read_utf8_bytes`` words what is wrong with it).

    The file is read a piece at a time into one buffer, so that no piece is fresh memory or a
    copy; a character that a piece cuts short goes on at the start of the next one.
    """
    try:
        if os.path.getsize(path) <= WHOLE_FILE_BYTES:
            return None
        with open(path, "rb") as f:
            head = f.read(len(codecs.BOM_UTF8))
            bom = len(head) if head == codecs.BOM_UTF8 else 0
            buffer = memoryview(bytearray(PIECE_BYTES + 4))
            pending = len(head) - bom  # bytes at the start of the buffer, not judged yet
            buffer[:pending] = head[bom:]
            blank = True
            while True:
                got = f.readinto(buffer[pending:pending + PIECE_BYTES])
                end = pending + got
                if not end:
                    return bom, blank
                pending = _cut_short(buffer[:end]) if got else 0
                piece = buffer[:end - pending]
                if _utf8_error(piece):
                    return None
                blank = blank and bytes(piece[:4096]).isspace() and bytes(piece).isspace()
                buffer[:pending] = bytes(buffer[end - pending:end])
                if not got:
                    return bom, blank
    except OSError:
        return None


def _cut_short(raw) -> int:
    """How many bytes at the end of ``raw`` open a character that is not complete in it (0
    when the last character is whole, or cannot be completed)."""
    for back in range(1, min(4, len(raw)) + 1):
        byte = raw[-back]
        if byte < 0x80:
            return 0
        if byte >= 0xC0:  # the first byte of a sequence of 2, 3 or 4 bytes
            length = 2 if byte < 0xE0 else 3 if byte < 0xF0 else 4
            return back if back < length else 0
    return 0


def _read_raw(path: Path | str) -> tuple[bytes | None, Finding | None]:
    try:
        with open(path, "rb") as f:  # a str path too: a Path per narrative costs more
            return f.read(), None
    except IsADirectoryError:
        return None, Finding(rule="IN_not_a_file", severity="error", fatal=True,
                             file=display_path(path), message="这是一个目录，应为数据文件")
    except FileNotFoundError:
        raise
    except OSError as exc:
        return None, Finding(rule="IN_unreadable", severity="error", fatal=True,
                             file=display_path(path),
                             message=f"无法读取此文件（{exc.strerror or exc}）")


def _encoding_problem(path: Path | str, raw: bytes, exc: UnicodeDecodeError) -> Finding:
    line = raw[: exc.start].count(b"\n") + 1
    try:
        raw.decode("gb18030")
        hint = "文件看起来是 GBK/GB18030 编码，请另存为 UTF-8 编码"
    except UnicodeDecodeError:
        hint = "文件不是有效的 UTF-8 编码，请另存为 UTF-8 编码"
    return Finding(
        rule="IN_encoding", severity="error", message=f"{hint}（第 {line} 行起无法解码）",
        file=display_path(path), line=line, fatal=True,
    )


def _read_csv(
    path: Path, columns: Sequence[str], dtype=object, min_fields: int = 1
) -> tuple[pd.DataFrame | None, list[Finding]]:
    """A CSV file as text columns plus ``line``; rows of the wrong width become findings.

    The fast C parser reads well-formed files; a file it cannot tokenize (a row with an extra
    field) is read again row by row, so that one bad row costs that row, not the whole file.
    Rows with fewer than ``min_fields`` fields are reported too (pandas would pad them).
    """
    large = _large_utf8(path)  # (BOM length, blank) of a large UTF-8 file: parsed from disk
    raw = None
    where = display_path(path)
    if large is None:
        raw, problem = read_utf8_bytes(path)
        if problem:
            return None, [problem]
    blank = large[1] if large else not raw or raw.isspace()
    if blank:
        return None, [Finding(rule="IN_empty_file", severity="error", fatal=True, file=where,
                              line=1, message=f"文件为空：第 1 行应为表头 {','.join(columns)}")]

    def whole() -> bytes:  # for the rare rows the fast parser cannot place
        return raw if raw is not None else read_utf8_bytes(path)[0] or b""

    findings: list[Finding] = []
    try:
        with open(path, "rb") if large else nullcontext(io.BytesIO(raw)) as source:
            source.seek(large[0] if large else 0)
            frame = pd.read_csv(source, dtype=dtype, keep_default_na=False,
                                na_filter=False, skip_blank_lines=False, encoding="utf-8")
        if not isinstance(frame.index, pd.RangeIndex):  # every row wider than the header:
            raise pd.errors.ParserError("wide rows")  # pandas took the first fields as an index
        frame["line"] = np.arange(2, len(frame) + 2, dtype=np.int32)
    except pd.errors.ParserError:
        frame, findings = _read_csv_rows(whole().decode("utf-8"), where, dtype)
    except pd.errors.EmptyDataError:  # blank first lines, and no field on any line after
        return None, [_header_finding(where, columns, [])]
    except FileNotFoundError:
        return None, [_gone(where)]
    except (UnicodeDecodeError, OSError) as exc:  # changed since it was checked
        try:
            _, problem = _read_raw(path)
        except FileNotFoundError:
            problem = _gone(where)
        return None, [problem or Finding(
            rule="IN_unreadable", severity="error", fatal=True, file=where,
            message=f"文件在读取过程中发生变化，请重新运行（{type(exc).__name__}）")]
    header = [str(c).strip() for c in frame.columns[:-1]]
    columns = list(columns)
    if header[: len(columns)] != columns:
        return None, [_header_finding(where, columns, header)]
    frame.columns = [*header, "line"]
    if len(header) != len(columns):
        frame = frame[[*columns, "line"]]
    keep = _nonblank_rows(frame, columns)
    if not keep.all():
        frame = frame[keep]
    if min_fields > 1 and not findings:
        frame, findings = _short_rows(frame, whole, min_fields, where)
    return frame.copy(deep=False), findings  # a frame of its own, not a slice of another


def _gone(where: str) -> Finding:
    return Finding(rule="IN_unreadable", severity="error", fatal=True, file=where,
                   message="文件在读取过程中被移动或删除，请确认文件位置后重新运行")


def _header_finding(where: str, columns: Sequence[str], header: list[str]) -> Finding:
    found = f"为 {','.join(header)}" if "".join(header) else "第 1 行为空"
    return Finding(rule="IN_header", severity="error", fatal=True, file=where, line=1,
                   message=f"表头应为 {','.join(columns)}，实际{found}")


def _nonblank_rows(frame: pd.DataFrame, columns: Sequence[str]) -> np.ndarray:
    """Rows with any text in ``columns`` (empty lines are kept by the parser only to count
    lines right); column by column, without a copy of the frame."""
    keep = np.zeros(len(frame), dtype=bool)
    for column in columns:
        keep |= ~_empty(frame[column])
    return keep


def _empty(values: pd.Series) -> np.ndarray:
    """Cells with no text (a missing field, or an empty one)."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        filled = [str(c).strip() != "" for c in values.cat.categories]
        return ~per_cell(filled, values.cat.codes.to_numpy(), False)
    return (values.isna() | (values.astype(str).str.strip() == "")).to_numpy()


def _short_rows(frame: pd.DataFrame, whole: Callable[[], bytes], min_fields: int, where: str):
    """Rows the parser padded because fields were missing: reported and dropped (``whole``:
    the file's bytes, read only when there are such rows)."""
    empty = _empty(frame[frame.columns[min_fields - 1]])
    if not empty.any():
        return frame, []
    candidates = np.flatnonzero(empty)
    numbers = frame["line"].to_numpy()[candidates]
    lines = _lines_of(whole(), numbers)
    bad = np.zeros(len(frame), dtype=bool)
    findings = []
    for k, number in zip(candidates, numbers.tolist(), strict=True):
        line = lines.get(number)
        record = next(csv.reader([line]), []) if line is not None else []
        if len(record) < min_fields:
            bad[k] = True
            findings.append(Finding(
                rule="IN_malformed_row", severity="error", file=where, line=number,
                agency_id=(record[0].strip() or None) if record else None,
                actual=len(record), expected=min_fields,
                message=f"第 {number} 行只有 {len(record)} 个字段，应为 {min_fields} 个"
                        f"（{','.join(str(c) for c in frame.columns[:min_fields])}）；"
                        "空白单元格请保留逗号并将值留空，此行未读取",
            ))
    return frame[~bad], findings


#: Line breaks of ``str.splitlines`` besides ``\n`` (and ``\r\n``), as UTF-8 bytes.
_OTHER_BREAKS = (b"\x0b", b"\x0c", b"\x1c", b"\x1d", b"\x1e", b"\xc2\x85", b"\xe2\x80\xa8",
                 b"\xe2\x80\xa9")


def _lines_of(raw: bytes, numbers: np.ndarray) -> dict[int, str]:
    """Lines ``numbers`` (1-based) of a UTF-8 file as ``raw.decode().splitlines()`` numbers
    them; a number past the end is left out. Only those lines are decoded: a decoded copy of a
    national statistics file, split into ten million lines, costs seconds and gigabytes."""
    if raw.count(b"\r") != raw.count(b"\r\n") or any(b in raw for b in _OTHER_BREAKS):
        every = raw.decode("utf-8").splitlines()
        return {n: every[n - 1] for n in set(numbers.tolist()) if 0 < n <= len(every)}
    ends = _byte_offsets(raw, lambda part: part == 10)
    count = len(ends) + (0 if not raw or raw.endswith(b"\n") else 1)
    out = {}
    for n in set(numbers.tolist()):
        if 0 < n <= count:
            start = int(ends[n - 2]) + 1 if n > 1 else 0
            end = int(ends[n - 1]) if n <= len(ends) else len(raw)
            out[n] = raw[start:end].decode("utf-8").removesuffix("\r")
    return out


def _byte_offsets(raw: bytes, hit: Callable[[np.ndarray], np.ndarray],
                  chunk: int = 1 << 24) -> np.ndarray:
    """Offsets of the bytes of ``raw`` that ``hit`` (a test of a byte array) picks, found a
    chunk at a time: no mask the size of a national file."""
    view = np.frombuffer(raw, dtype=np.uint8)
    parts = [np.flatnonzero(hit(view[at:at + chunk])) + at for at in range(0, len(view), chunk)]
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)


def _read_csv_rows(text: str, where: str, dtype) -> tuple[pd.DataFrame, list[Finding]]:
    """Row-by-row reading of a file the fast parser rejected; wrong-width rows are findings."""
    reader = csv.reader(io.StringIO(text))
    header = next(reader, [])
    rows, lines, findings = [], [], []
    for record in reader:
        if not any(field.strip() for field in record):
            continue
        if len(record) != len(header):
            findings.append(Finding(
                rule="IN_malformed_row", severity="error", file=where, line=reader.line_num,
                agency_id=record[0].strip() or None, actual=len(record), expected=len(header),
                message=f"第 {reader.line_num} 行有 {len(record)} 个字段，应为 {len(header)} 个"
                        f"（{','.join(header)}）；多余的逗号请删除或给含逗号的值加引号，"
                        "此行未读取",
            ))
            continue
        rows.append(record)
        lines.append(reader.line_num)
    frame = pd.DataFrame(rows, columns=header, dtype=object)
    if dtype == "category":
        frame = frame.astype("category")
    frame["line"] = np.array(lines, dtype=np.int32)
    return frame, findings


def stripped_categorical(column: pd.Categorical) -> pd.Categorical:
    """A categorical text column with its values stripped of surrounding white space.

    Statistics files repeat a few ids millions of times: cleaning the distinct values only is
    what keeps loading 10,000 agency-years fast.
    """
    codes, uniques = np.asarray(column.codes), column.categories
    cleaned = [str(u).strip() for u in uniques]
    final, categories = pd.factorize(np.array(cleaned, dtype=object), use_na_sentinel=False)
    return pd.Categorical.from_codes(take(final.astype(codes_dtype(len(categories))), codes),
                                     categories=list(categories))


def load_agencies(data_dir: Path) -> tuple[pd.DataFrame, list[Finding]]:
    """The agency registry, indexed by agency_id; bad rows are reported and left out."""
    path = Path(data_dir) / AGENCIES_FILE
    if not path.exists():
        return pd.DataFrame(columns=list(AGENCY_COLUMNS)).set_index("agency_id"), [
            Finding(rule="IN_missing_file", severity="error", fatal=True,
                    file=display_path(path), message="缺少单位名录文件 agencies.csv")
        ]
    frame, findings = _read_csv(path, AGENCY_COLUMNS)
    if frame is None:
        return pd.DataFrame(columns=list(AGENCY_COLUMNS)).set_index("agency_id"), findings
    where = display_path(path)
    bad = ~frame["agency_id"].str.fullmatch(SLUG.pattern)
    for _, r in frame[bad].iterrows():
        findings.append(Finding(
            rule="IN_agency_id", severity="error", file=where, line=int(r.line),
            agency_id=r.agency_id or None,
            message=f"单位标识“{r.agency_id}”无效：只能使用小写字母、数字和连字符，且以字母或数字开头",
        ))
    dup = frame["agency_id"].duplicated(keep="first") & ~bad
    for _, r in frame[dup].iterrows():
        findings.append(Finding(
            rule="IN_duplicate_agency", severity="error", file=where, line=int(r.line),
            agency_id=r.agency_id, message=f"单位标识“{r.agency_id}”在名录中重复出现",
        ))
    kind_bad = ~frame["kind"].isin(list(AGENCY_KINDS)) & ~bad
    for _, r in frame[kind_bad].iterrows():
        findings.append(Finding(
            rule="IN_agency_kind", severity="error", file=where, line=int(r.line),
            agency_id=r.agency_id,
            message=f"单位类型“{r.kind}”无效，应为{'、'.join(AGENCY_KINDS)}之一",
        ))
    control = frame[["name", "short_name", "region"]].apply(
        lambda c: c.astype(str).str.contains(r"[\x00-\x1f\x7f]", regex=True)).any(axis=1)
    empty_name = ((frame["name"] == "") | control) & ~bad
    for _, r in frame[empty_name].iterrows():
        findings.append(Finding(
            rule="IN_agency_name", severity="error", file=where, line=int(r.line),
            agency_id=r.agency_id,
            message="单位全称（name）为空" if r["name"] == "" else
                    "单位名称或地区中含有换行符或其他控制字符，请改为一行文字",
        ))
    keep = ~(bad | dup | kind_bad | empty_name)
    frame = frame[keep].copy()
    frame["short_name"] = frame["short_name"].where(frame["short_name"] != "", frame["name"])
    return frame.set_index("agency_id"), findings


DEADLINE_COLUMNS = ["region", "kind", "deadline"]


def load_deadlines(data_dir: Path) -> tuple[dict[tuple[str, str], tuple[int, int]],
                                            list[Finding]]:
    """Local deadlines (``deadlines.csv``: region,kind,deadline as MM-DD); bad rows reported."""
    path = Path(data_dir) / DEADLINES_FILE
    if not path.exists():
        return {}, []
    frame, findings = _read_csv(path, DEADLINE_COLUMNS, min_fields=len(DEADLINE_COLUMNS))
    if frame is None:
        for f in findings:
            f.fatal = False  # the rule falls back to the default deadline; check still fails
        return {}, findings
    out: dict[tuple[str, str], tuple[int, int]] = {}
    where = display_path(path)
    for r in frame.itertuples():
        region, kind, text = (str(v).strip() for v in (r.region, r.kind, r.deadline))
        m = re.fullmatch(r"(\d{1,2})-(\d{1,2})", text)
        problem = None
        if kind not in AGENCY_KINDS or AGENCY_KINDS[kind] != "local":
            problem = f"单位类型“{kind}”无效：本地截止日期只适用于街道、乡镇"
        elif m is None:
            problem = f"截止日期“{text}”应写成 MM-DD（月-日），如 02-15"
        else:
            month, day = int(m.group(1)), int(m.group(2))
            try:
                dt.date(2001, month, day)  # not a leap year: the date must exist every year
            except ValueError:
                problem = f"截止日期“{text}”不是每年都有的日期"
        if problem:
            findings.append(Finding(rule="IN_deadlines", severity="error", file=where,
                                    line=int(r.line), message=f"{problem}，此行未使用"))
            continue
        out[(region, kind)] = (month, day)
    return out, findings


def stats_files(data_dir: Path) -> dict[int, Path]:
    """The statistics files by report year (``stats/<year>.csv``)."""
    folder = Path(data_dir) / STATS_DIR
    out = {}
    for path in sorted(folder.glob("*.csv")):
        if re.fullmatch(r"\d{4}", path.stem):
            out[int(path.stem)] = path
    return out


def _valid_refs_by_year(years) -> dict[int, frozenset[str]]:
    return {y: frozenset(format_for_year(y).cell_refs()) for y in years}


#: Reads the statistics files ``[path, ...]``; returns ``read_stats_file`` of each, in order.
#: Large data sets pass one that reads them in parallel.
StatsReader = Callable[[list[Path]], list[tuple[pd.DataFrame | None, list[Finding]]]]


def read_stats_files(paths: list[Path]) -> list:
    """``read_stats_file`` of each file, one after the other."""
    return [read_stats_file(path) for path in paths]


def load_stats(
    data_dir: Path, years: set[int] | None, registry: pd.DataFrame,
    read: StatsReader = read_stats_files,
) -> tuple[pd.DataFrame, list[Finding]]:
    """All cells of the selected years as one long frame, with values parsed and checked ids."""
    entries: list[Finding | int] = []  # findings, and the places of the files read, in order
    jobs: list[tuple[Path, int]] = []
    folder = Path(data_dir) / STATS_DIR
    for path in sorted(folder.iterdir()) if folder.is_dir() else []:
        if path.suffix.lower() != ".csv" or path.name.startswith("."):
            continue
        if not re.fullmatch(r"\d{4}", path.stem) or path.suffix != ".csv":
            proper = f"{path.stem}.csv" if re.fullmatch(r"\d{4}", path.stem) else "<年度>.csv"
            entries.append(Finding(
                rule="IN_file_name", severity="warning", file=display_path(path),
                message=f"统计数据文件名应为“{proper}”（扩展名小写），此文件未读取："
                        "其中的报告不会生成，下一年度的结转核对也因缺少上年数据而不能进行",
            ))
            continue
        year = int(path.stem)
        if years is not None and year not in years:
            continue
        try:
            format_for_year(year)
        except ValueError as exc:
            entries.append(Finding(rule="IN_year", severity="error", fatal=True, year=year,
                                   file=display_path(path), message=str(exc)))
            continue
        entries.append(len(jobs))
        jobs.append((path, year))
    results = read([path for path, _ in jobs]) if jobs else []
    findings: list[Finding] = []
    frames, sources = [], []  # the frames of the files with rows, and their (path, year)
    for entry in entries:
        if isinstance(entry, Finding):
            findings.append(entry)
            continue
        frame, problems = results[entry]
        findings += problems
        if frame is not None and len(frame):  # a file of bad rows only adds none
            frames.append(frame)
            sources.append(jobs[entry])
    if not frames:
        return _empty_cells(), findings
    ends = np.cumsum([len(f) for f in frames])
    rows_of_year = {year: slice(int(end) - len(f), int(end))
                    for f, (_, year), end in zip(frames, sources, ends, strict=True)}
    columns = _joined_columns(frames, sources)
    for column in ("agency_id", "table", "row", "col"):
        columns[column] = stripped_categorical(columns[column])
    columns["ref"] = _joined_ref(columns)
    columns["format"] = _format_ids(columns["year"])
    columns.update(_parse_values(columns["value"]))
    # one frame built at once: adding columns one by one copies each of them (60 million
    # cells at national scale)
    cells = pd.DataFrame(columns, copy=False)
    findings += _check_ids(cells, registry, rows_of_year)
    return cells, findings


def _joined_columns(frames: list[pd.DataFrame], sources: list[tuple[Path, int]]
                    ) -> dict[str, object]:
    """The columns of the files' frames, each joined across files, with the ``year`` and
    ``file`` of each row (``sources``: the file and year of each frame) and its ``line``.

    A file's column is dropped as soon as it is joined (``pop``), so that the joined columns
    of a national data set reuse the memory of the files' ones instead of adding a gigabyte
    of fresh pages."""
    columns: dict[str, object] = {}
    for column in STATS_COLUMNS:
        columns[column] = union_categoricals([f.pop(column).array for f in frames])
    lengths = [len(f) for f in frames]
    codes = np.arange(len(frames), dtype=np.int8 if len(frames) < 127 else np.int16)
    columns["file"] = pd.Categorical.from_codes(np.repeat(codes, lengths),
                                                categories=[display_path(p) for p, _ in sources])
    columns["line"] = np.concatenate([
        f.pop("line").to_numpy() if "line" in f else np.arange(2, n + 2, dtype=np.int32)
        for f, n in zip(frames, lengths, strict=True)])
    columns["year"] = np.repeat(np.array([year for _, year in sources], dtype=np.int16), lengths)
    return columns


def read_stats_file(path: Path) -> tuple[pd.DataFrame | None, list[Finding]]:
    """One year's statistics file: its rows (text columns as categoricals) and the findings of
    reading it. Each file on its own, so that files can be read side by side.

    The rows carry their ``line`` only where some lines gave no row; otherwise, and for the
    year and the file, the join numbers them. A national file has ten million rows, which a
    worker sends to its parent: every byte a row saves there is ten megabytes not copied."""
    frame, problems = _read_csv(path, STATS_COLUMNS, dtype="category",
                                min_fields=len(STATS_COLUMNS))
    if frame is None:
        return None, problems
    for column in STATS_COLUMNS:
        frame[column] = _text_categories(frame[column].array)
    if len(frame) and frame["line"].iat[-1] == len(frame) + 1:  # rising from 2: every line
        del frame["line"]
    return frame, problems


def _format_ids(years: np.ndarray) -> pd.Categorical:
    """The format id of every cell's year, as a categorical (speed and memory at scale)."""
    low = int(years.min(initial=0))
    size = int(years.max(initial=0)) - low + 1
    distinct, per_year = _dense_lookup(years - low, size)
    ids, codes = np.unique([format_for_year(int(y) + low).id for y in distinct],
                           return_inverse=True)
    return pd.Categorical.from_codes(_recoded(years - low, per_year, codes, len(ids)),
                                     categories=[str(i) for i in ids])


def _empty_cells() -> pd.DataFrame:
    frame = pd.DataFrame(
        columns=[*STATS_COLUMNS, "line", "year", "file", "ref", "format", "value_num", "blank",
                 "unit", "valid"]
    )
    return frame.astype({"year": int, "line": int, "value_num": float, "blank": bool,
                         "valid": bool})


def _text_categories(column: pd.Categorical) -> pd.Categorical:
    """The same categorical with its categories as plain text (files may differ in dtype)."""
    categories = pd.Index([str(c) for c in column.categories], dtype=object)
    return pd.Categorical.from_codes(np.asarray(column.codes), categories=categories)


def _joined_ref(cells) -> pd.Categorical:
    """``table.row.col`` for every cell, built once per distinct combination."""
    t, r, c = (cells[k] for k in ("table", "row", "col"))
    nr, nc = len(r.categories), len(c.categories)
    size = len(t.categories) * nr * nc
    combo = np.asarray(t.codes).astype(np.int32 if size < 2**31 else np.int64)
    for factor, codes in ((nr, r.codes), (nc, c.codes)):  # in place: no further temporaries
        combo *= factor
        combo += np.asarray(codes)
    uniques, lookup = _dense_lookup(combo, size)
    names = [
        f"{t.categories[u // (nr * nc)]}.{r.categories[(u // nc) % nr]}.{c.categories[u % nc]}"
        for u in uniques
    ]
    codes, categories = pd.factorize(np.array(names, dtype=object), use_na_sentinel=False)
    return pd.Categorical.from_codes(_recoded(combo, lookup, codes, len(categories)),
                                     categories=list(categories))


def _dense_lookup(values: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray | None]:
    """The distinct integers of ``values`` (all in ``range(size)``), sorted, and a table from
    each integer to its place among them, when the range is small (tens of millions of cells,
    few ids); for a large range no table (None): ``_recoded`` then sorts instead."""
    if size > 4 * len(values) + 1_000_000:
        return np.unique(values), None
    seen = np.zeros(size, dtype=bool)
    mark(seen, values)
    uniques = np.flatnonzero(seen)
    lookup = np.zeros(size, dtype=np.int64)
    lookup[uniques] = np.arange(len(uniques))
    return uniques, lookup


def _recoded(values: np.ndarray, lookup: np.ndarray | None, codes: np.ndarray,
             n: int) -> np.ndarray:
    """For each of ``values``, ``codes`` of its place among the distinct values (``_dense_lookup``),
    gathered once, straight into the type of the codes of ``n`` categories."""
    codes = np.asarray(codes).astype(codes_dtype(n))
    if lookup is None:
        return codes[np.unique(values, return_inverse=True)[1]]
    return take(codes[lookup], values)


def _repeated(keys: np.ndarray, size: int) -> np.ndarray:
    """Which of the integer ``keys`` (in ``range(size)``) occur more than once."""
    if size > 4 * len(keys) + 1_000_000:
        return pd.Series(keys).duplicated(keep=False).to_numpy()
    return np.bincount(keys, minlength=size)[keys] > 1


_SEPARATORS = re.compile(r"[,，\s]")
_UNIT = re.compile(UNIT_SUFFIX)


def _parse_one(raw: str, blank_tokens: set[str]) -> tuple[float, bool, str]:
    """Number cleanup of the spec for one distinct value: (number, blank, unit).

    Text that is not a finite number (``inf``, ``nan``, ``1e400``) is NaN, like any other text
    that is not a number: validation reports it (``R6_types``) and no rule computes with it.
    """
    text = raw.strip()
    if text in blank_tokens:
        return 0.0, True, ""
    text = _SEPARATORS.sub("", text)
    unit = _UNIT.search(text)
    if unit:
        text = text[: unit.start()]
    try:
        number = float(text) if _NUMBER.fullmatch(text) else math.nan
    except ValueError:
        number = math.nan
    return (number if math.isfinite(number) else math.nan), False, unit.group(0) if unit else ""


_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def gbk_reading(text: str) -> str | None:
    """What ``text`` reads as when its UTF-8 bytes are taken as GBK, when that is a number (with
    a unit): the sign of a GBK file whose bytes also happen to be valid UTF-8 (GBK “元” is “Ԫ”).
    """
    if text.isascii():
        return None
    try:
        other = text.encode("utf-8").decode("gb18030")
    except (UnicodeDecodeError, UnicodeEncodeError):
        return None
    return other if math.isfinite(_parse_one(other, set())[0]) else None


def parsed_categories(uniques) -> list[tuple[float, bool, str]]:
    """(number, blank, unit) of each distinct raw value: what ``value_num``, ``blank`` and
    ``unit`` of the statistics frame hold for a cell of that value."""
    blank_tokens = set(all_formats()[0].blank_tokens)
    return [_parse_one(str(u), blank_tokens) for u in uniques]


def _parse_values(raw: pd.Categorical) -> dict[str, object]:
    """Separators, spaces and trailing units go; blanks become 0 and are flagged."""
    codes, uniques = np.asarray(raw.codes), raw.categories
    parsed = parsed_categories(uniques)
    # Categorical (one byte a cell), not one object pointer per cell: national data sets have
    # a hundred million cells.
    unit_codes, units = pd.factorize(np.array([p[2] for p in parsed] or [""], dtype=object))
    return {
        "value_num": take(np.array([p[0] for p in parsed], dtype=float), codes),
        "blank": take(np.array([p[1] for p in parsed], dtype=bool), codes),
        "unit": pd.Categorical.from_codes(take(unit_codes.astype(codes_dtype(len(units))), codes),
                                          categories=units),
    }


def _check_ids(cells: pd.DataFrame, registry: pd.DataFrame, rows_of_year: dict[int, slice]
               ) -> list[Finding]:
    """Unknown agencies, unknown or misplaced cell ids, duplicated cells: reported, then ignored.

    ``rows_of_year``: the cells of each year, which stand together (one file a year).
    """
    findings = []
    valid_refs = _valid_refs_by_year(rows_of_year)
    known_agency = _in_registry(cells["agency_id"], registry)
    for (file, agency), grp in cells[~known_agency].groupby(["file", "agency_id"], sort=True,
                                                            observed=True):
        findings.append(Finding(
            rule="IN_unknown_agency", severity="error", file=file, line=int(grp.line.iloc[0]),
            agency_id=agency or None, year=int(grp.year.iloc[0]),
            message=f"单位标识“{agency}”不在单位名录 agencies.csv 中（共 {len(grp)} 行数据未使用）",
        ))
    ref_codes = np.asarray(cells["ref"].cat.codes)
    agency_codes = np.asarray(cells["agency_id"].cat.codes)
    n_refs = len(cells["ref"].cat.categories)
    size = (int(agency_codes.max(initial=0)) + 2) * n_refs  # (agency, cell id) as one integer
    key_type = np.int32 if size < 2**31 else np.int64
    ok_ref = np.zeros(len(cells), dtype=bool)
    repeated = np.zeros(len(cells), dtype=bool)
    for year, refs in valid_refs.items():  # one year at a time: small temporaries, small keys
        rows = rows_of_year[year]
        refs_ok = [c in refs for c in cells["ref"].cat.categories]
        ok_ref[rows] = per_cell(refs_ok, ref_codes[rows], False)
        key = agency_codes[rows].astype(key_type)
        key += 1
        key *= n_refs
        key += ref_codes[rows]
        repeated[rows] = _repeated(key, size)
    other_refs = {f.id: set(f.cell_refs()) for f in all_formats()}
    for _, r in cells[known_agency & ~ok_ref].iterrows():
        fmt = format_for_year(r.year)
        hint = next(
            (f"；该单元格属于 {fid} 格式，{r.year} 年度报告适用 {fmt.id} 格式"
             for fid, refs in other_refs.items() if fid != fmt.id and r.ref in refs),
            f"；{fmt.id} 格式中没有此表、行或列",
        )
        findings.append(Finding(
            rule="IN_unknown_cell", severity="error", file=r.file, line=int(r.line),
            agency_id=r.agency_id, year=int(r.year), cells=[r.ref],
            message=f"未知单元格“{r.table},{r.row},{r.col}”{hint}",
        ))
    usable = known_agency & ok_ref
    dup = usable & repeated
    for (agency, year, ref), grp in cells[dup].groupby(["agency_id", "year", "ref"], sort=True,
                                                          observed=True):
        label = format_for_year(year).cell_label(ref)
        lines = "、".join(str(n) for n in grp.line)
        findings.append(Finding(
            rule="IN_duplicate_cell", severity="error", file=grp.file.iloc[0],
            line=int(grp.line.iloc[0]), agency_id=agency, year=int(year), cells=[ref],
            labels=[label], actual=list(grp.value),
            message=f"单元格“{label}”重复出现（第 {lines} 行），只能填写一次",
        ))
    cells["valid"] = usable & ~dup
    return findings


def _in_registry(agency: pd.Series, registry: pd.DataFrame) -> np.ndarray:
    """Which cells belong to an agency of the registry (judged once per distinct id)."""
    if not isinstance(agency.dtype, pd.CategoricalDtype):
        return agency.isin(registry.index).to_numpy()
    known = agency.cat.categories.isin(registry.index)
    return per_cell(known, np.asarray(agency.cat.codes), False)


def missing_cell_finding(agency: str, year: int, missing: list[str], file: str) -> Finding:
    """Required cells an agency-year leaves out (totals may be left out: they are derived)."""
    fmt = format_for_year(year)
    tables = sorted({m.split(".")[0] for m in missing})
    return Finding(
        rule="IN_missing_cell", severity="error", file=file, agency_id=agency, year=int(year),
        cells=missing, labels=[fmt.cell_label(m) for m in missing],
        message=f"缺少 {len(missing)} 个单元格（涉及{'、'.join(tables)}），"
                f"如“{fmt.cell_label(missing[0])}”；空白单元格请保留该行并将值留空",
    )


def required_refs(fmt) -> list[str]:
    return [r for r in fmt.cell_refs() if not OPTIONAL_CELL.match(r)]


# ---------------------------------------------------------------- narrative text


@cache
def _section_titles(year: int) -> dict[str, str]:
    """Accepted heading → section id, with and without the numeral prefix."""
    fmt = format_for_year(year)
    out = {}
    for sec in fmt.sections:
        for title in [sec.title, *sec.title_variants]:
            out[title] = sec.id
            out[f"{sec.no}、{title}"] = sec.id
    return out


def parse_prose(text: str, year: int, where: str) -> tuple[Prose, list[Finding]]:
    """Front matter and ``##`` sections of one narrative file."""
    findings = []
    meta: dict = {}
    body = text
    body_line = 1
    if text.startswith("---"):
        end = re.search(r"^---\s*$", text[3:], flags=re.M)
        if end is None:
            findings.append(Finding(rule="IN_front_matter", severity="error", file=where, line=1,
                                    message="YAML 头部信息没有以“---”结束"))
        else:
            block = text[3 : 3 + end.start()]
            body = text[3 + end.end():]
            body_line = text[: 3 + end.end()].count("\n") + 1
            try:
                loaded = _simple_front_matter(block)
                if loaded is None:
                    loaded = yaml.load(block, Loader=yaml.CSafeLoader) or {}
                if not isinstance(loaded, dict):
                    raise yaml.YAMLError("front matter is not a mapping")
                meta = loaded
            except yaml.YAMLError as exc:
                mark = getattr(exc, "problem_mark", None)
                line = mark.line + 1 if mark else 1
                findings.append(Finding(
                    rule="IN_front_matter", severity="error", file=where, line=line,
                    message="YAML 头部信息格式错误，请检查冒号、引号和括号"
                            f"（解析器提示：{getattr(exc, 'problem', None) or exc}）",
                ))
            except ValueError:  # a well-formed but impossible date, e.g. 2023-13-01
                findings.append(Finding(
                    rule="IN_front_matter", severity="error", file=where, line=1,
                    message="头部信息中的日期无效：发布日期 published 应写成有效的 YYYY-MM-DD 日期",
                ))
    else:
        findings.append(Finding(rule="IN_front_matter", severity="error", file=where, line=1,
                                message="缺少 YAML 头部信息（以“---”开始，"
                                        "至少包含 published 发布日期）"))
    if not findings:
        findings += _check_meta(meta, year, where, text)
    titles = _section_titles(year)
    sections: dict[str, list[str]] = {}
    lines = body.splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith("## ")]
    for at, end in pairwise([*starts, len(lines)]):
        heading = lines[at][3:].strip()
        current = titles.get(heading)
        if current not in PROSE_SECTIONS:
            findings.append(Finding(
                rule="IN_text_heading", severity="error", file=where, line=body_line + at,
                message=f"无法识别的二级标题“{heading}”：正文只应包含"
                        "“## 总体情况”“## 存在的主要问题及改进情况”“## 其他需要报告的事项”",
            ))
            continue  # its lines belong to no section
        sections.setdefault(current, []).extend(lines[at + 1:end])
    return Prose(meta=meta, sections={k: "\n".join(v).strip() for k, v in sections.items()},
                     path=where), findings


_SIMPLE_LINE = re.compile(r"([a-z_]+):[ \t]*(\d{4}-\d{2}-\d{2}|\d+(?:\.\d+)?)[ \t]*")


def _simple_front_matter(block: str) -> dict | None:
    """Fast path for the usual front matter (``key: date`` / ``key: number`` lines).

    Returns None for anything else, which then goes to the YAML parser; both give the same
    values for the lines this accepts.
    """
    out: dict = {}
    for line in block.splitlines():
        if not line.strip():
            continue
        m = _SIMPLE_LINE.fullmatch(line)
        if m is None:
            return None
        key, value = m.groups()
        if "-" in value:
            try:
                out[key] = dt.date.fromisoformat(value)
            except ValueError:
                return None
        else:
            out[key] = float(value) if "." in value else int(value)
    return out


#: Front-matter figures beyond these cannot be right (and would not print): a typo, or worse.
FEE_LIMITS = {"fee_notices_issued": 10**7, "fee_notices_amount_yuan": 10**12,
              "fee_collected_yuan": 10**12}
FEE_NAMES = {"fee_notices_issued": "收费通知件数", "fee_notices_amount_yuan": "收费通知金额（元）",
             "fee_collected_yuan": "实际收取金额（元）"}


def _check_meta(meta: dict, year: int, where: str, text: str) -> list[Finding]:
    """Findings for unusable front-matter values (at their line of ``text``, the file); those
    values are removed from ``meta`` so that nothing downstream computes with them."""
    findings = []
    lines: dict[str, int] | None = None  # worked out for the first problem

    def problem(message: str, key: str) -> None:
        nonlocal lines
        lines = _key_lines(text) if lines is None else lines
        findings.append(Finding(rule="IN_front_matter", severity="error", file=where,
                                line=lines.get(key, 1), message=message, year=year))
        meta.pop(key, None)

    published = meta.get("published")
    if published is None:
        problem("YAML 头部信息缺少发布日期 published（如 published: 2021-01-27）", "published")
    elif not isinstance(published, dt.date) or isinstance(published, dt.datetime):
        problem(f"发布日期 published 应写成 YYYY-MM-DD（不带时间），实际为“{published}”",
                "published")
    elif not year < published.year <= year + 2:
        problem(f"发布日期 {published.isoformat()} 不可能是 {year} 年度报告的发布日期："
                f"年度报告应在 {year + 1} 年发布（最晚不超过 {year + 2} 年）", "published")
    for key in FEE_KEYS:
        value = meta.get(key)
        if value is None:
            continue
        name = f"{key}（{FEE_NAMES[key]}）"
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            problem(f"{name} 应为非负数，实际为“{value}”", key)
        elif isinstance(value, float) and not math.isfinite(value):
            problem(f"{name} 应为有限的非负数，实际为“{value}”", key)
        elif value < 0:
            problem(f"{name} 应为非负数，实际为“{value}”", key)
        elif key == "fee_notices_issued" and value != int(value):
            problem(f"{name} 应为整数，实际为“{value}”", key)
        elif value > FEE_LIMITS[key]:
            problem(f"{name} 为 {value}，超出合理范围（不超过 {FEE_LIMITS[key]:,}），请核对", key)
    return findings


def _key_lines(text: str) -> dict[str, int]:
    """Line of each top-level front-matter key in the file (the first line is ``---``)."""
    out: dict[str, int] = {}
    for number, line in enumerate(text.splitlines()[1:], start=2):
        if line.strip() == "---":
            break
        m = re.match(r"([A-Za-z_][A-Za-z0-9_]*)\s*:", line)
        if m:
            out.setdefault(m.group(1), number)
    return out


def load_texts(
    data_dir: Path,
    keys: list[tuple[str, int]],
    registry: pd.DataFrame,
    years: set[int] | None,
    agencies: set[str] | None = None,
) -> tuple[dict[tuple[str, int], Prose], list[Finding]]:
    """Narratives of the given agency-years, plus findings for missing or orphan files."""
    texts, findings = read_texts(data_dir, keys)
    return texts, findings + orphan_texts(data_dir, set(keys), registry, years, agencies)


def read_texts(
    data_dir: Path, keys: list[tuple[str, int]]
) -> tuple[dict[tuple[str, int], Prose], list[Finding]]:
    """Narratives of the given agency-years (in sorted order), with findings for missing,
    unreadable or malformed files."""
    findings: list[Finding] = []
    texts: dict[tuple[str, int], Prose] = {}
    folder = str(Path(data_dir) / TEXT_DIR)
    shown = display_path(folder)  # resolved once: per-file resolution costs more than reading
    for agency, year in sorted(set(keys)):
        path = f"{folder}/{year}/{agency}.md"
        where = f"{shown}/{year}/{agency}.md"
        try:
            text, problem = read_utf8(path)
        except FileNotFoundError:
            findings.append(Finding(
                rule="IN_missing_text", severity="error", agency_id=agency, year=year,
                file=where, message=f"缺少 {year} 年度报告正文文件",
            ))
            continue
        if problem:
            problem.agency_id, problem.year, problem.file = agency, year, where
            findings.append(problem)
            continue
        prose, problems = parse_prose(text, year, where)
        for p in problems:
            p.agency_id, p.year = agency, year
        findings += problems
        texts[(agency, year)] = prose
    return texts, findings


def orphan_texts(
    data_dir: Path,
    wanted: set[tuple[str, int]],
    registry: pd.DataFrame,
    years: set[int] | None,
    agencies: set[str] | None = None,
) -> list[Finding]:
    """Text files with no statistics behind them: a report that cannot be built."""
    findings: list[Finding] = []
    folder = Path(data_dir) / TEXT_DIR
    for year_dir in sorted(folder.glob("*")) if folder.exists() else []:
        if not year_dir.is_dir() or not year_dir.name.isdigit():
            continue
        year = int(year_dir.name)
        if years is not None and year not in years:
            continue
        for name in _names_ending(year_dir, ".md"):
            stem = name[:-3] or name  # as Path.stem: “.md” is a stem without a suffix
            if (stem, year) in wanted or (agencies and stem not in agencies):
                continue
            path = year_dir / name
            known = path.stem in registry.index
            findings.append(Finding(
                rule="IN_missing_stats" if known else "IN_unknown_agency", severity="error",
                agency_id=path.stem, year=year, file=display_path(path),
                message=(f"有正文但 stats/{year}.csv 中没有该单位的统计数据" if known
                         else f"正文文件名“{path.stem}”不是单位名录 agencies.csv 中的单位标识"),
            ))
    return findings


def _names_ending(folder: Path, suffix: str) -> list[str]:
    """Sorted names in ``folder`` that end in ``suffix`` (what ``Path.glob("*" + suffix)``
    finds, as plain strings: a national check lists hundreds of thousands of narratives)."""
    try:
        return sorted(name for name in os.listdir(folder) if name.endswith(suffix))
    except OSError:  # unreadable: glob finds nothing there either
        return []


def agency_record(registry: pd.DataFrame, agency_id: str) -> Agency:
    row = registry.loc[agency_id]
    return Agency(agency_id=agency_id, **{c: str(row[c]) for c in AGENCY_COLUMNS[1:]})
