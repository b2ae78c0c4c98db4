"""CSV import of clients and events (DESIGN 4a): every row or none.

A file is UTF-8 (a byte-order mark is allowed) with a header row. Header
names are matched without surrounding spaces and case; a required column
missing from the header, an unknown column or a repeated one rejects the
file. Optional columns may be left out of the header: for events they are
empty, for clients they keep the values stored (or the defaults of a new
client). Cells are trimmed; an empty cell is no value; rows whose cells are
all empty are skipped.

Every bad cell is reported as ``FILE:LINE: column: what is wrong`` (the
header is line 1; a row of the wrong width as ``FILE:LINE: expected N
cells, found M``) and nothing is written. Importing the same file again
changes nothing: clients are upserted by id, and events equal on all their
columns to one stored (or earlier in the file) are skipped.

Defaults for clients: ``status`` active; ``created_at`` the time of import
(or the stored value); a churned client without ``churned_at`` churned at
the time of import (or keeps the stored time); a completed client stopped
being scored at 23:59:59 UTC of its wedding day (or the time of import when
it has no wedding date).

Decisions (so that millions of rows import in seconds):

- Reading: the file's bytes are scanned with numpy for line feeds, commas
  and quotes outside quotes, which gives each record its line (a quoted
  cell may span lines) and its number of cells; pandas' C parser then reads
  the cells, every one as a string. Whitespace is trimmed only when some
  cell could have any, and lengths are checked only when some cell could be
  too long. A file whose quoting the scan cannot pair as the csv module
  would (a quote inside an unquoted cell, say) is read by the csv module.
- Checking: each column is checked by one vectorised parser; a column whose
  values repeat is checked once per distinct value. Client ids are looked up
  once each; every problem of the file is collected before anything is
  written.
- Writing: one transaction, through ``insert_events`` and ``upsert_clients``
  (bulk statements; duplicates of stored events are skipped by the database
  through a unique index on a hash of the row, never by reading them).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from data.models import CLIENT_ID_LENGTH, User
from data.progress import Progress
from data.repositories.clients import clients_frame, existing_client_ids, upsert_clients
from data.repositories.events import ALL_COLUMNS, insert_events
from scoring.columns import (
    CHURNED_AT,
    CLIENT_ID,
    COMPLETED_AT,
    CREATED_AT,
    OPENED_AT,
    OWNER_ID,
    RESOLUTION_RATING,
    RESOLVED_AT,
    STATUS,
    WEDDING_DATE,
)
from scoring.enums import ClientStatus, TaskKind

MAX_REPORTED = 50
EMPTY_FILE = "the file is empty; expected a header row"
TIMESTAMP_DTYPE = "datetime64[us, UTC]"
DATE_DTYPE = "datetime64[us]"
OWNER_EMAIL = "owner_email"

# A parser turns a column of trimmed cells into (values, problems): one problem text per bad
# cell, else NA. Its second argument bounds the length of every cell (None: not known).
Parser = Callable[[pd.Series, int | None], tuple[pd.Series, pd.Series]]


@dataclass(frozen=True)
class Column:
    """One column of an import file: its header name, its parser and whether a value is required."""

    name: str
    parse: Parser
    required: bool = False


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an import: where (``line``; None for the whole file), which column, what."""

    line: int | None
    column: str | None
    message: str

    def text(self, source: str) -> str:
        """``SOURCE:LINE: column: what is wrong``, as the command line prints it."""
        where = source if self.line is None else f"{source}:{self.line}"
        return (
            f"{where}: {self.column}: {self.message}" if self.column else f"{where}: {self.message}"
        )


class CsvImportError(Exception):
    """The file was rejected: ``details`` holds every ``Problem``, ``problems`` their texts."""

    def __init__(self, source: str, details: list[Problem]) -> None:
        self.source = source
        self.details = details
        self.problems = [problem.text(source) for problem in details]
        count = len(details)
        super().__init__(f"{source}: {count} problem{'s' if count != 1 else ''}; nothing imported")

    def report(self, limit: int = MAX_REPORTED) -> list[str]:
        """The first ``limit`` problems, then ``... and N more`` when there are more."""
        shown = self.problems[:limit]
        if len(self.problems) > limit:
            shown.append(f"... and {len(self.problems) - limit} more")
        return shown


