"""Privacy requests: the contact form, the legal clock, and their handling by staff.

The privacy policy sends people to the contact form to close their account
or to subscribe to the newsletter again; the GDPR gives them other rights
(access, rectification, withdrawal of consent) they may ask for the same
way. :func:`submit_request` stores such a request, its free text encrypted;
:mod:`oscar_privacy.request_handling` holds what staff do with it.

**Who asks.** A logged-in customer's request is linked to the account and
uses its registered address: it is actionable at once. Anyone else's is
stored ``unconfirmed`` and a signed, expiring, single-use link goes to the
address they gave (:mod:`oscar_privacy.request_mail`); :func:`confirm_request`
makes it actionable. Nobody learns whether the address belongs to an
account. On confirmation, the one open customer account registered at that
address, if there is exactly one, is taken as the requester's: whoever reads
that mailbox could reset the account's password anyway.

**The clock.** GDPR Art. 12(3): an answer "without undue delay and in any
event within one month of receipt", extendable "by two further months where
necessary", the requester being told of the extension and why within the
first month. The month runs from when the request becomes actionable. For a
visitor, that is the confirmation: before it, the shop cannot tell the
request from a forgery in someone else's name, and may neither act on it
nor write to anyone about it but the address given. Art. 12(6) lets a
controller that doubts an identity ask for what confirms it, and the EDPB
(Guidelines 01/2022 on the right of access) counts the time from when it
has it; following the link is that confirmation. One extension is
allowed, of one or two months, before the first month has run out.

**Handling.** Staff assign, change the status, write notes, extend, and
decide (granted or refused, with a reason emailed with the right to
complain to the supervisory authority). Where the requester is identified,
a closure request closes the account and an access request prepares a copy
of the data. Every step is a row of the request's append-only history
(:class:`~oscar_privacy.models.PrivacyRequestEvent`), notes encrypted.
Account recovery requests, also privacy requests, are decided on their own
page (:mod:`oscar_privacy.recovery`).

Signals: :data:`~oscar_privacy.signals.privacy_request_received` when a
request becomes actionable, :data:`~oscar_privacy.signals.privacy_request_decided`
after the decision.
"""

import logging

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Case, IntegerField, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from . import audit, request_mail
from .adapter import get_adapter
from .conf import app_settings
from .exceptions import PrivacyError
from .fields import is_readable
from .models import AccountClosure, PrivacyRequest, PrivacyRequestEvent, one_month_after
from .passwords import parse_rate
from .ratelimit import is_limited
from .signals import privacy_request_received

logger = logging.getLogger(__name__)

Kind = PrivacyRequest.Kind
Status = PrivacyRequest.Status
Decision = PrivacyRequest.Decision
Action = PrivacyRequestEvent.Action

PUBLIC_KINDS = (
    Kind.CLOSURE,
    Kind.ACCESS,
    Kind.RECTIFICATION,
    Kind.RESUBSCRIPTION,
    Kind.WITHDRAWAL,
    Kind.OTHER,
)
"""The kinds of request the contact form takes (account recovery has its own form)."""


class RequestError(PrivacyError, ValueError):
    """This cannot be done to this request; the message says why, to staff or the requester."""


def log_event(privacy_request, action, *, actor=None, note=None, **data):
    """Append a step to the request's history; ``note`` is encrypted, ``data`` is not personal."""
    actor = actor if actor is not None and actor.is_authenticated else None
    return PrivacyRequestEvent.objects.create(
        privacy_request=privacy_request,
        action=action,
        actor=actor,
        actor_label=get_adapter().get_actor_label(actor),
        status=privacy_request.status,
        note=note or None,
        data=data,
    )


def _email_after_commit(privacy_request, code, send, request):
    """Send an email once the transaction commits; a failure is logged, never raised.

    For the emails the requester's own action triggers: their answer page
    must be the same whether or not the mail server works (or the address exists).
    """

    def run():
        try:
            sent = send()
        except Exception:
            logger.exception("Email %s of privacy request #%s failed.", code, privacy_request.pk)
            return
        if sent:
            log_event(privacy_request, Action.EMAIL, email=code)

    transaction.on_commit(run)


def _became_actionable(privacy_request, request):
    privacy_request_received.send(
        sender=PrivacyRequest, privacy_request=privacy_request, request=request
    )
    _email_after_commit(
        privacy_request,
        request_mail.RECEIVED_EMAIL,
        lambda: request_mail.send_request_email(
            privacy_request, request_mail.RECEIVED_EMAIL, request=request
        ),
        request,
    )


