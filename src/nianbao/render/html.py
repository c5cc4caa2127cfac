"""Notebook → one self-contained, deterministic HTML report with the suite's template."""

from __future__ import annotations

import copy
import json
import re
import threading
from importlib import resources as importlib_resources
from pathlib import Path
from typing import Any

from nianbao.slow_imports import skip_slow_optional_imports

skip_slow_optional_imports()

import nbformat  # noqa: E402 - after the slow optional import was skipped
from nbconvert import HTMLExporter  # noqa: E402
from traitlets import default  # noqa: E402
from traitlets.config import Config  # noqa: E402

from nianbao.render.mimetypes import PRINT_HTML  # noqa: E402

TEMPLATE_NAME = "nianbao"
DEFAULT_TITLE = "政府信息公开工作年度报告"

#: Output types the template looks at, best first. Scripts and widgets are never chosen, and
#: plain text is chosen only to be dropped: a report shows rich displays alone.
DISPLAY_PRIORITY = [
    "text/html",
    "text/markdown",
    "image/svg+xml",
    "image/png",
    "image/jpeg",
    "text/plain",
]


def templates_root() -> Path:
    """Directory holding the ``nianbao`` nbconvert template (shipped as package data)."""
    root = importlib_resources.files("nianbao") / "templates"
    path = Path(str(root))
    if not (path / TEMPLATE_NAME / "conf.json").is_file():
        raise FileNotFoundError(
            f"nbconvert template {TEMPLATE_NAME!r} not found under {path}: "
            "reinstall nianbao with its package data"
        )
    return path


def css_string(text: Any) -> str:
    """Quote ``text`` as a CSS string literal that cannot close its rule or ``<style>``."""
    out = []
    for char in str(text):
        if char in '"\\':
            out.append("\\" + char)
        elif char in "\n\r\f":
            out.append("\\A ")
        elif char in "<>&" or ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\{ord(char):X} ")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def provenance_comment(provenance: dict) -> str:
    """Provenance as canonical JSON that is safe inside an HTML comment (no ``--``)."""
    text = json.dumps(provenance, ensure_ascii=False, sort_keys=True, indent=1, default=str)
    # "-" only occurs inside JSON strings or numbers; "\u002d" is the same string in JSON.
    while "--" in text:
        text = text.replace("--", "-\\u002d")
    text = text.replace("<!", "<\\u0021")
    return "nianbao provenance\n" + text + "\n"


def provenance_items(provenance: dict) -> list[tuple[str, str]]:
    """Provenance flattened to sorted ``(key, text)`` pairs for the footer line."""
    items = []
    for key in sorted(provenance, key=str):
        value = provenance[key]
        if not isinstance(value, str):
            value = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
        items.append((str(key), value))
    return items


def page_context(nb: nbformat.NotebookNode, resources: dict | None = None) -> dict[str, Any]:
    """Everything the template needs from notebook metadata, computed once, in Python."""
    meta = nb.metadata.get("nianbao", {}) or {}
    name = ((resources or {}).get("metadata") or {}).get("name")
    title = meta.get("title") or nb.metadata.get("title") or name or DEFAULT_TITLE
    running_header = meta.get("running_header") or title
    provenance = meta.get("provenance")
    if provenance is not None and not isinstance(provenance, dict):
        raise TypeError(
            "notebook metadata nianbao.report.provenance must be a mapping, "
            f"got {type(provenance).__name__}"
        )
    return {
        "title": str(title),
        "running_header": str(running_header),
        "provenance_comment": provenance_comment(provenance) if provenance else "",
        "provenance_items": provenance_items(provenance) if provenance else [],
    }


