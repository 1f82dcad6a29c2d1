"""Staff handling of privacy requests: assign, status, notes, extension, decision, actions.

Each function locks the request, checks that staff may act on it now
(confirmed, not an account recovery request, still open unless said
otherwise), changes it and appends the step to its history
(:func:`oscar_privacy.requests.log_event`). Emails that tell the requester
something (extension, decision) are sent inside the transaction: if the
mail server fails, nothing is recorded and staff may try again. The
dashboard calls these; so may a shop's own tools. See
:mod:`oscar_privacy.requests` for the legal clock and the rules.
"""

import logging
from contextlib import contextmanager

from dateutil.relativedelta import relativedelta
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from . import audit, request_mail
from .customer_panel import StaffActionError, close_customer_account, prepare_export_for
from .models import AccountClosure, PrivacyRequest
from .requests import Action, Decision, Kind, RequestError, Status, log_event
from .signals import privacy_request_decided

logger = logging.getLogger(__name__)

EXTENSION_MONTHS = (1, 2)
"""How far one extension may push the deadline (GDPR Art. 12(3): two months at most)."""

HANDLE_PERMISSION = "oscar_privacy.change_privacyrequest"
"""The permission of staff who handle privacy requests (and may be assigned one)."""


@contextmanager
def _handling(privacy_request, *, open_only=True):
    """The request, locked, if staff may act on it now; ``RequestError`` otherwise."""
    with transaction.atomic():
        locked = PrivacyRequest.objects.select_for_update().get(pk=privacy_request.pk)
        if locked.kind == Kind.RECOVERY:
            raise RequestError(_("Account recovery requests are decided on their own page."))
        if locked.status == Status.UNCONFIRMED:
            raise RequestError(
                _("The requester has not confirmed this request yet: it cannot be handled.")
            )
        if open_only and not locked.is_open:
            raise RequestError(_("This request has already been answered."))
        yield locked


def may_handle(user):
    """Whether ``user`` is staff allowed to handle privacy requests (and be assigned one)."""
    return bool(user.is_active and user.is_staff and user.has_perm(HANDLE_PERMISSION))


def handlers():
    """The active staff who may handle privacy requests, by login name."""
    user_model = get_user_model()
    app_label, codename = HANDLE_PERMISSION.split(".")
    permission = Permission.objects.filter(codename=codename, content_type__app_label=app_label)
    return (
        user_model._default_manager.filter(is_active=True, is_staff=True)
        .filter(
            Q(is_superuser=True)
            | Q(user_permissions__in=permission)
            | Q(groups__permissions__in=permission)
        )
        .distinct()
        .order_by(user_model.USERNAME_FIELD)
    )


def assign(privacy_request, assignee, *, actor, request=None):
    """Give ``privacy_request`` to ``assignee`` (``None``: to nobody). Returns the request.

    ``assignee`` must be staff who may handle requests (:func:`may_handle`).
    """
    if assignee is not None and not may_handle(assignee):
        raise RequestError(_("This person may not handle privacy requests."))
    with _handling(privacy_request) as locked:
        if locked.assignee_id == getattr(assignee, "pk", None):
            return locked  # a second click: nothing to record
        locked.assignee = assignee
        locked.save(update_fields=["assignee"])
        log_event(locked, Action.ASSIGNED, actor=actor, assignee=getattr(assignee, "pk", None))
    return locked


def change_status(privacy_request, status, *, actor, note="", request=None):
    """Set an open request's status to received or in progress, with an optional note.

    Answering it is :func:`decide`, which tells the requester.
    """
    if status not in PrivacyRequest.OPEN_STATUSES:
        raise RequestError(_("Answer the request with a decision, which tells the requester."))
    with _handling(privacy_request) as locked:
        if locked.status == status:
            raise RequestError(_("The request already has this status."))
        previous, locked.status = locked.status, status
        locked.save(update_fields=["status"])
        log_event(locked, Action.STATUS, actor=actor, note=note.strip(), previous=previous)
    return locked


def add_note(privacy_request, note, *, actor, request=None):
    """Add a note (kept encrypted) to the request's history; answered requests too."""
    note = (note or "").strip()
    if not note:
        raise RequestError(_("Write the note."))
    with _handling(privacy_request, open_only=False) as locked:
        log_event(locked, Action.NOTE, actor=actor, note=note)
    return locked


def _send_or_roll_back(privacy_request, code, request, **context):
    """Email the requester inside the transaction: if it fails, nothing is recorded."""
    try:
        sent = request_mail.send_request_email(privacy_request, code, request=request, **context)
    except Exception as exc:
        logger.exception("Email %s of privacy request #%s failed.", code, privacy_request.pk)
        raise RequestError(
            _("The email could not be sent; nothing was recorded. Try again later.")
        ) from exc
    if sent:
        log_event(privacy_request, Action.EMAIL, email=code)


