"""What email providers report, through django-anymail's webhooks.

:func:`on_tracking` receives anymail's ``tracking`` signal, sent by its
webhook views once each request has passed their check of
``ANYMAIL["WEBHOOK_SECRET"]`` (a forged request is refused with HTTP 400
before any signal). An unsubscription or a spam complaint takes the address
off the list at once, with a consent withdrawal recorded under the channel
``esp_webhook``; a hard bounce marks it bounced. Events are applied to the
state, not counted, so a duplicate changes nothing, and an event older than
the subscription's current state (a bounce from before a re-subscription)
is ignored. Unknown events are logged and ignored, and so is a malformed
one; what each provider's words mean (a soft bounce is not a hard one) is
in :mod:`.providers`.

:func:`on_inbound` receives anymail's ``inbound`` signal: a message to
``NEWSLETTER_UNSUBSCRIBE_MAILTO`` whose subject holds a valid unsubscribe
token unsubscribes, as the ``mailto:`` link of ``List-Unsubscribe`` promises.
"""

import contextlib
import contextvars
import datetime
import functools
import logging
import re
from dataclasses import dataclass

from anymail.signals import EventType
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from ..conf import app_settings
from ..consent import record_consents_of_many
from ..models import ConsentAction, ConsentChannel, ConsentPurpose
from . import tokens
from .addresses import address_hash, normalise
from .models import Channel, Subscription
from .providers import state_for
from .subscriptions import own_records, unsubscribe

logger = logging.getLogger(__name__)

State = Subscription.State

TOKEN = re.compile(r"[0-9a-z]+:[A-Za-z0-9_-]{20,}")

CHUNK = 1000
"""Addresses read per query when a batch of events is applied."""

CLOCK_TOLERANCE = datetime.timedelta(seconds=2)
"""Providers date events to the second, and their clocks are not ours."""

MAX_ADDRESS_LENGTH = 254


def on_tracking(sender, event, esp_name, **kwargs):
    """anymail's ``tracking`` signal: apply what the provider says of an address.

    A malformed event (a recipient that is not an address, a date that is
    not one…) is skipped and logged, never the address: the other events of
    the request still apply, and the provider is not made to retry them all.
    """
    report = read_event(event, esp_name)
    if report is not None:
        apply_event(
            report.email,
            report.state,
            esp_name=esp_name,
            occurred_at=report.occurred_at,
            detail=report.detail,
        )


def read_event(event, esp_name):
    """The :class:`Report` of an anymail tracking event; ``None``: nothing to do, or malformed."""
    try:
        state = state_for(event, esp_name)
        if state is None:
            if event.event_type == EventType.UNKNOWN:
                # Never the address in the log: the event id is enough to find it.
                logger.warning(
                    "Ignored an unknown event from %s (id %s).", esp_name, event.event_id
                )
            return None
        recipient = event.recipient
        if not _is_address(recipient):
            logger.warning(
                "Skipped a %s event from %s (id %s): its recipient is not an address (%s).",
                state,
                esp_name,
                event.event_id,
                type(recipient).__name__,
            )
            return None
        return Report(
            recipient, state, _moment_of(event.timestamp), f"{esp_name}: {event.event_type}"
        )
    except Exception as error:  # one event must not fail the others
        logger.warning(
            "Skipped a malformed event from %s (id %r): %s.",
            esp_name,
            getattr(event, "event_id", None),
            type(error).__name__,
        )
        return None


def _is_address(value):
    return isinstance(value, str) and "@" in value and 3 <= len(value.strip()) <= MAX_ADDRESS_LENGTH


def _moment_of(timestamp):
    """An aware datetime, or ``None``: a provider's date must never break the batch's ordering."""
    if not isinstance(timestamp, datetime.datetime):
        return None
    if timezone.is_naive(timestamp):
        return timestamp.replace(tzinfo=datetime.UTC)
    return timestamp


@dataclass(frozen=True)
class Report:
    """What an email provider said of one address: the state it puts it in, when, and how."""

    email: str
    state: str
    occurred_at: datetime.datetime | None = None
    detail: str = ""


_batch = contextvars.ContextVar("oscar_privacy_newsletter_event_batch", default=None)


@contextlib.contextmanager
def batched():
    """Collect the events received inside, and apply them together when it closes.

    :func:`batched_webhook` opens one around each of anymail's webhook
    views: the events of one request cost a few queries in all. They are
    applied even if the view fails later on (another receiver of the signal
    raised): the provider retries the whole request, and applying an event
    twice changes nothing.
    """
    reports = []
    marker = _batch.set(reports)
    try:
        yield reports
    finally:
        _batch.reset(marker)
        if reports:
            apply_reports(reports)