@dataclass(frozen=True)
class ImportSummary:
    """What an import did: rows read, rows inserted, clients updated, duplicate events skipped."""

    kind: str
    source: str
    rows: int
    inserted: int
    updated: int = 0
    duplicates: int = 0

    @property
    def already_present(self) -> int:
        """Rows stored already: events skipped as duplicates, or clients that existed (updated)."""
        return self.updated if self.kind == "clients" else self.duplicates

    def describe(self) -> str:
        """One line for the command line."""
        if self.kind == "clients":
            done = f"{self.inserted} new, {self.updated} updated"
        else:
            done = f"{self.inserted} new, {self.duplicates} already present"
        return f"Imported {self.kind} from {self.source}: {done} ({self.rows} rows read)."


# --- cell parsers -------------------------------------------------------------------------


def _problems(mask: pd.Series, message: str) -> pd.Series:
    return pd.Series(
        np.where(mask.to_numpy(dtype=bool), message, None), index=mask.index, dtype=object
    )


def _first(*problem_series: pd.Series) -> pd.Series:
    result = problem_series[0]
    for more in problem_series[1:]:
        result = result.where(result.notna(), more)
    return result


def _text(max_length: int | None = None) -> Parser:
    def parse(cells: pd.Series, longest: int | None) -> tuple[pd.Series, pd.Series]:
        values = cells.where(cells != "")
        if max_length is None or (longest is not None and longest <= max_length):
            return values, pd.Series(None, index=cells.index, dtype=object)
        too_long = cells.str.len() > max_length
        return values, _problems(too_long, f"longer than {max_length} characters")

    return parse


def _email(cells: pd.Series, longest: int | None) -> tuple[pd.Series, pd.Series]:
    values, long = _text(320)(cells, longest)
    malformed = (cells != "") & ~cells.str.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+")
    return values.str.lower(), _first(long, _problems(malformed, "not an email address"))


def _timestamp(cells: pd.Series, _longest: int | None) -> tuple[pd.Series, pd.Series]:
    parsed = pd.to_datetime(cells, format="ISO8601", utc=True, errors="coerce", cache=False)
    bad = (cells != "") & parsed.isna()
    values = parsed.dt.floor("us").astype(TIMESTAMP_DTYPE)
    return values, _problems(bad, "not an ISO 8601 timestamp (e.g. 2024-05-01T14:30:00Z)")


def _date(cells: pd.Series, _longest: int | None) -> tuple[pd.Series, pd.Series]:
    well_formed = cells.str.fullmatch(r"\d{4}-\d{2}-\d{2}")
    parsed = pd.to_datetime(
        cells.where(well_formed), format="%Y-%m-%d", errors="coerce", cache=False
    )
    bad = (cells != "") & parsed.isna()
    return parsed.astype(DATE_DTYPE), _problems(bad, "not a date (expected YYYY-MM-DD)")


def _money(cells: pd.Series, _longest: int | None) -> tuple[pd.Series, pd.Series]:
    """Decimal currency units (up to 2 decimals) as integer minor units, without floats."""
    parts = cells.str.extract(r"^(\d{1,15})(?:\.(\d{1,2}))?$")
    ok = parts[0].notna()
    whole = parts[0].where(ok, "0").astype("int64")
    cents = parts[1].where(parts[1].notna() & ok, "").str.ljust(2, "0").astype("int64")
    values = (whole * 100 + cents).astype("Int64").where(ok)
    bad = (cells != "") & ~ok
    negative = bad & cells.str.startswith("-")
    return values, _first(
        _problems(negative, "must not be negative"),
        _problems(bad, "not an amount (digits with up to 2 decimals, e.g. 1250.00)"),
    )


def parse_money(text: str) -> int | None:
    """One amount as a person types it (``4250``, ``4250.5``, ``4,250.00``) in minor units; None when empty.

    The rule of the CSV's ``contract_value`` (thousands separators aside);
    raises ValueError with the message an import would give.
    """
    cell = text.strip().replace(",", "")
    values, problems = _money(pd.Series([cell], dtype=object), None)
    if problems.iloc[0] is not None:
        raise ValueError(problems.iloc[0])
    value = values.iloc[0]
    return None if pd.isna(value) else int(value)


def _choice(allowed: tuple[str, ...], default: str | None = None) -> Parser:
    def parse(cells: pd.Series, _longest: int | None) -> tuple[pd.Series, pd.Series]:
        lowered = cells.str.lower()
        ok = lowered.isin(allowed)
        values = lowered.where(ok)
        if default is not None:
            values = values.where(cells != "", default)
        return values, _problems((cells != "") & ~ok, f"must be one of {', '.join(allowed)}")

    return parse


