"""One report run: execute the notebook with papermill, export HTML and PDF, write atomically.

A run is self-contained (inputs in, output paths out), so the batch can send it to a local
process or a Dask worker alike. Failures are returned, not raised: the batch goes on.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
import traceback
from dataclasses import asdict, dataclass, field
from pathlib import Path

import nbformat

from nianbao.document import METADATA_MIMETYPE
from nianbao.paths import NOTEBOOKS_DIR

REPORT_NOTEBOOK = NOTEBOOKS_DIR / "report.ipynb"
FORMATS = ("html", "pdf")


@dataclass(frozen=True)
class RunSpec:
    """What to build: one agency-year with its options."""

    agency_id: str
    year: int
    data_dir: str
    out_dir: str
    formats: tuple[str, ...] = FORMATS
    profile: str = "review"
    allow_errors: bool = False
    timeout: float = 600.0
    notebook: str = str(REPORT_NOTEBOOK)

    @property
    def key(self) -> str:
        return f"{self.year}/{self.agency_id}"

    def target_dir(self) -> Path:
        return Path(self.out_dir) / str(self.year) / self.agency_id

    def outputs(self) -> dict[str, Path]:
        names = {"ipynb": "report.ipynb", "html": "report.html", "pdf": "report.pdf"}
        return {k: self.target_dir() / names[k] for k in ("ipynb", *self.formats)}

    def parameters(self) -> dict:
        return {"agency_id": self.agency_id, "year": int(self.year),
                "data_dir": str(Path(self.data_dir).resolve()), "profile": self.profile,
                "allow_errors": self.allow_errors}


@dataclass
class RunResult:
    spec: RunSpec
    ok: bool
    outputs: dict[str, str] = field(default_factory=dict)
    metadata: dict = field(default_factory=dict)
    reason: str = ""
    failed_cell: int | None = None
    failed_notebook: str = ""
    seconds: float = 0.0
    retryable: bool = False

    def to_json(self) -> dict:
        out = asdict(self)
        out["spec"] = asdict(self.spec)
        return out


def atomic_write(path: Path, data: bytes) -> None:
    """Write to a temporary name beside ``path`` and rename: never a truncated file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def collect_metadata(nb: nbformat.NotebookNode) -> dict:
    """Move the report metadata the notebook displayed into ``nb.metadata['nianbao']``."""
    found: dict = {}
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        kept = []
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if METADATA_MIMETYPE in data:
                found = dict(data[METADATA_MIMETYPE])
            else:
                kept.append(output)
        cell["outputs"] = kept
    nb.metadata["nianbao"] = found
    return found


def execute_notebook(spec: RunSpec, work: Path) -> nbformat.NotebookNode:
    """Run the report notebook with papermill in this process (a fresh kernel per run)."""
    import papermill

    out = work / "report.ipynb"
    papermill.execute_notebook(
        spec.notebook, str(out), parameters=spec.parameters(), kernel_name="python3",
        progress_bar=False, log_output=False, request_save_on_cell_execute=False,
        execution_timeout=spec.timeout, cwd=str(Path(spec.notebook).parent),
        shutdown_kernel="immediate",
    )
    return nbformat.read(out, as_version=4)


def run_report(spec: RunSpec, browser=None) -> RunResult:
    """Build one report; ``browser`` is a long-lived ``ChromiumBrowser`` when PDF is wanted."""
    import papermill

    from nianbao.render.html import export_html

    started = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix=f"nianbao-{spec.year}-{spec.agency_id}-"))
    try:
        try:
            nb = execute_notebook(spec, work)
        except papermill.PapermillExecutionError as exc:
            return _failure(spec, work, started, f"{exc.ename}: {exc.evalue}",
                            cell=exc.exec_count)
        except Exception as exc:  # kernel died, timeout, start-up race: a run-level failure
            return _failure(spec, work, started, f"{type(exc).__name__}: {exc}",
                            retryable=_is_start_failure(exc))
        meta = collect_metadata(nb)
        files: dict[str, bytes] = {"ipynb": nbformat.writes(nb).encode("utf-8")}
        html = export_html(nb)
        if "html" in spec.formats:
            files["html"] = html.encode("utf-8")
        if "pdf" in spec.formats:
            if browser is None:
                from nianbao.render.pdf import ChromiumBrowser

                with ChromiumBrowser() as own:
                    files["pdf"] = own.html_to_pdf(html)
            else:
                files["pdf"] = browser.html_to_pdf(html)
        targets = spec.outputs()
        for kind, data in files.items():
            atomic_write(targets[kind], data)
        return RunResult(spec, True, {k: str(v) for k, v in targets.items()}, meta,
                         seconds=time.perf_counter() - started)
    except Exception as exc:
        return _failure(spec, work, started, f"{type(exc).__name__}: {exc}",
                        detail=traceback.format_exc())
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _is_start_failure(exc: Exception) -> bool:
    text = f"{type(exc).__name__} {exc}"
    return any(s in text for s in ("Kernel died before replying", "Address already in use",
                                   "kernel_info", "DeadKernelError"))


def _failure(spec, work, started, reason, cell=None, retryable=False, detail="") -> RunResult:
    """Keep the partially executed notebook under ``<out>/_failed/`` for debugging."""
    kept = ""
    partial = work / "report.ipynb"
    if partial.exists():
        target = Path(spec.out_dir) / "_failed" / str(spec.year) / spec.agency_id / "report.ipynb"
        atomic_write(target, partial.read_bytes())
        kept = str(target)
    return RunResult(spec, False, reason=reason + (f"\n{detail}" if detail else ""),
                     failed_cell=cell, failed_notebook=kept,
                     seconds=time.perf_counter() - started, retryable=retryable)
