"""The command line: Chinese help, exit codes, ``-p`` parameters, the project found from any
folder, the batch log, and ``pip install .`` giving a working ``nianbao`` command."""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import time
import traceback
from pathlib import Path

import pytest

from batchdata import dataset, params
from nianbao import exits, paths
from nianbao.batch.log import BuildLog
from nianbao.cli import (
    COMMANDS,
    UsageError,
    build_parser,
    chinese_message,
    main,
    notebook_parameters,
    report_spec_of,
)
from nianbao.errors import ParameterError
from nianbao.report.parameters import check_parameters
from nianbao.run.execute import Failure

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data"
CJK = re.compile(r"[\u4e00-\u9fff]")
ARGPARSE_ENGLISH = ("usage:", "options:", "positional arguments", "show this help",
                    "show program's version", "error:", "the following arguments")


def cli(*args: str, cwd: Path = ROOT, env: dict | None = None) -> subprocess.CompletedProcess:
    """``build.py`` as a user runs it, from ``cwd``."""
    environ = {k: v for k, v in os.environ.items()
               if k not in (paths.PROJECT_ENV, paths.DATA_ENV)}
    return subprocess.run([sys.executable, str(ROOT / "build.py"), *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300,
                          env={**environ, **(env or {})})


def subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    (action,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(action.choices)


# ------------------------------------------------------------------ help in Chinese


def test_every_command_and_option_has_chinese_help():
    parser = build_parser()
    commands = subparsers(parser)
    assert set(commands) == set(COMMANDS)
    for name, sub in {"": parser, **commands}.items():
        assert CJK.search(sub.description or ""), f"{name}: no Chinese description"
        for action in sub._actions:
            assert action.help and CJK.search(action.help), (name, action.option_strings)


@pytest.mark.parametrize("command", ["", *COMMANDS])
def test_help_is_chinese_and_lists_the_exit_codes(command, capsys):
    code = main([command, "--help"] if command else ["--help"])
    out = capsys.readouterr().out
    assert code == exits.OK
    assert out.startswith("用法：") and "选项：" in out and "显示本帮助并退出" in out
    assert not any(word in out for word in ARGPARSE_ENGLISH), out
    for code_, meaning in exits.MEANINGS.items():
        assert re.search(rf"^\s+{code_}\s+{re.escape(meaning)}$", out, re.M), (code_, out)


def test_version_names_the_formats_and_their_years(capsys):
    assert main(["--version"]) == exits.OK
    out = capsys.readouterr().out
    import nianbao

    assert out.startswith(f"nianbao {nianbao.__version__}\n")
    assert re.search(r"F2019\s+2019–2020 年度", out) and re.search(r"F2021\s+2021 年度起", out)


@pytest.mark.parametrize(("message", "expected"), [
    ("the following arguments are required: --agency, --year", "缺少必需的选项：--agency、--year"),
    ("unrecognized arguments: --colour", "无法识别的参数：--colour"),
    ("argument --profile: invalid choice: 'final' (choose from 'review', 'publish')",
     "选项 --profile：无效的取值 'final'（可选：'review', 'publish'）"),
    ("argument --year: expected one argument", "选项 --year：需要一个值"),
    ("argument -p/--parameter: expected 2 arguments", "选项 -p/--parameter：需要 2 个值"),
])
def test_argparse_messages_in_chinese(message, expected):
    assert chinese_message(message) == expected


# ------------------------------------------------------------------ exit codes


@pytest.mark.parametrize(("argv", "needle"), [
    (["check", "--colour"], "无法识别的参数：--colour"),
    (["report", "--agency", "fushan"], "缺少必需的选项：--year"),
    (["report", "--agency", "fushan", "--year", "20"], "年度应为四位数字"),
    (["report", "--agency", "fushan", "--year", "2020", "--profile", "final"], "无效的取值"),
    (["report", "--agency", "fushan", "--year", "2020", "--formats", "odt"], "未知的输出格式"),
    (["summary", "--region", "咸安区", "--year", "2021", "--formats", "html,docx"],
     "未知的输出格式“docx”（可选 html,pdf）"),  # a region summary has no Word file
    (["--jobs", "0"], "并行数应为正整数"),
    (["publish"], "无效的取值 'publish'"),
    (["check", "--project", "/nonexistent/nianbao"], "项目目录 /nonexistent/nianbao 不存在"),
])
def test_usage_errors_exit_64_not_2(argv, needle, capsys):
    assert exits.USAGE not in (exits.OK, exits.FAILED, exits.UNREADABLE)
    assert main(argv) == exits.USAGE
    err = capsys.readouterr().err
    assert needle in err and "Traceback" not in err, err


def test_exit_codes_of_a_real_process(tmp_path):
    assert cli("check", "--year", "2020").returncode == exits.OK
    assert cli("check", "--bogus").returncode == exits.USAGE
    missing = cli("check", "--data", str(tmp_path))
    assert missing.returncode == exits.UNREADABLE and "agencies.csv" in missing.stdout
    bad = cli("report", "--agency", "nobody", "--year", "2020")
    assert bad.returncode == exits.UNREADABLE and "不在单位名录" in bad.stderr


def test_refused_report_stops_what_was_started_for_it(tmp_path):
    """The kernel and Chromium start while the parameters are checked: a refusal must leave
    neither running, and the quick exit must still flush the message and run the exit
    handlers."""
    import tempfile

    import psutil

    marker = tmp_path / "exit-handler-ran"
    own = Path(tempfile.mkdtemp(prefix="nbt", dir="/tmp"))  # short: socket paths
    code = ("import atexit, pathlib, sys; from nianbao.cli import run; "
            f"atexit.register(pathlib.Path({str(marker)!r}).touch); "
            "sys.argv = ['nianbao', 'report', '--agency', 'nobody', '--year', '2020']; run()")
    # The kernel's sockets and Chromium's profile both go under ``own``: their command lines
    # name it.
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "NIANBAO_KERNEL_DIR": str(own), "TMPDIR": str(own)})
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == exits.UNREADABLE and "不能生成报告" in err and "不在单位名录" in err
    assert marker.exists()

    def left() -> list[psutil.Process]:
        found = []
        for other in psutil.process_iter(["cmdline"]):
            if any(str(own) in part for part in other.info["cmdline"] or ()):
                found.append(other)
        return found

    deadline = time.monotonic() + 10  # the browser's driver ends it once we are gone
    while left() and time.monotonic() < deadline:
        time.sleep(0.1)
    stray = left()
    for other in stray:
        other.kill()
    leftover = list(own.glob("nbk-*"))
    shutil.rmtree(own, ignore_errors=True)
    assert not stray, f"processes left behind: {[' '.join(p.cmdline())[:80] for p in stray]}"
    assert not leftover, "the kernel's socket folder was left behind"


