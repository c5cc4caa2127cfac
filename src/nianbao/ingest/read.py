"""One published report from a file: sniff its kind, render it, read identity, tables, prose.

Everything is deterministic: no language model, no network, no execution of the source.
Doubts about the reading become ``uncertain`` findings; they are never errors.
"""

from __future__ import annotations

import re
from pathlib import Path

from nianbao.errors import UnreadableDocument
from nianbao.findings import Finding
from nianbao.formats.spec import ReportFormat, all_formats, format_for_year, load_format
from nianbao.ingest import sections as sec
from nianbao.ingest.detect import check_size, read_head, sniff
from nianbao.ingest.labels import norm, normalise
from nianbao.ingest.model import CellReading, PublishedReport, Rendered
from nianbao.ingest.tables import (
    Region,
    norm_contains,
    read_rows,
    read_t4,
    resolve_jointly,
    t3_row_checks,
)

# Printed words only one of the two formats uses (table 二 headers, table 三 rows).
FORMAT_MARKERS = {
    "F2021": ["本年制发件数", "现行有效件数", "本年处理决定数量", "逾期未按收费通知要求",
              "无正当理由逾期不补正"],
    "F2019": ["本年新制作数量", "对外公开总数量", "上一年项目数量", "第二十条第（九）项",
              "采购总金额"],
}


def render(path: Path) -> Rendered:
    """The document as text in reading order (raises UnreadableDocument with a reason)."""
    name = str(path)
    head, size = read_head(path)
    kind = sniff(path, head)
    check_size(path, kind, size)
    if kind == "pdf":
        from nianbao.ingest.pdf import render_pdf
        return render_pdf(path, name)
    data = path.read_bytes()
    if kind == "docx":
        from nianbao.ingest.docx import render_docx
        return render_docx(data, name)
    if kind == "html":
        from nianbao.ingest.html import render_html
        return render_html(data, name)
    from nianbao.ingest.text import render_text
    return render_text(data)


def read_report(path: Path, display_name: str | None = None) -> PublishedReport:
    """Read one file into a PublishedReport (raises UnreadableDocument for bad input)."""
    name = display_name or str(path)
    doc = render(Path(path))
    return read_rendered(doc, name)


def read_rendered(doc: Rendered, name: str) -> PublishedReport:
    text = doc.text
    agency, year = sec.title(text, doc.title_hint)
    heads = sec.headings(text)
    if "政府信息公开" not in text.replace(" ", "") or (year is None and len(heads) < 3):
        raise UnreadableDocument(
            name, "不是政府信息公开工作年度报告（未找到报告标题、年度和各部分标题）")
    report = PublishedReport(file=name, rendered=doc, agency=agency, year=year)
    if year is None:
        report.findings.append(
            _uncertain("ingest_year", "未能从标题中读出报告年度，按表格格式推断"))
    spans = sec.section_spans(text, heads)
    n = normalise(text)
    fmt = _format(report, n, spans, year)
    report.format_id = fmt.id
    _read_tables(report, fmt, n, spans)
    _read_prose(report, spans)
    first = min((a for a, _b in heads.values()), default=0)
    report.preface = text[:first].strip()
    return report


def _format(report: PublishedReport, n, spans, year: int | None) -> ReportFormat:
    lo = spans.get("s2", (0, 0))[0]
    hi = spans.get("s4", spans.get("s5", (len(n.origin) and n.origin[-1] + 1, 0)))[0]
    if hi <= lo:
        lo, hi = 0, len(report.rendered.text)
    score = {f: norm_contains(n, lo, hi, words) for f, words in FORMAT_MARKERS.items()}
    by_year = None
    if year is not None:
        try:
            by_year = format_for_year(year)
        except (KeyError, ValueError, StopIteration, LookupError):
            by_year = None
    seen = max(score, key=score.get) if max(score.values()) > 0 else None
    if seen and score[seen] > 2 * min(score.values()) and by_year and seen != by_year.id:
        fmt = load_format(seen)
        report.findings.append(Finding(
            rule="ingest_format_mismatch", severity="warning", cells=[], labels=[],
            expected=by_year.id, actual=seen, file=report.file,
            message=f"{year}年度报告应使用{by_year.name}，但表格的行列属于{fmt.name}；"
                    f"已按表格实际格式读取"))
        return fmt
    if by_year:
        return by_year
    if seen:
        return load_format(seen)
    return all_formats()[-1]


def _region(spans, sid: str, text_len: int) -> Region:
    if sid in spans:
        return Region(*spans[sid])
    order = ["s1", "s2", "s3", "s4", "s5", "s6"]
    i = order.index(sid)
    lo = max((spans[s][1] for s in order[:i] if s in spans), default=0)
    hi = min((spans[s][0] for s in order[i + 1:] if s in spans), default=text_len)
    return Region(lo, hi if hi > lo else text_len)


