"""Splitting runs of digits by the table's sums: the truth is always a candidate."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from nianbao.ingest.sums import Token, splits, sums_check

ROW = sums_check([([0, 1, 2, 3, 4, 5], 6)])


def run(text: str) -> list[Token]:
    return [Token("run", text, 0, len(text))]


def test_the_issue_example_has_one_reading():
    found = splits(run("801000081"), 7, ROW)
    assert [[p.value for p in c] for c in found] == [[80, 1, 0, 0, 0, 0, 81]]


def test_two_readings_are_both_reported():
    found = splits(run("10100202051"), 7, ROW)
    values = sorted(tuple(int(p.value) for p in c) for c in found)
    assert values == [(1, 0, 10, 0, 20, 20, 51), (10, 1, 0, 0, 20, 20, 51)]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(0, 120), min_size=6, max_size=6))
def test_the_true_row_is_always_among_the_readings(parts):
    row = [*parts, sum(parts)]
    digits = "".join(str(v) for v in row)
    found = {tuple(p.value for p in c) for c in splits(run(digits), 7, ROW)}
    assert tuple(float(v) for v in row) in found
    for cand in found:  # every reading satisfies the sum and reproduces the digits
        assert sum(cand[:6]) == cand[6]
        assert "".join(str(int(v)) for v in cand) == digits


def test_separated_cells_are_never_resplit():
    toks = [Token("cell", s, i, i + 1) for i, s in enumerate(["1", "2", "3"])]
    assert [[p.value for p in c] for c in splits(toks, 3)] == [[1, 2, 3]]
    assert splits(toks, 4) == []
