"""Download my data: the request, the archive, the download, expiry and cancellation."""

import datetime
import io
import json
import time
import uuid
import zipfile
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlparse

import jsonschema
import pytest
from cryptography.fernet import Fernet
from django.core.files.storage import storages
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from oscar.test.factories import CountryFactory, UserAddressFactory, UserFactory, create_order

from oscar_privacy import export as export_service
from oscar_privacy import reauth
from oscar_privacy.archive import write_archive
from oscar_privacy.crypto import MAGIC
from oscar_privacy.datamap.vocabulary import Category
from oscar_privacy.export import (
    DAILY_LIMIT,
    build_export,
    cancel_exports,
    expire_exports,
    request_export,
)
from oscar_privacy.models import AuditEvent, DataExport

pytestmark = pytest.mark.django_db

EXPORTS = reverse("oscar_privacy:exports")
CONFIRM = reverse("oscar_privacy:confirm-password")
LOGIN = reverse("customer:login")
PASSWORD = "skelebrain"  # Oscar's UserFactory's
EXPORTS_URL = "http://testserver" + EXPORTS
SCRIPT = "<script>alert(1)</script>"
SCHEMA_PATH = Path(__file__).parents[1] / "oscar_privacy" / "schemas" / "export.schema.json"
SCHEMA = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def storage():
    return storages["oscar_privacy_exports"]


def stored(name):
    with storage().open(name, "rb") as file:
        return file.read()


