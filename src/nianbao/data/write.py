"""Writing one agency-year into data/: statistics, front matter, narrative and registry row.

Every tool that brings figures in from outside (filled Excel forms, published reports) goes
through here, so all of them share one policy: a different value already in data/ is never
overwritten unless asked (``replace``), every change is listed (old → new) before anything is
written, nothing is written at all when there is a refused conflict, the lines of other
agencies stay byte-for-byte as they were, and every file is replaced atomically.
"""

from __future__ import annotations

import bisect
import csv
import datetime as dt
import io
import math
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import yaml

from nianbao.data.loading import (
    AGENCY_COLUMNS,
    AGENCY_KINDS,
    FEE_KEYS,
    SLUG,
    STATS_COLUMNS,
    _parse_one,
)
from nianbao.errors import DataWriteError
from nianbao.files import atomic_write
from nianbao.formats.spec import format_for_year

FRONT_MATTER_LABELS = {
    "published": "发布日期",
    "fee_notices_issued": "六、收费·发出收费通知的件数",
    "fee_notices_amount_yuan": "六、收费·收费通知的总金额（元）",
    "fee_collected_yuan": "六、收费·实际收取的总金额（元）",
}
AGENCY_LABELS = {
    "name": "单位名录·单位名称", "short_name": "单位名录·简称", "region": "单位名录·所属区域",
    "kind": "单位名录·类型", "address": "单位名录·地址", "phone": "单位名录·电话",
    "postcode": "单位名录·邮编", "email": "单位名录·电子邮箱", "website": "单位名录·网址",
}  # fmt: skip
TEXT_CELL = "text"
TEXT_LABEL = "报告正文"
_BLANK_TOKENS = ("", "-", "—", "－", "/", "无")


@dataclass(frozen=True)
class Change:
    """One value that differs between data/ and what is being written (None = absent)."""

    file: str
    agency_id: str
    year: int | None
    cell: str
    label: str
    old: str | None
    new: str | None


@dataclass
class WriteResult:
    """What a write changed (or would change), what it refused, and the files it wrote."""

    changes: list[Change] = field(default_factory=list)
    conflicts: list[Change] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)
    dry_run: bool = False

    @property
    def refused(self) -> bool:
        """True when conflicts kept anything from being written."""
        return bool(self.conflicts) and not self.written and not self.dry_run

    def table_text(self) -> str:
        """The change table in Chinese: one line per changed value, conflicts marked."""
        if not self.changes:
            return "没有需要写入的变化。"
        conflict_keys = {(c.file, c.agency_id, c.cell) for c in self.conflicts}
        lines = []
        for c in self.changes:
            mark = "【与现有值不同】" if (c.file, c.agency_id, c.cell) in conflict_keys else ""
            lines.append(f"{c.file}  {c.agency_id}  {c.label}：{_shown(c.old)} → {_shown(c.new)}"
                         f"{mark}")
        return "\n".join(lines)


def _shown(value: str | None) -> str:
    if value is None:
        return "（无）"
    if value == "":
        return "（空白）"
    if "\n" in value or len(value) > 40:
        return f"（{len(value)} 字的文字）"
    return value


# ---------------------------------------------------------------- values


def format_value(value: object) -> str:
    """A cell value as the stats file writes it: integers plain, decimals without noise."""
    if value is None:
        return ""
    if isinstance(value, bool):
        raise DataWriteError(f"单元格值不能是真假值：{value}")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float | Decimal):
        number = float(value)
        if not math.isfinite(number):
            raise DataWriteError(f"单元格值不是有限的数：{value}")
        if number.is_integer():
            return str(int(number))
        return f"{round(number, 6):f}".rstrip("0").rstrip(".")
    return str(value).strip()


def _same_value(old: str, new: str) -> bool:
    """Equal as the loader reads them: blank tokens alike, numbers equal, units equal."""
    if old.strip() == new.strip():
        return True
    a, b = _parse_one(old, set(_BLANK_TOKENS)), _parse_one(new, set(_BLANK_TOKENS))
    if a[1] or b[1]:
        return a[1] == b[1]
    return not math.isnan(a[0]) and a[0] == b[0] and a[2] == b[2]


def _meta_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    return format_value(value)


# ---------------------------------------------------------------- files as runs of lines