def batched_webhook(view):
    """``view`` (one of anymail's webhook views) with its events applied together."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        with batched():
            return view(request, *args, **kwargs)

    wrapper.oscar_privacy_batched = True  # what check oscar_privacy.E028 looks for
    return wrapper


def apply_event(email, state, *, esp_name="", occurred_at=None, detail=""):
    """Put ``email`` in ``state`` (unsubscribed, complained, bounced), as a provider reported.

    Inside :func:`batched` the report waits for the others of its request;
    otherwise it is applied now (three queries).
    """
    report = Report(email, state, occurred_at, detail)
    reports = _batch.get()
    if reports is not None:
        reports.append(report)
    else:
        apply_reports([report])


def apply_reports(reports):
    """Apply providers' reports in a few queries, whatever their number.

    Returns counts: ``applied``, ``suppressed`` (addresses the shop did
    not have that unsubscribed or complained: added to the suppression list,
    so that no import brings them in) and ``ignored`` (duplicates, news of
    addresses already off the list, events older than the current state,
    bounces of addresses the shop does not have).
    """
    counts = {"applied": 0, "suppressed": 0, "ignored": 0}
    by_hash = {}
    for report in sorted(reports, key=_moment):
        by_hash.setdefault(address_hash(report.email), []).append(report)
    now = timezone.now()
    with transaction.atomic():
        found = {}
        keys = list(by_hash)
        for start in range(0, len(keys), CHUNK):
            rows = (
                Subscription.objects.select_for_update()
                .filter(email_hash__in=keys[start : start + CHUNK])
                .values_list("email_hash", "pk", "state", "changed_at", "email", "user_id")
            )
            found.update({row[0]: row[1:] for row in rows})
        changes, strangers, withdrawals = {}, [], []
        for key, address_reports in by_hash.items():
            if key not in found:
                opposed = [r for r in address_reports if r.state in Subscription.OPPOSED]
                if opposed:
                    strangers.append(_suppression_entry(key, opposed[0], now))
                counts["suppressed" if opposed else "ignored"] += len(address_reports)
                continue
            pk, state, changed_at, email, user_id = found[key]
            report = (
                next((r for r in address_reports if not _predates(r, changed_at)), None)
                if state in Subscription.ACTIVE
                else None
            )
            if report is None:
                counts["ignored"] += len(address_reports)
                continue
            counts["applied"] += 1
            counts["ignored"] += len(address_reports) - 1
            changes.setdefault((report.state, report.detail[:100]), []).append(pk)
            if report.state in Subscription.OPPOSED and email:
                withdrawals.append((user_id, email))
        for (state, detail), pks in changes.items():
            Subscription.objects.filter(pk__in=pks).update(
                state=state,
                email="",
                changed_at=now,
                ended_via=Channel.ESP,
                ended_detail=detail,
                generation=F("generation") + 1,
            )
        if strangers:
            Subscription.objects.bulk_create(strangers, ignore_conflicts=True)
        with own_records():
            record_consents_of_many(
                withdrawals,
                [(ConsentPurpose.NEWSLETTER, ConsentAction.WITHDRAWN, None)],
                channel=ConsentChannel.ESP_WEBHOOK,
            )
    return counts


def _moment(report):
    return report.occurred_at or datetime.datetime.max.replace(tzinfo=datetime.UTC)


def _predates(report, changed_at):
    """Whether ``report`` happened before the subscription's current state began."""
    return report.occurred_at is not None and report.occurred_at < changed_at - CLOCK_TOLERANCE


def _suppression_entry(key, report, now):
    return Subscription(
        email_hash=key,
        state=report.state,
        source=Channel.ESP,
        created_at=now,
        requested_at=now,
        changed_at=now,
        ended_via=Channel.ESP,
        ended_detail=report.detail[:100],
    )


def on_inbound(sender, event, esp_name, **kwargs):
    """anymail's ``inbound`` signal: an email to the unsubscribe address."""
    mailbox = app_settings.NEWSLETTER_UNSUBSCRIBE_MAILTO
    message = getattr(event, "message", None)
    if not mailbox or message is None:
        return
    try:
        recipients = {normalise(address.addr_spec).casefold() for address in message.to}
        candidates = TOKEN.findall(message.subject or "")
    except Exception as error:  # a malformed message is skipped
        logger.warning(
            "Skipped a malformed inbound email from %s: %s.", esp_name, type(error).__name__
        )
        return
    if normalise(mailbox).casefold() not in recipients:
        return
    for candidate in candidates:
        try:
            subscription_id = tokens.read_unsubscribe_token(candidate)
        except tokens.BadToken:
            continue
        unsubscribe(subscription_id, via=Channel.MAILTO)
        return
    logger.info("An email to the unsubscribe address from %s held no valid token.", esp_name)
