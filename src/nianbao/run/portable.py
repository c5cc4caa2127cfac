"""Executed notebooks that carry no path of the machine that built them.

papermill records where it read the notebook and wrote the result (``input_path`` in the
source checkout, ``output_path`` in a private work folder). Both are rewritten relative to their
roots — the project for the input, the build folder for the output — so that the same inputs
give the same notebook in any checkout, and a reviewer can re-run it from there. The cell that
papermill inserts with the parameters gets a fixed id instead of a random one, for the same
reason. Execution times stay: they say when the report was run.
"""

from __future__ import annotations

from pathlib import Path

import nbformat

from nianbao.run.targets import RunSpec

INJECTED = "injected-parameters"  # papermill's tag, and the id that cell gets


def make_portable(nb: nbformat.NotebookNode, spec: RunSpec) -> None:
    """Rewrite papermill's recorded paths of ``nb`` (executed for ``spec``) in place."""
    for cell in nb.cells:
        if INJECTED in (cell.get("metadata", {}).get("tags") or []):
            cell["id"] = INJECTED
    record = nb.metadata.get("papermill")
    if not isinstance(record, dict):
        return
    notebook = Path(spec.notebook).resolve()
    record["input_path"] = f"{notebook.parent.name}/{notebook.name}"
    record["output_path"] = f"{spec.target}/{spec.basename}.ipynb"
