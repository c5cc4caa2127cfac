"""Deterministic synthetic agencies, statistics and narratives in the ``data/`` layout.

The generator exists so that loaders, validators, renderers and the batch runner can be
exercised on realistic volumes without real reports. Everything it writes is consistent under
the rules of the format specification (R1–R9, R11, no blank cells), so any rule that fires on
synthetic data points at a bug in the checker, not in the data.

Same arguments → byte-identical output: all randomness comes from a ``numpy`` Generator and a
``random.Random`` seeded from ``seed``; nothing depends on the clock, the platform or hash order.

Usage::

    python -m nianbao.testing.synth --agencies 1700 --years 2019-2024 --out /tmp/synth [--seed 0]
"""

from __future__ import annotations

import argparse
import datetime as dt
import operator
import random
import re
import sys
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from nianbao.data.layout import AGENCY_COLUMNS, STATS_COLUMNS
from nianbao.formats.spec import ReportFormat, all_formats, format_for_year

__all__ = [
    "AGENCY_COLUMNS",
    "AMOUNT_UNITS",
    "APPLICANT_COLUMNS",
    "DEFAULT_REGION",
    "NARRATIVE_HEADINGS",
    "STATS_COLUMNS",
    "SUBTOPICS_F2021",
    "SynthData",
    "generate",
    "generate_for",
    "main",
    "make_agencies",
    "merge",
    "parse_years",
    "render_narrative",
    "render_stats_csv",
    "write",
]

DEFAULT_REGION = "咸宁市咸安区"
APPLICANT_COLUMNS = (
    "natural_person", "org_commercial", "org_research",
    "org_social_welfare", "org_legal_service", "org_other",
)
NARRATIVE_HEADINGS = ("总体情况", "存在的主要问题及改进情况", "其他需要报告的事项")
SUBTOPICS_F2021 = (
    "（一）主动公开", "（二）依申请公开", "（三）政府信息管理",
    "（四）政府信息公开平台建设", "（五）监督保障",
)
# Cells whose value is written with its unit, as published reports print it.
AMOUNT_UNITS = {"t2_9.central_procurement.procurement_amount": "元"}

# Real units of the sample region: synthetic agencies never take their names or ids, so
# synthetic and sample data can be merged without clashes.
_RESERVED_STEMS = {
    "温泉", "永安", "浮山", "汀泗桥", "向阳湖", "官埠桥", "横沟桥", "贺胜桥", "双溪桥", "马桥",
    "桂花", "高桥", "大幕",
}
_RESERVED_IDS = {
    "wenquan", "yongan", "fushan", "tingsiqiao", "xiangyanghu", "guanbuqiao", "henggouqiao",
    "heshengqiao", "shuangxiqiao", "maqiao", "guihua", "gaoqiao", "damu",
}


# --------------------------------------------------------------------------------------------
# Result container
# --------------------------------------------------------------------------------------------


@dataclass
class SynthData:
    """Agencies, cell values and narratives of a set of agency-years.

    ``stats`` has one row per cell: agency_id, year, table, row, col and ``value`` (float;
    NaN marks a cell that was blank in a published table). The id columns are categoricals
    (two million cells stay small and fast); ``.astype(str)`` gives plain strings.
    ``texts`` maps (year, agency_id) to the Markdown narrative including its front matter.
    """

    agencies: pd.DataFrame
    stats: pd.DataFrame
    texts: dict[tuple[int, str], str] = field(default_factory=dict)

    @property
    def years(self) -> list[int]:
        """The report years present, ascending."""
        return sorted(int(y) for y in pd.unique(self.stats["year"]))


def merge(parts: Iterable[SynthData]) -> SynthData:
    """Combine several data sets (e.g. transcribed and generated parts of the sample data)."""
    parts = list(parts)
    agencies = (
        pd.concat([p.agencies for p in parts], ignore_index=True)
        .drop_duplicates("agency_id")
        .sort_values("agency_id", kind="stable")
        .reset_index(drop=True)
    )
    stats = pd.concat([_categorical_stats(p.stats) for p in parts], ignore_index=True)
    texts: dict[tuple[int, str], str] = {}
    for p in parts:
        texts.update(p.texts)
    return SynthData(agencies, stats, texts)


# --------------------------------------------------------------------------------------------
# Cell ids: fixed categories so that frames from different formats concatenate cheaply
# --------------------------------------------------------------------------------------------


@cache
def _id_categories() -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """All table, row and column ids of every known format (category lists of ``stats``)."""
    tables, rows, cols = {}, {}, {}
    for fmt in all_formats():
        for t in fmt.tables:
            tables[t.id] = None
            for r in t.data_rows:
                rows[r.id] = None
            for c in t.columns:
                cols[c.id] = None
    return tuple(tables), tuple(rows), tuple(cols)