def print_copy(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The notebook as the report prints it: each output's ``PRINT_HTML`` becomes its HTML.

    Notebook front ends show the inline-styled ``text/html`` copy; the report shows the plain
    one under its own stylesheet (see ``nianbao.report.inline_style``). The caller's notebook is
    left as it is.
    """
    outputs = [o for c in nb.cells for o in c.get("outputs", ()) if PRINT_HTML in o.get("data", {})]
    if not outputs:
        return nb
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        for output in cell.get("outputs", ()):
            data = output.get("data", {})
            if PRINT_HTML in data:
                data["text/html"] = data.pop(PRINT_HTML)
    return nb


_TAG_CLASS = re.compile(r"[^A-Za-z0-9_-]+")


def tag_classes(cell: nbformat.NotebookNode) -> str:
    """Cell tags as ``tag-…`` CSS classes (with a leading space), so notebooks can style cells."""
    tags = cell.get("metadata", {}).get("tags", []) or []
    classes = [f"tag-{_TAG_CLASS.sub('-', str(tag))}" for tag in tags]
    return "".join(" " + c for c in classes)


def image_alt(output: nbformat.NotebookNode, mimetype: str) -> str:
    """Alternative text of an image output: its metadata ``alt`` if any, else a neutral word."""
    metadata = output.get("metadata", {}) or {}
    per_type = metadata.get(mimetype, {}) or {}
    return str(per_type.get("alt") or metadata.get("alt") or "图表")


def image_size(output: nbformat.NotebookNode, mimetype: str) -> str:
    """``width``/``height`` attributes from the output metadata, as IPython records them."""
    metadata = output.get("metadata", {}) or {}
    per_type = metadata.get(mimetype, {}) or {}
    attrs = []
    for name in ("width", "height"):
        value = per_type.get(name, metadata.get(name) if isinstance(metadata, dict) else None)
        if isinstance(value, int | float) and not isinstance(value, bool):
            attrs.append(f' {name}="{int(value)}"')
    return "".join(attrs)


class NianbaoHTMLExporter(HTMLExporter):
    """HTML exporter for reports: suite template, no code, no prompts, no network resources."""

    export_from_notebook = "nianbao report (HTML)"

    @default("template_name")
    def _template_name_default(self) -> str:
        return TEMPLATE_NAME

    @default("extra_template_basedirs")
    def _default_extra_template_basedirs(self) -> list[str]:
        return [str(templates_root())]

    @default("exclude_input")
    def _exclude_input_default(self) -> bool:
        return True

    @default("exclude_input_prompt")
    def _exclude_input_prompt_default(self) -> bool:
        return True

    @default("exclude_output_prompt")
    def _exclude_output_prompt_default(self) -> bool:
        return True

    @default("exclude_anchor_links")
    def _exclude_anchor_links_default(self) -> bool:
        return True

    @default("anchor_link_text")
    def _anchor_link_text_default(self) -> str:
        return ""

    @default("optimistic_validation")
    def _optimistic_validation_default(self) -> bool:
        return True  # validate the notebook once, after all preprocessors, not after each

    @property
    def default_config(self) -> Config:
        config = super().default_config.copy()
        config.merge(
            Config(
                {
                    "NbConvertBase": {"display_data_priority": list(DISPLAY_PRIORITY)},
                    "TagRemovePreprocessor": {
                        "enabled": True,
                        "remove_cell_tags": {"remove-cell"},
                        "remove_all_outputs_tags": {"remove-output"},
                        "remove_input_tags": {"remove-input"},
                    },
                }
            )
        )
        return config

    def default_filters(self):
        yield from super().default_filters()
        yield ("css_string", css_string)
        yield ("tag_classes", tag_classes)
        yield ("image_alt", image_alt)
        yield ("image_size", image_size)

    def from_notebook_node(self, nb, resources=None, **kw):
        resources = dict(resources or {})
        resources["nianbao"] = page_context(nb, resources)
        return super().from_notebook_node(print_copy(nb), resources, **kw)


_exporter: NianbaoHTMLExporter | None = None
_exporter_lock = threading.Lock()


def shared_exporter() -> NianbaoHTMLExporter:
    """The process's exporter: compiling the template costs ~0.1 s, rendering ~0.01 s."""
    global _exporter
    with _exporter_lock:
        if _exporter is None:
            _exporter = NianbaoHTMLExporter()
        return _exporter


def warm_exporter() -> None:
    """Export a tiny notebook now, in a worker's or a report's spare time: the first export
    compiles the templates and builds the markdown and HTML parsers (about 0.25 s of CPU)."""
    from nbformat import v4

    export_html(v4.new_notebook(cells=[
        v4.new_markdown_cell("## 一、总体情况"),
        v4.new_code_cell(outputs=[v4.new_output("display_data", data={"text/html": "<p></p>"})]),
    ]))


def export_html(nb: nbformat.NotebookNode) -> str:
    """Render an executed notebook as the report's HTML (same notebook → same bytes)."""
    exporter = shared_exporter()
    with _exporter_lock:  # one render at a time: the exporter keeps state while it renders
        body, _ = exporter.from_notebook_node(nb)
    return body
