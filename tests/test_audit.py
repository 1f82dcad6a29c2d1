import datetime
from urllib.parse import quote

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory
from django.urls import NoReverseMatch, resolve, reverse
from django.utils import timezone
from oscar.test.factories import UserFactory, create_order

from oscar_privacy import audit
from oscar_privacy.account_deletion import allow_account_deletion
from oscar_privacy.crypto import fingerprint
from oscar_privacy.exceptions import AppendOnlyError
from oscar_privacy.models import AuditEvent
from oscar_privacy.signals import audit_event_recorded

from .url_walk import routes

pytestmark = pytest.mark.django_db


def test_record_stores_who_what_whom_when_why(staff, customer):
    request = RequestFactory().get("/shop/dashboard/users/12/?tab=orders")
    request.user = staff
    order = create_order(user=customer)
    received = []

    def receiver(sender, event, **kwargs):
        received.append(event)

    audit_event_recorded.connect(receiver)
    try:
        event = audit.record(
            "password.reset",
            request=request,
            subject=customer,
            target=order,
            reason="Asked by phone",
        )
    finally:
        audit_event_recorded.disconnect(receiver)

    event.refresh_from_db()
    assert (event.actor, event.actor_label, event.subject) == (staff, "staff", customer)
    assert (event.action, event.kind, event.reason) == (
        "password.reset",
        "action",
        "Asked by phone",
    )
    assert (event.target_type, event.target_id) == ("order.order", str(order.pk))
    assert event.path == "/shop/dashboard/users/12/?tab=orders"
    assert timezone.now() - event.created_at < datetime.timedelta(minutes=1)
    assert received == [event]


def test_record_read_and_system_events(customer):
    event = audit.record_read("customer.viewed", subject=customer)
    assert event.kind == AuditEvent.Kind.READ
    assert (event.actor, event.actor_label) == (None, "system")


def test_events_cannot_be_changed_or_deleted(customer):
    event = audit.record("consent.withdrawn", subject=customer)
    event.reason = "rewritten"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(reason="rewritten")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    event.refresh_from_db()
    assert event.reason == ""


def test_deleting_the_actor_keeps_the_event_and_its_label(staff, customer):
    event = audit.record("customer.viewed", actor=staff, subject=customer)
    staff.delete()
    event.refresh_from_db()
    assert (event.actor, event.actor_label) == (None, "staff")


def test_purge_before_is_the_only_way_out(customer):
    old = AuditEvent(action="customer.viewed", actor_label="staff", subject=customer)
    old.created_at = timezone.now() - datetime.timedelta(days=400)
    old.save()
    recent = audit.record("customer.viewed", subject=customer)

    assert AuditEvent.objects.purge_before(timezone.now() - datetime.timedelta(days=365)) == 1
    assert list(AuditEvent.objects.all()) == [recent]


def test_long_paths_are_cut_to_fit():
    request = RequestFactory().get("/" + "x" * 400)
    request.user = UserFactory(is_staff=True)
    assert len(audit.record("customer.viewed", request=request).path) == 255


def test_admin_is_read_only(admin_client, customer):
    event = audit.record("consent.withdrawn", subject=customer)
    base = "/django-admin/oscar_privacy/auditevent/"
    listing = admin_client.get(base)
    assert listing.status_code == 200
    assert listing.context["action_form"] is None  # no "delete selected" action
    page = admin_client.get(f"{base}{event.pk}/change/")
    assert page.status_code == 200
    assert not page.context["has_change_permission"]
    assert admin_client.post(f"{base}{event.pk}/change/", {"reason": "x"}).status_code == 403
    assert admin_client.post(f"{base}{event.pk}/delete/", {"post": "yes"}).status_code == 403
    assert admin_client.get(f"{base}add/").status_code == 403
    event.refresh_from_db()
    assert event.reason == ""


def test_bulk_update_is_refused(customer):
    event = audit.record("consent.withdrawn", subject=customer)
    event.reason = "rewritten"
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.bulk_update([event], ["reason"])


postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the append-only trigger exists on PostgreSQL only"
)


def _raw(sql, params=()):
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(sql.format(table=table), params)
        return cursor.rowcount


def _refused(sql, params=()):
    with pytest.raises(DatabaseError, match="audit events are append-only"):
        with transaction.atomic():
            _raw(sql, params)


