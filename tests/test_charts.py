"""Charts: right numbers, a real CJK font with every glyph present, byte-identical PNGs."""

from __future__ import annotations

import warnings

import matplotlib
import pytest
from matplotlib import font_manager
from matplotlib.figure import Figure

from nianbao.data.model import Agency, Report
from nianbao.formats.spec import format_for_year
from nianbao.report import charts

AGENCY = Agency("test", "测试市测试局", "测试局", "测试市", "department")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

RESULTS_2023 = {
    "t3.new.total": 120,
    "t3.carry_in.total": 4,
    "t3.res_open.total": 50,
    "t3.res_partial.total": 10,
    "t3.res_deny_state_secret.total": 3,
    "t3.res_unable_not_held.total": 30,
    "t3.res_unable_unclear.total": 2,
    "t3.res_noproc_repeat.total": 7,
    "t3.res_other_no_fee.total": 8,
    "t3.res_total.total": 110,
    "t3.carry_out.total": 14,
}
EXPECTED_COUNTS = [50, 10, 3, 32, 7, 8]


def report(year: int, values: dict[str, float]) -> Report:
    return Report(AGENCY, year, values=values)


def history() -> list[Report]:
    """Four years across the F2019/F2021 boundary, deliberately out of order."""
    years = (2022, 2020, 2023, 2021)
    return [
        report(y, {"t3.new.total": 100 + y - 2020, "t3.res_total.total": 90 + 2 * (y - 2020)})
        for y in years
    ]


def drawn(fig: Figure) -> Figure:
    fig.canvas.draw()
    return fig


def all_texts(fig: Figure) -> list[str]:
    return [t.get_text() for t in fig.findobj(matplotlib.text.Text) if t.get_text()]


# --- results by category ---------------------------------------------------------------------


@pytest.mark.parametrize("year", [2020, 2023])
def test_categories_come_from_the_format(year: int) -> None:
    names = [name for _, name in charts.result_categories(format_for_year(year))]
    assert names == ["予以公开", "部分公开", "不予公开", "无法提供", "不予处理", "其他处理"]


def test_results_by_category_shows_each_category_total() -> None:
    fig = drawn(charts.results_by_category(report(2023, RESULTS_2023)))
    assert isinstance(fig, Figure)
    (ax,) = fig.axes
    assert [round(p.get_width()) for p in ax.patches] == EXPECTED_COUNTS
    assert [t.get_text() for t in ax.get_yticklabels()] == [
        name for _, name in charts.result_categories(format_for_year(2023))
    ]
    texts = all_texts(fig)
    assert "32件（29.1%）" in texts  # 无法提供 = 30 + 2, share of 110 answered
    assert all(p.get_hatch() for p in ax.patches)  # legible without colour


def test_results_by_category_when_nothing_was_answered() -> None:
    fig = drawn(charts.results_by_category(report(2023, {})))
    assert charts.NO_RESULTS_TEXT in all_texts(fig)
    assert all(not ax.axison for ax in fig.axes)


def test_results_by_category_f2019_other_row() -> None:
    fig = charts.results_by_category(report(2020, {"t3.res_other.total": 4}))
    assert [round(p.get_width()) for p in fig.axes[0].patches] == [0, 0, 0, 0, 0, 4]


# --- trend -----------------------------------------------------------------------------------


def test_trend_sorts_years_and_labels_every_point() -> None:
    fig = drawn(charts.trend(history()))
    (ax,) = fig.axes
    assert [t.get_text() for t in ax.get_xticklabels()] == ["2020年", "2021年", "2022年", "2023年"]
    new, answered = ax.get_lines()
    assert list(new.get_ydata()) == [100, 101, 102, 103]
    assert list(answered.get_ydata()) == [90, 92, 94, 96]
    assert new.get_marker() != answered.get_marker()
    assert new.get_linestyle() != answered.get_linestyle()
    texts = all_texts(fig)
    assert all(str(v) in texts for v in [100, 101, 102, 103, 90, 92, 94, 96])
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        charts.NEW_LABEL,
        charts.ANSWERED_LABEL,
    ]


def test_trend_rejects_duplicate_or_missing_years() -> None:
    with pytest.raises(ValueError, match="duplicate"):
        charts.trend([report(2023, {}), report(2023, {})])
    with pytest.raises(ValueError):
        charts.trend([])


# --- fonts, glyphs, PNG ----------------------------------------------------------------------


def _all_figures() -> list[Figure]:
    return [
        charts.results_by_category(report(2023, RESULTS_2023)),
        charts.results_by_category(report(2023, {})),
        charts.trend(history()),
    ]


def test_labels_use_noto_sans_cjk_sc() -> None:
    assert charts.font_family() == [charts.FONT_FAMILY]
    for fig in _all_figures():
        drawn(fig)
        labels = [t for ax in fig.axes for t in ax.get_xticklabels() + ax.get_yticklabels()]
        labels += [t for t in fig.findobj(matplotlib.text.Text) if t.get_text()]
        for text in labels:
            assert text.get_fontname() == charts.FONT_FAMILY
            path = font_manager.findfont(text.get_fontproperties(), fallback_to_default=False)
            assert "NotoSansCJK" in str(path)


def test_no_missing_glyphs() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for fig in _all_figures():
            charts.figure_png(fig)
    messages = [str(w.message) for w in caught]
    assert not [m for m in messages if "missing from" in m or "findfont" in m], messages


def test_png_is_deterministic() -> None:
    first = charts.figure_png(charts.results_by_category(report(2023, RESULTS_2023)))
    second = charts.figure_png(charts.results_by_category(report(2023, RESULTS_2023)))
    assert first.startswith(PNG_SIGNATURE)
    assert first == second
    assert b"Software" not in first and b"matplotlib" not in first.lower()
    assert charts.figure_png(charts.trend(history())) == charts.figure_png(charts.trend(history()))


def test_charts_leave_global_settings_alone() -> None:
    before = dict(matplotlib.rcParams)
    charts.figure_png(charts.trend(history()))
    assert dict(matplotlib.rcParams) == before


def test_figure_png_releases_pyplot_figures() -> None:
    import matplotlib.pyplot as plt

    fig = plt.figure()
    fig.add_subplot().plot([1, 2])
    charts.figure_png(fig)
    assert fig.number not in plt.get_fignums()


def test_figure_size_fits_an_a4_text_width() -> None:
    width_in, _ = charts.trend(history()).get_size_inches()
    assert width_in == pytest.approx(16 / 2.54)
