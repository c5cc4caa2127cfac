"""Small data directories, batch files and build commands for the batch tests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from datadir import agency_row, write_dataset, zero_report

ROOT = Path(__file__).resolve().parents[1]
BUILD_PY = ROOT / "build.py"
REGION = "测试区"


def inconsistent(year: int) -> dict[str, object]:
    """A report with validation errors (new requests that appear nowhere else)."""
    cells = zero_report(year)
    cells["t3.new.natural_person"] = 5
    return cells


def dataset(root: Path, agencies: dict[str, str], years: list[int],
            broken: set[tuple[str, int]] = frozenset()) -> Path:
    """``agencies``: id → short name (all 街道 of 测试区); ``broken``: agency-years with errors."""
    rows = [agency_row(a, short) for a, short in agencies.items()]
    stats = {y: {a: inconsistent(y) if (a, y) in broken else zero_report(y) for a in agencies}
             for y in years}
    return write_dataset(root, rows, stats)


def set_cell(data: Path, year: int, agency: str, ref: str, value: object) -> None:
    """Change one cell of one agency in ``stats/<year>.csv``."""
    path = data / "stats" / f"{year}.csv"
    table, row, col = ref.split(".")
    lines = path.read_text(encoding="utf-8").splitlines()
    prefix = f"{agency},{table},{row},{col},"
    hits = [i for i, line in enumerate(lines) if line.startswith(prefix)]
    assert len(hits) == 1, (ref, hits)
    lines[hits[0]] = f"{prefix}{value}"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def params(path: Path, **values) -> Path:
    """A batch file (YAML written as JSON, which YAML reads)."""
    values.setdefault("formats", ["html"])
    values.setdefault("summaries", False)
    path.write_text(json.dumps(values, ensure_ascii=False), encoding="utf-8")
    return path


def build_cmd(data: Path, out: Path, batch: Path, *extra: str) -> list[str]:
    return [sys.executable, str(BUILD_PY), "--data", str(data), "--out", str(out),
            "--params", str(batch), "--quiet", *extra]


def build(data: Path, out: Path, batch: Path, *extra: str,
          timeout: float = 600) -> subprocess.CompletedProcess:
    """Run ``build.py`` as a user would; returns the finished process (text output)."""
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    return subprocess.run(build_cmd(data, out, batch, *extra), capture_output=True, text=True,
                          timeout=timeout, env=env, cwd=ROOT)


def manifest(out: Path) -> dict:
    path = out / ".manifest.json"
    return json.loads(path.read_text(encoding="utf-8"))["runs"] if path.exists() else {}


def mtimes(out: Path) -> dict[str, int]:
    """Modification times of every output file under ``out`` (relative path → ns); the build
    logs (``logs/``, one new file per build) are not outputs."""
    return {p.relative_to(out).as_posix(): p.stat().st_mtime_ns
            for p in out.rglob("*")
            if p.is_file() and p.parent != out and p.relative_to(out).parts[0] != "logs"}


def mark_built(data: Path, out: Path, batch: Path) -> int:
    """Record every planned run as built, with placeholder files and the real input keys
    (to time a build with nothing to do, without building a thousand reports first)."""
    from nianbao.batch.manifest import Manifest
    from nianbao.batch.runner import BuildOptions, plan_only

    plan = plan_only(BuildOptions(data_dir=data, out_dir=out, params=[batch]))
    book = Manifest.load(out)
    for r in plan.runs:
        outputs = r.spec.outputs()
        for path in outputs.values():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(b"placeholder")
        book.runs[r.target] = {"key": r.input_key, "kind": r.kind, "agency_id": r.agency_id,
                               "name": r.name, "short_name": r.short_name, "region": r.region,
                               "year": r.year, "status": "ok",
                               "outputs": Manifest.output_info(outputs)}
    book.save()
    return len(plan.runs)
