"""``build.py import``: filled forms into data/, with a change table and a check afterwards.

Every workbook is read completely before anything is written. A sheet with an error leaves
its agency out (and is named); the good sheets are written together, one read and one write
per file; a sheet whose figures differ from data/ is refused unless ``replace``.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from nianbao.data.write import AgencyYear, WriteResult, write_agency_years
from nianbao.errors import FormError
from nianbao.findings import Finding
from nianbao.forms.intake import SheetForm, read_workbook


@dataclass
class ImportReport:
    """What an import read, refused, wrote and found."""

    forms: list[SheetForm] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # bad files and bad sheets
    notes: list[str] = field(default_factory=list)
    results: list[tuple[SheetForm, WriteResult]] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)
    checked: bool = False

    @property
    def refused(self) -> list[SheetForm]:
        return [f for f, r in self.results if r.refused]

    @property
    def imported(self) -> list[SheetForm]:
        return [f for f, r in self.results if not r.refused]

    @property
    def ok(self) -> bool:
        return not self.errors and not self.refused


def import_forms(paths: Sequence[Path], data_dir: Path, *, replace: bool = False,
                 dry_run: bool = False, run_check: bool = True) -> ImportReport:
    report = ImportReport()
    good: list[SheetForm] = []
    seen: dict[tuple[str, int], str] = {}
    for path in paths:
        try:
            forms, notes = read_workbook(Path(path))
        except FormError as exc:
            report.errors.append(str(exc))
            continue
        report.notes += notes
        for form in forms:
            report.forms.append(form)
            key = (form.agency_id, form.year)
            if not form.errors and key in seen:
                form.errors.append(f"{form.where}：单位“{form.agency_id}”{form.year} 年度"
                                   f"已在{seen[key]}中出现，同一单位年度只能导入一次")
            if form.errors:
                report.errors += form.errors
                continue
            seen[key] = form.where
            good.append(form)
    known = _registry_ids(Path(data_dir))
    # The registry belongs to the district: a form's copy of it only adds agencies not yet there.
    entries = [AgencyYear(f.year, None if f.agency_id in known else f.agency, f.cells,
                          f.front_matter, f.text_markdown, f.agency_id) for f in good]
    results = write_agency_years(Path(data_dir), entries, replace=replace, dry_run=dry_run)
    report.results = list(zip(good, results, strict=True))
    written = [f for f, r in report.results if r.written]
    if run_check and not dry_run and written:
        report.findings, report.names = _check(Path(data_dir), written)
        report.checked = True
    return report


def _registry_ids(data_dir: Path) -> set[str]:
    path = data_dir / "agencies.csv"
    if not path.exists():
        return set()
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return {row[0].strip() for row in csv.reader(fh) if row}


def _check(data_dir: Path, forms: list[SheetForm]) -> tuple[list[Finding], dict[str, str]]:
    from nianbao.checks.validate import check
    from nianbao.data.dataset import load

    agencies = sorted({f.agency_id for f in forms})
    years = sorted({f.year for f in forms})
    ds = load(data_dir, years=sorted({*years, *(y - 1 for y in years)}), agencies=agencies)
    findings = check(ds, agencies=agencies, years=years)
    wanted = {(f.agency_id, f.year) for f in forms}
    findings = [f for f in findings if f.agency_id is None or (f.agency_id, f.year) in wanted
                or f.year is None]
    return findings, ds.agencies["short_name"].astype(str).to_dict()


def _change_lines(result: WriteResult) -> list[str]:
    """Changed values one per line (old → new); values new to data/ counted per file."""
    added: dict[str, int] = {}
    lines = []
    for change in result.changes:
        if change.old is None:
            added[change.file] = added.get(change.file, 0) + 1
    if added:
        lines.append("新增：" + "；".join(f"{file} {n} 项" for file, n in added.items()))
    replaced = WriteResult([c for c in result.changes if c.old is not None], result.conflicts)
    if replaced.changes:
        lines.append(replaced.table_text())
    return lines


def render(report: ImportReport, dry_run: bool) -> str:
    """The import's account in Chinese: changes, refusals, errors and check findings."""
    from nianbao.checks.wording import findings_to_text

    out = []
    changed = [(f, r) for f, r in report.results if r.changes]
    if changed:
        out.append("== 将要写入的变化（原值 → 新值）" if dry_run else "== 数据变化（原值 → 新值）")
        for form, result in changed:
            out.append(f"-- {form.where}（{form.agency_id}，{form.year} 年度）")
            out += _change_lines(result)
    elif report.results:
        out.append("导入的数据与 data/ 中的现有数据相同，没有变化。")
    for form, result in report.results:
        if result.refused:
            out.append(f"未写入：{form.where}（{form.agency_id}）有 {len(result.conflicts)} 处与"
                       "现有数据不同；核对无误后加 --replace 覆盖")
    blanks = [f for f in report.forms if f.blanks and not f.errors]
    for form in blanks:
        out.append(f"提示：{form.where}有 {len(form.blanks)} 个单元格空白或填“—”“无”等，"
                   "已按空白导入（按 0 计算并给出警告）；没有数据请填 0")
    for form in report.forms:
        if form.by_labels and not form.errors:
            out.append(f"提示：{form.where}没有定义名称，已按表格行列标签定位单元格")
    out += report.notes
    if report.errors:
        out.append("== 错误（以下单位未导入）")
        out += report.errors
    if report.findings:
        out.append("== 导入后的数据校验")
        out.append(findings_to_text(report.findings, names=report.names))
    elif report.checked:
        out.append("== 导入后的数据校验：没有发现错误或警告")
    if not dry_run:
        done = [f for f, r in report.results if r.written]
        out.append(f"已导入 {len(done)} 个单位年度；未导入 {len(report.refused)} 个（与现有数据"
                   f"不同）；出错 {sum(1 for f in report.forms if f.errors)} 个。")
    return "\n".join(out)
