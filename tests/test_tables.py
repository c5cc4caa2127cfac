"""The official tables: every cell reads back as its data, and the layout is the official one."""

from __future__ import annotations

import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nianbao.data.model import Agency, Report
from nianbao.formats.spec import ReportFormat, format_for_year
from nianbao.report.tables import (
    OfficialTable,
    fmt_cell,
    section2_html,
    section3_html,
    section4_html,
    section_html,
    section_table,
)
from nianbao.testing.tables_parse import HtmlTable, parse_official_table, read_tables

AGENCY = Agency("test", "测试市测试局", "测试局", "测试市", "department")
YEARS = {"F2019": 2020, "F2021": 2023}
PROCUREMENT = "t2_9.central_procurement.procurement_amount"
RENDERERS = {"s2": section2_html, "s3": section3_html, "s4": section4_html}

# Spans the official layout prescribes (format.md §12), keyed by group row id.
GROUP_ROWSPANS = {
    "F2019": {"g_results": 20, "g_deny": 8, "g_unable": 3, "g_noproc": 5},
    "F2021": {"g_results": 22, "g_deny": 8, "g_unable": 3, "g_noproc": 5, "g_other": 3},
}


def _fmt(format_id: str) -> ReportFormat:
    return format_for_year(YEARS[format_id])


def _is_decimal(fmt: ReportFormat, ref: str) -> bool:
    table, _, col = ref.split(".")
    return fmt.table(table).column(col).type == "decimal"


def distinct_values(fmt: ReportFormat) -> dict[str, float]:
    """A different value in every cell, with signs and decimals where the format allows them."""
    values: dict[str, float] = {}
    for i, ref in enumerate(fmt.cell_refs(), start=1):
        if _is_decimal(fmt, ref):
            values[ref] = i + 0.25
        elif ref.endswith(".items_change"):
            values[ref] = -i
        else:
            values[ref] = i
    return values


def make_report(format_id: str, values: dict[str, float] | None = None) -> Report:
    fmt = _fmt(format_id)
    units = {PROCUREMENT: "元"} if PROCUREMENT in fmt.cell_refs() else {}
    return Report(AGENCY, YEARS[format_id], values=values or distinct_values(fmt), units=units)


def section_refs(fmt: ReportFormat, section_id: str) -> list[str]:
    tables = fmt.section(section_id).tables
    return [ref for ref in fmt.cell_refs() if ref.split(".")[0] in tables]


def only_table(html: str) -> HtmlTable:
    tables = read_tables(html)
    assert len(tables) == 1
    return tables[0]


def rows_of(table: HtmlTable, kind: str) -> list[list]:
    return [row for group in table.groups if group.kind == kind for row in group.rows]


def cell_with_text(table: HtmlTable, text: str):
    matches = [c for g in table.groups for row in g.rows for c in row if c.text == text]
    assert len(matches) == 1, text
    return matches[0]


# --- round trip ------------------------------------------------------------------------------


@pytest.mark.parametrize("format_id", YEARS)
@pytest.mark.parametrize("section_id", RENDERERS)
def test_every_cell_reads_back(format_id: str, section_id: str) -> None:
    report = make_report(format_id)
    parsed = parse_official_table(RENDERERS[section_id](report))
    expected = {ref: float(report.value(ref)) for ref in section_refs(report.format, section_id)}
    assert parsed == expected


@pytest.mark.parametrize("format_id", YEARS)
def test_whole_document_reads_back(format_id: str) -> None:
    report = make_report(format_id)
    page = "<html><body><p>正文</p>" + "".join(f(report) for f in RENDERERS.values())
    page += '<table class="dataframe"><tr><td>1</td></tr></table></body></html>'
    assert parse_official_table(page) == {k: float(v) for k, v in report.values.items()}


