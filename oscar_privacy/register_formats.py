"""The register of processing activities written out as JSON, CSV or HTML.

Each renderer takes the dict :func:`oscar_privacy.register.build_register`
returns and gives back text. Column headers and the HTML are in the active
language; the JSON keeps the codes programs rely on.
"""

import json
from datetime import datetime

from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from .csvfiles import csv_text

HTML_TEMPLATE = "oscar_privacy/register/register.html"


def render_json(register):
    """The register as JSON text: indented, keys sorted, non-ASCII kept readable."""
    return json.dumps(register, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def render_csv(register):
    """The register as CSV text: a header row, then one row per processing activity.

    Lists are joined with ``"; "`` so that each activity stays on one row of a
    spreadsheet. Headers are in the active language: the CSV is for people,
    the JSON for programs. Cells are written by :mod:`oscar_privacy.csvfiles`,
    so that a name from the settings never runs as a spreadsheet formula.
    """
    columns = {
        "key": _("Key"),
        "name": _("Processing activity"),
        "description": _("Purpose"),
        "legal_basis": _("Legal basis"),
        "legal_reference": _("Legal reference"),
        "data_subjects": _("Categories of data subjects"),
        "data_categories": _("Categories of personal data"),
        "data_sources": _("Data sources"),
        "recipients": _("Recipients"),
        "transfers": _("Transfers outside the EU/EEA"),
        "retention": _("Retention"),
        "controller": _("Controller"),
    }
    rows = [list(columns.values())]
    for activity in register["processing_activities"]:
        cells = {
            "key": activity["key"],
            "name": activity["name"],
            "description": activity["description"],
            "legal_basis": activity["legal_basis"]["label"],
            "legal_reference": activity["legal_reference"] or "",
            "data_subjects": _join(s["label"] for s in activity["data_subjects"]),
            "data_categories": _join(c["label"] for c in activity["data_categories"]),
            "data_sources": _join(s["model"] for s in activity["data_sources"]),
            "recipients": _join(r["name"] or r["category"] for r in activity["recipients"]),
            "transfers": _join(
                f"{t['recipient_name']} ({t['country']}): {t['safeguards']}"
                for t in activity["transfers_outside_eea"]
            ),
            "retention": _join(_retention_summary(rule) for rule in activity["retention"]),
            "controller": register["controller"]["name"],
        }
        rows.append([cells[name] for name in columns])
    return csv_text(rows)


def render_html(register):
    """The register as a standalone, print-ready HTML document."""
    return render_to_string(
        HTML_TEMPLATE,
        {"register": register, "generated_at": datetime.fromisoformat(register["generated_at"])},
    )


RENDERERS = {"html": render_html, "json": render_json, "csv": render_csv}
"""Format name -> renderer, in the order the command offers them."""


def _retention_summary(rule):
    return _("%(rule)s: %(period)s (%(start)s), then %(action)s") % {
        "rule": rule["rule"],
        "period": rule["period_label"],
        "start": rule["start"]["label"],
        "action": rule["action"]["label"],
    }


def _join(values):
    return "; ".join(values)