def _whole_number(low: int, high: int) -> Parser:
    def parse(cells: pd.Series, _longest: int | None) -> tuple[pd.Series, pd.Series]:
        numbers = pd.to_numeric(cells.where(cells.str.fullmatch(r"[+-]?\d{1,9}")), errors="coerce")
        ok = numbers.between(low, high)
        values = numbers.where(ok).astype("Int64")
        return values, _problems(
            (cells != "") & ~ok, f"must be a whole number from {low} to {high}"
        )

    return parse


def _number(low: float, high: float | None, message: str) -> Parser:
    def parse(cells: pd.Series, _longest: int | None) -> tuple[pd.Series, pd.Series]:
        numbers = pd.to_numeric(cells.where(cells != ""), errors="coerce").astype("float64")
        ok = np.isfinite(numbers) & (numbers >= low)
        if high is not None:
            ok &= numbers <= high
        return numbers.where(ok), _problems((cells != "") & ~ok, message)

    return parse


_client_id = _text(CLIENT_ID_LENGTH)
_rating = _whole_number(1, 5)

KINDS: dict[str, tuple[Column, ...]] = {
    "clients": (
        Column("id", _client_id, required=True),
        Column("name", _text(200), required=True),
        Column("email", _email),
        Column("partner_names", _text(300)),
        Column("wedding_date", _date),
        Column("venue", _text(200)),
        Column("package", _text(100)),
        Column("contract_value", _money),
        Column("status", _choice(tuple(ClientStatus), ClientStatus.ACTIVE.value)),
        Column(OWNER_EMAIL, _email),
        Column("created_at", _timestamp),
        Column("churned_at", _timestamp),
    ),
    "logins": (
        Column("client_id", _client_id, required=True),
        Column("ts", _timestamp, required=True),
    ),
    "interactions": (
        Column("client_id", _client_id, required=True),
        Column("ts", _timestamp, required=True),
        Column("channel", _text(50)),
        Column("response_hours", _number(0, None, "must be a number of hours, 0 or more")),
    ),
    "tasks": (
        Column("client_id", _client_id, required=True),
        Column("title", _text(300), required=True),
        Column("kind", _choice(tuple(TaskKind), TaskKind.TASK.value)),
        Column("due_date", _date, required=True),
        Column("completed_at", _timestamp),
    ),
    "feedback": (
        Column("client_id", _client_id, required=True),
        Column("ts", _timestamp, required=True),
        Column("rating", _rating),
        Column("sentiment", _number(-1, 1, "must be a number from -1 to 1")),
        Column("comment", _text()),
    ),
    "tickets": (
        Column("client_id", _client_id, required=True),
        Column("opened_at", _timestamp, required=True),
        Column("resolved_at", _timestamp),
        Column("resolution_rating", _rating),
    ),
}
IMPORT_KINDS: tuple[str, ...] = tuple(KINDS)


# --- reading ------------------------------------------------------------------------------

_BOM = b"\xef\xbb\xbf"
_QUOTE, _COMMA, _LF, _CR, _SPACE = 34, 44, 10, 13, 32
# Bytes that str.strip() removes, other than line breaks (handled apart): tab, VT, FF, FS-US, space.
_SPACE_BYTES = np.zeros(256, dtype=bool)
_SPACE_BYTES[[9, 11, 12, 28, 29, 30, 31, 32]] = True


@dataclass
class _Table:
    """The parsed file: values per column, the line of each row, and the problems found so far."""

    source: str
    columns: tuple[Column, ...]
    present: list[str]
    values: pd.DataFrame
    lines: pd.Series
    problems: list[tuple[int, int, Problem]]

    def flag(self, mask: pd.Series | np.ndarray, column: str, message: str | pd.Series) -> None:
        order = [c.name for c in self.columns].index(column)
        bad = np.asarray(mask, dtype=bool)
        if not bad.any():
            return
        texts = message[bad] if isinstance(message, pd.Series) else [message] * int(bad.sum())
        for line, text in zip(self.lines[bad], texts, strict=True):
            self.problems.append((int(line), order, Problem(int(line), column, str(text))))

    def fail_if_problems(self) -> None:
        if self.problems:
            ordered = [problem for _line, _order, problem in sorted(self.problems, key=_position)]
            raise CsvImportError(self.source, ordered)


def _position(entry: tuple[int, int, Problem]) -> tuple[int, int]:
    return entry[0], entry[1]


