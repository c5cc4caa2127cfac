"""Region summary: totals, rules on the totals, comparison, checks, prose, notebook and CLI."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import regiondata as rd
from datadir import agency_row, write_dataset, zero_report
from nianbao.checks.validate import check
from nianbao.data.dataset import load
from nianbao.errors import ParameterError
from nianbao.formats.spec import format_for_year
from nianbao.paths import PROJECT_ROOT
from nianbao.region import prose
from nianbao.region.checks import check_region_year, check_totals, validation_overview
from nianbao.region.data import comparison_frame, load_region, region_totals, regions_of
from nianbao.region.document import Col, data_table_html, prepare_summary
from nianbao.region.spec import region_slug
from nianbao.report.narrative import fmt_pct
from nianbao.run.targets import SUMMARY_NOTEBOOK, summary_spec
from strategies import consistent_report

REPORT_RULES = ("R1_t3_balance", "R2_t3_result_total", "R3_t3_row_total", "R4_t4_rev_total",
                "R4_t4_lit_direct_total", "R4_t4_lit_after_rev_total")
SAMPLE = PROJECT_ROOT / "data"


# ---------------------------------------------------------------- totals (property)

TOTAL_REFS = {
    2020: [r for r in format_for_year(2020).cell_refs() if r.endswith(".total")
           or ".res_total." in r],
    2022: [r for r in format_for_year(2022).cell_refs() if r.endswith(".total")
           or ".res_total." in r],
}


@st.composite
def region_year(draw):
    """A region of 1–5 consistent reports of one year, some totals left blank (derived)."""
    year = draw(st.sampled_from([2020, 2022]))
    reports = draw(st.lists(consistent_report(year), min_size=1, max_size=5))
    blanks = [draw(st.sets(st.sampled_from(TOTAL_REFS[year]), max_size=4)) for _ in reports]
    return year, reports, blanks


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(region_year())
def test_totals_are_the_sums_of_the_agencies_cells_and_pass_the_report_rules(case):
    year, reports, blanks = case
    agencies = [agency_row(f"a{i}", f"甲{i}街道") for i in range(len(reports))]
    stats = {year: {}}
    for a, cells, blank in zip(agencies, reports, blanks, strict=True):
        stats[year][a["agency_id"]] = {k: ("" if k in blank else v) for k, v in cells.items()}
    with tempfile.TemporaryDirectory() as tmp:
        ds = load(write_dataset(Path(tmp), agencies, stats))
        ids = [a["agency_id"] for a in agencies]
        totals = region_totals(ds, ids, year, "测试区")
        fmt = format_for_year(year)
        for ref in fmt.cell_refs():
            expected = sum(ds.report(a, year).value(ref) for a in ids)
            assert totals.value(ref) == pytest.approx(expected, abs=1e-9), ref
        # the parts sum to the printed totals, blank totals included
        for ref in TOTAL_REFS[year]:
            assert totals.value(ref) == sum(cells[ref] for cells in reports)
        checks = {c.rule.id: c for c in check_totals(totals)}
        assert set(REPORT_RULES) <= set(checks)
        assert all(checks[r].ok for r in REPORT_RULES), [checks[r] for r in REPORT_RULES]
        assert checks["R3_t3_row_total"].instances == len(fmt.table("t3").data_rows)


def test_rules_on_totals_come_from_the_format_and_can_fail(tmp_path):
    cells = zero_report(2022)
    cells.update({"t3.new.natural_person": 3, "t3.new.total": 3,
                  "t3.res_open.natural_person": 3, "t3.res_open.total": 3,
                  "t3.res_total.natural_person": 3, "t3.res_total.total": 3})
    bad = dict(cells, **{"t4.cases.rev_upheld": 1})  # 四: total stays 0
    regs = [agency_row("a1", "甲街道"), agency_row("b2", "乙街道")]
    ds = load(write_dataset(tmp_path, regs, {2022: {"a1": cells, "b2": bad}}))
    checks = {c.rule.id: c for c in check_totals(region_totals(ds, ["a1", "b2"], 2022))}
    assert checks["R1_t3_balance"].ok
    failed = checks["R4_t4_rev_total"]
    assert not failed.ok
    assert failed.failures[0][1:] == (0.0, 1.0)  # lhs rev_total, rhs the sum of outcomes
    # the instances are exactly the format's own rule instances
    fmt = format_for_year(2022)
    assert checks["R1_t3_balance"].instances == len(fmt.rule("R1_t3_balance").instances())


def test_amounts_in_different_units_are_summed_in_yuan(tmp_path):
    regs = [agency_row("a1", "甲街道"), agency_row("b2", "乙街道"), agency_row("c3", "丙街道")]
    ref = "t2_9.central_procurement.procurement_amount"
    stats = {2020: {"a1": dict(zero_report(2020), **{ref: "1.5万元"}),
                    "b2": dict(zero_report(2020), **{ref: "2000元"}),
                    "c3": dict(zero_report(2020), **{ref: "300元"})}}
    ds = load(write_dataset(tmp_path, regs, stats))
    mixed = region_totals(ds, ["a1", "b2", "c3"], 2020)
    assert mixed.value(ref) == 17300 and mixed.units[ref] == "元" and mixed.converted == (ref,)
    same = region_totals(ds, ["b2", "c3"], 2020)
    assert same.value(ref) == 2300 and same.units[ref] == "元" and same.converted == ()


# ---------------------------------------------------------------- names and specs


def test_region_slug_is_ascii_stable_and_configurable(tmp_path):
    slug = region_slug("咸宁市咸安区")
    assert re.fullmatch(r"r-[0-9a-f]{10}", slug)
    assert slug == region_slug(" 咸宁市咸安区 ") == "r-e6ac649f4d"  # pinned: folders must not move
    assert region_slug("咸宁市通山县") != slug
    assert region_slug("xianan-2") == "xianan-2"  # already a slug
    (tmp_path / "regions.csv").write_text("region,slug\n咸宁市咸安区,xianan\n", encoding="utf-8")
    assert region_slug("咸宁市咸安区", tmp_path) == "xianan"
    assert region_slug("咸宁市通山县", tmp_path).startswith("r-")
    (tmp_path / "regions.csv").write_text("region,slug\n咸宁市咸安区,咸安\n", encoding="utf-8")
    with pytest.raises(ParameterError, match="区域目录名"):
        region_slug("咸宁市咸安区", tmp_path)


def test_summary_spec_matches_the_notebook(tmp_path):
    import papermill

    spec = summary_spec("咸宁市咸安区", 2021, tmp_path, tmp_path / "build", ("html",))
    assert (spec.kind, spec.basename, spec.kinds) == ("summary", "summary", ("html",))
    assert spec.target == "2021/_regions/r-e6ac649f4d"
    assert spec.outputs()["html"] == tmp_path / "build" / spec.target / "summary.html"
    assert dict(spec.parameters) == {"region": "咸宁市咸安区", "year": 2021,
                               "data_dir": str(tmp_path.resolve())}
    declared = papermill.inspect_notebook(str(SUMMARY_NOTEBOOK))
    assert set(declared) == set(dict(spec.parameters))
    assert {k: v["inferred_type_name"] for k, v in declared.items()} == {
        "region": "str", "year": "int", "data_dir": "str"}


def test_summary_notebook_is_committed_without_outputs():
    for name in ("region_summary.ipynb", "explore.ipynb"):
        nb = nbformat.read(PROJECT_ROOT / "notebooks" / name, as_version=4)
        nbformat.validate(nb)
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert all(not c.outputs and c.execution_count is None for c in code)
        assert "parameters" in code[0].metadata.get("tags", [])
        assert "papermill" not in nb.metadata


def test_regions_of(tmp_path):
    root = rd.synth_dir(tmp_path, n=4, years=[2020, 2021], other=3)
    rd.drop_agency_year(root, 2021, rd.agency_ids(root, rd.OTHER_REGION)[0])
    ds = load(root)
    assert regions_of(ds) == regions_of(root) == sorted([rd.REGION, rd.OTHER_REGION])
    assert regions_of(ds, 2021) == sorted([rd.REGION, rd.OTHER_REGION])
    for other in rd.agency_ids(root, rd.OTHER_REGION)[1:]:
        rd.drop_agency_year(root, 2021, other)
    assert regions_of(load(root), 2021) == [rd.REGION]


# ---------------------------------------------------------------- a region with defects


@pytest.fixture(scope="module")
def defects(tmp_path_factory):
    """Eight agencies over 2019–2021 with one of each problem in 2021, plus another region."""
    root = rd.synth_dir(tmp_path_factory.mktemp("region"), n=8, years=range(2019, 2022),
                        other=2)
    ids = rd.agency_ids(root)
    plan = {"no_data": ids[0], "no_text": ids[1], "late": ids[2], "broken": ids[3],
            "unbalanced": ids[4]}
    rd.drop_agency_year(root, 2021, plan["no_data"])
    rd.drop_narrative(root, 2021, plan["no_text"])
    rd.set_published(root, 2021, plan["late"], "2022-03-15")
    rd.break_carry_over(root, 2021, plan["broken"])
    rd.unbalance(root, 2021, plan["unbalanced"])
    return root, ids, plan


def test_restricted_validation_equals_full_validation(defects):
    root, ids, _ = defects
    full = load(root)
    key = [(f.rule, f.agency_id, f.year, f.message) for f in check(full, agencies=ids,
                                                                   years=[2021])]
    fast = [(f.rule, f.agency_id, f.year, f.message) for f in check_region_year(full, ids, 2021)]
    assert sorted(key) == sorted(fast) and key
    small = full.restrict_years([2021])
    assert set(small.keys.year) == {2021}
    assert small.report(ids[5], 2021).values == full.report(ids[5], 2021, with_prev=False).values


def test_validation_overview_names_every_problem(defects):
    root, ids, plan = defects
    data = load_region(rd.REGION, 2021, root)
    ov = validation_overview(data.dataset, ids, 2021, data.findings)
    assert ov.no_data == [plan["no_data"]]
    assert ov.no_narrative == [plan["no_text"]]
    assert list(ov.late["agency_id"]) == [plan["late"]]
    assert list(ov.late["published"]) == ["2022-03-15"]
    rules = dict(zip(ov.by_rule["rule"], ov.by_rule["severity"], strict=True))
    assert rules["R5_carry_over_continuity"] == "error"
    assert rules["R1_t3_balance"] == "error"
    assert rules["IN_missing_text"] == "error"
    assert ov.matrix.loc[plan["broken"], "R5_carry_over_continuity"] == 2  # 自然人 and 总计
    assert ov.matrix.loc[plan["unbalanced"], "R1_t3_balance"] == 2  # 自然人 and 总计
    assert ov.by_agency.loc[plan["unbalanced"], "errors"] == 2
    assert set(ov.by_agency.index) >= {plan["no_text"], plan["late"], plan["broken"]}
    assert ov.matrix.index.tolist() == ids  # other regions never appear
    # the totals inherit the unbalanced table; the rest of the checks pass
    checks = {c.rule.id: c.ok for c in data.totals_checks}
    assert checks["R1_t3_balance"] is False and checks["R2_t3_result_total"] is True


def test_comparison_frame_has_every_agency_and_report_figures(defects):
    root, ids, plan = defects
    data = load_region(rd.REGION, 2021, root)
    frame = comparison_frame(data.dataset, ids, 2021, data.findings)
    assert frame.index.tolist() == ids
    assert frame.loc[plan["no_data"], "reported"] == False  # noqa: E712
    assert np.isnan(frame.loc[plan["no_data"], "new"])
    for a in ids[1:]:
        report = data.dataset.report(a, 2021)
        assert frame.loc[a, "new"] == report.value("t3.new.total")
        assert frame.loc[a, "answered"] == report.derived("answered")
        assert frame.loc[a, "lawsuits"] == report.derived("lawsuits")
        assert frame.loc[a, "t2_5.admin_license.decisions"] == report.value(
            "t2_5.admin_license.decisions")
        assert frame.loc[a, "new_change"] == report.value("t3.new.total") - report.prev.value(
            "t3.new.total")
        answered = report.derived("answered")
        if answered:
            share = 100 * report.derived("open_or_partial") / answered
            assert frame.loc[a, "open_share"] == pytest.approx(share)
    assert frame.loc[plan["unbalanced"], "errors"] == 2
    assert frame.loc[plan["no_text"], "published"] is None
    # the reporting agencies add up to the region totals
    reported = frame[frame["reported"]]
    assert reported["new"].sum() == data.totals.value("t3.new.total")
    assert reported["reviews"].sum() == data.totals.derived("reviews")


def test_overview_prose(defects):
    root, ids, plan = defects
    data = load_region(rd.REGION, 2021, root)
    text = "".join(prose.paragraphs(data))
    n_missing = rd.short_name(root, plan["no_data"])
    assert (f"{rd.REGION}单位名录共列8个单位，其中7个单位已报送2021年度统计数据，"
            f"1个单位未报送（{n_missing}）") in text
    totals = data.totals
    new, prev = totals.count("t3.new.total"), totals.prev.count("t3.new.total")
    assert f"合计新收政府信息公开申请{new}件" in text
    direction = "增长" if new > prev else "下降"
    if new != prev:
        assert f"较上年{direction}{fmt_pct(abs(new - prev), prev)}" in text
    opened, answered = totals.derived("open_or_partial"), totals.derived("answered")
    assert f"占办结总数的{fmt_pct(opened, answered)}" in text
    assert "上年报送数据的单位为8个" in text  # the reporting set changed
    changes = data.changes
    top = changes.iloc[0]
    if top.change > 0:
        assert f"新收申请增加较多的有{top['name']}（增加{int(top.change)}件" in text
    assert f"逾期发布年度报告（{rd.short_name(root, plan['late'])}）" in text
    assert f"缺少年度报告正文（{rd.short_name(root, plan['no_text'])}）" in text
    assert re.search(r"\d个单位存在校验错误（共\d+项）", text)
    assert not re.search(r"\d\.\d{2,}%", text)  # one decimal everywhere


def test_prose_without_last_year_and_without_problems(tmp_path):
    root = rd.synth_dir(tmp_path, n=3, years=[2021])
    data = load_region(rd.REGION, 2021, root)
    paragraphs = prose.paragraphs(data)
    assert len(paragraphs) == 2
    assert "均已报送2021年度统计数据" in paragraphs[0] and "较上年" not in paragraphs[0]
    assert paragraphs[1] == "数据校验未发现错误或警告。"


def test_parameters_are_checked_with_helpful_messages(tmp_path):
    root = rd.synth_dir(tmp_path, n=2, years=[2021])
    with pytest.raises(ParameterError, match=f"已有区域：{rd.REGION}"):
        load_region("不存在的区", 2021, root)
    with pytest.raises(ParameterError, match="已有年度：2021"):
        load_region(rd.REGION, 2020, root)
    with pytest.raises(ParameterError, match="agencies.csv"):
        load_region(rd.REGION, 2021, tmp_path / "nowhere")


# ---------------------------------------------------------------- HTML pieces


def test_sortable_table_is_self_contained_and_keeps_numbers(defects):
    root, ids, plan = defects
    doc = prepare_summary(rd.REGION, 2021, root)
    html = str(doc.comparison_table())
    assert "<script>" in html and "localeCompare" in html
    assert "http" not in html and " src=" not in html
    assert html.count("<tr") == len(ids) + 2  # header, one row per agency, totals
    footer = re.search(r"<tfoot>(.*)</tfoot>", html).group(1)
    cells = re.findall(r"<t[dh][^>]*>([^<]*)</t[dh]>", footer)
    assert cells[0] == "合计"
    assert str(doc.data.totals.count("t3.new.total")) in cells
    assert f"{rd.short_name(root, plan['no_data'])}（未报送）" in html
    # every numeric cell carries its sort key
    body = re.search(r"<tbody>(.*)</tbody>", html).group(1)
    numeric = re.findall(r'<td class="n"[^>]*>', body)
    assert len(numeric) > len(ids) and all('data-v="' in td for td in numeric)


def test_data_table_html_escapes_and_formats():
    import pandas as pd

    frame = pd.DataFrame({"name": ["<甲>", "乙"], "n": [12345.0, np.nan], "d": [-3.0, 2.0]},
                         index=["a", "b"])
    html = data_table_html(frame, [Col("name", "单位"), Col("n", "件数", "count"),
                                   Col("d", "增减", "change")], "t1")
    assert "&lt;甲&gt;" in html and "12,345" in html and ">—<" in html
    assert ">-3<" in html and ">+2<" in html and 'data-v="12345.0"' in html


# ---------------------------------------------------------------- notebook, HTML, PDF, CLI


@pytest.fixture(scope="module")
def built_summary(defects, tmp_path_factory):
    from nianbao.run.execute import run_report

    root, ids, plan = defects
    out = tmp_path_factory.mktemp("build")
    spec = summary_spec(rd.REGION, 2021, root, out, ("html", "pdf"))
    result = run_report(spec)
    assert result.ok, result.reason
    return spec, result, root, ids, plan


@pytest.mark.slow
def test_summary_notebook_outputs(built_summary):
    spec, result, root, ids, plan = built_summary
    nb = nbformat.read(result.outputs["ipynb"], as_version=4)
    meta = nb.metadata["nianbao"]
    assert meta["title"] == f"{rd.REGION}2021年政府信息公开工作年度报告汇总"
    assert meta["running_header"] == rd.REGION and meta["kind"] == "summary"
    prov = meta["provenance"]
    assert (prov["region"], prov["year"], prov["agencies"], prov["reported"]) == (
        rd.REGION, 2021, len(ids), len(ids) - 1)
    assert re.fullmatch(r"[0-9a-f]{64}", prov["data_sha256"])
    assert nb.metadata["papermill"]["parameters"]["region"] == rd.REGION
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
              if o.output_type == "error"]
    assert errors == []
    html = Path(result.outputs["html"]).read_text("utf-8")
    assert f"<title>{meta['title']}</title>" in html
    headings = ("一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
                "四、政府信息公开行政复议、行政诉讼情况", "五、各单位情况对比", "六、数据校验情况")
    for heading in headings:
        assert heading in html
    for agency in ids:
        assert rd.short_name(root, agency) in html
    data = load_region(rd.REGION, 2021, root)
    new = data.totals.value("t3.new.total")
    assert f'data-cell="t3.new.total">{int(new)}</td>' in html  # the official table, summed
    assert html.count('class="official"') >= 3
    assert html.count("<img") >= 3  # results, agencies, trend
    assert "R5_carry_over_continuity" in html and "2022-03-15" in html
    assert "<script>" in html and "https://" not in html.split("</footer>")[0].split(
        "<footer")[0]
    assert Path(result.outputs["pdf"]).read_bytes().startswith(b"%PDF")


@pytest.mark.slow
def test_summary_pdf_text(built_summary):
    from pypdf import PdfReader

    spec, result, root, ids, plan = built_summary
    reader = PdfReader(result.outputs["pdf"])
    text = "".join(page.extract_text() for page in reader.pages)
    assert "2021年政府信息公开工作年度报告汇总" in text
    assert "各单位情况对比" in text and "数据校验情况" in text
    assert f"第 1 页 共 {len(reader.pages)} 页" in text.replace("\n", " ")


@pytest.mark.slow
def test_comparison_table_sorts_in_chromium(built_summary):
    from nianbao.render.chromium import ChromiumBrowser

    spec, result, *_ = built_summary
    html = Path(result.outputs["html"]).read_text("utf-8")

    def sort(chromium):
        page = chromium.new_page()
        problems = []
        page.on("pageerror", lambda exc: problems.append(str(exc)))
        try:
            page.set_content(html, wait_until="load")
            table = "#nb-comparison-2021"
            column = page.eval_on_selector_all(
                f"{table} thead th", "hs => hs.findIndex(h => h.textContent === '新收申请')")
            read = (f"(rows) => rows.map(r => r.cells[{column}].getAttribute('data-v'))")
            page.click(f"{table} thead th:nth-child({column + 1})")
            first = page.eval_on_selector_all(f"{table} tbody tr", read)
            page.click(f"{table} thead th:nth-child({column + 1})")
            second = page.eval_on_selector_all(f"{table} tbody tr", read)
            state = page.get_attribute(f"{table} thead th:nth-child({column + 1})", "aria-sort")
        finally:
            page.close()
        return first, second, state, problems

    with ChromiumBrowser() as browser:
        first, second, state, problems = browser.run(sort)
    assert problems == []
    numbers = [float(v) for v in first if v]
    assert numbers == sorted(numbers, reverse=True) and first[-1] == ""  # empty cells last
    numbers = [float(v) for v in second if v]
    assert numbers == sorted(numbers) and second[-1] == "" and state == "ascending"


@pytest.mark.slow
def test_build_summary_command(defects, tmp_path):
    root, *_ = defects
    cmd = [sys.executable, str(PROJECT_ROOT / "build.py"), "summary", "--region", rd.REGION,
           "--year", "2021", "--data", str(root), "--out", str(tmp_path), "--formats", "html"]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    folder = tmp_path / "2021" / "_regions" / region_slug(rd.REGION)
    assert sorted(p.name for p in folder.iterdir()) == ["summary.html", "summary.ipynb"]
    assert f"html: {folder / 'summary.html'}" in done.stdout
    bad = subprocess.run(cmd[:4] + ["不存在的区"] + cmd[5:], capture_output=True, text=True,
                         timeout=120)
    assert bad.returncode == 2 and "已有区域" in bad.stderr


@pytest.mark.slow
@pytest.mark.skipif(not (SAMPLE / "agencies.csv").exists(), reason="sample data not present")
def test_summary_on_the_sample_data(tmp_path):
    from nianbao.run.execute import run_report

    spec = summary_spec("咸宁市咸安区", 2020, SAMPLE, tmp_path, ("html",))
    result = run_report(spec)
    assert result.ok, result.reason
    html = Path(result.outputs["html"]).read_text("utf-8")
    for name in ("浮山街道", "温泉街道", "大幕乡", "贺胜桥镇"):
        assert name in html
    assert "单位名录共列13个单位" in html
    meta = json.loads(json.dumps(nbformat.read(result.outputs["ipynb"], 4).metadata["nianbao"]))
    assert meta["provenance"]["agencies"] == 13


def test_fingerprint_follows_the_data(tmp_path):
    from nianbao.region.data import region_fingerprint

    root = rd.synth_dir(tmp_path, n=3, years=[2020, 2021])
    first = region_fingerprint(load_region(rd.REGION, 2021, root))
    assert first == region_fingerprint(load_region(rd.REGION, 2021, root))
    rd.add_to_cells(root, 2020, rd.agency_ids(root)[0], {"t2_5.admin_license.decisions": 1})
    second = region_fingerprint(load_region(rd.REGION, 2021, root))
    assert second != first
    rd.set_published(root, 2021, rd.agency_ids(root)[1], "2022-01-05")
    assert region_fingerprint(load_region(rd.REGION, 2021, root)) != second


def test_file_problems_and_regions_without_reports(tmp_path):
    root = rd.synth_dir(tmp_path, n=3, years=[2021], other=1)
    (root / "stats" / "backup.csv").write_text("agency_id\n", encoding="utf-8")
    data = load_region(rd.REGION, 2021, root)
    assert [f.rule for f in data.overview.general] == ["IN_file_name"]
    assert "另有1项数据文件问题" in prose.checks_sentence(data)
    html = str(prepare_summary(rd.REGION, 2021, root).validation())
    assert "数据文件问题" in html and "backup.csv" in html
    rd.drop_agency_year(root, 2021, rd.agency_ids(root, rd.OTHER_REGION)[0])
    with pytest.raises(ParameterError, match="没有任何单位报送 2021 年度统计数据"):
        load_region(rd.OTHER_REGION, 2021, root)


def test_fee_sentence_only_when_every_agency_stated_its_fees(tmp_path):
    regs = [agency_row("a1", "甲街道"), agency_row("b2", "乙街道")]
    fees = ("---\npublished: 2023-01-10\nfee_notices_issued: {n}\n"
            "fee_notices_amount_yuan: {a}\nfee_collected_yuan: {c}\n---\n"
            "## 总体情况\n\n甲。\n\n## 存在的主要问题及改进情况\n\n乙。\n\n"
            "## 其他需要报告的事项\n\n无。\n")
    texts = {("a1", 2022): fees.format(n=2, a=300, c=100),
             ("b2", 2022): fees.format(n=1, a=200, c=0)}
    stats = {2022: {"a1": zero_report(2022), "b2": zero_report(2022)}}
    root = write_dataset(tmp_path / "both", regs, stats, texts=texts)
    text = prose.totals_sentence(load_region("测试区", 2022, root))
    assert "共发出政府信息公开信息处理费收费通知3件，金额合计500元，实际收取100元。" in text
    texts[("b2", 2022)] = texts[("b2", 2022)].replace(
        "fee_notices_issued: 1\nfee_notices_amount_yuan: 200\nfee_collected_yuan: 0\n", "")
    root = write_dataset(tmp_path / "one", regs, stats, texts=texts)
    assert "信息处理费" not in prose.totals_sentence(load_region("测试区", 2022, root))


def test_region_names_need_no_heavy_imports():
    code = ("import sys; from nianbao.run.targets import summary_spec; "
            "summary_spec('咸宁市咸安区', 2021); "
            "print(sorted(m for m in ('pandas', 'matplotlib', 'numpy') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)
    assert done.stdout.strip() == "[]", done.stderr