def _read_tables(report: PublishedReport, fmt: ReportFormat, n, spans) -> None:
    doc = report.rendered
    size = len(doc.text)
    cells: dict[str, CellReading] = {}
    notes: dict[str, str] = {}
    s2 = _region(spans, "s2", size)
    pos = _table_start(n, s2, "信息内容")
    for table in fmt.tables:
        if table.section != "s2":
            continue
        start = _table_start(n, Region(pos, s2.hi), table.caption or "", 0)
        rows = read_rows(doc, n, table, Region(start, s2.hi), [r.id for r in table.data_rows])
        ends = [c.end for r in rows.values() for c in r.cells.values() if c.end is not None]
        pos = max([start, *ends])
        for r in rows.values():
            cells.update(r.cells)
    t3 = fmt.table("t3")
    fallback = {}
    if any(r.id == "g_other" for r in t3.rows):
        fallback["g_other"] = [r.id for r in t3.data_rows if r.id.startswith("res_other_")]
    rows = read_rows(doc, n, t3, _region(spans, "s3", size), [r.id for r in t3.data_rows],
                     t3_row_checks(fmt), fallback)
    resolve_jointly(fmt, rows)
    for r in rows.values():
        cells.update(r.cells)
        if r.note:
            notes[r.row_id] = r.note
    cells.update(read_t4(doc, fmt, _region(spans, "s4", size)))
    for ref in fmt.cell_refs():
        c = cells.setdefault(ref, CellReading(None, "missing"))
        if c.start is not None:
            c.location = doc.locate(c.start)
    report.cells = {ref: cells[ref] for ref in fmt.cell_refs()}
    report.findings += _doubts(report, fmt)


def _table_start(n, region: Region, marker: str, back: int = 20) -> int:
    """Where a table starts in a region: at its caption or header, not in the prose before."""
    key = norm(marker)
    if not key:
        return region.lo
    a, b = n.find(region.lo), n.find(region.hi)
    k = n.text.find(key, a, b)
    if k < 0:
        return region.lo
    return max(region.lo, n.origin[max(a, k - back)] if back else n.origin[k])


def _doubts(report: PublishedReport, fmt: ReportFormat) -> list[Finding]:
    """One uncertain finding per row in doubt, and one per table for rows not read."""
    out = []
    by_row: dict[str, list[str]] = {}
    missing: dict[str, list[str]] = {}
    for ref, c in report.cells.items():
        table, row, _ = ref.split(".")
        if c.method == "ambiguous":
            by_row.setdefault(f"{table}.{row}", []).append(ref)
        elif c.method == "missing":
            missing.setdefault(table, [])
            if f"{table}.{row}" not in missing[table]:
                missing[table].append(f"{table}.{row}")
    text = report.rendered.text
    for key, refs in by_row.items():
        readings = "；".join(
            f"{fmt.cell_label(r).split('·')[-1]}可能为"
            f"{'或'.join(_fmt(v) for v in report.cells[r].candidates[:4])}"
            f"{'等' if len(report.cells[r].candidates) > 4 else ''}"
            for r in refs if report.cells[r].candidates)
        starts = [report.cells[r].start for r in refs if report.cells[r].start is not None]
        ends = [report.cells[r].end for r in refs if report.cells[r].end is not None]
        raw = text[min(starts):max(ends)].strip() if starts else ""
        row_label = fmt.row_label(*key.split(".")) if not key.startswith("t4") else "表四"
        out.append(Finding(
            rule="ingest_ambiguous_split", severity="uncertain", cells=refs,
            labels=[fmt.cell_label(r) for r in refs], actual=raw, file=report.file,
            expected=readings, quote=raw,
            message=f"“{row_label}”一行的数字连在一起（“{raw}”），有不止一种拆分方式"
                    f"符合表格的合计关系，无法确定，未作猜测：{readings}"))
    for table, rows in missing.items():
        refs = [r for r in report.cells if r.rsplit(".", 1)[0] in rows]
        names = "、".join(fmt.row_label(*r.split(".")) if table != "t4"
                         else "四、行政复议、行政诉讼情况" for r in rows[:6])
        more = f"等 {len(rows)} 行" if len(rows) > 6 else ""
        out.append(Finding(
            rule="ingest_cells_not_read", severity="uncertain", cells=refs,
            labels=[fmt.cell_label(r) for r in refs[:20]], actual=len(refs), file=report.file,
            message=f"未能读取表格的“{names}”{more}（共 {len(refs)} 个单元格），"
                    "这些单元格不参与校验"))
    return out


def _fmt(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else str(v)


def _uncertain(rule: str, message: str) -> Finding:
    return Finding(rule=rule, severity="uncertain", message=message)


_FOOTER = re.compile(r"附件下载|相关附件|相关链接|主办单位|承办单位|版权所有|网站标识码|ICP备|"
                     r"扫一扫|【打印|关闭窗口|打印本页|分享到")
_PIPE_LINE = re.compile(r"^\s*\|.*\|\s*$", re.M)


def _read_prose(report: PublishedReport, spans) -> None:
    text = report.rendered.text
    table_spans = [(c.start, c.end) for c in report.cells.values() if c.start is not None]
    for sid, (a, b) in spans.items():
        body = text[a:b]
        if sid in ("s2", "s3", "s4"):
            inside = [s for s in table_spans if a <= s[0] < b]
            if inside:  # the table's stretch is not prose
                first = min(s[0] for s in inside)
                last = max(s[1] for s in inside)
                body = text[a:first] + "\n" + text[last:b]
        body = _PIPE_LINE.sub("", body)
        if sid == max(spans):  # the last part runs into the page's footer
            cut = _FOOTER.search(body)
            body = body[:cut.start()] if cut else body
        report.sections[sid] = re.sub(r"\n{3,}", "\n\n", body).strip()
        report.section_spans[sid] = (a, b)
    report.fees = sec.fees(report.sections.get("s6", ""))
    report.published = sec.published(text)
