"""What email providers report, through django-anymail's webhooks.

:func:`on_tracking` receives anymail's ``tracking`` signal, sent by its
webhook views once each request has passed their check of
``ANYMAIL["WEBHOOK_SECRET"]`` (a forged request is refused with HTTP 400
before any signal). An unsubscription or a spam complaint takes the address
off the list at once, with a consent withdrawal recorded under the channel
``esp_webhook``; a hard bounce marks it bounced. Events are applied to the
state, not counted, so a duplicate changes nothing, and an event older than
the subscription's current state (a bounce from before a re-subscription)
is ignored. Unknown events are logged and ignored.

:func:`on_inbound` receives anymail's ``inbound`` signal: a message to
``NEWSLETTER_UNSUBSCRIBE_MAILTO`` whose subject holds a valid unsubscribe
token unsubscribes, as the ``mailto:`` link of ``List-Unsubscribe`` promises.
"""

import datetime
import logging
import re

from anymail.signals import EventType, RejectReason
from django.utils import timezone

from ..conf import app_settings
from . import tokens
from .addresses import address_hash, normalise
from .models import Channel, Subscription
from .subscriptions import end_subscription, unsubscribe

logger = logging.getLogger(__name__)

State = Subscription.State

EVENT_STATES = {
    EventType.UNSUBSCRIBED: State.UNSUBSCRIBED,
    EventType.COMPLAINED: State.COMPLAINED,
    EventType.BOUNCED: State.BOUNCED,  # anymail's "bounced" is permanent; "deferred" is not
}
REJECTION_STATES = {
    RejectReason.UNSUBSCRIBED: State.UNSUBSCRIBED,
    RejectReason.BOUNCED: State.BOUNCED,
}
"""A message the provider refused to send, because of what it knows of the address."""

TOKEN = re.compile(r"[0-9a-z]+:[A-Za-z0-9_-]{20,}")

CLOCK_TOLERANCE = datetime.timedelta(seconds=2)
"""Providers date events to the second, and their clocks are not ours."""

# anymail calls some temporary failures "bounced" (Postmark's SoftBounce, for
# one): the provider's own words say whether the mailbox is gone for good.
SOFT_BOUNCE_MARKERS = (
    ("Type", {"SoftBounce", "Transient", "DnsError"}),  # Postmark
    ("severity", {"temporary"}),  # Mailgun
    ("bounceType", {"Transient", "Undetermined"}),  # Amazon SES
    ("type", {"blocked"}),  # SendGrid: refused now, not a dead mailbox
)


def is_soft_bounce(event):
    """Whether a "bounced" event is a temporary failure, by what the provider sent."""
    raw = event.esp_event if isinstance(event.esp_event, dict) else {}
    bounce = raw.get("bounce") if isinstance(raw.get("bounce"), dict) else {}
    return any(
        source.get(key) in values for source in (raw, bounce) for key, values in SOFT_BOUNCE_MARKERS
    )


def state_for(event):
    """The state an anymail tracking event puts its address in, or ``None``."""
    if event.event_type == EventType.REJECTED:
        return REJECTION_STATES.get(event.reject_reason)
    if event.event_type == EventType.BOUNCED and is_soft_bounce(event):
        return None
    return EVENT_STATES.get(event.event_type)


def on_tracking(sender, event, esp_name, **kwargs):
    """anymail's ``tracking`` signal: apply what the provider says of an address."""
    state = state_for(event)
    if state is None:
        if event.event_type == EventType.UNKNOWN:
            # Never the address in the log: the event id is enough to find it at the provider.
            logger.warning("Ignored an unknown event from %s (id %s).", esp_name, event.event_id)
        return
    if not event.recipient:
        logger.warning("Ignored a %s event from %s without a recipient.", state, esp_name)
        return
    apply_event(
        event.recipient,
        state,
        esp_name=esp_name,
        occurred_at=event.timestamp,
        detail=f"{esp_name}: {event.event_type}",
    )


def apply_event(email, state, *, esp_name, occurred_at=None, detail=""):
    """Put ``email`` in ``state`` (unsubscribed, complained, bounced), as a provider reported.

    Returns ``"applied"``, ``"suppressed"`` (an address the shop did not
    have, added to the suppression list so that no import brings it in),
    or ``"ignored"``.
    """
    email_hash = address_hash(normalise(email))
    subscription = Subscription.objects.select_related("user").filter(email_hash=email_hash).first()
    if subscription is None:
        if state not in Subscription.OPPOSED:
            return "ignored"  # a bounce of a service email to a non-subscriber
        now = timezone.now()
        Subscription.objects.bulk_create(
            [
                Subscription(
                    email_hash=email_hash,
                    state=state,
                    source=Channel.ESP,
                    created_at=now,
                    requested_at=now,
                    changed_at=now,
                    ended_via=Channel.ESP,
                    ended_detail=detail[:100],
                )
            ],
            ignore_conflicts=True,
        )
        return "suppressed"
    if subscription.state not in Subscription.ACTIVE:
        return "ignored"  # a duplicate, or news of an address already off the list
    if occurred_at is not None and occurred_at < subscription.changed_at - CLOCK_TOLERANCE:
        return "ignored"  # older than the current state: a re-subscription came after it
    changed = end_subscription(subscription, via=Channel.ESP, state=state, detail=detail)
    return "applied" if changed else "ignored"


def on_inbound(sender, event, esp_name, **kwargs):
    """anymail's ``inbound`` signal: an email to the unsubscribe address."""
    mailbox = app_settings.NEWSLETTER_UNSUBSCRIBE_MAILTO
    message = event.message
    if not mailbox or message is None:
        return
    recipients = {normalise(address.addr_spec).casefold() for address in message.to}
    if normalise(mailbox).casefold() not in recipients:
        return
    for candidate in TOKEN.findall(message.subject or ""):
        try:
            subscription_id = tokens.read_unsubscribe_token(candidate)
        except tokens.BadToken:
            continue
        unsubscribe(subscription_id, via=Channel.MAILTO)
        return
    logger.info("An email to the unsubscribe address from %s held no valid token.", esp_name)
