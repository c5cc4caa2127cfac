"""Tests of the synthetic data generator and of the committed sample data.

Consistency is checked with independent arithmetic (pandas groupby on the written cells), not
with the package's validator, so that the two can be tested against each other.
"""

from __future__ import annotations

import datetime as dt
import difflib
import filecmp
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nianbao.formats.spec import format_for_year
from nianbao.testing import synth

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
APPLICANTS = list(synth.APPLICANT_COLUMNS)
T4_GROUPS = ("rev", "lit_direct", "lit_after_rev")
ITEM_ROWS = [
    ("t2_5", "admin_license"), ("t2_5", "other_external_service"),
    ("t2_6", "admin_penalty"), ("t2_6", "admin_coercion"), ("t2_8", "admin_fee"),
]


# --- reading ---------------------------------------------------------------------------------


def read_dir(root: Path) -> tuple[pd.DataFrame, pd.DataFrame, dict[tuple[int, str], str]]:
    """agencies, stats (with year and numeric value; NaN = blank) and texts of a data folder."""
    agencies = pd.read_csv(root / "agencies.csv", dtype=str, keep_default_na=False)
    frames = []
    for path in sorted((root / "stats").glob("*.csv")):
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        frame.insert(1, "year", int(path.stem))
        frames.append(frame)
    stats = pd.concat(frames, ignore_index=True)
    stats["text"] = stats["value"]
    stats["value"] = pd.to_numeric(
        stats["value"].str.removesuffix("元").replace("", np.nan), errors="raise"
    )
    texts = {
        (int(p.parent.name), p.stem): p.read_text("utf-8")
        for p in sorted((root / "text").glob("*/*.md"))
    }
    return agencies, stats, texts


def plain(stats: pd.DataFrame) -> pd.DataFrame:
    """stats with plain string ids and float values, whatever dtypes the producer used."""
    out = stats.loc[:, ["agency_id", "year", "table", "row", "col", "value"]].copy()
    for name in ("agency_id", "table", "row", "col"):
        out[name] = out[name].astype(str)
    out["value"] = out["value"].astype(float)
    return out


def front_matter(text: str) -> dict:
    match = re.match(r"---\n(.*?)\n---\n", text, re.S)
    assert match, "narrative has no front matter"
    return yaml.safe_load(match.group(1))


def sections(text: str) -> dict[str, str]:
    """The bodies under the ``##`` headings, keyed by heading."""
    body = re.sub(r"\A---\n.*?\n---\n", "", text, flags=re.S)
    parts = re.split(r"^## (.+)$", body, flags=re.M)
    return {parts[i].strip(): parts[i + 1].strip() for i in range(1, len(parts), 2)}


# --- consistency checks (independent arithmetic) -----------------------------------------------


def cells(stats: pd.DataFrame, table: str) -> pd.DataFrame:
    """One table as wide rows: index (agency_id, year, row), one column per col id."""
    part = stats[stats["table"] == table]
    return part.pivot_table(
        index=["agency_id", "year", "row"], columns="col", values="value",
        aggfunc="sum", dropna=False,
    ).fillna(0)


def check_complete(stats: pd.DataFrame) -> None:
    """Every cell of the year's format, once, for every agency-year; nothing else."""
    for (agency, year), group in stats.groupby(["agency_id", "year"]):
        refs = (group["table"] + "." + group["row"] + "." + group["col"]).tolist()
        expected = format_for_year(int(year)).cell_refs()
        assert refs == expected, f"{agency} {year}: cells missing, extra or out of order"


def check_t3(stats: pd.DataFrame) -> None:
    """R1 (per column), R2 (per column) and R3 (per row) of table 三."""
    t3 = cells(stats, "t3")
    rows = t3.index.get_level_values("row")
    by_row = {r: t3[rows == r].droplevel("row") for r in ("new", "carry_in", "res_total",
                                                          "carry_out")}
    r1 = by_row["new"] + by_row["carry_in"] - by_row["res_total"] - by_row["carry_out"]
    assert (r1 == 0).all().all(), f"R1 fails:\n{r1[(r1 != 0).any(axis=1)]}"
    results = t3[rows.str.startswith("res_") & (rows != "res_total")]
    r2 = results.groupby(level=["agency_id", "year"]).sum() - by_row["res_total"]
    assert (r2 == 0).all().all(), f"R2 fails:\n{r2[(r2 != 0).any(axis=1)]}"
    r3 = t3[APPLICANTS].sum(axis=1) - t3["total"]
    assert (r3 == 0).all(), f"R3 fails:\n{r3[r3 != 0]}"