def validate(document):
    validator = jsonschema.Draft202012Validator(
        SCHEMA, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    validator.validate(document)


def actions(export):
    return list(
        AuditEvent.objects.filter(target_type="oscar_privacy.dataexport", target_id=str(export.pk))
        .order_by("created_at", "pk")
        .values_list("action", flat=True)
    )


def page(client, url=EXPORTS):
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def confirm_password(client, password=PASSWORD, next_url=""):
    return client.post(CONFIRM, {"password": password, "next": next_url})


def unzip(response):
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def download(client, export):
    """Download ``export`` as a browser does: asked for the password, then back.

    Returns the download's response, checked to be the archive.
    """
    url = export.get_download_url()
    response = client.get(url)
    if response.status_code == 302:
        confirm = urlparse(response["Location"])
        assert confirm.path == CONFIRM
        (next_url,) = parse_qs(confirm.query)["next"]
        response = confirm_password(client, next_url=next_url)
        assert response.status_code == 302 and response["Location"] == next_url
        assert client.get(next_url).status_code == 200
        response = client.get(url)
    assert response.status_code == 200, response.content
    return response


def make_ready(user, capture):
    """A ready export of ``user``, built as the view builds it."""
    with capture(execute=True):
        export, created = request_export(user, exports_url=EXPORTS_URL)
    assert created
    export.refresh_from_db()
    assert export.status == DataExport.Status.READY
    return export


def pending(user, **fields):
    return DataExport.objects.create(owner=user, **fields)


@pytest.fixture
def france(db):
    return CountryFactory(iso_3166_1_a2="FR", printable_name="France")


@pytest.fixture
def shopper(customer, france):
    """The customer with an address, an order, and a script typed as their first name."""
    customer.first_name = SCRIPT
    customer.save()
    UserAddressFactory(user=customer, line1="12 avenue Foch", country=france)
    customer.order = create_order(user=customer)
    customer.order.refresh_from_db()
    return customer


@pytest.fixture
def other(france):
    person = UserFactory(username="dominique", email="dominique@example.com")
    UserAddressFactory(user=person, line1="99 boulevard Secret", country=france)
    person.order = create_order(user=person)
    person.order.refresh_from_db()
    return person


@pytest.fixture
def logged_in(client, shopper):
    client.force_login(shopper)
    return client


@pytest.fixture
def capture(django_capture_on_commit_callbacks):
    return django_capture_on_commit_callbacks


@pytest.fixture
def ready(logged_in, shopper, capture):
    """The shopper asked for a copy on the page; it was built (immediate task backend)."""
    with capture(execute=True):
        response = logged_in.post(EXPORTS)
    assert response.status_code == 302 and response["Location"] == EXPORTS
    export = DataExport.objects.get(owner=shopper)
    assert export.status == DataExport.Status.READY
    return export


# Asking for a copy --------------------------------------------------------------


def test_asking_for_a_copy_builds_encrypts_stores_and_emails_it(
    logged_in, shopper, capture, mailoutbox
):
    before = timezone.now()
    with capture(execute=True):
        response = logged_in.post(EXPORTS)
    assert response.status_code == 302 and response["Location"] == EXPORTS

    export = DataExport.objects.get()
    assert export.owner == shopper
    assert export.status == DataExport.Status.READY
    assert before <= export.requested_at <= export.ready_at <= timezone.now()
    assert export.expires_at == export.ready_at + datetime.timedelta(days=7)
    assert export.downloads == 0

    # Encrypted in the private storage: no zip, no clear text.
    assert export.file_name
    assert storage().exists(export.file_name)
    raw = stored(export.file_name)
    assert export.size == len(raw) == storage().size(export.file_name)
    assert not raw.startswith(b"PK")
    assert raw.startswith(MAGIC)
    for clear in (shopper.email, "12 avenue Foch", "data.json", "index.html"):
        assert clear.encode() not in raw

    # One email, to the customer, with the absolute address of the page.
    assert len(mailoutbox) == 1
    email = mailoutbox[0]
    assert email.to == [shopper.email]
    assert "ready to download" in email.subject
    assert EXPORTS_URL in email.body
    html, mimetype = email.alternatives[0]
    assert mimetype == "text/html"
    assert f'href="{EXPORTS_URL}"' in html

    assert actions(export) == ["export.requested", "export.ready"]
    ready_event = AuditEvent.objects.get(action="export.ready")
    assert ready_event.subject == shopper
    assert ready_event.data["rows"] >= 3  # the account, the address, the order at least
    requested_event = AuditEvent.objects.get(action="export.requested")
    assert requested_event.actor == shopper
    assert requested_event.path == EXPORTS

    html = page(logged_in)
    # The message depends on whether the copy was built before the response
    # (here it is built after: the test's transaction defers the task).
    assert "We are preparing a copy of your data. We will email customer@example.com" in html
    assert f'href="{export.get_download_url()}"' in html
    assert "Ready to download" in html


def test_the_request_says_what_happens_before_the_copy_is_built(logged_in, shopper, capture):
    # The task runs after the commit: until then the copy is pending.
    with capture(execute=False) as callbacks:
        logged_in.post(EXPORTS)
    export = DataExport.objects.get()
    assert export.status == DataExport.Status.PENDING
    assert len(callbacks) == 1
    html = page(logged_in)
    assert "Being prepared" in html
    assert export.get_download_url() not in html


def test_asking_again_while_a_copy_is_being_prepared_returns_it(
    logged_in, shopper, capture, mailoutbox
):
    waiting = pending(shopper, requested_at=timezone.now() - datetime.timedelta(minutes=50))
    with capture(execute=True) as callbacks:
        response = logged_in.post(EXPORTS)
    assert response.status_code == 302
    assert callbacks == []  # nothing queued
    assert list(DataExport.objects.all()) == [waiting]
    waiting.refresh_from_db()
    assert waiting.status == DataExport.Status.PENDING
    assert mailoutbox == []
    assert not AuditEvent.objects.filter(action="export.requested").exists()
    assert "A copy of your data is already being prepared." in page(logged_in)


def test_a_request_pending_for_over_an_hour_is_replaced(logged_in, shopper, capture):
    lost = pending(shopper, requested_at=timezone.now() - datetime.timedelta(hours=1, minutes=1))
    with capture(execute=True):
        logged_in.post(EXPORTS)
    assert DataExport.objects.count() == 2
    lost.refresh_from_db()
    assert lost.status == DataExport.Status.FAILED
    new = DataExport.objects.exclude(pk=lost.pk).get()
    assert new.status == DataExport.Status.READY


def test_the_daily_limit_is_enforced(logged_in, shopper, capture, mailoutbox):
    now = timezone.now()
    for hours in range(DAILY_LIMIT):
        pending(
            shopper,
            status=DataExport.Status.EXPIRED,
            requested_at=now - datetime.timedelta(hours=hours + 2),
        )
    with capture(execute=True) as callbacks:
        response = logged_in.post(EXPORTS)
    assert response.status_code == 302 and response["Location"] == EXPORTS
    assert callbacks == []
    assert DataExport.objects.count() == DAILY_LIMIT
    assert not DataExport.objects.exclude(status=DataExport.Status.EXPIRED).exists()
    assert mailoutbox == []
    html = page(logged_in)
    assert f"You have asked for {DAILY_LIMIT} copies of your data in the last 24 hours" in html


def test_the_last_request_within_the_limit_and_older_ones_are_accepted(logged_in, shopper, capture):
    now = timezone.now()
    for hours in range(DAILY_LIMIT - 1):
        pending(
            shopper,
            status=DataExport.Status.EXPIRED,
            requested_at=now - datetime.timedelta(hours=hours + 2),
        )
    for _ in range(3):  # over a day ago: they do not count
        pending(
            shopper,
            status=DataExport.Status.EXPIRED,
            requested_at=now - datetime.timedelta(hours=25),
        )
    with capture(execute=True):
        logged_in.post(EXPORTS)
    assert DataExport.objects.filter(status=DataExport.Status.READY).count() == 1
    assert DataExport.objects.count() == DAILY_LIMIT + 3


def test_a_new_copy_replaces_the_previous_one(logged_in, shopper, ready, capture):
    old_name = ready.file_name
    with capture(execute=True):
        logged_in.post(EXPORTS)
    ready.refresh_from_db()
    assert ready.status == DataExport.Status.EXPIRED
    assert ready.file_name == ""
    assert not storage().exists(old_name)
    new = DataExport.objects.get(status=DataExport.Status.READY)
    assert new.pk != ready.pk
    assert storage().exists(new.file_name)


def test_a_failed_build_is_recorded_and_leaves_nothing(
    logged_in, shopper, capture, mailoutbox, monkeypatch
):
    def broken(user, target, **kwargs):
        target.write(b"half an archive")
        raise RuntimeError("the database went away")

    monkeypatch.setattr(export_service, "write_archive", broken)
    with capture(execute=True):
        logged_in.post(EXPORTS)
    export = DataExport.objects.get()
    assert export.status == DataExport.Status.FAILED
    assert export.file_name == ""
    assert not storage().exists(f"exports/{export.pk}.zip.enc")
    assert mailoutbox == []
    assert actions(export) == ["export.requested", "export.failed"]
    assert "Something went wrong: please ask again." in page(logged_in)


def test_anonymous_visitors_are_sent_to_the_login_page(client, shopper):
    response = client.get(EXPORTS)
    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?next={EXPORTS}"
    response = client.post(EXPORTS)
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)
    assert not DataExport.objects.exists()


