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
    from nianbao.dataset import load
    from nianbao.findings_text import findings_to_json, findings_to_text
    from nianbao.validate import check

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
    from nianbao.run_report import FORMATS

    chosen = tuple(f.strip() for f in text.split(",") if f.strip())
    unknown = [f for f in chosen if f not in FORMATS]
    if unknown:
        raise argparse.ArgumentTypeError(f"未知的输出格式：{','.join(unknown)}（可选 html,pdf）")
    return chosen


def cmd_report(args: argparse.Namespace) -> int:
    from nianbao.document import ParameterError, prepare
    from nianbao.run_report import RunSpec, run_report

    try:  # check the parameters before starting a kernel
        prepare(args.agency, args.year, args.data, profile=args.profile,
                allow_errors=args.allow_errors)
    except (ParameterError, Exception) as exc:
        print(f"不能生成报告：{exc}", file=sys.stderr)
        return EXIT_ERRORS if not isinstance(exc, ParameterError) else EXIT_UNREADABLE
    spec = RunSpec(args.agency, args.year, str(args.data), str(args.out), args.formats,
                   args.profile, args.allow_errors)
    result = run_report(spec)
    if not result.ok:
        print(f"生成失败：{spec.key}：{result.reason}", file=sys.stderr)
        if result.failed_notebook:
            print(f"已保存执行到出错处的笔记本：{result.failed_notebook}", file=sys.stderr)
        return EXIT_ERRORS
    for kind, path in result.outputs.items():
        print(f"{kind}: {path}")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="build.py",
        description="政府信息公开工作年度报告：数据校验、报告生成与批量构建",
    )
    sub = parser.add_subparsers(dest="command")

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
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
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
