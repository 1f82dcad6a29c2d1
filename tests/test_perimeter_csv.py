"""Every CSV the app writes neutralises spreadsheet formulas (CSV injection), on every path.

The paths are found, not listed: every URL pattern whose view is oscar-privacy's is
requested (as a superuser past the second factor) and each answer that is a CSV is
checked; Oscar's own CSV downloads, served through our zero-fork dashboard configs, are
found from Oscar's forms (the order list's formats, every report type); every management
command of the app that mentions CSV is run. Poisoned values (``=1+2@example.org`` and
the like) are put everywhere a customer or a setting can write, and no cell of any CSV
may start with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return. Finally, no module
of the app writes CSV but :mod:`oscar_privacy.csvfiles`.
"""

import ast
import csv
import io
import pathlib

import pytest
from django.core.management import call_command, get_commands, load_command_class
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from oscar.core.loading import get_class
from oscar.test.factories import ShippingAddressFactory, UserFactory, create_order

import oscar_privacy
from oscar_privacy import audit
from oscar_privacy.csvfiles import FORMULA_STARTS, csv_text, safe_cell
from oscar_privacy.models import ConsentAction, ConsentChannel, ConsentPurpose, ConsentRecord
from oscar_privacy.newsletter.addresses import address_hash
from oscar_privacy.newsletter.models import Channel, Subscription

from .staff import login_verified

pytestmark = pytest.mark.django_db

POISON = "=1+2@example.org"
"""A valid address that a spreadsheet would run as a formula."""


@pytest.fixture
def poisoned(settings):
    """Formula-looking values wherever a customer, a staff member or a setting writes."""
    customer = UserFactory(email=POISON, first_name="=HYPERLINK(1)", last_name="-2+3")
    create_order(
        user=customer,
        shipping_address=ShippingAddressFactory(first_name="@SUM(1)", last_name="\tx"),
    )
    ConsentRecord.objects.create(
        email=POISON,
        user=customer,
        purpose=ConsentPurpose.NEWSLETTER,
        action=ConsentAction.GIVEN,
        channel=ConsentChannel.NEWSLETTER_FORM,
    )
    audit.record("test.poisoned", subject=customer, reason="=cmd|' /C calc'!A0")
    Subscription.objects.create(
        email=POISON,
        email_hash=address_hash(POISON),
        state=Subscription.State.SUBSCRIBED,
        source=Channel.NEWSLETTER_FORM,
        confirmed_at=timezone.now(),
        language="+33",
    )
    settings.OSCAR_PRIVACY_CONTROLLER = {
        "name": "=cmd|' /C calc'!A0",
        "email": "privacy@example.com",
    }
    return customer


def cells(text):
    return [cell for row in csv.reader(io.StringIO(text.lstrip("\ufeff"))) for cell in row]


def assert_neutralised(text, where):
    unsafe = [cell for cell in cells(text) if cell.startswith(FORMULA_STARTS)]
    assert not unsafe, f"{where}: cells that a spreadsheet would run: {unsafe}"


def poisoned_cells(text):
    return [cell for cell in cells(text) if cell[:1] == "'" and cell[1:2] in "=+-@\t\r"]


# The writer itself ---------------------------------------------------------------


@pytest.mark.parametrize("start", FORMULA_STARTS)
def test_the_writer_neutralises_every_formula_start(start):
    value = f"{start}1+2@example.org"
    assert safe_cell(value) == "'" + value
    (cell,) = cells(csv_text([[value]]))
    assert cell == "'" + value


def test_the_writer_leaves_other_values_alone():
    assert cells(csv_text([["a@example.com", 12, None, "", "x=1"]])) == [
        "a@example.com",
        "12",
        "",
        "",
        "x=1",
    ]


# Every URL ----------------------------------------------------------------------


