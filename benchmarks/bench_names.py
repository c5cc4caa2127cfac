"""Other agencies' names in a text (R_other_agency_name) against a national registry.

    .venv/bin/python benchmarks/bench_names.py

The synthetic data of ``bench_check.py`` repeats one district, so its registry has a few
thousand names opening with a few dozen characters. A real national registry has about a
hundred thousand names: every county's government and departments, opening with the
characters of some three thousand county names. This script builds such a registry from the
county names of the gazetteer (``cpca``), runs the name index over the sample narratives of
``data/text`` and, as the baseline, the pyahocorasick automaton the index used before
(installed with ``cpca``); it prints microseconds per text, the ratio, and whether both found
the same names.

Not a test: the figures depend on the machine and its load.
"""

from __future__ import annotations

import csv
import statistics
import time
from pathlib import Path

import ahocorasick

from nianbao.checks.places import _adcodes
from nianbao.checks.text_rules import NameIndex
from nianbao.data.loading import parse_prose

ROOT = Path(__file__).resolve().parents[1]
DEPARTMENTS = ("人民政府", "人民政府办公室", "发展和改革局", "教育局", "公安局", "民政局", "司法局",
               "财政局", "人力资源和社会保障局", "自然资源局", "生态环境局", "住房和城乡建设局",
               "交通运输局", "水利局", "农业农村局", "商务局", "文化和旅游局", "卫生健康局",
               "退役军人事务局", "应急管理局", "审计局", "市场监督管理局", "统计局", "医疗保障局")


class Baseline:
    """The former index: a pyahocorasick automaton, the longest name kept at each end."""

    def __init__(self, names: dict[str, set[str]]):
        self.names = names
        self.automaton = ahocorasick.Automaton()
        for name in names:
            self.automaton.add_word(name, len(name))
        self.automaton.make_automaton()

    def others_in(self, text: str, own_id: str) -> list[str]:
        longest: dict[int, int] = {}
        for at, length in self.automaton.iter(text):
            longest[at] = max(longest.get(at, 0), length)
        found = (text[at - n + 1:at + 1] for at, n in sorted(longest.items()))
        return list(dict.fromkeys(name for name in found if own_id not in self.names[name]))


def registry() -> dict[str, set[str]]:
    """Every county's government and departments (name → agency ids)."""
    with open(_adcodes(), encoding="utf-8") as fh:
        counties = sorted({row["name"].strip() for row in csv.DictReader(fh)
                           if row["adcode"][4:6] != "00" and row["adcode"][6:] == "000000"})
    return {county + dept: {f"{county}-{k}"} for county in counties
            for k, dept in enumerate(DEPARTMENTS)}


def texts() -> list[str]:
    out = []
    for path in sorted((ROOT / "data" / "text").glob("*/*.md")):
        prose, _ = parse_prose(path.read_text(encoding="utf-8"), int(path.parent.name), "")
        out.append("\n".join(prose.sections.values()))
    return out


def per_text(index, docs: list[str], rounds: int = 5) -> tuple[float, list]:
    """Median microseconds per text, and what was found."""
    times, found = [], []
    for _ in range(rounds):
        start = time.perf_counter()
        found = [index.others_in(text, "none") for text in docs]
        times.append((time.perf_counter() - start) / len(docs) * 1e6)
    return statistics.median(times), found


def main() -> None:
    names = registry()
    listed = sorted(names)
    docs = [text + (f"\n部分申请转交{listed[i * 7919 % len(listed)]}办理。" if i % 10 == 0 else "")
            for i, text in enumerate(texts() * 20)]  # some texts name another agency
    firsts = len({name[0] for name in names})
    print(f"registry: {len(names):,} names opening with {firsts:,} different characters; "
          f"{len(docs)} texts of {statistics.mean(map(len, docs)):.0f} characters")
    start = time.perf_counter()
    index = NameIndex(names)
    built = time.perf_counter() - start
    start = time.perf_counter()
    baseline = Baseline(names)
    built_before = time.perf_counter() - start
    now, found = per_text(index, docs)
    before, found_before = per_text(baseline, docs)
    print(f"  name index (ahocorasick-rs) {now:8.1f} µs a text   built in {built:.2f} s")
    print(f"  baseline (pyahocorasick)    {before:8.1f} µs a text   built in {built_before:.2f} s")
    hits = sum(map(len, found))
    print(f"  ratio {before / now:.1f}×; {hits} names found in all, "
          f"the same by both: {found == found_before}")


if __name__ == "__main__":
    main()
