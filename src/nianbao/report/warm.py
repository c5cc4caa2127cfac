"""Imported by a kernel factory before it forks kernels: builds the caches every report fills
during its first run, so that each forked kernel inherits them instead of building them again.

Everything here is the same for every report of a batch: the place-name index and the wording
lexicon, the formats, the chart font and the PNG writer, the versions and commit recorded in
the provenance. Importing this module anywhere else only costs that time once.
"""

from __future__ import annotations

from matplotlib.figure import Figure

from nianbao.checks.places import gazetteer
from nianbao.checks.prose_lexicon import lexicon
from nianbao.formats.spec import all_formats
from nianbao.render.fonts import figure_to_png_bytes
from nianbao.report.charts import chart_style
from nianbao.report.provenance import git_commit, package_versions


def _fill() -> None:
    gazetteer()
    for fmt in all_formats():
        lexicon(fmt)
    git_commit()
    package_versions()
    with chart_style():
        fig = Figure(figsize=(2, 1), layout="constrained")
        fig.add_subplot().set_title("政府信息公开")
        figure_to_png_bytes(fig)


_fill()
