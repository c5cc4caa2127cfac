"""Numbers whose separators were lost: every split of a digit run that the table's sums allow.

A crawled page can print the cells of a row as one run of digits (``801000081`` for 80, 1, 0,
0, 0, 0, 81). Each run is split into numbers (no leading zeros, at most ``MAX_DIGITS`` digits
each) so that the row yields the expected number of values; the splits that satisfy the row's
own sums are the candidate readings. One candidate is a reading; several are a doubt the
caller must report, never a guess.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

MAX_DIGITS = 9
MAX_CANDIDATES = 2000


@dataclass(frozen=True)
class Token:
    """One piece of a row: an exact cell, a blank cell, or a run of digits to be split."""

    kind: str  # cell | blank | run
    text: str
    start: int
    end: int

    @property
    def value(self) -> float | None:
        if self.kind == "blank":
            return None
        return parse_number(self.text)


def parse_number(text: str) -> float | None:
    s = text.replace(",", "").replace("，", "").replace("−", "-").replace("－", "-").strip()
    for unit in ("万元", "元", "件", "项", "条", "个"):
        s = s.removesuffix(unit).strip()
    try:
        return float(s)
    except ValueError:
        return None


@dataclass(frozen=True)
class Piece:
    value: float | None
    start: int
    end: int
    text: str


def splits(tokens: list[Token], need: int,
           check: Callable[[list[float | None]], bool] | None = None) -> list[list[Piece]]:
    """Every way of reading ``tokens`` as exactly ``need`` values that passes ``check``."""
    out: list[list[Piece]] = []
    runs_max = [_max_parts(t) for t in tokens]
    suffix_min = [0] * (len(tokens) + 1)
    suffix_max = [0] * (len(tokens) + 1)
    for i in range(len(tokens) - 1, -1, -1):
        suffix_min[i] = suffix_min[i + 1] + 1
        suffix_max[i] = suffix_max[i + 1] + runs_max[i]
    if not suffix_min[0] <= need <= suffix_max[0]:
        return out

    def walk(i: int, left: int, acc: list[Piece]) -> None:
        if len(out) >= MAX_CANDIDATES:
            return
        if i == len(tokens):
            if left == 0 and (check is None or check([p.value for p in acc])):
                out.append(list(acc))
            return
        tok = tokens[i]
        lo = max(1, left - suffix_max[i + 1])
        hi = min(runs_max[i], left - suffix_min[i + 1])
        for parts in range(lo, hi + 1):
            for pieces in _split_token(tok, parts):
                walk(i + 1, left - parts, acc + pieces)

    walk(0, need, [])
    return out


def _numeric(text: str) -> str:
    """The digits and decimal point of a run, without a unit after it."""
    return re.match(r"[\d.]*", text).group(0).rstrip(".")


def _max_parts(tok: Token) -> int:
    if tok.kind != "run":
        return 1
    whole = _numeric(tok.text).split(".")[0]
    return len(whole) if whole.isdigit() else 1


def _split_token(tok: Token, parts: int) -> Iterator[list[Piece]]:
    if parts == 1:
        if tok.kind == "run" and _bad_digits(_numeric(tok.text).split(".")[0]):
            return
        yield [Piece(tok.value, tok.start, tok.end, tok.text)]
        return
    digits, _, fraction = _numeric(tok.text).partition(".")
    for cut in _cuts(digits, parts):
        pieces = []
        prev = 0
        for c in [*cut, len(digits)]:
            part = digits[prev:c]
            end = tok.start + c
            if c == len(digits) and fraction:  # the decimals belong to the last number
                part += "." + fraction
                end = tok.end
            pieces.append(Piece(float(part), tok.start + prev, end, part))
            prev = c
        yield pieces


def _cuts(digits: str, parts: int, start: int = 0) -> Iterator[list[int]]:
    """Cut positions splitting ``digits[start:]`` into ``parts`` valid numbers."""
    if parts == 1:
        if not _bad_digits(digits[start:]):
            yield []
        return
    for end in range(start + 1, min(len(digits) - parts + 1, start + MAX_DIGITS) + 1):
        if _bad_digits(digits[start:end]):
            continue
        for rest in _cuts(digits, parts - 1, end):
            yield [end, *rest]


def _bad_digits(part: str) -> bool:
    return not part or (len(part) > 1 and part[0] == "0") or len(part) > MAX_DIGITS


def sums_check(groups: list[tuple[list[int], int]]) -> Callable[[list[float | None]], bool]:
    """A row check: for each (parts, total) of positions, the parts add up to the total."""
    def check(values: list[float | None]) -> bool:
        for parts, total in groups:
            if values[total] is None or any(values[p] is None for p in parts):
                continue
            if abs(sum(values[p] for p in parts) - values[total]) > 1e-6:
                return False
        return True

    return check