def test_values_are_placed_by_geometry_not_by_attribute() -> None:
    report = make_report("F2021")
    html = section3_html(report)
    stripped = html.replace('data-cell="', 'data-x="')
    assert parse_official_table(stripped) == parse_official_table(html)
    swapped = html.replace('data-cell="t3.new.natural_person"', 'data-cell="TMP"')
    swapped = swapped.replace('data-cell="t3.new.total"', 'data-cell="t3.new.natural_person"')
    with pytest.raises(ValueError, match="placed where the labels name"):
        parse_official_table(swapped)


def test_unknown_label_is_rejected() -> None:
    html = section3_html(make_report("F2021")).replace("（三）不予公开", "（三）不公开")
    with pytest.raises(ValueError, match="no format table matches"):
        parse_official_table(html)


def test_ragged_grid_is_rejected() -> None:
    html = section4_html(make_report("F2021"))
    ragged = html.replace('<td class="num" data-cell="t4.cases.rev_upheld">', "<td>", 1)
    ragged = ragged.replace("<td>", "", 1)
    with pytest.raises(ValueError):
        parse_official_table(ragged)


def test_a_table_shown_twice_is_rejected() -> None:
    html = section4_html(make_report("F2021"))
    with pytest.raises(ValueError, match="more than once"):
        parse_official_table(html + html)


def _value_strategy(fmt: ReportFormat) -> st.SearchStrategy[dict[str, float]]:
    def cell(ref: str) -> st.SearchStrategy[float]:
        if _is_decimal(fmt, ref):
            return st.integers(0, 10**10).map(lambda n: n / 100)
        return st.integers(-(10**9), 10**9)

    return st.fixed_dictionaries({ref: cell(ref) for ref in fmt.cell_refs()})


@pytest.mark.parametrize("format_id", YEARS)
def test_random_values_round_trip(format_id: str) -> None:
    fmt = _fmt(format_id)

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(values=_value_strategy(fmt))
    def check(values: dict[str, float]) -> None:
        report = make_report(format_id, values)
        html = "".join(f(report) for f in RENDERERS.values())
        assert parse_official_table(html) == {k: float(v) for k, v in values.items()}

    check()


# --- numbers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (12, "12"),
        (12.0, "12"),
        (0, "0"),
        (-0.0, "0"),
        (-8, "-8"),
        (0.1 + 0.2, "0.3"),
        (251000.5, "251000.5"),
        (3.1416, "3.1416"),
        (0.12345675, "0.123457"),
        (Decimal("0.12345675"), "0.12345675"),
        (1e16, "10000000000000000"),
        (Decimal("1.50"), "1.5"),
    ],
)
def test_fmt_cell(value, text: str) -> None:
    assert fmt_cell(value) == text


@pytest.mark.parametrize("value", [float("nan"), float("inf"), Decimal("NaN")])
def test_fmt_cell_rejects_non_finite(value) -> None:
    with pytest.raises(ValueError):
        fmt_cell(value)


def test_procurement_amount_carries_its_unit() -> None:
    values = distinct_values(_fmt("F2019")) | {PROCUREMENT: 251000.0}
    table = read_tables(section2_html(make_report("F2019", values)))[-1]
    cell = next(
        c
        for row in rows_of(table, "tbody")
        for c in row
        if c.tag == "td" and c.attrs["data-cell"] == PROCUREMENT
    )
    assert cell.text == "251000元"


def test_text_is_escaped() -> None:
    fmt = _fmt("F2019")
    report = Report(AGENCY, 2020, values=distinct_values(fmt), units={PROCUREMENT: "<b>&"})
    html = section2_html(report)
    assert "&lt;b&gt;&amp;" in html and "<b>" not in html


# --- section 二 ------------------------------------------------------------------------------


