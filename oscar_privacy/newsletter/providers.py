"""What each email provider's events mean for the newsletter, in the provider's own words.

django-anymail turns every provider's webhook calls into events of a few
types, but keeps some of the provider's distinctions only in the raw event
(``event.esp_event``): several providers call a temporary failure a
"bounce" (Brevo's ``soft_bounce``, MailerSend's ``soft_bounced``, Mandrill's
``soft_bounce``, SparkPost's soft bounce classes, Resend's ``Transient``
bounces, Postmark's ``SoftBounce``). A subscription ends as *bounced* only
when the provider says the mailbox is gone for good; a full mailbox, a
block by the receiving server or a message refused for its content change
nothing (the provider retries, or the next newsletter may pass).

:func:`state_for` gives the state an event puts its address in. The rules
per provider are in :data:`PERMANENT_BOUNCE`, keyed by anymail's
``esp_name``; a provider anymail adds later falls back to
:func:`looks_soft`, which reads the usual words for a temporary failure.
"""

from anymail.signals import EventType, RejectReason

from .models import Subscription

State = Subscription.State


def _get(data, *path):
    """``data[path[0]][path[1]]…``, or ``None`` where a step is missing or not a mapping."""
    for key in path:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def _amazon_ses(raw):
    # SES notification: bounce.bounceType is Permanent, Transient or Undetermined.
    return _get(raw, "bounce", "bounceType") == "Permanent"


def _brevo(raw):
    # "hard_bounce", "soft_bounce", "invalid_email" (an address that cannot exist).
    return raw.get("event") in ("hard_bounce", "invalid_email")


def _mailersend(raw):
    # data.type is "hard_bounced" or "soft_bounced".
    return _get(raw, "data", "type") == "hard_bounced"


def _mailgun(raw):
    data = raw.get("event-data")
    if isinstance(data, dict):
        # "failed" events have a severity; anymail already calls the temporary ones deferred.
        return data.get("severity") != "temporary"
    # Legacy webhooks (a form post): "bounced" is permanent; "dropped" only as "hardfail"
    # (as "old", Mailgun gave up retrying a temporary failure).
    return raw.get("event") != "dropped" or raw.get("reason") == "hardfail"


def _mailjet(raw):
    # "bounce" events say hard_bounce true or false; "blocked" ones (pre-send) say nothing.
    return raw.get("hard_bounce") is not False


def _mailtrap(raw):
    # "soft bounce" is deferred in anymail; a "bounce" has a bounce_category.
    return raw.get("bounce_category") in (None, "hard")


def _mandrill(raw):
    return raw.get("event") == "hard_bounce"


def _postal(raw):
    # MessageBounced (a bounce message for a delivered message) and, below, HardFail.
    return True


def _postmark(raw):
    if raw.get("RecordType") == "SubscriptionChange":
        return raw.get("SuppressionReason") == "HardBounce"
    # SoftBounce, VirusNotification… are not a dead mailbox.
    return raw.get("Type") in ("HardBounce", "BadEmailAddress")


def _resend(raw):
    bounce = _get(raw, "data", "bounce") or {}
    kind = bounce.get("type") if isinstance(bounce, dict) else None
    if kind:
        return kind == "Permanent"  # "Transient", "Undetermined"
    # Older payloads hold only a message: a hard bounce, or Resend's suppression list.
    message = str(bounce.get("message") or "") if isinstance(bounce, dict) else ""
    return "hard bounce" in message or "suppressed sending" in message


def _sendgrid(raw):
    # A "bounce" event's type is "bounce" or "blocked" (the receiving server's block).
    return raw.get("type") != "blocked"


SPARKPOST_HARD_CLASSES = frozenset({"10", "30"})
"""SparkPost's bounce classes for a recipient that does not exist (invalid, no RCPT);
the others are soft, blocks, admin or undetermined."""


def _sparkpost(raw):
    events = raw.get("msys")
    event = next(iter(events.values()), None) if isinstance(events, dict) and events else None
    return str(_get(event, "bounce_class")) in SPARKPOST_HARD_CLASSES


