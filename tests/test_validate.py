"""The validation engine: spec test vectors, every rule on both formats, properties."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from datadir import agency_row, default_text, write_dataset, zero_report
from nianbao.checks.validate import check
from nianbao.data.dataset import load
from nianbao.formats.expr import refs_in
from nianbao.formats.spec import format_for_year
from strategies import APPLICANT_COLS, consistent_report

VECTORS = {v["id"]: v for v in json.loads(
    (Path(__file__).parent / "data" / "spec_test_vectors.json").read_text("utf-8"))}
REG = [agency_row("a1", "甲街道"), agency_row("b2", "乙镇", kind="乡镇")]


def rules_of(findings, severity=None):
    return {f.rule for f in findings if severity is None or f.severity == severity}


def run(tmp_path, stats, agencies=REG, **kw):
    write_dataset(tmp_path, agencies, stats, **kw)
    ds = load(tmp_path)
    return ds, check(ds)


def vector_cells(vector, year):
    """The vector's cells; with missing_cells=blank every absent cell is written blank."""
    fmt = format_for_year(year)
    given_cells = {}
    for table in ("t3", "t4"):
        for row, cols in vector.get(table, {}).items():
            for col, value in cols.items():
                given_cells[f"{table}.{row}.{col}"] = "" if value is None else value
    if vector["missing_cells"] == "blank":
        cells = {r: "" for r in fmt.cell_refs() if r.startswith(("t3.", "t4."))}
        cells.update(given_cells)
        cells.update({r: 0 for r in fmt.cell_refs() if r.startswith("t2_")})
        return cells
    return given_cells


@pytest.mark.parametrize("vector_id", ["shanghai_gov_office_2019", "fixture_f2021_large_city",
                                       "hunan_gov_office_2020_prose"])
def test_spec_vectors(tmp_path, vector_id):
    vector = VECTORS[vector_id]
    year = vector["report_year"] or 2022
    ds, findings = run(tmp_path, {year: {"a1": vector_cells(vector, year)}})
    fired = rules_of(findings)
    for rule, outcome in vector["expected"].items():
        if rule == "R10_prose_vs_table":
            continue  # prose is generated from the table; see test_vector_prose_quantities
        if outcome == "pass":
            assert rule not in fired, [f.message for f in findings if f.rule == rule]
        else:
            assert rule in fired
    if vector["missing_cells"] == "blank":
        blank = next(f for f in findings if f.rule == "R6b_blank_cells")
        assert blank.actual == 133  # "133 of the 176 cells of 三 and 四 are blank"


def test_vector_prose_quantities(tmp_path):
    """The derived quantities reproduce the table values the spec's R10 example compares."""
    vector = VECTORS["shanghai_gov_office_2019"]
    ds, _ = run(tmp_path, {2019: {"a1": vector_cells(vector, 2019)}})
    report = ds.report("a1", 2019)
    for claim in vector["prose_claims"]:
        assert report.derived(claim["quantity"]) == claim["table_value"], claim
    assert report.value("t3.res_open.total") == 272  # blank total derived from its row


def test_blank_totals_are_derived_not_errors(tmp_path):
    cells = zero_report(2020)
    cells.update({"t3.new.natural_person": 2, "t3.new.total": "", "t3.res_open.natural_person": 2,
                  "t3.res_open.total": "", "t3.res_total.natural_person": 2,
                  "t3.res_total.total": "—"})
    ds, findings = run(tmp_path, {2020: {"a1": cells}})
    assert rules_of(findings, "error") == set()
    assert ds.report("a1", 2020).value("t3.res_total.total") == 2
    assert rules_of(findings) == {"R6b_blank_cells"}


def test_absent_totals_are_derived(tmp_path):
    cells = {k: v for k, v in zero_report(2022).items()
             if not (k.endswith(".total") or ".res_total." in k or k.endswith("_total"))}
    cells["t3.new.natural_person"] = 1
    cells["t3.carry_out.natural_person"] = 1
    ds, findings = run(tmp_path, {2022: {"a1": cells}})
    assert findings == []
    assert ds.report("a1", 2022).value("t3.carry_out.total") == 1


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from([2019, 2020, 2021, 2023]).flatmap(
    lambda y: st.tuples(st.just(y), consistent_report(y))))
