"""Charts that compare the agencies of a region, in the style of ``nianbao.report.charts``.

The region's own results and trend reuse ``charts.results_by_category`` and ``charts.trend``
on the region totals; this module adds the one chart a single report has no use for: agencies
side by side. Bars are grey with black edges and labelled, so the chart reads in black and white.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from nianbao.report.charts import (
    ANSWERED_LABEL,
    CM,
    COUNT_AXIS_LABEL,
    NEW_LABEL,
    WIDTH_IN,
    chart_style,
    literal,
)

TOP_AGENCIES = 20  # agencies drawn in the comparison chart; the rest are summed in a note
BAR_CM = 0.55  # height per agency


def top_agencies(comparison: pd.DataFrame, n: int = TOP_AGENCIES) -> pd.DataFrame:
    """The reporting agencies with the most new applications (ties by name), at most ``n``."""
    shown = comparison[comparison["reported"]].copy()
    shown = shown.sort_values(["new", "answered", "name"], ascending=[False, False, True],
                              kind="stable")
    return shown.head(n)


def agencies_chart(comparison: pd.DataFrame, n: int = TOP_AGENCIES) -> Figure:
    """New and answered applications per agency, the busiest ``n`` agencies, largest on top."""
    shown = top_agencies(comparison, n)
    names = [literal(name) for name in shown["name"]]
    new = shown["new"].fillna(0).round().astype(int).to_numpy()
    answered = shown["answered"].fillna(0).round().astype(int).to_numpy()
    with chart_style():
        fig = Figure(figsize=(WIDTH_IN, max(6.0, BAR_CM * len(names) + 2.5) * CM),
                     layout="constrained")
        ax = fig.add_subplot()
        y = np.arange(len(names))
        h = 0.38
        bars_new = ax.barh(y - h / 2, new, h, label=NEW_LABEL, color="0.35", edgecolor="black",
                           linewidth=0.6)
        bars_done = ax.barh(y + h / 2, answered, h, label=ANSWERED_LABEL, color="0.85",
                            edgecolor="black", linewidth=0.6, hatch="//")
        ax.bar_label(bars_new, labels=[str(v) for v in new], padding=2, fontsize=7)
        ax.bar_label(bars_done, labels=[str(v) for v in answered], padding=2, fontsize=7)
        ax.set_yticks(y, names)
        ax.invert_yaxis()
        ax.tick_params(axis="y", length=0)
        top = max([*new, *answered, 0])
        ax.set_xlim(0, top * 1.15 if top > 0 else 1)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel(COUNT_AXIS_LABEL)
        ax.legend(loc="lower right", frameon=False)
    return fig
