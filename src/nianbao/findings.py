"""Findings: what the loader and the validator report, in one shape for both.

A finding names the rule, the severity, the agency-year, the cells involved (ids and official
Chinese labels), the expected and actual values and a one-line message in Chinese; input problems
also name the file and line. ``fatal`` marks a problem that kept a whole file from being read.
Findings on prose also carry the quoted sentence, its section and its character span in the
section text. Severities: ``error`` (the report is wrong), ``warning`` (probably wrong),
``uncertain`` (the reading itself is in doubt, e.g. an extraction doubt) and ``info``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd


SEVERITY_ORDER = {"error": 0, "warning": 1, "uncertain": 2, "info": 3}
SEVERITY_ZH = {"error": "错误", "warning": "警告", "uncertain": "存疑", "info": "提示"}


def severity_rank(severity: str) -> int:
    """Sort position of a severity (unknown ones last)."""
    return SEVERITY_ORDER.get(severity, len(SEVERITY_ORDER))


@dataclass
class Finding:
    rule: str
    severity: str
    message: str
    agency_id: str | None = None
    year: int | None = None
    cells: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    expected: object = None
    actual: object = None
    file: str | None = None
    line: int | None = None
    fatal: bool = False
    quote: str | None = None
    span: tuple[int, int] | None = None
    section: str | None = None

    def to_json(self) -> dict:
        """The stable JSON shape of ``build.py check --json`` (plus file and line)."""
        out = {
            "agency_id": self.agency_id,
            "year": self.year,
            "rule": self.rule,
            "severity": self.severity,
            "cells": list(self.cells),
            "labels": list(self.labels),
            "expected": plain_value(self.expected),
            "actual": plain_value(self.actual),
            "message": self.message,
            "file": self.file,
            "line": self.line,
        }
        if self.quote is not None:
            out["quote"] = self.quote
        if self.section is not None:
            out["section"] = self.section
        if self.span is not None:
            out["span"] = list(self.span)
        return out

    def where(self) -> str:
        """File and line, as an editor would link them."""
        if not self.file:
            return ""
        return f"{self.file}:{self.line}" if self.line else self.file


def plain_value(value):
    """A finding's expected or actual value as JSON wants it (numpy scalars unwrapped, whole
    floats as ints, anything else unusual as text)."""
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if value is not None and not isinstance(value, (int, float, str, bool, list)):
        return str(value)
    return value


def findings_frame(findings: list[Finding]) -> pd.DataFrame:
    """Findings as a tidy DataFrame sorted by agency, year, severity and rule."""
    import pandas as pd  # here: the batch planner imports this module without pandas

    columns = list(Finding.__dataclass_fields__)
    if not findings:
        return pd.DataFrame(columns=columns)
    frame = pd.DataFrame([asdict(f) for f in findings], columns=columns)
    frame["_order"] = frame["severity"].map(severity_rank)
    frame = frame.sort_values(
        ["agency_id", "year", "_order", "rule"], na_position="first", kind="stable"
    )
    return frame.drop(columns="_order").reset_index(drop=True)