def test_consistent_reports_have_no_error(year_cells):
    year, cells = year_cells
    with tempfile.TemporaryDirectory() as tmp:
        ds, findings = run(Path(tmp), {year: {"a1": cells}})
    assert [f.message for f in findings] == []


def _instances_naming(year: int, ref: str) -> set[tuple[str, tuple[str, ...]]]:
    fmt = format_for_year(year)
    out = set()
    for rule in fmt.enforced_rules:
        if rule.expr_kind != "formula" or rule.scope != "report":
            continue
        for _, expr in rule.instances():
            refs = refs_in(expr)
            if ref in refs and "==" in expr:
                out.add((rule.id, tuple(refs)))
    return out


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), year=st.sampled_from([2020, 2022]))
def test_changing_one_cell_fires_the_rules_naming_it(data, year):
    cells = data.draw(consistent_report(year))
    ref = data.draw(st.sampled_from(sorted(r for r in cells if r.startswith(("t3.", "t4.")))))
    cells[ref] += data.draw(st.integers(1, 9))
    with tempfile.TemporaryDirectory() as tmp:
        _, findings = run(Path(tmp), {year: {"a1": cells}})
    fired = {(f.rule, tuple(f.cells)) for f in findings}
    expected = _instances_naming(year, ref)
    if ref == "t3.res_other_no_fee.total" and year >= 2021:
        # the default text states no fee notice, so R9 (an application dropped for non-payment
        # needs a fee notice) fires as well
        expected.add(("R9_fee_consistency", ("t3.res_other_no_fee.total",
                                             "s6.fee_notices_issued", "s6.fee_collected_yuan")))
    assert fired == expected
    for f in findings:
        assert ref in f.cells
        assert format_for_year(year).cell_label(ref) in f.labels


@pytest.mark.parametrize("year", [2020, 2021])
def test_r2_message_names_official_labels(tmp_path, year):
    cells = zero_report(year)
    cells.update({"t3.new.natural_person": 3, "t3.new.total": 3, "t3.res_open.natural_person": 4,
                  "t3.res_open.total": 4, "t3.res_total.natural_person": 3,
                  "t3.res_total.total": 3})
    _, findings = run(tmp_path, {year: {"a1": cells}})
    r2 = [f for f in findings if f.rule == "R2_t3_result_total"]
    assert {f.message for f in r2} == {
        "三、本年度办理结果（七）总计·自然人 = 3，但（一）至（六）合计为 4",
        "三、本年度办理结果（七）总计·总计 = 3，但（一）至（六）合计为 4",
    }
    total = next(f for f in r2 if f.cells[0] == "t3.res_total.total")
    assert (total.actual, total.expected, total.agency_id, total.year) == (3, 4, "a1", year)


@pytest.mark.parametrize("year", [2020, 2022])
def test_r4_each_group(tmp_path, year):
    cells = zero_report(year)
    cells.update({"t4.cases.rev_pending": 2, "t4.cases.rev_total": 1,
                  "t4.cases.lit_after_rev_upheld": 1})
    _, findings = run(tmp_path, {year: {"a1": cells}})
    assert rules_of(findings) == {"R4_t4_rev_total", "R4_t4_lit_after_rev_total"}


def test_not_a_rule_never_fires(tmp_path):
    cells = zero_report(2020)
    cells.update({"t2_5.admin_license.prev_items": 8, "t2_5.admin_license.items_change": 5,
                  "t2_5.admin_license.decisions": 93, "t2_6.admin_penalty.prev_items": 143,
                  "t2_6.admin_penalty.items_change": 21, "t2_6.admin_penalty.decisions": 122})
    _, findings = run(tmp_path, {2020: {"a1": cells}})
    assert findings == []


def test_items_nonneg_warning_f2019(tmp_path):
    cells = zero_report(2019)
    cells.update({"t2_6.admin_coercion.prev_items": 3, "t2_6.admin_coercion.items_change": -5})
    _, findings = run(tmp_path, {2019: {"a1": cells}})
    (f,) = findings
    assert (f.rule, f.severity, f.actual) == ("R7b_t2_6_items_nonneg", "warning", -2)
    assert "第二十条第（六）项·行政强制" in f.message