def test_the_exports_page_costs_the_same_queries_however_many_copies(
    logged_in, shopper, django_assert_max_num_queries
):
    now = timezone.now()
    page(logged_in)  # Oscar creates the basket on the first visit
    pending(shopper, requested_at=now - datetime.timedelta(minutes=1))
    with CaptureQueriesContext(connection) as one_copy:
        page(logged_in)
    statuses = [DataExport.Status.READY, DataExport.Status.EXPIRED, DataExport.Status.FAILED]
    for days in range(30):
        pending(
            shopper,
            status=statuses[days % 3],
            requested_at=now - datetime.timedelta(days=days + 1),
            ready_at=now - datetime.timedelta(days=days + 1),
            expires_at=now + datetime.timedelta(days=1),
            size=1234,
        )
    # The expiry of due copies and the list: a query each, however many copies.
    with django_assert_max_num_queries(len(one_copy)):
        html = page(logged_in)
    # Only the ten newest are listed.
    assert html.count('<tr id="export-') == 10
    newest = DataExport.objects.order_by("-requested_at").first()
    assert f'id="export-{newest.pk}"' in html
    assert html.count("Download (1.2\xa0KB)") == 3


# The archive ----------------------------------------------------------------------


def test_the_archive_holds_the_customers_data_and_validates(logged_in, shopper, ready, other):
    archive = unzip(download(logged_in, ready))
    assert sorted(archive.namelist()) == ["data.json", "index.html"]
    data = json.loads(archive.read("data.json"))
    validate(data)

    assert data["format"] == "oscar-privacy-export"
    assert data["person"] == {"username": shopper.username, "email": shopper.email}
    assert data["controller"]["name"] == "Oscar Privacy Sandbox SAS"
    tables = {t["model"]: t for t in data["tables"]}
    for table in tables.values():
        assert table["count"] == len(table["rows"])
        names = [f["name"] for f in table["fields"]]
        assert all(list(row) == names for row in table["rows"])

    (order,) = tables["order.order"]["rows"]
    assert order["number"] == shopper.order.number
    assert order["total_incl_tax"] == str(shopper.order.total_incl_tax)
    (address,) = tables["address.useraddress"]["rows"]
    assert address["line1"] == "12 avenue Foch"
    assert address["country"] == "France"
    (account,) = tables["auth.user"]["rows"]
    assert account["first_name"] == SCRIPT  # data, as typed
    assert account["email"] == shopper.email
    assert "password" not in account

    purposes = {p["key"] for p in tables["order.order"]["purposes"]}
    assert {"orders", "accounting"} <= purposes
    assert tables["order.order"]["retention"][0]["rule"] == "accounting_records"

    # Nothing about the other customer.
    text = archive.read("data.json").decode() + archive.read("index.html").decode()
    assert "99 boulevard Secret" not in text
    assert other.order.number not in text
    assert "dominique" not in text


