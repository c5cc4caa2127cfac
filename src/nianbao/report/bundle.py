"""Display objects a report notebook emits besides its visible content.

Light on purpose (no pandas, no matplotlib): the run layer imports ``METADATA_MIMETYPE`` to
collect the metadata from an executed notebook without importing the report builders.
"""

from __future__ import annotations

METADATA_MIMETYPE = "application/vnd.nianbao.report+json"
#: The report as .docx bytes (base64), displayed only when the run asks for Word output.
DOCX_MIMETYPE = "application/vnd.nianbao.docx+base64"


class MetadataBundle(dict):
    """Report metadata as a display output the build collects (``METADATA_MIMETYPE``)."""

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {METADATA_MIMETYPE: dict(self), "text/plain": ""}


class HTMLBlock(str):
    """A string that JupyterLab and nbconvert display as HTML."""

    def _repr_html_(self) -> str:
        return str(self)
