"""The shared data writer: new agency-years, conflicts, replace, dry runs, byte-for-byte keeping."""

from __future__ import annotations

import csv
import datetime as dt
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nianbao.data.dataset import load
from nianbao.data.write import split_text, write_agency_year
from nianbao.errors import DataWriteError
from nianbao.formats.spec import format_for_year
from nianbao.paths import DATA_DIR

NEW_AGENCY = {"agency_id": "ceshi", "name": "测试区人民政府测试街道办事处",
              "short_name": "测试街道", "region": "测试区", "kind": "街道"}
BODY = "## 总体情况\n\n本街道年内做了一些工作。\n\n## 存在的主要问题及改进情况\n\n仍有不足。\n"


def _stats_rows(data_dir: Path, year: int, agency: str) -> dict[str, str]:
    with open(data_dir / "stats" / f"{year}.csv", encoding="utf-8") as fh:
        return {f"{r['table']}.{r['row']}.{r['col']}": r["value"]
                for r in csv.DictReader(fh) if r["agency_id"] == agency}


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    root = tmp_path / "data"
    shutil.copytree(DATA_DIR, root, ignore=shutil.ignore_patterns("README.md"))
    return root


def _snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_new_agency_year_into_empty_dir_reads_back(tmp_path: Path):
    cells = {ref: i % 5 for i, ref in enumerate(format_for_year(2022).cell_refs())}
    cells["t2_8.admin_fee.fee_amount"] = 1.25
    cells["t3.new.org_other"] = None  # blank
    result = write_agency_year(tmp_path, 2022, NEW_AGENCY, cells,
                               {"published": dt.date(2023, 1, 20), "fee_notices_issued": 0,
                                "fee_notices_amount_yuan": 0, "fee_collected_yuan": 0}, BODY)
    assert not result.conflicts
    assert {p.name for p in result.written} == {"agencies.csv", "2022.csv", "ceshi.md"}
    ds = load(tmp_path, years=[2022])
    report = ds.report("ceshi", 2022, with_prev=False)
    assert report.value("t2_8.admin_fee.fee_amount") == 1.25
    assert "t3.new.org_other" in report.blank_cells
    assert report.value("t4.cases.rev_total") == cells["t4.cases.rev_total"]
    assert report.narrative.published == dt.date(2023, 1, 20)
    assert report.narrative.sections["s1"] == "本街道年内做了一些工作。"


def test_same_values_change_nothing(sample: Path):
    before = _snapshot(sample)
    cells = {ref: v for ref, v in _stats_rows(sample, 2021, "fushan").items()}
    meta, body = split_text((sample / "text/2021/fushan.md").read_text("utf-8"))
    result = write_agency_year(sample, 2021, None, cells, meta, body, agency_id="fushan")
    assert result.changes == [] and result.written == []
    assert _snapshot(sample) == before
    assert result.table_text() == "没有需要写入的变化。"


def test_numbers_equal_in_another_spelling_are_not_changes(sample: Path):
    cells = {"t2_9.central_procurement.procurement_amount": "2,249,470.450元",
             "t3.new.natural_person": float(_stats_rows(sample, 2020, "fushan")
                                            ["t3.new.natural_person"])}
    result = write_agency_year(sample, 2020, {"agency_id": "fushan"}, cells, {}, None)
    assert result.changes == []


def test_conflict_refused_then_replaced_other_lines_byte_identical(sample: Path):
    before = _snapshot(sample)
    old = _stats_rows(sample, 2022, "gaoqiao")["t3.new.natural_person"]
    new = int(old) + 7
    cells = {"t3.new.natural_person": new}
    result = write_agency_year(sample, 2022, None, cells, {"published": "2023-01-05"}, None,
                               agency_id="gaoqiao")
    assert result.refused and result.written == []
    assert _snapshot(sample) == before  # nothing at all, not even the non-conflicting parts
    labels = {c.cell: c for c in result.conflicts}
    assert labels["t3.new.natural_person"].old == old
    assert labels["t3.new.natural_person"].label.startswith("一、本年新收政府信息公开申请数量")
    assert "published" in labels
    text = result.table_text()
    assert f"{old} → {new}" in text and "【与现有值不同】" in text

    result = write_agency_year(sample, 2022, None, cells, {}, None, agency_id="gaoqiao",
                               replace=True)
    assert [p.name for p in result.written] == ["2022.csv"]
    assert _stats_rows(sample, 2022, "gaoqiao")["t3.new.natural_person"] == str(new)
    old_lines = before["stats/2022.csv"].decode().splitlines()
    new_lines = (sample / "stats/2022.csv").read_text("utf-8").splitlines()
    assert len(old_lines) == len(new_lines)
    differ = [(a, b) for a, b in zip(old_lines, new_lines, strict=True) if a != b]
    assert differ == [(f"gaoqiao,t3,new,natural_person,{old}",
                       f"gaoqiao,t3,new,natural_person,{new}")]