def check_t4(stats: pd.DataFrame) -> None:
    """R4: each 总计 of table 四 is the sum of its four outcomes."""
    t4 = cells(stats, "t4")
    for g in T4_GROUPS:
        parts = t4[[f"{g}_upheld", f"{g}_corrected", f"{g}_other", f"{g}_pending"]].sum(axis=1)
        assert (parts == t4[f"{g}_total"]).all(), f"R4 fails for {g}"


def check_types(stats: pd.DataFrame, allow_blank: bool = False) -> None:
    """R6: non-negative integers (items_change may be negative, two cells decimal); no blanks."""
    if not allow_blank:
        assert not stats["value"].isna().any(), "blank cells"
    values = stats.dropna(subset=["value"])
    signed = values["col"] == "items_change"
    assert (values.loc[~signed, "value"] >= 0).all(), "negative counts"
    decimal = values["col"].isin(["fee_amount", "procurement_amount"])
    whole = values.loc[~decimal, "value"]
    assert (whole == whole.round()).all(), "non-integer counts"


def check_items(stats: pd.DataFrame) -> None:
    """R7b (current items ≥ 0) and R7c (item continuity between consecutive F2019 years)."""
    f2019 = stats[stats["year"] <= 2020]
    if f2019.empty:
        return
    for table, row in ITEM_ROWS:
        part = f2019[(f2019["table"] == table) & (f2019["row"] == row)]
        wide = part.pivot_table(index=["agency_id", "year"], columns="col", values="value")
        current = wide["prev_items"] + wide["items_change"]
        assert (current >= 0).all(), f"R7b fails for {table}.{row}"
        now = wide["prev_items"].rename("now").reset_index()
        before = current.rename("before").reset_index()
        before["year"] += 1
        joined = now.merge(before, on=["agency_id", "year"])
        assert (joined["now"] == joined["before"]).all(), f"R7c fails for {table}.{row}"


def check_carry_over(stats: pd.DataFrame) -> None:
    """R5: carry_in of year N equals carry_out of year N−1, per column, same agency."""
    t3 = stats[stats["table"] == "t3"]
    carry_in = t3[t3["row"] == "carry_in"][["agency_id", "year", "col", "value"]]
    carry_out = t3[t3["row"] == "carry_out"][["agency_id", "year", "col", "value"]].copy()
    carry_out["year"] += 1
    joined = carry_in.merge(carry_out, on=["agency_id", "year", "col"], suffixes=("_in", "_out"))
    expected = carry_in[carry_in["year"] > carry_in.groupby("agency_id")["year"].transform("min")]
    assert len(joined) == len(expected), "a year without its previous year"
    bad = joined[joined["value_in"].fillna(0) != joined["value_out"].fillna(0)]
    assert bad.empty, f"R5 fails:\n{bad}"


def check_in_force(stats: pd.DataFrame) -> None:
    """R8: in_force = last year's in_force + issued − repealed (F2021 years from 2022)."""
    part = stats[(stats["table"] == "t2_1") & (stats["year"] >= 2021)]
    if part.empty:
        return
    wide = part.pivot_table(index=["agency_id", "row", "year"], columns="col", values="value")
    wide = wide.reset_index()
    prev = wide[["agency_id", "row", "year", "in_force"]].rename(columns={"in_force": "prev"})
    prev["year"] += 1
    joined = wide.merge(prev, on=["agency_id", "row", "year"])
    assert (joined["in_force"] == joined["prev"] + joined["issued"] - joined["repealed"]).all()
    assert (joined["repealed"] <= joined["prev"]).all()


def check_texts(stats: pd.DataFrame, agencies: pd.DataFrame, texts: dict, skip=()) -> None:
    """Front matter, headings, R9, R11, R_text_reuse, and no other agency's name."""
    no_fee = stats[(stats["table"] == "t3") & (stats["row"] == "res_other_no_fee")
                   & (stats["col"] == "total")].set_index(["year", "agency_id"])["value"]
    names = agencies.set_index("agency_id")
    pairs = set(zip(stats["year"], stats["agency_id"], strict=True))
    assert set(texts) == pairs, "narratives and statistics cover different agency-years"
    for (year, agency_id), text in texts.items():
        meta = front_matter(text)
        published = meta["published"]
        assert isinstance(published, dt.date)
        assert dt.date(year + 1, 1, 1) <= published <= dt.date(year + 1, 1, 31), "R11"
        secs = sections(text)
        assert list(secs) == list(synth.NARRATIVE_HEADINGS)
        assert all(secs.values()), "empty section"
        if year >= 2021:
            subs = re.findall(r"^### (.+)$", secs["总体情况"], flags=re.M)
            assert subs == list(synth.SUBTOPICS_F2021)
            issued = meta["fee_notices_issued"]
            assert issued >= no_fee[(year, agency_id)], "R9: fewer notices than row （六）2"
            assert meta["fee_collected_yuan"] == 0 or issued > 0, "R9: fee without notice"
            assert 0 <= meta["fee_collected_yuan"] <= meta["fee_notices_amount_yuan"]
        else:
            assert "fee_notices_issued" not in meta
        if (year, agency_id) in skip:
            continue
        others = names.drop(index=agency_id)
        for other in [*others["short_name"], *others["name"]]:
            assert other not in text, f"{agency_id} {year} mentions {other}"
        if names.loc[agency_id, "kind"] == "街道":
            assert "镇村两级" not in text and "全镇" not in text, f"{agency_id} {year}"
    check_text_reuse(texts)


