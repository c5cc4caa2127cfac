"""What a run is: the notebook, its parameters and where its outputs go.

One place decides the output layout of every run, for ``build.py report``, ``summary`` and the
batch: ``<out>/<year>/<agency_id>/report.*`` for a report and
``<out>/<year>/_regions/<slug>/summary.*`` for a region summary. Light on purpose (no pandas):
the batch planner names every run with it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from nianbao.files import check_id, safe_child
from nianbao.paths import BUILD_DIR, DATA_DIR, NOTEBOOKS_DIR
from nianbao.region.spec import region_slug

REPORT_NOTEBOOK = NOTEBOOKS_DIR / "report.ipynb"
SUMMARY_NOTEBOOK = NOTEBOOKS_DIR / "region_summary.ipynb"
FORMATS = ("html", "pdf")


@dataclass(frozen=True)
class RunSpec:
    """One notebook run: which notebook, its parameters, and where its outputs go.

    ``target`` is the output folder relative to ``out_dir`` (``2020/fushan``); the outputs are
    ``<basename>.ipynb`` plus one file per format. ``timeout`` bounds the whole run (seconds).
    """

    kind: str
    target: str
    notebook: str
    params: tuple[tuple[str, object], ...]
    out_dir: str
    basename: str = "report"
    formats: tuple[str, ...] = FORMATS
    timeout: float = 600.0

    @property
    def key(self) -> str:
        return self.target

    @property
    def parameters(self) -> dict:
        return dict(self.params)

    def target_dir(self) -> Path:
        """The output folder, checked to lie inside ``out_dir`` whatever the target says."""
        return safe_child(self.out_dir, self.target)

    def outputs(self) -> dict[str, Path]:
        folder = self.target_dir()
        return {k: safe_child(folder, f"{self.basename}.{k}") for k in ("ipynb", *self.formats)}

    def failed_notebook(self) -> Path:
        """Where a failed run's partially executed notebook is kept."""
        return safe_child(self.out_dir, "_failed", self.target, f"{self.basename}.ipynb")


def report_spec(
    agency_id: str,
    year: int,
    data_dir: str | Path,
    out_dir: str | Path,
    formats: tuple[str, ...] = FORMATS,
    profile: str = "review",
    allow_errors: bool = False,
    timeout: float = 600.0,
    extra: dict | None = None,
) -> RunSpec:
    """The run of ``notebooks/report.ipynb`` for one agency-year (``extra``: more parameters).

    Raises ``UnsafePathError`` for an agency id that is not a slug: it becomes a folder name.
    """
    check_id(agency_id)
    params = {"agency_id": agency_id, "year": int(year),
              "data_dir": str(Path(data_dir).resolve()), "profile": profile,
              "allow_errors": bool(allow_errors), **(extra or {})}
    return RunSpec("report", f"{int(year)}/{agency_id}", str(REPORT_NOTEBOOK),
                   tuple(params.items()), str(out_dir), "report", tuple(formats), float(timeout))


def summary_target(region: str, year: int, data_dir: str | Path | None = None) -> str:
    """Output folder of a region summary, relative to the build directory."""
    return f"{int(year)}/_regions/{check_id(region_slug(region, data_dir), '区域目录名')}"


def summary_spec(
    region: str,
    year: int,
    data_dir: str | Path = DATA_DIR,
    out_dir: str | Path = BUILD_DIR,
    formats: Sequence[str] = ("html", "pdf"),
    timeout: float = 600.0,
):
    """The run of ``notebooks/region_summary.ipynb`` for one region-year (kind ``summary``,
    basename ``summary``): ``<out>/<year>/_regions/<slug>/summary.{ipynb,html,pdf}``."""
    params = {"region": region.strip(), "year": int(year),
              "data_dir": str(Path(data_dir).resolve())}
    return RunSpec("summary", summary_target(region, year, data_dir), str(SUMMARY_NOTEBOOK),
                   tuple(params.items()), str(out_dir), "summary", tuple(formats),
                   float(timeout))
