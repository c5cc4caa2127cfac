"""Section texts of the real reports in the shared corpus, split simply by their headings.

Only for the tests of the text checks: the real readers of published reports live elsewhere.
Prose only: the parts that hold tables (二、三、四) are left out, since their flattened cells
are not sentences.
"""

from __future__ import annotations

import csv
import json
import os
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: The project's shared material (corpus, seed report) lies beside the checkout.
SHARED = Path(os.environ.get("NIANBAO_SHARED", ROOT.parent / "shared"))
_CANDIDATES = [os.environ.get("NIANBAO_CORPUS", ""), SHARED / "corpus"]
CORPUS = next((Path(p) for p in _CANDIDATES if p and (Path(p) / "INDEX.csv").exists()), None)

HEADINGS = [
    ("s1", r"一、\s*总体情况"),
    ("s2", r"二、\s*(?:行政机关)?主动公开"),
    ("s3", r"三、\s*(?:行政机关)?收到和处理"),
    ("s4", r"四、\s*(?:因|政府信息公开)"),
    ("s5", r"五、\s*(?:政府信息公开工作)?存在"),
    ("s6", r"六、\s*其他需要报告"),
]
PROSE = ("preface", "s1", "s5", "s6")


def index() -> list[dict[str, str]]:
    with open(CORPUS / "INDEX.csv", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def hand_checked_cells() -> dict[str, dict]:
    """File → {year, format, cells} from table3_table4.json."""
    data = json.loads((CORPUS / "table3_table4.json").read_text(encoding="utf-8"))
    out = {}
    for report in data["reports"]:
        for name in report["files"]:
            out[name] = report
    return out


def raw_text(name: str) -> str:
    path = CORPUS / name
    if path.suffix == ".pdf":
        from pypdf import PdfReader

        return "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)
    text = path.read_text(encoding="utf-8")
    lines = [ln for ln in text.splitlines() if not ln.startswith("#")]
    text = "\n".join(lines)
    body = text.split("==== 正文 ====")[-1] if "==== 正文 ====" in text else text
    return body


def sections(name: str) -> dict[str, str]:
    """Prose sections of one corpus file: preface, s1, s5, s6 (those present)."""
    text = raw_text(name).replace("[...EXCERPT ENDS HERE...]", "")
    found = []
    pos = 0
    for key, pattern in HEADINGS:
        m = re.compile(pattern).search(text, pos)
        if m:
            found.append((key, m.start(), m.end()))
            pos = m.end()
    out = {"preface": text[: found[0][1]] if found else text}
    for i, (key, _start, end) in enumerate(found):
        stop = found[i + 1][1] if i + 1 < len(found) else len(text)
        out[key] = text[end:stop]
    if "s1" in out and "s2" not in dict((k, 0) for k, *_ in found):
        out["s1"] = _cut_table(out["s1"])
    return {k: v for k, v in out.items() if k in PROSE}


def _cut_table(text: str) -> str:
    """An excerpt ending inside a table: keep the prose before the first table line."""
    m = re.search(r"^\s*\|", text, re.MULTILINE)
    return text[: m.start()] if m else text
