"""Write the project's sample data into ``data/`` (deterministic: same files on every run).

The sample is the 13 units of 咸宁市咸安区 for report years 2020–2023, so that carry-overs chain
across years and both report formats (F2019 for 2020, F2021 from 2021) are exercised:

- 浮山街道 (``fushan``) 2020 is transcribed from its published report, blanks and genuine errors
  included (see ``data/README.md`` for every reading of the garbled table 三);
- everything else is synthetic (``nianbao.testing.synth``); ``fushan`` 2021–2023 continues from the
  transcribed carry-out so that R5 holds across the seam.

Usage::

    python scripts/make_sample_data.py [--out DIR]     # default: data/ of this repository
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import pandas as pd

from nianbao.formats.spec import format_for_year
from nianbao.testing.synth import (
    AGENCY_COLUMNS,
    APPLICANT_COLUMNS,
    SynthData,
    generate_for,
    merge,
    write,
)

ROOT = Path(__file__).resolve().parents[1]
REGION = "咸宁市咸安区"
PORTAL = "http://www.xianan.gov.cn/"
YEARS = range(2020, 2024)
SEED = 2020

# (agency_id, unit, kind) in the order of the division list.
UNITS = (
    ("wenquan", "温泉街道", "街道"), ("yongan", "永安街道", "街道"), ("fushan", "浮山街道", "街道"),
    ("tingsiqiao", "汀泗桥镇", "乡镇"), ("xiangyanghu", "向阳湖镇", "乡镇"),
    ("guanbuqiao", "官埠桥镇", "乡镇"), ("henggouqiao", "横沟桥镇", "乡镇"),
    ("heshengqiao", "贺胜桥镇", "乡镇"), ("shuangxiqiao", "双溪桥镇", "乡镇"),
    ("maqiao", "马桥镇", "乡镇"), ("guihua", "桂花镇", "乡镇"), ("gaoqiao", "高桥镇", "乡镇"),
    ("damu", "大幕乡", "乡镇"),
)

# Contact details printed in the preface of the 浮山街道 2020 report.
FUSHAN_CONTACT = {
    "address": "咸安区嫦娥大道与010乡道交叉口北150米",
    "phone": "0715-8320878",
    "postcode": "437000",
    "email": "xafsb@xianan.gov.cn",
    "website": PORTAL,
}

# Every figure the 浮山街道 2020 report prints, exactly as printed. Cells not listed here were
# blank in the published tables (they all belong to 三 and 四) and stay blank in the data.
FUSHAN_2020_PRINTED: dict[str, float | str] = {
    **{f"t2_1.{r}.{c}": 0 for r in ("regulation", "normative_doc")
       for c in ("new_made", "new_published", "total_published")},
    "t2_5.admin_license.prev_items": 290,
    "t2_5.admin_license.items_change": 20,
    "t2_5.admin_license.decisions": 310,
    "t2_5.other_external_service.prev_items": 7768,
    "t2_5.other_external_service.items_change": 1779,
    "t2_5.other_external_service.decisions": 9547,
    # As printed; 本年增/减 looks like a decrease without its sign, but is never "corrected".
    "t2_6.admin_penalty.prev_items": 143,
    "t2_6.admin_penalty.items_change": 21,
    "t2_6.admin_penalty.decisions": 122,
    "t2_6.admin_coercion.prev_items": 84,
    "t2_6.admin_coercion.items_change": 22,
    "t2_6.admin_coercion.decisions": 62,
    "t2_8.admin_fee.prev_items": 0,
    "t2_8.admin_fee.items_change": 0,
    "t2_9.central_procurement.procurement_items": 30,
    "t2_9.central_procurement.procurement_amount": "2249470.45元",
    # Table 三: only the 总计 column survives (row labels of 一 and 二 are lost in the text).
    # The applicant of the one application is reconstructed as a natural person (自然人): the
    # garbled text lost it, and the printed note (本列…) requires every column to balance.
    "t3.new.natural_person": 1,
    "t3.res_partial.natural_person": 1,
    "t3.res_total.natural_person": 1,
    "t3.new.total": 1,
    "t3.carry_in.total": 0,
    "t3.res_partial.total": 1,
    "t3.res_total.total": 1,
    "t3.carry_out.total": 0,
    # Table 四: only the three 总计 cells are printed.
    "t4.cases.rev_total": 0,
    "t4.cases.lit_direct_total": 0,
    "t4.cases.lit_after_rev_total": 0,
}

# The narrative of 浮山街道 2020, rewritten in our own words from the published report. Two
# genuine errors of that report are kept on purpose (see data/README.md): the 镇村两级公开栏 and
# 全镇 wording of a town's report, and the sentence about publicising 贺胜桥镇.
FUSHAN_2020_TEXT = """---
published: 2021-01-27
---

