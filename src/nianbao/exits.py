"""Exit codes of every command, defined once: the command line, the batch and ``--help`` use
these, so a script can tell bad data from a misused command."""

from __future__ import annotations

import os
import sys
from typing import NoReturn

OK = 0
FAILED = 1  # validation found errors, or a report could not be built
UNREADABLE = 2  # the data, a batch file or a parameter could not be used; nothing was built
USAGE = 64  # the command line itself is wrong (EX_USAGE of sysexits.h)
INTERRUPTED = 130  # Ctrl-C or SIGTERM; the next run goes on where this one stopped

#: What each code means, for ``--help`` and the README.
MEANINGS = {
    OK: "成功（只有警告也算成功）",
    FAILED: "数据校验发现错误，或有报告生成失败",
    UNREADABLE: "数据、参数文件或参数无法使用（如文件无法读取、单位或年度不存在），未生成任何报告",
    USAGE: "命令行用法错误（如未知的选项或参数、缺少必需的选项）",
    INTERRUPTED: "被中断（Ctrl-C 或 SIGTERM）；再次运行时从中断处继续",
}


def leave(code: int) -> NoReturn:
    """End a command-line process with ``code`` without the interpreter's teardown.

    Once nbconvert, papermill and pandas are loaded, freeing every module object at exit costs
    about half a second after the work is done. The exit handlers (the browser, temporary
    folders, logs) still run and the streams are flushed; only the teardown is skipped. Under a
    profiler, tracer or debugger the process exits the ordinary way, so that they can write
    their results.
    """
    import atexit

    if sys.getprofile() is not None or sys.gettrace() is not None:
        sys.exit(code)

    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe: nothing more can be said
            pass
    atexit._run_exitfuncs()
    os._exit(code)