def test_f2021_section2_is_one_table_on_a_four_column_grid() -> None:
    fmt = _fmt("F2021")
    table = only_table(section2_html(make_report("F2021")))
    grid = table.grid()
    assert grid.width == 4
    assert all(None not in row for row in grid.rows)
    captions = [
        c for r in range(len(grid.rows)) for c in grid.starts_in_row(r) if "caption" in c.classes
    ]
    assert [c.text for c in captions] == [fmt.table(t).caption for t in fmt.section("s2").tables]
    assert all(c.colspan == 4 for c in captions)
    sub_tables = fmt.section("s2").tables
    assert [g.kind for g in table.groups] == ["tbody"] * len(sub_tables)
    for group, table_id in zip(table.groups, sub_tables, strict=True):
        spec = fmt.table(table_id)
        caption, header, *data = group.rows
        assert [c.text for c in header] == [spec.first_header, *(c.label for c in spec.columns)]
        span = 3 // len(spec.columns)
        assert all(c.colspan == span for c in header[1:])
        assert all(c.colspan == span for row in data for c in row if c.tag == "td")
        assert len(data) == len(spec.data_rows)


def test_f2019_section2_has_one_table_per_sub_table() -> None:
    fmt = _fmt("F2019")
    tables = read_tables(section2_html(make_report("F2019")))
    sub_tables = fmt.section("s2").tables
    assert [t.attrs["data-table"] for t in tables] == sub_tables
    for table, table_id in zip(tables, sub_tables, strict=True):
        spec = fmt.table(table_id)
        grid = table.grid()
        assert grid.width == 1 + len(spec.columns)
        caption, header = rows_of(table, "thead")
        assert [c.text for c in caption] == [spec.caption]
        assert caption[0].colspan == grid.width
        assert [c.text for c in header] == [spec.first_header, *(c.label for c in spec.columns)]


# --- table 三 --------------------------------------------------------------------------------


@pytest.mark.parametrize("format_id", YEARS)
def test_t3_header(format_id: str) -> None:
    spec = _fmt(format_id).table("t3")
    table = only_table(section3_html(make_report(format_id)))
    assert table.attrs["data-table"] == "t3" and "official" in table.classes
    row1, row2, row3 = rows_of(table, "thead")
    corner = row1[0]
    assert (corner.rowspan, corner.colspan, corner.text) == (3, 3, spec.corner_note)
    assert [(c.text, c.colspan) for c in row1[1:]] == [("申请人情况", 7)]
    natural, org, total = row2
    assert (natural.text, natural.rowspan) == (spec.column("natural_person").label, 2)
    assert (org.text, org.colspan) == (spec.column("org_commercial").group, 5)
    assert (total.text, total.rowspan) == (spec.column("total").label, 2)
    orgs = [c.label for c in spec.columns if c.group]
    assert [c.text for c in row3] == orgs


@pytest.mark.parametrize("format_id", YEARS)
def test_t3_grid_and_group_cells(format_id: str) -> None:
    spec = _fmt(format_id).table("t3")
    table = only_table(section3_html(make_report(format_id)))
    grid = table.grid()
    assert all(len(row) == 10 and None not in row for row in grid.rows)
    body = rows_of(table, "tbody")
    assert len(body) == len(spec.data_rows)  # no subtotal rows
    assert all(sum(c.tag == "td" for c in row) == 7 for row in body)  # no subtotal column
    spans = {g.id: cell_with_text(table, g.label).rowspan for g in spec.rows if not g.data}
    assert spans == GROUP_ROWSPANS[format_id]
    for row_id in ("new", "carry_in", "carry_out"):
        assert cell_with_text(table, spec.row(row_id).label).colspan == 3
    for row_id in ("res_open", "res_partial", "res_total"):
        assert cell_with_text(table, spec.row(row_id).label).colspan == 2


def test_f2019_other_is_a_single_row() -> None:
    spec = _fmt("F2019").table("t3")
    table = only_table(section3_html(make_report("F2019")))
    cell = cell_with_text(table, spec.row("res_other").label)
    assert (cell.rowspan, cell.colspan) == (1, 2)


