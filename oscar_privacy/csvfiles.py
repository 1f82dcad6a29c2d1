"""Every CSV file the app writes: each cell safe to open in a spreadsheet.

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return is read by Excel, LibreOffice and Google Sheets as a formula; a
customer who types ``=HYPERLINK(…)`` as their name or address would run it
on the computer of the staff member who opens the file (CSV injection).
:func:`safe_cell` prefixes such a cell with ``'``, which spreadsheets show
as text. Every CSV the app writes goes through :func:`csv_lines` (streamed,
one row at a time), :func:`write_csv` (to a file) or :func:`csv_response`
(a download): no other module calls ``csv.writer``. The CSV downloads of
Oscar's dashboard (orders, reports), written by Oscar, are rewritten by
:func:`neutralise_response` in the zero-fork dashboard configs.
"""

import csv
import io

from django.http import StreamingHttpResponse

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet read a cell as a formula."""

CONTENT_TYPE = "text/csv; charset=utf-8"


def safe_cell(value):
    """``value`` as text, with ``'`` in front when a spreadsheet would read it as a formula.

    ``None`` is an empty cell.
    """
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def safe_row(row):
    """The cells of ``row`` (any iterable), each through :func:`safe_cell`."""
    return [safe_cell(value) for value in row]


class _Echo:
    """A file-like object whose ``write`` returns the line, for ``csv.writer`` in a stream."""

    def write(self, value):
        return value


def csv_lines(rows):
    """The CSV text of ``rows``, one line (a string) per row, formulas neutralised.

    A generator: rows are read one at a time, so a streamed download or a
    command's output never holds the whole file.
    """
    writer = csv.writer(_Echo())
    for row in rows:
        yield writer.writerow(safe_row(row))


def write_csv(stream, rows):
    """Write ``rows`` to the text ``stream`` (opened with ``newline=""``); returns the row count."""
    count = 0
    for line in csv_lines(rows):
        stream.write(line)
        count += 1
    return count


def csv_text(rows):
    """The CSV of ``rows`` as one string, for small files (a register, a report)."""
    return "".join(csv_lines(rows))


def csv_response(rows, filename):
    """``rows`` streamed as a CSV download named ``filename``."""
    return StreamingHttpResponse(
        csv_lines(rows),
        content_type=CONTENT_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def neutralise_response(response):
    """Rewrite the CSV of a finished ``HttpResponse`` (written by Oscar) with formulas neutralised.

    Oscar's order list and reports write their CSV themselves; their cells
    hold what customers typed (names, addresses). Returns ``response``,
    changed in place; a streamed or non-CSV response is left as it is.
    """
    if response.streaming or not response.get("Content-Type", "").startswith("text/csv"):
        return response
    text = response.content.decode(response.charset or "utf-8")
    bom = "\ufeff" if text.startswith("\ufeff") else ""
    rows = csv.reader(io.StringIO(text[len(bom) :], newline=""))
    response.content = (bom + csv_text(rows)).encode(response.charset or "utf-8")
    return response
