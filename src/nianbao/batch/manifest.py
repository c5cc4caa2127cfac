"""The build manifest (``<out>/.manifest.json``): what each run was built from and what it made.

One entry per run target records the input key, the status, the outputs (size and mtime, to
notice a deleted or replaced file), the error/warning counts and, for a failed run, the reason.
The driver rewrites the file atomically after every finished run, so an interrupted batch keeps
everything it finished.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from nianbao.files import atomic_write
from nianbao.run.execute import DETERMINISTIC

VERSION = 1
FILENAME = ".manifest.json"


@dataclass(frozen=True)
class Freshness:
    """Whether a run can be skipped, and why not."""

    skip: bool
    why: str  # Chinese, for --dry-run

    def __bool__(self) -> bool:
        return self.skip


def _well_formed(entry: object) -> bool:
    """An entry this version wrote; anything else is dropped and its run rebuilt."""
    if not isinstance(entry, dict) or not isinstance(entry.get("key"), str):
        return False
    outputs, failure = entry.get("outputs", {}), entry.get("failure", {})
    return (isinstance(outputs, dict) and all(isinstance(v, dict) for v in outputs.values())
            and isinstance(failure, dict))


class Manifest:
    def __init__(self, path: Path, runs: dict[str, dict] | None = None,
                 extra: dict | None = None) -> None:
        self.path = path
        self.runs: dict[str, dict] = runs or {}
        self.extra: dict = extra or {}

    @classmethod
    def load(cls, out_dir: Path) -> Manifest:
        path = Path(out_dir) / FILENAME
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return cls(path)
        if not isinstance(data, dict) or data.get("version") != VERSION:
            return cls(path)
        runs, extra = data.get("runs"), data.get("extra")
        # Valid JSON of the wrong shape is as good as no manifest: everything is rebuilt.
        runs = {str(k): v for k, v in runs.items() if _well_formed(v)} if isinstance(
            runs, dict) else {}
        return cls(path, runs, extra if isinstance(extra, dict) else {})

    def save(self) -> None:
        data = {"version": VERSION, "runs": dict(sorted(self.runs.items())), "extra": self.extra}
        atomic_write(self.path, json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8"))

    # ----------------------------------------------------------------- queries

    def freshness(self, target: str, input_key: str, outputs: dict[str, Path]) -> Freshness:
        """Up to date: same input key, and every output still as it was written.

        A failed run with the same key is skipped too when its failure is deterministic (a
        cell error, a blocked publish build): it would fail the same way again.
        """
        entry = self.runs.get(target)
        if entry is None:
            return Freshness(False, "未生成")
        if entry.get("key") != input_key:
            return Freshness(False, "输入已变化")
        if entry.get("status") == "failed":
            category = (entry.get("failure") or {}).get("category")
            if category in DETERMINISTIC:
                return Freshness(True, "输入未变，上次失败")
            return Freshness(False, "上次失败，重试")
        recorded = entry.get("outputs") or {}
        for kind, path in outputs.items():
            info = recorded.get(kind)
            try:
                st = os.stat(path)
            except OSError:
                return Freshness(False, f"缺少 {path.name}")
            if not info or info.get("size") != st.st_size or info.get("mtime_ns") != st.st_mtime_ns:
                return Freshness(False, f"{path.name} 已被改动")
        return Freshness(True, "最新")

    # ----------------------------------------------------------------- updates

    def record(self, target: str, entry: dict) -> None:
        self.runs[target] = entry
        self.save()

    @staticmethod
    def output_info(paths: dict[str, Path]) -> dict[str, dict]:
        out = {}
        for kind, path in paths.items():
            st = os.stat(path)
            out[kind] = {"path": path.name, "size": st.st_size, "mtime_ns": st.st_mtime_ns}
        return out
