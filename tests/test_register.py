"""The register of processing activities: ``build_register`` and ``manage.py privacy_register``."""

import csv
import dataclasses
import datetime
import io
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import jsonschema
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils.html import escape
from django.utils.translation import gettext_lazy

from oscar_privacy.datamap import Category, Entry, Erasure, Field, LegalBasis, Subject
from oscar_privacy.exceptions import PrivacyConfigurationError
from oscar_privacy.register import build_register, register_gaps
from oscar_privacy.retention.rules import Action, Start

SCHEMA_PATH = Path(__file__).parents[1] / "oscar_privacy" / "schemas" / "register.schema.json"
SCHEMA = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))

US_CRM = {
    "key": "crm",
    "category": "Customer relationship management software",
    "name": "Example CRM Inc.",
    "purposes": ["orders", "customer_communications"],
    "country": "us",
    "safeguards": "EU-US Data Privacy Framework (adequacy decision of 10 July 2023)",
}
FR_CARRIER = {
    "key": "carrier",
    "category": "Carrier",
    "name": "La Poste",
    "purposes": ["orders"],
    "country": "FR",
}


def run(*args):
    """Run the command; return its standard output."""
    out = io.StringIO()
    call_command("privacy_register", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def validate(document):
    validator = jsonschema.Draft202012Validator(
        SCHEMA, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    validator.validate(document)


def activity(register, key):
    return next(a for a in register["processing_activities"] if a["key"] == key)


# JSON ------------------------------------------------------------------------


def test_schema_is_valid_draft_2020_12():
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


def test_json_output_validates_and_describes_the_sandbox():
    register = json.loads(run("--format", "json"))
    validate(register)

    assert register["schema_version"] == 1
    controller = register["controller"]
    assert controller["name"] == "Oscar Privacy Sandbox SAS"
    assert controller["dpo"]["email"] == "dpo@example.com"
    assert controller["representative"] is None

    keys = [a["key"] for a in register["processing_activities"]]
    assert {"customer_accounts", "orders", "accounting", "site_administration"} <= set(keys)
    accounting = activity(register, "accounting")
    assert accounting["legal_basis"]["code"] == "legal_obligation"
    assert "L123-22" in accounting["legal_reference"]
    assert [r["rule"] for r in accounting["retention"]] == ["accounting_records"]
    rule = accounting["retention"][0]
    assert (rule["period"], rule["period_label"], rule["action"]["code"]) == (
        "P10Y",
        "10 years",
        "anonymise",
    )
    categories = {c["code"] for c in accounting["data_categories"]}
    assert {"identity", "address", "order", "payment"} <= categories
    subjects = [s["code"] for s in accounting["data_subjects"]]
    assert subjects == ["customers", "guests"]
    sources = {s["model"]: s for s in accounting["data_sources"]}
    assert sources["order.Order"]["erasure"]["code"] == "anonymise"
    assert "guest_email" in [f["name"] for f in sources["order.Order"]["fields"]]

    # Every rule is listed in the schedule, used or not.
    assert len(register["retention_rules"]) >= 11
    assert register["transfers_outside_eea"] == []


def test_activities_follow_the_purposes_and_skip_unused_ones(settings):
    settings.OSCAR_PRIVACY_PURPOSES = {
        "loyalty": {
            "name": "Loyalty programme",
            "description": "Points earned on orders.",
            "legal_basis": LegalBasis.CONSENT,
        }
    }
    register = build_register()
    keys = [a["key"] for a in register["processing_activities"]]
    # Configured, so listed before any model uses it; the gap is reported.
    assert keys[-1] == "loyalty"
    assert activity(register, "loyalty")["data_sources"] == []
    assert any("loyalty" in gap for gap in register_gaps(register))
    validate(register)


def test_default_recipients_and_security_measures():
    register = build_register()
    recipients = {r["key"]: r for r in register["recipients"]}
    assert list(recipients) == [
        "email_service_provider",
        "payment_service_provider",
        "carriers",
        "hosting_provider",
    ]
    assert recipients["payment_service_provider"]["purposes"] == ["orders"]
    assert "bank card" in recipients["payment_service_provider"]["category"]
    all_keys = [a["key"] for a in register["processing_activities"]]
    assert recipients["hosting_provider"]["purposes"] == all_keys
    assert all(r["country"] is None and not r["outside_eea"] for r in recipients.values())
    assert any("OSCAR_PRIVACY_RECIPIENTS" in gap for gap in register_gaps(register))

    measures = " ".join(f"{m['title']} {m['description']}" for m in register["security_measures"])
    for words in ("md5 hashes", "after login", "SHA-256", "audit trail"):
        assert words in measures
    # Nothing is claimed that is not in place.
    for words in ("HTTPS", "two-factor", "encrypted", "European Union"):
        assert words not in measures


def test_https_is_claimed_only_when_the_settings_enforce_it(settings):
    def measures():
        return " ".join(m["description"] for m in build_register()["security_measures"])

    assert "HTTPS" not in measures()
    settings.SECURE_HSTS_SECONDS = 31536000
    assert "HTTPS" in measures()


def test_transfers_come_from_recipients_outside_the_eea(settings):
    settings.OSCAR_PRIVACY_RECIPIENTS = [US_CRM, FR_CARRIER]
    register = json.loads(run("--format", "json"))
    validate(register)

    assert register["transfers_outside_eea"] == [
        {
            "recipient": "crm",
            "recipient_name": "Example CRM Inc.",
            "country": "US",
            "safeguards": US_CRM["safeguards"],
        }
    ]
    crm, carrier = register["recipients"]
    assert (crm["country"], crm["outside_eea"]) == ("US", True)
    assert (carrier["country"], carrier["outside_eea"]) == ("FR", False)
    orders = activity(register, "orders")
    assert [r["key"] for r in orders["recipients"]] == ["crm", "carrier"]
    assert [t["country"] for t in orders["transfers_outside_eea"]] == ["US"]
    assert activity(register, "accounting")["transfers_outside_eea"] == []


def test_eea_countries_setting_decides_what_is_a_transfer(settings):
    settings.OSCAR_PRIVACY_RECIPIENTS = [dict(FR_CARRIER, country="CH")]
    with pytest.raises(PrivacyConfigurationError, match="'carrier'.*CH.*safeguards"):
        build_register()
    settings.OSCAR_PRIVACY_EEA_COUNTRIES = ["FR", "CH"]
    assert build_register()["transfers_outside_eea"] == []


def test_recipient_serving_every_purpose(settings):
    settings.OSCAR_PRIVACY_RECIPIENTS = [
        {"key": "host", "category": "Hosting", "purposes": "__all__", "country": "DE"}
    ]
    register = build_register()
    assert all(a["recipients"][0]["key"] == "host" for a in register["processing_activities"])


def test_labels_are_plain_strings_in_the_active_language(settings):
    settings.OSCAR_PRIVACY_SECURITY_MEASURES = [
        gettext_lazy("Backups every night"),
        {"title": gettext_lazy("Staff training"), "description": "Once a year."},
    ]
    settings.OSCAR_PRIVACY_RETENTION = {"shop_statistics": {"period": "P1Y6M"}}
    register = build_register(now=datetime.datetime(2026, 1, 2, 9, 30, tzinfo=datetime.UTC))
    assert register["generated_at"] == "2026-01-02T09:30:00+00:00"
    assert register["security_measures"] == [
        {"title": "Backups every night", "description": None},
        {"title": "Staff training", "description": "Once a year."},
    ]
    rules = {r["rule"]: r for r in register["retention_rules"]}
    assert rules["shop_statistics"]["period_label"] == "1 year, 6 months"
    assert rules["bank_cards"]["period_label"] == "0 days"
    # json.dumps would fail on a lazy translation object.
    json.dumps(register)


def test_schema_vocabularies_match_the_data_map():
    defs = SCHEMA["$defs"]
    assert defs["categoryCode"]["enum"] == Category.values
    assert defs["subjectCode"]["enum"] == Subject.values
    activity_props = defs["activity"]["properties"]
    assert activity_props["legal_basis"]["properties"]["code"]["enum"] == LegalBasis.values
    assert defs["dataSource"]["properties"]["erasure"]["properties"]["code"]["enum"] == (
        Erasure.values
    )
    rule_props = defs["rule"]["properties"]
    assert rule_props["start"]["properties"]["code"]["enum"] == list(Start.labels)
    assert rule_props["action"]["properties"]["code"]["enum"] == list(Action.labels)


def test_documented_example_validates():
    text = (Path(__file__).parents[1] / "docs" / "register.rst").read_text(encoding="utf-8")
    after = text.split(".. register-json-example", 1)[1].split(".. code-block:: json", 1)[1]
    block = []
    for line in after.splitlines()[1:]:
        if line.strip() and not line.startswith(" "):
            break
        block.append(line)
    validate(json.loads(textwrap.dedent("\n".join(block))))


def test_register_needs_no_database_query(db, django_assert_num_queries):
    # The register is built from code and settings, so it can be produced
    # from any machine with the settings, migrated or not.
    with django_assert_num_queries(0):
        build_register()


# CSV and HTML ----------------------------------------------------------------


def test_csv_has_a_header_and_one_row_per_activity():
    register = build_register()
    rows = list(csv.reader(io.StringIO(run("--format", "csv"))))
    header, body = rows[0], rows[1:]
    assert header[:4] == ["Key", "Processing activity", "Purpose", "Legal basis"]
    assert [row[0] for row in body] == [a["key"] for a in register["processing_activities"]]
    assert all(len(row) == len(header) for row in body)

    accounting = dict(zip(header, body[[r[0] for r in body].index("accounting")], strict=True))
    assert accounting["Legal basis"].startswith("Legal obligation")
    assert accounting["Categories of data subjects"].split(";")[1].strip() == (
        "Customers who ordered without an account"
    )
    assert "accounting_records: 10 years" in accounting["Retention"]
    assert accounting["Controller"] == "Oscar Privacy Sandbox SAS"


def test_html_is_a_complete_document():
    html = run()  # html is the default format
    assert html.startswith("<!DOCTYPE html>")
    assert '<html lang="en"' in html
    assert "<title>Register of processing activities" in html
    assert "@media print" in html
    for item in build_register()["processing_activities"]:
        assert escape(item["name"]) in html
    for section in ("Recipients", "Transfers outside the EU/EEA", "Security measures"):
        assert section in html
    assert "Retention schedule" in html
    assert "No personal data is transferred outside the EU/EEA." in html


def test_html_lists_transfers(settings):
    settings.OSCAR_PRIVACY_RECIPIENTS = [US_CRM, FR_CARRIER]
    html = run("--format", "html")
    assert "Example CRM Inc." in html
    assert escape(US_CRM["safeguards"]) in html


def test_html_escapes_settings(settings):
    settings.OSCAR_PRIVACY_CONTROLLER = {
        "name": "<script>alert('x')</script> SAS",
        "email": "privacy@example.com",
    }
    html = run("--format", "html")
    assert "<script>" not in html
    assert "&lt;script&gt;" in html


def test_output_writes_the_file(tmp_path):
    target = tmp_path / "register.json"
    assert run("--format", "json", "--output", str(target)) == ""
    register = json.loads(target.read_text(encoding="utf-8"))
    validate(register)


def test_language_option():
    html = run("--format", "html", "--language", "fr")
    assert '<html lang="fr"' in html
    # Oscar's own French catalogue names the fields: proof that the document
    # is rendered in the requested language.
    assert "Code postal" in html
    json.loads(run("--format", "json", "--language", "fr"))


# Errors ------------------------------------------------------------------------

BAD_SETTINGS = [
    pytest.param(
        {"OSCAR_PRIVACY_CONTROLLER": {"email": "privacy@example.com"}},
        r"OSCAR_PRIVACY_CONTROLLER\['name'\]",
        id="no controller name",
    ),
    pytest.param(
        {"OSCAR_PRIVACY_CONTROLLER": {"name": "Shop", "adress": "Paris"}},
        "unknown keys: adress",
        id="misspelt controller key",
    ),
    pytest.param(
        {"OSCAR_PRIVACY_RETENTION": {"accounting_records": {"period": "ten years"}}},
        r"OSCAR_PRIVACY_RETENTION\['accounting_records'\].*'ten years'.*ISO 8601",
        id="malformed period",
    ),
    pytest.param(
        {"OSCAR_PRIVACY_RECIPIENTS": [dict(US_CRM, safeguards="")]},
        "'crm' sends data to US, outside the EU/EEA, and has no 'safeguards'",
        id="transfer without safeguards",
    ),
    pytest.param(
        {"OSCAR_PRIVACY_RECIPIENTS": [dict(FR_CARRIER, purposes=["marketing"])]},
        "'carrier' names purpose 'marketing'",
        id="recipient with unknown purpose",
    ),
    pytest.param(
        {"OSCAR_PRIVACY_RECIPIENTS": [dict(FR_CARRIER, country="France")]},
        "not an ISO 3166-1 alpha-2 code",
        id="country name instead of code",
    ),
    pytest.param(
        {"OSCAR_PRIVACY_RECIPIENTS": [FR_CARRIER, FR_CARRIER]},
        "'carrier' is listed twice",
        id="duplicate recipient",
    ),
]


@pytest.mark.parametrize(("overrides", "message"), BAD_SETTINGS)
def test_bad_settings_give_a_clear_command_error(settings, overrides, message):
    for name, value in overrides.items():
        setattr(settings, name, value)
    with pytest.raises(CommandError, match=message):
        run("--format", "json")


def test_data_map_entry_with_unknown_purpose_or_rule(clean_datamap):
    entry = Entry(
        model="auth.Group",
        purposes=("marketing",),
        user_path="user",
        fields=(Field("name", Category.IDENTITY),),
        retention="customer_account",
    )
    clean_datamap.register(entry)
    with pytest.raises(CommandError, match="'auth.Group' names unknown purpose 'marketing'"):
        run("--format", "json")
    clean_datamap.register(
        dataclasses.replace(entry, purposes=("orders",), retention=("forever",)), replace=True
    )
    with pytest.raises(CommandError, match="'auth.Group' names unknown retention rule 'forever'"):
        run("--format", "json")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--format", "xml"), "invalid choice: 'xml'"),
        (("--language", "xx"), "Unknown language 'xx'; choose one of en, fr"),
    ],
)
def test_bad_options(args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)


def test_output_to_a_missing_directory(tmp_path):
    with pytest.raises(CommandError, match="Cannot write"):
        run("--output", str(tmp_path / "missing" / "register.html"))


def test_command_line_shows_the_message_not_a_traceback(tmp_path):
    (tmp_path / "nameless_settings.py").write_text(
        "from tests.settings import *  # noqa: F403\n"
        "OSCAR_PRIVACY_CONTROLLER = {'email': 'privacy@example.com'}\n"
    )
    root = Path(__file__).parents[1]
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="nameless_settings",
        PYTHONPATH=os.pathsep.join([str(tmp_path), str(root)]),
    )
    result = subprocess.run(
        [sys.executable, "-m", "django", "privacy_register", "--format", "json"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1
    assert "CommandError: OSCAR_PRIVACY_CONTROLLER['name'] is not set" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