@cache
def _cell_codes(format_id: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Category codes of (table, row, col) for every cell of a format, in official order."""
    tables, rows, cols = (
        {v: i for i, v in enumerate(c)} for c in _id_categories()
    )
    refs = [ref.split(".") for ref in _format(format_id).cell_refs()]
    return (
        np.array([tables[t] for t, _, _ in refs], dtype=np.int16),
        np.array([rows[r] for _, r, _ in refs], dtype=np.int16),
        np.array([cols[c] for _, _, c in refs], dtype=np.int16),
    )


def _format(format_id: str) -> ReportFormat:
    return next(f for f in all_formats() if f.id == format_id)


def _categorical_stats(stats: pd.DataFrame) -> pd.DataFrame:
    """``stats`` with categorical id columns (cheap to concatenate, sort and write)."""
    tables, rows, cols = _id_categories()
    out = stats.loc[:, ["agency_id", "year", "table", "row", "col", "value"]]
    for name, cats in (("table", tables), ("row", rows), ("col", cols)):
        dtype = out[name].dtype
        if not (isinstance(dtype, pd.CategoricalDtype) and tuple(dtype.categories) == cats):
            out[name] = pd.Categorical(out[name].astype(str), categories=list(cats))
            if out[name].isna().any():
                raise ValueError(f"stats has an unknown {name} id")
    for name, dtype in (("year", np.int64), ("value", np.float64)):
        if out[name].dtype != dtype:
            out[name] = out[name].astype(dtype)
    return out


# --------------------------------------------------------------------------------------------
# Agencies
# --------------------------------------------------------------------------------------------

# Characters for invented place names, each with its pinyin (for the agency_id slug).
_STEM_FIRST = (
    "青qing 白bai 石shi 柳liu 桃tao 杏xing 松song 竹zhu 梅mei 兰lan 荷he 枫feng 云yun 龙long "
    "金jin 银yin 玉yu 春chun 秋qiu 东dong 西xi 南nan 北bei 长chang 平ping 安an 宁ning 新xin "
    "古gu 黄huang 红hong 碧bi 翠cui 明ming 光guang 福fu 寿shou 仁ren 德de 泰tai 康kang 乐le "
    "思si 文wen 华hua 瑞rui 永yong 大da 小xiao 上shang 下xia 中zhong 双shuang 三san 九jiu "
    "花hua2 万wan 千qian 百bai2 桑sang 莲lian 芦lu 杨yang 李li 柏bo 槐huai 栗li2 茶cha 麦mai"
)
_STEM_SECOND = (
    "山shan 水shui 河he 湖hu 桥qiao 岭ling 坪ping 溪xi 冲chong 塘tang 港gang 口kou 湾wan "
    "林lin 园yuan 田tian 坡po 泉quan 潭tan 洲zhou 埠bu 铺pu 店dian 畈fan 垅long 庄zhuang "
    "陂bei 堰yan 渡du 峰feng 谷gu 阳yang 关guan 台tai 坊fang 集ji 寨zhai 堡bao 岔cha 墩dun "
    "岗gang2 垄long2 滩tan2 洼wa 嘴zui 咀ju 舍she 屋wu 畔pan 垱dang"
)
_DEPARTMENTS = (
    ("发展和改革局", "fgj"), ("教育局", "jyj"), ("科学技术和经济信息化局", "kjj"),
    ("民政局", "mzj"), ("司法局", "sfj"), ("财政局", "czj"),
    ("人力资源和社会保障局", "rsj"), ("自然资源和规划局", "zrzyj"),
    ("住房和城乡建设局", "zjj"), ("交通运输局", "jtj"), ("水利和湖泊局", "slj"),
    ("农业农村局", "nyj"), ("商务局", "swj"), ("文化和旅游局", "wlj"), ("卫生健康局", "wjj"),
    ("退役军人事务局", "tyjrj"), ("应急管理局", "yjj"), ("审计局", "sjj"),
    ("市场监督管理局", "scjgj"), ("统计局", "tjj"), ("医疗保障局", "ybj"), ("林业局", "lyj"),
    ("信访局", "xfj"), ("行政审批局", "xzspj"), ("城市管理执法局", "cgj"), ("体育局", "tyj"),
)


def _parse_stems(spec: str) -> list[tuple[str, str]]:
    """(character, pinyin) pairs from the compact stem lists; digits only disambiguate."""
    return [(tok[0], re.sub(r"\d", "", tok[1:])) for tok in spec.split()]


def _district(region: str) -> str:
    """The last administrative level of a region: 咸宁市咸安区 → 咸安区."""
    m = re.search(r"([^省市州盟]+?[区县旗市])$", region)
    return m.group(1) if m else region


def make_agencies(n_agencies: int, region: str = DEFAULT_REGION, seed: int = 0) -> pd.DataFrame:
    """``n_agencies`` invented agencies of one region, sorted by agency_id.

    About a fifth are departments (while the department list lasts); the rest are sub-districts
    and towns with invented two-character names. Contact fields stay empty: invented phone
    numbers or mailboxes could belong to someone real.
    """
    rng = np.random.default_rng([seed, 1])
    n_dept = min(len(_DEPARTMENTS), int(round(n_agencies * 0.2)))
    stems = _stem_pool()
    n_local = n_agencies - n_dept
    if n_local > len(stems):
        raise ValueError(f"at most {len(stems) + len(_DEPARTMENTS)} synthetic agencies per region")
    picked = rng.choice(len(stems), size=n_local, replace=False) if n_local else []
    local_kinds = rng.choice(["街道", "镇", "乡"], size=n_local, p=[0.3, 0.6, 0.1])
    rows, used_ids = [], set(_RESERVED_IDS)
    district = _district(region)
    for idx, k in zip(picked, local_kinds, strict=True):
        stem, slug = stems[idx]
        rows.append(_local_agency(stem, _unique_id(slug, used_ids), str(k), region))
    for dept, slug in _DEPARTMENTS[:n_dept]:
        rows.append({
            "agency_id": _unique_id(slug, used_ids), "name": f"{region}{dept}",
            "short_name": f"{district}{dept}", "region": region, "kind": "部门",
        })
    rows = [{**dict.fromkeys(AGENCY_COLUMNS, ""), **row} for row in rows]
    frame = pd.DataFrame(rows, columns=list(AGENCY_COLUMNS))
    return frame.sort_values("agency_id", kind="stable").reset_index(drop=True)


@cache
def _stem_pool() -> tuple[tuple[str, str], ...]:
    """Every invented two-character place name with its slug, real names excluded."""
    pool = []
    for a, pa in _parse_stems(_STEM_FIRST):
        for b, pb in _parse_stems(_STEM_SECOND):
            stem = a + b
            if stem not in _RESERVED_STEMS:
                pool.append((stem, pa + pb))
    return tuple(pool)


def _unique_id(slug: str, used: set[str]) -> str:
    """A slug not used yet (pinyin collides more often than characters do)."""
    candidate, n = slug, 2
    while candidate in used:
        candidate, n = f"{slug}-{n}", n + 1
    used.add(candidate)
    return candidate


def _local_agency(stem: str, agency_id: str, kind: str, region: str) -> dict[str, str]:
    """One sub-district (街道) or town/township (镇/乡) in the naming pattern of the region."""
    short = stem + kind
    if kind == "街道":
        name = f"{region}人民政府{short}办事处"
    else:
        name = f"{region}{short}人民政府"
    return {
        "agency_id": agency_id, "name": name, "short_name": short, "region": region,
        "kind": "街道" if kind == "街道" else "乡镇",
    }


# --------------------------------------------------------------------------------------------
# Statistics
# --------------------------------------------------------------------------------------------

# Per-kind parameters. Medians are of agency-level log-normal draws, so agencies of one kind
# differ widely, as real ones do; zero_* are shares of agencies without such a power.
_KIND_PARAMS: dict[str, dict[str, float]] = {
    "街道": dict(app=2.5, org=0.08, license=12, service=90, penalty=6, coercion=2,
                 zero_license=0.35, zero_penalty=0.5, zero_coercion=0.65, fee_items=0.05,
                 norm=0.05, procure=3, fee_share=0.03, review=1.0),
    "乡镇": dict(app=1.5, org=0.06, license=10, service=70, penalty=4, coercion=2,
                 zero_license=0.4, zero_penalty=0.55, zero_coercion=0.7, fee_items=0.05,
                 norm=0.05, procure=2.5, fee_share=0.03, review=1.0),
    "部门": dict(app=7.0, org=0.2, license=35, service=50, penalty=60, coercion=12,
                 zero_license=0.3, zero_penalty=0.35, zero_coercion=0.55, fee_items=0.4,
                 norm=1.0, procure=6, fee_share=0.35, review=1.6),
    "政府": dict(app=40.0, org=0.15, license=5, service=20, penalty=2, coercion=1,
                 zero_license=0.6, zero_penalty=0.7, zero_coercion=0.8, fee_items=0.1,
                 norm=4.0, procure=12, fee_share=0.1, review=2.0),
}
# Shares of the applicant columns inside 法人或其他组织.
_ORG_SPLIT = np.array([0.55, 0.03, 0.1, 0.22, 0.1])
# Relative weights of the result rows (F2021 ids; F2019's single res_other takes the sum of
# the three res_other_* weights).
_RESULT_WEIGHTS = {
    "res_open": 40, "res_partial": 5,
    "res_deny_state_secret": 0.2, "res_deny_law_prohibited": 0.4,
    "res_deny_three_security": 0.2, "res_deny_third_party": 1.0,
    "res_deny_internal_affairs": 1.0, "res_deny_process_info": 1.5,
    "res_deny_enforcement_file": 0.8, "res_deny_admin_inquiry": 1.2,
    "res_unable_not_held": 20, "res_unable_need_creation": 4, "res_unable_unclear": 2,
    "res_noproc_petition": 7, "res_noproc_repeat": 3, "res_noproc_publication": 0.4,
    "res_noproc_excessive": 0.4, "res_noproc_confirm": 1.2,
    "res_other_no_correction": 3.5, "res_other_no_fee": 0.6, "res_other_other": 4,
}
# 结果维持 / 结果纠正 / 其他结果 / 尚未审结 of review and litigation cases.
_CASE_OUTCOMES = np.array([0.55, 0.1, 0.2, 0.15])


@dataclass
class _Profile:
    """Agency-level parameters, drawn once so that an agency stays itself over the years."""

    kind: np.ndarray
    app_rate: np.ndarray
    applicant_p: np.ndarray
    carry_p: np.ndarray
    decision_rate: np.ndarray  # (n, 4): decisions per item of the four t2_5/t2_6 rows
    norm_rate: np.ndarray
    procure_rate: np.ndarray
    admin_fee: np.ndarray  # bool: agency collects 行政事业性收费 (F2021 t2_8)
    review_rate: np.ndarray


@dataclass
class _State:
    """Quantities carried from one year to the next (R5, R7c, R8 follow from these)."""

    carry: np.ndarray  # (n, 6) applications carried into the coming year, per applicant column
    items: np.ndarray  # (n, 5) current item counts: license, service, penalty, coercion, fee
    published: np.ndarray  # (n,) normative documents published so far (F2019 t2_1)
    in_force: np.ndarray  # (n,) normative documents in force (F2021 t2_1)


def _param(kinds: np.ndarray, key: str) -> np.ndarray:
    """One parameter per agency; an unknown kind is treated like a department."""
    default = _KIND_PARAMS["部门"]
    return np.array([_KIND_PARAMS.get(k, default)[key] for k in kinds], dtype=np.float64)


def _lognormal(rng: np.random.Generator, median: np.ndarray, sigma: float) -> np.ndarray:
    return median * np.exp(rng.normal(0.0, sigma, size=np.shape(median)))


def _profile(kinds: np.ndarray, rng: np.random.Generator) -> _Profile:
    """Draw each agency's lasting characteristics from the parameters of its kind."""
    n = len(kinds)
    org = np.clip(_lognormal(rng, _param(kinds, "org"), 0.5), 0.0, 0.6)
    applicant_p = np.column_stack([1.0 - org, org[:, None] * _ORG_SPLIT[None, :]])
    rates = np.column_stack([
        _lognormal(rng, np.full(n, m), 0.6) for m in (2.0, 3.0, 1.0, 1.5)
    ])
    return _Profile(
        kind=kinds,
        app_rate=_lognormal(rng, _param(kinds, "app"), 0.9),
        applicant_p=applicant_p,
        carry_p=rng.beta(1.0, 18.0, size=n),
        decision_rate=rates,
        norm_rate=_lognormal(rng, _param(kinds, "norm"), 0.5),
        procure_rate=_lognormal(rng, _param(kinds, "procure"), 0.5),
        admin_fee=rng.random(n) < _param(kinds, "fee_share"),
        review_rate=_param(kinds, "review"),
    )


def _initial_state(
    profile: _Profile, rng: np.random.Generator, carry_in: Mapping[int, Sequence[int]] | None
) -> _State:
    """Starting point of the first generated year.

    The first year's carry_in may be any count ≥ 0; ``carry_in`` maps an agency's position to
    fixed values where the data must continue an existing report.
    """
    kinds = profile.kind
    n = len(kinds)
    items = np.column_stack([
        _items(rng, kinds, "license", "zero_license"),
        _items(rng, kinds, "service", None),
        _items(rng, kinds, "penalty", "zero_penalty"),
        _items(rng, kinds, "coercion", "zero_coercion"),
        np.where(rng.random(n) < _param(kinds, "fee_items"), rng.integers(1, 6, n), 0),
    ]).astype(np.int64)
    first = rng.poisson(profile.app_rate * profile.carry_p)
    carry = rng.multinomial(first, profile.applicant_p).astype(np.int64)
    for i, row in (carry_in or {}).items():
        carry[i] = row
    published = rng.poisson(profile.norm_rate * 8)
    return _State(
        carry=carry,
        items=items,
        published=published.astype(np.int64),
        in_force=rng.binomial(published, 0.8).astype(np.int64),
    )


def _items(rng, kinds, key: str, zero_key: str | None) -> np.ndarray:
    """Initial number of items (事项) of one kind of power; some agencies hold none."""
    count = np.rint(_lognormal(rng, _param(kinds, key), 0.8))
    if zero_key is not None:
        count[rng.random(len(kinds)) < _param(kinds, zero_key)] = 0
    return count


def _year_cells(
    fmt: ReportFormat, profile: _Profile, state: _State, rng: np.random.Generator
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Every cell of one year for all agencies, plus the section-六 fee figures (F2021).

    Advances ``state`` to the end of the year.
    """
    cells: dict[str, np.ndarray] = {}
    new_total = _t3_cells(fmt, profile, state, rng, cells)
    _t4_cells(profile, new_total, rng, cells)
    if fmt.id == "F2019":
        _t2_cells_f2019(profile, state, rng, cells)
        fees: dict[str, np.ndarray] = {}
    else:
        _t2_cells_f2021(profile, state, rng, cells)
        fees = _fees(new_total, cells["t3.res_other_no_fee.total"], rng)
    return cells, fees


def _t3_cells(fmt, profile: _Profile, state: _State, rng, cells) -> np.ndarray:
    """Table 三, built application by application so that R1–R3 hold by construction.

    New applications are split over applicant columns; each column's workload (new + carried
    in) is either carried out or answered, and answers are spread over the result rows.
    """
    n = len(profile.kind)
    year_factor = rng.gamma(4.0, 0.25, size=n)  # good and bad years around the agency's rate
    new_total = rng.poisson(profile.app_rate * year_factor)
    new = rng.multinomial(new_total, profile.applicant_p)
    carry_in = state.carry
    workload = new + carry_in
    carry_out = rng.binomial(workload, profile.carry_p[:, None])
    answered = workload - carry_out
    result_rows = [r.id for r in fmt.result_rows()]
    weights = np.array([_result_weight(r) for r in result_rows])
    results = rng.multinomial(answered.reshape(-1), weights / weights.sum())
    results = results.reshape(n, len(APPLICANT_COLUMNS), len(result_rows))
    by_row = {"new": new, "carry_in": carry_in, "res_total": answered, "carry_out": carry_out}
    for i, row in enumerate(result_rows):
        by_row[row] = results[:, :, i]
    for row, matrix in by_row.items():
        for j, col in enumerate(APPLICANT_COLUMNS):
            cells[f"t3.{row}.{col}"] = matrix[:, j]
        cells[f"t3.{row}.total"] = matrix.sum(axis=1)
    state.carry = carry_out
    return new_total


def _result_weight(row_id: str) -> float:
    if row_id == "res_other":
        return sum(v for k, v in _RESULT_WEIGHTS.items() if k.startswith("res_other_"))
    return _RESULT_WEIGHTS[row_id]


def _t4_cells(profile: _Profile, new_total: np.ndarray, rng, cells) -> None:
    """Table 四: occasional review and litigation cases, some of them still pending."""
    base = profile.review_rate * (0.004 + 0.012 * new_total)
    for prefix, scale in (("rev", 1.0), ("lit_direct", 0.4), ("lit_after_rev", 0.3)):
        count = rng.poisson(base * scale)
        outcome = rng.multinomial(count, _CASE_OUTCOMES)
        for j, name in enumerate(("upheld", "corrected", "other", "pending")):
            cells[f"t4.cases.{prefix}_{name}"] = outcome[:, j]
        cells[f"t4.cases.{prefix}_total"] = count


def _item_change(rng, current: np.ndarray) -> np.ndarray:
    """This year's signed change of an item count; never below zero in total (R7b)."""
    drift = np.rint(current * rng.normal(0.02, 0.08, size=current.shape))
    noise = rng.integers(-1, 3, size=current.shape) * (rng.random(current.shape) < 0.3)
    return np.maximum(drift + noise, -current).astype(np.int64)


def _decisions(rng, profile: _Profile, items: np.ndarray) -> np.ndarray:
    """Decisions handled (办件量): a rate per item, independent of the item columns (R7)."""
    return rng.poisson(items[:, :4] * profile.decision_rate).astype(np.int64)


def _advance_items(rng, state: _State) -> tuple[np.ndarray, np.ndarray]:
    """Last year's item counts and this year's change; the state moves on (R7c)."""
    prev = state.items.copy()
    change = _item_change(rng, prev)
    state.items = prev + change
    return prev, change


def _t2_cells_f2019(profile: _Profile, state: _State, rng, cells) -> None:
    """Section 二 of the trial format: documents, items with their yearly change, procurement."""
    n = len(profile.kind)
    made = rng.poisson(profile.norm_rate)
    published = made  # normative documents are published once made
    state.published = state.published + published
    cells.update({
        "t2_1.regulation.new_made": np.zeros(n), "t2_1.regulation.new_published": np.zeros(n),
        "t2_1.regulation.total_published": np.zeros(n),
        "t2_1.normative_doc.new_made": made, "t2_1.normative_doc.new_published": published,
        "t2_1.normative_doc.total_published": state.published,
    })
    _advance_in_force(profile, state, rng, issued=made)
    prev, change = _advance_items(rng, state)
    decisions = _decisions(rng, profile, prev)
    rows = ("t2_5.admin_license", "t2_5.other_external_service",
            "t2_6.admin_penalty", "t2_6.admin_coercion", "t2_8.admin_fee")
    for j, ref in enumerate(rows):
        cells[f"{ref}.prev_items"] = prev[:, j]
        cells[f"{ref}.items_change"] = change[:, j]
        if j < 4:
            cells[f"{ref}.decisions"] = decisions[:, j]
    items = rng.poisson(profile.procure_rate)
    cents = np.rint(items * _lognormal(rng, np.full(n, 60000.0), 0.9) * 100)
    cells["t2_9.central_procurement.procurement_items"] = items
    cells["t2_9.central_procurement.procurement_amount"] = cents / 100


def _advance_in_force(profile: _Profile, state: _State, rng, issued: np.ndarray) -> np.ndarray:
    """Repeal some documents in force and add the issued ones; returns the repealed (R8)."""
    repealed = rng.binomial(state.in_force, 0.06)
    state.in_force = state.in_force - repealed + issued
    return repealed


def _t2_cells_f2021(profile: _Profile, state: _State, rng, cells) -> None:
    """Section 二 of the revised format: documents in force, decisions, administrative fees."""
    n = len(profile.kind)
    issued = rng.poisson(profile.norm_rate)
    repealed = _advance_in_force(profile, state, rng, issued)
    state.published = state.published + issued
    zeros = np.zeros(n)
    cells.update({
        "t2_1.regulation.issued": zeros, "t2_1.regulation.repealed": zeros,
        "t2_1.regulation.in_force": zeros,
        "t2_1.normative_doc.issued": issued, "t2_1.normative_doc.repealed": repealed,
        "t2_1.normative_doc.in_force": state.in_force,
    })
    prev, _ = _advance_items(rng, state)
    decisions = _decisions(rng, profile, prev)
    cells["t2_5.admin_license.decisions"] = decisions[:, 0]
    cells["t2_6.admin_penalty.decisions"] = decisions[:, 2]
    cells["t2_6.admin_coercion.decisions"] = decisions[:, 3]
    amount = np.rint(_lognormal(rng, np.full(n, 4.0), 1.1) * 100) / 100
    cells["t2_8.admin_fee.fee_amount"] = np.where(profile.admin_fee, amount, 0.0)


def _fees(new_total: np.ndarray, unpaid: np.ndarray, rng) -> dict[str, np.ndarray]:
    """Information-processing fee figures of section 六, consistent with row （六）2 (R9).

    Every unpaid notice is one application of row （六）2; a few further notices were paid.
    Amounts follow the 100-yuan steps of the per-application schedule.
    """
    paid = rng.poisson(0.002 + 0.003 * new_total)
    issued = unpaid + paid
    unpaid_yuan = 100 * (unpaid + rng.poisson(1.5 * unpaid))
    paid_yuan = 100 * (paid + rng.poisson(1.5 * paid))
    return {
        "fee_notices_issued": issued.astype(np.int64),
        "fee_notices_amount_yuan": (unpaid_yuan + paid_yuan).astype(np.int64),
        "fee_collected_yuan": paid_yuan.astype(np.int64),
    }


def _years(years: Iterable[int]) -> list[int]:
    """Sorted, contiguous report years (carry-overs chain from one year to the next)."""
    ys = sorted({int(y) for y in years})
    if not ys:
        raise ValueError("no report years given")
    if ys != list(range(ys[0], ys[-1] + 1)):
        raise ValueError(f"report years must be contiguous, got {ys}")
    format_for_year(ys[0])  # raises for years without a format
    return ys


def _stats_frame(agency_ids: Sequence[str], year: int, matrix: np.ndarray, fmt) -> pd.DataFrame:
    """Long ``stats`` rows of one year from an (agencies × cells) matrix, in official order."""
    n, m = matrix.shape
    tables, rows, cols = _id_categories()
    t, r, c = _cell_codes(fmt.id)
    return pd.DataFrame({
        "agency_id": pd.Categorical.from_codes(np.repeat(np.arange(n), m), list(agency_ids)),
        "year": np.full(n * m, year, dtype=np.int64),
        "table": pd.Categorical.from_codes(np.tile(t, n), categories=list(tables)),
        "row": pd.Categorical.from_codes(np.tile(r, n), categories=list(rows)),
        "col": pd.Categorical.from_codes(np.tile(c, n), categories=list(cols)),
        "value": matrix.reshape(-1),
    })


def generate_for(
    agencies: pd.DataFrame,
    years: Iterable[int],
    seed: int = 0,
    carry_in: Mapping[str, Sequence[int]] | None = None,
) -> SynthData:
    """Statistics and narratives for given agencies over contiguous report years.

    ``carry_in`` optionally fixes the first year's 上年结转 per agency (six applicant columns),
    e.g. to continue from a transcribed report so that R5 holds across the seam.
    """
    ys = _years(years)
    agencies = agencies.sort_values("agency_id", kind="stable").reset_index(drop=True)
    ids = agencies["agency_id"].tolist()
    rng = np.random.default_rng([seed, 2])
    profile = _profile(agencies["kind"].to_numpy(dtype=str), rng)
    start = {ids.index(a): list(v) for a, v in (carry_in or {}).items() if a in ids}
    state = _initial_state(profile, rng, start)
    frames, fee_rows = [], {}
    for year in ys:
        fmt = format_for_year(year)
        cells, fees = _year_cells(fmt, profile, state, rng)
        matrix = np.column_stack(
            [np.asarray(cells[ref], dtype=np.float64) for ref in fmt.cell_refs()]
        )
        frames.append(_stats_frame(ids, year, matrix, fmt))
        fee_rows[year] = fees
    stats = pd.concat(frames, ignore_index=True)
    texts = _narratives(agencies, ys, fee_rows, random.Random(f"nianbao-synth-{seed}"))
    return SynthData(agencies, stats, texts)


def generate(
    n_agencies: int,
    years: Iterable[int] = range(2019, 2025),
    seed: int = 0,
    region: str = DEFAULT_REGION,
) -> SynthData:
    """``n_agencies`` invented agencies of ``region`` with consistent data for ``years``."""
    return generate_for(make_agencies(n_agencies, region, seed), years, seed)


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------


def _fmt_number(value: float) -> str:
    """A decimal as reports print it: no trailing zeros, at most two decimals."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def render_stats_csv(stats: pd.DataFrame, year: int) -> str:
    """The text of ``stats/<year>.csv``: sorted by agency_id, then official cell order.

    Written line by line rather than with ``DataFrame.to_csv``: for two million cells the
    latter is several times slower and would quote nothing differently (ids and numbers never
    need quoting).
    """
    fmt = format_for_year(year)
    frame = _categorical_stats(stats)
    frame = frame[frame["year"] == year]
    position = _position_lookup(fmt.id)
    pos = position[
        frame["table"].cat.codes.to_numpy(),
        frame["row"].cat.codes.to_numpy(),
        frame["col"].cat.codes.to_numpy(),
    ]
    if (pos < 0).any():
        raise ValueError(f"stats for {year} hold cells that {fmt.id} does not have")
    agency = _sorted_categorical(frame["agency_id"])
    order = np.lexsort((pos, agency.codes))
    pos, codes = pos[order], agency.codes[order]
    values = frame["value"].to_numpy()[order]
    keys = np.array([f",{ref.replace('.', ',')}," for ref in fmt.cell_refs()], dtype=object)
    agency_names = np.asarray(agency.categories, dtype=object)[codes].tolist()
    # map(operator.add) runs the concatenation in C: ~3x faster than an f-string generator.
    heads = map(operator.add, agency_names, keys[pos].tolist())
    lines = map(operator.add, heads, _value_texts(values, pos, fmt))
    return ",".join(STATS_COLUMNS) + "\n" + "\n".join(lines) + "\n"


def _sorted_categorical(ids: pd.Series) -> pd.Categorical:
    """agency_id as a categorical whose codes sort like the ids themselves."""
    if isinstance(ids.dtype, pd.CategoricalDtype) and ids.cat.categories.is_monotonic_increasing:
        return ids.array
    return pd.Categorical(ids.astype(str))


@cache
def _position_lookup(format_id: str) -> np.ndarray:
    """(table, row, col) category codes → position in the format's cell order, or -1."""
    tables, rows, cols = _id_categories()
    lookup = np.full((len(tables), len(rows), len(cols)), -1, dtype=np.int64)
    t, r, c = _cell_codes(format_id)
    lookup[t, r, c] = np.arange(len(t))
    return lookup


def _value_texts(values: np.ndarray, pos: np.ndarray, fmt: ReportFormat) -> list[str]:
    """Cell values as text: integers plainly, decimals trimmed, units kept, blanks empty."""
    refs = fmt.cell_refs()
    decimal_pos = [i for i, ref in enumerate(refs) if _is_decimal(fmt, ref)]
    blank = np.isnan(values)
    texts = np.where(blank, 0, values).astype(np.int64).astype(str).tolist()
    special = np.flatnonzero(blank | np.isin(pos, decimal_pos))
    for i in special.tolist():
        if blank[i]:
            texts[i] = ""
        else:
            texts[i] = _fmt_number(values[i]) + AMOUNT_UNITS.get(refs[pos[i]], "")
    return texts


def _is_decimal(fmt: ReportFormat, ref: str) -> bool:
    table, _, col = ref.split(".")
    return fmt.table(table).column(col).type == "decimal"


def write(data: SynthData, out_dir: str | Path) -> list[Path]:
    """Write ``agencies.csv``, ``stats/<year>.csv`` and ``text/<year>/<id>.md`` (UTF-8, LF).

    Returns the written paths. Files not belonging to ``data`` are left alone.
    """
    out = Path(out_dir)
    (out / "stats").mkdir(parents=True, exist_ok=True)
    written = [out / "agencies.csv"]
    agencies = data.agencies.loc[:, list(AGENCY_COLUMNS)].fillna("").astype(str)
    agencies.sort_values("agency_id", kind="stable").to_csv(
        written[0], index=False, lineterminator="\n", encoding="utf-8"
    )
    stats = _categorical_stats(data.stats)
    for year, frame in stats.groupby("year", sort=True):
        path = out / "stats" / f"{year}.csv"
        path.write_bytes(render_stats_csv(frame, int(year)).encode("utf-8"))
        written.append(path)
    for year in sorted({y for y, _ in data.texts}):
        (out / "text" / str(year)).mkdir(parents=True, exist_ok=True)
    for (year, agency_id), text in sorted(data.texts.items()):
        path = out / "text" / str(year) / f"{agency_id}.md"
        path.write_bytes(text.encode("utf-8"))
        written.append(path)
    return written


# --------------------------------------------------------------------------------------------
# Narratives
# --------------------------------------------------------------------------------------------

# How each kind of agency refers to itself and to its own parts. Sub-districts never speak of
# 镇/村 and towns never of 街道: mixing them up is a known copy-paste error of real reports.
_VOCAB: dict[str, dict[str, tuple[str, ...] | str]] = {
    "街道": dict(self=("我街道", "本街道", "街道办事处"), sub="各社区", two="街道、社区两级",
               whole="全街道", people=("辖区居民", "辖区群众", "居民群众"), leader="街道党工委",
               chief=("街道党工委书记", "街道办事处主任"), office="党政综合办公室",
               hall="街道便民服务中心", board="社区政务公开栏"),
    "镇": dict(self=("我镇", "本镇", "镇政府"), sub="各村（社区）", two="镇村两级",
              whole="全镇", people=("辖区群众", "全镇群众", "农民群众"), leader="镇党委",
              chief=("镇党委书记", "镇长"), office="党政综合办公室",
              hall="镇便民服务中心", board="村务公开栏"),
    "乡": dict(self=("我乡", "本乡", "乡政府"), sub="各村", two="乡村两级",
              whole="全乡", people=("辖区群众", "全乡群众", "农民群众"), leader="乡党委",
              chief=("乡党委书记", "乡长"), office="党政综合办公室",
              hall="乡便民服务中心", board="村务公开栏"),
    "部门": dict(self=("我局", "本局"), sub="局属各单位", two="局机关和局属单位",
               whole="全局", people=("服务对象", "社会公众", "办事群众"), leader="局党组",
               chief=("党组书记、局长", "局长"), office="局办公室",
               hall="政务服务窗口", board="办事大厅公开栏"),
    "政府": dict(self=("{lvl}政府", "{lvl}人民政府"), sub="各乡镇（街道）和{lvl}直各部门",
               two="{lvl}、乡镇（街道）两级", whole="全{lvl}", people=("社会公众", "人民群众"),
               leader="{lvl}政府", chief=("{lvl}政府常务副{lvl}长", "{lvl}政府分管负责同志"),
               office="{lvl}政务公开办公室", hall="{lvl}政务服务中心", board="政务公开专区"),
}

_TOPIC_LABELS = {
    "awareness": "公开意识不强", "timeliness": "栏目更新不及时", "interpretation": "政策解读不够",
    "depth": "公开深度不足", "staff": "工作力量薄弱", "boards": "线下公开栏不规范",
    "response": "回应关切不及时", "quality": "信息发布不规范", "requests": "依申请答复不够规范",
    "oversight": "督促考核不到位", "privacy": "个人信息保护不到位", "channels": "渠道衔接不紧密",
}

# The phrase bank: ``[slot]`` starts a list of alternatives, one per line. Placeholders are
# filled per agency-year; no line contains a space (keeps each alternative a single token).
_PHRASE_BANK = """
[theme.2019]
围绕庆祝新中国成立70周年和新修订《条例》施行两项重点
以“不忘初心、牢记使命”主题教育为契机
紧扣新修订《中华人民共和国政府信息公开条例》自5月15日起施行的要求
把贯彻新修订《条例》作为全年政务公开工作的主线
[theme.2020]
统筹抓好疫情防控和经济社会发展两项任务
在抗击新冠肺炎疫情和脱贫攻坚收官的大考中
紧扣疫情防控阻击战和疫后重振的工作大局
围绕决胜全面建成小康社会的目标任务
[theme.2021]
紧扣庆祝中国共产党成立100周年和“十四五”开局的时代主题
结合党史学习教育“我为群众办实事”实践活动
围绕巩固拓展脱贫攻坚成果同乡村振兴有效衔接
以贯彻新修订的年度报告格式为契机
[theme.2022]
围绕喜迎和学习宣传贯彻党的二十大精神
着眼高效统筹疫情防控和经济社会发展
紧扣稳住经济大盘、保障和改善民生的年度任务
落实“疫情要防住、经济要稳住、发展要安全”的要求
[theme.2023]
紧扣全面贯彻党的二十大精神开局起步的要求
结合学习贯彻习近平新时代中国特色社会主义思想主题教育
围绕疫情防控平稳转段后经济社会加快恢复
着眼推动高质量发展取得新成效
[theme.2024]
结合庆祝新中国成立75周年和党纪学习教育
围绕推进政务服务“高效办成一件事”
紧扣全面深化改革的各项部署
着眼实现“十四五”规划目标任务的关键节点
[theme.2025]
紧扣“十四五”规划收官的目标任务
围绕谋划“十五五”发展和推进基层治理现代化
结合深入贯彻中央八项规定精神学习教育
着眼全面完成“十四五”各项目标
[theme.default]
围绕{year}年度政务公开工作要点
紧扣{year}年各项重点任务
着眼持续深化{year}年度政务公开工作
[area.2019]
扶贫资金使用和项目实施情况
庆祝新中国成立70周年系列活动安排
“不忘初心、牢记使命”主题教育整改落实情况
[area.2020]
疫情防控措施和防疫物资调配信息
复工复产扶持政策
脱贫攻坚收官阶段的帮扶措施
[area.2021]
新冠病毒疫苗接种安排
“我为群众办实事”项目清单
乡村振兴重点项目进展
[area.2022]
助企纾困和稳岗就业政策
常态化疫情防控要求
自建房安全专项整治进展
[area.2023]
稳就业、促消费的各项措施
防范化解重点领域风险的工作安排
主题教育为民办实事清单
[area.2024]
大规模设备更新和消费品以旧换新政策
“高效办成一件事”重点事项清单
城乡居民医保参保缴费安排
[area.2025]
民生实事项目完成情况
基层减负各项措施
“十四五”规划目标任务完成情况
[area.街道]
老旧小区改造进度
低保和特困人员救助
社区网格化管理
文明城市创建
就业创业扶持政策
城市管理和环境整治
养老服务补贴发放
征收安置补偿
退役军人优待抚恤
社区公共服务事项
[area.镇]
惠农补贴资金发放
农村危房改造
村级财务和集体资产管理
农村人居环境整治
防汛抗旱和地质灾害防治
农村低保和特困供养
耕地保护和宅基地审批
乡村振兴项目建设
农村饮水安全
退役军人优待抚恤
[area.部门]
行政执法“三项制度”落实情况
权责清单和政务服务事项
部门预决算和“三公”经费
“双随机、一公开”监管结果
行业发展规划
重大建设项目批准和实施
财政资金使用情况
人事招录和任免信息
建议提案办理结果
行政许可和行政处罚结果
[area.政府]
政府常务会议决策事项
财政预决算和政府债务
重大建设项目批准和实施
公共资源配置
社会公益事业建设
规划计划和政策文件
重大行政决策事项目录
民生实事项目进展
[opening]
{year}年，{self}在{upper}的领导下，{theme}，认真贯彻《中华人民共和国政府信息公开条例》，扎实推进决策、执行、管理、服务、结果公开，政务公开工作取得新进展。
{theme}，{self}坚持以人民为中心的发展思想，把政务公开作为建设法治政府、服务型政府的重要内容，持续提升各项工作的透明度。
{year}年，{name}{theme}，按照{upper}的部署，以公开促落实、以公开促规范、以公开促服务，各项工作稳步推进。
本年度，{self}{theme}，严格对照上级政务公开工作要点，聚焦{people}关切，不断拓展公开内容、规范公开流程。
{theme}，{name}把政务公开融入日常管理和服务全过程，切实保障{people}的知情权、参与权、表达权和监督权。
{year}年是{name}政务公开工作持续深化的一年。{self}{theme}，着力在公开质量和回应实效上下功夫。
{theme}，{self}以群众需求为导向推进政务公开，公开范围进一步扩大，公开程序进一步规范。
{year}年度，{name}{theme}，认真落实上级关于全面推进政务公开的部署，工作的制度化、规范化水平稳步提高。
{self}{theme}，把政务公开同本单位中心工作紧密结合、一体推进，{year}年各项公开任务均按计划落实。
{theme}，{self}把“公开为常态、不公开为例外”贯穿工作始终，通过公开凝聚共识、推动发展。
[leadership]
{self}调整充实政务公开工作领导小组，由{chief}担任组长，{office}具体承办，形成了主要负责同志亲自抓、分管负责同志具体抓、专人日常办理的工作格局。
{leader}年初专题研究政务公开工作，印发年度工作要点，把各项任务分解到具体岗位和责任人，并将完成情况纳入平时考核。
{self}坚持把政务公开与中心工作同部署、同推进，明确{office}为日常工作机构，配备{n_staff}名兼职信息员，做到工作有人抓、事情有人管。
{leader}全年{n_meet}次听取政务公开工作汇报，及时研究解决栏目维护、人员配备等具体问题，工作基础进一步夯实。
{self}建立“主要领导负总责、分管领导具体抓、{office}统筹协调、{sub}分工落实”的责任链条，确保公开任务层层有人负责。
年内，{self}对政务公开工作机构和人员进行了调整，新任信息员全部完成岗前培训，工作衔接有序、未出现断档。
{self}把政务公开列入{leader}议事日程，全年召开专题会议{n_meet}次，对重点领域信息公开逐项明确时限和责任人。
为压实工作责任，{self}与{sub}签订政务公开目标责任书，实行月调度、季通报，推动各项任务按期完成。
{self}将政务公开纳入年度重点工作清单，由{chief}牵头研究部署，{office}每月梳理公开事项并跟踪落实。
{self}修订完善政务公开工作制度，明确信息采集、审核、发布、更新等环节的责任分工，使日常工作有章可循。
[active]
全年通过{portal}主动公开各类政府信息{n_site}条，内容涵盖工作动态、通知公告、政策文件和办事指南等。
{self}按照“以公开为常态、不公开为例外”的要求，全年在{portal}{name}专栏发布信息{n_site}条，做到应公开尽公开。
依托{portal}和{wx}，{self}全年累计发布信息{n_site}条，其中政策解读类{n_policy}条，及时回应{people}关切。
{self}动态更新主动公开目录，年内在{portal}新增发布信息{n_site}条，对机构职能、领导分工、联系方式等基础信息及时校核。
{self}坚持重要工作部署、重大民生事项第一时间公开，全年在{portal}发布信息{n_site}条，配发图文解读{n_policy}篇。
年内{self}主动公开政府信息{n_site}条，较好地满足了{people}了解政策、办理事项的需要。
围绕年度重点工作，{self}在{portal}集中发布工作动态、通知公告等信息{n_site}条，同步在{wx}推送{n_wx}条。
{self}梳理编制主动公开事项清单，逐项明确公开内容、时限和渠道，全年通过各类渠道公开信息{n_site}条。
本年度{self}通过{portal}发布各类信息共计{n_site}条，对涉及{people}切身利益的事项坚持事前公示、事后公开。
{self}全年在{portal}发布信息{n_site}条，其中转载上级政策文件并配套解读{n_policy}件，方便群众查阅。
[areas]
聚焦群众关注的热点，重点公开了{area1}、{area2}等方面的信息。
在重点领域，{self}对{area1}和{area2}实行专项公开，做到程序、标准和结果“三公开”。
{area1}、{area2}等信息均按要求在规定时限内予以公开，接受{people}监督。
围绕{area1}，{self}及时公开政策依据、办理流程和落实结果；对{area2}，定期更新进展情况。
对{area1}、{area2}等{people}关心的事项，{self}坚持逐项公开、逐月更新。
年内突出抓好{area1}和{area2}的信息公开，公开内容更加具体，便于群众理解和监督。
{self}把{area1}、{area2}列为公开重点，通过{board}和网上专栏同步公开。
涉及{area1}、{area2}的各项信息，{self}在{two}同步公示，确保公开到位、群众知晓。
{self}对照重点领域公开清单，对{area1}、{area2}等事项实行清单化管理，做到及时、准确、完整。
在{area1}方面坚持阳光操作，在{area2}方面做到公示在前、落实在后，群众满意度持续提升。
[request]
{self}规范依申请公开办理流程，对收到的申请统一登记、分类研判、限时办理，答复文书做到要素齐全、依据充分。
{office}负责统一受理政府信息公开申请，收件、登记、承办、审核、答复各环节全程留痕，确保办理规范。
{self}在{hall}设置依申请公开受理点，公布受理渠道、地址和联系电话，方便申请人提交申请。
对申请内容不明确的，{self}一次性告知补正事项；对需要征求第三方意见的，严格按程序书面征询。
{self}完善依申请公开答复审核机制，重要答复经法律顾问审查后出具，防范行政复议和行政诉讼风险。
{self}修订依申请公开工作规程，统一答复文书格式，进一步提升办理质量。
办理过程中，{self}注重与申请人沟通，准确把握申请意图，努力做到答复有理有据、便于理解。
{self}对依申请公开实行台账管理，定期梳理申请所涉事项，对申请较为集中的信息及时转为主动公开。
{self}畅通网上、信函和当面等申请渠道，在{portal}公布依申请公开指南，申请人可按指南提出申请。
{self}组织承办人员学习答复规范，对不予公开、无法提供等答复类型逐项明确法律依据。
[management]
{self}严格落实公开前保密审查制度，坚持“先审查、后公开”和“谁公开、谁审查”，全年未发生失泄密事件。
{self}对历年发布的信息进行集中清理，撤下过时失效信息{n_clean}条，确保网上信息准确有效。
{self}落实信息发布“三审三校”要求，由承办人初审、{office}复审、分管负责同志终审，严把政治关、内容关和文字关。
{self}开展公文公开属性源头认定，拟文时即明确“主动公开”“依申请公开”或“不予公开”，从源头规范管理。
{self}结合网站内容检查，对错链、空白栏目和个人隐私信息进行排查，整改问题{n_fix}处。
{self}建立政府信息发布台账，逐条记录发布时间、审核人员和公开渠道，做到可查可溯。
{self}对涉及个人信息的公示材料进行脱敏处理，身份证号码、联系电话等一律隐去关键位。
{self}定期对政策文件进行清理，对已失效、废止的文件在显著位置作出标注，避免误导群众。
年内{self}梳理更新政府信息公开指南和公开目录，对{n_clean}条信息重新分类归档。
{self}严格执行信息发布审批制度，未经审核的信息一律不得发布，信息发布质量稳步提升。
[platform]
{self}加强{portal}{name}栏目的日常维护，做到栏目有内容、内容常更新。
{wx}全年推送信息{n_wx}条，成为{people}了解政务动态的重要窗口。
{self}在{two}规范设置政务公开栏，全年更新公开内容{n_board}次，方便不熟悉网络的群众就近查阅。
{hall}设置政务公开查阅点，配备查阅设备和纸质资料，为群众提供现场查阅服务。
{self}整合网站、{wx}和{board}等公开渠道，推动线上线下同步发布、相互印证。
{self}对{board}进行统一规范，明确版式和更新周期，全年更新{n_board}次。
{self}借助政务服务平台推进事项网上办理，办事指南和办理结果同步在网上公开。
{self}注重发挥新媒体作用，{wx}全年发布原创信息{n_wx}条，信息传播更加及时。
{self}利用广播、宣传栏和{board}等传统渠道，确保老年人等群体也能及时获取政府信息。
{self}完善政府信息公开专栏设置，将主动公开目录、依申请公开指南和年度报告集中展示。
[supervision]
{self}组织政务公开业务培训{n_train}次，重点学习《中华人民共和国政府信息公开条例》和信息发布规范。
{self}将政务公开纳入{sub}年度目标考核，对工作滞后的单位及时督促整改。
{self}在{portal}公布监督电话，主动接受{people}和社会各界对政务公开工作的监督。
{self}每季度开展政务公开自查，对发现的问题建立台账、限期整改，全年开展检查{n_check}次。
{self}积极配合上级部门的检查评估，对反馈的问题逐项整改销号。
{self}邀请{people}代表对政务公开工作进行评议，认真听取意见建议并加以改进。
年内，{self}组织信息员参加上级举办的业务培训{n_train}期，工作人员业务能力进一步提升。
{self}建立政务公开工作通报制度，对信息发布不及时、不准确的情况进行通报提醒。
本年度{self}未发生因政务公开工作不到位而被追究责任的情况。
{self}坚持把政务公开工作与党风廉政建设结合起来，以公开促规范、以监督促落实。
[assessment]
{lvl}政府将政务公开纳入年度绩效考核，考核结果在一定范围内通报；年内组织社会评议{n_check}次，本年度未发生政务公开责任追究事项。
本年度政务公开工作考核覆盖{sub}，考核结果与评先评优挂钩；通过第三方开展社会评议，未发生需要追究责任的情形。
{lvl}政府对{sub}政务公开工作开展年度考核和社会评议，对排名靠后的单位进行约谈提醒，全年未启动责任追究程序。
[problem_intro]
对照上级要求和群众期待，{self}政务公开工作仍存在一些不足：
在肯定成绩的同时，{self}也清醒地看到工作中存在的短板：
{year}年，{self}政务公开工作虽有进步，但仍有以下问题需要解决：
经自查和上级检查反馈，{self}政务公开工作主要存在以下问题：
回顾全年工作，{self}在政务公开方面还存在一些薄弱环节：
[measure_intro]
针对上述问题，{self}将重点从以下方面改进：
下一步，{self}将逐项制定整改措施：
为切实解决上述问题，{self}将采取以下措施：
对此，{self}已研究确定以下改进措施，并明确了完成时限：
下一年度，{self}将着力抓好以下几项工作：
[rectify]
对上年度报告中提出的{prev}等问题，{self}已逐项明确责任人和整改时限，目前均已整改到位。
上一年度指出的{prev}等问题，经过一年来的整改，已得到有效解决。
针对上年度报告所列{prev}等问题，{self}制定了整改清单，相关问题已基本解决，整改情况已在年内通报。
上年度报告反映的{prev}等问题已纳入年度工作计划，本年度通过专项整改，取得了明显成效。
[problem.awareness]
个别工作人员对政务公开的重要性认识不足，存在重业务、轻公开的倾向，主动公开的积极性不高。
少数干部对新修订《条例》的理解还不够深入，依法公开的意识有待增强。
[measure.awareness]
加强《条例》学习宣传，把政务公开纳入干部教育培训内容，引导工作人员树立“公开是常态”的理念。
通过专题学习和案例讲解，推动干部职工全面掌握公开要求，增强主动公开的自觉性。
[problem.timeliness]
部分栏目信息更新不够及时，有的栏目较长时间未更新内容。
网站个别栏目存在更新滞后、内容单薄的现象。
[measure.timeliness]
建立栏目更新责任清单，明确每个栏目的维护责任人和更新频次，实行定期检查通报。
实行栏目“认领”制度，对长期未更新的栏目进行整合或补充，保证信息常态更新。
[problem.interpretation]
政策解读形式较为单一，以文字解读为主，图解、视频等群众易于接受的形式运用较少。
政策解读的针对性不强，对群众关心的具体问题回应不够。
[measure.interpretation]
丰富解读形式，综合运用图解、短视频、问答等方式，提高政策解读的可读性。
坚持政策文件与解读材料同步起草、同步审签、同步发布，增强解读的针对性。
[problem.depth]
公开内容以工作动态为主，涉及决策过程和执行结果的信息偏少，公开深度有待拓展。
部分重点领域信息公开不够全面，公开内容的完整性还需加强。
[measure.depth]
对照重点领域公开清单逐项查漏补缺，加大决策、执行、管理、服务、结果全过程公开力度。
围绕群众关注点拓展公开内容，推动重点领域信息公开做深做实。
[problem.staff]
政务公开工作人员多为兼职，人员变动较频繁，业务能力参差不齐。
专职工作力量不足，信息员兼任多项工作，难以集中精力做好公开工作。
[measure.staff]
保持信息员队伍相对稳定，加强业务培训和岗位交接，提升工作人员的专业化水平。
合理调配工作力量，明确专人负责，并通过以会代训、跟班学习等方式提升业务能力。
[problem.boards]
{board}内容更新不够规范，个别地方存在公开内容过期的问题。
线下公开渠道作用发挥不够，部分公开栏版面陈旧、内容较少。
[measure.boards]
统一规范{board}的设置和更新要求，加强日常巡查，确保线下公开内容及时准确。
对{board}进行更新改造，建立定期检查机制，推动线上线下公开同步。
[problem.response]
政民互动渠道作用发挥不够充分，对群众留言咨询的回应还不够及时。
回应社会关切的主动性有待提高，对热点问题的解读回应不够迅速。
[measure.response]
健全咨询留言办理机制，明确答复时限和责任人，做到件件有回音。
建立舆情收集和回应机制，对群众关注的热点问题及时发布权威信息。
[problem.quality]
信息发布的规范性有待提高，个别信息存在标题不规范、要素不全等问题。
部分信息分类不够准确，影响群众查找使用。
[measure.quality]
严格执行信息发布审核制度，统一信息标题、正文和附件格式，提升发布质量。
对已发布信息开展分类校核，按公开目录规范归类，方便群众检索。
[problem.requests]
依申请公开答复的规范化水平还需提升，个别答复文书说理不够充分。
对依申请公开中涉及的法律问题研判能力不足，办理经验还需积累。
[measure.requests]
加强答复文书审核，必要时请法律顾问把关，确保答复合法、规范、说理充分。
组织承办人员学习典型案例，提升依申请公开办理的法治化水平。
[problem.oversight]
政务公开考核评议机制还不够健全，督促检查的力度有待加大。
对{sub}政务公开工作的指导督促还不够有力。
[measure.oversight]
完善政务公开考核办法，加大日常检查和结果运用力度，推动工作落实。
加强对{sub}的业务指导，定期开展检查通报，层层传导工作压力。
[problem.privacy]
公示材料中个人信息保护意识有待加强，存在脱敏处理不到位的风险。
少数公示内容涉及个人信息，审查把关还不够严格。
[measure.privacy]
对涉及个人信息的公示内容严格审查，统一脱敏标准，切实保护当事人合法权益。
建立个人信息公示前专项审查环节，对公示期满的信息及时撤除。
[problem.channels]
各公开渠道之间衔接不够紧密，存在同一信息发布不同步的情况。
新媒体平台与门户网站的内容统筹不够，信息重复发布与遗漏并存。
[measure.channels]
统筹网站、新媒体和线下公开栏的发布安排，实行一次审核、多渠道同步发布。
建立各公开渠道的信息共享清单，定期比对核查，做到发布同步、内容一致。
[other]
本年度无其他需要报告的事项。
{self}认真落实{year}年政务公开工作要点，各项任务均已按要求推进。本年度无其他需要报告的事项。
本年度{self}未承办人大代表建议和政协委员提案，无其他需要报告的事项。
{year}年度政务公开工作要点明确的各项任务，{self}已逐项落实。除此之外，无其他需要报告的事项。
{self}已按要求完成政务公开相关统计报送工作，无其他需要报告的事项。
本年度{self}承办人大代表建议{n_a}件、政协委员提案{n_b}件，均已按期办结，办理复文已按规定公开。
{self}按照上级要求开展了政务公开标准化规范化建设自查，相关情况已报送主管部门。无其他需要报告的事项。
"""


@cache
def _phrases() -> dict[str, tuple[str, ...]]:
    """The phrase bank parsed into slot → alternatives (parsed on first use, not on import)."""
    bank: dict[str, list[str]] = {}
    slot = None
    for line in _PHRASE_BANK.splitlines():
        line = line.strip()
        if not line:
            continue
        if line.startswith("[") and line.endswith("]"):
            slot = line[1:-1]
            bank[slot] = []
        elif slot is not None:
            bank[slot].append(line)
    return {k: tuple(v) for k, v in bank.items()}


class _Chooser:
    """Picks phrase alternatives, avoiding those the same agency used the year before.

    Choosing differently from last year keeps consecutive reports of one agency clearly
    distinct (R_text_reuse), the way a real office rewrites its report each year.
    """

    def __init__(self, rnd: random.Random, last: dict[str, set[int]]):
        self.rnd, self.last, self.now = rnd, last, {}
        self.bank = _phrases()

    def pick(self, slot: str, k: int = 1) -> list[str]:
        options = self.bank[slot]
        used = self.last.get(slot)
        pool = [i for i in range(len(options)) if i not in used] if used else range(len(options))
        if len(pool) < k:
            pool = range(len(options))
        chosen = self.rnd.sample(pool, k) if k > 1 else [pool[_below(self.rnd, len(pool))]]
        self.now.setdefault(slot, set()).update(chosen)
        return [options[i] for i in chosen]

    def one(self, slot: str) -> str:
        return self.pick(slot)[0]


def _below(rnd: random.Random, n: int) -> int:
    """A uniform index below ``n`` (cheaper than ``randrange`` in this hot loop)."""
    return int(rnd.random() * n)


def _between(rnd: random.Random, low: int, high: int) -> str:
    """A uniform integer in [low, high], as text for a placeholder."""
    return str(low + _below(rnd, high - low + 1))


def _vocab_key(kind: str, short_name: str) -> str:
    """Which vocabulary an agency uses: 街道, 镇, 乡, 部门 or 政府."""
    if kind == "乡镇":
        return "乡" if short_name.endswith("乡") else "镇"
    return kind if kind in _VOCAB else "部门"


def _context(agency: Mapping[str, str], year: int, rnd: random.Random) -> _Context:
    """Placeholder values for one agency-year: names, vocabulary and year-specific details."""
    vocab = _VOCAB[_vocab_key(agency["kind"], agency["short_name"])]
    lvl = _district(agency["region"])[-1]
    big = agency["kind"] in ("部门", "政府")
    ctx = {
        key: value[_below(rnd, len(value))] if isinstance(value, tuple) else value
        for key, value in vocab.items()
    }
    ctx.update(
        year=str(year), name=agency["short_name"], lvl=lvl,
        upper=f"{lvl}委、{lvl}政府" if agency["kind"] != "政府" else "上级党委、政府",
        portal=f"{lvl}政府门户网站", wx=f"{agency['short_name']}政务微信公众号",
        n_site=_between(rnd, 60, 520) if big else _between(rnd, 25, 260),
        n_wx=_between(rnd, 20, 380), n_board=_between(rnd, 4, 26),
        n_train=_between(rnd, 1, 6), n_clean=_between(rnd, 3, 90), n_fix=_between(rnd, 2, 40),
        n_policy=_between(rnd, 2, 24), n_meet=_between(rnd, 2, 6),
        n_check=_between(rnd, 2, 8), n_staff=_between(rnd, 1, 5),
        n_a=_between(rnd, 1, 12), n_b=_between(rnd, 1, 15),
    )
    selves = vocab["self"]
    if agency["kind"] == "政府":
        ctx = {k: v.format(lvl=lvl) for k, v in ctx.items()}
        selves = tuple(v.format(lvl=lvl) for v in selves)
    return _Context(ctx, selves, rnd)


class _Context(dict):
    """Placeholder values; ``{self}`` varies between sentences, as a writer's subject does."""

    def __init__(self, values: Mapping[str, str], selves: Sequence[str], rnd: random.Random):
        super().__init__(values)
        self.selves, self.rnd = tuple(selves), rnd

    def __getitem__(self, key: str) -> str:
        if key == "self":
            return self.selves[_below(self.rnd, len(self.selves))]
        return super().__getitem__(key)


def _fill(template: str, ctx: Mapping[str, str]) -> str:
    return template.format_map(ctx)


def _areas(ctx: _Context, chooser: _Chooser, year: int, kind_key: str) -> None:
    """Two focus areas: one tied to the year's events when there are any, one to the kind."""
    kind_area = chooser.pick(f"area.{'镇' if kind_key == '乡' else kind_key}", 2)
    year_slot = f"area.{year}"
    ctx["area1"] = chooser.one(year_slot) if year_slot in _phrases() else kind_area[1]
    ctx["area2"] = kind_area[0]


def _overview(ctx: _Context, chooser: _Chooser, year: int, f2021: bool, gov: bool) -> str:
    """Section 总体情况: an opening paragraph and the five topics of 30号 part （一）."""
    theme_slot = f"theme.{year}" if f"theme.{year}" in _phrases() else "theme.default"
    ctx["theme"] = _fill(chooser.one(theme_slot), ctx)
    opening = _fill(chooser.one("opening"), ctx)
    active = _fill(chooser.one("active") + chooser.one("areas"), ctx)
    request = _fill("".join(chooser.pick("request", 2)), ctx)
    management = _fill("".join(chooser.pick("management", 2)), ctx)
    platform = _fill("".join(chooser.pick("platform", 2)), ctx)
    supervision = chooser.one("leadership") + chooser.one("supervision")
    if gov:
        supervision += chooser.one("assessment")
    supervision = _fill(supervision, ctx)
    if f2021:
        bodies = (active, request, management, platform, supervision)
        parts = [opening] + [
            f"### {title}\n\n{body}" for title, body in zip(SUBTOPICS_F2021, bodies, strict=True)
        ]
    else:
        parts = [opening, supervision, active, request, management + platform]
    return "\n\n".join(parts)


def _problems(
    ctx: _Context, chooser: _Chooser, prev_topics: Sequence[str], rnd: random.Random
) -> tuple[str, list[str]]:
    """Section 五: problems each paired with a measure, and how last year's were rectified."""
    topics = [t for t in _TOPIC_LABELS if t not in prev_topics]
    chosen = rnd.sample(topics, 3)
    ordinals = ("一是", "二是", "三是")
    pairs = list(zip(ordinals, chosen, strict=True))
    problems = "".join(f"{o}{_fill(chooser.one(f'problem.{t}'), ctx)}" for o, t in pairs)
    measures = "".join(f"{o}{_fill(chooser.one(f'measure.{t}'), ctx)}" for o, t in pairs)
    paragraphs = []
    if prev_topics:
        prev = "、".join(_TOPIC_LABELS[t] for t in prev_topics[:2])
        ctx["prev"] = prev
        paragraphs.append(_fill(chooser.one("rectify"), ctx))
    paragraphs.append(_fill(chooser.one("problem_intro"), ctx) + problems)
    paragraphs.append(_fill(chooser.one("measure_intro"), ctx) + measures)
    return "\n\n".join(paragraphs), chosen


def _published(year: int, rnd: random.Random) -> dt.date:
    """A working day in the second half of January of the next year (before the deadline)."""
    day = dt.date(year + 1, 1, rnd.randint(12, 31))
    while day.weekday() >= 5:
        day -= dt.timedelta(days=1)
    return day


def _front_matter(published: dt.date, fees: Mapping[str, int] | None) -> str:
    lines = ["---", f"published: {published.isoformat()}"]
    for key, value in (fees or {}).items():
        lines.append(f"{key}: {int(value)}")
    lines.append("---")
    return "\n".join(lines)


def render_narrative(
    agency: Mapping[str, str],
    year: int,
    rnd: random.Random,
    memory: dict,
    fees: Mapping[str, int] | None = None,
) -> str:
    """The Markdown narrative of one agency-year; ``memory`` carries last year's choices."""
    kind_key = _vocab_key(agency["kind"], agency["short_name"])
    ctx = _context(agency, year, rnd)
    chooser = _Chooser(rnd, memory.get("choices", {}))
    _areas(ctx, chooser, year, kind_key)
    f2021 = format_for_year(year).id != "F2019"
    overview = _overview(ctx, chooser, year, f2021, agency["kind"] == "政府")
    problems, topics = _problems(ctx, chooser, memory.get("topics", []), rnd)
    other = _fill(chooser.one("other"), ctx)
    memory["choices"], memory["topics"] = chooser.now, topics
    sections = (overview, problems, other)
    body = "\n\n".join(
        f"## {h}\n\n{s}" for h, s in zip(NARRATIVE_HEADINGS, sections, strict=True)
    )
    return f"{_front_matter(_published(year, rnd), fees)}\n\n{body}\n"


def _narratives(
    agencies: pd.DataFrame,
    years: Sequence[int],
    fees: Mapping[int, Mapping[str, np.ndarray]],
    rnd: random.Random,
) -> dict[tuple[int, str], str]:
    """Narratives for every agency-year; each agency's years are written in order."""
    texts = {}
    for i, agency in enumerate(agencies.to_dict("records")):
        memory: dict = {}
        for year in years:
            year_fees = {k: int(v[i]) for k, v in fees[year].items()} or None
            texts[(year, agency["agency_id"])] = render_narrative(
                agency, year, rnd, memory, year_fees
            )
    return texts


# --------------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------------


def parse_years(text: str) -> list[int]:
    """``2019-2024`` → [2019, …, 2024]; ``2021`` → [2021]; ``2020,2021`` → [2020, 2021]."""
    years: list[int] = []
    for part in text.split(","):
        part = part.strip()
        if "-" in part:
            first, last = (int(p) for p in part.split("-", 1))
            years.extend(range(first, last + 1))
        elif part:
            years.append(int(part))
    return _years(years)


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry: generate and write a synthetic data set."""
    parser = argparse.ArgumentParser(
        prog="python -m nianbao.testing.synth",
        description="Write deterministic synthetic report data (agencies, stats, texts).",
    )
    parser.add_argument("--agencies", type=int, required=True, help="number of agencies")
    parser.add_argument("--years", type=parse_years, default=parse_years("2019-2024"),
                        help="report years, e.g. 2019-2024 (default)")
    parser.add_argument("--out", type=Path, required=True, help="output data directory")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--region", default=DEFAULT_REGION,
                        help=f"region of all agencies (default {DEFAULT_REGION})")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    data = generate(args.agencies, args.years, seed=args.seed, region=args.region)
    write(data, args.out)
    elapsed = time.perf_counter() - started
    print(
        f"{args.agencies} agencies × {len(args.years)} years → {args.out} in {elapsed:.2f} s",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
