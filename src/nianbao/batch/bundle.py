"""The submission bundle: what a district sends upward for one region and year, as one zip.

Each agency's PDF and Word report named as offices name them
(``<单位名称><年度>年政府信息公开工作年度报告.pdf``), the region summary and ``validation.csv``
with every finding of those reports. The bundle is made only from finished builds that match
the current data (the data hash in each report's notebook metadata), and it is refused while
any report has validation errors, unless the caller allows it.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from nianbao.batch.outputs import finding_rows, validation_csv
from nianbao.errors import BundleBlocked, BundleError
from nianbao.files import atomic_write
from nianbao.run.targets import report_spec, summary_spec

REPORT_NAME = "{name}{year}年政府信息公开工作年度报告"
SUMMARY_NAME = "{region}{year}年政府信息公开工作年度报告汇总"
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]')


@dataclass
class BundleResult:
    """What went into the zip, and which reports were review builds (with 数据校验)."""

    path: Path
    entries: list[str] = field(default_factory=list)
    errors: int = 0
    review_builds: list[str] = field(default_factory=list)


def safe_name(text: str) -> str:
    """A file name from a data value: no path separators or control characters, no dot first."""
    cleaned = _UNSAFE.sub("_", text).strip().lstrip(".")
    return cleaned or "_"


def _report_metadata(ipynb: Path) -> dict:
    try:
        return json.loads(ipynb.read_text(encoding="utf-8")).get("metadata", {}).get(
            "nianbao", {})
    except (OSError, ValueError):
        return {}


def make_bundle(region: str, year: int, data_dir: Path, build_dir: Path,
                out: Path | None = None, allow_errors: bool = False) -> BundleResult:
    """Write the bundle of ``region`` and ``year`` from ``build_dir``; return what it holds.

    Raises ``BundleError`` (a Chinese message naming the agencies) when the region has no
    reports that year, a report or the summary is missing or out of date, or — without
    ``allow_errors`` — any report has validation errors.
    """
    from nianbao.checks.validate import check
    from nianbao.data.dataset import load
    from nianbao.report.provenance import data_fingerprint

    region, year = region.strip(), int(year)
    ds = load(data_dir)
    members = sorted(a for a in ds.agencies.index
                     if str(ds.agencies.loc[a, "region"]).strip() == region and ds.has(a, year))
    if not members:
        raise BundleError(f"地区“{region}”在 {year} 年度没有任何单位的数据（{data_dir}）")
    names = {a: str(ds.agencies.loc[a, "name"]) for a in members}

    findings = check(ds, agencies=members, years=[year])
    with_errors = sorted({f.agency_id for f in findings
                          if f.severity == "error" and f.agency_id in names})
    if with_errors and not allow_errors:
        listed = "、".join(f"{names[a]}（{a}）" for a in with_errors)
        raise BundleBlocked(f"{region}{year}年度有 {len(with_errors)} 个单位的报告存在校验错误，"
                          f"不能打包报送：{listed}。请改正数据后重新生成，或使用 --allow-errors")

    files: dict[str, Path] = {}
    problems: list[str] = []
    review: list[str] = []
    for agency in members:
        spec = report_spec(agency, year, data_dir, build_dir, ("pdf", "docx"))
        outputs = spec.outputs()
        missing = [k for k in ("pdf", "docx") if not outputs[k].exists()]
        if missing:
            problems.append(f"{names[agency]}（{agency}）缺少 report.{'、report.'.join(missing)}")
            continue
        meta = _report_metadata(outputs["ipynb"])
        built_from = (meta.get("provenance") or {}).get("data_sha256")
        if built_from != data_fingerprint(ds, agency, year):
            problems.append(f"{names[agency]}（{agency}）的报告不是按当前数据生成的")
            continue
        if meta.get("profile") == "review":
            review.append(names[agency])
        stem = safe_name(REPORT_NAME.format(name=names[agency], year=year))
        if f"{stem}.pdf" in files:  # two agencies of one name: keep both, told apart by id
            stem = safe_name(f"{stem}（{agency}）")
        files[f"{stem}.pdf"] = outputs["pdf"]
        files[f"{stem}.docx"] = outputs["docx"]
    summary = summary_spec(region, year, data_dir, build_dir, ("pdf",)).outputs()["pdf"]
    if summary.exists():
        files[safe_name(SUMMARY_NAME.format(region=region, year=year)) + ".pdf"] = summary
    else:
        problems.append(f"缺少地区汇总 {summary}")
    if problems:
        raise BundleError(
            f"{region}{year}年度的报告不完整，不能打包：\n" + "\n".join(f"- {p}" for p in problems)
            + f"\n请先运行 python build.py --year {year} --formats html,pdf,docx 生成全部报告")

    target = out or summary.parent / safe_name(f"{region}{year}年政府信息公开工作年度报告.zip")
    if target.resolve() in {p.resolve() for p in files.values()}:
        raise BundleError(f"输出文件 {target} 是要打包的报告之一，不能覆盖")
    rows = finding_rows(findings, names)
    payload = {name: path.read_bytes() for name, path in files.items()}
    payload["validation.csv"] = validation_csv(rows)
    atomic_write(target, _zip(payload))
    errors = sum(f.severity == "error" for f in findings)
    return BundleResult(target, sorted(payload), errors, review)


def _zip(files: dict[str, bytes]) -> bytes:
    """A zip whose bytes depend only on the contents: sorted entries, fixed times."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, files[name])
    return out.getvalue()
