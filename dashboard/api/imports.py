"""``POST /api/admin/customer-success/import/{kind}``: rows from the source system, as ``csd import`` takes them.

The body is a CSV file in the format of DESIGN 4a (``text/csv``) or a JSON
array of row objects with the same fields (``application/json``). The same
rules as ``csd import``: every row or none, the same checks, extra columns
refused, importing the same rows again adds nothing. A refused body answers
400 with one ``{"line", "column", "message"}`` per problem (CSV lines count
the header as 1; JSON rows count from 1), at most ``MAX_DETAILS`` of them.

Bodies may be up to ``MAX_IMPORT_BYTES`` (64 MiB, about 1.5 million event
rows); a larger book goes in several posts, or through a sync folder.
"""

from __future__ import annotations

import json

from flask import request

from dashboard.api.errors import ApiError
from dashboard.api.operations import JSON_MIMETYPE, operation, read_body
from dashboard.api.schemas import ImportResponse, ImportResult
from dashboard.auth.audit import current_sender
from dashboard.services.imports import import_sent
from dashboard.sessions import app_database_url
from data.importer import IMPORT_KINDS, CsvImportError
from data.models import ImportVia

PATH = "/admin/customer-success/import"
MAX_IMPORT_BYTES = 64 * 1024 * 1024
MAX_DETAILS = 1000
CSV_MIMETYPE = "text/csv"
CELL = {"type": ["string", "number", "null"]}


@operation(
    "POST",
    PATH + "/<kind>",
    summary="Import clients or events",
    description=(
        "Rows in the CSV format of `csd import` (`Content-Type: text/csv`, a header row, "
        "DESIGN 4a) or a JSON array of row objects with the same fields (`application/json`; "
        "a value is text, a number or null, a missing field is empty). All rows or none: any "
        "bad row refuses the body with every problem by line (400), and nothing is written. "
        "Sending the same rows again adds nothing. Import clients before their events. "
        f"Bodies up to {MAX_IMPORT_BYTES:,} bytes."
    ),
    tag="Data",
    response=ImportResponse,
    path_params={"kind": "What the rows are: " + ", ".join(IMPORT_KINDS)},
    path_schemas={"kind": {"type": "string", "enum": list(IMPORT_KINDS)}},
    raw_body={
        CSV_MIMETYPE: {"type": "string"},
        JSON_MIMETYPE: {"type": "array", "items": {"type": "object", "additionalProperties": CELL}},
    },
    write=True,
    errors=(400, 401, 403, 404, 413, 415),
)
def import_kind(kind: str) -> ImportResponse:
    if kind not in IMPORT_KINDS:
        raise ApiError(
            404, f"There is no import of {kind!r}; use one of {', '.join(IMPORT_KINDS)}."
        )
    raw = read_body(MAX_IMPORT_BYTES)
    mimetype = request.mimetype
    sending = {
        "database_url": app_database_url(),
        "via": ImportVia.API,
        "source": f"{kind} (API)",
        "sender": current_sender(),
    }
    try:
        if mimetype == CSV_MIMETYPE:
            summary = import_sent(kind, **sending, csv=raw)
        elif mimetype == JSON_MIMETYPE:
            summary = import_sent(kind, **sending, rows=_json_rows(raw))
        else:
            raise ApiError(415, "Send the rows as text/csv or as application/json.")
    except CsvImportError as exc:
        raise _refused(kind, exc) from None
    return ImportResponse(
        data=ImportResult(
            kind=kind, rows_added=summary.inserted, rows_already_present=summary.already_present
        )
    )


def _json_rows(raw: bytes) -> object:
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, ValueError):
        raise ApiError(
            400,
            "The request body is not valid JSON.",
            code="invalid_json",
            details=[{"line": None, "column": None, "message": "is not valid JSON"}],
        ) from None


def _refused(kind: str, exc: CsvImportError) -> ApiError:
    count = len(exc.details)
    listed = exc.details[:MAX_DETAILS]
    message = (
        f"{count:,} problem{'s' if count != 1 else ''} in the {kind} rows; nothing was imported."
    )
    if count > MAX_DETAILS:
        message += f" The first {MAX_DETAILS:,} are listed."
    return ApiError(
        400,
        message,
        code="invalid_rows",
        details=[
            {"line": problem.line, "column": problem.column, "message": problem.message}
            for problem in listed
        ],
    )
