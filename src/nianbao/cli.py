"""Command line of build.py: argument parsing only; every command calls into the package."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from nianbao.paths import BUILD_DIR, DATA_DIR

EXIT_OK, EXIT_ERRORS, EXIT_UNREADABLE = 0, 1, 2


def _add_data(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data", type=Path, default=DATA_DIR, help="data directory (default: data/)")


def cmd_check(args: argparse.Namespace) -> int:
    from nianbao.checks.validate import check
    from nianbao.checks.wording import findings_to_json, findings_to_text
    from nianbao.data.dataset import load

    ds = load(args.data, years=args.year, agencies=args.agency)
    findings = check(ds, agencies=args.agency, years=args.year)
    if args.json:
        print(findings_to_json(findings))
    else:
        print(findings_to_text(findings, names=ds.agencies["short_name"].to_dict()))
    if ds.fatal:
        return EXIT_UNREADABLE
    return EXIT_ERRORS if any(f.severity == "error" for f in findings) else EXIT_OK


def _formats(text: str) -> tuple[str, ...]:
    from nianbao.run.targets import FORMATS

    chosen = tuple(f.strip() for f in text.split(",") if f.strip())
    unknown = [f for f in chosen if f not in FORMATS]
    if unknown:
        raise argparse.ArgumentTypeError(f"未知的输出格式：{','.join(unknown)}（可选 html,pdf）")
    return chosen


def _run_one(spec, check=None) -> int:
    """Execute and export one notebook run; print where the outputs went, or why it failed."""
    from nianbao.run.execute import run_report

    result = run_report(spec, check=check)
    if not result.ok:
        print(f"生成失败：{spec.key}：{result.reason}", file=sys.stderr)
        if result.failed_notebook:
            print(f"已保存执行到出错处的笔记本：{result.failed_notebook}", file=sys.stderr)
        return EXIT_ERRORS
    for kind, path in result.outputs.items():
        print(f"{kind}: {path}")
    return EXIT_OK


def cmd_report(args: argparse.Namespace) -> int:
    from nianbao.errors import ParameterError, ReportBlocked
    from nianbao.run.targets import report_spec

    def check() -> None:  # the notebook's own check of the parameters and the publish gate
        from nianbao.report.document import prepare  # pandas: only when the run failed

        prepare(args.agency, args.year, args.data, profile=args.profile,
                allow_errors=args.allow_errors)

    try:  # the kernel checks first; a failure it reports is checked again here
        return _run_one(report_spec(args.agency, args.year, args.data, args.out, args.formats,
                                    args.profile, args.allow_errors), check)
    except ParameterError as exc:
        print(f"不能生成报告：{exc}", file=sys.stderr)
        return EXIT_UNREADABLE
    except ReportBlocked as exc:
        print(f"不能生成报告：{exc}", file=sys.stderr)
        return EXIT_ERRORS


def cmd_summary(args: argparse.Namespace) -> int:
    from nianbao.errors import ParameterError
    from nianbao.region.summary import check_parameters
    from nianbao.run.targets import summary_spec

    try:  # check the parameters before starting a kernel
        check_parameters(args.region, args.year, args.data)
    except ParameterError as exc:
        print(f"不能生成区域汇总：{exc}", file=sys.stderr)
        return EXIT_UNREADABLE
    return _run_one(summary_spec(args.region, args.year, args.data, args.out, args.formats))


def cmd_export(args: argparse.Namespace) -> int:
    from nianbao.errors import ParameterError
    from nianbao.export.workbook import export_workbook

    try:
        result = export_workbook(args.xlsx, args.year, args.data, region=args.region)
    except ParameterError as exc:
        print(f"不能导出：{exc}", file=sys.stderr)
        return EXIT_UNREADABLE
    print(f"xlsx: {result.path}（{result.scope}，{result.year}年度，已报送 {result.reported}/"
          f"{result.agencies} 个单位，校验问题 {result.findings} 项）")
    return EXIT_OK


def _jobs(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"并行数应为正整数，实际为“{text}”")
    return value


def cmd_build(args: argparse.Namespace) -> int:
    from nianbao.batch.runner import BuildOptions, build

    opts = BuildOptions(
        data_dir=args.data, out_dir=args.out, params=args.params or [],
        agencies=args.agency or [], years=args.year or [], formats=args.formats,
        profile=args.profile, jobs=args.jobs, scheduler=args.scheduler, force=args.force,
        dry_run=args.dry_run, quiet=args.quiet,
    )
    return build(opts).exit_code


def _add_build(sub) -> None:
    p = sub.add_parser(
        "build", help="批量构建参数文件定义的全部报告（不写子命令时的默认命令）",
        description="按 params/*.yaml 构建全部单位年度的报告、索引页和校验结果；"
                    "只重新生成输入有变化的报告。",
    )
    _add_data(p)
    p.add_argument("--out", type=Path, default=BUILD_DIR, help="输出目录（默认 build/）")
    p.add_argument("--params", type=Path, action="append", metavar="FILE",
                   help="参数文件（可重复；默认 params/ 下全部 .yaml）")
    p.add_argument("--agency", action="append", metavar="ID", help="只构建此单位（可重复）")
    p.add_argument("--year", action="append", type=int, metavar="Y", help="只构建此年度（可重复）")
    p.add_argument("--formats", type=_formats, default=None,
                   help="输出格式，逗号分隔：html,pdf（默认取参数文件）")
    p.add_argument("--profile", choices=["review", "publish"], default=None,
                   help="review 审阅版 / publish 发布版（默认取参数文件）")
    p.add_argument("--jobs", type=_jobs, default=None, metavar="N",
                   help="本机并行数（默认 CPU 核数）")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="在 Dask 集群上运行，如 tcp://host:8786")
    p.add_argument("--force", action="store_true", help="全部重新生成，不论是否有变化")
    p.add_argument("--dry-run", action="store_true", help="只列出各项及是否需要重新生成")
    p.add_argument("--quiet", action="store_true", help="不显示进度条（适合写入日志）")
    p.set_defaults(func=cmd_build)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="build.py",
        description="政府信息公开工作年度报告：数据校验、报告生成与批量构建",
    )
    sub = parser.add_subparsers(dest="command")
    _add_build(sub)

    p = sub.add_parser("check", help="validate the data against every rule of the format")
    _add_data(p)
    p.add_argument("--agency", action="append", help="only this agency (repeatable)")
    p.add_argument("--year", action="append", type=int, help="only this report year (repeatable)")
    p.add_argument("--json", action="store_true", help="print findings as a JSON array")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("report", help="build one agency-year as report.ipynb, .html and .pdf")
    _add_data(p)
    p.add_argument("--agency", required=True, help="agency_id of data/agencies.csv")
    p.add_argument("--year", required=True, type=int, help="report year")
    p.add_argument("--out", type=Path, default=BUILD_DIR, help="output directory (default: build/)")
    p.add_argument("--formats", type=_formats, default=("html", "pdf"),
                   help="comma-separated: html,pdf (default: both)")
    p.add_argument("--profile", choices=["review", "publish"], default="review")
    p.add_argument("--allow-errors", action="store_true",
                   help="publish even when validation finds errors")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("summary", help="build a region-year summary: summary.ipynb, .html, .pdf")
    _add_data(p)
    p.add_argument("--region", required=True, help="region as written in data/agencies.csv")
    p.add_argument("--year", required=True, type=int, help="report year")
    p.add_argument("--out", type=Path, default=BUILD_DIR,
                   help="output directory (default: build/); the summary goes to "
                        "<out>/<year>/_regions/<region-slug>/")
    p.add_argument("--formats", type=_formats, default=("html", "pdf"),
                   help="comma-separated: html,pdf (default: both)")
    p.set_defaults(func=cmd_summary)

    p = sub.add_parser("export", help="write one year of every agency to an Excel workbook")
    _add_data(p)
    p.add_argument("--year", required=True, type=int, help="report year")
    p.add_argument("--region", help="only the agencies of this region (default: all)")
    p.add_argument("--xlsx", required=True, type=Path, help="workbook to write (.xlsx)")
    p.set_defaults(func=cmd_export)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or (argv[0].startswith("-") and argv[0] not in ("-h", "--help")):
        argv = ["build", *argv]  # the batch is the default command
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_OK
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print("已中断", file=sys.stderr)
        return 130


__all__ = ["main", "BUILD_DIR"]
