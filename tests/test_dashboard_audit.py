import csv
import datetime
import io

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from oscar.test.factories import UserFactory

from oscar_privacy import audit
from oscar_privacy.dashboard.nav import PRIVACY_NAVIGATION
from oscar_privacy.models import AuditEvent

from .staff import login_verified

pytestmark = pytest.mark.django_db
LIST = reverse("oscar_privacy_dashboard:privacy-audit-list")
EXPORT = reverse("oscar_privacy_dashboard:privacy-audit-export")


@pytest.fixture
def auditor(db):
    user = UserFactory(email="auditor@example.com", username="auditor", is_staff=True)
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="oscar_privacy", codename="view_auditevent")
    )
    return user


@pytest.fixture
def events(staff, customer):
    other = UserFactory(email="other@example.com")
    old = AuditEvent(action="customer.viewed", kind="read", actor_label="staff", subject=customer)
    old.created_at = timezone.now() - datetime.timedelta(days=10)
    old.save()
    return {
        "old": old,
        "reset": audit.record(
            "password.reset_link_sent", actor=staff, subject=customer, reason="=cmd|' /C calc'!A0"
        ),
        "other": audit.record_read("customer.viewed", actor=staff, subject=other),
        "system": audit.record("recovery.requested"),
    }


def _listed(response):
    return [event.pk for event in response.context["events"]]


def test_the_menu_has_an_audit_entry(client, auditor, staff):
    assert "oscar_privacy_dashboard:privacy-audit-list" in [
        child["url_name"] for child in PRIVACY_NAVIGATION["children"]
    ]
    login_verified(client, auditor)
    assert f'href="{LIST}"' in client.get(reverse("dashboard:index")).content.decode()
    login_verified(client, staff)
    assert f'href="{LIST}"' not in client.get(reverse("dashboard:index")).content.decode()


@pytest.mark.parametrize("url", [LIST, EXPORT])
def test_only_staff_with_the_permission_get_in(client, customer, staff, auditor, url):
    assert client.get(url).status_code == 302  # to the dashboard login
    client.force_login(customer)
    assert client.get(url).status_code in (302, 403)
    login_verified(client, staff)  # staff, but without the permission
    assert client.get(url).status_code == 403
    login_verified(client, auditor)
    assert client.get(url).status_code == 200


def test_newest_first_and_viewing_is_recorded(client, auditor, events):
    login_verified(client, auditor)
    response = client.get(LIST)
    assert _listed(response) == [events[name].pk for name in ("system", "other", "reset", "old")]
    assert "password.reset_link_sent" in dict(response.context["form"].fields["action"].choices)
    latest = AuditEvent.objects.first()
    assert (latest.action, latest.kind, latest.actor, latest.subject) == (
        "audit.viewed",
        "read",
        auditor,
        None,
    )


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"actor": "STAFF"}, ["other", "reset", "old"]),
        ({"actor": "system"}, ["system"]),
        ({"customer": "customer@example.com"}, ["reset", "old"]),
        ({"action": "customer.viewed"}, ["other", "old"]),
        ({"kind": "read"}, ["other", "old"]),
        ({"kind": "action", "actor": "staff"}, ["reset"]),
    ],
)
def test_filters(client, auditor, events, filters, expected):
    login_verified(client, auditor)
    assert _listed(client.get(LIST, filters)) == [events[name].pk for name in expected]


def test_filter_by_customer_id_and_dates_records_the_subject(client, auditor, customer, events):
    login_verified(client, auditor)
    today = timezone.localdate()
    response = client.get(LIST, {"customer": customer.pk, "date_from": today, "date_to": today})
    assert _listed(response) == [events["reset"].pk]
    event = AuditEvent.objects.first()
    assert (event.action, event.subject) == ("audit.viewed", customer)
    assert event.data["filters"]["customer"] == str(customer.pk)


@pytest.mark.parametrize(
    "filters",
    [
        {"date_from": "2026-13-45"},
        {"date_to": "yesterday"},
        {"date_from": "2026-05-02", "date_to": "2026-05-01"},
        {"customer": "not an id"},
        {"customer": "9" * 40},
        {"customer": "x@" + "a" * 300},
        {"actor": "a" * 500},
        {"action": "no.such.action"},
        {"kind": "delete"},
    ],
)
def test_bad_filters_are_form_errors(client, auditor, events, filters):
    login_verified(client, auditor)
    response = client.get(LIST, filters)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert _listed(response) == []
    assert client.get(EXPORT, filters).status_code == 200


def test_query_count_does_not_grow_with_the_page(client, auditor, customer, staff):
    login_verified(client, auditor)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            response = client.get(LIST, {"customer": customer.email})
        return len(captured), len(response.context["events"])

    def add(count):
        AuditEvent.objects.bulk_create(
            AuditEvent(action="customer.viewed", actor=staff, actor_label="staff", subject=customer)
            for _ in range(count)
        )

    add(2)
    few = queries()
    add(60)
    many = queries()
    assert (few[1], many[1]) == (2, 50)
    assert many[0] == few[0] <= 12


def test_csv_export_is_filtered_neutralised_and_recorded(client, auditor, customer, events):
    login_verified(client, auditor)
    response = client.get(EXPORT, {"customer": customer.pk})
    assert response["Content-Disposition"].startswith('attachment; filename="audit-')
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:3] == ["created_at", "kind", "action"]
    assert [row[2] for row in rows[1:]] == ["customer.viewed", "password.reset_link_sent"]
    reason = rows[0].index("reason")
    assert rows[2][reason] == "'=cmd|' /C calc'!A0"
    event = AuditEvent.objects.first()
    assert (event.action, event.kind, event.subject) == ("audit.exported", "action", customer)
