"""The expression parser: precedence, parentheses, no Python evaluation, against a reference.

The property test draws a random expression tree over cell references and numbers, writes it
out with only the parentheses precedence requires (plus random extra ones), compiles the text
and compares the vectorised result with a plain per-row evaluation of the tree.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nianbao.errors import ExpressionError, NianbaoError
from nianbao.formats.expr import compile_expr, evaluate_quantity, refs_in
from nianbao.formats.spec import all_formats

REFS = ["t3.new.total", "prev.t3.carry_out.total", "s6.fee_notices_issued", "t2_5.permit.items"]
ROWS = 6

# Binding strength, loosest first, as the format spec's operators are documented.
LEVEL = {"implies": 0, "or": 1, "and": 2, "not": 3, "cmp": 4, "+": 5, "-": 5, "*": 6, "/": 6,
         "neg": 7, "atom": 8}
CMP = ["==", ">=", "<=", ">", "<"]

# ---------------------------------------------------------------- random trees

numbers = st.one_of(
    st.tuples(st.just("num"), st.integers(0, 9)),
    st.tuples(st.just("ref"), st.sampled_from(REFS)),
)


def _numeric(children):
    return st.one_of(
        st.tuples(st.sampled_from(["+", "-", "*"]), children, children),
        st.tuples(st.just("/"), children, st.tuples(st.just("num"), st.integers(1, 4))),
        st.tuples(st.just("neg"), children),
    )


numeric_trees = st.recursive(numbers, _numeric, max_leaves=6)
small_numeric_trees = st.recursive(numbers, _numeric, max_leaves=3)
comparisons = st.tuples(st.just("cmp"), st.sampled_from(CMP), small_numeric_trees,
                        small_numeric_trees)


def _boolean(children):
    return st.one_of(
        st.tuples(st.sampled_from(["and", "or", "implies"]), children, children),
        st.tuples(st.just("not"), children),
    )


boolean_trees = st.recursive(comparisons, _boolean, max_leaves=8)


def level(tree) -> int:
    return LEVEL["atom"] if tree[0] in ("num", "ref") else LEVEL[tree[0]]


def render(tree, extra) -> str:
    """The tree as text with the parentheses precedence needs; ``extra`` adds redundant ones."""
    kind = tree[0]
    if kind == "num":
        text = str(tree[1])
    elif kind == "ref":
        text = tree[1]
    elif kind == "neg":
        text = "-" + wrap(tree[1], LEVEL["neg"], extra)
    elif kind == "not":
        text = "not " + wrap(tree[1], LEVEL["not"], extra)
    elif kind == "cmp":
        # comparisons do not chain: both sides are plain arithmetic
        text = f"{wrap(tree[2], LEVEL['+'], extra)} {tree[1]} {wrap(tree[3], LEVEL['+'], extra)}"
    else:
        me = LEVEL[kind]
        if kind == "implies":  # right-associative
            left, right = wrap(tree[1], me + 1, extra), wrap(tree[2], me, extra)
        else:  # left-associative
            left, right = wrap(tree[1], me, extra), wrap(tree[2], me + 1, extra)
        text = f"{left} {kind} {right}"
    return text


def wrap(tree, needed: int, extra) -> str:
    text = render(tree, extra)
    if level(tree) < needed or next(extra):
        return f"({text})"
    return text


def reference(tree, row: dict[str, float]):
    """Plain Python, one row at a time: what an expression means."""
    kind = tree[0]
    if kind == "num":
        return float(tree[1])
    if kind == "ref":
        return row[tree[1]]
    if kind == "neg":
        return -reference(tree[1], row)
    if kind == "not":
        return not reference(tree[1], row)
    if kind == "cmp":
        a, b = reference(tree[2], row), reference(tree[3], row)
        return {"==": abs(a - b) <= 1e-6, ">=": a >= b - 1e-9, "<=": a <= b + 1e-9,
                ">": a > b, "<": a < b}[tree[1]]
    a, b = reference(tree[1], row), reference(tree[2], row)
    if kind == "and":
        return a and b
    if kind == "or":
        return a or b
    if kind == "implies":
        return (not a) or b
    if kind == "+":
        return a + b
    if kind == "-":
        return a - b
    if kind == "*":
        return a * b
    return a / b


values = st.fixed_dictionaries(
    {ref: st.lists(st.integers(-3, 8), min_size=ROWS, max_size=ROWS) for ref in REFS}
)


@settings(max_examples=400, deadline=None)
@given(tree=st.one_of(boolean_trees, boolean_trees, numeric_trees), data=values,
       extra=st.lists(st.sampled_from([False, False, False, True]), max_size=64))
def test_compiled_matches_reference(tree, data, extra):
    text = render(tree, iter(extra + [False] * 1000))
    arrays = {ref: np.array(v, dtype=float) for ref, v in data.items()}
    rows = [{ref: float(v[i]) for ref, v in data.items()} for i in range(ROWS)]
    compiled = compile_expr(text)
    expected = [reference(tree, row) for row in rows]
    if compiled.is_condition:
        got = np.broadcast_to(compiled.evaluate(arrays)["ok"], ROWS)
        assert got.tolist() == expected, text
    else:
        got = np.broadcast_to(evaluate_quantity(text, arrays), ROWS)
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12, err_msg=text)
    assert list(compiled.refs) == list(dict.fromkeys(tree_refs(tree)))


def tree_refs(tree):
    if tree[0] == "ref":
        yield tree[1]
    elif tree[0] != "num":
        for child in tree[1:]:
            if isinstance(child, tuple):
                yield from tree_refs(child)


# ---------------------------------------------------------------- the cases that used to go wrong


def truth(expr: str, **cells) -> list[bool]:
    compiled = compile_expr(expr)
    return compiled.evaluate({k: np.array(v, dtype=float) for k, v in cells.items()})["ok"].tolist()


def test_parenthesised_conjunction_before_implies():
    # (A and B) implies C: false only where A and B hold and C does not
    expr = "(t1.a.x > 0 and t1.b.x > 0) implies t1.c.x > 0"
    got = truth(expr, **{"t1.a.x": [1, 1, 0, 1], "t1.b.x": [1, 0, 1, 1],
                         "t1.c.x": [0, 0, 0, 1]})
    assert got == [False, True, True, True]


def test_and_binds_tighter_than_implies():
    expr = "t1.a.x > 0 and t1.b.x > 0 implies t1.c.x > 0"
    paren = "(t1.a.x > 0 and t1.b.x > 0) implies t1.c.x > 0"
    cells = {"t1.a.x": [0, 1, 1, 0], "t1.b.x": [1, 0, 1, 0], "t1.c.x": [0, 0, 0, 0]}
    assert truth(expr, **cells) == truth(paren, **cells) == [True, True, False, True]


def test_implies_is_right_associative():
    cells = {"t1.a.x": [0], "t1.b.x": [0], "t1.c.x": [0]}
    # a implies (b implies c) holds when a is false; (a implies b) implies c does not
    assert truth("t1.a.x > 0 implies t1.b.x > 0 implies t1.c.x > 0", **cells) == [True]
    assert truth("(t1.a.x > 0 implies t1.b.x > 0) implies t1.c.x > 0", **cells) == [False]


def test_arithmetic_precedence_and_parentheses():
    cells = {"t1.a.x": np.array([2.0]), "t1.b.x": np.array([3.0])}
    assert evaluate_quantity("1 + t1.a.x * t1.b.x", cells)[0] == 7
    assert evaluate_quantity("(1 + t1.a.x) * t1.b.x", cells)[0] == 9
    assert evaluate_quantity("12 / t1.a.x / t1.b.x", cells)[0] == 2
    assert evaluate_quantity("t1.b.x - t1.a.x - 1", cells)[0] == 0


def test_top_level_comparison_reports_both_sides():
    result = compile_expr("t1.a.x + t1.b.x == 5").evaluate(
        {"t1.a.x": np.array([2.0, 1.0]), "t1.b.x": np.array([3.0, 1.0])})
    assert result["ok"].tolist() == [True, False]
    assert result["lhs"].tolist() == [5.0, 2.0]
    assert result["rhs"].tolist() == [5.0, 5.0]


@pytest.mark.parametrize("bad", [
    "t1.a.x +", "(t1.a.x > 0", "t1.a.x > 0)", "t1.a.x > 0 > 1", "t1.a.x > 0 + 1 > 2",
    "(t1.a.x > 0) + 1", "t1.a.x and t1.b.x", "__import__('os').system('true')",
    "t1.a.x ** 2", "[t1.a.x]",
])
def test_bad_expressions_raise_a_clear_error(bad):
    with pytest.raises(ExpressionError) as caught:
        compile_expr(bad)
    assert isinstance(caught.value, NianbaoError)
    assert "表达式" in str(caught.value) and bad in str(caught.value)


def test_every_expression_of_the_formats_compiles_with_the_refs_it_names():
    compiled = 0
    for fmt in all_formats():
        for rule in fmt.rules:
            if rule.expr_kind != "formula" or rule.scope not in ("report", "cross_year"):
                continue
            for _, expr in rule.instances():
                c = compile_expr(expr)
                assert c.is_condition and list(c.refs) == refs_in(expr), expr
                compiled += 1
        for name, expr in fmt.derived_quantities.items():
            if "(" not in name:
                c = compile_expr(expr)
                assert not c.is_condition and list(c.refs) == refs_in(expr), expr
                compiled += 1
    assert compiled > 50
