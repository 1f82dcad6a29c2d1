import csv
import io

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from oscar.test.factories import UserFactory

from oscar_privacy.consent import record_consents
from oscar_privacy.models import (
    AuditEvent,
    ConsentAction,
    ConsentChannel,
    ConsentPurpose,
    PolicyKind,
)

from .shop import publish
from .staff import login_verified

pytestmark = pytest.mark.django_db
LIST = reverse("oscar_privacy_dashboard:privacy-consent-list")
EXPORT = reverse("oscar_privacy_dashboard:privacy-consent-export")
VERSIONS = reverse("oscar_privacy_dashboard:privacy-version-list")


@pytest.fixture
def officer(db):
    user = UserFactory(email="officer@example.com", username="officer", is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="oscar_privacy",
            codename__in=["view_consentrecord", "view_policyversion"],
        )
    )
    return user


@pytest.fixture
def records(customer):
    v1 = publish(PolicyKind.PRIVACY, "One.")
    v2 = publish(PolicyKind.PRIVACY, "Two.", material=True)
    record_consents(
        [(ConsentPurpose.PRIVACY_POLICY, ConsentAction.GIVEN, v1)],
        channel=ConsentChannel.REGISTRATION,
        user=customer,
    )
    record_consents(
        [
            (ConsentPurpose.PRIVACY_POLICY, ConsentAction.GIVEN, v2),
            (ConsentPurpose.NEWSLETTER, ConsentAction.GIVEN, None),
        ],
        channel=ConsentChannel.CHECKOUT,
        email='=HYPERLINK("http://evil")@example.com',
        order_number="100042",
    )
    return v1, v2


@pytest.mark.parametrize("url", [LIST, EXPORT, VERSIONS])
def test_only_staff_with_the_permission_get_in(client, customer, staff, officer, url):
    assert client.get(url).status_code == 302  # to the dashboard login
    client.force_login(customer)
    assert client.get(url).status_code in (302, 403)
    login_verified(client, staff)  # staff, but without the permission
    assert client.get(url).status_code == 403
    login_verified(client, officer)
    assert client.get(url).status_code == 200


def test_the_consents_of_one_customer(client, officer, customer, records):
    login_verified(client, officer)
    response = client.get(LIST, {"customer": customer.pk})
    assert [r.user for r in response.context["consents"]] == [customer]
    event = AuditEvent.objects.get()
    assert (event.action, event.kind, event.subject, event.actor) == (
        "consents.viewed",
        "read",
        customer,
        officer,
    )


def test_the_consents_of_one_version(client, officer, records):
    v1, v2 = records
    login_verified(client, officer)
    response = client.get(LIST, {"version": v2.pk})
    assert [r.version for r in response.context["consents"]] == [v2]
    versions = client.get(VERSIONS)
    counts = {v.number: v.acceptances for v in versions.context["versions"]}
    assert counts == {1: 1, 2: 1}


@pytest.mark.parametrize(
    "query",
    [
        {"customer": "abc"},
        {"customer": "99999"},
        {"version": "x"},
        {"purpose": "everything"},
        {"date_from": "yesterday"},
        {"email": "x" * 300},
    ],
)
def test_bad_filters_are_form_errors_and_show_nothing(client, officer, records, query):
    login_verified(client, officer)
    response = client.get(LIST, query)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert list(response.context["consents"]) == []
    assert not AuditEvent.objects.exists()


def test_the_csv_export_streams_every_record_and_neutralises_formulas(client, officer, records):
    login_verified(client, officer)
    response = client.get(EXPORT)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:5] == ["created_at", "user_id", "email", "purpose", "action"]
    assert len(rows) == 4
    emails = {row[2] for row in rows[1:]}
    assert '\'=HYPERLINK("http://evil")@example.com' in emails
    guest = [row for row in rows[1:] if row[3] == "privacy_policy" and row[9] == "100042"][0]
    assert guest[5:8] == ["privacy", "2", records[1].sha256]
    assert AuditEvent.objects.get().action == "consents.exported"


def test_the_customer_page_links_to_their_consents(client, officer, customer):
    officer.user_permissions.add(Permission.objects.get(codename="view_user"))
    login_verified(client, officer)
    response = client.get(reverse("dashboard:user-detail", args=[customer.pk]))
    assert f"{LIST}?customer={customer.pk}" in response.content.decode()


def test_the_menu_shows_privacy_to_those_who_may_see_it(client, officer, staff):
    login_verified(client, officer)
    assert LIST in client.get(reverse("dashboard:index")).content.decode()
    login_verified(client, staff)
    assert LIST not in client.get(reverse("dashboard:index")).content.decode()