UNISENDER_GO_GONE = frozenset(
    {"err_user_unknown", "err_user_inactive", "err_mailbox_discarded", "err_domain_inactive"}
)
"""Unisender Go's delivery statuses for a mailbox that is gone (a full one is not)."""


def _unisender_go(raw):
    return _get(raw, "delivery_info", "delivery_status") in UNISENDER_GO_GONE


PERMANENT_BOUNCE = {
    "Amazon SES": _amazon_ses,
    "Brevo": _brevo,
    "SendinBlue": _brevo,
    "MailerSend": _mailersend,
    "Mailgun": _mailgun,
    "Mailjet": _mailjet,
    "Mailtrap": _mailtrap,
    "Mandrill": _mandrill,
    "Postal": _postal,
    "Postmark": _postmark,
    "Resend": _resend,
    "SendGrid": _sendgrid,
    "SparkPost": _sparkpost,
    "Unisender Go": _unisender_go,
}
"""anymail's ``esp_name`` → whether its raw bounce (or rejection) says the mailbox is gone."""

SOFT_BOUNCE_MARKERS = (
    ("Type", {"SoftBounce", "Transient", "DnsError"}),
    ("severity", {"temporary"}),
    ("bounceType", {"Transient", "Undetermined"}),
    ("type", {"blocked", "Transient", "Undetermined"}),
    ("hard_bounce", {False}),
    ("event", {"soft_bounce", "soft_bounced"}),
)


def looks_soft(raw):
    """For a provider without rules: whether its raw event uses the usual words of a soft bounce."""
    sources = [raw, raw.get("bounce"), raw.get("data"), _get(raw, "data", "bounce")]
    return any(
        isinstance(source, dict) and _hashable(source.get(key)) in values
        for source in sources
        for key, values in SOFT_BOUNCE_MARKERS
    )


def _hashable(value):
    return value if isinstance(value, (str, int, bool, type(None))) else None


def _raw(event):
    raw = event.esp_event
    return raw if isinstance(raw, dict) else {}


def is_permanent(event, esp_name):
    """Whether a bounce or rejection event says the mailbox is gone for good."""
    raw = _raw(event)
    rule = PERMANENT_BOUNCE.get(esp_name)
    return rule(raw) if rule is not None else not looks_soft(raw)


def is_a_person_complaining(event, esp_name):
    """Whether a "complained" event is the person's own report, not a filter's verdict."""
    raw = _raw(event)
    if esp_name == "Postmark" and raw.get("RecordType") == "Bounce":
        # A SpamNotification bounce: a filter classified the message, nobody complained.
        return raw.get("Type") != "SpamNotification"
    if esp_name == "Amazon SES":
        # The feedback loop's "not-spam" is the opposite of a complaint.
        return _get(raw, "complaint", "complaintFeedbackType") != "not-spam"
    return True


def state_for(event, esp_name=""):
    """The state an anymail tracking event puts its address in, or ``None`` for no change."""
    kind, reason = event.event_type, event.reject_reason
    if kind == EventType.UNSUBSCRIBED:
        return State.UNSUBSCRIBED
    if kind == EventType.COMPLAINED:
        return State.COMPLAINED if is_a_person_complaining(event, esp_name) else None
    if kind in (EventType.BOUNCED, EventType.REJECTED):
        if reason == RejectReason.UNSUBSCRIBED:
            return State.UNSUBSCRIBED  # the provider's list says the person left
        if kind == EventType.REJECTED and reason not in (
            RejectReason.BOUNCED,
            RejectReason.INVALID,
        ):
            return None  # refused for the sender's reasons (blocked, spam…), not the mailbox
        return State.BOUNCED if is_permanent(event, esp_name) else None
    if kind == EventType.FAILED and esp_name == "Postal":
        # Postal's HardFail: the receiving server refused the message for good.
        return State.BOUNCED if _get(_raw(event), "payload", "status") == "HardFail" else None
    return None
