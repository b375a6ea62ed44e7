"""Codes in and out of files: CSV import rows, CSV export, and QR images.

CSV columns (a header row first): `code` (required), then any of `redemption_quantity`,
`assigned_customer_id`, `gift_balance`, `active`; an export also writes `redeemed_quantity`,
which an import ignores (it is the store's own count), so an export imports back as is.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterable, Iterator

import segno

from promocore.errors import InvalidArgumentError
from promocore.v1 import campaign_pb2

IMPORT_COLUMNS = ("code", "redemption_quantity", "assigned_customer_id", "gift_balance", "active")
EXPORT_COLUMNS = (*IMPORT_COLUMNS, "redeemed_quantity")
OUTPUT_ONLY_COLUMNS = ("redeemed_quantity",)
EXPORT_ROWS_PER_CHUNK = 1000
QR_DEFAULT_SCALE = 8
QR_MAX_SCALE = 64
QR_FORMATS = {"svg": "image/svg+xml", "png": "image/png"}


def parse_code_rows(csv_chunks: Iterable[bytes]) -> Iterator[tuple[str, campaign_pb2.Code]]:
    """(field path of the row, Code) per data row; bad input names `csv.row[N].column`."""
    reader = csv.reader(_lines(csv_chunks))
    header = next(reader, None)
    if header is None:
        raise InvalidArgumentError("csv", "empty: expected a header row starting with 'code'")
    header = [name.strip() for name in header]
    unknown = [name for name in header if name not in (*IMPORT_COLUMNS, *OUTPUT_ONLY_COLUMNS)]
    if unknown or "code" not in header:
        raise InvalidArgumentError(
            "csv.header", f"columns are {', '.join(EXPORT_COLUMNS)} ('code' required); got {header}"
        )
    for number, row in enumerate(reader, start=1):
        if not any(cell.strip() for cell in row):
            continue
        path = f"csv.row[{number}]"
        if len(row) != len(header):
            raise InvalidArgumentError(path, f"{len(row)} cells for {len(header)} columns")
        yield path, _code(dict(zip(header, row, strict=True)), path)


def _code(cells: dict[str, str], path: str) -> campaign_pb2.Code:
    code = campaign_pb2.Code(code=cells["code"].strip())
    for column in ("redemption_quantity", "gift_balance"):
        raw = cells.get(column, "").strip()
        if raw:
            try:
                value = int(raw)
            except ValueError:
                raise InvalidArgumentError(f"{path}.{column}", f"not an integer: {raw!r}") from None
            setattr(code, column, value)
    if cells.get("assigned_customer_id", "").strip():
        code.assigned_customer_id = cells["assigned_customer_id"].strip()
    active = cells.get("active", "").strip().lower()
    if active:
        if active not in ("true", "false"):
            raise InvalidArgumentError(f"{path}.active", f"true or false; got {active!r}")
        code.active = active == "true"
    return code


def _lines(chunks: Iterable[bytes]) -> Iterator[str]:
    """UTF-8 text lines (ends kept, as csv needs for quoted newlines) from chunks split anywhere."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    pending = ""
    for chunk in chunks:
        try:
            pending += decoder.decode(chunk)
        except UnicodeDecodeError as error:
            raise InvalidArgumentError("csv", f"not UTF-8: {error}") from None
        lines = pending.splitlines(keepends=True)
        # The last piece may continue in the next chunk (a "\r" may be half of "\r\n").
        pending = lines.pop() if lines and not lines[-1].endswith("\n") else ""
        yield from lines
    pending += decoder.decode(b"", final=True)
    if pending:
        yield pending


def export_chunks(codes: Iterable[campaign_pb2.Code]) -> Iterator[bytes]:
    """CSV bytes in chunks of EXPORT_ROWS_PER_CHUNK rows, the header first."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(EXPORT_COLUMNS)
    for rows, code in enumerate(codes, start=1):
        quantity = code.redemption_quantity if code.HasField("redemption_quantity") else ""
        active = "true" if not code.HasField("active") or code.active else "false"
        writer.writerow(
            (
                code.code,
                quantity,
                code.assigned_customer_id,
                code.gift_balance or "",
                active,
                code.redeemed_quantity,
            )
        )
        if rows % EXPORT_ROWS_PER_CHUNK == 0:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()


def qr_image(code: str, image_format: str, scale: int) -> tuple[str, bytes]:
    """(content type, image) of a QR code holding the code string, as scanners type it."""
    image_format = (image_format or "svg").lower()
    if image_format not in QR_FORMATS:
        raise InvalidArgumentError(
            "format", f"one of {', '.join(QR_FORMATS)}; got {image_format!r}"
        )
    if not 0 <= scale <= QR_MAX_SCALE:
        raise InvalidArgumentError("scale", f"must be 0..{QR_MAX_SCALE}")
    output = io.BytesIO()
    # A full QR code, never a Micro QR (segno's choice for short text: every code of a few
    # characters), which phone cameras and most till scanners do not read.
    segno.make(code, error="m", micro=False).save(
        output, kind=image_format, scale=scale or QR_DEFAULT_SCALE
    )
    return QR_FORMATS[image_format], output.getvalue()
