"""The audit trail: record who read or did what to whose personal data.

Every later feature calls :func:`record` (actions) or :func:`record_read`
(staff looking at personal data)::

    from oscar_privacy import audit

    audit.record("password.reset", request=request, subject=customer,
                 reason=form.cleaned_data["reason"])
"""

from .adapter import get_adapter
from .models import AuditEvent
from .signals import audit_event_recorded

MAX_PATH = AuditEvent._meta.get_field("path").max_length


def record(
    action,
    *,
    actor=None,
    subject=None,
    target=None,
    reason="",
    request=None,
    data=None,
    kind=AuditEvent.Kind.ACTION,
):
    """Store one audit event and return it.

    ``action`` is a short dotted code (``"customer.viewed"``). ``actor``
    defaults to the request's user; ``subject`` is the user whose data it is;
    ``target`` any model instance the event is about (an order, a request).
    """
    if actor is None and request is not None and request.user.is_authenticated:
        actor = request.user
    event = AuditEvent(
        kind=kind,
        action=action,
        actor=actor if actor is not None and actor.is_authenticated else None,
        actor_label=get_adapter().get_actor_label(actor),
        subject=subject,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        reason=reason or "",
        path=request.get_full_path()[:MAX_PATH] if request is not None else "",
        data=data or {},
    )
    event.save()
    audit_event_recorded.send(sender=AuditEvent, event=event)
    return event


def record_read(action, **kwargs):
    """Store that staff looked at someone's personal data."""
    return record(action, kind=AuditEvent.Kind.READ, **kwargs)
