"""One data slice: the report's provenance, the batch planner and the region summary hash the
same inputs, so they change together, ignore row order and ignore other agencies' data."""

from __future__ import annotations

import pytest

from datadir import agency_row, write_dataset, zero_report
from nianbao.batch.plan import input_key
from nianbao.batch.scan import scan
from nianbao.data.dataset import load
from nianbao.data.fingerprint import agency_fingerprint, read_raw, region_fingerprint
from nianbao.region.data import load_region
from nianbao.region.data import region_fingerprint as summary_fingerprint
from nianbao.report.provenance import data_fingerprint
from nianbao.run.targets import report_spec

REGION = "测试区"
AGENCIES = [agency_row("a1", "甲街道"), agency_row("b2", "乙街道"),
            agency_row("c3", "丙镇", kind="乡镇", region="别的区")]
YEARS = (2021, 2022)


@pytest.fixture
def data(tmp_path):
    stats = {y: {a["agency_id"]: zero_report(y) for a in AGENCIES} for y in YEARS}
    stats[2022]["a1"]["t3.new.natural_person"] = 1
    stats[2022]["a1"]["t3.res_open.natural_person"] = 1
    for ref in ("t3.new.total", "t3.res_open.total", "t3.res_total.natural_person",
                "t3.res_total.total"):
        stats[2022]["a1"][ref] = 1
    return write_dataset(tmp_path / "data", AGENCIES, stats)


def digests(root) -> dict[str, str]:
    """Every view of the slices of a1-2022 and of the region-year 测试区-2022."""
    ds = load(root)
    planner = scan(root)
    spec = report_spec("a1", 2022, root, root.parent / "out", ("html",))
    return {
        "provenance": data_fingerprint(ds, "a1", 2022),
        "planner": planner.fingerprint("a1", 2022),
        "direct": agency_fingerprint(root, "a1", 2022),
        "input_key": input_key(spec, planner.fingerprint("a1", 2022)),
        "region_summary": summary_fingerprint(load_region(REGION, 2022, root)),
        "region_planner": planner.region_fingerprint(REGION, 2022),
        "region_direct": region_fingerprint(root, REGION, 2022),
    }


def test_all_views_hash_the_same_slice(data):
    d = digests(data)
    assert d["provenance"] == d["planner"] == d["direct"]
    assert d["region_summary"] == d["region_planner"] == d["region_direct"]
    assert d["provenance"] != d["region_summary"]


def edit_cell(root, year, agency, ref, value):
    path = root / "stats" / f"{year}.csv"
    table, row, col = ref.split(".")
    lines = path.read_text(encoding="utf-8").splitlines()
    prefix = f"{agency},{table},{row},{col},"
    hits = [i for i, line in enumerate(lines) if line.startswith(prefix)]
    assert len(hits) == 1
    lines[hits[0]] = prefix + str(value)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def append_text(root, year, agency, extra="\n补充说明。\n"):
    path = root / "text" / str(year) / f"{agency}.md"
    path.write_text(path.read_text(encoding="utf-8") + extra, encoding="utf-8")


RELEVANT = {
    "this year's cell": lambda r: edit_cell(r, 2022, "a1", "t2_1.regulation.issued", 3),
    "an earlier year's cell": lambda r: edit_cell(r, 2021, "a1", "t2_1.regulation.issued", 2),
    "this year's text": lambda r: append_text(r, 2022, "a1"),
    "last year's text": lambda r: append_text(r, 2021, "a1"),
    "the registry row": lambda r: (r / "agencies.csv").write_text(
        (r / "agencies.csv").read_text(encoding="utf-8").replace("甲街道", "甲街"), "utf-8"),
    "deadlines.csv": lambda r: (r / "deadlines.csv").write_text(
        "region,kind,deadline\n测试区,街道,02-15\n", encoding="utf-8"),
}


@pytest.mark.parametrize("change", list(RELEVANT))
def test_a_relevant_change_changes_every_view_together(data, change):
    before = digests(data)
    RELEVANT[change](data)
    after = digests(data)
    changed = {k for k in before if before[k] != after[k]}
    assert changed == set(before), change
    assert after["provenance"] == after["planner"] == after["direct"]
    assert after["region_summary"] == after["region_planner"] == after["region_direct"]


IRRELEVANT = {
    "another agency of another region": lambda r: edit_cell(
        r, 2022, "c3", "t2_1.regulation.issued", 4),
    "another agency's text": lambda r: append_text(r, 2022, "c3"),
    "a later year": lambda r: (r / "stats" / "2023.csv").write_text(
        "agency_id,table,row,col,value\na1,t2_1,regulation,issued,1\n", encoding="utf-8"),
}


@pytest.mark.parametrize("change", list(IRRELEVANT))
def test_other_data_changes_nothing(data, change):
    before = digests(data)
    IRRELEVANT[change](data)
    after = digests(data)
    for view in ("provenance", "planner", "direct", "region_summary", "region_planner"):
        assert after[view] == before[view], (change, view)


def test_same_region_neighbour_changes_the_region_but_not_the_agency(data):
    before = digests(data)
    edit_cell(data, 2022, "b2", "t2_1.regulation.issued", 5)
    after = digests(data)
    assert after["provenance"] == before["provenance"]
    assert after["planner"] == before["planner"]
    assert after["region_summary"] != before["region_summary"]
    assert after["region_summary"] == after["region_planner"]


def test_row_order_does_not_matter(data):
    before = digests(data)
    for path in [*sorted((data / "stats").glob("*.csv")), data / "agencies.csv"]:
        header, *rows = path.read_text(encoding="utf-8").splitlines()
        path.write_text("\n".join([header, *reversed(rows)]) + "\n", encoding="utf-8")
    assert digests(data) == before


def test_quoted_and_crlf_files_read_the_same_as_plain_ones(data):
    before = read_raw(data).fingerprint("a1", 2022)
    path = data / "stats" / "2022.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    quoted = [lines[0]] + [
        ",".join(f'"{v}"' for v in line.split(",")) if line.startswith("a1,") else line
        for line in lines[1:]]
    path.write_text("\r\n".join(quoted) + "\r\n", encoding="utf-8")
    assert agency_fingerprint(data, "a1", 2022) == before
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    assert agency_fingerprint(data, "a1", 2022) == before


def test_reading_a_few_agencies_gives_the_full_reads_digests(data):
    full = read_raw(data)
    few = read_raw(data, ["b2", "a1"])
    assert set(few.agencies) == {"a1", "b2"}
    for agency in ("a1", "b2"):
        for year in (*YEARS, 2023):
            assert few.fingerprint(agency, year) == full.fingerprint(agency, year)
    assert few.region_fingerprint(REGION, 2022) == full.region_fingerprint(REGION, 2022)
