"""matplotlib set up for Chinese labels and byte-for-byte reproducible figure files."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from nianbao.errors import FontSetupError

if TYPE_CHECKING:
    from matplotlib.figure import Figure

SERIF = "Noto Serif CJK SC"
SANS = "Noto Sans CJK SC"

#: Fixed salt so that SVG element ids are the same on every run.
SVG_HASHSALT = "nianbao"

#: Resolution of figures saved as PNG for reports.
PNG_DPI = 150


def resolve_font(family: str = SANS) -> str:
    """Path of the font file matplotlib uses for ``family``; fail if it would substitute one."""
    from matplotlib import font_manager

    try:
        return font_manager.findfont(
            font_manager.FontProperties(family=family), fallback_to_default=False
        )
    except ValueError as exc:
        raise FontSetupError(
            f"matplotlib cannot find the font {family!r}: install the Debian package "
            "'fonts-noto-cjk' and clear matplotlib's font cache (~/.cache/matplotlib)"
        ) from exc


def setup_matplotlib() -> None:
    """Make matplotlib draw Chinese in Noto Sans CJK SC and write reproducible files."""
    import matplotlib

    resolve_font(SANS)
    matplotlib.rcParams.update(
        {
            "font.family": "sans-serif",
            "font.sans-serif": [SANS, "DejaVu Sans"],
            "font.serif": [SERIF, "DejaVu Serif"],
            "axes.unicode_minus": False,  # U+2212 is missing from CJK fonts
            "svg.hashsalt": SVG_HASHSALT,
            "svg.fonttype": "path",
            "pdf.fonttype": 42,
            "savefig.dpi": PNG_DPI,
            "savefig.bbox": "tight",
            "figure.dpi": 100,
        }
    )


def figure_to_png_bytes(fig: Figure, *, dpi: int = PNG_DPI) -> bytes:
    """PNG bytes of ``fig`` without a Software tag, so equal figures give equal bytes."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
    return buffer.getvalue()


def figure_to_svg_text(fig: Figure) -> str:
    """SVG text of ``fig`` without a date and with salted, stable ids."""
    import matplotlib

    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": SVG_HASHSALT}):
        fig.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()
