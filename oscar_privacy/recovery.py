"""Account recovery: for someone who lost both their login and the email address of their account.

The policy's answer to that loss: the person tells the shop their first and
last name and any other facts they remember (postcode, phone, an order
number, the date of their last order, an email address they may have used);
staff reconcile them with the accounts; if one matches, a password reset
link goes to the address *registered on that account*, never to an address
the requester gives. So a stranger who guesses facts gains nothing: the link
reaches the account's owner.

:func:`submit_recovery_request` stores the facts (encrypted: they are
personal data of someone not yet identified) as a :class:`PrivacyRequest`
of kind ``recovery``; nothing is sent to anyone. :func:`candidates` scores
the accounts against the facts, in two queries; :func:`decide` records
staff's decision and, on a match, sends the reset link through
:func:`oscar_privacy.passwords.send_reset_link`. Everything is audited.
"""

import datetime
import logging

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import audit
from .conf import app_settings
from .exceptions import PasswordResetRefused, PrivacyError
from .fields import is_readable
from .models import PrivacyRequest
from .passwords import ResetChannel, parse_rate, send_reset_link
from .ratelimit import is_limited
from .recovery_matching import (  # noqa: F401 (FACTS, Candidate and phone_key are this API)
    FACTS,
    PHONE_DIGITS,
    STRONG_FACTS,
    Candidate,
    phone_key,
    score_accounts,
)
from .requests import request_queue
from .signals import privacy_request_decided, privacy_request_received

logger = logging.getLogger(__name__)

CANDIDATES_SHOWN = 10
"""How many candidate accounts staff see, best first."""

DETAIL_KEYS = (*FACTS, "message")
"""Everything stored in ``PrivacyRequest.details`` for a recovery request."""


class RecoveryError(PrivacyError, ValueError):
    """The decision cannot be taken; the message says why, to staff."""


class UnreadableRequest(RecoveryError):
    """The request's details cannot be decrypted with the configured keys."""


def clean_details(data):
    """Keep the known keys of ``data``, as stripped text (dates in ISO 8601)."""
    details = {}
    for key in DETAIL_KEYS:
        value = data.get(key)
        if isinstance(value, datetime.date):
            value = value.isoformat()
        value = str(value or "").strip()
        if value:
            details[key] = value
    return details


@transaction.atomic
def submit_recovery_request(details, *, request=None):
    """Store a recovery request with the facts the person gave, and return it.

    ``details`` is a dict with the keys of :data:`DETAIL_KEYS` (first and
    last name at least). Nothing is sent: the requester gave no address the
    shop may trust, and the answer they see is the same whatever happens.
    """
    details = clean_details(details)
    if not details.get("first_name") or not details.get("last_name"):
        raise RecoveryError("A recovery request needs a first and a last name.")
    privacy_request = PrivacyRequest.objects.create(
        kind=PrivacyRequest.Kind.RECOVERY, details=details
    )
    audit.record(
        "recovery.requested",
        actor=None,
        target=privacy_request,
        request=request,
        data={"facts": sorted(key for key in details if key in FACTS)},
    )
    privacy_request_received.send(
        sender=PrivacyRequest, privacy_request=privacy_request, request=request
    )
    return privacy_request


def recovery_request_throttled(request):
    """Count one recovery request from ``request``'s IP address; ``True`` when over the limit."""
    return is_limited(
        request, group="oscar_privacy.recovery.ip", rate=app_settings.RECOVERY_RATE_PER_IP
    )


def recovery_retry_after():
    """Seconds after which a throttled requester may try again: the rate's window."""
    return parse_rate(app_settings.RECOVERY_RATE_PER_IP)[1]


def recovery_requests():
    """The recovery requests, in the order of the privacy request queue.

    Open ones first, soonest deadline first (extension included), then the newest.
    """
    return request_queue().filter(kind=PrivacyRequest.Kind.RECOVERY)


def candidates(privacy_request, limit=CANDIDATES_SHOWN):
    """The accounts that may be the requester's, best first, as :class:`Candidate` objects.

    Two queries whatever the number of accounts, orders or addresses (see
    ``oscar_privacy.recovery_matching``). An account is listed when one
    of :data:`STRONG_FACTS` matches, or two facts; staff, superusers,
    inactive and closed accounts and accounts without an email address
    never are (no reset link could go to them). Names and email compare
    without case, postcodes without spaces or hyphens, phones on their last
    :data:`PHONE_DIGITS` digits, the date of the last order within
    ``OSCAR_PRIVACY_RECOVERY_DATE_TOLERANCE_DAYS``. Raises
    :class:`UnreadableRequest` if the details cannot be decrypted.
    """
    details = privacy_request.details
    if not is_readable(details):
        raise UnreadableRequest("The request cannot be decrypted with the configured keys.")
    return score_accounts(details or {}, limit)


def decide(privacy_request, *, actor, matched_user=None, reason, request=None):
    """Record staff's decision on a recovery request; on a match, send the reset link.

    ``matched_user`` is the account identified (``None``: no match) and must
    be one of :func:`candidates`. The link goes to that account's registered
    address; nothing is sent otherwise. Raises :class:`RecoveryError` if the
    request was already decided, the account is not a candidate or no link
    may be sent to it; nothing changes then.
    """
    reason = (reason or "").strip()
    if not reason:
        raise RecoveryError(_("Give the reason for the decision."))
    with transaction.atomic():
        locked = PrivacyRequest.objects.select_for_update().get(
            pk=privacy_request.pk, kind=PrivacyRequest.Kind.RECOVERY
        )
        if locked.decision or not locked.is_open:
            raise RecoveryError(_("This request has already been decided."))
        if matched_user is not None:
            if matched_user.pk not in {c.user.pk for c in candidates(locked)}:
                raise RecoveryError(_("This account is not among the candidates."))
        locked.decision = (
            PrivacyRequest.Decision.MATCH
            if matched_user is not None
            else PrivacyRequest.Decision.NO_MATCH
        )
        locked.status = PrivacyRequest.Status.DONE
        locked.decision_reason = reason
        locked.decided_at = timezone.now()
        locked.decided_by = actor
        locked.matched_user = matched_user
        if matched_user is not None:
            # The person is now identified: the request becomes part of their data.
            locked.user = matched_user
        locked.save()
        audit.record(
            "recovery.decided",
            actor=actor,
            subject=matched_user,
            target=locked,
            reason=reason,
            request=request,
            data={"decision": locked.decision},
        )
        if matched_user is not None:
            try:
                send_reset_link(
                    matched_user,
                    request=request,
                    channel=ResetChannel.RECOVERY,
                    actor=actor,
                    reason=reason,
                )
            except PasswordResetRefused as exc:
                raise RecoveryError(_("No reset link can be sent to this account.")) from exc
            except Exception as exc:
                # The email backend failed: the decision is rolled back, staff may try again.
                logger.exception("Account recovery: the reset link could not be sent.")
                raise RecoveryError(
                    _("The email could not be sent; nothing was recorded. Try again later.")
                ) from exc
    privacy_request_decided.send(sender=PrivacyRequest, privacy_request=locked, request=request)
    privacy_request.refresh_from_db()
    return locked
