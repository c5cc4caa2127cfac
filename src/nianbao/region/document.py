"""The parts of a region summary as HTML blocks, for ``notebooks/region_summary.ipynb``.

Same conventions as ``report.document``: the notebook only displays what these methods return;
official tables come from ``report.tables`` rendering the region totals, sentences from
``report.narrative`` and ``region.prose``, charts from ``report.charts`` and
``nianbao.region.charts``. The comparison table sorts in the browser with a few lines of inline
JavaScript; it loads nothing from the network and prints as a plain table.
"""

from __future__ import annotations

import base64
import html
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from nianbao.paths import DATA_DIR
from nianbao.region import charts as region_charts
from nianbao.region import phrases as P
from nianbao.region import prose
from nianbao.region.checks import rule_titles
from nianbao.region.data import RegionData, comparison_columns, load_region, region_provenance
from nianbao.report import charts, narrative, tables
from nianbao.report.bundle import HTMLBlock, MetadataBundle

# Styles of the summary's own blocks (the official tables are styled by the report template).
SUMMARY_CSS = """\
figure.nb-figure { margin: 0.8em 0; text-align: center; break-inside: avoid;
  page-break-inside: avoid; }
figure.nb-figure img { max-width: 100%; height: auto; }
figure.nb-figure figcaption { font-size: 0.9em; text-indent: 0; }
table.data td.d { white-space: nowrap; }
table.nb-sortable { font-size: 12px; }
table.nb-sortable th.sort { cursor: pointer; user-select: none; }
table.nb-sortable th.sort[aria-sort="ascending"]::after { content: " ▲"; }
table.nb-sortable th.sort[aria-sort="descending"]::after { content: " ▼"; }
table.nb-sortable td.n { text-align: right; white-space: nowrap;
  font-variant-numeric: tabular-nums; }
table.nb-sortable th.name, table.nb-sortable td.t { text-align: left; }
table.nb-sortable th.t { white-space: nowrap; }
table.nb-sortable tr.muted td, table.nb-sortable tr.muted th { color: #666; }
table.nb-sortable tfoot th, table.nb-sortable tfoot td { font-weight: 700; }
@media print {
  table.nb-sortable { font-size: 8pt; }
  table.nb-sortable tfoot { display: table-row-group; }  /* the totals once, at the end */
  table.nb-sortable td.d { font-size: 7pt; }
  table.nb-sortable th.sort::after { content: none; }
}
"""

# Sorts the rows of the table whose id is given: numbers descending first, text ascending
# (Chinese collation); empty cells stay last; Enter or Space on a header sorts too.
SORT_SCRIPT = """\
(function () {
  var table = document.getElementById(%s);
  if (!table || !table.tHead || !table.tBodies.length) { return; }
  var heads = table.tHead.rows[table.tHead.rows.length - 1].cells;
  function key(cell, numeric) {
    var v = cell.getAttribute("data-v");
    if (v === null || v === "") { return null; }
    return numeric ? parseFloat(v) : v;
  }
  function sortBy(index) {
    var th = heads[index];
    var numeric = th.getAttribute("data-type") !== "text";
    var now = th.getAttribute("aria-sort");
    var ascending = now ? now === "descending" : !numeric;
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = key(a.cells[index], numeric), y = key(b.cells[index], numeric);
      if (x === null || y === null) { return x === y ? 0 : (x === null ? 1 : -1); }
      var c = numeric ? x - y : x.localeCompare(y, "zh-CN");
      return ascending ? c : -c;
    });
    rows.forEach(function (row) { body.appendChild(row); });
    Array.prototype.forEach.call(heads, function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
  }
  Array.prototype.forEach.call(heads, function (th, index) {
    th.tabIndex = 0;
    th.title = "点击排序";
    th.addEventListener("click", function () { sortBy(index); });
    th.addEventListener("keydown", function (e) {
      if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sortBy(index); }
    });
  });
})();
"""

EMPTY = "—"


# ---------------------------------------------------------------- generic table helpers


@dataclass(frozen=True)
class Col:
    """One column of a data table: frame key, header, kind (text, count, change, pct, date),
    and optionally a function giving the printed text of a row."""

    key: str
    label: str
    kind: str = "text"
    text: Callable[[Mapping], str] | None = None


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA


