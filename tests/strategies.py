"""Hypothesis strategies: consistent reports of either format, built cell by cell."""

from __future__ import annotations

from hypothesis import strategies as st

from nianbao.formats.spec import format_for_year

APPLICANT_COLS = ["natural_person", "org_commercial", "org_research", "org_social_welfare",
                  "org_legal_service", "org_other"]


@st.composite
def consistent_report(draw, year: int, carry_in: dict[str, int] | None = None) -> dict[str, int]:
    """All cells of one report satisfying R1–R4, R6 and R7b (carry_in may be imposed for R5)."""
    fmt = format_for_year(year)
    small = st.integers(0, 6)
    cells: dict[str, int] = {}
    result_rows = [r.id for r in fmt.result_rows()]
    for col in APPLICANT_COLS:
        # No fee-abandoned applications: the default narratives state that no fee was charged.
        results = {row: 0 if row == "res_other_no_fee" else draw(small) for row in result_rows}
        answered = sum(results.values())
        carry_out = draw(small)
        cin = carry_in[col] if carry_in else draw(st.integers(0, answered + carry_out))
        new = answered + carry_out - cin
        if new < 0:  # an imposed carry-in larger than this year's work: answer more
            results[result_rows[0]] += -new
            answered += -new
            new = 0
        for row, v in results.items():
            cells[f"t3.{row}.{col}"] = v
        cells[f"t3.res_total.{col}"] = answered
        cells[f"t3.carry_out.{col}"] = carry_out
        cells[f"t3.carry_in.{col}"] = cin
        cells[f"t3.new.{col}"] = new
    for row in fmt.table("t3").data_rows:
        cells[f"t3.{row.id}.total"] = sum(cells[f"t3.{row.id}.{c}"] for c in APPLICANT_COLS)
    for group in ("rev", "lit_direct", "lit_after_rev"):
        parts = [draw(small) for _ in range(4)]
        for name, v in zip(("upheld", "corrected", "other", "pending"), parts, strict=True):
            cells[f"t4.cases.{group}_{name}"] = v
        cells[f"t4.cases.{group}_total"] = sum(parts)
    for table in fmt.tables:
        if not table.id.startswith("t2_"):
            continue
        for row in table.data_rows:
            prev_items = draw(st.integers(0, 50))
            for col in table.columns:
                ref = f"{table.id}.{row.id}.{col.id}"
                if col.id == "items_change":
                    cells[ref] = draw(st.integers(-prev_items, 20))
                elif col.id == "prev_items":
                    cells[ref] = prev_items
                else:
                    cells[ref] = draw(st.integers(0, 400))
    assert set(cells) == set(fmt.cell_refs())
    return cells
