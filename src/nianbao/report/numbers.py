"""Number style: counts, shares, amounts and table cells as a report prints them (``fmt_*``).

The narrative, the tables and the charts all format through here, so the same value never reads
differently in a sentence, a cell and a bar label (spec §9: one precision, shares from the same
integers the table shows).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from fractions import Fraction

from nianbao.report.phrases import PCT_BELOW_RESOLUTION

GROUPING_FROM = 10000  # counts and amounts from this value on get thousands separators
FLOAT_PLACES = Decimal("0.000001")  # floats are read to 6 places: 1 分 when the unit is 万元


def integral(value: float | int | Decimal) -> int:
    """An integer count; a fractional count is a data error, not something to round away."""
    if isinstance(value, int):
        return value
    number = Decimal(str(value))
    if number != number.to_integral_value():
        raise ValueError(f"计数应为整数，实际为 {value}")
    return int(number)


def _group(number: Decimal | int) -> str:
    """Plain digits, with thousands separators only from five integer digits on."""
    number = Decimal(number)
    return format(number, ",f" if abs(number) >= GROUPING_FROM else "f")


def fmt_count(n: float | int | Decimal) -> str:
    """A count as prose digits: "805", "13,810"."""
    return _group(integral(n))


def _round_half_up(x: Fraction) -> int:
    return int((x + Fraction(1, 2)).__floor__())


def fmt_pct(part: float | int, whole: float | int) -> str | None:
    """``part`` as a share of ``whole`` with one decimal ("33.3%"); None when ``whole`` is 0.

    Works on the exact ratio of the two integers so the shown figure is the one a reader
    recomputes from the table.
    """
    part, whole = integral(part), integral(whole)
    if part < 0 or whole < 0:
        raise ValueError(f"百分比的分子和分母不能为负：{part}/{whole}")
    if whole == 0:
        return None
    exact = Fraction(100 * part, whole)
    if 0 < exact < Fraction(1, 20):
        return PCT_BELOW_RESOLUTION
    tenths = _round_half_up(exact * 10)
    return f"{tenths // 10}.{tenths % 10}%"


def to_decimal(value: float | int | str | Decimal) -> Decimal:
    """An amount as a Decimal without binary-float artefacts (0.30000000000000004 → 0.3).

    Decimals and strings keep the precision they were given; floats are read to 6 places and
    lose trailing zeros, since a float cannot carry the precision it was written with.
    """
    if isinstance(value, bool):
        raise ValueError(f"金额不是数字：{value!r}")
    if isinstance(value, Decimal | int):
        return Decimal(value)
    if isinstance(value, float):
        number = Decimal(repr(value))
        if not number.is_finite():
            raise ValueError(f"不是有限的数值：{value!r}")
        if number.as_tuple().exponent < FLOAT_PLACES.as_tuple().exponent:
            number = number.quantize(FLOAT_PLACES, rounding=ROUND_HALF_UP)
        return number.normalize()
    try:
        return Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f"金额不是数字：{value!r}") from None


def fmt_money(amount: float | int | str | Decimal, unit: str = "元") -> str:
    """An amount with its unit: 元 as an integer or with two decimals ("1500元", "12.50元");
    any other unit (万元) with the precision given ("0.3万元")."""
    number = to_decimal(amount)
    if unit == "元":
        number = number.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        if number == number.to_integral_value():
            number = number.quantize(Decimal(1))
    elif number == number.to_integral_value():
        number = number.quantize(Decimal(1))
    return f"{_group(number)}{unit}"


def fmt_cell(value: float | int | Decimal) -> str:
    """A table cell as printed: integers without ".0", decimals as given, no exponent form."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    number = to_decimal(value)
    if not number.is_finite():
        raise ValueError(f"不是有限的数值：{value!r}")
    return "0" if number == 0 else format(number.normalize(), "f")