class _CsvDoc:
    """A CSV file kept as raw lines grouped in runs by their first field (the agency id).

    Untouched runs are written back exactly as read; an agency's run is replaced as a whole,
    and a new agency's run goes to its sorted place when the file is sorted, else to the end.
    A batch of agencies costs one read and one write of the file.
    """

    def __init__(self, path: Path, header: list[str]):
        self.path = path
        self.dirty = False
        if not path.exists():
            self.bom, self.newline, self.trailing = "", "\n", True
            self.header, lines = ",".join(header), []
        else:
            raw = path.read_bytes()
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise DataWriteError(
                    f"{path}：文件不是 UTF-8 编码，无法写入；请先另存为 UTF-8") from None
            self.bom = "\ufeff" if text.startswith("\ufeff") else ""
            text = text[len(self.bom):]
            self.newline = "\r\n" if "\r\n" in text else "\n"
            self.trailing = text.endswith(("\n", "\r"))
            lines = text.splitlines()
            first = next(csv.reader([lines[0]])) if lines else []
            if [c.strip() for c in first][: len(header)] != header:
                raise DataWriteError(f"{path}：表头应为 {','.join(header)}，无法写入")
            self.header, lines = lines[0], lines[1:]
        self.runs: list[list] = []  # [agency_id, lines]
        for line in lines:
            key = _first_field(line) if line.strip() else None
            if self.runs and (key is None or key == self.runs[-1][0]):
                self.runs[-1][1].append(line)
            else:
                self.runs.append([key or "", [line]])
        ids = [r[0] for r in self.runs]
        self.sorted = ids == sorted(ids)
        self.index: dict[str, list[int]] = {}
        for i, key in enumerate(ids):
            self.index.setdefault(key, []).append(i)

    def lines_of(self, agency_id: str) -> list[str]:
        return [line for i in self.index.get(agency_id, []) for line in self.runs[i][1]
                if line.strip()]

    def set_lines(self, agency_id: str, lines: list[str]) -> None:
        self.dirty = True
        where = self.index.get(agency_id)
        if where:
            tail = [line for line in self.runs[where[0]][1] if not line.strip()]
            self.runs[where[0]][1] = lines + tail
            for i in where[1:]:
                self.runs[i][1] = [line for line in self.runs[i][1] if not line.strip()]
            return
        at = len(self.runs)
        if self.sorted:
            at = bisect.bisect_left([r[0] for r in self.runs], agency_id)
            if at == len(self.runs) and self.runs and not self.runs[-1][1][-1].strip():
                # keep trailing blank lines at the end of the file
                blank = [line for line in self.runs[-1][1] if not line.strip()]
                self.runs[-1][1] = [line for line in self.runs[-1][1] if line.strip()]
                lines = lines + blank
        self.runs.insert(at, [agency_id, lines])
        self.index = {}
        for i, run in enumerate(self.runs):
            self.index.setdefault(run[0], []).append(i)

    def data(self) -> bytes:
        lines = [self.header] + [line for run in self.runs for line in run[1]]
        body = self.newline.join(lines) + (self.newline if self.trailing else "")
        return (self.bom + body).encode("utf-8")


