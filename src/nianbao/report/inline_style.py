"""Inline styles for display outputs, so a notebook shows the official layout by itself.

The exported HTML and PDF take their look from the report template's stylesheet, which no
notebook front end sees: JupyterLab and VS Code render outputs inside their own page, a static
viewer shows them bare, and JupyterLab's sanitizer strips ``<style>`` elements from untrusted
outputs while it keeps ``style`` attributes. So each display output carries a second, notebook
copy of its HTML whose elements bear the essential rules of ``report.css`` as attributes:
borders, alignment, spacing of the official tables, the title and headings, the 数据校验
results. The markup is our own (``report.tables``, ``report.document``, ``region.document``),
so the rules are chosen by tag and class, and only start tags are touched.
"""

from __future__ import annotations

import re
from functools import cache

# Single quotes: the declarations go inside double-quoted attributes.
SERIF = "'Noto Serif CJK SC', 'Source Han Serif SC', 'SimSun', serif"
SANS = "'Noto Sans CJK SC', 'Source Han Sans SC', 'Microsoft YaHei', sans-serif"
CELL = ("border: 1px solid #000; padding: 4px 6px; vertical-align: middle; "
        "text-align: center; background: transparent; color: inherit")

#: (tag, class or None) -> declarations. A tag takes its own rule, then each of its classes'.
RULES: dict[tuple[str, str | None], str] = {
    ("table", None): ("border-collapse: collapse; border-spacing: 0; width: 100%; "
                      "margin: 0.6em 0 1.2em; font-size: 13px; line-height: 1.45; "
                      f"text-align: center; color: inherit; font-family: {SERIF}"),
    ("th", None): CELL + "; font-weight: 700",
    ("td", None): CELL + "; font-weight: 400",
    ("th", "label"): "text-align: left; font-weight: 400",
    ("td", "label"): "text-align: left",
    ("th", "group"): "text-align: center; font-weight: 400",
    ("th", "corner"): "text-align: left; font-weight: 400; font-size: 0.9em",
    ("th", "caption"): f"text-align: center; font-weight: 700; font-family: {SANS}",
    ("td", "num"): "white-space: nowrap; font-variant-numeric: tabular-nums",
    ("td", "n"): "text-align: right; white-space: nowrap",
    ("td", "t"): "text-align: left",
    ("tr", None): "background: transparent",
    ("tr", "result-error"): "background: #fde2e1",
    ("tr", "result-warning"): "background: #fff4d6",
    ("tr", "muted"): "color: #777",
    ("h1", None): f"font-family: {SANS}; font-size: 26px; text-align: center; margin: 0.2em 0",
    ("h2", None): f"font-family: {SANS}; font-size: 18px; font-weight: 700; margin: 1.1em 0 0.5em",
    ("h3", None): f"font-family: {SANS}; font-size: 16px; font-weight: 400",
    ("div", "report-title"): "text-align: center; margin: 0 0 1.2em",
    ("p", None): f"text-indent: 2em; line-height: 1.8; font-family: {SERIF}; margin: 0 0 0.6em",
    ("p", "agency"): "text-indent: 0; text-align: center",
    ("p", "signature"): "text-indent: 0; text-align: right",
    ("figure", None): "margin: 0.8em 0; text-align: center",
    ("figcaption", None): f"font-family: {SANS}; font-size: 14px; text-align: center",
    ("code", None): "font-size: 0.85em",
}

_START_TAG = re.compile(r"<([a-z][a-z0-9]*)((?:\s[^<>]*?)?)(/?)>")
_CLASS = re.compile(r'\sclass="([^"]*)"')
_STYLE = re.compile(r'\sstyle="([^"]*)"')


@cache
def _tags() -> frozenset[str]:
    return frozenset(tag for tag, _ in RULES)


def _declarations(tag: str, classes: list[str]) -> str:
    parts = [RULES.get((tag, None), "")]
    parts += [RULES.get((tag, c), "") for c in classes]
    return "; ".join(p for p in parts if p)


def _restyle(match: re.Match) -> str:
    tag, attrs, close = match.group(1), match.group(2), match.group(3)
    if tag not in _tags():
        return match.group(0)
    found = _CLASS.search(attrs)
    css = _declarations(tag, found.group(1).split() if found else [])
    if not css:
        return match.group(0)
    own = _STYLE.search(attrs)
    if own:  # the element's own style wins: it comes last
        attrs = attrs[: own.start()] + attrs[own.end():]
        css = f"{css}; {own.group(1)}"
    return f'<{tag}{attrs} style="{css}"{close}>'


def inline_styles(html: str) -> str:
    """``html`` with the notebook rules as ``style`` attributes on every matching start tag."""
    return _START_TAG.sub(_restyle, html)