def _cell_text(col: Col, row: Mapping) -> tuple[str, str]:
    """(printed text, sort value) of one cell."""
    value = row.get(col.key)
    if _missing(value):
        return EMPTY, ""
    if col.text is not None:
        text = col.text(row)
    elif col.kind == "count":
        text = narrative.fmt_count(value)
    elif col.kind == "change":
        text = ("+" if value > 0 else "") + narrative.fmt_count(value)
    elif col.kind == "pct":
        text = f"{value:.1f}%"
    else:
        text = str(value)
    if col.kind in ("count", "change", "pct"):
        return text, repr(float(value))
    return text, str(value)


def data_table_html(frame: pd.DataFrame, columns: Sequence[Col], table_id: str, *,
                    sortable: bool = True, footer: pd.Series | None = None,
                    muted: pd.Series | None = None) -> str:
    """A plain data table (not an official one): first column as row header, numbers right
    aligned; ``sortable`` adds the inline sorting script; ``footer`` is a totals row."""
    klass = "data nb-sortable" if sortable else "data"
    head = []
    for i, col in enumerate(columns):
        classes = ["sort"] if sortable else []
        if i == 0:
            classes.append("name")
        kind = "text" if col.kind in ("text", "date") else "num"
        attrs = f' class="{" ".join(classes)}"' if classes else ""
        head.append(f'<th scope="col" data-type="{kind}"{attrs}>{html.escape(col.label)}</th>')
    body = []
    for key, row in zip(frame.index, frame.to_dict("records"), strict=True):
        cells = []
        for i, col in enumerate(columns):
            text, sort = _cell_text(col, row)
            numeric = col.kind in ("count", "change", "pct")
            if i == 0:
                cells.append(f'<th scope="row" class="t" data-v="{html.escape(sort)}">'
                             f"{html.escape(text)}</th>")
            else:
                css = "n" if numeric else ("d" if col.kind == "date" else "t")
                cells.append(f'<td class="{css}" data-v="{html.escape(sort)}">'
                             f"{html.escape(text)}</td>")
        css = ' class="muted"' if muted is not None and bool(muted.get(key, False)) else ""
        body.append(f"<tr{css}>{''.join(cells)}</tr>")
    foot = ""
    if footer is not None:
        cells = []
        values = footer.to_dict()
        for i, col in enumerate(columns):
            text, _ = _cell_text(col, values) if col.key in values else ("", "")
            tag = "th" if i == 0 else "td"
            css = "t" if i == 0 or col.kind in ("text", "date") else "n"
            cells.append(f'<{tag} class="{css}">{html.escape(text)}</{tag}>')
        foot = f"<tfoot><tr>{''.join(cells)}</tr></tfoot>"
    script = f"<script>\n{SORT_SCRIPT % repr(table_id)}</script>" if sortable else ""
    return (
        f'<table class="{klass}" id="{html.escape(table_id)}"><thead><tr>{"".join(head)}</tr>'
        f'</thead><tbody>{"".join(body)}</tbody>{foot}</table>{script}'
    )


def _open_share_text(row: Mapping) -> str:
    """公开占比 as the narrative writes shares: one decimal, rounded half up from the counts."""
    return narrative.fmt_pct(row["open_or_partial"], row["answered"]) or EMPTY


def _name_text(row: Mapping) -> str:
    """An agency's short name, marked when it has no data for the year."""
    if row.get("reported", True):
        return str(row["name"])
    return f"{row['name']}（{P.NOT_REPORTED}）"


def _p(text: str) -> str:
    return f"<p>{html.escape(text)}</p>" if text else ""


def _h2(text: str, anchor: str) -> str:
    return f'<h2 id="{anchor}">{html.escape(text)}</h2>'


def _h3(text: str) -> str:
    return f"<h3>{html.escape(text)}</h3>"


def figure_html(caption: str, fig: Figure) -> str:
    data = base64.b64encode(charts.figure_png(fig)).decode("ascii")
    alt = html.escape(caption)
    return (f'<figure class="nb-figure"><img alt="{alt}" src="data:image/png;base64,{data}"/>'
            f"<figcaption>{alt}</figcaption></figure>")


# ---------------------------------------------------------------- the document