@dataclass
class _Cells:
    """The cells of a file's rows (blank rows and rows of the wrong width left out)."""

    header: list[str]
    cells: pd.DataFrame  # one string column per header name
    lines: np.ndarray  # the line each row starts on (the header is line 1)
    problems: list[tuple[int, int, Problem]]  # rows of the wrong width
    trimmed: bool  # no cell has surrounding whitespace left
    longest: int | None  # no cell is longer than this many characters (None: not known)


@dataclass(frozen=True)
class _Layout:
    """Where a file's records are, found from its bytes (see ``_layout``)."""

    lines: np.ndarray  # the line each record starts on
    fields: np.ndarray  # the number of cells of each record
    needs_trim: bool  # some cell may start or end with whitespace
    longest: int  # no cell is longer than this many bytes


def _read_bytes(path: Path, source: str) -> bytes:
    """The file without its byte-order mark; rejects text that is not UTF-8, naming its line."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CsvImportError(
            source, [Problem(None, None, f"cannot read the file: {exc.strerror}")]
        ) from None
    return _utf8_text(raw, source)


def _utf8_text(raw: bytes, source: str) -> bytes:
    """``raw`` without its byte-order mark; rejects text that is not UTF-8, naming its line."""
    data = raw[len(_BOM) :] if raw.startswith(_BOM) else raw
    if not data.isascii():
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise CsvImportError(source, [Problem(line, None, "not UTF-8 text")]) from None
    return data


def _layout(data: bytes) -> _Layout | None:
    """The records of ``data`` (CSV as the csv module reads it), from vectorised byte scans.

    A record ends at a line feed outside quotes; its line is one more than
    the line feeds before it (quoted ones included), so a cell spanning
    lines keeps every later line number right. Quotes are paired in order;
    None when that pairing is not the csv module's reading (a quote inside
    an unquoted cell, text after a closing quote, an odd count), or for NUL
    bytes or a carriage return that does not end a line: the csv module then
    reads the file.
    """
    size = len(data)
    raw = np.frombuffer(data, dtype=np.uint8)
    controls = np.flatnonzero(raw <= _SPACE)  # line breaks, whitespace, NUL
    control_bytes = raw[controls]
    quotes = np.flatnonzero(raw == _QUOTE)
    if quotes.size % 2 or not control_bytes.all():
        return None
    all_breaks = controls[control_bytes == _LF]
    returns = controls[control_bytes == _CR]
    spaces = controls[_SPACE_BYTES[control_bytes]]
    breaks, commas = all_breaks, np.flatnonzero(raw == _COMMA)
    quoted_breaks = False
    if quotes.size:
        openers, closers = quotes[0::2], quotes[1::2]
        doubled = openers[1:] == closers[:-1] + 1  # "" inside a quoted cell
        delimiters = (_COMMA, _LF, _CR)
        opens_ok = (
            (openers == 0)
            | np.isin(raw[np.maximum(openers - 1, 0)], delimiters)
            | np.r_[False, doubled]
        )
        closes_ok = (
            (closers == size - 1)
            | np.isin(raw[np.minimum(closers + 1, size - 1)], delimiters)
            | np.r_[doubled, False]
        )
        if not (opens_ok.all() and closes_ok.all()):
            return None

        def outside(positions: np.ndarray) -> np.ndarray:
            return positions[np.searchsorted(quotes, positions) % 2 == 0]

        breaks, commas, outside_returns = outside(all_breaks), outside(commas), outside(returns)
        quoted_breaks = breaks.size < all_breaks.size or outside_returns.size < returns.size
        returns = outside_returns
    if returns.size and (returns[-1] == size - 1 or (raw[returns + 1] != _LF).any()):
        return None
    ends = breaks if raw[-1] == _LF else np.r_[breaks, size]
    starts = np.r_[0, breaks + 1][: ends.size]
    fields = 1 + np.searchsorted(commas, ends) - np.searchsorted(commas, starts)
    lines = 1 + np.searchsorted(all_breaks, starts)
    # Cells lie between separators; both lists are sorted, so a stable sort merges them.
    bounds = np.sort(np.r_[-1, commas, breaks, size], kind="stable")
    longest = int(np.diff(bounds).max()) - 1
    if quoted_breaks or not data.isascii():
        needs_trim = True  # a cell may end in a line break; or Unicode whitespace
    else:
        edges = np.sort(np.r_[-1, commas, breaks, returns, quotes, size], kind="stable")
        needs_trim = bool(spaces.size) and bool(
            (_in_sorted(spaces - 1, edges) | _in_sorted(spaces + 1, edges)).any()
        )
    return _Layout(lines=lines, fields=fields, needs_trim=needs_trim, longest=longest)


def _in_sorted(values: np.ndarray, ordered: np.ndarray) -> np.ndarray:
    """Which of ``values`` are in the sorted, non-empty array ``ordered``."""
    at = np.minimum(np.searchsorted(ordered, values), ordered.size - 1)
    return ordered[at] == values


def _read_cells(source: str, data: bytes) -> _Cells:
    """The header and cells of ``data``: pandas' C parser, or the csv module for unusual quoting."""
    layout = _layout(data) if data else None
    if layout is None:
        return _read_cells_with_csv_module(source, data)
    records = pd.read_csv(
        io.BytesIO(data),
        header=None,
        names=range(int(layout.fields.max())),
        dtype=str,
        na_filter=False,
        skip_blank_lines=False,
        engine="c",
        encoding="utf-8",
    )
    if len(records) != layout.fields.size:  # never expected: the csv module decides
        return _read_cells_with_csv_module(source, data)
    if layout.needs_trim:
        records = records.apply(lambda cells: cells.str.strip())
    blank = _blank(records)
    if blank.all():
        raise CsvImportError(source, [Problem(1, None, EMPTY_FILE)])
    if blank[0]:
        raise CsvImportError(source, [Problem(1, None, "the header row is empty")])
    width = int(layout.fields[0])
    header = [str(cell).strip().lower() for cell in records.iloc[0, :width]]
    rows = ~blank
    rows[0] = False
    wrong = rows & (layout.fields != width)
    problems = [
        (int(line), -1, Problem(int(line), None, f"expected {width} cells, found {found}"))
        for line, found in zip(layout.lines[wrong], layout.fields[wrong], strict=True)
    ]
    kept = rows & ~wrong
    if kept[1:].all():  # the usual file: every row after the header
        cells = records.iloc[1:, :width].reset_index(drop=True)
    else:
        cells = records.iloc[np.flatnonzero(kept), :width].reset_index(drop=True)
    cells.columns = header
    return _Cells(
        header=header,
        cells=cells,
        lines=layout.lines[kept],
        problems=problems,
        trimmed=True,
        longest=layout.longest,
    )