def test_carry_over_across_format_boundary(tmp_path):
    y2020, y2021 = zero_report(2020), zero_report(2021)
    y2020.update({"t3.new.natural_person": 2, "t3.new.total": 2,
                  "t3.carry_out.natural_person": 2, "t3.carry_out.total": 2})
    y2021.update({"t3.carry_in.natural_person": 1, "t3.carry_in.total": 1,
                  "t3.res_open.natural_person": 1, "t3.res_open.total": 1,
                  "t3.res_total.natural_person": 1, "t3.res_total.total": 1})
    _, findings = run(tmp_path, {2020: {"a1": y2020}, 2021: {"a1": y2021}})
    r5 = [f for f in findings if f.rule == "R5_carry_over_continuity"]
    assert {f.cells[0] for f in r5} == {"t3.carry_in.natural_person", "t3.carry_in.total"}
    assert all(f.year == 2021 and f.severity == "error" for f in r5)
    assert r5[0].labels[1].startswith("上一年度·四、结转下年度继续办理")
    assert rules_of(findings) == {"R5_carry_over_continuity"}


def test_item_and_in_force_continuity(tmp_path):
    y2019, y2020 = zero_report(2019), zero_report(2020)
    y2019.update({"t2_5.admin_license.prev_items": 10, "t2_5.admin_license.items_change": 2})
    y2020.update({"t2_5.admin_license.prev_items": 11})
    y2021, y2022 = zero_report(2021), zero_report(2022)
    y2021.update({"t2_1.regulation.in_force": 4})  # no in_force in 2020: R8 not evaluable
    y2022.update({"t2_1.regulation.in_force": 4, "t2_1.regulation.issued": 1})
    _, findings = run(tmp_path, {2019: {"a1": y2019}, 2020: {"a1": y2020},
                                 2021: {"a1": y2021}, 2022: {"a1": y2022}})
    got = {(f.rule, f.year, f.expected, f.actual) for f in findings}
    assert got == {("R7c_item_continuity_F2019", 2020, 12, 11),
                   ("R8_in_force_continuity_F2021", 2022, 5, 4)}


def _fee_text(issued, collected):
    return default_text("a1", 2022).replace(
        "fee_notices_issued: 0", f"fee_notices_issued: {issued}").replace(
        "fee_collected_yuan: 0", f"fee_collected_yuan: {collected}")


@pytest.mark.parametrize(("no_fee", "issued", "collected", "fires"), [
    (0, 0, 0, False), (2, 2, 0, False), (2, 1, 0, True), (0, 0, 100, True), (0, 1, 100, False),
])
def test_fee_consistency(tmp_path, no_fee, issued, collected, fires):
    cells = zero_report(2022)
    cells.update({"t3.new.natural_person": no_fee, "t3.new.total": no_fee,
                  "t3.res_other_no_fee.natural_person": no_fee,
                  "t3.res_other_no_fee.total": no_fee,
                  "t3.res_total.natural_person": no_fee, "t3.res_total.total": no_fee})
    _, findings = run(tmp_path, {2022: {"a1": cells}},
                      texts={("a1", 2022): _fee_text(issued, collected)})
    assert ("R9_fee_consistency" in rules_of(findings)) is fires
    assert rules_of(findings) <= {"R9_fee_consistency"}


@pytest.mark.parametrize(("kind", "published", "rule", "severity"), [
    ("部门", "2023-02-01", "R11_deadline_department", "error"),
    ("部门", "2023-01-31", None, None),
    ("政府", "2023-03-31", None, None),
    ("政府", "2023-04-01", "R11_deadline_government", "error"),
    ("街道", "2023-02-10", "R11_local_deadlines", "warning"),
])
def test_deadlines(tmp_path, kind, published, rule, severity):
    reg = [agency_row("a1", "某单位", kind=kind)]
    _, findings = run(tmp_path, {2022: {"a1": zero_report(2022)}}, agencies=reg,
                      published=published)
    assert [(f.rule, f.severity) for f in findings] == ([(rule, severity)] if rule else [])


def test_local_deadline_configurable(tmp_path):
    (tmp_path / "deadlines.csv").parent.mkdir(parents=True, exist_ok=True)
    write_dataset(tmp_path, REG, {2022: {"a1": zero_report(2022)}}, published="2023-01-25")
    (tmp_path / "deadlines.csv").write_text("region,kind,deadline\n测试区,街道,01-20\n", "utf-8")
    findings = check(load(tmp_path))
    assert [(f.rule, f.expected) for f in findings] == [("R11_local_deadlines", "2023-01-20")]