def core_text(text: str) -> str:
    secs = sections(text)
    return secs["总体情况"] + secs["存在的主要问题及改进情况"]


def check_text_reuse(texts: dict, limit: float = 0.5) -> None:
    """§总体情况 + §存在的主要问题 of consecutive years stay well below a 0.6 similarity."""
    for (year, agency_id), text in texts.items():
        prev = texts.get((year - 1, agency_id))
        if prev is None:
            continue
        a, b = core_text(prev), core_text(text)
        for autojunk in (True, False):
            ratio = difflib.SequenceMatcher(None, a, b, autojunk=autojunk).ratio()
            assert ratio < limit, f"{agency_id} {year}: similarity {ratio:.2f}"


def check_all(data: synth.SynthData) -> None:
    stats = plain(data.stats)
    check_complete(stats)
    check_types(stats)
    check_t3(stats)
    check_t4(stats)
    check_items(stats)
    check_carry_over(stats)
    check_in_force(stats)
    check_texts(stats, data.agencies, data.texts)


# --- the generator ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample() -> synth.SynthData:
    return synth.generate(40, range(2019, 2025), seed=7)


def test_generated_data_is_consistent(sample):
    check_all(sample)


def test_agencies_are_well_formed(sample):
    agencies = sample.agencies
    assert list(agencies.columns) == list(synth.AGENCY_COLUMNS)
    assert agencies["agency_id"].is_unique and agencies["agency_id"].is_monotonic_increasing
    assert agencies["agency_id"].str.fullmatch(r"[a-z0-9][a-z0-9-]*").all()
    assert agencies["short_name"].is_unique and agencies["name"].is_unique
    assert set(agencies["kind"]) <= {"街道", "乡镇", "部门", "政府"}
    assert (agencies["region"] == synth.DEFAULT_REGION).all()


def test_distribution_is_realistic():
    data = synth.generate(300, range(2019, 2025), seed=1)
    stats = plain(data.stats)
    kinds = data.agencies.set_index("agency_id")["kind"]
    new = stats[(stats["table"] == "t3") & (stats["row"] == "new")]
    total = new[new["col"] == "total"].set_index(["agency_id", "year"])["value"]
    local = total[total.index.get_level_values(0).map(kinds).isin(["街道", "乡镇"])]
    assert (local == 0).mean() > 0.1, "sub-districts should have some zero years"
    assert local.quantile(0.8) <= 20
    natural = new[new["col"] == "natural_person"]["value"].sum()
    assert natural / new[new["col"] == "total"]["value"].sum() > 0.7
    t4_total = stats[(stats["table"] == "t4") & stats["col"].str.endswith("_total")]["value"]
    assert 0 < t4_total.sum() < len(t4_total)
    pending = stats[(stats["table"] == "t4") & stats["col"].str.endswith("_pending")]
    assert pending["value"].sum() > 0


def test_same_seed_gives_identical_files(tmp_path):
    for name in ("a", "b"):
        synth.write(synth.generate(12, range(2019, 2024), seed=5), tmp_path / name)
    assert_same_tree(tmp_path / "a", tmp_path / "b")
    synth.write(synth.generate(12, range(2019, 2024), seed=6), tmp_path / "c")
    assert (tmp_path / "a/stats/2020.csv").read_bytes() != (
        tmp_path / "c/stats/2020.csv"
    ).read_bytes()


