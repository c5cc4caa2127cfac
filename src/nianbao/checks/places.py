"""Province and city names in prose, for text pasted from another place's report.

The gazetteer is the administrative division table that ships with the ``cpca`` package
(provinces, prefecture-level cities and counties with their codes); it is read directly, without
importing ``cpca`` itself (whose import builds a matcher of its own). Names are matched in full
(福建省, 沈阳市), never in short form, so that 上海路 or 咸宁日报 are not taken for places.
"""

from __future__ import annotations

import csv
import importlib.util
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from ahocorasick_rs import AhoCorasick

from nianbao.checks.text_rules import all_matches
from nianbao.errors import NianbaoError


@dataclass(frozen=True)
class Place:
    name: str
    code: str  # 12-digit administrative division code
    level: str  # province, city or county

    @property
    def province(self) -> str:
        return self.code[:2]

    @property
    def city(self) -> str:
        return self.code[:4]


@dataclass(frozen=True)
class Gazetteer:
    places: dict[str, tuple[Place, ...]]  # full name → every place of that name
    wanted: dict[str, tuple[Place, ...]]  # province and city names only
    lengths: dict[str, list[int]]  # last two characters of a wanted name → name lengths
    ends: re.Pattern  # the last characters of the wanted names
    every_name: AhoCorasick  # counties too, to place an agency by its own name

    def in_text(self, text: str) -> list[tuple[int, int, tuple[Place, ...]]]:
        """Province and city names in ``text``: (start, end, places), in order.

        Every name ends in one of a few characters (省, 市, 州, 盟, 区 …): only where one of
        them stands are the names of the same last two characters looked up, longest first.
        """
        out: list[tuple[int, int, tuple[Place, ...]]] = []
        last = 0
        for m in self.ends.finditer(text):
            end = m.end()
            for length in self.lengths.get(text[end - 2:end], ()):
                start = end - length
                if start < last:
                    continue
                places = self.wanted.get(text[start:end])
                if places:
                    out.append((start, end, places))
                    last = end
                    break
        return out

    def locate(self, name: str) -> tuple[set[str], set[str]]:
        """Provinces and cities (code prefixes) an agency's own name places it in."""
        return _locate(self, name)

    def __reduce__(self):  # the automaton cannot be pickled: the process's own gazetteer
        return gazetteer, ()


def _adcodes() -> Path:
    spec = importlib.util.find_spec("cpca")
    if spec is None or not spec.submodule_search_locations:
        raise NianbaoError("缺少 cpca 软件包（行政区划数据），请先安装依赖")
    return Path(next(iter(spec.submodule_search_locations))) / "resources" / "adcodes.csv"


def _level(code: str) -> str:
    if code[2:6] == "0000":
        return "province"
    if code[4:6] == "00":
        return "city"
    return "county"


@cache
def gazetteer() -> Gazetteer:
    places: dict[str, list[Place]] = {}
    with open(_adcodes(), encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            code, name = row["adcode"], row["name"].strip()
            if len(name) < 3 or code[6:] != "000000" or "直辖" in name or "区划" in name:
                continue  # towns, short and placeholder names: not matched in free text
            places.setdefault(name, []).append(Place(name, code, _level(code)))
    wanted = {name: tuple(same) for name, same in places.items()
              if any(p.level != "county" for p in same)}
    lengths: dict[str, set[int]] = {}
    for name in wanted:
        lengths.setdefault(name[-2:], set()).add(len(name))
    ends = re.compile("[" + re.escape("".join(sorted({k[-1] for k in lengths}))) + "]")
    every_name = AhoCorasick(list(places))
    return Gazetteer({k: tuple(v) for k, v in places.items()}, wanted,
                     {k: sorted(v, reverse=True) for k, v in lengths.items()}, ends, every_name)


_LOCATED: dict[str, tuple[set[str], set[str]]] = {}


def _locate(gaz: Gazetteer, name: str) -> tuple[set[str], set[str]]:
    if name not in _LOCATED:
        provinces, cities = set(), set()
        for _, start, end in all_matches(gaz.every_name, name):
            for p in gaz.places[name[start:end]]:
                provinces.add(p.province)
                if p.level != "province":
                    cities.add(p.city)
        if len(_LOCATED) > 100_000:
            _LOCATED.clear()
        _LOCATED[name] = (provinces, cities)
    return _LOCATED[name]