@dataclass
class SummaryDocument:
    """One region-year with everything its summary shows."""

    data: RegionData
    provenance: dict = field(default_factory=dict)

    @property
    def title(self) -> str:
        return P.TITLE.format(region=self.data.region, year=self.data.year)

    # ------------------------------------------------------------ front matter

    def title_block(self) -> HTMLBlock:
        d = self.data
        return HTMLBlock(
            '<div class="report-title">'
            f'<p class="agency">{html.escape(d.region)}</p>'
            f"<h1>{html.escape(P.SUBTITLE.format(year=d.year))}</h1></div>"
            f"\n<style>\n{SUMMARY_CSS}</style>"
        )

    def preface(self) -> HTMLBlock:
        d = self.data
        missing = P.PREFACE_MISSING if len(d.reported) < len(d.agency_ids) else ""
        text = P.PREFACE.format(region=d.region, n=len(d.agency_ids), year=d.year,
                                document_no=d.format.document_no, missing=missing)
        return HTMLBlock(f'<p class="preface">{html.escape(text)}</p>')

    def overview(self) -> HTMLBlock:
        """一、总体情况: coverage, totals, the largest movements, the state of the checks."""
        body = [_h2(P.H_OVERVIEW, "overview"), *(_p(t) for t in prose.paragraphs(self.data))]
        return HTMLBlock("\n".join(body))

    # ------------------------------------------------------------ official tables

    def section(self, section_id: str) -> HTMLBlock:
        """二, 三 or 四 over the whole region: lead, generated sentences, the official table."""
        totals = self.data.totals
        sec = self.data.format.section(section_id)
        writer, renderer = {
            "s2": (narrative.section2_paragraph, tables.section2_html),
            "s3": (narrative.section3_paragraph, tables.section3_html),
            "s4": (narrative.section4_paragraph, tables.section4_html),
        }[section_id]
        body = [_h2(sec.heading, sec.id), _p(P.SECTION_LEAD.format(m=totals.n_agencies)),
                _p(writer(totals)), renderer(totals)]
        if section_id == "s2" and totals.converted:
            labels = "、".join(dict.fromkeys(
                totals.format.table(r.split(".")[0]).column(r.split(".")[2]).label
                for r in totals.converted))
            body.append(_p(P.AMOUNT_NOTE.format(label=labels)))
        return HTMLBlock("\n".join(b for b in body if b))

    def results_chart(self) -> HTMLBlock:
        caption = P.FIG_RESULTS.format(no=1)
        return HTMLBlock(figure_html(caption, charts.results_by_category(self.data.totals)))

    # ------------------------------------------------------------ comparison

    def comparison_table(self) -> HTMLBlock:
        d = self.data
        frame = d.comparison
        texts = {"open_share": _open_share_text, "name": _name_text}
        cols = [Col(key, label, kind, texts.get(key))
                for key, label, kind in comparison_columns(d.format)]
        sums = frame[frame["reported"]].sum(numeric_only=True)
        footer: dict[str, object] = {c.key: sums[c.key] for c in cols
                                     if c.kind in ("count", "change") and c.key in sums.index}
        footer["name"] = "合计"
        footer["reported"] = True
        if d.totals.prev is not None:
            footer["new_change"] = d.totals.value("t3.new.total") - d.totals.prev.value(
                "t3.new.total")
        else:
            footer.pop("new_change", None)
        answered = d.totals.derived("answered")
        if answered:
            footer["open_share"] = 100.0 * d.totals.derived("open_or_partial") / answered
            footer["open_or_partial"] = d.totals.derived("open_or_partial")
            footer["answered"] = answered
        table = data_table_html(frame, cols, f"nb-comparison-{d.year}",
                                footer=pd.Series(footer, dtype=object), muted=~frame["reported"])
        return HTMLBlock(table)

    def comparison(self) -> HTMLBlock:
        """五、各单位情况对比: the sortable table of every agency, then the charts."""
        d = self.data
        body = [_h2(P.H_COMPARISON, "comparison"),
                _p(P.COMPARISON_LEAD.format(n=len(d.agency_ids))), self.comparison_table()]
        return HTMLBlock("\n".join(body))

    def comparison_charts(self) -> HTMLBlock:
        """Agencies side by side (the busiest ones when there are many) and the region trend."""
        d = self.data
        frame = d.comparison
        reported = frame[frame["reported"]]
        top = region_charts.top_agencies(frame)
        if len(reported) > len(top):
            caption = P.FIG_AGENCIES_TOP.format(no=2, top=len(top))
        else:
            caption = P.FIG_AGENCIES.format(no=2)
        parts = ['<div class="charts">', figure_html(caption, region_charts.agencies_chart(frame))]
        rest = reported.drop(index=top.index)
        if len(rest):
            parts.append(_p(P.REST_NOTE.format(
                k=len(rest), n=narrative.fmt_count(rest["new"].sum()),
                m=narrative.fmt_count(rest["answered"].sum()))))
        if len(d.history) > 1:
            caption = P.FIG_TREND.format(no=3)
            parts.append(figure_html(caption, charts.trend(d.history)))
        parts.append("</div>")
        return HTMLBlock("\n".join(parts))

    # ------------------------------------------------------------ checks

    def _aggregate_checks_html(self) -> str:
        checks = self.data.totals_checks
        failed = [c for c in checks if not c.ok]
        lead = P.CHECKS_AGGREGATE_LEAD + (
            P.CHECKS_AGGREGATE_FAIL.format(k=len(failed)) if failed
            else P.CHECKS_AGGREGATE_OK.format(n=len(checks)))
        frame = pd.DataFrame(
            [{"title": c.rule.title_zh, "instances": c.instances,
              "result": P.PASS if c.ok else P.FAIL} for c in checks])
        cols = [Col("title", "规则"), Col("instances", "核验项数", "count"),
                Col("result", "结果")]
        return "\n".join([_h3(P.CHECKS_AGGREGATE), _p(lead),
                          data_table_html(frame, cols, "nb-aggregate-checks", sortable=False)])

    def _findings_html(self) -> str:
        ov = self.data.overview
        if not len(ov.by_rule):
            return _p(P.CHECKS_NONE)
        by_rule = ov.by_rule.assign(level=ov.by_rule["severity"].map(P.SEVERITY))
        rule_cols = [Col("title", "规则"), Col("rule", "规则标识"), Col("level", "级别"),
                     Col("agencies", "涉及单位", "count"), Col("findings", "问题数", "count")]
        titles = rule_titles()
        by_agency = ov.by_agency.assign(detail=[
            "、".join(f"{titles.get(rule, rule)}（{n}）" for rule, n in rules.items())
            for rules in ov.by_agency["rules"]
        ])
        agency_cols = [Col("name", "单位"), Col("errors", "错误", "count"),
                       Col("warnings", "警告", "count"), Col("detail", "问题规则（问题数）")]
        return "\n".join([
            _h3(P.CHECKS_BY_RULE),
            data_table_html(by_rule, rule_cols, "nb-findings-by-rule", sortable=False),
            _h3(P.CHECKS_BY_AGENCY),
            data_table_html(by_agency, agency_cols, f"nb-findings-{self.data.year}"),
        ])

    def _lists_html(self) -> str:
        d, ov = self.data, self.data.overview
        names = d.names
        out = [_h3(P.NO_DATA_TITLE),
               _p("、".join(names[a] for a in ov.no_data) or P.NONE_ITEM),
               _h3(P.NO_TEXT_TITLE),
               _p("、".join(names[a] for a in ov.no_narrative) or P.NONE_ITEM),
               _h3(P.LATE_TITLE)]
        if len(ov.late):
            cols = [Col("name", "单位"), Col("published", "发布日期", "date"),
                    Col("deadline", "发布期限", "date")]
            out.append(data_table_html(ov.late, cols, "nb-late", sortable=False))
        else:
            out.append(_p(P.NONE_ITEM))
        if ov.general:
            out.append(_h3(P.FILES_TITLE))
            out += [_p(f"{f.where()}：{f.message}" if f.file else f.message)
                    for f in ov.general]
        return "\n".join(out)

    def validation(self) -> HTMLBlock:
        """六、数据校验情况: the totals under the format's rules, findings by rule and by
        agency, agencies without data or narrative, and late publications."""
        body = [_h2(P.H_CHECKS, "checks"), self._aggregate_checks_html(), self._findings_html(),
                self._lists_html()]
        return HTMLBlock("\n".join(body))

    # ------------------------------------------------------------ metadata

    def metadata_bundle(self) -> MetadataBundle:
        ov = self.data.overview
        return MetadataBundle({
            "title": self.title,
            "running_header": self.data.region,
            "kind": "summary",
            "errors": ov.errors,
            "warnings": ov.warnings,
            "provenance": self.provenance,
        })


def prepare_summary(region: str, year: int, data_dir: str | Path = DATA_DIR) -> SummaryDocument:
    """Check the parameters against the data, load and validate, and assemble the summary."""
    data = load_region(region, int(year), data_dir)
    return SummaryDocument(data, region_provenance(data))