def _blank(records: pd.DataFrame) -> np.ndarray:
    """Rows whose cells are all empty."""
    blank = np.array(records.iloc[:, 0] == "", dtype=bool)
    candidates = np.flatnonzero(blank)
    for position in range(1, records.shape[1]):
        if not candidates.size:
            break
        empty = (records.iloc[candidates, position] == "").to_numpy()
        blank[candidates[~empty]] = False
        candidates = candidates[empty]
    return blank


def _read_cells_with_csv_module(source: str, data: bytes) -> _Cells:
    """``_read_cells`` for any file the csv module reads (slower: a Python list per row)."""
    reader = csv.reader(io.StringIO(data.decode("utf-8"), newline=""))
    rows: list[list[str]] = []
    lines: list[int] = []
    header: list[str] | None = None
    next_line = 1
    try:
        for record in reader:
            start, next_line = next_line, reader.line_num + 1
            if not any(cell.strip() for cell in record):
                continue
            if header is None:
                if start != 1:
                    raise CsvImportError(source, [Problem(1, None, "the header row is empty")])
                header = [cell.strip().lower() for cell in record]
                continue
            rows.append(record)
            lines.append(start)
    except csv.Error as exc:
        raise CsvImportError(source, [Problem(reader.line_num, None, str(exc))]) from None
    if header is None:
        raise CsvImportError(source, [Problem(1, None, EMPTY_FILE)])
    width = len(header)
    fitting = [len(row) == width for row in rows]
    problems = [
        (line, -1, Problem(line, None, f"expected {width} cells, found {len(row)}"))
        for row, line, fits in zip(rows, lines, fitting, strict=True)
        if not fits
    ]
    kept = [row for row, fits in zip(rows, fitting, strict=True) if fits]
    cells = pd.DataFrame(
        {
            position: pd.Series([row[position] for row in kept], dtype="str")
            for position in range(width)
        }
    )
    cells.columns = header
    return _Cells(
        header=header,
        cells=cells,
        lines=np.array([line for line, fits in zip(lines, fitting, strict=True) if fits]),
        problems=problems,
        trimmed=False,
        longest=None,
    )