def submit_request(kind, *, message, name="", email="", user=None, request=None):
    """Store a request from the contact form and return it.

    From a logged-in ``user``: linked to the account, sent from its
    registered address (``email`` is ignored), actionable at once and
    acknowledged by email. Otherwise: stored ``unconfirmed`` and a
    confirmation link is emailed to ``email``. ``name`` and ``message`` are
    kept encrypted. Raises :class:`RequestError` for an unknown kind or a
    visitor's request without an address.
    """
    if kind not in PUBLIC_KINDS:
        raise RequestError(_("Choose what your request is about."))
    details = {
        key: value.strip() for key, value in (("name", name), ("message", message)) if value.strip()
    }
    identified = user is not None and user.is_authenticated
    email = (user.email if identified else email or "").strip()
    if not identified and not email:
        raise RequestError(_("Give the email address we should answer to."))
    with transaction.atomic():
        privacy_request = PrivacyRequest.objects.create(
            kind=kind,
            user=user if identified else None,
            email=email,
            language=translation.get_language() or "",
            status=Status.RECEIVED if identified else Status.UNCONFIRMED,
            details=details,
        )
        log_event(privacy_request, Action.RECEIVED, actor=user if identified else None)
        audit.record(
            "request.received" if identified else "request.submitted",
            subject=user if identified else None,
            target=privacy_request,
            request=request,
            data={"kind": kind},
        )
        if identified:
            _became_actionable(privacy_request, request)
        else:
            _email_after_commit(
                privacy_request,
                request_mail.CONFIRM_EMAIL,
                lambda: request_mail.send_confirmation_link(privacy_request, request=request),
                request,
            )
    return privacy_request


def request_throttled(request, email):
    """Count one contact form request; ``True`` when over a rate limit (per IP, per address).

    Both limits count every request, known address or not, so the limit
    itself says nothing about accounts. An empty ``email`` (a form that did
    not validate) counts for the IP limit only.
    """
    over_ip = is_limited(
        request, group="oscar_privacy.privacy_request.ip", rate=app_settings.REQUEST_RATE_PER_IP
    )
    over_email = is_limited(
        request,
        group="oscar_privacy.privacy_request.email",
        rate=app_settings.REQUEST_RATE_PER_EMAIL,
        identifier=email or "",
    )
    return over_ip or over_email


def request_retry_after():
    """Seconds after which a throttled requester may try again: the longest rate window."""
    return max(
        parse_rate(app_settings.REQUEST_RATE_PER_IP)[1],
        parse_rate(app_settings.REQUEST_RATE_PER_EMAIL)[1],
    )


def account_for_address(email):
    """The one open customer account registered at ``email``, or ``None`` (none, or several).

    Inactive, closed, staff and superuser accounts are never chosen.
    """
    user_model = get_user_model()
    field = user_model.get_email_field_name()
    accounts = (
        user_model._default_manager.filter(
            **{f"{field}__iexact": email}, is_active=True, is_staff=False, is_superuser=False
        )
        .exclude(pk__in=AccountClosure.objects.values("user_id"))
        .order_by("pk")[:2]
    )
    accounts = list(accounts)
    return accounts[0] if len(accounts) == 1 else None


def confirm_request(token, *, request=None):
    """Make the request of a confirmation link actionable; returns it.

    The deadline becomes one month from now, the requester's account is
    identified from the confirmed address (:func:`account_for_address`) and
    an acknowledgement is emailed. Raises
    :class:`~oscar_privacy.request_mail.ConfirmationLinkError` for a forged,
    expired or used link: nothing changes then.
    """
    with transaction.atomic():
        privacy_request = request_mail.request_for_token(
            token, queryset=PrivacyRequest.objects.select_for_update()
        )
        now = timezone.now()
        account = account_for_address(privacy_request.email)
        privacy_request.status = Status.RECEIVED
        privacy_request.confirmed_at = now
        privacy_request.due_at = one_month_after(now)
        if account is not None:
            privacy_request.user = privacy_request.matched_user = account
        privacy_request.save()
        log_event(privacy_request, Action.CONFIRMED, identified=account is not None)
        audit.record(
            "request.confirmed",
            actor=None,
            subject=account,
            target=privacy_request,
            request=request,
            data={"kind": privacy_request.kind},
        )
        _became_actionable(privacy_request, request)
    return privacy_request


def read_details(privacy_request, *, request):
    """What the requester wrote, decrypted (``None`` if no key opens it); an audited read."""
    audit.record_read(
        "request.viewed", subject=privacy_request.user, target=privacy_request, request=request
    )
    details = privacy_request.details
    return (details or {}) if is_readable(details) else None


def request_queue():
    """Every privacy request, open ones first (soonest due first), then the newest.

    Annotated with ``deadline_at``: the deadline, extension included.
    """
    return PrivacyRequest.objects.annotate(
        deadline_at=Coalesce("extended_until", "due_at")
    ).order_by(
        Case(
            When(status__in=PrivacyRequest.OPEN_STATUSES, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        ),
        Case(When(status__in=PrivacyRequest.OPEN_STATUSES, then="deadline_at")).asc(
            nulls_last=True
        ),
        "-received_at",
        "-pk",
    )


def overdue(queryset, now=None):
    """The open requests of ``queryset`` (from :func:`request_queue`) past their deadline."""
    return queryset.filter(
        status__in=PrivacyRequest.OPEN_STATUSES, deadline_at__lt=now or timezone.now()
    )
