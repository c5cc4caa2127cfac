"""The ``template`` and ``import`` subcommands of build.py (argument parsing and printing only)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from nianbao import exits


def cmd_template(args: argparse.Namespace) -> int:
    from nianbao.errors import DataReadError, ParameterError
    from nianbao.forms.template import write_template

    try:
        result = write_template(args.out, args.year, agencies=args.agency or [],
                                region=args.region, data_dir=args.data, prefill=args.prefill)
    except (ParameterError, DataReadError) as exc:
        print(f"不能生成填报表：{exc}", file=sys.stderr)
        return exits.UNREADABLE
    filled = f"，预填 {result.prefilled} 个" if args.prefill else ""
    print(f"xlsx: {result.path}（{result.year} 年度，{result.agencies} 个单位{filled}）")
    return exits.OK


def cmd_import(args: argparse.Namespace) -> int:
    from nianbao.errors import DataWriteError
    from nianbao.forms.importer import import_forms, render

    try:
        report = import_forms(args.files, args.data, replace=args.replace, dry_run=args.dry_run)
    except DataWriteError as exc:
        print(f"不能导入：{exc}", file=sys.stderr)
        return exits.UNREADABLE
    print(render(report, args.dry_run))
    if not report.forms:
        return exits.UNREADABLE
    has_errors = any(f.severity == "error" for f in report.findings)
    return exits.OK if report.ok and not has_errors else exits.FAILED


def add_form_commands(sub, common: argparse.ArgumentParser, year_type) -> None:
    """Register ``template`` and ``import`` on the command line's subparsers (``common``: the
    options every command takes, such as ``--project`` and ``--data``; ``year_type``: the
    command line's check of a ``--year`` value, so that every command words it alike)."""
    p = sub.add_parser(
        "template", parents=[common], help="生成供各单位填报的 Excel 填报表（每个单位一个工作表）",
        description="按报告年度的统一格式生成填报表：表二、表三、表四、收费情况、发布日期和正文；"
                    "填报项以外的内容受保护，表三、表四带自动核对公式。",
    )
    p.options.add_argument("--year", required=True, type=year_type, metavar="YEAR",
                           help="报告年度")
    who = p.options.add_mutually_exclusive_group(required=True)
    who.add_argument("--agency", action="append", metavar="ID", help="单位标识（可重复）")
    who.add_argument("--region", help="区域（按 agencies.csv 的 region 列）的全部单位")
    p.options.add_argument("--out", required=True, type=Path, metavar="FILE.xlsx",
                           help="输出的工作簿")
    p.options.add_argument("--prefill", action="store_true",
                   help="按 data/ 中的现有数据预先填好；本年度没有数据时预填上年结转")
    p.set_defaults(func=cmd_template)

    p = sub.add_parser(
        "import", parents=[common], help="导入各单位填好的 Excel 填报表到 data/",
        description="读取 Excel、WPS 或 LibreOffice 保存的 .xlsx 填报表，写入统计数据、"
                    "发布日期、收费情况和正文，并校验导入的数据。",
    )
    p.add_argument_group("文件").add_argument("files", nargs="+", type=Path, metavar="FILE.xlsx",
                                            help="填好的工作簿")
    p.options.add_argument("--dry-run", action="store_true", help="只列出将要发生的变化，不写入")
    p.options.add_argument("--replace", action="store_true", help="覆盖 data/ 中不同的现有数值")
    p.set_defaults(func=cmd_import)
