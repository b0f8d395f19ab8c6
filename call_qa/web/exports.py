"""Spreadsheet exports a supervisor can open: CSV that Excel reads as columns in an
Indonesian or an English locale, and XLSX.

- CSV starts with a UTF-8 byte-order mark (Excel otherwise reads UTF-8 as the
  locale's ANSI code page) and uses the list separator of the reader's locale: ``;``
  where the decimal mark is a comma (Indonesian: Excel there splits on ``;`` only),
  ``,`` elsewhere. A ``sep`` query parameter overrides the choice.
- Formula injection: a text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or
  a carriage return would be run by a spreadsheet as a formula (a caller's words or an
  agent id are data from outside); such cells get a leading apostrophe (OWASP's
  advice), in CSV and XLSX alike. Numbers stay numbers.
- XLSX through openpyxl: one sheet, a bold header, numbers as numbers.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
SEPARATORS = {"semicolon": ";", "comma": ","}
SEMICOLON_LANGUAGES = frozenset({"id", "in", "de", "fr", "es", "it", "nl", "pt", "ru", "tr", "pl"})
BOM = "\ufeff"
CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Table:
    """What one export holds: a sheet title, the header and the rows (cells are
    text, numbers or None)."""

    title: str
    header: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]


def neutralise(value: Any) -> Any:
    """``value`` safe to put in a spreadsheet cell: text starting with a formula
    character gets a leading apostrophe; other values are returned as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def separator_for(accept_language: str | None, override: str | None = None) -> str:
    """The CSV separator: ``override`` (``semicolon`` / ``comma``) when given, else
    ``;`` when the first language the browser asks for writes decimals with a comma
    (Indonesian first of all), else ``,``."""
    if override:
        return SEPARATORS[override]
    first = (accept_language or "").split(",", 1)[0].split(";", 1)[0].strip().lower()
    return ";" if first.split("-", 1)[0] in SEMICOLON_LANGUAGES else ","


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".") if value == value else ""
    return str(value)


def to_csv(table: Table, separator: str) -> bytes:
    """``table`` as CSV bytes: BOM, ``separator``, CRLF rows, neutralised cells.
    Decimal numbers keep the point (a locale-neutral file)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=separator, lineterminator="\r\n")
    writer.writerow([neutralise(h) for h in table.header])
    for row in table.rows:
        # Numbers are written as numbers ("-1.5" is a value, not a formula); text is neutralised.
        writer.writerow([_cell_text(v) if isinstance(v, (int, float)) and not isinstance(v, bool)
                         else neutralise(_cell_text(v)) for v in row])
    return (BOM + buffer.getvalue()).encode("utf-8")


def to_xlsx(table: Table) -> bytes:
    """``table`` as an XLSX workbook of one sheet (bold header, frozen first row),
    written in openpyxl's write-only mode (a quarter less CPU on 7,000 rows)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    # Sheet titles: at most 31 characters, none of []:*?/\
    sheet = book.create_sheet("".join(c for c in table.title if c not in "[]:*?/\\")[:31] or "export")
    sheet.freeze_panes = "A2"
    header = []
    for h in table.header:
        cell = WriteOnlyCell(sheet, value=neutralise(h))
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    for row in table.rows:
        sheet.append([neutralise(v) for v in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def table(title: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Table:
    """A :class:`Table` from any sequences."""
    return Table(title, tuple(header), tuple(tuple(r) for r in rows))