def test_cli_matches_library(tmp_path):
    """Also proves that output does not depend on the process (hash seeds, import order)."""
    cmd = [sys.executable, "-m", "nianbao.testing.synth", "--agencies", "6", "--years", "2020-2022",
           "--out", str(tmp_path / "cli"), "--seed", "3", "--region", "示例市样本县"]
    subprocess.run(cmd, check=True, capture_output=True)
    synth.write(synth.generate(6, [2020, 2021, 2022], seed=3, region="示例市样本县"),
                tmp_path / "lib")
    assert_same_tree(tmp_path / "cli", tmp_path / "lib")


def test_written_files_follow_the_layout(tmp_path, sample):
    synth.write(sample, tmp_path)
    agencies, stats, texts = read_dir(tmp_path)
    assert list(agencies.columns) == list(synth.AGENCY_COLUMNS)
    header = (tmp_path / "stats/2021.csv").read_text("utf-8").splitlines()[0]
    assert header == "agency_id,table,row,col,value"
    order = stats.groupby("year")["agency_id"].apply(lambda s: s.is_monotonic_increasing)
    assert order.all()
    assert stats.loc[stats["col"] == "procurement_amount", "text"].str.endswith("元").all()
    assert not stats["text"].str.contains(r"\.0$|e", regex=True).any()
    check_complete(stats)
    check_t3(stats)
    check_carry_over(stats)
    assert texts == sample.texts


def test_region_is_used_in_names():
    agencies = synth.generate(8, [2021], region="示例市样本县").agencies
    assert (agencies["region"] == "示例市样本县").all()
    assert agencies["name"].str.startswith("示例市样本县").all()


def test_carry_in_can_be_fixed():
    agencies = synth.make_agencies(3, seed=2)
    first = agencies["agency_id"].iloc[0]
    data = synth.generate_for(agencies, [2021, 2022], seed=2, carry_in={first: [4, 0, 0, 0, 1, 0]})
    stats = plain(data.stats)
    carry_in = stats[(stats["agency_id"] == first) & (stats["year"] == 2021)
                     & (stats["row"] == "carry_in")].set_index("col")["value"]
    assert carry_in[APPLICANTS].tolist() == [4, 0, 0, 0, 1, 0]
    assert carry_in["total"] == 5


def test_every_kind_of_agency_is_supported():
    rows = [
        ("gov", "示例市样本县人民政府", "样本县人民政府", "政府"),
        ("dept", "示例市样本县教育局", "样本县教育局", "部门"),
        ("town", "示例市样本县青石镇人民政府", "青石镇", "乡镇"),
        ("township", "示例市样本县白岭乡人民政府", "白岭乡", "乡镇"),
        ("street", "示例市样本县人民政府柳溪街道办事处", "柳溪街道", "街道"),
    ]
    agencies = pd.DataFrame(
        [dict.fromkeys(synth.AGENCY_COLUMNS, "") | {
            "agency_id": a, "name": n, "short_name": s, "kind": k, "region": "示例市样本县"}
         for a, n, s, k in rows]
    )
    data = synth.generate_for(agencies, range(2020, 2024), seed=4)
    check_all(data)
    assert "考核" in data.texts[(2022, "gov")]
    assert "全乡" not in data.texts[(2022, "town")] and "全镇" not in data.texts[(2022, "township")]


def test_years_must_be_contiguous():
    with pytest.raises(ValueError):
        synth.generate(2, [2019, 2021])
    assert synth.parse_years("2019-2021") == [2019, 2020, 2021]
    assert synth.parse_years("2022") == [2022]


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(1, 8),
    first=st.integers(2019, 2024),
    span=st.integers(1, 4),
)
def test_property_consistent_for_any_seed_and_size(seed, n, first, span):
    data = synth.generate(n, range(first, first + span), seed=seed)
    assert len(data.agencies) == n
    check_all(data)


# --- the sample data in data/ ----------------------------------------------------------------


GENERATED = ("agencies.csv", "stats/*.csv", "text/*/*.md")


def generated_files(root: Path) -> list[Path]:
    """The files a data writer produces (other files in the folder are not its business)."""
    return sorted(p.relative_to(root) for pattern in GENERATED for p in root.glob(pattern))


def assert_same_tree(a: Path, b: Path) -> None:
    files_a, files_b = generated_files(a), generated_files(b)
    assert files_a and files_a == files_b
    _, mismatch, errors = filecmp.cmpfiles(a, b, [str(p) for p in files_a], shallow=False)
    assert not mismatch and not errors, f"differing files: {mismatch + errors}"


def test_sample_data_matches_the_script(tmp_path):
    script = ROOT / "scripts" / "make_sample_data.py"
    subprocess.run([sys.executable, str(script), "--out", str(tmp_path)], check=True,
                   capture_output=True)
    assert_same_tree(DATA, tmp_path)