def test_the_html_page_escapes_what_the_customer_typed(logged_in, ready):
    html = unzip(download(logged_in, ready)).read("index.html").decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script" not in html.lower()
    assert "12 avenue Foch" in html
    assert "<h2>Orders</h2>" in html


def test_the_schema_is_valid_and_documented():
    jsonschema.Draft202012Validator.check_schema(SCHEMA)

    def undocumented(node, path):
        if isinstance(node, dict):
            for name, sub in node.get("properties", {}).items():
                if "description" not in sub:
                    yield f"{path}/{name}"
            for key, value in node.items():
                yield from undocumented(value, f"{path}/{key}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                yield from undocumented(value, f"{path}/{index}")

    assert list(undocumented(SCHEMA, "#")) == []
    category = SCHEMA["$defs"]["table"]["properties"]["fields"]["items"]["properties"]["category"]
    assert category["enum"] == Category.values


def test_the_schema_refuses_what_the_format_does_not_allow(shopper):
    target = io.BytesIO()
    write_archive(shopper, target)
    data = json.loads(zipfile.ZipFile(target).read("data.json"))
    validate(data)
    for damage in (
        lambda d: d.update(extra=1),
        lambda d: d.update(format_version=2),
        lambda d: d["person"].pop("email"),
        lambda d: d["tables"][0].update(count=0, rows=[]),
        lambda d: d["tables"][0]["fields"][0].update(category="secret"),
        lambda d: d.update(generated_at="yesterday"),
    ):
        damaged = json.loads(json.dumps(data))
        damage(damaged)
        with pytest.raises(jsonschema.ValidationError):
            validate(damaged)


# Downloading ------------------------------------------------------------------------


def test_downloading_needs_the_password_again(logged_in, ready):
    url = ready.get_download_url()
    response = logged_in.get(url)
    assert response.status_code == 302
    # Then back to the list, which says what happened (a download leaves the
    # browser on the page it started from).
    assert response["Location"] == f"{CONFIRM}?{urlencode({'next': EXPORTS})}"
    html = page(logged_in, response["Location"])
    assert f'name="next" value="{EXPORTS}"' in html
    assert 'name="password"' in html
    ready.refresh_from_db()
    assert ready.downloads == 0
    assert "export.downloaded" not in actions(ready)


def test_a_wrong_password_downloads_nothing(logged_in, ready):
    url = ready.get_download_url()
    response = confirm_password(logged_in, "not my password", next_url=url)
    assert response.status_code == 200
    assert response.context["form"].errors == {"password": ["This is not your password."]}
    assert "This is not your password." in response.content.decode()
    response = logged_in.get(url)
    assert response.status_code == 302 and response["Location"].startswith(CONFIRM)
    ready.refresh_from_db()
    assert ready.downloads == 0


def test_five_wrong_passwords_log_the_session_out(logged_in, ready):
    url = ready.get_download_url()
    for _ in range(reauth.MAX_FAILURES - 1):
        response = confirm_password(logged_in, "guess", next_url=url)
        assert response.status_code == 200
    response = confirm_password(logged_in, "guess", next_url=url)
    assert response.status_code == 302 and response["Location"] == LOGIN
    assert "_auth_user_id" not in logged_in.session
    response = logged_in.get(url)
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)
    # Even the right password does not help now: the session is logged out.
    response = confirm_password(logged_in, next_url=url)
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)
    ready.refresh_from_db()
    assert ready.downloads == 0