@pytest.mark.parametrize("format_id", YEARS)
def test_every_cell_prints_a_number(format_id: str) -> None:
    report = Report(AGENCY, YEARS[format_id], values={"t3.new.total": 5})
    table = only_table(section3_html(report))
    texts = [c.text for row in rows_of(table, "tbody") for c in row if c.tag == "td"]
    assert len(texts) == 7 * len(report.format.table("t3").data_rows)
    assert texts.count("5") == 1 and set(texts) == {"0", "5"}


# --- table 四 --------------------------------------------------------------------------------


def test_t4_layout() -> None:
    spec = _fmt("F2021").table("t4")
    table = only_table(section4_html(make_report("F2021")))
    row1, row2, row3 = rows_of(table, "thead")
    assert [(c.text, c.colspan) for c in row1] == [("行政复议", 5), ("行政诉讼", 10)]
    assert [(c.rowspan, c.colspan) for c in row2] == [(2, 1)] * 5 + [(1, 5)] * 2
    assert [c.text for c in row2[5:]] == list(
        dict.fromkeys(c.subgroup for c in spec.columns if c.subgroup)
    )
    assert [c.text for c in row2[:5] + row3] == [c.label for c in spec.columns]
    (body,) = rows_of(table, "tbody")
    assert len(body) == 15 and all(c.tag == "td" and "num" in c.classes for c in body)
    assert table.grid().width == 15


# --- markup ----------------------------------------------------------------------------------


@pytest.mark.parametrize("format_id", YEARS)
def test_markup_conventions(format_id: str) -> None:
    report = make_report(format_id)
    for section_id, render in RENDERERS.items():
        for table in read_tables(render(report)):
            assert "official" in table.classes and table.attrs["data-section"] == section_id
            cells = [c for g in table.groups for row in g.rows for c in row]
            for cell in cells:
                if cell.tag == "td":
                    assert "num" in cell.classes and "data-cell" in cell.attrs
                elif cell.attrs.get("scope") == "row" or "group" in cell.classes:
                    assert "label" in cell.classes
            assert "style" not in "".join(str(c.attrs) for c in cells)


@pytest.mark.parametrize("format_id", YEARS)
@pytest.mark.parametrize("section_id", RENDERERS)
def test_rendering_is_deterministic(format_id: str, section_id: str) -> None:
    # Two interpreters with different string hashing: set or dict order must not leak out.
    code = ("import sys; sys.path.insert(0, sys.argv[1]); import test_tables as t; "
            "print(t.section_html(t.make_report(sys.argv[2]), sys.argv[3]))")
    outputs = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run([sys.executable, "-c", code, str(Path(__file__).parent),
                               format_id, section_id], capture_output=True, text=True,
                              env=env, timeout=120, check=True)
        outputs.append(done.stdout)
    assert outputs[0] == outputs[1]
    assert outputs[0].strip() == section_html(make_report(format_id), section_id)


def test_official_table_displays_with_default_css() -> None:
    shown = section_table(make_report("F2021"), "s3")
    assert isinstance(shown, OfficialTable)
    html = shown._repr_html_()
    assert html.startswith('<div class="nianbao-official">') and "<style>" in html
    assert str(shown) in html
    assert "<style>" not in section_table(make_report("F2021"), "s3", css="")._repr_html_()


class _Aggregate:
    """Sum of several reports, with only what the tables need (no units, no agency)."""

    def __init__(self, reports: list[Report]):
        self.reports = reports
        self.format = reports[0].format

    def value(self, ref: str) -> float:
        return sum(r.value(ref) for r in self.reports)


def test_renders_any_object_with_value_and_format() -> None:
    reports = [make_report("F2021"), make_report("F2021")]
    parsed = parse_official_table(section3_html(_Aggregate(reports)))
    assert parsed["t3.new.total"] == 2 * reports[0].value("t3.new.total")