@pytest.fixture(scope="module")
def sample_dir():
    return read_dir(DATA)


def test_sample_data_is_consistent_except_the_transcribed_report(sample_dir):
    agencies, stats, texts = sample_dir
    assert len(agencies) == 13
    agency_years = set(zip(stats["year"], stats["agency_id"], strict=True))
    assert agency_years == {(y, a) for a in agencies["agency_id"] for y in range(2020, 2024)}
    check_complete(stats)
    seed = (stats["agency_id"] == "fushan") & (stats["year"] == 2020)
    synthetic = stats[~seed]
    check_types(synthetic)
    check_t3(synthetic)
    check_t4(synthetic)
    check_in_force(stats)
    check_carry_over(stats)  # includes 浮山 2020 → 2021 (blank counts as 0)
    check_texts(stats, agencies, texts, skip={(2020, "fushan")})


def test_fushan_2020_is_transcribed_as_printed(sample_dir):
    _, stats, texts = sample_dir
    seed = stats[(stats["agency_id"] == "fushan") & (stats["year"] == 2020)]
    printed = {
        f"{t}.{r}.{c}": v for t, r, c, v in zip(seed["table"], seed["row"], seed["col"],
                                                seed["text"], strict=True) if v != ""
    }
    expected = {
        **{f"t2_1.{r}.{c}": "0" for r in ("regulation", "normative_doc")
           for c in ("new_made", "new_published", "total_published")},
        "t2_5.admin_license.prev_items": "290", "t2_5.admin_license.items_change": "20",
        "t2_5.admin_license.decisions": "310",
        "t2_5.other_external_service.prev_items": "7768",
        "t2_5.other_external_service.items_change": "1779",
        "t2_5.other_external_service.decisions": "9547",
        "t2_6.admin_penalty.prev_items": "143", "t2_6.admin_penalty.items_change": "21",
        "t2_6.admin_penalty.decisions": "122",
        "t2_6.admin_coercion.prev_items": "84", "t2_6.admin_coercion.items_change": "22",
        "t2_6.admin_coercion.decisions": "62",
        "t2_8.admin_fee.prev_items": "0", "t2_8.admin_fee.items_change": "0",
        "t2_9.central_procurement.procurement_items": "30",
        "t2_9.central_procurement.procurement_amount": "2249470.45元",
        # Reconstructed (data/README.md): the one applicant was a natural person.
        "t3.new.natural_person": "1", "t3.res_partial.natural_person": "1",
        "t3.res_total.natural_person": "1",
        "t3.new.total": "1", "t3.carry_in.total": "0", "t3.res_partial.total": "1",
        "t3.res_total.total": "1", "t3.carry_out.total": "0",
        "t4.cases.rev_total": "0", "t4.cases.lit_direct_total": "0",
        "t4.cases.lit_after_rev_total": "0",
    }
    assert printed == expected
    assert len(seed) == len(format_for_year(2020).cell_refs())
    text = texts[(2020, "fushan")]
    assert front_matter(text)["published"] == dt.date(2021, 1, 27)
    # the genuine errors of the published report are kept for the checker to find
    assert "贺胜桥镇" in text and "镇村两级" in text


def test_fushan_2020_reconstruction_balances(sample_dir):
    """R1/R2 hold on the 总计 column and R3 on every row with the reconstructed 自然人."""
    _, stats, _ = sample_dir
    seed = stats[(stats["agency_id"] == "fushan") & (stats["year"] == 2020)]
    t3 = cells(seed, "t3").droplevel(["agency_id", "year"])
    assert t3.loc["new", "total"] + t3.loc["carry_in", "total"] == (
        t3.loc["res_total", "total"] + t3.loc["carry_out", "total"]
    )
    result_rows = [r for r in t3.index if r.startswith("res_") and r != "res_total"]
    assert t3.loc[result_rows, "total"].sum() == t3.loc["res_total", "total"]
    assert (t3[APPLICANTS].sum(axis=1) == t3["total"]).all()
    assert t3.loc[["new", "res_partial", "res_total"], "natural_person"].tolist() == [1, 1, 1]


def test_fushan_continues_from_the_transcribed_report(sample_dir):
    _, stats, texts = sample_dir
    carry_in = stats[(stats["agency_id"] == "fushan") & (stats["year"] == 2021)
                     & (stats["row"] == "carry_in")]
    assert (carry_in["value"] == 0).all()
    ratio = difflib.SequenceMatcher(
        None, core_text(texts[(2020, "fushan")]), core_text(texts[(2021, "fushan")])
    ).ratio()
    assert ratio < 0.5