def test_quick_exit_leaves_profilers_their_results(tmp_path):
    """The command line skips the interpreter's teardown, but not under a profiler: it writes
    its results only after the program ends."""
    stats = tmp_path / "check.prof"
    done = subprocess.run([sys.executable, "-m", "cProfile", "-o", str(stats), "build.py",
                           "check", "--year", "2020"], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == exits.OK, done.stderr
    assert stats.stat().st_size > 0


def test_runner_uses_the_shared_exit_codes():
    from nianbao.batch import runner

    assert (runner.EXIT_OK, runner.EXIT_FAILED, runner.EXIT_UNUSABLE,
            runner.EXIT_INTERRUPTED) == (exits.OK, exits.FAILED, exits.UNREADABLE,
                                         exits.INTERRUPTED)


# ------------------------------------------------------------------ report -p


NOTEBOOK = {
    "cells": [{
        "cell_type": "code", "metadata": {"tags": ["parameters"]}, "outputs": [],
        "execution_count": None,
        "source": ("agency_id: str = 'x'  # agency\nyear: int = 2020\npages: int = 1\n"
                   "ratio: float = 0.5\nshow: bool = False\ntitle: str = ''\nloose = 3\n"),
    }],
    "metadata": {}, "nbformat": 4, "nbformat_minor": 5,
}
OWN = {"agency_id": "--agency", "year": "--year"}


@pytest.fixture
def notebook(tmp_path) -> Path:
    path = tmp_path / "nb.ipynb"
    path.write_text(json.dumps(NOTEBOOK), encoding="utf-8")
    return path


def test_p_values_take_the_declared_type(notebook):
    pairs = [["pages", "12"], ["ratio", "2.5"], ["show", "true"], ["title", "007"],
             ["loose", "7"]]
    assert notebook_parameters(pairs, notebook, OWN) == {
        "pages": 12, "ratio": 2.5, "show": True, "title": "007", "loose": 7}
    assert notebook_parameters([["loose", "abc"], ["show", "否"]], notebook, OWN) == {
        "loose": "abc", "show": False}
    assert notebook_parameters([["loose", "1"], ["show", "1"]], notebook, OWN) == {
        "loose": 1, "show": True}
    assert notebook_parameters([["loose", "False"]], notebook, OWN) == {"loose": False}


@pytest.mark.parametrize(("pair", "needle"), [
    (["colour", "red"], "没有参数“colour”（可用 -p 指定的参数：pages、ratio、show、title、loose"),
    (["year", "2021"], "参数“year”有自己的选项，请用 --year 指定"),
    (["pages", "many"], "参数“pages”应为整数，实际为“many”"),
    (["show", "maybe"], "参数“show”应为true 或 false"),
])
def test_p_errors_name_the_declared_parameters(notebook, pair, needle):
    with pytest.raises(UsageError, match=re.escape(needle)):
        notebook_parameters([pair], notebook, OWN)


def test_report_p_goes_into_the_run_and_unknown_names_are_refused(capsys):
    args = build_parser().parse_args(["report", "--agency", "fushan", "--year", "2020"])
    args.data, args.out = SAMPLE, ROOT / "build"
    parameters = dict(report_spec_of(args).parameters)
    assert parameters["agency_id"] == "fushan" and parameters["year"] == 2020

    code = main(["report", "--agency", "fushan", "--year", "2020", "-p", "colour", "red"])
    err = capsys.readouterr().err
    assert code == exits.USAGE
    assert "notebooks/report.ipynb 的参数单元格中没有参数“colour”" in err
    assert "--agency、--year、--data、--profile、--allow-errors 用各自的选项指定" in err
    assert main(["summary", "--region", "咸宁市咸安区", "--year", "2020",
                 "-p", "year", "2021"]) == exits.USAGE
    assert "请用 --year 指定" in capsys.readouterr().err


# ------------------------------------------------------------------ report checks once


@pytest.mark.parametrize(("agency", "year", "profile", "needle"), [
    ("nobody", 2020, "review", "单位标识“nobody”不在单位名录 data/agencies.csv 中"),
    ("fushan", 2019, "review", "没有 2019 年度的统计数据文件 stats/2019.csv"),
    ("fushan", 2018, "review", "没有适用的统一格式"),
    ("fushan", 2020, "final", "profile 应为 review 或 publish"),
])
def test_report_parameters_checked_cheaply(agency, year, profile, needle):
    with paths.use_project(ROOT), pytest.raises(ParameterError, match=re.escape(needle)):
        check_parameters(agency, year, SAMPLE, profile)


def test_agency_without_a_row_in_that_year(tmp_path):
    data = dataset(tmp_path / "data", {"alpha": "甲街道"}, [2021, 2022])
    stats = data / "stats" / "2022.csv"
    lines = stats.read_text("utf-8").splitlines()
    stats.write_text("\n".join(lines[:1]) + "\n", "utf-8")  # header only
    with pytest.raises(ParameterError, match=r"（alpha）没有 2022 年度的统计数据.*年度：2021）"):
        check_parameters("alpha", 2022, data)
    check_parameters("alpha", 2021, data)  # raises nothing


def test_report_driver_does_not_prepare_the_report():
    """The driver checks parameters without the report room's heavy document module."""
    code = ("import sys; from nianbao.cli import main; "
            "code = main(['report', '--agency', 'nobody', '--year', '2020']); "
            "print(code, 'nianbao.report.document' in sys.modules, "
            "'nianbao.checks.validate' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.stdout.split() == [str(exits.UNREADABLE), "False", "False"], done.stderr
    assert "不在单位名录" in done.stderr


# ------------------------------------------------------------------ the project


def copy_project(target: Path) -> Path:
    shutil.copytree(SAMPLE, target / "data")
    shutil.copytree(ROOT / "params", target / "params")
    return target


def test_project_is_found_upward_or_named(tmp_path, monkeypatch):
    project = copy_project(tmp_path / "proj")
    deep = project / "notes" / "2024"
    deep.mkdir(parents=True)
    monkeypatch.delenv(paths.PROJECT_ENV, raising=False)
    monkeypatch.delenv(paths.DATA_ENV, raising=False)
    monkeypatch.chdir(deep)
    assert paths.project_root() == project.resolve()
    assert paths.DATA_DIR == project.resolve() / "data"
    assert paths.display_path(project / "data" / "agencies.csv") == "data/agencies.csv"
    monkeypatch.chdir(tmp_path)
    assert paths.search_project() is None and paths.project_root() == tmp_path.resolve()
    with paths.use_project(project):
        assert os.environ[paths.PROJECT_ENV] == str(project.resolve())
        assert paths.BUILD_DIR == project.resolve() / "build"
        assert paths.PARAMS_DIR == project.resolve() / "params"
    assert paths.PROJECT_ENV not in os.environ
    monkeypatch.setenv(paths.DATA_ENV, str(project / "data"))
    assert paths.data_dir() == project.resolve() / "data"


def test_commands_work_from_another_folder(tmp_path):
    project = copy_project(tmp_path / "proj")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    named = cli("check", "--project", str(project), "--year", "2020", cwd=elsewhere)
    assert named.returncode == exits.OK, named.stderr
    assert "浮山街道（fushan） 2020 年度" in named.stdout
    assert "[data/text/2020/fushan.md]" in named.stdout  # paths relative to the project
    before = cli("--project", str(project), "check", "--year", "2020", cwd=elsewhere)
    assert before.returncode == exits.OK and before.stdout == named.stdout
    below = project / "notes"
    below.mkdir()
    found = cli("check", "--year", "2020", cwd=below)
    assert found.returncode == exits.OK and found.stdout == named.stdout
    by_data = cli("--data", str(project / "data"), "check", "--year", "2020", cwd=elsewhere)
    assert by_data.returncode == exits.OK and "没有项目" not in by_data.stderr
    assert "浮山街道（fushan） 2020 年度" in by_data.stdout
    by_env = cli("check", "--year", "2020", cwd=elsewhere,
                 env={paths.DATA_ENV: str(project / "data")})
    assert by_env.returncode == exits.OK and "浮山街道（fushan） 2020 年度" in by_env.stdout
    nowhere = cli("check", cwd=elsewhere)
    assert nowhere.returncode == exits.UNREADABLE
    assert "没有项目" in nowhere.stderr and "--project" in nowhere.stderr
    plan = cli("--project", str(project), "--dry-run", cwd=elsewhere)
    assert plan.returncode == exits.OK, plan.stderr
    assert "2020/fushan" in plan.stdout and not (elsewhere / "build").exists()


# ------------------------------------------------------------------ the batch log


def test_log_keeps_the_whole_traceback(tmp_path):
    try:
        json.loads("{broken")
    except ValueError:
        detail = "\x1b[31m" + traceback.format_exc() + "\x1b[0m"
    failure = Failure("cell", "第 3 个单元格出错：JSONDecodeError", 2, "doc = prepare(…)", detail)
    first, second = BuildLog(tmp_path), BuildLog(tmp_path)
    assert first.path != second.path and first.path.parent == tmp_path / "logs"
    second.close()
    first.failure("甲街道（alpha）2021 年度", "2021/alpha", failure,
                  "_failed/2021/alpha/report.ipynb")
    first.close("退出码：1")
    text = first.path.read_text("utf-8")
    assert "== 失败：甲街道（alpha）2021 年度（2021/alpha）" in text
    assert "第 3 个  doc = prepare(…)" in text and "笔记本：_failed/2021/alpha/report.ipynb" in text
    assert "Traceback (most recent call last)" in text and "json.loads(\"{broken\")" in text
    assert "\x1b[" not in text and text.rstrip().splitlines()[-2] == "退出码：1"


def test_a_batch_that_cannot_start_still_logs_why(tmp_path, capsys):
    data = dataset(tmp_path / "data", {"alpha": "甲街道"}, [2021])
    batch = params(tmp_path / "batch.yaml", years=2021, region="别的区")
    out = tmp_path / "build"
    code = main(["--data", str(data), "--out", str(out), "--params", str(batch), "--quiet"])
    assert code == exits.UNREADABLE
    (log,) = (out / "logs").glob("*.log")
    text = log.read_text("utf-8")
    assert "不能开始构建" in text and "别的区" in text and "退出码：2" in text
    assert "别的区" in capsys.readouterr().err


@pytest.mark.slow
def test_batch_log_and_no_progress_bar_off_a_terminal(tmp_path):
    data = dataset(tmp_path / "data", {"alpha": "甲街道", "beta": "乙街道"}, [2021],
                   broken={("beta", 2021)})
    batch = params(tmp_path / "batch.yaml", years=2021, region="测试区", profile="publish")
    out = tmp_path / "build"
    done = cli("--data", str(data), "--out", str(out), "--params", str(batch), "--jobs", "1")
    assert done.returncode == exits.FAILED, done.stdout + done.stderr
    assert "\r" not in done.stderr and "项/s" not in done.stderr  # stderr is a pipe: no bar
    (log,) = (out / "logs").glob("*.log")
    assert f"日志（含失败的完整错误信息）：{log}" in done.stdout
    text = log.read_text("utf-8")
    assert "== 失败：乙街道（beta）2021 年度（2021/beta）" in text
    assert "类别：blocked" in text and "校验错误，不能按发布版生成" in text
    assert "- R" in text  # each validation error, as the notebook raised it
    assert "完成：共 2 项" in text and "退出码：1" in text


# ------------------------------------------------------------------ pip install .


def venv_seeing_this_one(where: Path) -> Path:
    """A new venv whose ``site-packages`` also sees this environment's packages (offline:
    pip and setuptools come from here, nothing is downloaded)."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(where)], check=True,
                   timeout=120)
    python = where / "bin" / "python"
    purelib = subprocess.run([str(python), "-c",
                              "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    Path(purelib, "outer-environment.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return python


@pytest.mark.slow
def test_pip_install_gives_a_nianbao_command_that_works_anywhere(tmp_path):
    source = tmp_path / "source"  # a copy of the checkout, as a user has it
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    shutil.copytree(ROOT / "src", source / "src", symlinks=True,
                    ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    shutil.copytree(ROOT / "notebooks", source / "notebooks")
    python = venv_seeing_this_one(tmp_path / "venv")
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", paths.PROJECT_ENV, paths.DATA_ENV)}
    install = subprocess.run([str(python), "-m", "pip", "install", "--no-deps",
                              "--no-build-isolation", "--disable-pip-version-check", "-q", "."],
                             cwd=source, capture_output=True, text=True, env=env, timeout=600)
    assert install.returncode == 0, install.stdout + install.stderr
    assert not (source / "build").exists()  # setuptools' scratch folder is not build/
    assert (source / ".setuptools-build").is_dir()

    nianbao = tmp_path / "venv" / "bin" / "nianbao"
    where = subprocess.run([str(python), "-c", "import nianbao.paths as p; "
                            "print(p.PACKAGE_DIR); print(sorted(x.name for x in "
                            "p.NOTEBOOKS_DIR.glob('*.ipynb')))"],
                           cwd=tmp_path, capture_output=True, text=True, env=env, timeout=120)
    package, notebooks = where.stdout.splitlines()
    assert Path(package).is_relative_to(tmp_path / "venv")
    assert not Path(package, "notebooks").is_symlink()
    assert notebooks == str(["explore.ipynb", "region_summary.ipynb", "report.ipynb"])

    project = copy_project(tmp_path / "proj")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    version = subprocess.run([str(nianbao), "--version"], cwd=elsewhere, capture_output=True,
                             text=True, env=env, timeout=120)
    assert version.returncode == 0 and "F2021  2021 年度起" in version.stdout
    check = subprocess.run([str(nianbao), "check", "--project", str(project), "--year", "2020"],
                           cwd=elsewhere, capture_output=True, text=True, env=env, timeout=300)
    assert check.returncode == exits.OK, check.stderr
    assert "浮山街道（fushan） 2020 年度" in check.stdout
    assert "合计：错误 0 项" in check.stdout
    (project / "notes").mkdir()
    usage = subprocess.run([str(nianbao), "check", "--year", "1999x"], cwd=project / "notes",
                           capture_output=True, text=True, env=env, timeout=120)
    assert usage.returncode == exits.USAGE and usage.stderr.startswith("用法：nianbao check")


@pytest.mark.slow
def test_report_runs_the_notebook_once_and_explains_a_refusal(tmp_path):
    data = dataset(tmp_path / "data", {"alpha": "甲街道", "beta": "乙街道"}, [2021],
                   broken={("beta", 2021)})
    out = tmp_path / "out"
    common = ("--data", str(data), "--out", str(out), "--year", "2021", "--formats", "html")
    ok = cli("report", "--agency", "alpha", *common)
    assert ok.returncode == exits.OK, ok.stderr
    assert f"html: {out / '2021' / 'alpha' / 'report.html'}" in ok.stdout
    assert "甲街道" in (out / "2021" / "alpha" / "report.html").read_text("utf-8")
    refused = cli("report", "--agency", "beta", "--profile", "publish", *common)
    assert refused.returncode == exits.FAILED, refused.stdout + refused.stderr
    assert "发布版校验未通过" in refused.stderr and "\n- R" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert not (out / "2021" / "beta" / "report.html").exists()
