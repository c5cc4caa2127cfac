"""The log of one batch: ``<out>/logs/<time>.log``, with each failure's full traceback.

The console and ``index.html`` show one line per failure; the traceback (of the kernel, the
export or the worker) is what a developer needs to fix it, so it goes here. Lines are written
as they happen, so an interrupted build still leaves its log.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import TextIO

from nianbao.run.execute import Failure

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


class BuildLog:
    """Append-only log file of one build; ``path`` is where it is."""

    def __init__(self, out_dir: Path, now: dt.datetime | None = None) -> None:
        now = now or dt.datetime.now().astimezone()
        folder = Path(out_dir) / "logs"
        folder.mkdir(parents=True, exist_ok=True)
        stem = now.strftime("%Y%m%d-%H%M%S")
        path, n = folder / f"{stem}.log", 1
        while path.exists():  # two builds in the same second
            n += 1
            path = folder / f"{stem}-{n}.log"
        self.path = path
        self._file: TextIO = path.open("x", encoding="utf-8")
        self.write(f"nianbao 构建开始：{now.isoformat(timespec='seconds')}")

    def write(self, text: str) -> None:
        self._file.write(text.rstrip("\n") + "\n")
        self._file.flush()

    def failure(self, label: str, target: str, failure: Failure, notebook: str = "") -> None:
        """One failed run: the reason as the console shows it, then the whole traceback."""
        lines = [f"\n== 失败：{label}（{target}）", f"类别：{failure.category}",
                 f"原因：{failure.reason}"]
        if failure.cell is not None:
            lines.append(f"单元格：第 {failure.cell + 1} 个  {failure.cell_source}")
        if notebook:
            lines.append(f"笔记本：{notebook}")
        detail = _ANSI.sub("", failure.detail or "").strip()
        lines.append("详细信息：\n" + detail if detail else "详细信息：无（没有可记录的调用栈）")
        self.write("\n".join(lines))

    def close(self, summary: str = "") -> None:
        if self._file.closed:
            return
        if summary:
            self.write(f"\n{summary}")
        now = dt.datetime.now().astimezone()
        self.write(f"nianbao 构建结束：{now.isoformat(timespec='seconds')}")
        self._file.close()