def url_patterns(patterns=None, namespaces=()):
    """``(namespaced name, pattern)`` of every URL pattern of the project."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            inner = (*namespaces, entry.namespace) if entry.namespace else namespaces
            yield from url_patterns(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern):
            yield ":".join((*namespaces, entry.name or "")), entry


def view_module(pattern):
    callback = pattern.callback
    view_class = getattr(callback, "view_class", None)
    return (view_class or callback).__module__


def our_urls_without_arguments():
    for name, pattern in url_patterns():
        if not view_module(pattern).startswith("oscar_privacy") or name.endswith(":"):
            continue
        if name.startswith("anymail:"):
            continue  # email providers' webhooks: they take posts, and answer nothing
        if pattern.pattern.regex.groups:
            continue  # needs an object: none of the app's CSVs does
        yield reverse(name)


def oscar_csv_downloads():
    """Oscar's own CSV downloads, from Oscar's forms: the order list's CSV, each report."""
    yield reverse("dashboard:order-list") + "?response_format=csv"
    report_form = get_class("dashboard.reports.forms", "ReportForm")
    for code, _label in report_form.base_fields["report_type"].choices:
        yield reverse("dashboard:reports-index") + f"?report_type={code}&download=true"


def csv_answers(client, urls):
    found = {}
    for url in urls:
        response = client.get(url)
        if response.get("Content-Type", "").startswith("text/csv"):
            body = b"".join(response.streaming_content) if response.streaming else response.content
            found[url] = body.decode("utf-8")
    return found


def test_every_csv_download_neutralises_formulas(client, poisoned):
    staff = UserFactory(is_staff=True, is_superuser=True)
    login_verified(client, staff)
    ours = csv_answers(client, list(our_urls_without_arguments()))
    oscars = csv_answers(client, list(oscar_csv_downloads()))
    # The walk finds what it must (so that it cannot pass by finding nothing).
    expected = {
        reverse("oscar_privacy_dashboard:privacy-consent-export"),
        reverse("oscar_privacy_dashboard:privacy-audit-export"),
        reverse("oscar_privacy_newsletter_export"),
    }
    assert expected <= set(ours)
    assert len(oscars) == 1 + len(
        get_class("dashboard.reports.forms", "ReportForm").base_fields["report_type"].choices
    )
    for url, text in {**ours, **oscars}.items():
        assert_neutralised(text, url)
    # The poisoned values reached the files, neutralised.
    for url in [*expected, reverse("dashboard:order-list") + "?response_format=csv"]:
        assert poisoned_cells({**ours, **oscars}[url]), url


# Every management command ------------------------------------------------------------

WRITES_CSV = {
    "privacy_register": ["--format", "csv"],
    "privacy_newsletter_export": [],
}
"""How to make each command of the app that writes CSV write it."""

READS_CSV = {"privacy_newsletter_import"}
"""Commands that mention CSV because they read it."""


def mentions_csv(name, app):
    command = load_command_class(app, name)
    parser = command.create_parser("manage.py", name)
    texts = [parser.description or "", command.help or ""]
    for action in parser._actions:
        texts.append(action.help or "")
        texts.extend(str(choice) for choice in action.choices or ())
    return any("csv" in text.lower() for text in texts)


def test_every_command_that_mentions_csv_is_known():
    commands = {
        name: app for name, app in get_commands().items() if app.startswith("oscar_privacy")
    }
    assert {name for name, app in commands.items() if mentions_csv(name, app)} == (
        set(WRITES_CSV) | READS_CSV
    )


@pytest.mark.parametrize("name", sorted(WRITES_CSV))
def test_every_command_that_writes_csv_neutralises_formulas(name, poisoned):
    out = io.StringIO()
    call_command(name, *WRITES_CSV[name], stdout=out, stderr=io.StringIO())
    assert_neutralised(out.getvalue(), name)
    assert poisoned_cells(out.getvalue()), name


# One writer ----------------------------------------------------------------------------

PACKAGE = pathlib.Path(oscar_privacy.__file__).parent


def csv_writers_outside_csvfiles():
    """``(file, line)`` of every use of ``csv.writer``/``DictWriter`` or ``text/csv`` elsewhere."""
    found = []
    for path in PACKAGE.rglob("*.py"):
        if path.name == "csvfiles.py" and path.parent == PACKAGE:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            writer = isinstance(node, ast.Attribute) and node.attr in ("writer", "DictWriter")
            writer = writer and isinstance(node.value, ast.Name) and node.value.id == "csv"
            imported = isinstance(node, ast.ImportFrom) and node.module == "csv"
            content_type = isinstance(node, ast.Constant) and "text/csv" in str(node.value)
            if writer or imported or content_type:
                found.append((str(path.relative_to(PACKAGE)), node.lineno))
    return found


def test_no_module_writes_csv_but_csvfiles():
    assert csv_writers_outside_csvfiles() == []