## 总体情况

2020年，浮山街道办事处在区委、区政府的领导下，以建设人民满意的服务型机关为目标，把维护群众切身利益作为政务公开的出发点，持续规范公开的内容和方式，扩大公开覆盖面，提高行政工作透明度，以公开保障群众知情权、推动经济社会高质量发展。

### （一）单位概况

依据区委办公室、区政府办公室关于浮山街道职能配置、机构设置和人员编制的规定，街道办事处核定行政编制41名，年末实有在编人员37名，领导职数为三正八副。办事处内设党政综合办公室、社会事务办公室、平安建设办公室、经济服务办公室和社区工作办公室5个机构，下设党群服务中心、社区网格管理综合服务中心和综合执法中心3个直属事业单位。办公地址为咸安区嫦娥大道与010乡道交叉口北150米，工作日对外办公时间为8:30至12:00、14:30至17:30（夏季下午为15:00至18:00），对外联系电话0715-8320878。

### （二）组织领导

新修订《条例》施行后，街道办事处按照区委、区政府的部署，把政务公开重点工作作为硬任务推进：印发专项工作通知，制定实施方案并排出进度表，成立由党委副书记、办事处主任任组长的政务公开工作领导小组，设立专门岗位负责公开信息的收集整理，并督促各村（社区）和处直单位抓好落实，使公开工作横向覆盖各部门、纵向延伸到村（社区）。

### （三）平台建设

全年主要通过五个渠道公开信息：一是在区政府门户网站（http://www.xianan.gov.cn/）的相关栏目发布本单位政务信息；二是利用镇村两级政务公开栏公示职权事项和办事流程图，并把扶贫、医疗、社会保障等方面的政策和落实情况张榜公布，方便群众查看监督；三是依托咸宁市统一综合受理平台，为群众网上办理社保、民政、卫健、医保等业务，减少群众往返奔波；四是运营“乐居浮山”微信公众号，推送政策法规、工作动态和便民服务信息，提高群众对政务公开的知晓度和参与度；五是主动对接新闻媒体，加大对贺胜桥镇改革发展成果的宣传报道。

### （四）主动公开情况

全年在各级各类媒体刊发新闻稿件300余篇，其中省级及以上媒体6篇，咸宁日报、香城都市报等市级媒体99篇，云上咸宁、云上咸安等客户端250余篇。通过咸宁市统一综合受理平台办理业务36件。区政府网站全年涉及浮山的公开信息597条，包括新闻544条、信息公开年报10条、投诉求助咨询建议类来信18条、政策性文件11条、其他信息14条。12345平台转来的投诉486件，全年办结504件，办结率100%。

### （五）重点工作信息公开

疫情防控方面，年初疫情发生后，街道迅速划分小区管理网格，组建临时党支部164个，动员志愿者1402名，对辖区209个小区、125个村湾实行封闭管理，服务群众10万余人；先后7轮入户排查，摸清返乡人员13139名、特殊人群843名；在全区率先建成集中隔离点，承担65个病例（含临床诊断）所在楼栋小区的封闭值守，完成150名留观人员的转运、311名密切接触者的隔离管理和584名武汉返乡及发热人员的跟踪管理。

复工复产方面，街道开辟绿色通道、组建工作专班，帮助辖区6987家企业复工复产、14937名职工返岗；建立一企一策、定期走访的帮扶机制，打通用工信息渠道，安排622人进厂务工；发放规上企业疫情补贴6万元，减免国有厂房租金120余万元。

脱贫攻坚方面，完成消费扶贫任务55860元；发放产业奖补资金10.77万元，支持59户贫困户发展种养殖；兜底保障210户501人；教育帮扶179人，其中雨露计划21人；为152名残疾人发放补贴，其中一、二级重度残疾人97人；完成危房改造41户；为88户发放扶贫贷款573.1万元；就业信息覆盖务工人员2万余人，输送务工人员2500余人，新增公益性岗位37个。

项目建设和经济发展方面，集中力量推进龙潭水镇、泉都学校、咸宁大道西段延伸线、十六潭公园（四期）、淦水商业城解危拆除和青龙、杨下卫生室等项目。截至11月，6家规模以上工业企业完成工业总产值9.27亿元；新增限额以上商贸企业2家，14家限上商贸企业实现社会消费品零售总额1.98亿元；孵化园全年新进驻企业9家，累计实现税收523万余元；全年引进投资项目10个，其中工业项目2个，引进资金3.2亿元。

