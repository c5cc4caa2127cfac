"""The cheap check of a report's parameters, before a kernel is started for it.

``nianbao report`` calls this in the driver so that a wrong agency, year or profile is told at
once; everything else (reading every cell, validating, the publish gate) happens once, in the
notebook, through ``nianbao.report.document.prepare``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from nianbao.data.loading import load_agencies, stats_files
from nianbao.errors import ParameterError
from nianbao.findings import Finding
from nianbao.formats.spec import format_for_year
from nianbao.paths import display_path

PROFILES = ("review", "publish")


def check_parameters(agency_id: str, year: int, data_dir: str | Path,
                     profile: str = "review") -> None:
    """Raise ``ParameterError`` saying what to fix: an unknown profile or agency, a year without
    a format, a statistics file or a row of this agency. Reads the registry and the
    ``agency_id`` column of the statistics files only."""
    if profile not in PROFILES:
        raise ParameterError(f"profile 应为 {' 或 '.join(PROFILES)}，实际为“{profile}”")
    data_dir = Path(data_dir)
    registry_file = data_dir / "agencies.csv"
    if not registry_file.exists():
        raise ParameterError(f"数据目录 {display_path(data_dir)} 中没有单位名录 agencies.csv")
    registry, findings = load_agencies(data_dir)
    fatal = [f for f in findings if f.fatal]
    if fatal:
        raise ParameterError(f"单位名录 {display_path(registry_file)} 无法读取：{fatal[0].message}")
    if agency_id not in registry.index:
        raise ParameterError(registry_reason(findings, agency_id, registry_file))
    try:
        format_for_year(int(year))
    except ValueError as exc:
        raise ParameterError(str(exc)) from None
    files = stats_files(data_dir)
    if int(year) not in files:
        have = "、".join(map(str, sorted(files))) or "无"
        raise ParameterError(
            f"没有 {year} 年度的统计数据文件 stats/{year}.csv（已有年度：{have}）")
    reporting = _agencies_in(files[int(year)])
    if reporting is not None and agency_id not in reporting:
        have = "、".join(str(y) for y, path in sorted(files.items())
                        if agency_id in (_agencies_in(path) or ())) or "无"
        name = registry.loc[agency_id, "name"]
        raise ParameterError(f"{name}（{agency_id}）没有 {year} 年度的统计数据"
                             f"（stats/{year}.csv 中没有该单位；已有年度：{have}）")


def registry_reason(findings: list[Finding], agency_id: str, registry_file: Path) -> str:
    """Why an agency cannot be used: the registry's own finding for that row (empty name,
    unknown kind, a line break in a name …) when there is one, else that it is not listed."""
    where = display_path(registry_file)
    reasons = [f for f in findings if f.file == where and (f.fatal or f.agency_id == agency_id)]
    if reasons:
        return (f"单位名录中的“{agency_id}”不能使用："
                + "；".join(f"{f.where()}：{f.message}" for f in reasons))
    return f"单位标识“{agency_id}”不在单位名录 {where} 中"


def _agencies_in(path: Path) -> set[str] | None:
    """Agency ids named in a statistics file; ``None`` when it cannot be read this way (the
    notebook's loader then says exactly what is wrong with it)."""
    try:
        column = pd.read_csv(path, usecols=["agency_id"], dtype=str, encoding="utf-8-sig",
                             keep_default_na=False)["agency_id"]
    except (UnicodeDecodeError, ValueError, pd.errors.ParserError):
        return None
    return set(column.str.strip())