@postgresql_only
def test_trigger_refuses_raw_update_and_delete(customer):
    event = audit.record("consent.withdrawn", subject=customer, reason="Asked")
    _refused("UPDATE {table} SET reason = 'rewritten' WHERE id = %s", [event.pk])
    _refused("UPDATE {table} SET action = 'x', actor_id = NULL WHERE id = %s", [event.pk])
    _refused("UPDATE {table} SET subject_id = %s WHERE id = %s", [customer.pk + 1, event.pk])
    _refused("DELETE FROM {table} WHERE id = %s", [event.pk])
    _refused("DELETE FROM {table}")
    event.refresh_from_db()
    assert (event.reason, event.action, event.subject) == ("Asked", "consent.withdrawn", customer)


@postgresql_only
def test_trigger_lets_the_purge_through_and_only_it(customer):
    old = AuditEvent(action="customer.viewed", actor_label="staff", subject=customer)
    old.created_at = timezone.now() - datetime.timedelta(days=400)
    old.save()
    recent = audit.record("customer.viewed", subject=customer)
    with transaction.atomic():
        assert AuditEvent.objects.purge_before(timezone.now() - datetime.timedelta(days=365)) == 1
        # The flag is off again for the rest of the transaction.
        _refused("DELETE FROM {table}")
    assert list(AuditEvent.objects.all()) == [recent]


@postgresql_only
def test_a_dba_can_purge_with_the_flag(customer):
    audit.record("customer.viewed", subject=customer)
    with transaction.atomic():
        _raw("SET LOCAL oscar_privacy.audit_purge = 'on'")
        assert _raw("DELETE FROM {table}") == 1
    # The flag lasts until the end of the (test's) transaction, hence no check after it.


@postgresql_only
def test_trigger_lets_user_deletion_empty_the_links(staff, customer):
    event = audit.record("customer.viewed", actor=staff, subject=customer)
    staff.delete()
    with allow_account_deletion():  # issue 13: customers are closed, not deleted
        customer.delete()
    event.refresh_from_db()
    assert (event.actor_id, event.subject_id, event.actor_label) == (None, None, "staff")
    assert event.action == "customer.viewed"


def test_the_retention_rule_purges_old_events(customer):
    from oscar_privacy.retention.apply import apply_rules

    old = AuditEvent(action="customer.viewed", actor_label="staff", subject=customer)
    old.created_at = timezone.now() - datetime.timedelta(days=800)
    old.save()
    recent = audit.record("customer.viewed", subject=customer)
    results = {result.rule: result for result in apply_rules(["audit_trail"])}
    assert results["audit_trail"].total == 1
    assert set(AuditEvent.objects.all()) >= {recent}
    assert not AuditEvent.objects.filter(pk=old.pk).exists()


# Links in the trail ---------------------------------------------------------------------

SECRET = "gAAAAABsecret-token_value=="


def secret_routes():
    """Every URL of the project whose arguments hold a secret (a link's token, a key)."""
    return [
        route
        for route in routes()
        if route.view_name and set(route.arguments) & audit.SECRET_URL_ARGUMENTS
    ]


@pytest.mark.parametrize("route", secret_routes(), ids=str)
def test_the_trail_never_keeps_a_working_link(route, customer):
    values = {
        name: SECRET if name in audit.SECRET_URL_ARGUMENTS else "1" for name in route.arguments
    }
    try:
        url = route.url(**values)
    except NoReverseMatch:
        # An argument with a narrower converter (an int pk beside a token).
        url = route.url(**{**values, **{n: 1 for n in values if values[n] == "1"}})
    request = RequestFactory().get(url + "?next=/shop/&token=" + SECRET)
    request.user = customer
    request.resolver_match = resolve(url)
    event = audit.record("link.followed", request=request)
    assert SECRET not in event.path and quote(SECRET) not in event.path
    assert fingerprint(SECRET) in event.path and "next=%2Fshop%2F" in event.path


def test_the_registration_link_leaves_only_its_fingerprint(client):
    from .shop import confirm_from_mail, publish_policies

    privacy = publish_policies()[0]
    data = {
        "email": "new@example.com",
        "password1": "A-long-enough-password-2026",
        "password2": "A-long-enough-password-2026",
        "accept_privacy": "on",
        "privacy_version": privacy.number,
    }
    client.post(reverse("customer:register"), data)
    confirm_from_mail(client)
    event = AuditEvent.objects.get(action="account.registered")
    token = resolve(event.path.partition("?")[0]).kwargs["token"]
    assert token == event.data["link"]
