"""Pick an agency and a year from lists and see that agency-year, without editing code.

For analysts in JupyterLab: ``agency_picker(rc)`` returns a widget with two drop-down lists
(ipywidgets, which JupyterLab renders out of the box) above that agency-year's official tables,
its validation findings and its multi-year trend. It draws from the collection already loaded by
``nianbao.explore.load_all``, so switching costs no reading of files. Under papermill, or in a
viewer without widgets, the cell still runs: the widget shows its default choice.
"""

from __future__ import annotations

import html

import ipywidgets as widgets
from IPython.display import Image, display

from nianbao.explore import ReportCollection, zh
from nianbao.report import charts, tables
from nianbao.report.bundle import HTMLBlock


def agency_years(rc: ReportCollection) -> dict[str, list[int]]:
    """Agency id → the report years it has data for, in the collection's registry order."""
    keys = rc.dataset.keys
    out: dict[str, list[int]] = {}
    for agency_id in rc.agencies.index:
        years = sorted(int(y) for y in keys.year[keys.agency_id == agency_id])
        if years:
            out[str(agency_id)] = years
    return out


def agency_options(rc: ReportCollection) -> list[tuple[str, str]]:
    """Drop-down entries: "简称（标识）" shown, the agency id as value."""
    names = rc.agencies["short_name"].astype(str)
    return [(f"{names[a]}（{a}）", a) for a in agency_years(rc)]


def show_agency_year(rc: ReportCollection, agency_id: str, year: int) -> None:
    """Display one agency-year: title, the tables of 二, 三 and 四, findings and trend."""
    report = rc.report(agency_id, year)
    fmt = report.format
    display(HTMLBlock(f"<h2>{html.escape(report.agency.name)}{int(year)}年度</h2>"))
    for section in fmt.sections:
        if section.tables:
            display(HTMLBlock(f"<h3>{html.escape(section.heading)}</h3>"
                              + tables.section_html(report, section.id)))
    found = rc.findings
    mine = found[(found["agency_id"] == agency_id) & (found["year"] == int(year))]
    display(HTMLBlock("<h3>校验结果</h3>"))
    if len(mine):
        display(zh(mine[["severity", "rule", "title", "message"]]))
    else:
        display(HTMLBlock("<p>未发现校验问题。</p>"))
    history = [r for r in rc.dataset.reports(agency_id) if r.year <= int(year)]
    if len(history) > 1:
        display(HTMLBlock("<h3>历年收到和办结情况</h3>"))
        display(Image(charts.figure_png(charts.trend(history))))


def agency_picker(rc: ReportCollection, agency_id: str | None = None,
                  year: int | None = None) -> widgets.VBox:
    """Two drop-down lists (agency, year) above the chosen agency-year's tables and findings."""
    years_of = agency_years(rc)
    if not years_of:
        raise ValueError("数据中没有任何单位年度")
    agency_id = agency_id if agency_id in years_of else next(iter(years_of))
    year_choices = years_of[agency_id]
    agency_box = widgets.Dropdown(options=agency_options(rc), value=agency_id,
                                  description="单位")
    year_box = widgets.Dropdown(options=year_choices,
                                value=year if year in year_choices else year_choices[-1],
                                description="年度")
    shown = widgets.Output()

    def refresh(_change=None) -> None:
        shown.clear_output(wait=True)
        with shown:
            show_agency_year(rc, agency_box.value, year_box.value)

    def agency_changed(change) -> None:
        choices = years_of[change["new"]]
        keep = year_box.value if year_box.value in choices else choices[-1]
        with year_box.hold_trait_notifications():
            year_box.options = choices
            year_box.value = keep
        refresh()

    agency_box.observe(agency_changed, names="value")
    year_box.observe(refresh, names="value")
    refresh()
    return widgets.VBox([widgets.HBox([agency_box, year_box]), shown])
