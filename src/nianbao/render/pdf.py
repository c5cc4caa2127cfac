"""The nbconvert exporter ``nianbao_pdf``: the suite's HTML printed to A4 by system Chromium."""

from __future__ import annotations

from traitlets import default

from nianbao.render.chromium import ChromiumBrowser, shared_browser
from nianbao.render.html import NianbaoHTMLExporter, export_html


class ChromiumPDFExporter(NianbaoHTMLExporter):
    """nbconvert exporter ``nianbao_pdf``: the suite's HTML printed to A4 by system Chromium."""

    export_from_notebook = "nianbao report (PDF)"
    output_mimetype = "application/pdf"

    @default("file_extension")
    def _file_extension_default(self) -> str:
        return ".pdf"

    @default("template_extension")
    def _template_extension_default(self) -> str:
        return ".html.j2"

    def from_notebook_node(self, nb, resources=None, **kw):
        html, resources = super().from_notebook_node(nb, resources, **kw)
        pdf = shared_browser().html_to_pdf(html)
        resources["output_extension"] = ".pdf"
        return pdf, resources


def export_pdf(nb, browser: ChromiumBrowser | None = None) -> bytes:
    """Render an executed notebook straight to PDF bytes (shared browser unless one is given)."""
    return (browser or shared_browser()).html_to_pdf(export_html(nb))