def extend(privacy_request, *, months, reason, actor, request=None):
    """Extend the deadline by ``months`` (1 or 2), once, and tell the requester why.

    Only within the first month (Art. 12(3) requires the requester to be
    told within it). Raises :class:`~oscar_privacy.requests.RequestError`
    otherwise, or without a reason.
    """
    reason = (reason or "").strip()
    if months not in EXTENSION_MONTHS:
        raise RequestError(_("A deadline can be extended by one or two months only."))
    if not reason:
        raise RequestError(_("Give the reason for the extension: the requester is told."))
    with _handling(privacy_request) as locked:
        if locked.extended_until is not None:
            raise RequestError(_("The deadline of this request has already been extended."))
        if locked.due_at < timezone.now():
            raise RequestError(
                _(
                    "Too late: an extension must be announced within the first month "
                    "(GDPR Art. 12(3)). Answer the request now."
                )
            )
        locked.extended_until = locked.due_at + relativedelta(months=months)
        locked.extension_reason = reason
        locked.save(update_fields=["extended_until", "extension_reason"])
        log_event(locked, Action.EXTENDED, actor=actor, note=reason, months=months)
        audit.record(
            "request.extended",
            actor=actor,
            subject=locked.user,
            target=locked,
            reason=reason,
            request=request,
            data={"months": months},
        )
        _send_or_roll_back(locked, request_mail.EXTENDED_EMAIL, request)
    return locked


def decide(privacy_request, *, decision, reason, actor, request=None):
    """Answer the request: granted (done) or refused, with ``reason``; the requester is emailed.

    The email carries the reason and the right to complain to the
    supervisory authority. Raises :class:`~oscar_privacy.requests.RequestError` for an answered
    request, an unknown decision or no reason; nothing changes then, nor if
    the email fails.
    """
    reason = (reason or "").strip()
    if decision not in (Decision.GRANTED, Decision.REFUSED):
        raise RequestError(_("Choose whether the request is granted or refused."))
    if not reason:
        raise RequestError(_("Give the reason for the decision: the requester is told."))
    with _handling(privacy_request) as locked:
        locked.decision = decision
        locked.status = Status.DONE if decision == Decision.GRANTED else Status.REFUSED
        locked.decision_reason = reason
        locked.decided_at = timezone.now()
        locked.decided_by = actor
        locked.save()
        log_event(locked, Action.DECIDED, actor=actor, decision=decision)
        audit.record(
            "request.decided",
            actor=actor,
            subject=locked.user,
            target=locked,
            reason=reason,
            request=request,
            data={"kind": locked.kind, "decision": decision},
        )
        code = (
            request_mail.GRANTED_EMAIL
            if decision == Decision.GRANTED
            else request_mail.REFUSED_EMAIL
        )
        _send_or_roll_back(locked, code, request)
    privacy_request_decided.send(sender=PrivacyRequest, privacy_request=locked, request=request)
    return locked


def _identified(locked, kind):
    if locked.kind != kind:
        raise RequestError(_("This action does not apply to this kind of request."))
    if locked.user is None:
        raise RequestError(
            _("The requester is not identified with an account: handle the request by hand.")
        )
    return locked.user


def _started(locked):
    if locked.status == Status.RECEIVED:
        locked.status = Status.IN_PROGRESS
        locked.save(update_fields=["status"])


def close_requester_account(privacy_request, *, reason, actor, request=None):
    """Close the account of the requester of a closure request; returns the closure.

    :func:`oscar_privacy.closure.close_account` with the ``request``
    channel; the request stays open for staff to answer with :func:`decide`.
    """
    with _handling(privacy_request) as locked:
        account = _identified(locked, Kind.CLOSURE)
        try:
            closure = close_customer_account(
                account,
                actor=actor,
                reason=reason,
                request=request,
                channel=AccountClosure.Channel.REQUEST,
            )
        except StaffActionError as exc:
            raise RequestError(str(exc)) from exc
        _started(locked)
        log_event(
            locked, Action.ACCOUNT_CLOSED, actor=actor, note=reason.strip(), closure=closure.pk
        )
    return closure


def prepare_requester_export(privacy_request, *, actor, request):
    """Prepare a copy of the data of the requester of an access request; returns the export.

    The customer is emailed when it is ready and downloads it from My Account.
    """
    with _handling(privacy_request) as locked:
        account = _identified(locked, Kind.ACCESS)
        try:
            export, _created = prepare_export_for(
                account, actor=actor, request=request, privacy_request=locked
            )
        except StaffActionError as exc:
            raise RequestError(str(exc)) from exc
        _started(locked)
        log_event(locked, Action.EXPORT, actor=actor, export=str(export.pk))
    return export
