import datetime

import pytest
from django.test import RequestFactory
from django.utils import timezone
from oscar.test.factories import UserFactory, create_order

from oscar_privacy import audit
from oscar_privacy.exceptions import AppendOnlyError
from oscar_privacy.models import AuditEvent
from oscar_privacy.signals import audit_event_recorded

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