def test_missing_table_and_section(tmp_path):
    cells = {k: v for k, v in zero_report(2021).items() if not k.startswith("t4.")}
    text = default_text("a1", 2021).split("## 存在的主要问题")[0]
    _, findings = run(tmp_path, {2021: {"a1": cells}}, texts={("a1", 2021): text})
    r12 = [f for f in findings if f.rule == "R12_sections_present"]
    assert {f.labels[0] for f in r12} == {
        "四、政府信息公开行政复议、行政诉讼情况", "五、存在的主要问题及改进情况",
        "六、其他需要报告的事项"}
    assert all(f.severity == "error" for f in r12)


@pytest.mark.parametrize(("ref", "value", "why"), [
    ("t3.new.org_research", "三", "不是数字"),
    ("t3.carry_out.org_other", "-1", "不能为负数"),
    ("t4.cases.rev_other", "1.5", "应为整数"),
    ("t2_1.normative_doc.in_force", "-2", "不能为负数"),
])
def test_types(tmp_path, ref, value, why):
    cells = zero_report(2022)
    cells[ref] = value
    _, findings = run(tmp_path, {2022: {"a1": cells}})
    r6 = [f for f in findings if f.rule == "R6_types"]
    assert len(r6) == 1 and why in r6[0].message and r6[0].cells == [ref]
    assert r6[0].file.endswith("stats/2022.csv") and r6[0].line > 1


def test_signed_and_decimal_cells_are_valid(tmp_path):
    y2020, y2022 = zero_report(2020), zero_report(2022)
    y2020.update({"t2_5.admin_license.prev_items": 9, "t2_5.admin_license.items_change": "-8",
                  "t2_9.central_procurement.procurement_amount": "2,249,470.45元"})
    y2022["t2_8.admin_fee.fee_amount"] = "3.25"
    ds, findings = run(tmp_path, {2020: {"a1": y2020}, 2022: {"a1": y2022}})
    assert findings == []
    report = ds.report("a1", 2020)
    assert report.value("t2_9.central_procurement.procurement_amount") == 2249470.45
    assert report.units["t2_9.central_procurement.procurement_amount"] == "元"


def test_text_rules(tmp_path):
    reg = [agency_row("a1", "甲街道"), agency_row("b2", "乙桥镇", kind="乡镇")]
    copied = default_text("a1", 2021)
    pasted = default_text("a1", 2022).replace(
        "## 存在的主要问题", "积极宣传乙桥镇的发展，镇村两级公开栏及时更新。\n\n## 存在的主要问题")
    _, findings = run(tmp_path, {2021: {"a1": zero_report(2021), "b2": zero_report(2021)},
                                 2022: {"a1": zero_report(2022), "b2": zero_report(2022)}},
                      agencies=reg,
                      texts={("a1", 2021): copied, ("b2", 2022): copied.replace("2022", "2023"),
                             ("a1", 2022): pasted})
    got = {(f.rule, f.agency_id, f.year) for f in findings}
    assert got == {("R_other_agency_name", "a1", 2022), ("R_kind_wording", "a1", 2022),
                   ("R_text_reuse", "b2", 2022)}
    assert all(f.severity == "warning" for f in findings)


def test_f2021_overview_topics(tmp_path):
    text = default_text("a1", 2022).replace("政府信息公开平台建设", "网站")
    _, findings = run(tmp_path, {2022: {"a1": zero_report(2022)}}, texts={("a1", 2022): text})
    (f,) = findings
    assert (f.rule, f.severity, f.actual) == ("R_s1_topics", "warning", "政府信息公开平台建设")


def test_consistent_chain_has_no_finding(tmp_path):
    years = [2019, 2020, 2021, 2022]
    stats = {y: {"a1": zero_report(y), "b2": zero_report(y)} for y in years}
    _, findings = run(tmp_path, stats)
    assert findings == []


def test_applicant_columns_match_format():
    assert [c.id for c in format_for_year(2021).table("t3").columns][:6] == APPLICANT_COLS


def test_a_checked_data_set_can_be_pickled():
    """Its look-ups (registry names, gazetteer) included: Dask and joblib pickle data sets."""
    import pickle

    ds = load(Path(__file__).resolve().parents[1] / "data")
    found = check(ds)
    again = pickle.loads(pickle.dumps(ds))
    assert again.key_list == ds.key_list and check(again) == found
