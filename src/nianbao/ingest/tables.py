"""Tables 二, 三 and 四 of a rendered report into the format's cell ids.

Rows are found by their printed labels, in official order, inside the section that holds the
table; the values of a row are what lies between its label and the next row's label. A row
whose label could not be found shares its neighbour's stretch: when that stretch holds exactly
the values of both rows, they are read in order. Runs of digits without separators are split
with ``sums``; a row with more than one admissible split stays in doubt unless the table's
column sums (rules R1–R3 of the format) leave only one reading.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

import numpy as np

from nianbao.formats.expr import compile_expr
from nianbao.formats.spec import ReportFormat, Table
from nianbao.ingest.labels import Normalised, find_label, norm, split_label
from nianbao.ingest.model import CellReading, Rendered
from nianbao.ingest.sums import Piece, Token, splits, sums_check

_PAGE_NOISE = re.compile(
    r"[—－-]\s*\d{1,3}\s*[—－-]|第\s*\d{1,3}\s*页(?:\s*[,，/／]?\s*共\s*\d{1,3}\s*页)?")
_NUMBER_CELL = re.compile(r"^[+\-−－]?\d[\d,，]*(?:\.\d+)?\s*(?:件|项|条|个|万元|元)?$")
_RUN = re.compile(r"(?<![\d.])(?:[-−－](?=\d))?\d[\d,]*(?:\.\d+)?(?:\s*(?:万元|元))?")
_CJK = re.compile(r"[\u4e00-\u9fff]")
MAX_COMBOS = 20000


@dataclass
class Region:
    lo: int  # original offsets
    hi: int


@dataclass
class RowRead:
    row_id: str
    cells: dict[str, CellReading] = field(default_factory=dict)
    candidates: list[list[Piece]] = field(default_factory=list)
    note: str | None = None


def tokens(text: str, base: int) -> list[list[Token]]:
    """Value tokens of a stretch, in groups separated by text (labels, notes)."""
    clean = _PAGE_NOISE.sub(lambda m: " " * len(m.group(0)), text)
    groups: list[list[Token]] = [[]]
    pos = 0
    for line in clean.split("\n"):
        start = pos
        pos += len(line) + 1
        if not line.strip():
            continue
        if "|" in line:
            if "-" in line and re.fullmatch(r"[\s|:\-]+", line):
                continue  # a Markdown rule line
            _pipe_tokens(line, base + start, groups)
        else:
            _run_tokens(line, base + start, groups)
    return [g for g in groups if g]


def _break(groups: list[list[Token]]) -> None:
    if groups[-1]:
        groups.append([])


def _pipe_tokens(line: str, base: int, groups: list[list[Token]]) -> None:
    offset = 0
    parts = line.split("|")
    for k, part in enumerate(parts):
        cell_start = offset
        offset += len(part) + 1
        if k == 0 or k == len(parts) - 1:
            if part.strip():
                _run_tokens(part, base + cell_start, groups)
            continue
        s = part.strip()
        lead = len(part) - len(part.lstrip())
        a, b = base + cell_start + lead, base + cell_start + lead + len(s)
        if not s or s in ("-", "—", "－", "/", "／", "无", "——"):
            groups[-1].append(Token("blank", s, a, b))
        elif _NUMBER_CELL.match(s):
            groups[-1].append(Token("cell", s, a, b))
        else:
            _run_tokens(part, base + cell_start, groups)


def _run_tokens(text: str, base: int, groups: list[list[Token]]) -> None:
    pos = 0
    for m in _RUN.finditer(text):
        between = text[pos:m.start()]
        pos = m.end()
        if _CJK.search(between) or re.search(r"[A-Za-z（）()：:]", between):
            _break(groups)
        after = text[m.end():m.end() + 2]
        if re.match(r"^\s*[.．、]\s*[\u4e00-\u9fff“\"]", text[m.end():m.end() + 3]) or \
                re.match(r"^\s*[年月日%％]", after):
            _break(groups)  # a numbering ("2.其他") or a date or share, not a value
            continue
        s = m.group(0).rstrip()
        if s.endswith("."):
            s = s[:-1]
        whole = s.split(".")[0].replace(",", "")
        kind = "run" if whole.isdigit() and len(whole) > 1 and "," not in s else "cell"
        groups[-1].append(Token(kind, s, base + m.start(), base + m.start() + len(s)))
    if _CJK.search(text[pos:]):
        _break(groups)


def read_rows(doc: Rendered, n: Normalised, table: Table, region: Region,
              row_ids: list[str], checks: dict[str, object] | None = None,
              group_fallback: dict[str, list[str]] | None = None) -> dict[str, RowRead]:
    """Read the data rows ``row_ids`` of ``table`` inside ``region`` by their labels."""
    labels = {r.id: split_label(r.label) for r in table.rows}
    lo, hi = n.find(region.lo), n.find(region.hi)
    anchors: dict[str, tuple[int, int]] = {}
    pos = lo
    for rid in row_ids:
        prefix, core = labels[rid]
        short = len(core) < 4
        found = find_label(n, core, prefix, pos, hi, need_prefix=short and bool(prefix))
        if found:
            anchors[rid] = found
            pos = found[1]
    # a group printed as one row where the format has sub-rows (all sub-rows missing)
    for gid, children in (group_fallback or {}).items():
        if any(c in anchors for c in children):
            continue
        before = [anchors[r][1] for r in row_ids[:row_ids.index(children[0])] if r in anchors]
        after = [anchors[r][0] for r in row_ids[row_ids.index(children[-1]) + 1:] if r in anchors]
        prefix, core = labels[gid]
        found = find_label(n, core, prefix, before[-1] if before else lo,
                           after[0] if after else hi)
        if found:
            anchors[children[0]] = found
            anchors["__collapsed__" + gid] = found
    _drop_label_tails(doc, n, table, region, row_ids, anchors)
    out: dict[str, RowRead] = {}
    found_ids = [r for r in row_ids if r in anchors]
    for i, rid in enumerate(found_ids):
        start = n.span(*anchors[rid])[0]  # values may sit inside a wrapped label
        end = n.span(*anchors[found_ids[i + 1]])[0] if i + 1 < len(found_ids) else region.hi
        covered = [rid]
        for later in row_ids[row_ids.index(rid) + 1:]:
            if later in anchors:
                break
            covered.append(later)
        collapsed = None
        for gid, children in (group_fallback or {}).items():
            if "__collapsed__" + gid in anchors and children[0] == rid:
                collapsed = children
                covered = [rid]
        groups = tokens(doc.text[start:end], start)
        reads = _assign(table, covered, groups, checks, last=(end == region.hi))
        if collapsed:
            reads = _spread(table, collapsed, reads[0])
        for r in reads:
            out[r.row_id] = r
    for rid in row_ids:
        if rid not in out:
            out[rid] = RowRead(rid, {f"{table.id}.{rid}.{c.id}": CellReading(None, "missing")
                                     for c in table.columns}, note="未找到该行")
    return out


def _drop_label_tails(doc: Rendered, n: Normalised, table: Table, region: Region,
                      row_ids: list[str], anchors: dict) -> None:
    """Forget a label found only by its tail when its values were printed before it.

    A label cut by a page or cell break leaves its tail after the row's values; then the
    tail's stretch holds no values while the stretch before holds two rows' worth. Without
    the tail as an anchor, both rows share one stretch and are read in order.
    """
    width = len(table.columns)
    changed = True
    while changed:
        changed = False
        found = [r for r in row_ids if r in anchors]
        spans = [n.span(*anchors[r]) for r in found]
        for i in range(1, len(found)):
            end = spans[i + 1][0] if i + 1 < len(found) else region.hi
            mine = [t for g in tokens(doc.text[spans[i][0]:end], spans[i][0]) for t in g]
            if any(t.kind != "blank" for t in mine):
                continue
            before = [t for g in tokens(doc.text[spans[i - 1][0]:spans[i][0]], spans[i - 1][0])
                      for t in g if t.kind != "blank"]
            if len(before) >= 2 * width:
                del anchors[found[i]]
                changed = True
                break


def _assign(table: Table, covered: list[str], groups: list[list[Token]], checks,
            last: bool) -> list[RowRead]:
    """Values of consecutive rows from the token groups of their shared stretch."""
    width = len(table.columns)
    for k in range(len(covered), 0, -1):  # most rows first; fewer when the stretch is short
        rows = covered[:k]
        need = width * k
        for m in range(1, len(groups) + 1):
            toks = _trim_blanks([t for g in groups[:m] for t in g], need)
            found = _candidates(toks, need, [checks.get(r) if checks else None for r in rows],
                                width)
            if found is None:
                continue
            reads = _rows_from(table, rows, found)
            rest = [RowRead(r, {f"{table.id}.{r}.{c.id}": CellReading(None, "missing")
                                for c in table.columns}, note="未找到该行") for r in covered[k:]]
            return reads + rest
    return [RowRead(r, {f"{table.id}.{r}.{c.id}": CellReading(None, "missing")
                        for c in table.columns}, note="该行未读到数值") for r in covered]


def _trim_blanks(toks: list[Token], need: int) -> list[Token]:
    while len(toks) > need and toks and toks[-1].kind == "blank":
        toks = toks[:-1]
    while len(toks) > need and toks and toks[0].kind == "blank":
        toks = toks[1:]
    return toks


def _candidates(toks: list[Token], need: int, checks: list, width: int):
    if not toks:
        return None
    def check(values):
        return all(c is None or c(values[i * width:(i + 1) * width])
                   for i, c in enumerate(checks))

    if len(toks) == need and all(t.kind != "run" for t in toks):
        return [[Piece(t.value, t.start, t.end, t.text) for t in toks]], "direct"
    found = splits(toks, need, check)
    if found:
        return found, "direct" if len(toks) == need else "sums"
    if len(toks) == need:  # no split needed: the values are as printed, even if they disagree
        return [[Piece(t.value, t.start, t.end, t.text) for t in toks]], "direct"
    return None


def _rows_from(table: Table, rows: list[str], found) -> list[RowRead]:
    candidates, method = found
    width = len(table.columns)
    out = []
    for i, rid in enumerate(rows):
        read = RowRead(rid)
        row_cands = _unique([c[i * width:(i + 1) * width] for c in candidates])
        read.candidates = row_cands
        for j, col in enumerate(table.columns):
            values = {p[j].value for p in row_cands}
            piece = row_cands[0][j]
            ref = f"{table.id}.{rid}.{col.id}"
            if len(values) == 1:
                m = method if len(rows) == 1 else ("order" if method == "direct" else method)
                read.cells[ref] = CellReading(piece.value, m, piece.start, piece.end,
                                              raw=piece.text)
            else:
                read.cells[ref] = CellReading(
                    None, "ambiguous", min(p[j].start for p in row_cands),
                    max(p[j].end for p in row_cands), raw=piece.text,
                    candidates=sorted(v for v in values if v is not None))
        out.append(read)
    return out


def _unique(cands: list[list[Piece]]) -> list[list[Piece]]:
    seen = {}
    for c in cands:
        seen.setdefault(tuple((p.value, p.start, p.end) for p in c), c)
    return list(seen.values())


def _spread(table: Table, children: list[str], read: RowRead) -> list[RowRead]:
    """A group printed as one row: all zero means each sub-row is zero; otherwise in doubt."""
    values = [c.value for c in read.cells.values()]
    out = []
    for rid in children:
        r = RowRead(rid, note="该组在原表中只印一行")
        for col, src in zip(table.columns, read.cells.values(), strict=True):
            ref = f"{table.id}.{rid}.{col.id}"
            if src.read and all(v == 0 for v in values):
                r.cells[ref] = CellReading(0.0, "collapsed", src.start, src.end, raw=src.raw)
            else:
                r.cells[ref] = CellReading(None, "ambiguous", src.start, src.end, raw=src.raw,
                                           candidates=[v for v in [src.value] if v is not None])
        out.append(r)
    return out


def t3_row_checks(fmt: ReportFormat) -> dict[str, object]:
    t3 = fmt.table("t3")
    check = sums_check([(list(range(len(t3.columns) - 1)), len(t3.columns) - 1)])
    return {r.id: check for r in t3.data_rows}


def t4_row_check(fmt: ReportFormat):
    cols = [c.id for c in fmt.table("t4").columns]
    groups = []
    for i, c in enumerate(cols):
        if c.endswith("_total"):
            groups.append((list(range(i - 4, i)), i))
    return sums_check(groups)


def read_t4(doc: Rendered, fmt: ReportFormat, region: Region) -> dict[str, CellReading]:
    """Table 四: its single row of values is the last group of numbers in the section."""
    table = fmt.table("t4")
    groups = tokens(doc.text[region.lo:region.hi], region.lo)
    check = t4_row_check(fmt)
    width = len(table.columns)
    for g in range(len(groups) - 1, -1, -1):
        if not any(t.kind != "blank" for t in groups[g]):
            continue
        for m in range(g, -1, -1):  # the row may be split over groups (a page break)
            toks = _trim_blanks([t for grp in groups[m:g + 1] for t in grp], width)
            found = _candidates(toks, width, [check], width)
            if found:
                return _rows_from(table, ["cases"], found)[0].cells
    return {f"t4.cases.{c.id}": CellReading(None, "missing") for c in table.columns}


def resolve_jointly(fmt: ReportFormat, rows: dict[str, RowRead]) -> None:
    """Settle rows with several readings by the column rules (R1–R3) of the format."""
    t3 = fmt.table("t3")
    doubtful = [r for r in rows.values() if any(c.method == "ambiguous" for c in r.cells.values())
                and 1 < len(r.candidates)]
    if not doubtful:
        return
    sizes = [len(r.candidates) for r in doubtful]
    if np.prod(sizes, dtype=float) > MAX_COMBOS:
        return
    known = {ref: c.value for r in rows.values() for ref, c in r.cells.items()
             if c.read and c.value is not None}
    instances = []
    for rule in fmt.enforced_rules:
        if rule.expr_kind != "formula" or rule.scope != "report":
            continue
        for _b, expr in rule.instances():
            compiled = compile_expr(expr)
            if all(ref.startswith("t3.") for ref in compiled.refs):
                instances.append(compiled)
    doubtful_refs = {f"t3.{r.row_id}.{c.id}" for r in doubtful for c in t3.columns}
    instances = [c for c in instances if doubtful_refs & set(c.refs)]
    good = []
    for combo in itertools.product(*(r.candidates for r in doubtful)):
        values = dict(known)
        for r, cand in zip(doubtful, combo, strict=True):
            for col, piece in zip(t3.columns, cand, strict=True):
                values[f"t3.{r.row_id}.{col.id}"] = piece.value
        ok = True
        for c in instances:
            if any(values.get(ref) is None for ref in c.refs):
                continue
            result = c.evaluate({ref: np.array([values[ref]]) for ref in c.refs})
            if not bool(result["ok"][0]):
                ok = False
                break
        if ok:
            good.append(combo)
    if not good:
        return
    for i, r in enumerate(doubtful):
        r.candidates = _unique([combo[i] for combo in good])
        for j, col in enumerate(t3.columns):
            ref = f"t3.{r.row_id}.{col.id}"
            vals = {c[j].value for c in r.candidates}
            if len(vals) == 1:
                p = r.candidates[0][j]
                r.cells[ref] = CellReading(p.value, "sums", p.start, p.end, raw=p.text)
            else:
                r.cells[ref].candidates = sorted(v for v in vals if v is not None)


def norm_contains(n: Normalised, lo: int, hi: int, words: list[str]) -> int:
    """How many of ``words`` occur in an original-offset region (for the format test)."""
    a, b = n.find(lo), n.find(hi)
    region = n.text[a:b]
    return sum(1 for w in words if norm(w) in region)
