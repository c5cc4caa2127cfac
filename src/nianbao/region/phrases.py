"""The Chinese wording of the region summary, kept apart from the code that fills it in.

Placeholders are ``str.format`` fields; numbers arrive already formatted by the shared helpers
of ``nianbao.report.narrative`` (``fmt_count``, ``fmt_pct``). Category and row labels come from the
format files, never from here.
"""

from __future__ import annotations

from nianbao.findings import SEVERITY_ZH

TITLE = "{region}{year}年政府信息公开工作年度报告汇总"
SUBTITLE = "{year}年政府信息公开工作年度报告汇总"

PREFACE = (
    "本汇总根据{region}单位名录所列{n}个单位报送的{year}年度政府信息公开工作年度报告统计数据编制。"
    "第二、三、四部分表格采用与各单位年度报告相同的统一格式（{document_no}），"
    "每个单元格为各单位对应单元格之和{missing}。所列数据的统计期间为{year}年1月1日至{year}年12月31日。"
)
PREFACE_MISSING = "，未报送数据的单位不计入合计"
AMOUNT_NOTE = "各单位以不同单位填写的{label}已统一折算为元后合计。"

# --- Coverage ----------------------------------------------------------------------------------

COVERAGE_ALL = "{region}单位名录共列{n}个单位，均已报送{year}年度统计数据。"
COVERAGE_SOME = (
    "{region}单位名录共列{n}个单位，其中{m}个单位已报送{year}年度统计数据，"
    "{k}个单位未报送（{names}）。"
)
NAMES_MORE = "{names}等{n}个单位"
NAME_SEP = "、"

# --- Totals ------------------------------------------------------------------------------------

TOTALS = "全区各单位本年度合计{facts}。"
PREV_SET_DIFFERS = "上年报送数据的单位为{m}个，与上年的比较以各年报送单位的合计为准。"

# --- Movements against last year ---------------------------------------------------------------

MOVERS_UP = "与上年相比，新收申请增加较多的有{items}"
MOVERS_DOWN_AFTER_UP = "；减少较多的有{items}"
MOVERS_DOWN_ONLY = "与上年相比，新收申请减少较多的有{items}"
MOVER_UP = "{name}（增加{d}件，增长{pct}）"
MOVER_UP_FROM_ZERO = "{name}（增加{d}件，上年为0件）"
MOVER_DOWN = "{name}（减少{d}件，下降{pct}）"
MOVERS_NONE = "与上年相比，各单位新收申请数量均无变化。"
CATEGORY_UP = "办理结果中变化最大的是{label}，由上年的{a}件增加到{b}件"
CATEGORY_DOWN = "办理结果中变化最大的是{label}，由上年的{a}件减少到{b}件"
CATEGORY_PCT = "（{direction}{pct}）"
UP = "增长"
DOWN = "下降"
FIRST_REPORT = "{names}为首次报送数据，不参与增减比较。"

# --- Checks ------------------------------------------------------------------------------------

CHECK_CLEAN = "数据校验未发现错误或警告。"
CHECK_ERRORS = "{a}个单位存在校验错误（共{e}项）"
CHECK_WARNINGS = "{b}个单位存在校验警告（共{w}项）"
CHECK_FILES = "另有{k}项数据文件问题"
CHECK_SENTENCE = "数据校验发现{parts}，详见“数据校验情况”部分。"
LATE = "{k}个单位逾期发布年度报告（{names}）。"
NO_TEXT = "{k}个单位缺少年度报告正文（{names}）。"

# --- Section headings and captions -------------------------------------------------------------

H_OVERVIEW = "一、总体情况"
H_COMPARISON = "五、各单位情况对比"
H_CHECKS = "六、数据校验情况"
SECTION_LEAD = "下表为全区{m}个单位的合计数。"

COMPARISON_LEAD = (
    "下表列出单位名录中的全部{n}个单位，点击表头可按该列排序（HTML 版）。"
    "“公开占比”为予以公开和部分公开申请占办结申请的比例；“较上年”为新收申请的增减数。"
)
FIG_RESULTS = "图{no} 全区政府信息公开申请办理结果"
FIG_AGENCIES = "图{no} 各单位新收和办结申请数量"
FIG_AGENCIES_TOP = "图{no} 新收申请数量居前{top}位的单位"
FIG_TREND = "图{no} 全区历年政府信息公开申请收到和办结情况"
REST_NOTE = "其余{k}个单位合计新收申请{n}件、办结申请{m}件。"

CHECKS_AGGREGATE = "汇总表勾稽关系核验"
CHECKS_AGGREGATE_LEAD = "汇总表按统一格式的勾稽规则核验（与单个单位年度报告相同）："
CHECKS_AGGREGATE_OK = "全部{n}项规则均通过。"
CHECKS_AGGREGATE_FAIL = "{k}项规则未通过，原因是部分单位的数据本身不平衡，见下表。"
CHECKS_BY_RULE = "校验问题按规则统计"
CHECKS_BY_AGENCY = "各单位校验结果"
CHECKS_NONE = "各单位均未发现校验问题。"
NO_DATA_TITLE = "未报送数据的单位"
NO_TEXT_TITLE = "缺少年度报告正文的单位"
LATE_TITLE = "逾期发布年度报告的单位"
FILES_TITLE = "数据文件问题"
NONE_ITEM = "无。"

PASS = "通过"
FAIL = "未通过"
SEVERITY = SEVERITY_ZH
REPORTED = "已报送"
NOT_REPORTED = "未报送"
