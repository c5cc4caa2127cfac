"""Charts of the application figures, in Chinese, legible when printed in black and white.

Figures are plain ``matplotlib.figure.Figure`` objects, never pyplot state, so a batch run
neither opens windows nor leaks figures, and their PNG goes through Agg whatever backend a
notebook has selected. Category names and counts come from the format file and
``nianbao.data.quantities``: a chart always shows the numbers the table and the narrative show.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence
from contextlib import AbstractContextManager
from functools import cache
from typing import Protocol

import matplotlib
from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from nianbao.data.quantities import derived_quantity
from nianbao.formats.spec import ReportFormat
from nianbao.render.fonts import figure_to_png_bytes
from nianbao.report.numbers import fmt_pct

FONT_FAMILY = "Noto Sans CJK SC"
_FALLBACK_FAMILIES = ["Noto Sans CJK JP", "Source Han Sans SC", "WenQuanYi Zen Hei", "sans-serif"]

CM = 1 / 2.54
WIDTH_IN = 16 * CM  # the text width of an A4 page with normal margins
PNG_DPI = 150

NEW_REF = "t3.new.total"  # 一、本年新收政府信息公开申请数量 · 总计
NEW_LABEL = "新收申请"
ANSWERED_LABEL = "办结申请"
NO_RESULTS_TEXT = "本年度无办结申请"
COUNT_AXIS_LABEL = "申请数量（件）"
UNIT_NOTE = "单位：件"

_ENUMERATOR = re.compile(r"^（[一二三四五六七八九十]+）")
_TRAILING_NOTE = re.compile(r"（[^（）]*）$")


class ChartSource(Protocol):
    """What a chart needs: one report, or an aggregate of many."""

    @property
    def format(self) -> ReportFormat: ...

    def value(self, ref: str) -> float: ...


class YearSource(ChartSource, Protocol):
    """A chart source that belongs to one report year (for trends)."""

    year: int


# --- fonts ---------------------------------------------------------------------------------


@cache
def font_family() -> list[str]:
    """The font family list for charts: Noto Sans CJK SC, or a warned fallback without it."""
    try:
        font_manager.findfont(
            font_manager.FontProperties(family=FONT_FAMILY), fallback_to_default=False
        )
    except ValueError:
        warnings.warn(
            f"font {FONT_FAMILY!r} not found (install fonts-noto-cjk); chart labels may show "
            "missing glyphs",
            RuntimeWarning,
            stacklevel=2,
        )
        return list(_FALLBACK_FAMILIES)
    return [FONT_FAMILY]


def literal(text: object) -> str:
    """Text from the data drawn as written: matplotlib reads ``$…$`` as TeX (and fails on a
    lone or odd ``$``), so every dollar sign is escaped. Use for any name from the data."""
    return str(text).replace("$", r"\$")


def chart_style() -> AbstractContextManager:
    """Chart settings applied only while a figure is built, leaving global rcParams alone."""
    return matplotlib.rc_context(
        {
            "text.usetex": False,  # a TeX set-up elsewhere must not read names from the data
            "font.family": font_family(),
            "font.size": 9,
            "axes.unicode_minus": False,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "hatch.linewidth": 0.6,
        }
    )


def _new_figure(height_cm: float) -> Figure:
    return Figure(figsize=(WIDTH_IN, height_cm * CM), layout="constrained")


# --- results by category -------------------------------------------------------------------


def _short_label(label: str) -> str:
    """予以公开 from （一）予以公开, 部分公开 from （二）部分公开（区分处理的…）."""
    return _TRAILING_NOTE.sub("", _ENUMERATOR.sub("", label))


def result_categories(fmt: ReportFormat) -> list[tuple[str, str]]:
    """(category, reader's name) of table 三's result categories, in table order.

    A category's name is the innermost label its rows share (the merged group cell （三）不予公开),
    or a single row's own label (（一）予以公开), without the enumerator and the printed note.
    """
    table = fmt.table("t3")
    paths = table.row_paths()
    by_category: dict[str, list[list[str]]] = {}
    for row in fmt.result_rows():
        by_category.setdefault(row.category, []).append(paths[row.id])
    return [(cat, _short_label(_common_prefix(p)[-1])) for cat, p in by_category.items()]


def _common_prefix(paths: list[list[str]]) -> list[str]:
    prefix = paths[0]
    for path in paths[1:]:
        n = 0
        while n < min(len(prefix), len(path)) and prefix[n] == path[n]:
            n += 1
        prefix = prefix[:n]
    return prefix


def _bar_label(count: int, answered: float) -> str:
    share = fmt_pct(count, answered)  # the narrative's rounding, so chart and text agree
    return f"{count}件（{share}）" if share else f"{count}件"


def _draw_empty(fig: Figure, text: str) -> None:
    ax = fig.add_subplot()
    ax.set_axis_off()
    ax.text(0.5, 0.5, text, ha="center", va="center", fontsize=12, transform=ax.transAxes)


def results_by_category(source: ChartSource) -> Figure:
    """Horizontal bars of the year's results per category, each labelled with count and share.

    Shares use the same denominator as the narrative (``answered``, （七）总计). Bars are one grey
    with black edges; the direct labels carry the information, so print colour does not matter.
    """
    categories = result_categories(source.format)
    counts = [round(derived_quantity(source, cat)) for cat, _ in categories]
    answered = derived_quantity(source, "answered")
    with chart_style():
        if not any(counts):
            fig = _new_figure(3)
            _draw_empty(fig, NO_RESULTS_TEXT)
            return fig
        fig = _new_figure(8)
        ax = fig.add_subplot()
        names = [name for _, name in categories]
        bars = ax.barh(names, counts, color="0.75", edgecolor="black", linewidth=0.6, hatch="//")
        ax.invert_yaxis()
        ax.bar_label(bars, labels=[_bar_label(n, answered) for n in counts], padding=3)
        ax.set_xlabel(COUNT_AXIS_LABEL)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlim(0, max(counts) * 1.5)  # room for the "N件（x%）" labels
        ax.tick_params(axis="y", length=0)
    return fig


# --- trend ---------------------------------------------------------------------------------


def _series_by_year(reports: Sequence[YearSource]) -> tuple[list[int], list[int], list[int]]:
    years = [int(r.year) for r in reports]
    if not years:
        raise ValueError("a trend needs at least one report")
    if len(set(years)) != len(years):
        raise ValueError(f"duplicate report years: {sorted(years)}")
    ordered = sorted(zip(years, reports, strict=True), key=lambda p: p[0])
    new = [round(r.value(NEW_REF)) for _, r in ordered]
    answered = [round(derived_quantity(r, "answered")) for _, r in ordered]
    return [y for y, _ in ordered], new, answered


def _plot_series(
    ax: Axes, years: list[int], values: list[int], label: str, style: dict, offset: int
) -> None:
    ax.plot(years, values, label=label, color="black", linewidth=1.2, markersize=5, **style)
    for year, value in zip(years, values, strict=True):
        ax.annotate(
            str(value),
            (year, value),
            xytext=(0, offset),
            textcoords="offset points",
            ha="center",
            va="bottom" if offset > 0 else "top",
        )


def trend(reports: Sequence[YearSource]) -> Figure:
    """Applications received (new) and answered (（七）总计) per year, one line each.

    The two series differ by marker and line style as well as position, and every point is
    labelled (received above, answered below) so the chart reads without colour.
    """
    years, new, answered = _series_by_year(reports)
    with chart_style():
        fig = _new_figure(8)
        ax = fig.add_subplot()
        _plot_series(ax, years, new, NEW_LABEL, {"marker": "o", "linestyle": "-"}, 6)
        _plot_series(
            ax,
            years,
            answered,
            ANSWERED_LABEL,
            {"marker": "s", "linestyle": "--", "markerfacecolor": "white"},
            -6,
        )
        ax.set_xticks(years, [f"{y}年" for y in years])
        ax.set_xlim(years[0] - 0.5, years[-1] + 0.5)
        top = max(new + answered)
        ax.set_ylim(0, top * 1.2 if top > 0 else 1)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_title(UNIT_NOTE, loc="left", fontsize=9)  # upright: rotated CJK reads badly
        ax.legend(loc="best", frameon=False)
    return fig


# --- output --------------------------------------------------------------------------------


def figure_png(fig: Figure, *, dpi: int = PNG_DPI, close: bool = True) -> bytes:
    """The figure as PNG bytes that depend only on its content (no software/version metadata).

    With ``close`` a figure made through pyplot is released from it afterwards (figures built
    here are registered nowhere and need no closing), so batch runs do not accumulate figures.
    """
    data = figure_to_png_bytes(fig, dpi=dpi)
    if close and fig.canvas.manager is not None:
        import matplotlib.pyplot as plt  # only pyplot-made figures need pyplot to let go

        plt.close(fig)
    return data
