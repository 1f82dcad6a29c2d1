"""The CSV files of addresses staff import, read one line at a time.

A file comes from anywhere (an email provider's export, a spreadsheet, a
mistake): nothing in it may stop the import or take memory beyond one line.
:func:`read_lines` takes the file as chunks of bytes and yields one
:class:`Line` per physical line, each either an address, nothing (a blank
line, the header) or an error code. A line is ended by CRLF, LF or a bare CR
(old Mac files); it is decoded as UTF-8 on its own, so a line of binary
content is one refused line and the next line is read as usual. A line
longer than :data:`MAX_LINE_BYTES` is refused without being held.

The address is in the column named ``email`` (or ``e-mail``, ``mail``) of
the header, else in the first column; a first line whose first cell holds
no ``@`` is taken for a header. The delimiter is the one of ``,`` ``;`` or
tab the first line uses most (spreadsheets in French write ``;``). A
quoted field spanning several lines is not supported: each line stands alone.
"""

import codecs
import csv
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _

from .addresses import normalise

MAX_LINE_BYTES = 8 * 1024
"""The longest line read; an address is at most 254 characters, a row of an export a few hundred."""

MAX_ADDRESS_LENGTH = 254
"""The longest address a mailbox can have (RFC 5321 path limit), and our column's length."""

HEADER_NAMES = frozenset({"email", "e-mail", "mail", "email address", "courriel"})
DELIMITERS = (",", ";", "\t")
_TERMINATOR = re.compile(rb"\r\n|\r|\n")
# Control characters other than tab: binary content or a damaged file.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")

ERRORS = {
    "not_utf8": _("not UTF-8 text (save the file as “CSV UTF-8”)"),
    "control": _("holds control characters or binary content"),
    "too_long": _("longer than 8 KiB"),
    "malformed": _("not valid CSV (a quote is not closed)"),
    "no_column": _("has no cell in the address column"),
    "invalid": _("not a valid email address"),
}
"""Why a line was refused: code → words for the import's page."""


@dataclass(frozen=True)
class Line:
    """One physical line: its number (from 1), where it ends in the file, and what it held.

    ``cell`` is the raw content of the address column (also when it is not
    a valid address); it is never stored.
    """

    number: int
    end: int
    address: str = ""
    error: str = ""
    cell: str = ""


def physical_lines(chunks, limit=MAX_LINE_BYTES):
    """``(number, end offset, bytes or None)`` per line of the byte ``chunks``.

    ``None`` for a line longer than ``limit``, which is skipped without
    being kept: memory holds one chunk and at most ``limit`` bytes more.
    """
    buffer = b""
    offset = 0  # file offset of buffer[0]
    number = 0
    overlong = False
    for chunk in chunks:
        buffer += chunk
        start = 0
        while True:
            match = _TERMINATOR.search(buffer, start)
            # A CR at the end of the buffer may be the first half of a CRLF.
            if match is None or (match.group() == b"\r" and match.end() == len(buffer)):
                break
            line = buffer[start : match.start()]
            number += 1
            yield number, offset + match.end(), None if overlong or len(line) > limit else line
            overlong = False
            start = match.end()
        offset += start
        buffer = buffer[start:]
        if len(buffer) > limit + 1:
            # No end in sight: forget the line, keep only a possible half CRLF.
            overlong = True
            kept = buffer[-1:] if buffer.endswith(b"\r") else b""
            offset += len(buffer) - len(kept)
            buffer = kept
    if buffer or overlong:
        # The last line, ended by a bare CR or by the end of the file.
        line = buffer[:-1] if buffer.endswith(b"\r") else buffer
        yield number + 1, offset + len(buffer), None if overlong or len(line) > limit else line


def _decode(raw, first):
    """``(text, error code)`` of one line's bytes."""
    if first and raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8) :]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return "", "not_utf8"
    if _CONTROL.search(text):
        return "", "control"
    return text, ""


def _cells(text, delimiter):
    try:
        return next(csv.reader([text], delimiter=delimiter, strict=True), []), ""
    except csv.Error:
        return [], "malformed"


def _delimiter(text):
    counts = {delimiter: text.count(delimiter) for delimiter in DELIMITERS}
    best = max(DELIMITERS, key=lambda delimiter: counts[delimiter])
    return best if counts[best] else ","


def clean_address(value):
    """``value`` as the newsletter stores it, or ``""`` if it is not a valid address."""
    address = normalise(value)
    if not address or len(address) > MAX_ADDRESS_LENGTH:
        return ""
    try:
        validate_email(address)
    except ValidationError:
        return ""
    return address


def read_lines(chunks):
    """Yield a ``Line`` for every line of the CSV file given as byte ``chunks``.

    Each has its ``number`` (from 1), the offset where it ``end`` s in the file, and either
    its ``address``, an ``error`` code (a key of ``ERRORS``) or neither (a blank line, the
    header).
    """
    column = delimiter = None
    for number, end, raw in physical_lines(chunks):
        if raw is None:
            yield Line(number, end, error="too_long")
            continue
        text, error = _decode(raw, first=number == 1)
        if error:
            yield Line(number, end, error=error)
            continue
        if not text.strip():
            yield Line(number, end)
            continue
        if delimiter is None:
            delimiter = _delimiter(text)
        cells, error = _cells(text, delimiter)
        if error:
            yield Line(number, end, error=error)
            continue
        if column is None:
            names = [cell.strip().lower() for cell in cells]
            found = next((i for i, name in enumerate(names) if name in HEADER_NAMES), None)
            column = 0 if found is None else found
            if found is not None or "@" not in (cells[0] if cells else ""):
                yield Line(number, end)  # the header
                continue
        if len(cells) <= column or not cells[column].strip():
            yield Line(number, end, error="no_column")
            continue
        cell = cells[column]
        address = clean_address(cell)
        yield Line(number, end, address=address, error="" if address else "invalid", cell=cell)


def text_chunks(text, size=64 * 1024):
    """``text`` (a string) as UTF-8 byte chunks, for :func:`read_lines`."""
    data = text.encode("utf-8")
    for start in range(0, len(data), size):
        yield data[start : start + size]