def test_the_right_password_resets_the_count_of_wrong_ones(logged_in, ready):
    url = ready.get_download_url()
    for _ in range(reauth.MAX_FAILURES - 1):
        confirm_password(logged_in, "guess", next_url=url)
    assert confirm_password(logged_in, next_url=url).status_code == 302
    for _ in range(reauth.MAX_FAILURES - 1):
        assert confirm_password(logged_in, "guess", next_url=url).status_code == 200
    assert "_auth_user_id" in logged_in.session


def test_the_right_password_leads_to_the_download(logged_in, shopper, ready):
    url = ready.get_download_url()
    response = confirm_password(logged_in, next_url=EXPORTS)
    assert response.status_code == 302 and response["Location"] == EXPORTS
    html = page(logged_in)
    assert "Password confirmed" in html
    assert f'href="{url}"' in html
    response = logged_in.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    date = timezone.localdate(ready.ready_at)
    assert response["Content-Disposition"] == f'attachment; filename="my-data-{date:%Y-%m-%d}.zip"'
    assert "no-store" in response["Cache-Control"]
    archive = unzip(response)
    assert archive.testzip() is None
    assert sorted(archive.namelist()) == ["data.json", "index.html"]
    ready.refresh_from_db()
    assert ready.downloads == 1
    assert ready.last_downloaded_at is not None
    assert actions(ready) == ["export.requested", "export.ready", "export.downloaded"]
    event = AuditEvent.objects.get(action="export.downloaded")
    assert event.subject == shopper and event.actor == shopper


def test_each_download_is_counted(logged_in, ready):
    download(logged_in, ready)
    unzip(logged_in.get(ready.get_download_url()))  # still confirmed: no password asked
    ready.refresh_from_db()
    assert ready.downloads == 2
    assert actions(ready).count("export.downloaded") == 2


def test_the_confirmation_lasts_a_few_minutes(logged_in, ready):
    download(logged_in, ready)
    session = logged_in.session
    session[reauth.CONFIRMED_AT] = time.time() - 301
    session.save()
    response = logged_in.get(ready.get_download_url())
    assert response.status_code == 302 and response["Location"].startswith(CONFIRM)


def test_the_confirmation_never_redirects_to_another_site(logged_in):
    response = confirm_password(logged_in, next_url="https://evil.example/steal")
    assert response.status_code == 302 and response["Location"] == EXPORTS


def test_another_customers_copy_is_not_found(logged_in, ready, other, capture, client):
    theirs = make_ready(other, capture)
    assert confirm_password(logged_in).status_code == 302
    assert logged_in.get(theirs.get_download_url()).status_code == 404
    theirs.refresh_from_db()
    assert theirs.downloads == 0
    assert theirs.status == DataExport.Status.READY
    assert storage().exists(theirs.file_name)
    # The customer's own copy is still found in the same session.
    assert logged_in.get(ready.get_download_url()).status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        reverse("oscar_privacy:export-download", args=[uuid.uuid4()]),
        EXPORTS + "not-a-uuid/download/",
        EXPORTS + "1/download/",
    ],
)
def test_an_unknown_or_malformed_id_is_not_found(logged_in, ready, url):
    assert confirm_password(logged_in).status_code == 302
    assert logged_in.get(url).status_code == 404


def test_anonymous_visitors_cannot_download(client, ready):
    client.logout()
    url = ready.get_download_url()
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?next={url}"
    ready.refresh_from_db()
    assert ready.downloads == 0


