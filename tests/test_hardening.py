"""Bad input and faults, as a hostile but realistic user makes them.

Every case writes its own small data directory, runs the command (in process through
``nianbao.cli.main``, or as ``build.py`` in a subprocess where the printed output matters) and
asserts the exit code, that no traceback is printed and that the message names the file (and
line, agency, year, cell where they exist).
"""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from datadir import agency_row, write_dataset, zero_report
from nianbao.batch.manifest import Manifest
from nianbao.batch.params import from_mapping
from nianbao.batch.runner import BuildOptions, build, plan_only
from nianbao.checks.validate import check
from nianbao.cli import main
from nianbao.data.dataset import load
from nianbao.errors import (
    OutputRefused,
    ParameterError,
    ParamsError,
    ReportBlocked,
    UnsafePathError,
)
from nianbao.files import guard_output_file, safe_child
from nianbao.paths import PROJECT_ROOT
from nianbao.region.spec import region_slug
from nianbao.report.document import prepare
from nianbao.run.execute import RunOutcome, run_report, write_outcome
from nianbao.run.targets import report_spec, summary_spec

BUILD = PROJECT_ROOT / "build.py"
NEW = "t3.new.natural_person"  # 一、本年新收政府信息公开申请数量·自然人


# ---------------------------------------------------------------- helpers


def dataset(root: Path, years=(2021,), agencies=None, **kw) -> Path:
    """Two consistent agencies (甲街道 aa, 乙镇 bb) of 测试区 for ``years``."""
    agencies = agencies or [agency_row("aa", "甲街道"), agency_row("bb", "乙镇", "乡镇")]
    stats = {y: {a["agency_id"]: zero_report(y) for a in agencies} for y in years}
    return write_dataset(root / "data", agencies, stats, **kw)


def cli(capsys, *args) -> tuple[int, str, str]:
    """``build.py`` in process: an exception would fail the test like a printed traceback."""
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def subprocess_cli(*args) -> subprocess.CompletedProcess:
    result = subprocess.run([sys.executable, str(BUILD), *map(str, args)], capture_output=True,
                            text=True, timeout=300)
    assert "Traceback" not in result.stdout + result.stderr, result.stderr
    return result


def set_cell(data: Path, year: int, agency: str, ref: str, value: str) -> int:
    """Replace one cell's value in stats/<year>.csv; returns its line number."""
    path = data / "stats" / f"{year}.csv"
    rows = list(csv.reader(path.read_text(encoding="utf-8").splitlines()))
    table, row, col = ref.split(".")
    number = next(n for n, r in enumerate(rows, start=1) if r[:4] == [agency, table, row, col])
    rows[number - 1][4] = value
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    return number


def set_answered(data: Path, year: int, agency: str, n: int | str,
                 result: str = "res_open") -> None:
    """``n`` new applications of natural persons, all answered with ``result``: consistent."""
    for row in ("new", result, "res_total"):
        for col in ("natural_person", "total"):
            set_cell(data, year, agency, f"t3.{row}.{col}", str(n))


