"""Analyst frames and questions (nianbao.explore) and the explore notebook."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import regiondata as rd
from datadir import agency_row, write_dataset, zero_report
from nianbao import explore
from nianbao.formats.spec import format_for_year
from nianbao.paths import PROJECT_ROOT

NOTEBOOK = PROJECT_ROOT / "notebooks" / "explore.ipynb"
SAMPLE = PROJECT_ROOT / "data"


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    """Ten agencies over 2019–2022 (both formats) with a broken chain and a year missing."""
    root = rd.synth_dir(tmp_path_factory.mktemp("explore"), n=10, years=range(2019, 2023),
                        other=2)
    ids = rd.agency_ids(root)
    rd.break_carry_over(root, 2021, ids[3], n=3)
    rd.drop_agency_year(root, 2020, ids[6])
    rd.carry_forward(root, 2021, ids[8], n=40)
    return root, ids


def test_load_all_gives_tidy_frames(planted):
    root, ids = planted
    rc = explore.load_all(root)
    ds = rc.dataset
    assert rc.years == [2019, 2020, 2021, 2022]
    assert len(rc.agencies) == 12 and set(rc.regions) == {rd.REGION, rd.OTHER_REGION}
    cells = rc.cells
    assert {"agency_id", "short_name", "year", "ref", "label", "value", "blank",
            "derived"} <= set(cells.columns)
    row = cells[(cells.agency_id == ids[0]) & (cells.year == 2021)
                & (cells.ref == "t3.res_deny_state_secret.total")].iloc[0]
    assert row.label == format_for_year(2021).cell_label("t3.res_deny_state_secret.total")
    assert row.value == ds.report(ids[0], 2021).value("t3.res_deny_state_secret.total")
    assert rc.wide.shape == (len(ds.keys), len(ds.refs))
    assert rc.wide.loc[(ids[0], 2022), "t3.new.total"] == ds.report(ids[0], 2022).value(
        "t3.new.total")
    q = rc.quantities
    report = ds.report(ids[1], 2020)
    for name in ("answered", "deny", "unable", "noproc", "other", "reviews", "lawsuits"):
        assert q.loc[(ids[1], 2020), name] == report.derived(name), name
    assert q.loc[(ids[1], 2020), "short_name"] == rd.short_name(root, ids[1])
    f = rc.findings
    assert list(f.columns[:7]) == ["agency_id", "short_name", "year", "severity", "rule",
                                   "title", "message"]
    assert set(f.loc[f.agency_id == ids[3], "rule"]) == {"R5_carry_over_continuity"}
    assert not len(f[f.agency_id == ids[8]])  # carrying forward is no error


def test_load_all_for_one_region(planted):
    root, ids = planted
    rc = explore.load_all(root, region=rd.REGION)
    assert list(rc.agencies.index) == ids
    assert set(rc.dataset.keys.agency_id) <= set(ids)
    with pytest.raises(ValueError, match="没有区域"):
        explore.load_all(root, region="无此区")


def test_carry_over_breaks_agree_with_the_validator(planted):
    root, ids = planted
    rc = explore.load_all(root)
    breaks = explore.carry_over_breaks(rc)
    assert set(zip(breaks["agency_id"], breaks["年度"], strict=True)) == {(ids[3], 2021)}
    assert sorted(breaks["列"]) == ["总计", "自然人"]
    assert (breaks["差额"] == 3).all()
    assert (breaks["本年上年结转"] - breaks["上年结转下年度"] == breaks["差额"]).all()
    r5 = rc.findings[rc.findings.rule == "R5_carry_over_continuity"]
    assert len(r5) == len(breaks)
    gaps = explore.carry_over_gaps(rc)
    assert gaps.to_dict("records") == [{"agency_id": ids[6], "单位": rd.short_name(root, ids[6]),
                                        "年度": 2021, "缺少年度": "2020"}]


def test_carry_forward_ranking(tmp_path):
    regs = [agency_row("a1", "甲街道"), agency_row("b2", "乙街道"), agency_row("c3", "丙街道")]
    stats = {2022: {}}
    for agency, (new, carry_out) in zip(["a1", "b2", "c3"], [(5, 1), (10, 4), (3, 0)],
                                        strict=True):
        cells = zero_report(2022)
        for col in ("natural_person", "total"):
            cells.update({f"t3.new.{col}": new, f"t3.carry_out.{col}": carry_out,
                          f"t3.res_open.{col}": new - carry_out,
                          f"t3.res_total.{col}": new - carry_out})
        stats[2022][agency] = cells
    rc = explore.load_all(write_dataset(tmp_path, regs, stats))
    ranking = explore.carry_forward_ranking(rc)
    assert list(ranking.index) == ["b2", "a1"]  # c3 carries nothing forward
    assert ranking.loc["b2", "结转下年度"] == 4 and ranking.loc["b2", "待办理"] == 10
    assert ranking.loc["b2", "结转占待办理比例（%）"] == 40.0
    assert ranking.loc["a1", "结转占待办理比例（%）"] == 20.0
    assert len(explore.carry_forward_ranking(rc, n=1)) == 1


def _year_with(year: int, rows: dict[str, int]) -> dict:
    cells = zero_report(year)
    total = sum(rows.values())
    for col in ("natural_person", "total"):
        cells[f"t3.new.{col}"] = total
        cells[f"t3.res_total.{col}"] = total
        for row, n in rows.items():
            cells[f"t3.{row}.{col}"] = n
    return cells


def test_reason_trends_and_rising_reasons(tmp_path):
    regs = [agency_row("a1", "甲街道"), agency_row("b2", "乙街道")]
    stats = {
        2020: {"a1": _year_with(2020, {"res_open": 10, "res_deny_third_party": 1,
                                       "res_other": 2}),
               "b2": _year_with(2020, {"res_open": 10, "res_unable_not_held": 4})},
        2021: {"a1": _year_with(2021, {"res_open": 8, "res_deny_third_party": 4,
                                       "res_other_no_fee": 1}),
               "b2": _year_with(2021, {"res_open": 10, "res_unable_not_held": 2})},
    }
    rc = explore.load_all(write_dataset(tmp_path, regs, stats))
    trends = explore.reason_trends(rc).set_index("行标识")
    assert trends.loc["res_deny_third_party", 2020] == 1
    assert trends.loc["res_deny_third_party", 2021] == 5 - 1  # a1 only
    assert trends.loc["res_deny_third_party", "增减"] == 3
    assert trends.loc["res_deny_third_party", "增幅（%）"] == 300.0
    # share of answered: 1/27 → 4/25 = 3.7% → 16.0%
    assert trends.loc["res_deny_third_party", "占办结比例变化（百分点）"] == 12.3
    assert trends.loc["res_unable_not_held", "增减"] == -2
    # rows a format does not have are empty in its years
    assert np.isnan(trends.loc["res_other", 2021]) and trends.loc["res_other", 2020] == 2
    assert np.isnan(trends.loc["res_other_no_fee", 2020])
    assert trends.loc["res_deny_third_party", "理由"] == "（三）不予公开·4.保护第三方合法权益"
    assert "res_open" not in trends.index  # disclosed applications are not a reason
    rising = explore.rising_reasons(rc)
    assert rising["行标识"].iloc[0] == "res_deny_third_party"
    assert (rising["增减"] > 0).all()
    only_deny = explore.reason_trends(rc, categories=["deny"])
    assert set(only_deny["类别"]) == {"（三）不予公开"}


def test_movers_pivots_and_notes(planted):
    root, ids = planted
    rc = explore.load_all(root)
    movers = explore.yoy_movers(rc, "new", 2022, n=5)
    assert len(movers) == 5
    assert list(movers["增减"].abs()) == sorted(movers["增减"].abs(), reverse=True)
    pivot = explore.quantity_by_year(rc, "new")
    assert pivot.loc[rd.short_name(root, ids[0]), 2021] == rc.dataset.report(
        ids[0], 2021).value("t3.new.total")
    assert np.isnan(pivot.loc[rd.short_name(root, ids[6]), 2020])
    counts = explore.findings_by_rule(rc)
    assert counts.loc[("错误", "上年结转与上年报告衔接", "R5_carry_over_continuity"), 2021] == 2
    note = explore.or_note(pd.DataFrame(), "本年无变化")
    assert note._repr_markdown_() == "*本年无变化*"
    assert explore.or_note(counts, "本年无变化") is counts
    assert explore.or_note(pd.DataFrame(), "无")._repr_markdown_() == "*无*"
    assert explore.latest_year(rc) == 2022 and explore.latest_year(rc, 2020) == 2020


def _outputs(nb) -> str:
    """All text and HTML the executed notebook shows, and fail on any error output."""
    parts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            assert out.output_type != "error", f"{out.ename}: {out.evalue}"
            data = out.get("data", {})
            parts.append(data.get("text/html", "") + data.get("text/markdown", "")
                         + data.get("text/plain", "") + out.get("text", ""))
    return "\n".join(parts)


@pytest.mark.slow
def test_explore_notebook_answers_the_questions(planted, tmp_path):
    import nbformat
    import papermill

    root, ids = planted
    out = tmp_path / "explore.ipynb"
    papermill.execute_notebook(str(NOTEBOOK), str(out), parameters={
        "data_dir": str(root), "region": rd.REGION, "year": 2021, "top_n": 5},
        kernel_name="python3", progress_bar=False, cwd=str(NOTEBOOK.parent))
    text = _outputs(nbformat.read(out, as_version=4))
    rc = explore.load_all(root, region=rd.REGION)
    top = explore.carry_forward_ranking(rc, 2021, n=5)
    assert top.index[0] == ids[8]
    assert top["单位"].iloc[0] in text  # question 1
    rising = explore.rising_reasons(rc)
    if len(rising):
        assert rising["理由"].iloc[0] in text  # question 2
    broken = rd.short_name(root, ids[3])
    assert broken in text and "自然人" in text  # question 3: the planted break
    assert rd.short_name(root, ids[6]) in text  # question 3: the gap
    assert "上年结转与上年报告衔接" in text  # question 5
    assert rd.OTHER_REGION not in text  # the region parameter is honoured


@pytest.mark.slow
@pytest.mark.skipif(not (SAMPLE / "agencies.csv").exists(), reason="sample data not present")
def test_explore_notebook_runs_with_its_defaults(tmp_path):
    import nbformat
    import papermill

    out = tmp_path / "explore.ipynb"
    papermill.execute_notebook(str(NOTEBOOK), str(out), kernel_name="python3",
                               progress_bar=False, cwd=str(NOTEBOOK.parent))
    text = _outputs(nbformat.read(out, as_version=4))
    assert "浮山街道" in text and "单位年度数" in text
