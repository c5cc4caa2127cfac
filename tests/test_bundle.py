"""``build.py bundle``: the zip a district sends upward, refused while reports have errors."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from batchdata import REGION, build, dataset, params, set_cell
from nianbao.batch.bundle import safe_name
from nianbao.testing.docx_parse import parse_docx_tables

ROOT = Path(__file__).resolve().parents[1]
YEAR = 2022
AGENCIES = {"alpha": "甲街道", "beta": "乙街道"}
NAMES = {a: f"{REGION}{short}办事处" for a, short in AGENCIES.items()}


def bundle(data: Path, out: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(ROOT / "build.py"), "bundle", "--data", str(data), "--build",
         str(out), "--region", REGION, "--year", str(YEAR), *extra],
        capture_output=True, text=True, timeout=300, cwd=ROOT)


def test_refused_while_reports_have_errors(tmp_path: Path) -> None:
    data = dataset(tmp_path / "data", AGENCIES, [YEAR], broken={("beta", YEAR)})
    done = bundle(data, tmp_path / "build")
    assert done.returncode == 1
    assert "乙街道办事处（beta）" in done.stderr and "alpha" not in done.stderr
    assert "--allow-errors" in done.stderr and "Traceback" not in done.stderr
    assert not list((tmp_path / "build").rglob("*.zip"))


def test_refused_when_reports_are_missing(tmp_path: Path) -> None:
    data = dataset(tmp_path / "data", AGENCIES, [YEAR])
    done = bundle(data, tmp_path / "build", "--allow-errors")
    assert done.returncode == 2
    for agency, name in NAMES.items():
        assert f"{name}（{agency}）缺少 report.pdf、report.docx" in done.stderr
    assert "缺少地区汇总" in done.stderr and "Traceback" not in done.stderr


def test_unknown_region_is_named(tmp_path: Path) -> None:
    data = dataset(tmp_path / "data", AGENCIES, [YEAR])
    done = subprocess.run(
        [sys.executable, str(ROOT / "build.py"), "bundle", "--data", str(data), "--build",
         str(tmp_path / "build"), "--region", "无此区", "--year", str(YEAR)],
        capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert done.returncode == 2 and "无此区" in done.stderr


@pytest.mark.parametrize(("text", "expected"), [
    ("某街道办事处2022年政府信息公开工作年度报告", "某街道办事处2022年政府信息公开工作年度报告"),
    ("../../etc/passwd", "_.._etc_passwd"),
    ("甲/乙\\丙:丁", "甲_乙_丙_丁"),
    ("", "_"),
])
def test_names_from_data_stay_file_names(text: str, expected: str) -> None:
    assert safe_name(text) == expected


@pytest.mark.slow
def test_bundle_of_a_built_region(tmp_path: Path) -> None:
    data = dataset(tmp_path / "data", AGENCIES, [YEAR], broken={("beta", YEAR)})
    out = tmp_path / "build"
    batch = params(tmp_path / "batch.yaml", years=YEAR, region=REGION,
                   formats=["pdf", "docx"], summaries=True)
    done = build(data, out, batch)
    assert (out / str(YEAR) / "alpha" / "report.docx").exists(), done.stdout + done.stderr

    refused = bundle(data, out)
    assert refused.returncode == 1 and "beta" in refused.stderr

    target = tmp_path / "报送.zip"
    made = bundle(data, out, "--allow-errors", "--out", str(target))
    assert made.returncode == 0, made.stderr
    archive = zipfile.ZipFile(target)
    expected = {f"{NAMES[a]}{YEAR}年政府信息公开工作年度报告.{ext}"
                for a in AGENCIES for ext in ("pdf", "docx")}
    expected |= {f"{REGION}{YEAR}年政府信息公开工作年度报告汇总.pdf", "validation.csv"}
    assert set(archive.namelist()) == expected
    for agency, name in NAMES.items():
        stem = f"{name}{YEAR}年政府信息公开工作年度报告"
        folder = out / str(YEAR) / agency
        assert archive.read(f"{stem}.docx") == (folder / "report.docx").read_bytes()
        assert archive.read(f"{stem}.pdf") == (folder / "report.pdf").read_bytes()
        assert parse_docx_tables(archive.read(f"{stem}.docx"))["t3.new.natural_person"] == (
            5 if agency == "beta" else 0)
    rows = list(csv.DictReader(io.StringIO(archive.read("validation.csv").decode("utf-8-sig"))))
    assert {r["agency_id"] for r in rows if r["severity"] == "error"} == {"beta"}
    assert "审阅版" in made.stderr  # the batch built review copies: the user is told

    again = tmp_path / "again.zip"
    assert bundle(data, out, "--allow-errors", "--out", str(again)).returncode == 0
    assert again.read_bytes() == target.read_bytes()

    set_cell(data, YEAR, "alpha", "t2_1.regulation.issued", 3)  # data changed since the build
    stale = bundle(data, out, "--allow-errors", "--out", str(tmp_path / "stale.zip"))
    assert stale.returncode == 2
    assert f"{NAMES['alpha']}（alpha）的报告不是按当前数据生成的" in stale.stderr
    assert "beta）的报告不是" not in stale.stderr
