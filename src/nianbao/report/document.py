"""The parts of one report as HTML blocks, in the official order, for the report notebook.

The notebook only calls these and displays the result; every sentence that states a number
comes from ``report.narrative`` and every table from ``report.tables``, both reading the same
``Report``, so text and tables cannot disagree.
"""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass, field
from pathlib import Path

import mistune

from nianbao.checks.validate import check, rule_instances
from nianbao.data.dataset import Dataset, load
from nianbao.data.model import Report
from nianbao.errors import ParameterError, ReportBlocked
from nianbao.findings import SEVERITY_ZH, Finding, severity_rank
from nianbao.paths import DATA_DIR
from nianbao.report import charts, narrative, tables
from nianbao.report.bundle import HTMLBlock, MetadataBundle
from nianbao.report.provenance import provenance

PROFILES = ("review", "publish")
_markdown = mistune.create_markdown(escape=True)




@dataclass
class ReportDocument:
    """One agency-year with everything its report shows."""

    report: Report
    history: list[Report]
    findings: list[Finding]
    profile: str = "review"
    provenance: dict = field(default_factory=dict)

    # ------------------------------------------------------------ front matter

    @property
    def title(self) -> str:
        return f"{self.report.agency.name}{self.report.year}年政府信息公开工作年度报告"

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    def title_block(self) -> HTMLBlock:
        a, y = self.report.agency, self.report.year
        return HTMLBlock(
            '<div class="report-title">'
            f'<p class="agency">{html.escape(a.name)}</p>'
            f"<h1>{y}年政府信息公开工作年度报告</h1></div>"
        )

    def preface(self) -> HTMLBlock:
        a, y, fmt = self.report.agency, self.report.year, self.report.format
        parts = "；".join(s.heading for s in fmt.sections)
        text = (
            f"根据《中华人民共和国政府信息公开条例》（以下简称《条例》）第五十条和国务院办公厅"
            f"政府信息与政务公开办公室印发的年度报告格式（{fmt.document_no}），{a.name}编制本年度报告。"
            f"报告分为六个部分：{parts}。所列数据的统计期间为{y}年1月1日至{y}年12月31日。"
        )
        contact = [
            (label, value) for label, value in (
                ("地址", a.address), ("电话", a.phone), ("邮政编码", a.postcode),
                ("电子邮箱", a.email),
            ) if value
        ]
        if contact:
            text += "对本报告如有疑问，可与本单位联系（" + "，".join(
                f"{k}：{v}" for k, v in contact) + "）。"
        if a.website:
            text += f"本报告电子版可在{a.website}查阅。"
        return HTMLBlock(f'<p class="preface">{html.escape(text)}</p>')

    # ------------------------------------------------------------ sections

    def heading(self, section_id: str) -> HTMLBlock:
        sec = self.report.format.section(section_id)
        return HTMLBlock(f'<h2 id="{sec.id}">{html.escape(sec.heading)}</h2>')

    def _prose(self, section_id: str) -> str:
        text = self.report.narrative.sections.get(section_id, "")
        return _markdown(text) if text else ""

    def section(self, section_id: str) -> HTMLBlock:
        """One of the six sections: heading, narrative or generated sentences, tables."""
        r = self.report
        body = [self.heading(section_id)]
        if section_id == "s1":
            body.append(self._prose("s1"))
        elif section_id == "s2":
            body.append(_p(narrative.section2_paragraph(r)))
            body.append(tables.section2_html(r))
        elif section_id == "s3":
            body.append(_p(narrative.section3_paragraph(r)))
            body.append(tables.section3_html(r))
        elif section_id == "s4":
            body.append(_p(narrative.section4_paragraph(r)))
            body.append(tables.section4_html(r))
        elif section_id == "s5":
            body.append(self._prose("s5"))
        elif section_id == "s6":
            fee = narrative.fee_sentence(r)
            if fee:
                body.append(_p(fee))
            body.append(self._prose("s6"))
        return HTMLBlock("\n".join(str(b) for b in body if b))

    def sections(self) -> list[HTMLBlock]:
        return [self.section(s.id) for s in self.report.format.sections]

    # ------------------------------------------------------------ charts

    def charts(self) -> HTMLBlock:
        """Application results by category and, with earlier years, the multi-year trend."""
        figures = [("图1 本年度政府信息公开申请办理结果", charts.results_by_category(self.report))]
        if len(self.history) > 1:
            figures.append(("图2 历年政府信息公开申请收到和办结情况", charts.trend(self.history)))
        out = ['<div class="charts">']
        for caption, fig in figures:
            data = base64.b64encode(charts.figure_png(fig)).decode("ascii")
            out.append(
                f'<figure class="chart"><img alt="{html.escape(caption)}" '
                f'style="width:100%;height:auto" src="data:image/png;base64,{data}"/>'
                f"<figcaption>{html.escape(caption)}</figcaption></figure>"
            )
        out.append("</div>")
        return HTMLBlock("".join(out))

    # ------------------------------------------------------------ review

    def validation(self) -> HTMLBlock:
        """数据校验: every rule checked for this report, its result and the cells, errors first."""
        return HTMLBlock(validation_html(self.report, self.findings))

    def review(self) -> HTMLBlock:
        """The 数据校验 section in the review profile; nothing in the publish profile."""
        return self.validation() if self.profile == "review" else HTMLBlock("")

    def metadata_bundle(self) -> MetadataBundle:
        """Provenance for the build, which moves it into the notebook metadata."""
        return MetadataBundle({
            "title": self.title,
            "running_header": self.report.agency.name,
            "profile": self.profile,
            "errors": len(self.errors),
            "warnings": sum(f.severity == "warning" for f in self.findings),
            "provenance": self.provenance,
        })

    def footer(self) -> HTMLBlock:
        issued = self.report.narrative.published
        date = f"{issued.year}年{issued.month}月{issued.day}日" if issued else ""
        lines = [f'<p class="signature">{html.escape(self.report.agency.name)}</p>']
        if date:
            lines.append(f'<p class="signature">{date}</p>')
        return HTMLBlock("".join(lines))


