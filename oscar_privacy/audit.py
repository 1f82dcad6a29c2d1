"""The audit trail: record who read or did what to whose personal data.

Every later feature calls :func:`record` (actions) or :func:`record_read`
(staff looking at personal data)::

    from oscar_privacy import audit

    audit.record("password.reset", request=request, subject=customer,
                 reason=form.cleaned_data["reason"])
"""

from urllib.parse import parse_qsl, quote, urlencode

from django.contrib.auth.views import PasswordResetConfirmView

from .adapter import get_adapter
from .crypto import fingerprint
from .models import AuditEvent
from .signals import audit_event_recorded

MAX_PATH = AuditEvent._meta.get_field("path").max_length

SECRET_URL_ARGUMENTS = frozenset({"token", "uidb64", "key", "hash"})
"""URL arguments and query parameters that open something (a link's token, Oscar's alert
key and guest order hash): the trail keeps their fingerprint, never the value, so that
reading the audit trail never hands anyone a working link."""

NOT_SECRET = frozenset({PasswordResetConfirmView.reset_url_token})
"""Values such an argument takes that open nothing: Django's reset page moves the token
into the session and shows ``set-password`` in its place."""


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
        path=audited_path(request)[:MAX_PATH] if request is not None else "",
        data=data or {},
    )
    event.save()
    audit_event_recorded.send(sender=AuditEvent, event=event)
    return event


def audited_path(request):
    """The page ``request`` was for, as the trail keeps it: secrets replaced by fingerprints.

    The secrets are the values of :data:`SECRET_URL_ARGUMENTS`, found by what
    the path resolved to (so it holds under every language prefix) and in
    the query string.
    """
    path = request.get_full_path()
    match = getattr(request, "resolver_match", None)
    values = [
        str(value)
        for name, value in (match.kwargs.items() if match is not None else ())
        if name in SECRET_URL_ARGUMENTS and value and str(value) not in NOT_SECRET
    ]
    base, _mark, query = path.partition("?")
    for value in values:
        # As it was typed, or percent-encoded as reverse() and browsers may write it.
        for form in {value, quote(value, safe=""), quote(value, safe="/:@!$&'()*+,;=~")}:
            base = base.replace(form, fingerprint(value))
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        if any(name in SECRET_URL_ARGUMENTS for name, _value in pairs):
            query = urlencode(
                [
                    (name, fingerprint(value) if name in SECRET_URL_ARGUMENTS else value)
                    for name, value in pairs
                ]
            )
        return f"{base}?{query}"
    return base


def record_read(action, **kwargs):
    """Store that staff looked at someone's personal data."""
    return record(action, kind=AuditEvent.Kind.READ, **kwargs)
