"""Writes small data directories for tests, in the exact layout of data/."""

from __future__ import annotations

import csv
from pathlib import Path

from nianbao.data.layout import AGENCY_COLUMNS
from nianbao.formats.spec import format_for_year

AGENCY_HEADER = list(AGENCY_COLUMNS)

TEXT = """---
published: {published}
{extra}---
## 总体情况

{s1}

## 存在的主要问题及改进情况

{s5}

## 其他需要报告的事项

无。
"""


def agency_row(agency_id: str, short: str, kind: str = "街道", region: str = "测试区") -> dict:
    suffix = "办事处" if kind == "街道" else "人民政府"
    return {"agency_id": agency_id, "name": f"{region}{short}{suffix}", "short_name": short,
            "region": region, "kind": kind}


def zero_report(year: int) -> dict[str, object]:
    """Every cell of the year's format at 0 (a consistent report)."""
    return {ref: 0 for ref in format_for_year(year).cell_refs()}


def write_dataset(root: Path, agencies: list[dict], stats: dict[int, dict[str, dict]],
                  texts: dict[tuple[str, int], str] | None = None,
                  published: str | None = None) -> Path:
    """agencies: registry rows; stats: {year: {agency_id: {ref: value or '' (blank)}}}.

    A narrative is written for every agency-year unless ``texts`` gives one (None = no file).
    """
    root = Path(root)
    (root / "stats").mkdir(parents=True, exist_ok=True)
    with open(root / "agencies.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, AGENCY_HEADER)
        writer.writeheader()
        for a in agencies:
            writer.writerow({k: a.get(k, "") for k in AGENCY_HEADER})
    texts = texts or {}
    for year, by_agency in stats.items():
        with open(root / "stats" / f"{year}.csv", "w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(["agency_id", "table", "row", "col", "value"])
            for agency, cells in by_agency.items():
                for ref, value in cells.items():
                    writer.writerow([agency, *ref.split("."), value])
        for agency in by_agency:
            key = (agency, year)
            text = texts.get(key, default_text(agency, year, published))
            if text is None:
                continue
            path = root / "text" / str(year) / f"{agency}.md"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    return root


def default_text(agency: str, year: int, published: str | None = None) -> str:
    extra = ""
    if year >= 2021:
        extra = "fee_notices_issued: 0\nfee_notices_amount_yuan: 0\nfee_collected_yuan: 0\n"
    s1, s5 = YEARLY[year % len(YEARLY)]
    if year >= 2021:  # the F2021 overview covers five topics, as sub-headings
        topics = ("主动公开", "依申请公开", "政府信息管理", "政府信息公开平台建设", "监督保障")
        s1 += "".join(
            f"\n\n### （{n}）{t}\n\n{t}方面，{YEARLY[(year + i) % len(YEARLY)][0]}"
            for i, (n, t) in enumerate(zip("一二三四五", topics, strict=True))
        )
    return TEXT.format(published=published or f"{year + 1}-01-20", extra=extra, s1=s1, s5=s5)


# Distinct prose per year, so that consecutive years never look copied.
YEARLY = [
    ("围绕年度工作要点，重点公开财政预决算和民生项目信息。", "栏目更新偶有滞后，已实行按月检查。"),
    ("依托区政府门户网站集中发布政策文件，并同步开展解读。", "解读形式较单一，将增加图解和问答。"),
    ("规范依申请公开办理流程，严格在法定期限内答复。", "业务培训不足，计划每季度组织一次学习。"),
    ("推进基层政务公开标准化，梳理事项目录并动态调整。", "目录调整不够及时，建立专人复核机制。"),
    ("加强信息发布前的保密审查，确保公开内容准确。", "审查记录不完整，已统一登记台账格式。"),
    ("完善公开平台建设，新开设便民服务专栏。", "专栏访问量偏低，将通过公众号加强推广。"),
]