def _check_header(source: str, header: list[str], columns: tuple[Column, ...]) -> None:
    known = [column.name for column in columns]
    problems = []
    for position, name in enumerate(header):
        if name not in known:
            shown = name or f"column {position + 1}"
            problems.append(Problem(1, shown, f"unknown column (expected {', '.join(known)})"))
        elif name in header[:position]:
            problems.append(Problem(1, name, "repeated column"))
    for column in columns:
        if column.required and column.name not in header:
            problems.append(Problem(1, column.name, "required column missing"))
    if problems:
        raise CsvImportError(source, problems)


def _cells_from_rows(source: str, kind: str, rows: object) -> _Cells:
    """The cells of a JSON array of row objects, as if read from a CSV file (``import_rows``).

    A row's ``line`` is its position in the array, from 1. Field names are
    matched as header names are (trimmed, any case); a field the kind does not
    have is a problem of its row. A value is text, a number (written as JSON
    writes it) or null (no value); a missing field is an empty cell; rows with
    no value at all are skipped, as blank lines are.
    """
    if not isinstance(rows, list):
        raise CsvImportError(source, [Problem(None, None, "expected a JSON array of row objects")])
    known = [column.name for column in KINDS[kind]]
    required = [column.name for column in KINDS[kind] if column.required]
    problems: list[tuple[int, int, Problem]] = []
    kept: list[dict[str, str]] = []
    lines: list[int] = []
    for line, row in enumerate(rows, start=1):
        if not isinstance(row, dict):
            problems.append((line, -1, Problem(line, None, "must be an object of fields")))
            continue
        cells: dict[str, str] = {}
        fits = True
        for key, value in row.items():
            name = str(key).strip().lower()
            if name not in known:
                message = f"unknown field (expected {', '.join(known)})"
                problems.append((line, -1, Problem(line, str(key), message)))
                fits = False
            elif name in cells:
                problems.append((line, -1, Problem(line, str(key), "repeated field")))
                fits = False
            elif isinstance(value, bool) or not isinstance(value, str | int | float | None):
                order = known.index(name)
                problems.append(
                    (line, order, Problem(line, name, "must be text, a number or null"))
                )
                fits = False
            else:
                cells[name] = "" if value is None else str(value)
        if fits and any(cell.strip() for cell in cells.values()):
            kept.append(cells)
            lines.append(line)
    header = [name for name in known if name in required or any(name in row for row in kept)]
    frame = pd.DataFrame(
        {name: pd.Series([row.get(name, "") for row in kept], dtype="str") for name in header}
    )
    return _Cells(
        header=header,
        cells=frame,
        lines=np.array(lines, dtype="int64"),
        problems=problems,
        trimmed=False,
        longest=None,
    )


def _parse(source: str, kind: str, read: _Cells, progress: Progress) -> _Table:
    columns = KINDS[kind]
    _check_header(source, read.header, columns)
    cells = read.cells
    table = _Table(
        source=source,
        columns=columns,
        present=list(read.header),
        values=pd.DataFrame(index=cells.index),
        lines=pd.Series(read.lines, dtype="int64"),
        problems=list(read.problems),
    )
    progress.stage("Checking", len(columns))
    for column in columns:
        if column.name in read.header:
            values, bad, empty = _parse_column(column, cells[column.name], read)
        else:
            values, bad, empty = _parse_column(column, pd.Series("", index=cells.index), read)
        table.values[column.name] = values
        table.flag(bad.notna(), column.name, bad)
        if column.required:
            table.flag(empty, column.name, "required, but empty")
        progress.advance()
    return table


def _parse_column(
    column: Column, cells: pd.Series, read: _Cells
) -> tuple[pd.Series, pd.Series, np.ndarray]:
    """(values, problems, empty cells) of one column.

    Parsers look at one cell at a time, so a column whose values repeat (ids,
    kinds, days, ratings) is parsed once per distinct cell and spread back.
    """
    codes = None
    if _repetitive(cells):
        codes, distinct = pd.factorize(cells)
        cells = pd.Series(distinct, dtype="str")
    if not read.trimmed:
        cells = cells.str.strip()
    empty = (cells == "").to_numpy()
    values, bad = column.parse(cells, read.longest)
    if codes is None:
        return values, bad, empty
    return (
        values.take(codes).reset_index(drop=True),
        bad.take(codes).reset_index(drop=True),
        empty[codes],
    )


