"""R6 (cell values of the wrong type) looks closely only at cells whose raw value could be
flagged; it finds exactly what a look at every cell finds."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from nianbao.checks import validate
from nianbao.data.dataset import load
from nianbao.testing import synth

#: Raw values of every kind the rule words, and some it must leave alone.
ODD_VALUES = ["十二", "-4", "2.5", "inf", "-nan", "1e400", "1,234", "12元", "3万元", "5件",
              "7项", "", "-", "１２", "1e9", "99999999999", "0.0", "-0", " 7 ", "1.5万元",
              "2e+500", "0.5件", "1 000", "1e8", "100000001", "-0.5", "3.0"]


@pytest.fixture(scope="module")
def odd(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("types") / "data"
    synth.write(synth.generate(8, range(2020, 2023), seed=3), root)
    for path in sorted((root / "stats").glob("*.csv")):
        lines = path.read_text("utf-8").splitlines()
        for n in range(1, len(lines)):
            if n % 7 == 0:  # every seventh cell, in every column of every table
                head = lines[n].rsplit(",", 1)[0]
                value = ODD_VALUES[(n // 7) % len(ODD_VALUES)]
                lines[n] = f"{head},{value}" if "," not in value else f'{head},"{value}"'
        path.write_text("\n".join(lines) + "\n", "utf-8")
    return root


def test_types_finds_what_a_look_at_every_cell_finds(odd, monkeypatch):
    ds = load(odd)
    steps = [s for s in validate.plan(ds) if s.fn is validate._types]
    assert len(steps) >= 2  # both formats
    found = [f for s in steps for f in s.run(ds)]
    monkeypatch.setattr(validate, "_doubtful_values",
                        lambda values, columns: np.ones(len(values.categories) + 1, dtype=bool))
    every = [f for s in steps for f in s.run(ds)]
    assert found == every
    messages = " ".join(f.message for f in every)
    for why in ("不是数字", "不是有限的数", "不能为负数", "应为整数", "超出合理范围",
                "与本栏的单位不符"):
        assert why in messages, why
    assert len(every) > 50
