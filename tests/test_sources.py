"""Run keys cover the package code a notebook reaches, and nothing else."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from nianbao.batch.plan import input_key
from nianbao.batch.sources import PACKAGE_DIR, code_hash, reached_modules
from nianbao.run.targets import REPORT_NOTEBOOK, SUMMARY_NOTEBOOK, report_spec


@pytest.fixture()
def package(tmp_path: Path) -> Path:
    copy = tmp_path / "nianbao"
    shutil.copytree(PACKAGE_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


def _edit(path: Path) -> None:
    path.write_text(path.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")


@pytest.mark.parametrize("notebook", [REPORT_NOTEBOOK, SUMMARY_NOTEBOOK])
def test_workbook_edit_changes_no_report_key(package: Path, notebook: Path) -> None:
    before = code_hash(str(notebook), package)
    _edit(package / "export" / "workbook.py")
    _edit(package / "batch" / "runner.py")
    assert code_hash.__wrapped__(str(notebook), package) == before


@pytest.mark.parametrize("module", [
    "report/narrative.py",  # the notebook's own imports reach it
    "formats/spec.py",
    "render/html.py",  # the export reaches it
    "run/execute.py",
    "report/__init__.py",  # a package initialiser on the way
])
def test_edit_of_reached_module_changes_report_key(package: Path, module: str) -> None:
    before = code_hash(str(REPORT_NOTEBOOK), package)
    _edit(package / module)
    assert code_hash.__wrapped__(str(REPORT_NOTEBOOK), package) != before


def test_format_file_edit_changes_report_key(package: Path) -> None:
    before = code_hash(str(REPORT_NOTEBOOK), package)
    _edit(package / "formats" / "F2021.json")
    assert code_hash.__wrapped__(str(REPORT_NOTEBOOK), package) != before


def test_lazy_and_relative_imports_are_followed(tmp_path: Path) -> None:
    pkg = tmp_path / "nianbao"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("", encoding="utf-8")
    (pkg / "sub" / "__init__.py").write_text("", encoding="utf-8")
    (pkg / "sub" / "a.py").write_text("def f():\n    from . import b\n", encoding="utf-8")
    (pkg / "sub" / "b.py").write_text("from ..c import x\n", encoding="utf-8")
    (pkg / "c.py").write_text("x = 1\n", encoding="utf-8")
    (pkg / "unused.py").write_text("import nianbao.sub.a\n", encoding="utf-8")
    found = {p.relative_to(pkg).as_posix() for p in reached_modules(("nianbao.sub.a",), pkg)}
    assert found == {"__init__.py", "sub/__init__.py", "sub/a.py", "sub/b.py", "c.py"}


def test_run_key_ignores_the_workbook_module() -> None:
    """The real package: the workbook is not among the files a report's key hashes."""
    reached = {p.relative_to(PACKAGE_DIR).as_posix()
               for p in reached_modules(("nianbao.report.document", "nianbao.run.execute"))}
    assert "export/workbook.py" not in reached and "report/narrative.py" in reached
    spec = report_spec("fushan", 2020, "data", "build", ("html",), "review", False)
    assert input_key(spec, "x") == input_key(spec, "x") != input_key(spec, "y")