_SAMPLE = 4096


def _repetitive(cells: pd.Series) -> bool:
    """Whether fewer than half of an evenly spread sample of ``cells`` are distinct."""
    if len(cells) < 4 * _SAMPLE:
        return False
    sample = cells.iloc[:: len(cells) // _SAMPLE]
    return sample.nunique() < len(sample) // 2


# --- importing ----------------------------------------------------------------------------


def import_csv(
    session: Session, kind: str, path: str | Path, progress: Progress | None = None
) -> ImportSummary:
    """Validate and import a CSV file of ``kind``; raises CsvImportError, writing nothing, on any bad row.

    The caller commits (``data.db.session_scope``), so the import is one
    transaction. ``progress`` hears of each stage (reading, checking, writing).
    """
    _check_kind(kind)
    progress = progress or Progress()
    source = str(path)
    progress.stage(f"Reading {source}", 1)
    read = _read_cells(source, _read_bytes(Path(path), source))
    progress.advance()
    return _import(session, kind, _parse(source, kind, read, progress), progress)


def import_csv_text(session: Session, kind: str, data: bytes, source: str) -> ImportSummary:
    """``import_csv`` of a file's bytes (an upload, a request body); ``source`` names it in problems."""
    _check_kind(kind)
    read = _read_cells(source, _utf8_text(data, source))
    return _import(session, kind, _parse(source, kind, read, Progress()), Progress())


def import_rows(session: Session, kind: str, rows: object, source: str) -> ImportSummary:
    """``import_csv`` of a JSON array of row objects (see ``_cells_from_rows``); lines count rows from 1."""
    _check_kind(kind)
    read = _cells_from_rows(source, kind, rows)
    return _import(session, kind, _parse(source, kind, read, Progress()), Progress())


@dataclass(frozen=True)
class ImportCheck:
    """What importing a file would meet, found without writing: its rows, the first few, every problem."""

    kind: str
    source: str
    rows: int
    header: list[str]
    sample: list[list[str]]  # the first rows' cells, in the header's order
    problems: list[Problem]

    @property
    def ok(self) -> bool:
        return not self.problems


def check_csv_text(
    session: Session, kind: str, data: bytes, source: str, sample_rows: int = 5
) -> ImportCheck:
    """Every check of ``import_csv_text`` (client ids and owners looked up too), writing nothing."""
    _check_kind(kind)
    try:
        read = _read_cells(source, _utf8_text(data, source))
    except CsvImportError as exc:
        return ImportCheck(kind, source, 0, [], [], exc.details)
    sample = read.cells.head(sample_rows).astype(str).to_numpy().tolist()
    problems: list[Problem] = []
    try:
        _import(session, kind, _parse(source, kind, read, Progress()), Progress(), write=False)
    except CsvImportError as exc:
        problems = exc.details
    return ImportCheck(kind, source, len(read.cells), read.header, sample, problems)


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ValueError(f"unknown import kind {kind!r}; expected one of {', '.join(IMPORT_KINDS)}")


def _import(
    session: Session, kind: str, table: _Table, progress: Progress, *, write: bool = True
) -> ImportSummary:
    """Check ``table`` against the book and write it (``write``), or stop after the checks."""
    if kind == "clients":
        return _import_clients(session, table, progress, write=write)
    return _import_events(session, kind, table, progress, write=write)


def _import_events(
    session: Session, kind: str, table: _Table, progress: Progress, *, write: bool
) -> ImportSummary:
    frame = table.values
    # Each distinct id is looked up once; the column becomes categorical on the way.
    codes, ids = pd.factorize(frame[CLIENT_ID])
    known = pd.Index(ids).isin(list(existing_client_ids(session, ids.tolist())))
    table.flag((codes >= 0) & ~known[codes], CLIENT_ID, "no client with this id")
    if kind == "tickets":
        table.flag(frame[RESOLVED_AT] < frame[OPENED_AT], RESOLVED_AT, "before opened_at")
        table.flag(
            frame[RESOLUTION_RATING].notna() & frame[RESOLVED_AT].isna(),
            RESOLUTION_RATING,
            "given, but resolved_at is empty",
        )
    table.fail_if_problems()
    if not write:
        return ImportSummary(kind, table.source, rows=len(frame), inserted=0)

    events = frame[list(ALL_COLUMNS[kind])].assign(
        **{CLIENT_ID: pd.Categorical.from_codes(codes, categories=ids)}
    )
    progress.stage("Writing", len(events))
    inserted = insert_events(session, kind, events, on_written=progress.advance)
    return ImportSummary(
        kind, table.source, rows=len(frame), inserted=inserted, duplicates=len(frame) - inserted
    )


def _import_clients(
    session: Session, table: _Table, progress: Progress, *, write: bool
) -> ImportSummary:
    frame = table.values.rename(columns={"id": CLIENT_ID})
    present = {CLIENT_ID if name == "id" else name for name in table.present}
    now = pd.Timestamp.now(tz="UTC").floor("us")

    seen_at = table.lines.groupby(frame[CLIENT_ID].fillna("").to_numpy()).transform("first")
    table.flag(
        frame[CLIENT_ID].duplicated() & frame[CLIENT_ID].notna(),
        "id",
        "repeats the id of line " + seen_at.astype(str),
    )
    owners = _user_ids_by_email(session, frame[OWNER_EMAIL].dropna().unique().tolist())
    owner_id = frame[OWNER_EMAIL].map(owners).astype("Int64")
    table.flag(
        frame[OWNER_EMAIL].notna() & owner_id.isna(), OWNER_EMAIL, "no team member with this email"
    )

    stored = clients_frame(session, frame[CLIENT_ID].dropna().unique().tolist()).set_index(
        CLIENT_ID
    )
    ids = frame[CLIENT_ID]

    def stored_value(column: str) -> pd.Series:
        return ids.map(stored[column]) if not stored.empty else pd.Series(pd.NA, index=ids.index)

    status = (
        frame[STATUS]
        if STATUS in present
        else stored_value(STATUS).fillna(ClientStatus.ACTIVE.value)
    )
    wedding = frame[WEDDING_DATE] if WEDDING_DATE in present else stored_value(WEDDING_DATE)
    table.flag(
        frame[CHURNED_AT].notna() & (status != ClientStatus.CHURNED.value),
        CHURNED_AT,
        "given, but the status is not churned",
    )
    table.flag(frame[CHURNED_AT] < frame[CREATED_AT], CHURNED_AT, "before created_at")
    table.fail_if_problems()
    if not write:
        return ImportSummary("clients", table.source, rows=len(frame), inserted=0)

    was = stored_value(STATUS)
    out = pd.DataFrame({CLIENT_ID: ids})
    for name in (
        "name",
        "email",
        "partner_names",
        WEDDING_DATE,
        "venue",
        "package",
        "contract_value",
    ):
        if name in present:
            out[name] = frame[name]
    if OWNER_EMAIL in present:
        out[OWNER_ID] = owner_id
    out[STATUS] = status
    out[CREATED_AT] = _timestamps(frame[CREATED_AT], stored_value(CREATED_AT), now)
    churned = status == ClientStatus.CHURNED.value
    kept_churn = stored_value(CHURNED_AT).where(was == ClientStatus.CHURNED.value)
    out[CHURNED_AT] = _timestamps(frame[CHURNED_AT], kept_churn, now).where(churned)
    completed = status == ClientStatus.COMPLETED.value
    kept_completion = stored_value(COMPLETED_AT).where(was == ClientStatus.COMPLETED.value)
    wedding_end = pd.to_datetime(wedding).dt.tz_localize("UTC") + pd.Timedelta(
        hours=23, minutes=59, seconds=59
    )
    out[COMPLETED_AT] = _timestamps(kept_completion, wedding_end, now).where(completed)

    updated = int(ids.isin(stored.index).sum())
    progress.stage("Writing", 1)
    upsert_clients(session, out)
    progress.advance()
    return ImportSummary(
        "clients", table.source, rows=len(out), inserted=len(out) - updated, updated=updated
    )


def _timestamps(first: pd.Series, second: pd.Series, fallback: pd.Timestamp) -> pd.Series:
    """The first of ``first``, ``second`` and ``fallback`` that has a value, per row, as UTC timestamps."""
    one = pd.to_datetime(first, utc=True).astype(TIMESTAMP_DTYPE)
    two = pd.to_datetime(second, utc=True).astype(TIMESTAMP_DTYPE)
    return one.fillna(two).fillna(fallback).astype(TIMESTAMP_DTYPE)


def _user_ids_by_email(session: Session, emails: list[str]) -> dict[str, int]:
    if not emails:
        return {}
    rows = session.execute(select(User.email, User.id).where(User.email.in_(emails)))
    return {email: user_id for email, user_id in rows}