def test_an_expired_copy_is_gone(logged_in, ready, capture):
    name = ready.file_name
    DataExport.objects.filter(pk=ready.pk).update(
        expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    with capture(execute=True):
        response = logged_in.get(ready.get_download_url())
    assert response.status_code == 410
    html = response.content.decode()
    assert "This copy of your data expired on" in html
    assert "has been deleted" in html
    assert f'href="{EXPORTS}"' in html
    ready.refresh_from_db()
    assert ready.status == DataExport.Status.EXPIRED
    assert ready.file_name == ""
    assert not storage().exists(name)
    assert ready.downloads == 0


def test_a_copy_being_prepared_cannot_be_downloaded_yet(logged_in, shopper):
    waiting = pending(shopper)
    assert confirm_password(logged_in).status_code == 302
    response = logged_in.get(waiting.get_download_url())
    assert response.status_code == 409
    assert "This copy of your data is still being prepared." in response.content.decode()
    waiting.refresh_from_db()
    assert waiting.status == DataExport.Status.PENDING


def overwrite_with_garbage(export):
    storage().delete(export.file_name)
    assert storage().save(export.file_name, io.BytesIO(b"garbage" * 100)) == export.file_name


def truncate(export):
    raw = stored(export.file_name)
    storage().delete(export.file_name)
    storage().save(export.file_name, io.BytesIO(raw[: len(MAGIC) + 50]))


def delete(export):
    storage().delete(export.file_name)


def test_a_copy_whose_file_is_gone_is_reported_deleted(logged_in, ready, capture):
    name = ready.file_name
    delete(ready)
    assert confirm_password(logged_in).status_code == 302
    with capture(execute=True):
        response = logged_in.get(ready.get_download_url())
    assert response.status_code == 410
    assert "can no longer be read, and has been deleted" in response.content.decode()
    ready.refresh_from_db()
    assert ready.status == DataExport.Status.FAILED
    assert ready.file_name == ""
    assert ready.downloads == 0
    assert not storage().exists(name)
    assert actions(ready)[-1] == "export.unreadable"


@pytest.mark.parametrize("damage", [overwrite_with_garbage, truncate])
def test_a_copy_that_cannot_be_decrypted_is_kept_and_reported(logged_in, ready, capture, damage):
    # Damage and a missing key look alike; a missing key can be put back, so nothing
    # is deleted: the page says to try later, and nothing is counted as downloaded.
    name = ready.file_name
    damage(ready)
    assert confirm_password(logged_in).status_code == 302
    with capture(execute=True):
        response = logged_in.get(ready.get_download_url())
    assert response.status_code == 503
    assert "cannot be opened right now" in response.content.decode()
    ready.refresh_from_db()
    assert (ready.status, ready.file_name, ready.downloads) == (
        DataExport.Status.READY,
        name,
        0,
    )
    assert storage().exists(name)


def test_a_copy_whose_key_was_removed_opens_again_when_it_is_back(logged_in, ready, capture):
    assert confirm_password(logged_in).status_code == 302
    with (
        override_settings(OSCAR_PRIVACY_ENCRYPTION_KEYS=[Fernet.generate_key().decode()]),
        capture(execute=True),
    ):
        response = logged_in.get(ready.get_download_url())
    assert response.status_code == 503
    assert "data.json" in unzip(download(logged_in, ready)).namelist()


def test_a_file_copied_over_another_export_is_refused(logged_in, shopper, other, capture):
    mine = make_ready(shopper, capture)
    theirs = make_ready(other, capture)
    storage().delete(mine.file_name)
    storage().save(mine.file_name, io.BytesIO(stored(theirs.file_name)))
    assert confirm_password(logged_in).status_code == 302
    response = logged_in.get(mine.get_download_url())
    assert response.status_code == 503
    assert b"PK" not in response.content[:2]


def test_the_archive_survives_a_key_rotation(logged_in, ready, settings):
    settings.OSCAR_PRIVACY_ENCRYPTION_KEYS = [
        Fernet.generate_key().decode(),
        *settings.OSCAR_PRIVACY_ENCRYPTION_KEYS,
    ]
    assert "data.json" in unzip(download(logged_in, ready)).namelist()


# Expiry and cancellation --------------------------------------------------------------


def test_expire_exports_deletes_only_the_expired_archives(shopper, other, capture):
    due = make_ready(shopper, capture)
    kept = make_ready(other, capture)
    due_name, kept_name = due.file_name, kept.file_name
    now = timezone.now()
    DataExport.objects.filter(pk=due.pk).update(expires_at=now - datetime.timedelta(seconds=1))
    DataExport.objects.filter(pk=kept.pk).update(expires_at=now + datetime.timedelta(hours=1))
    waiting = pending(shopper)
    with capture(execute=True):
        assert expire_exports(now=now) == 1
    due.refresh_from_db()
    kept.refresh_from_db()
    waiting.refresh_from_db()
    assert due.status == DataExport.Status.EXPIRED and due.file_name == ""
    assert not storage().exists(due_name)
    assert kept.status == DataExport.Status.READY and kept.file_name == kept_name
    assert storage().exists(kept_name)
    assert waiting.status == DataExport.Status.PENDING
    # Run again: nothing more to do.
    with capture(execute=True):
        assert expire_exports(now=now) == 0
    assert storage().exists(kept_name)


def test_a_closed_accounts_pending_copy_is_never_built(shopper, capture, mailoutbox):
    with capture(execute=False) as callbacks:
        export, created = request_export(shopper, exports_url=EXPORTS_URL)
    assert created and len(callbacks) == 1
    with capture(execute=True):
        assert cancel_exports(shopper) == 1
        callbacks[0]()  # the queued task runs after all
    export.refresh_from_db()
    assert export.status == DataExport.Status.EXPIRED
    assert build_export(export.pk, exports_url=EXPORTS_URL) is None
    export.refresh_from_db()
    assert export.status == DataExport.Status.EXPIRED
    assert export.file_name == ""
    assert not storage().exists(f"exports/{export.pk}.zip.enc")
    assert mailoutbox == []
    assert "export.ready" not in actions(export)


def test_closing_the_account_deletes_the_ready_archive(shopper, capture):
    export = make_ready(shopper, capture)
    name = export.file_name
    with capture(execute=True):
        assert cancel_exports(shopper) == 1
    export.refresh_from_db()
    assert export.status == DataExport.Status.EXPIRED
    assert not storage().exists(name)


def test_a_copy_cancelled_while_it_is_built_leaves_no_file(
    shopper, capture, mailoutbox, monkeypatch
):
    def closed_meanwhile(user, target, **kwargs):
        rows = write_archive(user, target, **kwargs)
        cancel_exports(user)
        return rows

    monkeypatch.setattr(export_service, "write_archive", closed_meanwhile)
    with capture(execute=True):
        export, _ = request_export(shopper, exports_url=EXPORTS_URL)
    export.refresh_from_db()
    assert export.status == DataExport.Status.EXPIRED
    assert export.file_name == ""
    assert not storage().exists(f"exports/{export.pk}.zip.enc")
    assert mailoutbox == []
    assert "export.ready" not in actions(export)


def test_a_late_build_of_a_replaced_request_leaves_the_new_copy_alone(shopper, capture):
    # A worker takes over an hour: the customer asks again, the new copy is
    # built by another worker and emailed. The first build, ending last, must
    # not take the new copy with it.
    with capture(execute=False) as callbacks:
        first, _ = request_export(shopper, exports_url=EXPORTS_URL)
    newer = []

    def slow(user, target, **kwargs):
        rows = write_archive(user, target, **kwargs)
        if not newer:  # the first build only; meanwhile, the second is asked for and built
            DataExport.objects.filter(pk=first.pk).update(
                requested_at=timezone.now() - datetime.timedelta(hours=2)
            )
            with capture(execute=False):
                export, created = request_export(user, exports_url=EXPORTS_URL)
            newer.append(export)
            assert created
            assert build_export(export.pk, exports_url=EXPORTS_URL) == export
        return rows

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(export_service, "write_archive", slow)
        with capture(execute=True):
            callbacks[0]()
    first.refresh_from_db()
    (new,) = newer
    new.refresh_from_db()
    assert first.status == DataExport.Status.FAILED
    assert not storage().exists(f"exports/{first.pk}.zip.enc")
    assert new.status == DataExport.Status.READY
    assert storage().exists(new.file_name)