def _csv_line(fields: list[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="").writerow(fields)
    return buffer.getvalue()


def _first_field(line: str) -> str:
    return line.split(",", 1)[0].strip().strip('"')


# ---------------------------------------------------------------- statistics


def _stats_plan(doc: _CsvDoc, shown: str, year: int, agency_id: str,
                cells: dict[str, object], replace: bool,
                result: WriteResult) -> list[str] | None:
    """The agency's new lines of the stats file (None: unchanged); changes go to ``result``."""
    fmt = format_for_year(year)
    order = {ref: i for i, ref in enumerate(fmt.cell_refs())}
    unknown = [ref for ref in cells if ref not in order]
    if unknown:
        raise DataWriteError(
            f"{year} 年度适用 {fmt.id} 格式，其中没有单元格 {'、'.join(unknown[:5])}"
            f"{' 等' if len(unknown) > 5 else ''}（单位 {agency_id}）")
    existing: dict[str, str] = {}
    extra: list[str] = []  # lines of this agency that are not a known cell: kept as they were
    for line in doc.lines_of(agency_id):
        fields = next(csv.reader([line]))
        ref = ".".join(f.strip() for f in fields[1:4]) if len(fields) >= 5 else ""
        if ref in order and ref not in existing:
            existing[ref] = fields[4]
        else:
            extra.append(line)
    merged = dict(existing)
    changed = False
    for ref, value in cells.items():
        new = format_value(value)
        old = existing.get(ref)
        if old is not None and _same_value(old, new):
            continue
        change = Change(shown, agency_id, year, ref, fmt.cell_label(ref), old, new)
        result.changes.append(change)
        if old is not None:
            result.conflicts.append(change)
            if not replace:
                continue
        merged[ref] = new
        changed = True
    if not changed:
        return None
    return [_csv_line([agency_id, *ref.split("."), value])
            for ref, value in sorted(merged.items(), key=lambda kv: order[kv[0]])] + extra


# ---------------------------------------------------------------- registry


def _registry_plan(doc: _CsvDoc, shown: str, agency_id: str, agency: dict | None,
                   replace: bool, result: WriteResult) -> list[str] | None:
    """The agency's new registry line (None: unchanged); changes go to ``result``."""
    lines = doc.lines_of(agency_id)
    if agency is None:
        if not lines:
            raise DataWriteError(
                f"单位“{agency_id}”不在单位名录 {shown} 中；请先在名录中添加该单位")
        return None
    if not lines:
        row = {k: str(agency.get(k) or "").strip() for k in AGENCY_COLUMNS}
        row["agency_id"] = agency_id
        if not row["name"]:
            raise DataWriteError(f"新单位“{agency_id}”缺少单位名称 name，无法加入单位名录")
        if row["kind"] not in AGENCY_KINDS:
            raise DataWriteError(f"新单位“{agency_id}”的类型“{row['kind']}”无效，"
                                 f"应为{'、'.join(AGENCY_KINDS)}之一")
        for key in AGENCY_COLUMNS[1:]:
            if row[key]:
                result.changes.append(Change(shown, agency_id, None, key, AGENCY_LABELS[key],
                                             None, row[key]))
        return [_csv_line([row[k] for k in AGENCY_COLUMNS])]
    fields = next(csv.reader([lines[0]]))
    current = dict(zip(AGENCY_COLUMNS, [*fields, *[""] * len(AGENCY_COLUMNS)], strict=False))
    changed = False
    for key in AGENCY_COLUMNS[1:]:
        new = str(agency.get(key) or "").strip()
        old = current[key].strip()
        if not new or new == old:
            continue  # a field the caller does not know never erases the registry's
        change = Change(shown, agency_id, None, key, AGENCY_LABELS[key], old or None, new)
        result.changes.append(change)
        if old:
            result.conflicts.append(change)
            if not replace:
                continue
        current[key] = new
        changed = True
    if not changed:
        return None
    return [_csv_line([current[k] for k in AGENCY_COLUMNS]), *lines[1:]]


# ---------------------------------------------------------------- narrative


_FRONT = re.compile(r"\A---[ \t]*\r?\n(.*?)^---[ \t]*$\r?\n?", re.S | re.M)


def split_text(text: str) -> tuple[dict, str]:
    """Front matter (as a dict) and body of a narrative file."""
    text = text.lstrip("\ufeff")
    match = _FRONT.match(text)
    if not match:
        return {}, text
    try:
        meta = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError:
        meta = None
    if not isinstance(meta, dict):
        raise DataWriteError("现有正文文件的 YAML 头部信息无法读取，请先修正")
    return meta, text[match.end():]


def _front_lines(meta: dict) -> list[str]:
    keys = [k for k in ("published", *FEE_KEYS) if k in meta]
    keys += [k for k in meta if k not in keys]
    out = []
    for key in keys:
        value = meta[key]
        if isinstance(value, dt.date | int | float | Decimal) and not isinstance(value, bool):
            out.append(f"{key}: {_meta_text(value)}")
        else:
            out.append(yaml.safe_dump({key: value}, allow_unicode=True, width=10_000).strip())
    return out


def _meta_value(key: str, value: object) -> object:
    """A front-matter value as YAML should hold it: the date as a date, not a string."""
    if key == "published" and isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            raise DataWriteError(f"发布日期应写成 YYYY-MM-DD，实际为“{value}”") from None
    return value


def _norm_body(text: str) -> str:
    """A narrative body compared loosely: line-end spaces and runs of blank lines do not count."""
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines))


def _text_update(path: Path, shown: str, year: int, agency_id: str, front_matter: dict,
                 text_markdown: str | None, replace: bool,
                 result: WriteResult) -> bytes | None:
    exists = path.exists()
    meta, body = split_text(path.read_text("utf-8-sig")) if exists else ({}, "")
    changed = False
    for key, value in front_matter.items():
        if value is None:
            continue
        new, old = _meta_text(value), _meta_text(meta.get(key))
        if old is not None and (old == new or _same_value(old, new)):
            continue
        change = Change(shown, agency_id, year, key, FRONT_MATTER_LABELS.get(key, key), old, new)
        result.changes.append(change)
        if old is not None:
            result.conflicts.append(change)
            if not replace:
                continue
        meta[key] = _meta_value(key, value)
        changed = True
    if text_markdown is not None and _norm_body(text_markdown) != _norm_body(body):
        old = _norm_body(body) or None
        change = Change(shown, agency_id, year, TEXT_CELL, TEXT_LABEL, old,
                        _norm_body(text_markdown))
        result.changes.append(change)
        if old is not None:
            result.conflicts.append(change)
        if old is None or replace:
            body = text_markdown
            changed = True
    if not changed:
        return None
    out = "---\n" + "\n".join(_front_lines(meta)) + "\n---\n\n" + _norm_body(body) + "\n"
    return out.encode("utf-8")


# ---------------------------------------------------------------- the one entry point


