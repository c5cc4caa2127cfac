"""``audit --to-data``: an audited report into data/, so ``build.py report`` can re-render it.

Cells read without doubt are written (a blank cell stays blank); cells in doubt or not read
are left out, so ``check`` names them. The narrative parts (总体情况, 存在的主要问题及改进情况,
其他需要报告的事项) become the Markdown text with the publication date and the fee figures in
the front matter. Writing goes through ``nianbao.data.write``: a different existing value is
never overwritten without ``replace``, and the change table says what would change.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from nianbao.audit.checks import guess_kind
from nianbao.audit.run import Audited
from nianbao.data.loading import PROSE_SECTIONS
from nianbao.data.write import WriteResult, write_agency_year
from nianbao.errors import DataWriteError
from nianbao.formats.spec import load_format


@dataclass
class ToDataResult:
    file: str
    agency_id: str | None
    result: WriteResult | None
    message: str


def known_agency_id(data_dir: Path, name: str | None) -> str | None:
    """The id of an agency already in ``agencies.csv`` under this full or short name."""
    registry = Path(data_dir) / "agencies.csv"
    if not name or not registry.exists():
        return None
    with registry.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if name in (row.get("name"), row.get("short_name")):
                return row.get("agency_id")
    return None


def to_data(audited: list[Audited], data_dir: Path, agency_id: str | None = None,
            replace: bool = False) -> list[ToDataResult]:
    """Write every audited report (one per agency-year, the best read one) into ``data_dir``."""
    best: dict[tuple[str | None, int | None], Audited] = {}
    for a in audited:
        key = (a.report.agency, a.report.year)
        known = len(a.report.certain_values())
        if key not in best or known > len(best[key].report.certain_values()):
            best[key] = a
    agencies = {k[0] for k in best}
    out = []
    for (name, year), a in best.items():
        r = a.report
        if year is None or r.format_id is None:
            out.append(ToDataResult(r.file, None, None,
                                    f"{r.file}：未能确定报告年度，未写入数据目录"))
            continue
        aid = agency_id if agency_id and len(agencies) == 1 else known_agency_id(data_dir, name)
        if not aid:
            out.append(ToDataResult(r.file, None, None,
                                    f"{r.file}：单位“{name or '未识别'}”不在 agencies.csv 中，"
                                    "请用 --agency-id 指定单位标识（每次一个单位）"))
            continue
        try:
            result = write_agency_year(
                data_dir, year, _agency_row(aid, name, data_dir), _cells(r),
                _front_matter(r), _markdown(r), replace=replace, agency_id=aid)
        except DataWriteError as exc:
            out.append(ToDataResult(r.file, aid, None, f"{r.file}：{exc}"))
            continue
        if result.conflicts and not replace:
            message = (f"{r.file}：数据目录中已有不同的值，未写入（加 --replace 覆盖）。"
                       f"将发生的变化：\n{result.table_text()}")
        else:
            message = f"{r.file}：已写入 {len(result.written)} 个文件\n{result.table_text()}"
        out.append(ToDataResult(r.file, aid, result, message))
    return out


def _agency_row(agency_id: str, name: str | None, data_dir: Path) -> dict | None:
    if known_agency_id(data_dir, name) == agency_id:
        return None  # already registered: nothing of the registry is touched
    return {"agency_id": agency_id, "name": name or agency_id, "short_name": name or agency_id,
            "region": "", "kind": guess_kind(name) or "部门"}


def _cells(r) -> dict[str, object]:
    out: dict[str, object] = {}
    for ref, c in r.cells.items():
        if not c.read:
            continue
        if c.value is None:
            out[ref] = None
        else:
            v = float(c.value)
            out[ref] = int(v) if v.is_integer() else v
    return out


def _front_matter(r) -> dict:
    meta: dict = {}
    if r.published:
        meta["published"] = r.published
    for key, value in r.fees.as_inputs().items():
        v = float(value)
        meta[key.removeprefix("s6.")] = int(v) if v.is_integer() else v
    return meta


def _markdown(r) -> str:
    fmt = load_format(r.format_id)
    parts = []
    for sid in PROSE_SECTIONS:
        text = r.sections.get(sid, "").strip()
        parts.append(f"## {fmt.section(sid).title}\n\n{text}\n")
    return "\n".join(parts)
