"""The ``nianbao`` command (also ``python build.py``): argument parsing only, every command
calls into the package.

Help and messages are in Chinese, option names stay English. The project (``data/``,
``params/``, ``build/``) is the folder named by ``--project`` or found upward from the working
directory; exit codes come from ``nianbao.exits`` and are listed in every ``--help``.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from functools import partial
from pathlib import Path
from typing import NoReturn

from nianbao import __version__, exits, paths

COMMANDS = ("build", "check", "report", "summary", "export", "bundle", "audit", "template",
            "import")


class UsageError(Exception):
    """A command line that cannot be run as given (exit code ``exits.USAGE``)."""


# ------------------------------------------------------------------ argparse in Chinese


def _epilog() -> str:
    width = max(len(str(code)) for code in exits.MEANINGS)
    return "退出码：\n" + "\n".join(f"  {str(code).ljust(width)}  {meaning}"
                                  for code, meaning in exits.MEANINGS.items())


class _Formatter(argparse.RawDescriptionHelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None):
        super().add_usage(usage, actions, groups, "用法：" if prefix is None else prefix)


#: argparse's own error messages (Python 3.11–3.13), matched whole, in Chinese.
_MESSAGES = (
    (r"the following arguments are required: (.*)",
     lambda m: f"缺少必需的选项：{m[1].replace(', ', '、')}"),
    (r"unrecognized arguments: (.*)", lambda m: f"无法识别的参数：{m[1]}"),
    (r"invalid choice: (.*) \(choose from (.*)\)",
     lambda m: f"无效的取值 {m[1]}（可选：{m[2]}）"),
    (r"expected one argument", lambda m: "需要一个值"),
    (r"expected (\d+) arguments?", lambda m: f"需要 {m[1]} 个值"),
    (r"expected at (least|most) one argument",
     lambda m: "至少需要一个值" if m[1] == "least" else "最多只能有一个值"),
    (r"ambiguous option: (\S+) could match (.*)",
     lambda m: f"选项 {m[1]} 有歧义，可能是：{m[2]}"),
    (r"invalid \w+ value: (.*)", lambda m: f"无效的值 {m[1]}"),
    (r"not allowed with argument (.*)", lambda m: f"不能与 {m[1]} 同时使用"),
    (r"ignored explicit argument (.*)", lambda m: f"不接受值 {m[1]}"),
)


def chinese_message(message: str) -> str:
    """An argparse error message in Chinese (a message it does not know passes unchanged)."""
    found = re.fullmatch(r"argument (.+?): (.*)", message, re.S)
    if found:
        name, rest = found[1], chinese_message(found[2])
        return f"选项 {name}：{rest}" if name.startswith("-") else f"{name}：{rest}"
    for pattern, say in _MESSAGES:
        found = re.fullmatch(pattern, message, re.S)
        if found:
            return say(found)
    return message


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose help, usage and errors are in Chinese; a usage error exits with
    ``exits.USAGE`` (argparse's own 2 means unreadable data here)."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        kwargs.setdefault("epilog", _epilog())
        kwargs["add_help"] = False
        super().__init__(*args, **kwargs)
        self.options = self.add_argument_group("选项")
        self.options.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS,
                                  help="显示本帮助并退出")

    def error(self, message: str):
        self.print_usage(sys.stderr)
        self.exit(exits.USAGE, f"{self.prog}：错误：{chinese_message(message)}\n")

    def format_help(self) -> str:  # section titles end with a Chinese colon
        return re.sub(r"^(\S[^\n]*?):$", r"\1：", super().format_help(), flags=re.M)


class _Version(argparse.Action):
    def __init__(self, option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS,
                 help=None) -> None:
        super().__init__(option_strings, dest, nargs=0, default=default, help=help)

    def __call__(self, parser, namespace, values, option_string=None):
        print(version_text())
        parser.exit(exits.OK)


def version_text() -> str:
    """The version and every official format this version knows, with its report years."""
    from nianbao.formats.spec import all_formats

    lines = [f"nianbao {__version__}", "支持的报告格式："]
    for fmt in all_formats():
        first, last = fmt.report_years["from"], fmt.report_years.get("to")
        years = f"{first}–{last} 年度" if last else f"{first} 年度起"
        lines.append(f"  {fmt.id}  {years}（{fmt.document_no}）")
    return "\n".join(lines)


# ------------------------------------------------------------------ option values


def _formats(text: str, word: bool = True) -> tuple[str, ...]:
    """``--formats``; ``word``: the Word file is one of them (a region summary has none)."""
    from nianbao.run.targets import OUTPUT_KINDS, SUMMARY_KINDS

    kinds = OUTPUT_KINDS if word else SUMMARY_KINDS
    chosen = tuple(f.strip() for f in text.split(",") if f.strip())
    unknown = [f for f in chosen if f not in kinds]
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(
            f"未知的输出格式“{','.join(unknown) or text}”（可选 {','.join(kinds)}）")
    return chosen


def _year(text: str) -> int:
    if not re.fullmatch(r"\d{4}", text.strip()):
        raise argparse.ArgumentTypeError(f"年度应为四位数字，实际为“{text}”")
    return int(text)


def _jobs(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"并行数应为正整数，实际为“{text}”")
    return value


_TRUE, _FALSE = {"true", "yes", "1", "是"}, {"false", "no", "0", "否"}


def _coerce(name: str, text: str, kind: str) -> object:
    """A ``-p`` value as the type the notebook declares (untyped: a number or true/false when
    it reads as one, otherwise text, as papermill does)."""
    def fail(what: str) -> UsageError:
        return UsageError(f"参数“{name}”应为{what}，实际为“{text}”")

    if kind == "str":
        return text
    if kind == "bool" or (not kind and text.lower() in {"true", "false"}):
        if text.lower() in _TRUE | _FALSE:
            return text.lower() in _TRUE
        raise fail("true 或 false")
    for convert, what, wanted in ((int, "整数", "int"), (float, "数值", "float")):
        if kind in (wanted, ""):
            try:
                return convert(text)
            except ValueError:
                if kind:
                    raise fail(what) from None
    return text


def notebook_parameters(pairs: list[list[str]] | None, notebook: str | Path,
                        own: dict[str, str]) -> dict[str, object]:
    """``-p NAME VALUE`` pairs as notebook parameters, checked against the parameters cell.

    ``own`` maps parameter names that have an option of their own to that option.
    """
    from nianbao.batch.sources import declared_types
    from nianbao.errors import NotebookError

    if not pairs:
        return {}
    try:
        declared = declared_types(str(notebook))
    except NotebookError as exc:
        raise UsageError(str(exc)) from None
    out: dict[str, object] = {}
    for name, text in pairs:
        if name in own:
            raise UsageError(f"参数“{name}”有自己的选项，请用 {own[name]} 指定")
        if name not in declared:
            names = "、".join(n for n in declared if n not in own) or "无"
            raise UsageError(
                f"笔记本 {paths.display_path(notebook)} 的参数单元格中没有参数“{name}”"
                f"（可用 -p 指定的参数：{names}；{'、'.join(own.values())} 用各自的选项指定）")
        out[name] = _coerce(name, text, declared[name])
    return out


# ------------------------------------------------------------------ commands


def cmd_check(args: argparse.Namespace) -> int:
    from nianbao.checks.shards import check_data
    from nianbao.checks.wording import findings_to_json, findings_to_text
    from nianbao.errors import CheckWorkerError

    try:
        ds, findings = check_data(args.data, agencies=args.agency, years=args.year,
                                  jobs=args.jobs)
    except CheckWorkerError as exc:
        print(f"校验未完成：{exc}", file=sys.stderr)
        return exits.FAILED
    if args.json:
        print(findings_to_json(findings))
    else:
        print(findings_to_text(findings, names=ds.agencies["short_name"].to_dict()))
    if ds.fatal:
        return exits.UNREADABLE
    return exits.FAILED if any(f.severity == "error" for f in findings) else exits.OK


def _run_one(spec, check=None) -> int:
    """Execute and export one notebook run; print where the outputs went, or why it failed.

    ``check`` is the cheap parameter check, run while the kernel starts.
    """
    from nianbao.run.execute import run_report

    result = run_report(spec, check=check)
    if not result.ok:
        failure = result.failure
        print(f"生成失败：{spec.target}：{failure.reason if failure else result.reason}",
              file=sys.stderr)
        if failure and failure.category == "blocked" and failure.detail:
            print(failure.detail.strip(), file=sys.stderr)  # the first line is the reason
        if result.failed_notebook:
            print(f"已保存执行到出错处的笔记本：{paths.display_path(result.failed_notebook)}",
                  file=sys.stderr)
        return exits.UNREADABLE if failure and failure.category == "parameter" else exits.FAILED
    for kind, path in result.outputs.items():
        print(f"{kind}: {paths.display_path(path)}")
    return exits.OK


REPORT_OPTIONS = {"agency_id": "--agency", "year": "--year", "data_dir": "--data",
                  "profile": "--profile", "allow_errors": "--allow-errors"}
SUMMARY_OPTIONS = {"region": "--region", "year": "--year", "data_dir": "--data"}


def report_spec_of(args: argparse.Namespace):
    """The run ``report`` would start (``-p`` parameters checked and typed)."""
    from nianbao.run.targets import REPORT_NOTEBOOK, report_spec

    extra = notebook_parameters(args.parameter, REPORT_NOTEBOOK, REPORT_OPTIONS)
    return report_spec(args.agency, args.year, args.data, args.out, args.formats, args.profile,
                       args.allow_errors, extra=extra)


def cmd_report(args: argparse.Namespace) -> int:
    from nianbao.errors import ParameterError

    def check() -> None:  # imported here: pandas would delay the kernel's start
        from nianbao.report.parameters import check_parameters

        check_parameters(args.agency, args.year, args.data, profile=args.profile)

    spec = report_spec_of(args)
    try:  # the cheap checks while the kernel starts; the notebook does the rest once
        return _run_one(spec, check)
    except ParameterError as exc:
        print(f"不能生成报告：{exc}", file=sys.stderr)
        return exits.UNREADABLE


def cmd_summary(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from nianbao.errors import ParameterError
    from nianbao.run.targets import SUMMARY_NOTEBOOK, summary_spec

    def check() -> None:  # imported here: pandas would delay the kernel's start
        from nianbao.region.data import check_parameters

        check_parameters(args.region, args.year, args.data)

    extra = notebook_parameters(args.parameter, SUMMARY_NOTEBOOK, SUMMARY_OPTIONS)
    spec = summary_spec(args.region, args.year, args.data, args.out, args.formats)
    if extra:
        spec = replace(spec, parameters=tuple({**dict(spec.parameters), **extra}.items()))
    try:  # the cheap checks while the kernel starts
        return _run_one(spec, check)
    except ParameterError as exc:
        print(f"不能生成区域汇总：{exc}", file=sys.stderr)
        return exits.UNREADABLE


def cmd_export(args: argparse.Namespace) -> int:
    from nianbao.errors import ParameterError
    from nianbao.export.workbook import export_workbook

    try:
        result = export_workbook(args.xlsx, args.year, args.data, region=args.region)
    except ParameterError as exc:
        print(f"不能导出：{exc}", file=sys.stderr)
        return exits.UNREADABLE
    print(f"xlsx: {paths.display_path(result.path)}（{result.scope}，{result.year}年度，"
          f"已报送 {result.reported}/{result.agencies} 个单位，校验问题 {result.findings} 项）")
    return exits.OK


def cmd_bundle(args: argparse.Namespace) -> int:
    from nianbao.batch.bundle import make_bundle
    from nianbao.errors import BundleBlocked, BundleError, ParameterError

    try:
        result = make_bundle(args.region, args.year, args.data, args.build or paths.build_dir(),
                             args.out, allow_errors=args.allow_errors)
    except BundleBlocked as exc:
        print(f"不能打包：{exc}", file=sys.stderr)
        return exits.FAILED
    except (BundleError, ParameterError) as exc:
        print(f"不能打包：{exc}", file=sys.stderr)
        return exits.UNREADABLE
    if result.review_builds:
        print(f"注意：{len(result.review_builds)} 份报告为审阅版（含“数据校验”一节），报送前宜按 "
              f"--profile publish 重新生成：{'、'.join(result.review_builds)}", file=sys.stderr)
    print(f"zip: {paths.display_path(result.path)}（{len(result.entries)} 个文件）")
    return exits.OK


def cmd_build(args: argparse.Namespace) -> int:
    from nianbao.batch.runner import BuildOptions, build

    opts = BuildOptions(
        data_dir=args.data, out_dir=args.out, params=args.params or [],
        agencies=args.agency or [], years=args.year or [], formats=args.formats,
        profile=args.profile, jobs=args.jobs, scheduler=args.scheduler, force=args.force,
        dry_run=args.dry_run, quiet=args.quiet,
    )
    return build(opts).exit_code


# ------------------------------------------------------------------ the parser

PROJECT_HELP = "项目目录：含 data/ 的文件夹（默认从当前目录向上查找）"
DATA_HELP = "数据目录（默认为项目的 data/；也可用环境变量 NIANBAO_DATA 指定）"
GLOBAL_OPTIONS = ("--project", "--data")  # also accepted before the command


def _common() -> argparse.ArgumentParser:
    """Options every command takes (a parent parser; its defaults do not override an option
    given before the command)."""
    common = argparse.ArgumentParser(add_help=False)
    group = common.add_argument_group("项目与数据")
    group.add_argument("--project", type=Path, metavar="DIR", default=argparse.SUPPRESS,
                       help=PROJECT_HELP)
    group.add_argument("--data", type=Path, metavar="DIR", default=argparse.SUPPRESS,
                       help=DATA_HELP)
    return common


def _add_out(p: _Parser, where: str) -> None:
    p.options.add_argument("--out", type=Path, metavar="DIR",
                           help=f"输出目录（默认为项目的 build/）；{where}")


def _add_formats(p: _Parser, default, word: bool = True) -> None:
    kinds = "html、pdf、docx（Word）" if word else "html、pdf"
    shown = "html,pdf" if default else "取参数文件中的设置"
    p.options.add_argument("--formats", type=partial(_formats, word=word), default=default,
                           metavar="LIST", help=f"输出格式，逗号分隔，可选 {kinds}（默认{shown}）")


def _add_parameter(p: _Parser, notebook: str) -> None:
    p.options.add_argument(
        "-p", "--parameter", nargs=2, action="append", metavar=("NAME", "VALUE"),
        help=f"向笔记本（{notebook}）传递其参数单元格中声明的其他参数（可重复），"
             "值按声明的类型转换")


def _add_build(sub, common) -> None:
    p = sub.add_parser(
        "build", parents=[common], help="批量构建参数文件定义的全部报告（不写命令时的默认命令）",
        description="按参数文件（默认为项目 params/ 下的全部 .yaml）构建每个单位、每个年度的报告和"
                    "区域汇总，以及索引页 index.html 和校验结果 validation.csv、validation.json。"
                    "只重新生成输入有变化的报告；一项失败不影响其他项；每次构建的日志（含每项失败的"
                    "完整错误信息）写入 build/logs/<时间>.log。",
    )
    o = p.options
    _add_out(p, "报告写入 <DIR>/<年度>/<单位>/")
    o.add_argument("--params", type=Path, action="append", metavar="FILE",
                   help="参数文件（可重复；默认为项目 params/ 下的全部 .yaml）")
    o.add_argument("--agency", action="append", metavar="ID", help="只构建此单位（可重复）")
    o.add_argument("--year", action="append", type=_year, metavar="YEAR",
                   help="只构建此年度（可重复）")
    _add_formats(p, None)
    o.add_argument("--profile", choices=["review", "publish"], default=None,
                   help="review 审阅版 / publish 发布版（默认取参数文件中的设置）")
    o.add_argument("--jobs", type=_jobs, default=None, metavar="N",
                   help="本机同时生成的报告数（默认为 CPU 核数）")
    o.add_argument("--scheduler", metavar="ADDRESS",
                   help="在 Dask 集群上生成，如 tcp://host:8786")
    o.add_argument("--force", action="store_true", help="全部重新生成，不论输入是否有变化")
    o.add_argument("--dry-run", action="store_true", help="只列出各项及是否需要重新生成，不运行")
    o.add_argument("--quiet", action="store_true",
                   help="不显示进度条和过程信息（输出不是终端时进度条自动关闭）")
    p.set_defaults(func=cmd_build)


def _add_check(sub, common) -> None:
    p = sub.add_parser(
        "check", parents=[common], help="按官方格式的全部规则校验数据",
        description="按官方格式的全部规则校验数据：表内勾稽关系、跨年度结转、公开时限、正文与单位"
                    "类型是否相符、是否沿用其他单位的文字等。每个问题注明规则、单位、年度、单元格"
                    "（附官方中文名称）、应有值与实际值以及文件和行号。只有警告时退出码为 0。",
    )
    o = p.options
    o.add_argument("--agency", action="append", metavar="ID", help="只校验此单位（可重复）")
    o.add_argument("--year", action="append", type=_year, metavar="YEAR",
                   help="只校验此年度（可重复）")
    o.add_argument("--json", action="store_true", help="以 JSON 数组输出校验结果，供其他程序读取")
    o.add_argument("--jobs", type=_jobs, metavar="N",
                   help="并行校验的进程数（默认：数据量大时使用全部可用的处理器核心；1 为单进程）")
    p.set_defaults(func=cmd_check)


def _add_report(sub, common) -> None:
    p = sub.add_parser(
        "report", parents=[common],
        help="生成一个单位一个年度的报告（ipynb、HTML、PDF，可选 Word）",
        description="执行 notebooks/report.ipynb，生成一个单位一个年度的报告："
                    "<out>/<年度>/<单位>/report.ipynb、report.html、report.pdf，"
                    "以及按需的 report.docx。"
                    "先检查单位、年度和版本是否有效，再启动内核；数据校验在笔记本中进行一次。",
    )
    o = p.options
    o.add_argument("--agency", required=True, metavar="ID",
                   help="单位标识（data/agencies.csv 中的 agency_id）")
    o.add_argument("--year", required=True, type=_year, metavar="YEAR", help="报告年度")
    _add_out(p, "报告写入 <DIR>/<年度>/<单位>/")
    _add_formats(p, ("html", "pdf"))
    o.add_argument("--profile", choices=["review", "publish"], default="review",
                   help="review 审阅版，附“数据校验”一节（默认）；publish 发布版，"
                        "有校验错误时不生成")
    o.add_argument("--allow-errors", action="store_true",
                   help="发布版即使有校验错误也生成")
    _add_parameter(p, "notebooks/report.ipynb")
    p.set_defaults(func=cmd_report)


def _add_region_year(o) -> None:
    o.add_argument("--region", required=True, metavar="NAME",
                   help="区域名称，与 data/agencies.csv 的 region 列一致")
    o.add_argument("--year", required=True, type=_year, metavar="YEAR", help="报告年度")


def _add_summary(sub, common) -> None:
    p = sub.add_parser(
        "summary", parents=[common], help="生成一个区域一个年度的汇总报告",
        description="执行 notebooks/region_summary.ipynb，汇总一个区域全部单位一个年度的数据："
                    "合计的官方表格、各单位对比、图表和校验概况，输出 summary.ipynb、"
                    "summary.html 和 summary.pdf。",
    )
    o = p.options
    _add_region_year(o)
    _add_out(p, "汇总写入 <DIR>/<年度>/_regions/<区域>/")
    _add_formats(p, ("html", "pdf"), word=False)
    _add_parameter(p, "notebooks/region_summary.ipynb")
    p.set_defaults(func=cmd_summary)


def _add_export(sub, common) -> None:
    p = sub.add_parser(
        "export", parents=[common], help="把一个年度全部单位的数据导出为 Excel 工作簿",
        description="把一个年度全部单位（或一个区域的单位）的表格数据和校验结果写入一个 Excel "
                    "工作簿（.xlsx），不改动任何输入文件。",
    )
    o = p.options
    o.add_argument("--year", required=True, type=_year, metavar="YEAR", help="报告年度")
    o.add_argument("--region", metavar="NAME", help="只导出此区域的单位（默认全部单位）")
    o.add_argument("--xlsx", required=True, type=Path, metavar="FILE",
                   help="要写入的工作簿（.xlsx）")
    p.set_defaults(func=cmd_export)


def _add_bundle(sub, common) -> None:
    p = sub.add_parser(
        "bundle", parents=[common], help="把一个区域一个年度的报告打包为报送用的 zip",
        description="把一个区域一个年度已生成的各单位报告（PDF 和 Word，按“单位名称+年度+"
                    "年政府信息公开工作年度报告”命名）、区域汇总和 validation.csv 打包为一个 zip。"
                    "有报告存在校验错误时拒绝打包并列出这些单位，除非指定 --allow-errors。",
    )
    o = p.options
    _add_region_year(o)
    o.add_argument("--build", type=Path, metavar="DIR",
                   help="存放已生成报告的目录（默认为项目的 build/）")
    o.add_argument("--out", type=Path, metavar="FILE",
                   help="要写入的 zip 文件（默认放在该区域汇总的目录中）")
    o.add_argument("--allow-errors", action="store_true", help="即使有校验错误也打包")
    p.set_defaults(func=cmd_bundle)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        description="政府信息公开工作年度报告：数据校验、报告生成与批量构建。"
                    "不写命令时执行 build（批量构建）。各命令的选项见“nianbao 命令 --help”。",
    )
    parser.options.add_argument("--version", action=_Version,
                                help="显示版本和支持的报告格式并退出")
    parser.options.add_argument("--project", type=Path, metavar="DIR", help=PROJECT_HELP)
    parser.options.add_argument("--data", type=Path, metavar="DIR", help=DATA_HELP)
    sub = parser.add_subparsers(dest="command", title="命令", metavar="命令",
                                help="以下之一；不写命令时执行 build", parser_class=_Parser)
    common = _common()
    for add in (_add_build, _add_check, _add_report, _add_summary, _add_export, _add_bundle,
                _add_audit):
        add(sub, common)
    from nianbao.forms.commands import add_form_commands

    add_form_commands(sub, common, _year)  # template, import
    return parser


def cmd_audit(args: argparse.Namespace) -> int:
    from nianbao.audit.run import run_cli

    jobs = args.jobs or min(4, os.cpu_count() or 1)
    return run_cli(args.paths, as_json=args.json, out=args.out or paths.build_dir(), jobs=jobs,
                   to_data=args.to_data, agency_id=args.agency_id, replace=args.replace)


def _add_audit(sub, common) -> None:
    p = sub.add_parser(
        "audit", parents=[common], help="读取已发布的年报（PDF、网页、Word、文本）并逐项核查",
        description="读取已发布的政府信息公开工作年度报告，按格式规则和正文规则核查，"
                    "生成审核页面（默认写入 build/audit/）。",
    )
    p.add_argument_group("文件").add_argument("paths", nargs="+", type=Path, metavar="PATH",
                                            help="文件或文件夹")
    o = p.options
    o.add_argument("--json", action="store_true", help="在标准输出打印 JSON 结果（仅 JSON）")
    o.add_argument("--out", type=Path, metavar="DIR",
                   help="输出目录（默认为项目的 build/）；审核页面写入 <DIR>/audit/")
    o.add_argument("--jobs", type=_jobs, default=None, metavar="N", help="并行读取的进程数")
    o.add_argument("--to-data", type=Path, metavar="DIR",
                   help="把读取的表格和正文写入数据目录（agencies.csv、stats/、text/）")
    o.add_argument("--agency-id", metavar="ID", help="写入时使用的单位标识（单个单位时）")
    o.add_argument("--replace", action="store_true", help="覆盖数据目录中已有的不同值")
    p.set_defaults(func=cmd_audit)


def _with_command(argv: list[str]) -> list[str]:
    """``argv`` with ``build`` in front when no command is named (the batch is the default)."""
    i = 0
    while i < len(argv):
        token = argv[i]
        if token in GLOBAL_OPTIONS:
            i += 2
        elif token.startswith(tuple(f"{o}=" for o in GLOBAL_OPTIONS)):
            i += 1
        elif token in ("-h", "--help", "--version") or not token.startswith("-"):
            return argv  # top-level help, or a command (an unknown one is reported)
        else:
            break
    return ["build", *argv]


def _project_named() -> bool:
    return bool(os.environ.get(paths.PROJECT_ENV) or os.environ.get(paths.DATA_ENV))


def main(argv: list[str] | None = None) -> int:
    from nianbao.slow_imports import skip_slow_optional_imports

    skip_slow_optional_imports()  # this process is ours: whatever it imports later
    parser = build_parser()
    argv = _with_command(list(sys.argv[1:] if argv is None else argv))
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, or a usage error already printed
        return exc.code if isinstance(exc.code, int) else exits.OK
    if args.project is not None and not args.project.is_dir():
        print(f"{parser.prog}：错误：项目目录 {args.project} 不存在", file=sys.stderr)
        return exits.USAGE
    if (args.project is None and args.data is None and not _project_named()
            and paths.search_project() is None):
        print("提示：当前目录及其上级目录中都没有项目（含 data/agencies.csv 的文件夹），"
              "按当前目录处理；可用 --project 指定项目目录", file=sys.stderr)
    with paths.use_project(args.project or paths.project_root()):
        if args.data is None:
            args.data = paths.data_dir()
        if getattr(args, "out", "") is None:
            args.out = paths.build_dir()
        try:
            return args.func(args)
        except UsageError as exc:
            print(f"{parser.prog} {args.command}：错误：{exc}", file=sys.stderr)
            return exits.USAGE
        except KeyboardInterrupt:
            print("已中断", file=sys.stderr)
            return exits.INTERRUPTED


def run() -> NoReturn:
    """The ``nianbao`` command: ``main`` with the process's arguments, then exit at once."""
    exits.leave(main())


__all__ = ["main", "run", "build_parser", "version_text"]