@dataclass(frozen=True)
class AgencyYear:
    """One agency-year to write (the arguments of ``write_agency_year``)."""

    year: int
    agency: dict | None
    cells: dict[str, object]
    front_matter: dict
    text_markdown: str | None
    agency_id: str | None = None


def write_agency_year(data_dir: Path, year: int, agency: dict | None, cells: dict[str, object],
                      front_matter: dict, text_markdown: str | None, *, replace: bool = False,
                      dry_run: bool = False, agency_id: str | None = None) -> WriteResult:
    """Write one agency-year into ``data_dir``.

    ``agency`` is a registry row: one not yet in agencies.csv is added, one already there has
    its empty fields filled (a different non-empty field is a conflict). With ``agency=None``
    (or a row holding only ``agency_id``) the agency named by ``agency_id`` must already be in
    the registry. ``cells`` maps ``table.row.col`` to a value (None = a blank cell);
    ``front_matter`` holds ``published`` and the fee keys (None values are skipped);
    ``text_markdown`` is the narrative body under the front matter (None keeps the existing
    one). Nothing is written if a different existing value would be overwritten and
    ``replace`` is False, nor when ``dry_run``; the result lists every change either way.
    """
    entry = AgencyYear(int(year), agency, cells, front_matter, text_markdown, agency_id)
    return write_agency_years(data_dir, [entry], replace=replace, dry_run=dry_run)[0]


def write_agency_years(data_dir: Path, entries: list[AgencyYear], *, replace: bool = False,
                       dry_run: bool = False) -> list[WriteResult]:
    """Write many agency-years with one read and one write per file; one result per entry.

    Each entry is all or nothing: an entry with a refused conflict writes nothing, the
    others are written. A bad entry (unknown cell, invalid id) raises before anything is
    written.
    """
    data_dir = Path(data_dir)
    docs: dict[Path, _CsvDoc] = {}

    def doc(path: Path, header: list[str]) -> _CsvDoc:
        if path not in docs:
            docs[path] = _CsvDoc(path, header)
        return docs[path]

    registry = data_dir / "agencies.csv"
    results: list[WriteResult] = []
    texts: list[tuple[WriteResult, Path, bytes]] = []
    doc_users: dict[Path, list[WriteResult]] = {}
    for entry in entries:
        agency, agency_id = _resolve_agency(entry)
        year = int(entry.year)
        try:
            format_for_year(year)
        except ValueError as exc:
            raise DataWriteError(str(exc)) from None
        result = WriteResult(dry_run=dry_run)
        results.append(result)
        stats = data_dir / "stats" / f"{year}.csv"
        text = data_dir / "text" / str(year) / f"{agency_id}.md"
        reg_doc = doc(registry, AGENCY_COLUMNS)
        reg_lines = _registry_plan(reg_doc, "agencies.csv", agency_id, agency, replace, result)
        stats_doc = doc(stats, STATS_COLUMNS) if entry.cells else None
        stats_lines = (_stats_plan(stats_doc, f"stats/{year}.csv", year, agency_id,
                                   entry.cells, replace, result) if stats_doc else None)
        text_data = None
        if entry.front_matter or entry.text_markdown is not None:
            text_data = _text_update(text, f"text/{year}/{agency_id}.md", year, agency_id,
                                     entry.front_matter, entry.text_markdown, replace, result)
        if dry_run or (result.conflicts and not replace):
            continue
        if reg_lines is not None:
            reg_doc.set_lines(agency_id, reg_lines)
            doc_users.setdefault(registry, []).append(result)
        if stats_lines is not None:
            stats_doc.set_lines(agency_id, stats_lines)
            doc_users.setdefault(stats, []).append(result)
        if text_data is not None:
            texts.append((result, text, text_data))
    for path, d in docs.items():
        if d.dirty:
            atomic_write(path, d.data())
            for result in doc_users.get(path, []):
                result.written.append(path)
    for result, path, data in texts:
        atomic_write(path, data)
        result.written.append(path)
    return results


def _resolve_agency(entry: AgencyYear) -> tuple[dict | None, str]:
    agency, agency_id = entry.agency, entry.agency_id
    if agency is not None and not any(str(agency.get(k) or "").strip()
                                      for k in AGENCY_COLUMNS[1:]):
        agency_id, agency = str(agency.get("agency_id") or agency_id or ""), None
    if agency is not None:
        agency_id = str(agency.get("agency_id") or agency_id or "")
    agency_id = (agency_id or "").strip()
    if not agency_id:
        raise DataWriteError("没有给出单位标识 agency_id")
    if not SLUG.fullmatch(agency_id):
        raise DataWriteError(f"单位标识“{agency_id}”无效：只能使用小写字母、数字和连字符，"
                             "且以字母或数字开头")
    return agency, agency_id
