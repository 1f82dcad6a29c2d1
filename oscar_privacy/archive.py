"""The archive a person downloads: ``data.json`` for machines, ``index.html`` for people.

:func:`write_archive` walks the data map once, one query per mapped model
(rows are streamed from the database in chunks), and writes both files into
a zip as it goes: memory stays flat however many orders the person has.
The JSON format is described by ``oscar_privacy/schemas/export.schema.json``.
"""

import datetime
import io
import json
import tempfile
import zipfile

from django.template.loader import render_to_string
from django.utils import formats, timezone
from django.utils.html import format_html, format_html_join
from django.utils.timezone import template_localtime

from .account import period_wording
from .adapter import get_adapter
from .crypto import EncryptedWriter, decrypted_chunks
from .datamap import datamap
from .datamap.purposes import get_purposes
from .datamap.reading import display_value, json_value, person_queryset
from .datamap.vocabulary import Category, LegalBasis
from .retention.rules import get_rules

FORMAT = "oscar-privacy-export"
FORMAT_VERSION = 1
CHUNK_SIZE = 2000
# Where the tables go in the rendered index.html template.
TABLES_MARKER = "<!-- oscar-privacy: tables -->"


def exported_entries():
    """``(entry, fields)`` for each data map entry with data found by account."""
    for entry in datamap:
        fields = [f for f in entry.fields if f.export]
        if entry.user_path and fields:
            yield entry, fields


def describe(entry, fields, purposes, rules):
    """What the archive says about one model: label, purposes, retention, fields."""
    model = entry.model_class
    return {
        "model": model._meta.label_lower,
        "label": str(model._meta.verbose_name_plural).capitalize(),
        "description": str(entry.description),
        "purposes": [
            {
                "key": key,
                "name": str(purposes[key].name),
                "legal_basis": purposes[key].legal_basis,
                "legal_basis_label": str(LegalBasis(purposes[key].legal_basis).label),
            }
            for key in entry.purposes
            if key in purposes
        ],
        "retention": [
            {"rule": name, "wording": str(period_wording(rules[name]))}
            for name in entry.retention
            if name in rules
        ],
        "fields": [
            {
                "name": f.name,
                "label": str(model._meta.get_field(f.name).verbose_name).capitalize(),
                "category": f.category,
                "category_label": str(Category(f.category).label),
            }
            for f in fields
        ],
    }


def write_archive(user, target, *, now=None):
    """Write the zip of everything the data map holds about ``user`` to ``target``.

    ``target`` is a binary file; it need not be seekable. Returns the
    number of rows written.
    """
    now = now or timezone.now()
    purposes, rules = get_purposes(), get_rules()
    header = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "generated_at": now.isoformat(),
        "controller": {
            key: value
            for key, value in get_adapter().get_controller().items()
            if key in ("name", "address", "email", "website")
        },
        "person": {"username": user.get_username(), "email": user.email},
    }
    rows_written = 0
    # index.html is built beside data.json in a temporary file, encrypted like
    # the archive: nothing readable reaches the disk.
    with (
        zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive,
        tempfile.TemporaryFile() as html_file,
    ):
        html = EncryptedWriter(html_file)
        with archive.open("data.json", "w", force_zip64=True) as raw:
            out = io.TextIOWrapper(raw, encoding="utf-8", newline="\n")
            out.write(json.dumps(header, ensure_ascii=False, indent=1)[:-2])
            out.write(',\n "tables": [')
            first_table = True
            for entry, fields in exported_entries():
                table = None
                count = 0
                queryset = person_queryset(entry, user, fields).order_by("pk")
                for obj in queryset.iterator(chunk_size=CHUNK_SIZE):
                    if table is None:
                        table = describe(entry, fields, purposes, rules)
                        out.write("" if first_table else ",")
                        out.write("\n  " + json.dumps(table, ensure_ascii=False)[:-1])
                        out.write(', "rows": [')
                        html.write(_html_table_head(table).encode())
                        first_table = False
                    values = {f.name: json_value(obj, f.name, user) for f in fields}
                    out.write(("\n   " if not count else ",\n   ") + json.dumps(values))
                    html.write(_html_row(obj, fields, user).encode())
                    count += 1
                if table is not None:
                    out.write(f'\n  ], "count": {count}}}')
                    html.write(b"</tbody></table></section>\n")
                    rows_written += count
            out.write("\n ]\n}\n")
            out.flush()
            out.detach()
        head, _, foot = render_to_string(
            "oscar_privacy/export/index.html", {**header, "generated_at": now}
        ).partition(TABLES_MARKER)
        html.close()
        html_file.seek(0)
        with archive.open("index.html", "w", force_zip64=True) as raw:
            raw.write(head.encode())
            for chunk in decrypted_chunks(html_file):
                raw.write(chunk)
            raw.write(foot.encode())
    return rows_written


def _html_table_head(table):
    purposes = format_html_join(
        "", "<li>{} ({})</li>", ((p["name"], p["legal_basis_label"]) for p in table["purposes"])
    )
    retention = format_html_join("", "<li>{}</li>", ((r["wording"],) for r in table["retention"]))
    columns = format_html_join(
        "", '<th scope="col">{}</th>', ((f["label"],) for f in table["fields"])
    )
    return format_html(
        '<section><h2>{}</h2><p>{}</p><ul class="why">{}{}</ul>'
        "<table><thead><tr>{}</tr></thead><tbody>",
        table["label"],
        table["description"],
        purposes,
        retention,
        columns,
    )


def _html_row(obj, fields, user):
    cells = format_html_join(
        "", "<td>{}</td>", ((_readable(display_value(obj, f.name, user)),) for f in fields)
    )
    return format_html("<tr>{}</tr>\n", cells)


def _readable(value):
    """Dates in the shop's time zone and the active language's format."""
    if isinstance(value, datetime.datetime):
        value = template_localtime(value)
    return formats.localize(value)
