"""Rule and quantity expressions of the format files, compiled once and evaluated vectorised.

An expression names cells as ``t3.new.total`` (``prev.`` for last year's report) and inputs as
``s6.fee_notices_issued`` or ``publish_date``; it may use + - * / ( ), one comparison, and the
connectives ``implies`` / ``and``. Compiling turns it into Python over a mapping of arrays, so one
evaluation covers every agency-year at once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import numpy as np

_REF = re.compile(r"\b(?:prev\.)?(?:t\d+(?:_\d+)?|s\d+)\.[a-z_0-9]+(?:\.[a-z_0-9]+)?\b")
_COMPARISON = re.compile(r"(==|>=|<=|(?<![=<>])>(?!=)|(?<![=<>])<(?!=))")


def refs_in(expr: str) -> list[str]:
    """Cell and input references of an expression, in order of appearance, without repeats."""
    return list(dict.fromkeys(m.group(0) for m in _REF.finditer(expr)))


def _to_python(expr: str) -> str:
    return _REF.sub(lambda m: f"_v[{m.group(0)!r}]", expr)


@dataclass(frozen=True)
class Compiled:
    """A compiled expression: either a comparison ``lhs OP rhs`` or a boolean condition."""

    source: str
    refs: tuple[str, ...]
    lhs: object | None
    op: str | None
    rhs: object | None
    condition: object | None

    def evaluate(self, values) -> dict[str, np.ndarray]:
        """Evaluate over ``values`` (ref → array); returns ``ok`` and, for comparisons, sides."""
        env = {"_v": values, "np": np}
        if self.condition is not None:
            return {"ok": np.asarray(eval(self.condition, env), dtype=bool)}
        lhs, rhs = np.broadcast_arrays(
            np.asarray(eval(self.lhs, env), dtype=float),
            np.asarray(eval(self.rhs, env), dtype=float),
        )
        ok = {
            "==": np.isclose(lhs, rhs, rtol=0, atol=1e-6),
            ">=": lhs >= rhs - 1e-9,
            "<=": lhs <= rhs + 1e-9,
            ">": lhs > rhs,
            "<": lhs < rhs,
        }[self.op]
        return {"ok": ok, "lhs": lhs, "rhs": rhs}


def _boolean(expr: str) -> str:
    """Translate ``a implies b`` / ``and`` into numpy boolean operators."""
    parts = [p.strip() for p in re.split(r"\band\b", expr)]
    out = []
    for part in parts:
        part = part.strip()
        while part.startswith("(") and part.endswith(")"):
            part = part[1:-1].strip()
        if " implies " in part:
            cond, then = part.split(" implies ", 1)
            out.append(f"(~({_to_python(cond)}) | ({_to_python(then)}))")
        else:
            out.append(f"({_to_python(part)})")
    return " & ".join(out)


@cache
def compile_expr(expr: str) -> Compiled:
    """Compile one expanded rule or quantity expression."""
    refs = tuple(refs_in(expr))
    if re.search(r"\b(implies|and)\b", expr):
        code = compile(_boolean(expr), expr, "eval")
        return Compiled(expr, refs, None, None, None, code)
    parts = _COMPARISON.split(expr)
    if len(parts) == 1:  # a plain quantity: evaluate as lhs only
        code = compile(_to_python(expr), expr, "eval")
        return Compiled(expr, refs, code, None, None, None)
    if len(parts) != 3:
        raise ValueError(f"expression has more than one comparison: {expr}")
    lhs, op, rhs = (p.strip() for p in parts)
    return Compiled(
        expr,
        refs,
        compile(_to_python(lhs), lhs, "eval"),
        op,
        compile(_to_python(rhs), rhs, "eval"),
        None,
    )


def evaluate_quantity(expr: str, values) -> np.ndarray | float:
    """Evaluate an arithmetic expression (no comparison) over ``values``."""
    compiled = compile_expr(expr)
    return eval(compiled.lhs, {"_v": values, "np": np})
