"""Display objects a report notebook emits besides its visible content.

Light on purpose (no pandas, no matplotlib): the run layer imports ``METADATA_MIMETYPE`` to
collect the metadata from an executed notebook without importing the report builders.
"""

from __future__ import annotations

from nianbao.render.mimetypes import PRINT_HTML
from nianbao.report.inline_style import inline_styles

METADATA_MIMETYPE = "application/vnd.nianbao.report+json"
#: The report as .docx bytes (base64), displayed only when the run asks for Word output.
DOCX_MIMETYPE = "application/vnd.nianbao.docx+base64"


def take_docx(nb) -> bytes | None:
    """Remove the Word file the notebook displayed (``DOCX_MIMETYPE``) and return its bytes.

    The file is an output of the build, not of the notebook: the saved notebook and its HTML
    do not carry it. None when the notebook made none.
    """
    import base64

    found = None
    for cell in nb.cells:
        outputs = cell.get("outputs") or []
        kept = [o for o in outputs if DOCX_MIMETYPE not in o.get("data", {})]
        for output in outputs:
            if DOCX_MIMETYPE in output.get("data", {}):
                found = base64.b64decode(output["data"][DOCX_MIMETYPE])
        if len(kept) != len(outputs):
            cell["outputs"] = kept
    return found


class MetadataBundle(dict):
    """Report metadata as a display output the build collects (``METADATA_MIMETYPE``)."""

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {METADATA_MIMETYPE: dict(self), "text/plain": ""}


class HTMLBlock(str):
    """A string that notebooks and the report exporter display as HTML.

    The display carries the HTML twice: as ``text/html`` with inline styles, which JupyterLab
    (trusted or not), VS Code and static viewers show as the official layout, and as
    ``PRINT_HTML`` unchanged, which the exporter prints under the report stylesheet.
    """

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"text/html": inline_styles(str(self)), PRINT_HTML: str(self)}