def _p(text: str) -> str:
    return f"<p>{html.escape(text)}</p>" if text else ""


RESULT_ORDER = {"错误": 0, "警告": 1, "存疑": 2, "提示": 3, "通过": 4, "不适用": 5, "由生成保证": 6}


def validation_html(report: Report, findings: list[Finding]) -> str:
    fmt = report.format
    by_rule: dict[str, list[Finding]] = {}
    for f in findings:
        by_rule.setdefault(f.rule, []).append(f)
    rows = []
    seen = set()
    for rule, _binding, _refs in rule_instances(fmt):
        if rule.id in seen:
            continue
        seen.add(rule.id)
        hits = by_rule.pop(rule.id, [])
        if hits:
            result = _worst(hits)
            detail = "<br/>".join(html.escape(f.message) for f in hits)
        elif rule.scope == "generated":
            result, detail = "由生成保证", html.escape(rule.model_extra.get("generated_note", ""))
        elif rule.scope == "cross_year" and report.prev is None:
            result, detail = "不适用", f"无 {report.year - 1} 年度数据"
        else:
            result, detail = "通过", html.escape(rule.model_extra.get("generated_note", ""))
        rows.append((RESULT_ORDER[result], rule.id, rule.title_zh, result, detail))
    for rule_id, hits in by_rule.items():  # input problems (IN_*) have no format rule
        result = _worst(hits)
        rows.append((RESULT_ORDER[result], rule_id, "数据文件", result,
                     "<br/>".join(html.escape(f"{f.where()} {f.message}") for f in hits)))
    rows.sort(key=lambda r: (r[0], r[1]))
    counts = {k: sum(1 for r in rows if r[3] == k) for k in ("错误", "警告", "存疑", "通过")}
    body = "".join(
        f'<tr class="result-{_css(res)}"><td class="label">{html.escape(title)}'
        f"<br/><code>{html.escape(rid)}</code></td><td>{res}</td>"
        f'<td class="label">{detail}</td></tr>'
        for _, rid, title, res, detail in rows
    )
    return (
        '<section class="validation"><h2>数据校验</h2>'
        f"<p>本报告共核查 {len(rows)} 项规则：错误 {counts['错误']} 项，警告 {counts['警告']} 项，"
        + (f"存疑 {counts['存疑']} 项，" if counts["存疑"] else "")
        + f"通过 {counts['通过']} 项。</p>"
        '<table class="review-table"><thead><tr><th>规则</th><th>结果</th>'
        f"<th>说明及涉及单元格</th></tr></thead><tbody>{body}</tbody></table></section>"
    )


def _worst(hits: list[Finding]) -> str:
    """The result of a rule: the most severe of its findings, in Chinese."""
    worst = min((f.severity for f in hits), key=severity_rank)
    return SEVERITY_ZH.get(worst, "警告")


def _css(result: str) -> str:
    css = {"错误": "error", "警告": "warning", "存疑": "uncertain", "通过": "pass"}
    return css.get(result, "na")


def prepare(
    agency_id: str,
    year: int,
    data_dir: str | Path = DATA_DIR,
    profile: str = "review",
    allow_errors: bool = False,
    dataset: Dataset | None = None,
) -> ReportDocument:
    """Check the notebook parameters against the data, validate, and assemble the document."""
    if profile not in PROFILES:
        raise ParameterError(f"profile 应为 {' 或 '.join(PROFILES)}，实际为“{profile}”")
    data_dir = Path(data_dir)
    if not (data_dir / "agencies.csv").exists():
        raise ParameterError(f"数据目录 {data_dir} 中没有单位名录 agencies.csv")
    ds = dataset or load(data_dir, agencies=[agency_id])
    if agency_id not in ds.agencies.index:
        raise ParameterError(f"单位标识“{agency_id}”不在单位名录 {data_dir / 'agencies.csv'} 中")
    try:
        report = ds.report(agency_id, int(year))
    except KeyError as exc:
        raise ParameterError(exc.args[0]) from None
    findings = check(ds, agencies=[agency_id], years=[int(year)])
    errors = [f for f in findings if f.severity == "error"]
    if profile == "publish" and errors and not allow_errors:
        raise ReportBlocked(
            f"{report.agency.name}{year}年度报告有 {len(errors)} 项校验错误，不能按发布版生成"
            "（如确需生成，请使用 --allow-errors）：\n"
            + "\n".join(f"- {f.rule}：{f.message}" for f in errors)
        )
    history = [r for r in ds.reports(agency_id) if r.year <= int(year)]
    doc = ReportDocument(report, history, findings, profile)
    doc.provenance = provenance(ds, agency_id, int(year))
    return doc
