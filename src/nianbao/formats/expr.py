"""Rule and quantity expressions of the format files, parsed once and evaluated vectorised.

An expression names cells as ``t3.new.total`` (``prev.`` for last year's report) and inputs as
``s6.fee_notices_issued``; it may use numbers, + - * / and parentheses, the comparisons
``== >= <= > <`` and the connectives ``not``, ``and``, ``or`` and ``implies`` (loosest first:
``implies`` (right-associative), ``or``, ``and``, ``not``, comparison, ``+ -``, ``* /``, unary
``-``). A small recursive-descent parser turns the text into a tree of numpy operations, so one
evaluation covers every agency-year at once and nothing from a format file is ever run as Python.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache

import numpy as np

from nianbao.errors import ExpressionError

# A cell or input reference, also found in rule templates (``t3.{row}.total`` has none).
_REF = re.compile(r"\b(?:prev\.)?(?:t\d+(?:_\d+)?|s\d+)\.[a-z_0-9]+(?:\.[a-z_0-9]+)?\b")
_TOKEN = re.compile(
    r"\s*(?:(?P<number>\d+(?:\.\d+)?)"
    r"|(?P<name>[A-Za-z_][A-Za-z_0-9]*(?:\.[A-Za-z_0-9]+)*)"
    r"|(?P<op>==|>=|<=|[-+*/()<>]))"
)
_KEYWORDS = frozenset({"and", "or", "not", "implies"})
COMPARISONS = ("==", ">=", "<=", ">", "<")
# Data are counts: equality allows float noise, the inequalities a hair of it.
EQ_TOLERANCE = 1e-6
ORDER_TOLERANCE = 1e-9


def refs_in(expr: str) -> list[str]:
    """Cell and input references of an expression, in order of appearance, without repeats."""
    return list(dict.fromkeys(m.group(0) for m in _REF.finditer(expr)))


def compare(op: str, lhs, rhs) -> np.ndarray:
    """``lhs OP rhs`` elementwise, with the tolerances of the rules."""
    if op == "==":
        return np.isclose(lhs, rhs, rtol=0, atol=EQ_TOLERANCE)
    if op == ">=":
        return lhs >= rhs - ORDER_TOLERANCE
    if op == "<=":
        return lhs <= rhs + ORDER_TOLERANCE
    if op == ">":
        return lhs > rhs
    return lhs < rhs


# ---------------------------------------------------------------- tree

Values = Mapping[str, object]


@dataclass(frozen=True)
class Node:
    """One operation of the tree; ``boolean`` tells a condition from a number."""

    op: str  # "num", "ref", "neg", "+", "-", "*", "/", a comparison, "not", "and", "or", "implies"
    args: tuple = ()
    boolean: bool = False

    def __call__(self, values: Values):
        op, args = self.op, self.args
        if op == "num":
            return args[0]
        if op == "ref":
            return np.asarray(values[args[0]], dtype=float)
        if op == "neg":
            return -args[0](values)
        if op == "not":
            return ~np.asarray(args[0](values), dtype=bool)
        a, b = args[0](values), args[1](values)
        if op in _ARITHMETIC:
            with np.errstate(divide="ignore", invalid="ignore"):
                return _ARITHMETIC[op](np.asarray(a, dtype=float), b)
        if op in COMPARISONS:
            return compare(op, a, b)
        a, b = np.asarray(a, dtype=bool), np.asarray(b, dtype=bool)
        if op == "and":
            return a & b
        if op == "or":
            return a | b
        return ~a | b  # implies


_ARITHMETIC: dict[str, Callable] = {
    "+": np.add, "-": np.subtract, "*": np.multiply, "/": np.true_divide,
}


class _Parser:
    """Recursive descent over the tokens; one method per precedence level."""

    def __init__(self, expr: str):
        self.expr = expr
        self.tokens: list[tuple[str, str]] = []
        pos = 0
        while pos < len(expr):
            m = _TOKEN.match(expr, pos)
            if m is None or m.end() == pos:
                if expr[pos:].strip():
                    raise ExpressionError(expr, f"第 {pos + 1} 个字符无法识别")
                break
            kind = m.lastgroup
            text = m.group(kind)
            if kind == "name" and text in _KEYWORDS:
                kind = "op"
            self.tokens.append((kind, text))
            pos = m.end()
        self.i = 0
        self.refs: list[str] = []

    def peek(self) -> str | None:
        return self.tokens[self.i][1] if self.i < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        if self.i >= len(self.tokens):
            raise ExpressionError(self.expr, "表达式不完整")
        token = self.tokens[self.i]
        self.i += 1
        return token

    def parse(self) -> Node:
        node = self.implication()
        if self.i != len(self.tokens):
            raise ExpressionError(self.expr, f"多余的“{self.peek()}”")
        return node

    def want(self, node: Node, boolean: bool) -> Node:
        if node.boolean != boolean:
            raise ExpressionError(self.expr, "条件与数值混用" if boolean else "数值与条件混用")
        return node

    def implication(self) -> Node:
        lhs = self.disjunction()
        if self.peek() == "implies":
            self.take()
            rhs = self.implication()
            return Node("implies", (self.want(lhs, True), self.want(rhs, True)), True)
        return lhs

    def disjunction(self) -> Node:
        node = self.conjunction()
        while self.peek() == "or":
            self.take()
            node = Node("or", (self.want(node, True), self.want(self.conjunction(), True)), True)
        return node

    def conjunction(self) -> Node:
        node = self.negation()
        while self.peek() == "and":
            self.take()
            node = Node("and", (self.want(node, True), self.want(self.negation(), True)), True)
        return node

    def negation(self) -> Node:
        if self.peek() == "not":
            self.take()
            return Node("not", (self.want(self.negation(), True),), True)
        return self.comparison()

    def comparison(self) -> Node:
        lhs = self.sum()
        if self.peek() in COMPARISONS:
            op = self.take()[1]
            rhs = self.sum()
            if self.peek() in COMPARISONS:
                raise ExpressionError(self.expr, "一个比较中不能连用两个比较符")
            return Node(op, (self.want(lhs, False), self.want(rhs, False)), True)
        return lhs

    def sum(self) -> Node:
        node = self.product()
        while self.peek() in ("+", "-"):
            op = self.take()[1]
            node = Node(op, (self.want(node, False), self.want(self.product(), False)))
        return node

    def product(self) -> Node:
        node = self.unary()
        while self.peek() in ("*", "/"):
            op = self.take()[1]
            node = Node(op, (self.want(node, False), self.want(self.unary(), False)))
        return node

    def unary(self) -> Node:
        if self.peek() == "-":
            self.take()
            return Node("neg", (self.want(self.unary(), False),))
        if self.peek() == "+":
            self.take()
            return self.want(self.unary(), False)
        return self.atom()

    def atom(self) -> Node:
        kind, text = self.take()
        if kind == "number":
            return Node("num", (float(text),))
        if kind == "name":
            self.refs.append(text)
            return Node("ref", (text,))
        if text == "(":
            node = self.implication()
            if self.take()[1] != ")":
                raise ExpressionError(self.expr, "括号不配对")
            return node
        raise ExpressionError(self.expr, f"此处不应出现“{text}”")


# ---------------------------------------------------------------- compiled expressions


@dataclass(frozen=True)
class Compiled:
    """A parsed expression: a number, a top-level comparison or another condition."""

    source: str
    refs: tuple[str, ...]
    root: Node

    @property
    def is_condition(self) -> bool:
        return self.root.boolean

    def evaluate(self, values: Values) -> dict[str, np.ndarray]:
        """Evaluate over ``values`` (ref → array); returns ``ok`` and, for a top-level
        comparison, its two sides (for the message of a failing rule)."""
        root = self.root
        if not root.boolean:
            raise ExpressionError(self.source, "这是数值而不是条件")
        if root.op in COMPARISONS:
            lhs, rhs = np.broadcast_arrays(
                np.asarray(root.args[0](values), dtype=float),
                np.asarray(root.args[1](values), dtype=float),
            )
            return {"ok": compare(root.op, lhs, rhs), "lhs": lhs, "rhs": rhs}
        return {"ok": np.asarray(root(values), dtype=bool)}

    def quantity(self, values: Values):
        """Value of an arithmetic expression over ``values``."""
        if self.root.boolean:
            raise ExpressionError(self.source, "这是条件而不是数值")
        return self.root(values)


@cache
def compile_expr(expr: str) -> Compiled:
    """Parse one expanded rule or quantity expression (cached: rules repeat per column)."""
    parser = _Parser(expr)
    root = parser.parse()
    return Compiled(expr, tuple(dict.fromkeys(parser.refs)), root)


def evaluate_quantity(expr: str, values: Values):
    """Evaluate an arithmetic expression (no comparison) over ``values``."""
    return compile_expr(expr).quantity(values)