城乡建设和民生保障方面，推进大畈五组、旗鼓四组、省煤机等片区棚户区改造，17个老旧小区改造项目已完工12个，2239户居民受益；累计投入创文资金2000万元，整治三无小区（散居片区）75个、背街小巷66条，拆除违法建筑157处13720平方米；将607户793人纳入低保，发放低保金308216元，临时救助140人次、救助金302140元，城乡居民养老保险和医保参保率均达到100%。

依法行政方面，落实法律顾问制度，重大和疑难事项事先听取法律意见；组织领导干部集中学法，开展“七五”普法以及宪法、民法典等专题宣传，全镇居民法治意识进一步增强；坚持领导包案、定期约访，推动信访问题就地化解。

财政预决算信息正在编制审核，将另行单独公开。

## 存在的主要问题及改进情况

对照上级要求和群众期待，街道政务公开工作仍有不足：一是思想认识有差距，个别干部对政务公开的意义理解不深，工作上存在等靠心理；二是推进力度不够，公开工作进展偏慢；三是公开内容不够规范具体，重点不够突出，个别栏目长期未更新、缺少动态信息，公开效果打了折扣。

下一步，街道将从四个方面改进：一是深化认识，引导各站所把政务公开作为推进廉政建设、优化发展环境的重要抓手；二是加强领导和监督，健全检查、责任追究和信息反馈制度，推动各项公开要求落地；三是提升公开质量，推动政务公开工作水平再上台阶；四是规范公开的内容和形式，对群众普遍关心的重大问题和重大决策及时公开。

## 其他需要报告的事项

无。
"""


def agencies_frame() -> pd.DataFrame:
    """The 13 units with their official names; contact details only where published."""
    rows = []
    for agency_id, short, kind in UNITS:
        name = f"{REGION}人民政府{short}办事处" if kind == "街道" else f"{REGION}{short}人民政府"
        row = dict.fromkeys(AGENCY_COLUMNS, "")
        row.update(agency_id=agency_id, name=name, short_name=short, region=REGION, kind=kind,
                   website=PORTAL)
        if agency_id == "fushan":
            row.update(FUSHAN_CONTACT)
        rows.append(row)
    return pd.DataFrame(rows, columns=AGENCY_COLUMNS).sort_values("agency_id").reset_index(
        drop=True
    )


def _number(printed: float | str) -> float:
    """A printed cell as a number (the unit 元 is re-attached when the file is written)."""
    return float(str(printed).removesuffix("元"))


def fushan_2020_stats() -> pd.DataFrame:
    """Every cell of the F2019 format for 浮山街道 2020: printed values, NaN where blank."""
    fmt = format_for_year(2020)
    refs = fmt.cell_refs()
    unknown = set(FUSHAN_2020_PRINTED) - set(refs)
    if unknown:
        raise ValueError(f"not cells of {fmt.id}: {sorted(unknown)}")
    rows = []
    for ref in refs:
        table, row, col = ref.split(".")
        printed = FUSHAN_2020_PRINTED.get(ref)
        value = math.nan if printed is None else _number(printed)
        rows.append(("fushan", 2020, table, row, col, value))
    return pd.DataFrame(rows, columns=["agency_id", "year", "table", "row", "col", "value"])


def fushan_2020_carry_out() -> list[int]:
    """The seed's 结转下年度继续办理 per applicant column (blank counts as 0)."""
    values = {ref: _number(v) for ref, v in FUSHAN_2020_PRINTED.items()}
    return [int(values.get(f"t3.carry_out.{col}", 0)) for col in APPLICANT_COLUMNS]


def build() -> SynthData:
    """The complete sample: transcribed 浮山 2020 plus synthetic continuation and siblings."""
    agencies = agencies_frame()
    fushan = agencies[agencies["agency_id"] == "fushan"]
    others = agencies[agencies["agency_id"] != "fushan"]
    siblings = generate_for(others, YEARS, seed=SEED)
    continuation = generate_for(
        fushan, range(2021, YEARS[-1] + 1), seed=SEED + 1,
        carry_in={"fushan": fushan_2020_carry_out()},
    )
    transcribed = SynthData(fushan, fushan_2020_stats(), {(2020, "fushan"): FUSHAN_2020_TEXT})
    data = merge([siblings, continuation, transcribed])
    data.agencies = agencies
    return data


def clean(out: Path) -> None:
    """Remove previously generated stats and texts, so that dropped files do not linger."""
    for path in sorted(out.glob("stats/*.csv")) + sorted(out.glob("text/*/*.md")):
        path.unlink()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write the sample data set.")
    parser.add_argument("--out", type=Path, default=ROOT / "data",
                        help="data directory (default: data/ of this repository)")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    clean(args.out)
    written = write(build(), args.out)
    print(f"wrote {len(written)} files to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
