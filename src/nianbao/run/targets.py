"""What a run is: the notebook, its parameters and where its outputs go.

One place decides the output layout of every run, for ``build.py report``, ``summary`` and the
batch: ``<out>/<year>/<agency_id>/report.*`` for a report and
``<out>/<year>/_regions/<slug>/summary.*`` for a region summary. Light on purpose (no pandas):
the batch planner names every run with it.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from nianbao.files import check_id, safe_child
from nianbao.paths import BUILD_DIR, DATA_DIR, NOTEBOOKS_DIR
from nianbao.region.spec import region_slug

REPORT_NOTEBOOK = NOTEBOOKS_DIR / "report.ipynb"
SUMMARY_NOTEBOOK = NOTEBOOKS_DIR / "region_summary.ipynb"
#: Output kinds a run can produce besides the executed notebook, and the default choice.
OUTPUT_KINDS = ("html", "pdf", "docx")
DEFAULT_KINDS = ("html", "pdf")
#: Kinds of a region summary (it has no Word version).
SUMMARY_KINDS = ("html", "pdf")


@dataclass(frozen=True)
class RunSpec:
    """One notebook run: which notebook, its parameters, and where its outputs go.

    ``target`` is the output folder relative to ``out_dir`` (``2020/fushan``); the outputs are
    ``<basename>.ipynb`` plus one file per output kind (``kinds``). ``timeout`` bounds the
    whole run (seconds).
    """

    kind: str
    target: str
    notebook: str
    parameters: tuple[tuple[str, object], ...]  # (name, value) pairs, in order
    out_dir: str
    basename: str = "report"
    kinds: tuple[str, ...] = DEFAULT_KINDS
    timeout: float = 600.0

    def target_dir(self) -> Path:
        """The output folder, checked to lie inside ``out_dir`` whatever the target says."""
        return safe_child(self.out_dir, self.target)

    def outputs(self) -> dict[str, Path]:
        folder = self.target_dir()
        return {k: safe_child(folder, f"{self.basename}.{k}") for k in ("ipynb", *self.kinds)}

    def failed_notebook(self) -> Path:
        """Where a failed run's partially executed notebook is kept."""
        return safe_child(self.out_dir, "_failed", self.target, f"{self.basename}.ipynb")


def notebook_path(path: str | Path, notebook: str | Path) -> str:
    """``path`` as the notebook's kernel should see it, relative to the notebook when both are in
    one project (the notebook's parent folder), so that an executed notebook records no path of
    the machine that built it; absolute otherwise (data kept outside the project)."""
    path, folder = Path(path).resolve(), Path(notebook).resolve().parent
    if path.is_relative_to(folder.parent):
        return Path(os.path.relpath(path, folder)).as_posix()
    return str(path)


def report_spec(
    agency_id: str,
    year: int,
    data_dir: str | Path,
    out_dir: str | Path,
    kinds: Sequence[str] = DEFAULT_KINDS,
    profile: str = "review",
    allow_errors: bool = False,
    timeout: float = 600.0,
    extra: dict | None = None,
) -> RunSpec:
    """The run of ``notebooks/report.ipynb`` for one agency-year (``extra``: more parameters).

    With ``docx`` among the kinds the notebook also builds the Word file (``make_docx``).
    Raises ``UnsafePathError`` for an agency id that is not a slug: it becomes a folder name.
    """
    check_id(agency_id)
    params = {"agency_id": agency_id, "year": int(year),
              "data_dir": notebook_path(data_dir, REPORT_NOTEBOOK), "profile": profile,
              "allow_errors": bool(allow_errors), **(extra or {})}
    if "docx" in kinds:
        params["make_docx"] = True
    return RunSpec("report", f"{int(year)}/{agency_id}", str(REPORT_NOTEBOOK),
                   tuple(params.items()), str(out_dir), "report", tuple(kinds), float(timeout))


def summary_target(region: str, year: int, data_dir: str | Path | None = None) -> str:
    """Output folder of a region summary, relative to the build directory."""
    return f"{int(year)}/_regions/{check_id(region_slug(region, data_dir), '区域目录名')}"


def summary_spec(
    region: str,
    year: int,
    data_dir: str | Path = DATA_DIR,
    out_dir: str | Path = BUILD_DIR,
    kinds: Sequence[str] = SUMMARY_KINDS,
    timeout: float = 600.0,
):
    """The run of ``notebooks/region_summary.ipynb`` for one region-year (kind ``summary``,
    basename ``summary``): ``<out>/<year>/_regions/<slug>/summary.{ipynb,html,pdf}``."""
    params = {"region": region.strip(), "year": int(year),
              "data_dir": notebook_path(data_dir, SUMMARY_NOTEBOOK)}
    kinds = [k for k in kinds if k in SUMMARY_KINDS]
    return RunSpec("summary", summary_target(region, year, data_dir), str(SUMMARY_NOTEBOOK),
                   tuple(params.items()), str(out_dir), "summary", tuple(kinds),
                   float(timeout))
