"""Expand batch files into runs and check every run before anything executes.

A run is one notebook execution (a ``RunSpec``) plus what the batch needs around it: who and
what it is for (for the index page and messages) and its *input key*, a hash of everything the
run depends on — the data slice, the notebook, the package code it reaches, the template
and the options. A run whose key and outputs match the manifest is up to date.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from nianbao.batch.params import BatchParams
from nianbao.batch.scan import DataScan
from nianbao.batch.sources import (
    NotebookError,
    code_hash,
    declared_parameters,
    file_hash,
    template_hash,
)
from nianbao.errors import ParameterError, PlanError, UnsafePathError
from nianbao.paths import display_path
from nianbao.run.targets import (
    REPORT_NOTEBOOK,
    SUMMARY_NOTEBOOK,
    RunSpec,
    report_spec,
    summary_spec,
)


def run_label(kind: str, year: object, name: str, agency_id: str | None = None) -> str:
    """How messages name a run: 浮山街道（fushan）2022 年度 / 咸宁市咸安区 2022 年度汇总."""
    if kind == "summary":
        return f"{name} {year} 年度汇总"
    return f"{name}（{agency_id}）{year} 年度"


@dataclass(frozen=True)
class Run:
    """One planned notebook run."""

    spec: RunSpec
    input_key: str  # hash of everything the run depends on (``input_key``)
    year: int
    agency_id: str | None = None  # None for a region summary
    region: str = ""
    name: str = ""  # agency name, or the region's for a summary
    short_name: str = ""
    batch: str = ""

    @property
    def target(self) -> str:
        return self.spec.target

    @property
    def kind(self) -> str:
        return self.spec.kind

    @property
    def label(self) -> str:
        return run_label(self.kind, self.year, self.short_name or self.name, self.agency_id)


@dataclass
class Plan:
    runs: list[Run]
    data_dir: Path
    out_dir: Path
    scan: DataScan
    batches: list[BatchParams]
    notes: list[str] = field(default_factory=list)  # things skipped, worth telling the user
    #: Every agency-year of the batches, whatever --agency/--year selected: the validation
    #: files always cover the whole batch.
    scope: list[tuple[str, int]] = field(default_factory=list)
    #: Statistics files that could not be read (one line each): the build goes on with the
    #: other years and then exits with 1.
    unreadable: list[str] = field(default_factory=list)


def input_key(spec: RunSpec, data_fingerprint: str) -> str:
    """Hash of everything a run depends on (its data slice, code, template and options)."""
    payload = {
        "kind": spec.kind,
        "notebook": file_hash(str(Path(spec.notebook).resolve())),
        "package": code_hash(str(Path(spec.notebook).resolve())),
        "template": template_hash(),
        "data": data_fingerprint,
        "parameters": [[k, v] for k, v in spec.parameters],
        "kinds": list(spec.kinds),
        "basename": spec.basename,
    }
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _suggest(name: str, choices) -> str:
    close = difflib.get_close_matches(name, list(choices), n=3, cutoff=0.6)
    return f"（是否指：{'、'.join(close)}？）" if close else ""


def _check_parameters(spec: RunSpec, problems: list[str], seen: set) -> None:
    try:
        declared = declared_parameters(spec.notebook)
    except NotebookError as exc:
        if str(exc) not in seen:
            seen.add(str(exc))
            problems.append(str(exc))
        return
    for name, _ in spec.parameters:
        if name not in declared and (spec.notebook, name) not in seen:
            seen.add((spec.notebook, name))
            problems.append(
                f"参数“{name}”未在笔记本 {display_path(spec.notebook)} 的参数单元格中声明"
                f"（已声明：{'、'.join(declared) or '无'}）；请从参数文件的 parameters 中删除，"
                "或在笔记本的参数单元格中加上它")


def summary_runs(batch: BatchParams, scan: DataScan, out_dir: Path, years: list[int],
                 kinds: tuple[str, ...]) -> list[Run]:
    """The region-summary runs of a region batch (none when the summary notebook is missing).

    The hook through which a batch file's region × years also produce
    ``<out>/<year>/_regions/<slug>/summary.*``; each spec comes from
    ``nianbao.run.targets.summary_spec``.
    """
    if not (batch.region and batch.summaries and SUMMARY_NOTEBOOK.exists()):
        return []
    members = scan.regions().get(batch.region, [])
    runs = []
    for year in years:
        if not any(scan.has(a, year) for a in members):
            continue
        spec = summary_spec(batch.region, year, scan.data_dir, out_dir, kinds, batch.timeout)
        key = input_key(spec, scan.region_fingerprint(batch.region, year))
        runs.append(Run(spec, key, year, None, batch.region, batch.region, batch.region,
                        batch.name))
    return runs


def make_plan(
    batches: list[BatchParams],
    data_dir: Path,
    out_dir: Path,
    *,
    scan: DataScan,
    agencies: list[str] | None = None,
    years: list[int] | None = None,
    kinds: tuple[str, ...] | None = None,
    profile: str | None = None,
) -> Plan:
    """Expand the batches into runs, apply the command-line filters and check everything.

    Raises ``PlanError`` naming every problem: an unknown region or agency, a year without
    data, a notebook parameter the notebook does not declare, two batches that disagree.
    """
    problems: list[str] = list(scan.problems)
    notes: list[str] = []
    unreadable: list[str] = []
    registry = scan.agencies
    for agency_id in agencies or []:
        if agency_id not in registry:
            problems.append(f"--agency：单位标识“{agency_id}”不在单位名录 "
                            f"{display_path(data_dir / 'agencies.csv')} 中"
                            f"{_suggest(agency_id, registry)}")
    runs: dict[str, Run] = {}
    seen_param_problems: set = set()
    scope: set[tuple[str, int]] = set()
    wanted_years = set(years or [])
    covered_agencies: set[str] = set()
    covered_years: set[int] = set()
    for batch in batches:
        where = batch.label
        batch_kinds = kinds or batch.kinds
        batch_profile = profile or batch.profile
        members: list[str]
        if batch.region is not None:
            regions = scan.regions()
            if batch.region not in regions:
                problems.append(f"{where}：地区“{batch.region}”在单位名录中没有单位"
                                f"{_suggest(batch.region, regions)}（已有地区："
                                f"{'、'.join(r for r in regions if r) or '无'}）")
                continue
            members = regions[batch.region]
            if "" in regions and not any("未填写地区" in n for n in notes):
                lost = "、".join(f"{scan.name(a)}（{a}）" for a in regions[""])
                notes.append(f"{display_path(data_dir / 'agencies.csv')}：{lost} 未填写地区"
                             "（region 列），不属于任何地区，按地区选择的批次不会生成其报告")
        else:
            members = list(batch.agencies)
            unknown = [a for a in members if a not in registry]
            for a in unknown:
                problems.append(f"{where}：单位标识“{a}”不在单位名录中{_suggest(a, registry)}")
            members = [a for a in members if a in registry]
        covered_agencies.update(members)
        covered_years.update(batch.years)
        scope.update((a, y) for y in batch.years for a in members if scan.has(a, y))
        batch_years = [y for y in batch.years if not wanted_years or y in wanted_years]
        for year in batch_years:
            with_data = [a for a in members if scan.has(a, year)]
            if year in scan.broken:
                problem = (f"{scan.broken[year]}（{year} 年度的报告不能生成，"
                           "其他年度照常生成）")
                if problem not in unreadable:
                    unreadable.append(problem)
                if not with_data:
                    continue
            if not with_data and batch.region is not None:
                problems.append(f"{where}：{year} 年度没有统计数据"
                                f"（{display_path(data_dir / 'stats' / f'{year}.csv')}；"
                                f"已有年度：{'、'.join(map(str, scan.years())) or '无'}）")
                continue
            for agency_id in members:
                if agencies and agency_id not in agencies:
                    continue
                if not scan.has(agency_id, year):
                    have = "、".join(map(str, scan.years_of(agency_id))) or "无"
                    message = (f"{scan.name(agency_id)}（{agency_id}）没有 {year} 年度的统计数据"
                               f"（已有年度：{have}）")
                    if batch.region is not None:
                        notes.append(f"{where}：{message}，跳过")
                    else:
                        problems.append(f"{where}：{message}")
                    continue
                try:
                    spec = report_spec(agency_id, year, data_dir, out_dir, batch_kinds,
                                       batch_profile, batch.allow_errors, batch.timeout,
                                       extra=batch.parameters)
                except UnsafePathError as exc:  # never a path outside the output folder
                    message = f"{display_path(data_dir / 'agencies.csv')}：{exc}，不能生成其报告"
                    if batch.region is not None:
                        if f"{message}，跳过" not in notes:
                            notes.append(f"{message}，跳过")
                    else:
                        problems.append(f"{where}：{message}")
                    continue
                _check_parameters(spec, problems, seen_param_problems)
                key = input_key(spec, scan.fingerprint(agency_id, year))
                row = registry[agency_id]
                run = Run(spec, key, year, agency_id, row.get("region", ""), row.get("name", ""),
                          row.get("short_name", ""), batch.name)
                _add(runs, run, where, problems)
        if not agencies:
            try:
                summaries = summary_runs(batch, scan, out_dir, batch_years, batch_kinds)
            except (ParameterError, UnsafePathError) as exc:  # a bad regions.csv
                problems.append(f"{where}：{exc}")
                summaries = []
            for run in summaries:
                _check_parameters(run.spec, problems, seen_param_problems)
                _add(runs, run, where, problems)
    for agency_id in agencies or []:
        if agency_id in registry and agency_id not in covered_agencies:
            problems.append(f"--agency：单位“{scan.name(agency_id)}”（{agency_id}）不在所选参数文件的"
                            "批次中")
    for year in years or []:
        if year not in covered_years:
            problems.append(f"--year：{year} 年度不在所选参数文件的批次中"
                            f"（批次年度：{'、'.join(map(str, sorted(covered_years))) or '无'}）")
    if problems:
        raise PlanError(problems)
    ordered = sorted(runs.values(), key=lambda r: (r.year, r.kind != "report", r.target))
    return Plan(ordered, data_dir, out_dir, scan, batches, [*unreadable, *notes], sorted(scope),
                unreadable)


def _add(runs: dict[str, Run], run: Run, where: str, problems: list[str]) -> None:
    other = runs.get(run.target)
    if other is None:
        runs[run.target] = run
    elif other.spec != run.spec:
        problems.append(f"{where}：{run.label} 也由批次“{other.batch}”生成，但两处的选项不同"
                        "（格式、版本或参数），请只在一个参数文件中保留它")


__all__ = ["Plan", "PlanError", "Run", "input_key", "make_plan", "run_label", "summary_runs",
           "REPORT_NOTEBOOK", "SUMMARY_NOTEBOOK"]