def edit_text(data: Path, year: int, agency: str, old: str, new: str) -> Path:
    path = data / "text" / str(year) / f"{agency}.md"
    text = path.read_text("utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), "utf-8")
    return path


def findings(data: Path, rule: str, years=None, agencies=None):
    found = [f for f in check(load(data, years=years), agencies=agencies, years=years)
             if f.rule == rule]
    assert found, f"no {rule} finding"
    return found


def document_parts(doc, charts: bool = True) -> str:
    """Every part the report notebook displays, as HTML (what ``report`` renders); the charts
    draw only the format's labels and the numbers, so a property test may leave them out."""
    parts = [doc.title_block(), doc.preface(), *(doc.section(s) for s in
                                                ("s1", "s2", "s3", "s4", "s5", "s6")),
             doc.charts() if charts else "", doc.footer(), doc.review()]
    doc.metadata_bundle()
    return "\n".join(str(p) for p in parts)


# ---------------------------------------------------------------- security and loss


EVIL_IDS = ["../../../x", "../../2021/aa", "/etc", "a/b", "..", ".", "", "x\x00y", "A b",
            "aa/../../x", "名称"]


@pytest.mark.parametrize("evil", EVIL_IDS)
def test_report_spec_refuses_ids_that_are_not_slugs(tmp_path, evil):
    with pytest.raises(UnsafePathError) as exc:
        report_spec(evil, 2021, tmp_path, tmp_path / "out")
    assert "单位标识" in str(exc.value)


@given(st.text(max_size=30))
@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_no_output_path_leaves_the_output_folder(tmp_path, name):
    out = tmp_path / "out"
    for make in (lambda: report_spec(name, 2021, tmp_path, out),
                 lambda: summary_spec(name, 2021, tmp_path, out)):
        try:
            spec = make()
        except (UnsafePathError, ParameterError):
            continue
        paths = [*spec.outputs().values(), spec.failed_notebook(), spec.target_dir()]
        for path in paths:
            assert path.resolve().is_relative_to(out.resolve()), path
    try:
        path = safe_child(out, name, "report.html")
    except UnsafePathError:
        return
    assert path.resolve().is_relative_to(out.resolve())


def _registry_with(data: Path, evil: str, region: str = "测试区") -> None:
    """An agency with id ``evil`` in the registry, with statistics and a narrative."""
    with (data / "agencies.csv").open("a", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerow([evil, "测试区恶意街道办事处", "恶意", region, "街道", "", "", "",
                                 "", ""])
    with (data / "stats" / "2021.csv").open("a", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        for ref, value in zero_report(2021).items():
            writer.writerow([evil, *ref.split("."), value])


@pytest.mark.parametrize("evil", ["../../../x", "../../2021/aa"])
def test_batch_planner_keeps_every_path_in_the_output_folder(tmp_path, evil):
    data = dataset(tmp_path)
    _registry_with(data, evil)
    out = tmp_path / "build"
    by_region = tmp_path / "region.yaml"
    by_region.write_text("years: 2021\nregion: 测试区\nformats: [html]\n", "utf-8")
    plan = plan_only(BuildOptions(data_dir=data, out_dir=out, params=[by_region]))
    assert sorted(r.agency_id for r in plan.runs if r.kind == "report") == ["aa", "bb"]
    assert any(evil in n and "agencies.csv" in n for n in plan.notes)
    for run in plan.runs:
        for path in [*run.spec.outputs().values(), run.spec.failed_notebook()]:
            assert path.resolve().is_relative_to(out.resolve())
    by_list = tmp_path / "list.yaml"
    by_list.write_text(f"years: 2021\nagencies: [aa, '{evil}']\n", "utf-8")
    err = _Stream()
    report = build(BuildOptions(data_dir=data, out_dir=out, params=[by_list], dry_run=True),
                   out=_Stream(), err=err)
    assert report.exit_code == 2
    assert evil in err.text and "agencies.csv" in err.text
    assert not (tmp_path / "x").exists()


def test_region_slug_from_regions_csv_is_checked(tmp_path):
    data = dataset(tmp_path)
    (data / "regions.csv").write_text("region,slug\n测试区,../../x\n", "utf-8")
    with pytest.raises(ParameterError) as exc:
        region_slug("测试区", data)
    assert "regions.csv" in str(exc.value) and "第 2 行" in str(exc.value)
    plan_file = tmp_path / "p.yaml"
    plan_file.write_text("years: 2021\nregion: 测试区\n", "utf-8")
    err = _Stream()
    report = build(BuildOptions(data_dir=data, out_dir=tmp_path / "out", params=[plan_file],
                                dry_run=True), out=_Stream(), err=err)
    assert report.exit_code == 2 and "regions.csv" in err.text


def test_export_never_overwrites_an_input(tmp_path):
    data = dataset(tmp_path)
    stats = data / "stats" / "2021.csv"
    before = stats.read_bytes()
    result = subprocess_cli("export", "--data", data, "--year", 2021, "--xlsx", stats)
    assert result.returncode == 2
    assert "2021.csv" in result.stderr and ".xlsx" in result.stderr
    assert stats.read_bytes() == before
    inside = data / "stats" / "2021.xlsx"
    result = subprocess_cli("export", "--data", data, "--year", 2021, "--xlsx", inside)
    assert result.returncode == 2 and "数据目录" in result.stderr
    assert not inside.exists()


def test_export_onto_a_directory_or_a_read_only_folder(tmp_path, capsys):
    data = dataset(tmp_path)
    folder = tmp_path / "book.xlsx"
    folder.mkdir()
    code, _, err = cli(capsys, "export", "--data", data, "--year", 2021, "--xlsx", folder)
    assert code == 2 and "目录" in err and "book.xlsx" in err
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        # as root a mode does not stop writes; /sys is not writable even then
        target = next((d for d in (locked, Path("/sys")) if not _writable(d)), None)
        if target is None:
            pytest.skip("no folder here refuses writes")
        code, _, err = cli(capsys, "export", "--data", data, "--year", 2021, "--xlsx",
                           target / "a.xlsx")
        assert code == 2 and "无法写入" in err and str(target) in err
    finally:
        locked.chmod(0o700)


def _writable(folder: Path) -> bool:
    try:
        (folder / ".probe").write_text("")
    except OSError:
        return False
    (folder / ".probe").unlink()
    return True


def test_guard_refuses_files_of_another_kind(tmp_path):
    with pytest.raises(OutputRefused, match="扩展名"):
        guard_output_file(tmp_path / "a.csv", ".xlsx")
    assert guard_output_file(tmp_path / "a.XLSX", ".xlsx") == tmp_path / "a.XLSX"


def test_batch_refuses_an_output_folder_in_the_data_or_on_a_file(tmp_path):
    data = dataset(tmp_path)
    plan_file = tmp_path / "p.yaml"
    plan_file.write_text("years: 2021\nregion: 测试区\n", "utf-8")
    a_file = tmp_path / "out.txt"
    a_file.write_text("keep me", "utf-8")
    for out, needle in ((data / "build", "数据目录"), (data, "数据目录"), (a_file, "文件")):
        err = _Stream()
        report = build(BuildOptions(data_dir=data, out_dir=out, params=[plan_file]),
                       out=_Stream(), err=err)
        assert report.exit_code == 2 and needle in err.text and str(out) in err.text
    assert a_file.read_text("utf-8") == "keep me"
    assert not (data / "build").exists() and not (data / ".lock").exists()


def test_report_out_on_a_file_is_a_clear_failure_before_any_kernel(tmp_path, capsys):
    data = dataset(tmp_path)
    a_file = tmp_path / "out"
    a_file.write_text("keep me", "utf-8")
    code, _, err = cli(capsys, "report", "--data", data, "--agency", "aa", "--year", 2021,
                       "--out", a_file, "--formats", "html")
    assert code == 1 and "生成失败" in err and str(a_file) in err
    assert a_file.read_text("utf-8") == "keep me"


def test_an_unwritable_target_fails_that_report_only(tmp_path):
    """write_outcome turns a write error into the failure of this run (the batch goes on)."""
    out = tmp_path / "out"
    blocked = report_spec("aa", 2021, tmp_path, out, ("html",))
    fine = report_spec("bb", 2021, tmp_path, out, ("html",))
    (out / "2021").mkdir(parents=True)
    (out / "2021" / "aa").write_text("a file where the folder should be", "utf-8")
    files = {"ipynb": b"{}", "html": b"<html></html>"}
    result = write_outcome(blocked, RunOutcome(blocked.target, True, files=dict(files)))
    assert not result.ok and result.failure.category == "write"
    assert "无法写入" in result.reason and "2021/aa" in result.reason
    result = write_outcome(fine, RunOutcome(fine.target, True, files=dict(files)))
    assert result.ok and (out / "2021" / "bb" / "report.html").read_bytes() == files["html"]


# ---------------------------------------------------------------- CSV that cannot be tokenized


def test_row_with_an_extra_field_costs_that_row_only(tmp_path, capsys):
    data = dataset(tmp_path)
    path = data / "stats" / "2021.csv"
    lines = path.read_text("utf-8").splitlines()
    lines.insert(5, "aa,t2_1,normative_doc,issued,1,oops")
    path.write_text("\n".join(lines) + "\n", "utf-8")
    code, out, _ = cli(capsys, "check", "--data", data, "--year", 2021)
    assert code == 1
    assert "IN_malformed_row" in out and "2021.csv:6" in out and "6 个字段" in out
    ds = load(data)
    assert ds.has("aa", 2021) and ds.has("bb", 2021)
    prepare("bb", 2021, data)  # the other agency's report still builds


def test_row_with_a_missing_value_field_is_a_malformed_row(tmp_path):
    data = dataset(tmp_path)
    path = data / "stats" / "2021.csv"
    lines = path.read_text("utf-8").splitlines()
    number = next(i for i, line in enumerate(lines, start=1)
                  if line.startswith("aa,t3,new,natural_person,"))
    lines[number - 1] = "aa,t3,new,natural_person"
    path.write_text("\n".join(lines) + "\n", "utf-8")
    (f,) = findings(data, "IN_malformed_row")
    assert f.line == number and f.file.endswith("2021.csv") and f.agency_id == "aa"
    assert "4 个字段" in f.message
    assert not any(x.rule == "R6b_blank_cells" for x in check(load(data)))


def test_empty_stats_file(tmp_path, capsys):
    data = dataset(tmp_path)
    (data / "stats" / "2021.csv").write_text("", "utf-8")
    code, out, _ = cli(capsys, "check", "--data", data)
    assert code == 2 and "IN_empty_file" in out and "2021.csv" in out


def test_data_paths_that_are_directories(tmp_path, capsys):
    data = dataset(tmp_path)
    (data / "stats" / "2021.csv").unlink()
    (data / "stats" / "2021.csv").mkdir()
    code, out, _ = cli(capsys, "check", "--data", data)
    assert code == 2 and "目录" in out and "2021.csv" in out
    data = dataset(tmp_path / "b")
    (data / "text" / "2021" / "aa.md").unlink()
    (data / "text" / "2021" / "aa.md").mkdir()
    code, out, _ = cli(capsys, "check", "--data", data)
    assert code == 2 and "目录" in out and "aa.md" in out
    data = dataset(tmp_path / "c")
    (data / "deadlines.csv").mkdir()
    code, out, _ = cli(capsys, "check", "--data", data)
    assert code == 1 and "deadlines.csv" in out


def test_upper_case_extension_is_named(tmp_path, capsys):
    data = dataset(tmp_path, years=(2020, 2021))
    (data / "stats" / "2020.csv").rename(data / "stats" / "2020.CSV")
    code, out, _ = cli(capsys, "check", "--data", data, "--year", 2021)
    assert "IN_file_name" in out and "2020.CSV" in out and "2020.csv" in out
    assert "结转" in out
    review = str(prepare("aa", 2021, data).review())
    assert "不适用" in review and "2020.CSV" in review


# ---------------------------------------------------------------- what check passes, report builds


def test_missing_fee_figures_are_a_check_error_and_visibly_marked(tmp_path):
    data = dataset(tmp_path)
    path = edit_text(data, 2021, "aa", "fee_collected_yuan: 0\n", "")
    (f,) = findings(data, "R_fee_figures")
    assert f.severity == "error" and f.agency_id == "aa" and f.year == 2021
    assert "fee_collected_yuan" in f.message and f.file.endswith("2021/aa.md")
    html = document_parts(prepare("aa", 2021, data))
    assert 'class="missing-statement"' in html and "fee_collected_yuan" in html
    with pytest.raises(ReportBlocked, match="R_fee_figures"):
        prepare("aa", 2021, data, profile="publish")
    assert path.exists()


def test_all_fee_figures_missing_with_fee_dropped_applications(tmp_path):
    data = dataset(tmp_path)
    for key in ("fee_notices_issued", "fee_notices_amount_yuan", "fee_collected_yuan"):
        edit_text(data, 2021, "aa", f"{key}: 0\n", "")
    assert not [f for f in check(load(data)) if f.rule == "R_fee_figures"]  # "no fee" is true
    set_answered(data, 2021, "aa", 1, result="res_other_no_fee")
    (f,) = findings(data, "R_fee_figures")
    assert "逾期未按收费通知要求缴纳费用" in f.message
    assert 'class="missing-statement"' in document_parts(prepare("aa", 2021, data))


@pytest.mark.parametrize(("value", "needle"), [
    ("inf", "不是有限的数"), ("1e400", "不是有限的数"), ("nan", "不是有限的数"),
    ("100000000000000000000", "超出合理范围"), ("1.5", "应为整数"), ("-3", "不能为负数"),
    ("三", "不是数字"),
])
def test_values_report_cannot_render_are_rejected(tmp_path, value, needle):
    data = dataset(tmp_path)
    line = set_cell(data, 2021, "aa", NEW, value)
    found = [f for f in findings(data, "R6_types") if f.cells == [NEW]]
    assert len(found) == 1
    f = found[0]
    assert needle in f.message and f.severity == "error"
    assert f.line == line and f.file.endswith("2021.csv") and f.agency_id == "aa"
    assert f.labels == ["一、本年新收政府信息公开申请数量·自然人"] and f.labels[0] in f.message


def test_a_huge_but_consistent_count_is_rejected(tmp_path):
    data = dataset(tmp_path)
    set_answered(data, 2021, "aa", 10**20)
    found = check(load(data))
    assert {f.rule for f in found if f.severity == "error"} == {"R6_types"}
    assert all("超出合理范围" in f.message for f in found if f.rule == "R6_types")


@pytest.mark.parametrize(("old", "new", "needle", "line"), [
    ("fee_collected_yuan: 0", "fee_collected_yuan: .nan", "有限", 5),
    ("fee_collected_yuan: 0", "fee_collected_yuan: .inf", "有限", 5),
    ("fee_collected_yuan: 0", "fee_collected_yuan: 1.0e+400", "有限", 5),
    ("fee_notices_amount_yuan: 0", "fee_notices_amount_yuan: 99999999999999999999", "合理范围",
     4),
    ("fee_notices_issued: 0", "fee_notices_issued: 1.5", "整数", 3),
    ("published: 2022-01-20", "published: 2022-01-20 10:30:00", "不带时间", 2),
    ("published: 2022-01-20", "published: 2021-06-01", "不可能", 2),
    ("published: 2022-01-20", "published: 2030-01-20", "不可能", 2),
])
def test_front_matter_values_report_cannot_use(tmp_path, capsys, old, new, needle, line):
    data = dataset(tmp_path)
    edit_text(data, 2021, "aa", old, new)
    found = [f for f in findings(data, "IN_front_matter") if needle in f.message]
    assert len(found) == 1 and found[0].line == line and found[0].file.endswith("2021/aa.md")
    assert found[0].agency_id == "aa" and found[0].year == 2021
    code, out, _ = cli(capsys, "check", "--data", data)
    assert code == 1 and "2021/aa.md" in out
    document_parts(prepare("aa", 2021, data))  # review still renders


@pytest.mark.parametrize(("content", "needle", "line"), [
    ("region,kind,deadline\n测试区,街道,2月15日\n", "MM-DD", 2),
    ("region,kind,deadline\n测试区,街道,2023-02-15\n", "MM-DD", 2),
    ("region,kind,deadline\n测试区,街道,02-30\n", "不是每年都有", 2),
    ("region,kind,deadline\n测试区,部门,02-15\n", "街道、乡镇", 2),
    ("region,deadline\n测试区,02-15\n", "表头", 1),
    ("region,kind,deadline\n测试区,街道\n", "字段", 2),
])
def test_bad_deadlines_file(tmp_path, capsys, content, needle, line):
    data = dataset(tmp_path)
    (data / "deadlines.csv").write_text(content, "utf-8")
    code, out, _ = cli(capsys, "check", "--data", data)
    assert code == 1 and needle in out and f"deadlines.csv:{line}" in out


def test_deadlines_file_is_used(tmp_path):
    data = dataset(tmp_path)
    edit_text(data, 2021, "aa", "published: 2022-01-20", "published: 2022-02-10")
    assert any(f.rule == "R11_local_deadlines" for f in check(load(data)))
    (data / "deadlines.csv").write_text("region,kind,deadline\n测试区,街道,02-15\n", "utf-8")
    assert not any(f.rule.startswith(("R11", "IN_")) for f in check(load(data)))


@pytest.mark.parametrize("name", ["$x^2$ 街道", "收费$5 街道", r"\$ 和 $$ 街道", "a_b^c{d} $"])
def test_names_that_renderers_interpret(tmp_path, name):
    from nianbao.region.document import prepare_summary

    agencies = [dict(agency_row("aa", "甲街道"), name=name, short_name=name),
                agency_row("bb", "乙镇", "乡镇")]
    data = dataset(tmp_path, years=(2020, 2021), agencies=agencies)
    for agency in ("aa", "bb"):
        set_answered(data, 2021, agency, 3)
    html = document_parts(prepare("aa", 2021, data))
    assert "$" in html
    summary = prepare_summary("测试区", 2021, data)
    parts = [summary.title_block(), summary.preface(), summary.overview(),
             summary.section("s3"), summary.results_chart(), summary.comparison(),
             summary.comparison_charts(), summary.validation()]
    assert all(str(p) for p in parts)


def test_manifest_of_the_wrong_shape_is_ignored(tmp_path):
    for content in ('{"version": 1, "runs": [1, 2]}', '{"version": 1, "runs": {"2021/aa": 3}}',
                    '{"version": 1, "runs": {"2021/aa": {"key": "k", "failure": "x"}}}',
                    '{"version": 1, "runs": {"2021/aa": {"key": "k", "outputs": [1]}}}',
                    '{"version": 1, "runs": {}, "extra": []}', "[]", "3"):
        (tmp_path / ".manifest.json").write_text(content, "utf-8")
        manifest = Manifest.load(tmp_path)
        assert manifest.runs == {} and manifest.extra == {}
        assert not manifest.freshness("2021/aa", "k", {}).skip


def test_manifest_of_the_wrong_shape_in_a_build(tmp_path):
    data = dataset(tmp_path)
    out = tmp_path / "build"
    out.mkdir()
    (out / ".manifest.json").write_text('{"version": 1, "runs": {"2021/aa": "x"}}', "utf-8")
    plan_file = tmp_path / "p.yaml"
    plan_file.write_text("years: 2021\nregion: 测试区\n", "utf-8")
    sink = _Stream()
    report = build(BuildOptions(data_dir=data, out_dir=out, params=[plan_file], dry_run=True),
                   out=sink, err=_Stream())
    assert report.exit_code == 0 and "需要生成" in sink.text


@pytest.mark.parametrize("timeout", [".inf", ".nan", "-1", "0", "1e400", "true", "'600'"])
def test_batch_timeout_must_be_a_finite_positive_number(tmp_path, timeout):
    import yaml

    data = yaml.safe_load(f"years: 2021\nregion: 测试区\ntimeout: {timeout}\n")
    with pytest.raises(ParamsError, match="timeout"):
        from_mapping(data, "p", tmp_path / "p.yaml")


# ---------------------------------------------------------------- silently wrong


@pytest.mark.parametrize(("year", "ref", "value", "unit"), [
    (2021, "t2_8.admin_fee.fee_amount", "5000元", "元"),
    (2021, NEW, "3万元", "万元"),
    (2020, "t2_9.central_procurement.procurement_amount", "3件", "件"),
    (2020, NEW, "3元", "元"),
])
def test_a_unit_that_does_not_match_the_column(tmp_path, year, ref, value, unit):
    data = dataset(tmp_path, years=(year,))
    line = set_cell(data, year, "aa", ref, value)
    found = [f for f in findings(data, "R6_types") if f.cells == [ref]]
    assert len(found) == 1 and f"单位“{unit}”" in found[0].message
    assert found[0].line == line and found[0].labels[0] in found[0].message


def test_units_that_match_are_accepted(tmp_path):
    data = dataset(tmp_path, years=(2020, 2021))
    set_cell(data, 2021, "aa", "t2_8.admin_fee.fee_amount", "0万元")
    set_cell(data, 2020, "aa", "t2_9.central_procurement.procurement_amount", "1,200.50元")
    set_cell(data, 2021, "aa", "t2_1.normative_doc.issued", "0件")
    assert not [f for f in check(load(data)) if f.rule == "R6_types"]


def test_an_agency_without_a_region_is_named_in_a_region_batch(tmp_path):
    agencies = [agency_row("aa", "甲街道"), dict(agency_row("bb", "乙镇", "乡镇"), region="")]
    data = dataset(tmp_path, agencies=agencies)
    plan_file = tmp_path / "p.yaml"
    plan_file.write_text("years: 2021\nregion: 测试区\n", "utf-8")
    err = _Stream()
    build(BuildOptions(data_dir=data, out_dir=tmp_path / "out", params=[plan_file],
                       dry_run=True), out=_Stream(), err=err)
    assert "乙镇" in err.text and "bb" in err.text and "未填写地区" in err.text


def test_markdown_tables_in_the_narrative_are_rendered(tmp_path):
    table = "\n\n| 事项 | 件数 |\n| --- | --- |\n| 公开<b>目录</b> | 3 |\n"
    data = dataset(tmp_path)
    heading = "## 存在的主要问题及改进情况\n"
    edit_text(data, 2021, "aa", heading, heading + table)
    html = str(prepare("aa", 2021, data).section("s5"))
    assert "<table>" in html and "<td>3</td>" in html and "| --- |" not in html
    assert "<b>" not in html  # raw HTML stays text


def test_check_of_a_year_without_data(tmp_path, capsys):
    data = dataset(tmp_path)
    code, out, _ = cli(capsys, "check", "--data", data, "--year", 1999)
    assert code != 0 and "IN_no_data" in out and "1999" in out and "2021" in out
    assert "错误 0 项" not in out


# ---------------------------------------------------------------- unclear messages


def test_gbk_file_that_decodes_as_utf8_gets_an_encoding_hint(tmp_path):
    data = dataset(tmp_path, years=(2020,))
    ref = "t2_9.central_procurement.procurement_amount"
    set_cell(data, 2020, "aa", ref, "5000元")
    path = data / "stats" / "2020.csv"
    raw = path.read_text("utf-8").encode("gbk")
    raw.decode("utf-8")  # the premise: these GBK bytes are valid UTF-8 too
    path.write_bytes(raw)
    (f,) = [f for f in findings(data, "R6_types") if f.cells == [ref]]
    assert "GBK" in f.message and "5000元" in f.message and "2020.csv" in f.message


@pytest.mark.parametrize(("edit", "needle"), [
    (lambda t: t.replace("测试区甲街道办事处", ""), "单位全称"),
    (lambda t: t.replace(",测试区,街道,", ",测试区,社区,", 1), "单位类型"),
    (lambda t: t.replace("aa,", "AA,", 1), None),
    (lambda t: t.replace("测试区甲街道办事处", '"测试区\n甲街道办事处"'), "控制字符"),
])
def test_report_names_the_real_registry_problem(tmp_path, capsys, edit, needle):
    data = dataset(tmp_path)
    path = data / "agencies.csv"
    path.write_text(edit(path.read_text("utf-8")), "utf-8")
    code, _, err = cli(capsys, "report", "--data", data, "--agency", "aa", "--year", 2021,
                       "--out", tmp_path / "out")
    assert code == 2 and "agencies.csv" in err
    if needle:
        assert needle in err and "agencies.csv:2" in err
    else:
        assert "不在单位名录" in err


def test_report_names_a_registry_in_the_wrong_encoding(tmp_path, capsys):
    data = dataset(tmp_path)
    path = data / "agencies.csv"
    path.write_bytes(path.read_text("utf-8").encode("gbk"))
    code, _, err = cli(capsys, "report", "--data", data, "--agency", "aa", "--year", 2021,
                       "--out", tmp_path / "out")
    assert code == 2 and "GBK" in err and "agencies.csv" in err


# ---------------------------------------------------------------- generated bad input


BAD_VALUES = st.sampled_from(["", "-", "abc", "1e400", "inf", "nan", "-1", "2.5", "3件", "3元",
                              "5000元", "0.5万元", "1,000", "100000000000", "１２", "0x10",
                              "1e3", " 7 ", "——", "3项", "1_000"])
BAD_FRONT = st.sampled_from([
    ("fee_collected_yuan: 0\n", ""), ("fee_notices_issued: 0", "fee_notices_issued: .inf"),
    ("fee_notices_issued: 0", "fee_notices_issued: 2.5"),
    ("fee_notices_amount_yuan: 0", "fee_notices_amount_yuan: -1"),
    ("fee_notices_amount_yuan: 0", "fee_notices_amount_yuan: 一百"),
    ("fee_collected_yuan: 0", "fee_collected_yuan: [1, 2]"),
    ("fee_collected_yuan: 0", "fee_collected_yuan: 1e400"),
    ("published: 2022-01-20", "published: 2022-01-20T08:00:00"),
    ("published: 2022-01-20", "published: 2022-02-30"),
    ("published: 2022-01-20", "published: 20220120"),
    ("published: 2022-01-20", "published: 2019-01-20"),
    ("published: 2022-01-20", "published: '2022-01-20'"),
    ("published: 2022-01-20", "published: .nan"),
    ("---\n## 总体情况", "## 总体情况"),
    ("## 总体情况", "## 总体情况\n\n| a | b |\n|---|---|\n| $x$ | 1 |"),
    ("## 总体情况", "## 概况"),
    ("---\npublished", "---\n: [\npublished"),
])


@st.composite
def bad_dataset(draw):
    """Bad cells anywhere (either agency, F2019 or F2021), bad front matter, odd names."""
    cells = []
    for _ in range(draw(st.integers(0, 4))):
        agency, year = draw(st.sampled_from(["aa", "bb"])), draw(st.sampled_from([2020, 2021]))
        ref = draw(st.sampled_from(sorted(zero_report(year))))
        cells.append((agency, year, ref, draw(BAD_VALUES)))
    fronts = draw(st.lists(st.tuples(st.sampled_from(["aa", "bb"]), BAD_FRONT), max_size=2,
                           unique=True))
    name = draw(st.sampled_from(["测试区甲街道办事处", "$甲$街道", "甲<b>街道</b>", "甲\\街道",
                                 "${x}_1^2 街道"]))
    return cells, fronts, name


def _write_bad(root: Path, case) -> Path:
    cells, fronts, name = case
    agencies = [dict(agency_row("aa", "甲街道"), name=name, short_name=name),
                agency_row("bb", "乙镇", "乡镇")]
    data = dataset(root, years=(2020, 2021), agencies=agencies)
    for agency, year, ref, value in cells:
        set_cell(data, year, agency, ref, value)
    for agency, (old, new) in fronts:
        path = data / "text" / "2021" / f"{agency}.md"
        path.write_text(path.read_text("utf-8").replace(old, new, 1), "utf-8")
    return data


def _has_errors(found, agency: str, year: int) -> bool:
    """What the publish gate counts: errors of this agency-year and of the whole data."""
    return any(f.severity == "error" and f.agency_id in (agency, None) and f.year in (year, None)
               for f in found)


def _check_then_build(data: Path, agency_years) -> None:
    ds = load(data)
    found = check(ds)  # no exception is the first property
    for f in found:
        assert f.message and (f.file or f.rule.startswith("R")), f
    for agency, year in agency_years:
        if not ds.has(agency, year):  # e.g. a malformed row: then check says why
            assert _has_errors(found, agency, year)
            continue
        if not _has_errors(found, agency, year):
            document_parts(prepare(agency, year, data, profile="publish"), charts=False)
        else:  # review renders, errors listed
            document_parts(prepare(agency, year, data), charts=False)
            with pytest.raises(ReportBlocked):
                prepare(agency, year, data, profile="publish")


@given(bad_dataset())
@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
def test_check_never_crashes_and_what_it_passes_report_builds(tmp_path_factory, case):
    _check_then_build(_write_bad(tmp_path_factory.mktemp("bad"), case), [("aa", 2021)])


@pytest.mark.slow
@given(bad_dataset())
@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
def test_for_every_agency_year_what_check_passes_report_builds(tmp_path_factory, case):
    _check_then_build(_write_bad(tmp_path_factory.mktemp("bad"), case),
                      [("aa", 2020), ("aa", 2021), ("bb", 2020), ("bb", 2021)])


@pytest.mark.slow
@given(bad_dataset())
@settings(max_examples=3, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
def test_what_check_passes_the_notebook_builds(tmp_path_factory, case):
    root = tmp_path_factory.mktemp("bad")
    data = _write_bad(root, case)
    profile = "review" if _has_errors(check(load(data)), "aa", 2021) else "publish"
    result = run_report(report_spec("aa", 2021, data, root / "out", ("html",), profile))
    assert result.ok, result.reason
    html = Path(result.outputs["html"]).read_text("utf-8")
    assert "年政府信息公开工作年度报告" in html


@pytest.mark.slow
def test_batch_goes_on_when_one_report_cannot_be_written(tmp_path):
    data = dataset(tmp_path)
    out = tmp_path / "build"
    (out / "2021").mkdir(parents=True)
    (out / "2021" / "aa").write_text("a file where the folder should be", "utf-8")
    plan_file = tmp_path / "p.yaml"
    plan_file.write_text("years: 2021\nagencies: [aa, bb]\nformats: [html]\n", "utf-8")
    sink = _Stream()
    report = build(BuildOptions(data_dir=data, out_dir=out, params=[plan_file], jobs=1,
                                quiet=True), out=sink, err=_Stream())
    assert report.exit_code == 1
    assert list(report.failed) == ["2021/aa"]
    assert "无法写入" in report.failed["2021/aa"]["failure"]["reason"]
    assert (out / "2021" / "bb" / "report.html").exists()
    assert "甲街道（aa）2021 年度" in sink.text


@pytest.mark.slow
def test_review_report_with_missing_fee_figures_builds_marked(tmp_path):
    data = dataset(tmp_path)
    edit_text(data, 2021, "aa", "fee_collected_yuan: 0\n", "")
    result = run_report(report_spec("aa", 2021, data, tmp_path / "out", ("html",)))
    assert result.ok, result.reason
    html = Path(result.outputs["html"]).read_text("utf-8")
    assert "missing-statement" in html and "fee_collected_yuan" in html
    result = subprocess_cli("report", "--data", data, "--agency", "aa", "--year", 2021,
                            "--profile", "publish", "--out", tmp_path / "pub")
    assert result.returncode == 1 and "R_fee_figures" in result.stderr


class _Stream:
    """A text stream that keeps what was written (for build's console)."""

    def __init__(self) -> None:
        self.parts: list[str] = []

    def write(self, text: str) -> int:
        self.parts.append(text)
        return len(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False

    @property
    def text(self) -> str:
        return "".join(self.parts)



@pytest.mark.parametrize("damage", ["empty", "header", "gbk", "directory"])
def test_one_bad_statistics_file_does_not_stop_the_other_years(tmp_path, damage):
    data = dataset(tmp_path, years=(2020, 2021))
    path = data / "stats" / "2021.csv"
    if damage == "empty":
        path.write_text("", "utf-8")
    elif damage == "header":
        path.write_text("单位,表,行,列,值\n", "utf-8")
    elif damage == "gbk":
        path.write_bytes(path.read_text("utf-8").replace("aa,", "甲,", 1).encode("gbk"))
    else:
        path.unlink()
        path.mkdir()
    plan_file = tmp_path / "p.yaml"
    plan_file.write_text("years: 2020-2021\nregion: 测试区\n", "utf-8")
    err = _Stream()
    plan = plan_only(BuildOptions(data_dir=data, out_dir=tmp_path / "out",
                                  params=[plan_file]))
    assert {r.target for r in plan.runs if r.year == 2020} >= {"2020/aa", "2020/bb"}
    assert plan.unreadable and "2021.csv" in plan.unreadable[0]
    report = build(BuildOptions(data_dir=data, out_dir=tmp_path / "out", params=[plan_file],
                                dry_run=True), out=_Stream(), err=err)
    assert report.exit_code == 0 and "2021.csv" in err.text


@pytest.mark.parametrize("damage", ["empty", "directory", "registry"])
def test_export_and_summary_of_unreadable_data(tmp_path, capsys, damage):
    data = dataset(tmp_path)
    path = data / ("agencies.csv" if damage == "registry" else "stats/2021.csv")
    if damage == "empty":
        path.write_text("", "utf-8")
    else:
        path.unlink()
        path.mkdir()
    book = tmp_path / "a.xlsx"
    code, _, err = cli(capsys, "export", "--data", data, "--year", 2021, "--xlsx", book)
    assert code == 2 and path.name in err and not book.exists()
    code, _, err = cli(capsys, "summary", "--data", data, "--year", 2021, "--region", "测试区",
                       "--out", tmp_path / "out")
    assert code == 2 and path.name in err
    assert not (tmp_path / "out").exists()


def test_report_and_summary_refuse_an_output_folder_in_the_data(tmp_path, capsys):
    data = dataset(tmp_path)
    for args in (("report", "--agency", "aa"), ("summary", "--region", "测试区")):
        code, _, err = cli(capsys, *args, "--data", data, "--year", 2021, "--out",
                           data / "build", "--formats", "html")
        assert code == 1 and "数据目录" in err and str(data / "build") in err
    assert not (data / "build").exists() and not (data / "_failed").exists()


@pytest.mark.parametrize(("code", "needle"), [(28, "磁盘已满"), (30, "只读"), (13, "没有写入权限"),
                                              (20, "同名文件")])
def test_write_errors_are_described_with_the_path(code, needle):
    from nianbao.files import describe_os_error

    text = describe_os_error(OSError(code, "raw", "/srv/build/2021/aa/report.pdf"))
    assert needle in text and "/srv/build/2021/aa/report.pdf" in text
