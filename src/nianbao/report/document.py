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
from nianbao.errors import MissingFeeFigures, ParameterError, ReportBlocked
from nianbao.findings import SEVERITY_ZH, Finding, severity_rank
from nianbao.paths import DATA_DIR
from nianbao.report import charts, narrative, tables
from nianbao.report.bundle import HTMLBlock, MetadataBundle
from nianbao.report.parameters import PROFILES, registry_reason
from nianbao.report.provenance import provenance

# Official reports do contain small tables in their prose: GFM pipe tables are rendered.
_markdown = mistune.create_markdown(escape=True, plugins=["table"])




@dataclass
class ReportDocument:
    """One agency-year with everything its report shows."""

    report: Report
    history: list[Report]
    findings: list[Finding]
    profile: str = "review"
    provenance: dict = field(default_factory=dict)
    _figures: list | None = field(default=None, init=False, repr=False, compare=False)

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
        return HTMLBlock(f'<p class="preface">{html.escape(self.preface_text())}</p>')

    def preface_text(self) -> str:
        """The opening paragraph: legal basis, the six parts, the period, how to get in touch."""
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
        return text

    # ------------------------------------------------------------ sections

    def heading(self, section_id: str) -> HTMLBlock:
        sec = self.report.format.section(section_id)
        return HTMLBlock(f'<h2 id="{sec.id}">{html.escape(sec.heading)}</h2>')

    def section_parts(self, section_id: str) -> list[tuple[str, str]]:
        """What a section shows under its heading, in order, for any writer.

        Each part is ``("markdown", text)`` (the agency's prose), ``("text", sentence)``
        (generated from the numbers), ``("tables", section_id)`` (the official tables) or
        ``("missing", message)`` (a statement the data cannot make: fee figures left out).
        """
        r = self.report
        prose = self.report.prose.sections.get(section_id, "")
        generated = {
            "s2": narrative.section2_paragraph,
            "s3": narrative.section3_paragraph,
            "s4": narrative.section4_paragraph,
            "s6": narrative.fee_sentence,
        }
        parts: list[tuple[str, str]] = []
        if section_id in generated:
            try:
                sentence = generated[section_id](r)
            except MissingFeeFigures as exc:  # check reports it as an error
                parts.append(("missing", str(exc)))
            else:
                if sentence:
                    parts.append(("text", sentence))
        if section_id in ("s2", "s3", "s4"):
            parts.append(("tables", section_id))
        elif prose:
            parts.append(("markdown", prose))
        return parts

    def section(self, section_id: str) -> HTMLBlock:
        """One of the six sections: heading, narrative or generated sentences, tables."""
        body = [self.heading(section_id)]
        for kind, value in self.section_parts(section_id):
            if kind == "text":
                body.append(_p(value))
            elif kind == "tables":
                body.append(tables.section_html(self.report, value))
            elif kind == "missing":  # check reports it as an error
                body.append(f'<p class="missing-statement">【{html.escape(value)}】</p>')
            else:
                body.append(_markdown(value))
        return HTMLBlock("\n".join(str(b) for b in body if b))

    def sections(self) -> list[HTMLBlock]:
        return [self.section(s.id) for s in self.report.format.sections]

    # ------------------------------------------------------------ charts

    def figures(self) -> list[tuple[str, bytes]]:
        """Captions and PNG images of the charts shown after section 三 (drawn once)."""
        if self._figures is not None:
            return self._figures
        figures = [("图1 本年度政府信息公开申请办理结果", charts.results_by_category(self.report))]
        if len(self.history) > 1:
            figures.append(("图2 历年政府信息公开申请收到和办结情况", charts.trend(self.history)))
        self._figures = [(caption, charts.figure_png(fig)) for caption, fig in figures]
        return self._figures

    def charts(self) -> HTMLBlock:
        """Application results by category and, with earlier years, the multi-year trend."""
        out = ['<div class="charts">']
        for caption, png in self.figures():
            data = base64.b64encode(png).decode("ascii")
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

    def signature(self) -> list[str]:
        """The agency and, when the narrative gives it, the publication date, at the end."""
        issued = self.report.prose.published
        lines = [self.report.agency.name]
        if issued:
            lines.append(f"{issued.year}年{issued.month}月{issued.day}日")
        return lines

    def footer(self) -> HTMLBlock:
        return HTMLBlock("".join(f'<p class="signature">{html.escape(line)}</p>'
                                 for line in self.signature()))


