"""The Chinese wording of the generated narrative, kept apart from the logic that fills it in.

Reviewers of the official register read this file; ``narrative.py`` decides which phrase applies
and supplies the numbers. Placeholders are ``str.format`` fields. Labels (规章, 行政许可,
予以公开 …) are never written here: they come from the format files.
"""

from __future__ import annotations

# --- Section 二 -------------------------------------------------------------------------------

# Columns of the 第二十条第（一）项 table that record this year's actions on documents, as verbs.
# Keyed by column id so that both formats (制发/废止 and 新制作/新公开) share one code path.
DOC_ACTION_VERBS = {
    "issued": "制发",
    "repealed": "废止",
    "new_made": "新制作",
    "new_published": "新公开",
}

# The stock column of the same table: (phrase when > 0, phrase when 0).
DOC_STOCK_PHRASES = {
    "in_force": ("现行有效{label}{n}件", "亦无现行有效的{label}"),
    "total_published": ("对外公开{label}总数{n}件", "亦无对外公开的{label}"),
}

DOC_ACTIONS_FIRST = "{verb}{label}{n}件"  # first action of a row names the document kind
DOC_ACTIONS_NEXT = "{verb}{n}件"
DOC_NO_ACTION = "未{verbs}{label}"  # verbs joined with 或
DOC_ALL_ZERO = "未{verb}{labels}，{stock_none}"
DOCS_SENTENCE = "本年度{clauses}。"

DECISIONS_MADE = "本年度作出{items}"
DECISION_ITEM = "{label}处理决定{n}件"
DECISIONS_NONE = "未作出{labels}处理决定"
DECISIONS_NONE_ALL = "本年度未作出{labels}处理决定。"

ITEMS_PREV = "{label}上一年项目数量{n}项"
ITEMS_PREV_NONE = "{label}上一年无项目"
ITEMS_UP = "本年增加{n}项"
ITEMS_DOWN = "本年减少{n}项"
ITEMS_SAME = "本年无变化"
ITEMS_DECISIONS = "处理决定{n}件"
ITEMS_NO_DECISIONS = "未作出处理决定"
ITEMS_ALL_ZERO = "无{labels}相关事项"
ITEMS_NONE_AT_ALL = "本年度无{labels}相关事项"

FEE_AMOUNT = "本年度{label}金额为{amount}。"
FEE_NONE = "本年度无{label}。"

PROCUREMENT = "本年度{label}项目{n}项，采购总金额{amount}。"
PROCUREMENT_NONE = "本年度无{label}项目。"

GENERIC_CELL = "{row}{column}{value}"

# --- Section 三 -------------------------------------------------------------------------------

S3_NOTHING = "本年度未收到政府信息公开申请，无上年结转及结转下年度的申请。"
S3_RECEIVED_ONE = "本年度收到政府信息公开申请{n}件"
S3_RECEIVED_MANY = "本年度共收到政府信息公开申请{n}件"
S3_RECEIVED_NONE = "本年度未收到新的政府信息公开申请"
S3_YOY_UP = "较上年增长{pct}"
S3_YOY_DOWN = "较上年下降{pct}"
S3_YOY_SAME = "与上年持平"
S3_APPLICANTS_SPLIT = "其中{person}提出{a}件、{org}提出{b}件"
S3_APPLICANTS_ONE = "由{who}提出"
S3_APPLICANTS_ALL = "均由{who}提出"
S3_CARRY_IN = "上年结转申请{n}件"
S3_CARRY_IN_NONE = "无上年结转申请"
S3_ANSWERED = "本年度办结申请{n}件"
S3_ANSWERED_INCL_CARRY = "本年度办结申请{n}件（含上年结转申请）"
S3_ANSWERED_NONE = "本年度尚无办结的申请"
S3_FIRST_SHARE = "{label}{n}件，占办结总数的{pct}"
S3_NEXT_SHARE = "{label}{n}件，占{pct}"
S3_FIRST_SHARE_TINY = "{label}{n}件，占办结总数的比例{pct}"  # pct is "不足0.1%"
S3_NEXT_SHARE_TINY = "{label}{n}件，占比{pct}"
S3_COUNT_ONLY = "{label}{n}件"
S3_SINGLE_RESULT_ONE = "办理结果为{label}"
S3_SINGLE_RESULT_ALL = "办理结果均为{label}"
S3_REASON_MAIN = "主要原因为{label}（{n}件）"
S3_REASON_ONLY_ONE = "原因为{label}"
S3_REASON_ONLY_ALL = "原因均为{label}"
S3_CARRY_OUT = "结转下年度继续办理{n}件。"
S3_CARRY_OUT_NONE = "无结转下年度继续办理的申请。"

# --- Section 四 -------------------------------------------------------------------------------

S4_NOTHING = "本年度未发生因政府信息公开工作被申请行政复议、提起行政诉讼的情况。"
S4_PREFIX = "本年度因政府信息公开工作"
S4_REVIEWS = "被申请行政复议{n}件"
S4_REVIEWS_NONE = "未被申请行政复议"
S4_LAWSUITS = "被提起行政诉讼{n}件"
S4_LAWSUITS_NONE = "未被提起行政诉讼"
S4_LAWSUITS_SPLIT = "其中{parts}"
S4_LAWSUITS_ONE_KIND = "为{kind}"
S4_LAWSUITS_ALL_ONE_KIND = "均为{kind}"
S4_ALL_UPHELD = "均获维持"
S4_OUTCOME = "{label}{n}件"

# --- Section 六 (F2021) -----------------------------------------------------------------------

FEE_NOTHING = "本年度未收取政府信息公开信息处理费。"
FEE_NOTICES_ONE = "本年度发出政府信息公开信息处理费收费通知{n}件，金额为{amount}"
FEE_NOTICES_MANY = "本年度共发出政府信息公开信息处理费收费通知{n}件，金额合计{amount}"
FEE_COLLECTED = "实际收取{amount}。"
FEE_COLLECTED_NONE = "实际未收取费用。"

# --- Overview ---------------------------------------------------------------------------------

FACT_NEW = "新收政府信息公开申请{n}件"
FACT_NEW_NONE = "未收到新的政府信息公开申请"
FACT_OPEN_SHARE = "办结申请{n}件，其中{labels}{m}件，占办结总数的{pct}"
FACT_CARRY_OUT = "结转下年度继续办理{n}件"
FACT_CASES = "因政府信息公开工作被申请行政复议{r}件、被提起行政诉讼{s}件"
FACT_NO_CASES = "未发生因政府信息公开工作引起的行政复议、行政诉讼"

# --- Numbers ----------------------------------------------------------------------------------

PCT_BELOW_RESOLUTION = "不足0.1%"
