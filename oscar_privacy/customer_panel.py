"""The privacy panel of a customer's page in Oscar's dashboard, and what staff do from it.

:func:`privacy_panel` gathers what staff see about one customer's privacy:
their consents (the latest record of each purpose), the copies of their data
prepared, whether the account is closed and until when its order data is
held, the last password reset link sent, and their privacy requests. A fixed
number of queries, however long the customer's history.

:func:`prepare_export_for` and :func:`close_customer_account` are the two
staff actions of the panel; the privacy request queue uses them too. Each
is in the audit trail (the services they call record their own events).
"""

from dataclasses import dataclass, field

from django.db.models import Q
from django.utils.translation import gettext as _

from . import audit
from .adapter import get_adapter
from .closure import ClosureError, close_account, closure_refusal
from .exceptions import PrivacyError
from .export import ExportLimitReached, exports_url_for, request_export
from .models import (
    AccountClosure,
    AuditEvent,
    ConsentPurpose,
    ConsentRecord,
    DataExport,
    PrivacyRequest,
)
from .signals import customer_panel_rows

ROWS_SHOWN = 10
"""Exports and requests listed on the panel, newest first."""


class StaffActionError(PrivacyError, ValueError):
    """Staff cannot do this to this customer; the message says why, to staff."""


@dataclass
class PrivacyPanel:
    """What the panel shows about one customer."""

    customer: object
    consents: list = field(default_factory=list)
    exports: list = field(default_factory=list)
    closure: object = None
    closure_refusal: str = ""
    last_password_reset: object = None
    requests: list = field(default_factory=list)
    extra_rows: list = field(default_factory=list)
    """``(label, text)`` pairs from the receivers of ``customer_panel_rows``."""


def privacy_panel(customer, *, rows=ROWS_SHOWN):
    """The :class:`PrivacyPanel` of ``customer``: one query per consent purpose, four more.

    ``consents`` has one ``(purpose label, latest record or None)`` pair per
    purpose; ``requests`` are the customer's own and those identified as theirs;
    ``extra_rows`` what other apps add through ``customer_panel_rows`` (the
    newsletter: one query).
    """
    consents = [
        (label, ConsentRecord.objects.filter(user=customer, purpose=purpose).first())
        for purpose, label in ConsentPurpose.choices
    ]
    closure = AccountClosure.objects.filter(user=customer).first()
    extra_rows = [
        row
        for _receiver, rows in customer_panel_rows.send(sender=PrivacyPanel, customer=customer)
        for row in rows or ()
    ]
    return PrivacyPanel(
        customer=customer,
        consents=consents,
        exports=list(DataExport.objects.filter(owner=customer)[:rows]),
        closure=closure,
        closure_refusal=_closure_refusal(customer, closure),
        last_password_reset=AuditEvent.objects.filter(
            subject=customer, action="password.reset_link_sent"
        ).first(),
        requests=list(
            PrivacyRequest.objects.filter(Q(user=customer) | Q(matched_user=customer))
            .defer("details")
            .order_by("-received_at", "-pk")[:rows]
        ),
        extra_rows=extra_rows,
    )


def _closure_refusal(customer, closure):
    if get_adapter().is_protected_user(customer):
        return _("Staff and superuser accounts are not closed from the dashboard.")
    if closure is not None:
        return _("This account is already closed.")
    return ""


def record_panel_view(customer, *, request):
    """Put staff's look at ``customer``'s privacy panel in the audit trail."""
    return audit.record_read("customer.privacy_viewed", subject=customer, request=request)


def prepare_export_for(customer, *, actor, request, privacy_request=None):
    """Prepare a copy of ``customer``'s data for them; ``(export, created)``.

    The copy is built in the background and handed over as if the customer
    had asked: the email goes to their registered address and they download
    it from My Account, after typing their password again. Staff never get
    the archive. ``privacy_request`` is the request it answers, if any.
    Raises :class:`StaffActionError` for a closed account or when the
    customer already had too many copies made today.
    """
    if AccountClosure.objects.filter(user=customer).exists():
        raise StaffActionError(_("This account is closed: there is no data left to copy."))
    try:
        export, created = request_export(
            customer, exports_url=exports_url_for(request), request=request
        )
    except ExportLimitReached as exc:
        raise StaffActionError(
            _("Too many copies of this customer's data were prepared today: try again tomorrow.")
        ) from exc
    audit.record(
        "export.prepared_for_customer",
        actor=actor,
        subject=customer,
        target=export,
        request=request,
        data={
            "privacy_request": privacy_request.pk if privacy_request is not None else None,
            "created": created,
        },
    )
    return export, created


def close_customer_account(customer, *, actor, reason, request, channel=None):
    """Close ``customer``'s account on behalf of ``actor``; returns the closure.

    ``channel`` defaults to ``AccountClosure.Channel.STAFF``; a privacy
    request passes ``REQUEST``. Raises :class:`StaffActionError` without a
    reason, for staff and superuser accounts and for a closed account.
    """
    reason = (reason or "").strip()
    if not reason:
        raise StaffActionError(_("Give the reason for closing the account."))
    refusal = _closure_refusal(customer, None) or closure_refusal(customer)
    if refusal:
        raise StaffActionError(str(refusal))
    try:
        return close_account(
            customer,
            channel=channel or AccountClosure.Channel.STAFF,
            actor=actor,
            reason=reason,
            request=request,
        )
    except ClosureError as exc:
        raise StaffActionError(str(exc)) from exc