def _p(text: str) -> str:
    return f"<p>{html.escape(text)}</p>" if text else ""


RESULT_ORDER = {"错误": 0, "警告": 1, "存疑": 2, "提示": 3, "通过": 4, "不适用": 5, "由生成保证": 6}


@dataclass(frozen=True)
class ValidationRow:
    """One line of the 数据校验 table: a rule, its result and the messages that explain it."""

    rule_id: str
    title: str
    result: str
    details: tuple[str, ...] = ()


def validation_rows(report: Report, findings: list[Finding]) -> list[ValidationRow]:
    """Every rule checked for a report with its result, errors first (HTML and Word share it)."""
    fmt = report.format
    by_rule: dict[str, list[Finding]] = {}
    for f in findings:
        by_rule.setdefault(f.rule, []).append(f)
    rows: list[ValidationRow] = []
    seen = set()
    for rule, _binding, _refs in rule_instances(fmt):
        if rule.id in seen:
            continue
        seen.add(rule.id)
        hits = by_rule.pop(rule.id, [])
        if hits:
            result = _worst(hits)
            details = tuple(f.message for f in hits)
        elif rule.scope == "generated":
            result = "由生成保证"
            details = tuple(filter(None, [rule.model_extra.get("generated_note", "")]))
        elif rule.scope == "cross_year" and report.prev is None:
            result, details = "不适用", (_no_prev_reason(report, findings),)
        else:
            result = "通过"
            details = tuple(filter(None, [rule.model_extra.get("generated_note", "")]))
        rows.append(ValidationRow(rule.id, rule.title_zh, result, details))
    for rule_id, hits in by_rule.items():  # input problems (IN_*) have no format rule
        result = _worst(hits)
        rows.append(ValidationRow(rule_id, "数据文件", result,
                                  tuple(f"{f.where()} {f.message}" for f in hits)))
    rows.sort(key=lambda r: (RESULT_ORDER[r.result], r.rule_id))
    return rows


def validation_summary(rows: list[ValidationRow]) -> str:
    """The sentence above the 数据校验 table."""
    counts = {k: sum(1 for r in rows if r.result == k) for k in ("错误", "警告", "存疑", "通过")}
    return (f"本报告共核查 {len(rows)} 项规则：错误 {counts['错误']} 项，警告 {counts['警告']} 项，"
            + (f"存疑 {counts['存疑']} 项，" if counts["存疑"] else "")
            + f"通过 {counts['通过']} 项。")


def validation_html(report: Report, findings: list[Finding]) -> str:
    rows = validation_rows(report, findings)
    body = "".join(
        f'<tr class="result-{_css(r.result)}"><td class="label">{html.escape(r.title)}'
        f"<br/><code>{html.escape(r.rule_id)}</code></td><td>{r.result}</td>"
        f'<td class="label">{"<br/>".join(html.escape(d) for d in r.details)}</td></tr>'
        for r in rows
    )
    return (
        '<section class="validation"><h2>数据校验</h2>'
        f"<p>{validation_summary(rows)}</p>"
        '<table class="review-table"><thead><tr><th>规则</th><th>结果</th>'
        f"<th>说明及涉及单元格</th></tr></thead><tbody>{body}</tbody></table></section>"
    )


def _no_prev_reason(report: Report, findings: list[Finding]) -> str:
    """Why last year's data is absent: a statistics file that was not read says so."""
    prev = report.year - 1
    unread = [f for f in findings if f.rule == "IN_file_name" and f.file
              and Path(f.file).stem == str(prev)]
    if unread:
        return f"无 {prev} 年度数据：{unread[0].file} 未读取（{unread[0].message}）"
    return f"无 {prev} 年度数据"


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
        raise ParameterError(registry_reason(ds.findings, agency_id, data_dir / "agencies.csv"))
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