def test_dry_run_lists_changes_and_writes_nothing(sample: Path):
    before = _snapshot(sample)
    result = write_agency_year(sample, 2023, NEW_AGENCY, {"t3.new.natural_person": 3},
                               {"published": dt.date(2024, 1, 9)}, BODY, dry_run=True)
    assert result.written == [] and _snapshot(sample) == before
    cells = {c.cell for c in result.changes}
    assert {"name", "t3.new.natural_person", "published", "text"} <= cells
    assert not result.conflicts


def test_new_agency_inserted_in_sorted_place(sample: Path):
    write_agency_year(sample, 2023, {**NEW_AGENCY, "agency_id": "fuzz"},
                      {"t3.new.natural_person": 3}, {}, None)
    ids = [line.split(",")[0] for line in
           (sample / "stats/2023.csv").read_text("utf-8").splitlines()[1:]]
    assert ids == sorted(ids) and "fuzz" in ids
    names = [line.split(",")[0] for line in
             (sample / "agencies.csv").read_text("utf-8").splitlines()[1:]]
    assert names == sorted(names)


def test_blank_existing_value_is_a_value(sample: Path):
    rows = _stats_rows(sample, 2020, "fushan")
    blank = next(ref for ref, v in rows.items() if v == "")
    assert write_agency_year(sample, 2020, None, {blank: None}, {}, None,
                             agency_id="fushan").changes == []
    assert write_agency_year(sample, 2020, None, {blank: "—"}, {}, None,
                             agency_id="fushan").changes == []
    result = write_agency_year(sample, 2020, None, {blank: 0}, {}, None, agency_id="fushan")
    assert [c.old for c in result.conflicts] == [""]


@pytest.mark.parametrize(("args", "message"), [
    ((2022, {**NEW_AGENCY, "agency_id": "../x"}, {}, {}, None), "单位标识"),
    ((2022, NEW_AGENCY, {"t3.bogus.natural_person": 1}, {}, None), "没有单元格"),
    ((2020, NEW_AGENCY, {"t2_8.admin_fee.fee_amount": 1}, {}, None), "F2019"),
    ((2018, NEW_AGENCY, {}, {}, None), "2018"),
    ((2022, {"agency_id": "nobody"}, {"t3.new.natural_person": 1}, {}, None), "不在单位名录"),
    ((2022, {**NEW_AGENCY, "kind": "公司"}, {}, {}, None), "类型"),
])
def test_bad_requests_raise_clear_errors(sample: Path, args, message):
    before = _snapshot(sample)
    with pytest.raises(DataWriteError, match=message):
        write_agency_year(sample, *args)
    assert _snapshot(sample) == before


values = st.one_of(st.none(), st.integers(0, 10**7))


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), year=st.sampled_from([2020, 2021, 2023]))
def test_any_cells_read_back_as_written(tmp_path_factory, data, year):
    root = tmp_path_factory.mktemp("w")
    refs = data.draw(st.lists(st.sampled_from(format_for_year(year).cell_refs()), min_size=1,
                              max_size=30, unique=True))
    cells = {ref: data.draw(values) for ref in refs}
    write_agency_year(root, year, NEW_AGENCY, cells, {}, None)
    assert write_agency_year(root, year, NEW_AGENCY, cells, {}, None).changes == []
    written = _stats_rows(root, year, "ceshi")
    assert {ref: (None if v == "" else int(v)) for ref, v in written.items()} == cells


def test_published_as_text_is_written_as_a_date(tmp_path: Path):
    write_agency_year(tmp_path, 2021, NEW_AGENCY, {"t3.new.natural_person": 1},
                      {"published": "2022-01-30", "fee_collected_yuan": 12.5}, BODY)
    text = (tmp_path / "text/2021/ceshi.md").read_text("utf-8")
    assert text.startswith("---\npublished: 2022-01-30\nfee_collected_yuan: 12.5\n---\n")
    with pytest.raises(DataWriteError, match="YYYY-MM-DD"):
        write_agency_year(tmp_path, 2022, NEW_AGENCY, {}, {"published": "2022年1月"}, None)


def test_batch_writes_each_file_once_and_skips_only_the_conflicting_entry(sample: Path):
    from nianbao.data.write import AgencyYear, write_agency_years

    old = _stats_rows(sample, 2022, "gaoqiao")["t3.new.natural_person"]
    entries = [
        AgencyYear(2022, None, {"t3.new.natural_person": int(old) + 1}, {}, None, "gaoqiao"),
        AgencyYear(2023, {**NEW_AGENCY, "agency_id": "aaa"}, {"t3.new.natural_person": 4}, {},
                   None),
        AgencyYear(2023, {**NEW_AGENCY, "agency_id": "zzz"}, {"t3.new.natural_person": 5}, {},
                   None),
    ]
    first, second, third = write_agency_years(sample, entries)
    assert first.refused and first.written == []
    assert _stats_rows(sample, 2022, "gaoqiao")["t3.new.natural_person"] == old
    assert {p.name for p in second.written} == {"agencies.csv", "2023.csv"}
    assert _stats_rows(sample, 2023, "aaa") == {"t3.new.natural_person": "4"}
    assert _stats_rows(sample, 2023, "zzz") == {"t3.new.natural_person": "5"}
    lines = (sample / "stats/2023.csv").read_text("utf-8").splitlines()
    assert lines[1].startswith("aaa,") and lines[-1].startswith("zzz,")
