"""Webhook calls of every email provider django-anymail supports, as each provider makes them.

The payloads are copied from django-anymail's own test suite (release 15.1,
``tests/test_<provider>_webhooks.py`` of github.com/anymail/django-anymail; each
payload names the test it comes from), which has them from the providers' documentation
and live tests. Where anymail's tests have no sample of a kind we need (a soft bounce
beside a hard one, a complaint), the payload is a copy of a sample with the one field
changed to the value the provider documents, and says so ("variant of").

:func:`post` sends a payload to the provider's tracking webhook URL the way the
provider does: JSON, a form post or an SNS message, with the HTTP basic auth of
``ANYMAIL["WEBHOOK_SECRET"]`` and the provider's own signature where anymail checks
one (MailerSend, Mailgun, Mailtrap, Mandrill, Postal, SendGrid, Unisender Go), computed
as anymail's tests compute it. ``ANYMAIL_SETTINGS`` holds the matching secrets.
"""

import base64
import copy
import hashlib
import hmac
import json
from dataclasses import dataclass, field

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from django.urls import reverse

from oscar_privacy.newsletter.models import Subscription

State = Subscription.State
SUBSCRIBED, UNSUBSCRIBED, COMPLAINED, BOUNCED = (
    State.SUBSCRIBED,
    State.UNSUBSCRIBED,
    State.COMPLAINED,
    State.BOUNCED,
)

WEBHOOK_SECRET = "esp-user:esp-password"
MAILERSEND_SECRET = "mailersend-signing-secret"
MAILGUN_KEY = "mailgun-webhook-signing-key"
MAILTRAP_SECRET = "mailtrap-tracking-secret"
MANDRILL_KEY = "mandrill-webhook-key"
UNISENDER_GO_KEY = "unisender-go-api-key"

# Test keys only, made for this run (anymail's tests do the same: tests/utils_postal.py).
POSTAL_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
SENDGRID_KEY = ec.generate_private_key(ec.SECP256R1())


def _public_key_body(private_key):
    """The public key as providers show it: the PEM without its first and last lines."""
    pem = private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return "\n".join(pem.decode().splitlines()[1:-1])


ANYMAIL_SETTINGS = {
    "WEBHOOK_SECRET": WEBHOOK_SECRET,
    "MAILERSEND_SIGNING_SECRET": MAILERSEND_SECRET,
    "MAILGUN_WEBHOOK_SIGNING_KEY": MAILGUN_KEY,
    "MAILTRAP_TRACKING_SECRET": MAILTRAP_SECRET,
    "MANDRILL_WEBHOOK_KEY": MANDRILL_KEY,
    "POSTAL_WEBHOOK_KEY": _public_key_body(POSTAL_KEY),
    "SENDGRID_TRACKING_WEBHOOK_VERIFICATION_KEY": _public_key_body(SENDGRID_KEY),
    "UNISENDER_GO_API_KEY": UNISENDER_GO_KEY,
}


def basic_auth(secret):
    """The test client's header for HTTP basic auth with ``user:password``."""
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(secret.encode()).decode()}


def _body(payload):
    return payload if isinstance(payload, bytes) else json.dumps(payload).encode()


def _json(client, url, body, secret, **headers):
    return client.post(url, body, content_type="application/json", **basic_auth(secret), **headers)


# How each provider posts. Each poster takes the payload, the basic auth secret and
# ``tamper``: change the body after signing it (a forged call, for the signature checks).


def _post_plain(client, url, payload, secret, tamper):
    return _json(client, url, _body(payload), secret)


def _post_amazon_ses(client, url, sns_message, secret, tamper):
    # tests/test_amazon_ses_webhooks.py, post_from_sns: SNS posts JSON as text/plain.
    headers = {}
    if isinstance(sns_message, dict):
        headers = {
            "HTTP_X_AMZ_SNS_MESSAGE_ID": sns_message.get("MessageId", ""),
            "HTTP_X_AMZ_SNS_MESSAGE_TYPE": sns_message.get("Type", ""),
        }
    return client.post(
        url,
        _body(sns_message),
        content_type="text/plain; charset=utf-8",  # (SNS writes UTF-8)
        **basic_auth(secret),
        **headers,
    )


def _post_mailersend(client, url, payload, secret, tamper):
    # tests/test_mailersend_webhooks.py, client_post_signed: MailerSend escapes "/".
    body = (
        payload if isinstance(payload, bytes) else json.dumps(payload).replace("/", "\\/").encode()
    )
    signature = hmac.new(MAILERSEND_SECRET.encode(), body, hashlib.sha256).hexdigest()
    return _json(client, url, body + b" " * tamper, secret, HTTP_SIGNATURE=signature)


def _mailgun_signature(timestamp, token):
    message = f"{timestamp}{token}".encode()
    return hmac.new(MAILGUN_KEY.encode(), message, hashlib.sha256).hexdigest()


def _post_mailgun(client, url, payload, secret, tamper):
    # tests/test_mailgun_webhooks.py, mailgun_sign_payload and mailgun_sign_legacy_payload:
    # the signature is of a timestamp and a token, not of the body.
    if isinstance(payload, bytes):
        return _json(client, url, payload, secret)
    payload = copy.deepcopy(payload)
    if "event-data" in payload:
        signature = payload.setdefault("signature", {})
        token = signature.setdefault("token", "1234567890abcdef1234567890abcdef")
        timestamp = signature.setdefault("timestamp", "1534110422")
        signature["signature"] = _mailgun_signature(timestamp, token + "x" * tamper)
        return _json(client, url, _body(payload), secret)
    payload.setdefault("timestamp", "1461261330")
    payload.setdefault("token", "a3fe1fa1640349ac552b84ddde373014b4c41645830c8dd3fc")
    payload["signature"] = _mailgun_signature(payload["timestamp"], payload["token"] + "x" * tamper)
    return client.post(url, payload, **basic_auth(secret))  # a form post


def _post_mailtrap(client, url, payload, secret, tamper):
    body = _body(payload)
    signature = hmac.new(MAILTRAP_SECRET.encode(), body, hashlib.sha256).hexdigest()
    return _json(client, url, body + b" " * tamper, secret, HTTP_MAILTRAP_SIGNATURE=signature)


def _post_mandrill(client, url, events, secret, tamper):
    # tests/test_mandrill_webhooks.py, mandrill_args: the signed URL includes the basic auth.
    events_json = events.decode("latin-1") if isinstance(events, bytes) else json.dumps(events)
    signed = f"http://{secret}@testserver{url}" + "mandrill_events" + events_json
    signature = base64.b64encode(
        hmac.new(MANDRILL_KEY.encode(), signed.encode(), hashlib.sha1).digest()
    )
    return client.post(
        url,
        {"mandrill_events": events_json + " " * tamper},
        HTTP_X_MANDRILL_SIGNATURE=signature,
        **basic_auth(secret),
    )


def _post_postal(client, url, payload, secret, tamper):
    # tests/utils_postal.py, ClientWithPostalSignature: RSA (PKCS#1 v1.5, SHA-1) of the body.
    body = _body(payload)
    signature = POSTAL_KEY.sign(body, padding.PKCS1v15(), hashes.SHA1())  # noqa: S303
    return _json(
        client,
        url,
        body + b" " * tamper,
        secret,
        HTTP_X_POSTAL_SIGNATURE=base64.b64encode(signature).decode(),
    )


def _post_sendgrid(client, url, payload, secret, tamper):
    # tests/utils_sendgrid.py: ECDSA (SHA-256) of the timestamp followed by the body.
    body = _body(payload)
    timestamp = "1461095250"
    signature = SENDGRID_KEY.sign(timestamp.encode() + body, ec.ECDSA(hashes.SHA256()))
    return _json(
        client,
        url,
        body + b" " * tamper,
        secret,
        HTTP_X_TWILIO_EMAIL_EVENT_WEBHOOK_SIGNATURE=base64.b64encode(signature).decode(),
        HTTP_X_TWILIO_EMAIL_EVENT_WEBHOOK_TIMESTAMP=timestamp,
    )


def _post_unisender_go(client, url, payload, secret, tamper):
    # tests/test_unisender_go_webhooks.py, unisender_go_signed_payload: the "auth" field is
    # the MD5 of the body with the API key in its place.
    if isinstance(payload, bytes):
        return _json(client, url, payload, secret)
    payload = {**payload, "auth": "__PLACEHOLDER__"}
    text = json.dumps(payload, separators=(",", ":"))
    signature = hashlib.md5(  # noqa: S324  (the provider's scheme)
        text.replace("__PLACEHOLDER__", UNISENDER_GO_KEY).encode()
    ).hexdigest()
    body = text.replace("__PLACEHOLDER__", signature).encode()
    return _json(client, url, body + b" " * tamper, secret)


SIGNED = {
    _post_mailersend,
    _post_mailgun,
    _post_mailtrap,
    _post_mandrill,
    _post_postal,
    _post_sendgrid,
    _post_unisender_go,
}
"""Posters of providers whose calls anymail also checks by a signature."""


@dataclass
class Case:
    """A payload, and the state each address must be in after it (``SUBSCRIBED``: unchanged)."""

    label: str
    payload: object
    expect: dict


@dataclass
class Provider:
    esp_name: str
    url_name: str
    poster: object
    cases: list = field(default_factory=list)
    malformed: object = None
    """A :class:`Case`: a batch with malformed events beside valid ones (which apply), or, for
    a provider that posts one event per call, an event whose recipient is not an address."""

    @property
    def url(self):
        return reverse(f"anymail:{self.url_name}")

    @property
    def signed(self):
        return self.poster in SIGNED

    def post(self, client, payload, *, secret=WEBHOOK_SECRET, tamper=False):
        return self.poster(client, self.url, payload, secret, tamper)


UNSUB = "valid-unsubscription@example.com"
"""The address of the valid unsubscription sent in the same batch as a malformed event."""


def _sns(ses_event, message_id="19ba9823-d7f2-53c1-860e-cb10e0d13dfc"):
    """An SNS notification carrying an SES event (tests/test_amazon_ses_webhooks.py)."""
    return {
        "Type": "Notification",
        "MessageId": message_id,
        "TopicArn": "arn:aws:sns:us-east-1:1234567890:SES_Events",
        "Message": json.dumps(ses_event) + "\n",
        "Timestamp": "2018-03-26T17:58:59.675Z",
    }


# Amazon SES -------------------------------------------------------------------

# test_multiple_bounce_event
SES_BOUNCE = {
    "notificationType": "Bounce",
    "bounce": {
        "bounceType": "Permanent",
        "bounceSubType": "General",
        "bouncedRecipients": [
            {"emailAddress": "jane@example.com"},
            {"emailAddress": "richard@example.com"},
        ],
    },
    "mail": {
        "messageId": "00000137860315fd-34208509-5b74-41f3-95c5-22c1edc3c924-000000",
        "destination": ["jane@example.com", "mary@example.com", "richard@example.com"],
    },
}
# variant of test_multiple_bounce_event: a transient bounce (bounceType "Transient",
# bounceSubType "MailboxFull", as in the SES notification documentation)
SES_SOFT_BOUNCE = copy.deepcopy(SES_BOUNCE)
SES_SOFT_BOUNCE["bounce"].update(bounceType="Transient", bounceSubType="MailboxFull")
# test_complaint_event
SES_COMPLAINT = {
    "notificationType": "Complaint",
    "complaint": {
        "userAgent": "AnyCompany Feedback Loop (V0.01)",
        "complainedRecipients": [{"emailAddress": "richard@example.com"}],
        "complaintFeedbackType": "abuse",
    },
    "mail": {
        "messageId": "000001378603177f-7a5433e7-8edb-42ae-af10-f0181f34d6ee-000000",
        "destination": ["jane@example.com", "mary@example.com", "richard@example.com"],
    },
}
SES_NOT_SPAM = copy.deepcopy(SES_COMPLAINT)
SES_NOT_SPAM["complaint"]["complaintFeedbackType"] = "not-spam"  # variant: the opposite

AMAZON_SES = Provider(
    "Amazon SES",
    "amazon_ses_tracking_webhook",
    _post_amazon_ses,
    [
        Case(
            "hard bounce",
            _sns(SES_BOUNCE),
            {"jane@example.com": BOUNCED, "richard@example.com": BOUNCED},
        ),
        Case(
            "soft bounce",
            _sns(SES_SOFT_BOUNCE),
            {"jane@example.com": SUBSCRIBED, "richard@example.com": SUBSCRIBED},
        ),
        Case("complaint", _sns(SES_COMPLAINT), {"richard@example.com": COMPLAINED}),
        Case("not-spam feedback", _sns(SES_NOT_SPAM), {"richard@example.com": SUBSCRIBED}),
    ],
    malformed=Case(
        "a recipient that is not an address, beside one that is",
        _sns(
            {
                **SES_BOUNCE,
                "bounce": {
                    **SES_BOUNCE["bounce"],
                    "bouncedRecipients": [
                        {"emailAddress": {"address": "jane@example.com"}},
                        {"emailAddress": "richard@example.com"},
                    ],
                },
            }
        ),
        {"jane@example.com": SUBSCRIBED, "richard@example.com": BOUNCED},
    ),
)


# Brevo (and its old name, SendinBlue) ------------------------------------------

# test_hard_bounce
BREVO_HARD_BOUNCE = {
    "event": "hard_bounce",
    "email": "not-a-user@example.com",
    "ts_epoch": 1520363423000,
    "message-id": "<201803011158.9876543210@smtp-relay.mailin.fr>",
    "reason": " RecipientError: 550 5.5.0 Requested action not taken: mailbox unavailable.",
    "tag": "header-tag",
}
# test_soft_bounce_event
BREVO_SOFT_BOUNCE = {
    "event": "soft_bounce",
    "email": "recipient@no-mx.example.com",
    "ts_epoch": 1520363423000,
    "message-id": "<201803011158.9876543210@smtp-relay.mailin.fr>",
    "reason": "undefined Unable to find MX of domain no-mx.example.com",
}
# test_invalid_email
BREVO_INVALID = {
    "event": "invalid_email",
    "email": "recipient@example.com",
    "ts_epoch": 1520363423000,
    "message-id": "<201803011158.9876543210@smtp-relay.mailin.fr>",
    "reason": "(guessing invalid_email includes a reason)",
}
# test_blocked
BREVO_BLOCKED = {
    "event": "blocked",
    "email": "recipient@example.com",
    "ts_epoch": 1520363423000,
    "message-id": "<201803011158.9876543210@smtp-relay.mailin.fr>",
    "reason": "blocked : due to blacklist user",
}
# test_complaint
BREVO_COMPLAINT = {
    "event": "complaint",
    "email": "example@domain.com",
    "id": "xxxxx",
    "date": "2020-10-09 00:00:00",
    "ts": 1604933619,
    "message-id": "201798300811.5787683@relay.domain.com",
    "ts_event": 1604933654,
    "X-Mailin-custom": '{"meta": "data"}',
    "tags": ["transac_messages"],
}
# test_unsubscribe
BREVO_UNSUBSCRIBE = {
    "event": "unsubscribe",
    "email": "recipient@example.com",
    "ts_epoch": 1520363423000,
    "message-id": "<201803011158.9876543210@smtp-relay.mailin.fr>",
}
BREVO_CASES = [
    Case("hard bounce", BREVO_HARD_BOUNCE, {"not-a-user@example.com": BOUNCED}),
    Case("soft bounce", BREVO_SOFT_BOUNCE, {"recipient@no-mx.example.com": SUBSCRIBED}),
    Case("invalid address", BREVO_INVALID, {"recipient@example.com": BOUNCED}),
    Case("blocked", BREVO_BLOCKED, {"recipient@example.com": SUBSCRIBED}),
    Case("complaint", BREVO_COMPLAINT, {"example@domain.com": COMPLAINED}),
    Case("unsubscribe", BREVO_UNSUBSCRIBE, {"recipient@example.com": UNSUBSCRIBED}),
]
BREVO_MALFORMED = Case(
    "recipient as a list",
    {**BREVO_UNSUBSCRIBE, "email": ["recipient@example.com", "other@example.com"]},
    {"recipient@example.com": SUBSCRIBED, "other@example.com": SUBSCRIBED},
)
BREVO = Provider("Brevo", "brevo_tracking_webhook", _post_plain, BREVO_CASES, BREVO_MALFORMED)
SENDINBLUE = Provider(
    "SendinBlue", "sendinblue_tracking_webhook", _post_plain, BREVO_CASES, BREVO_MALFORMED
)


# MailerSend -------------------------------------------------------------------


def _mailersend(kind, email, morph_object, created_at="2023-02-27T21:48:13.593000Z"):
    # test_hard_bounced_event, test_soft_bounced_event, test_spam_complaint_event and
    # test_unsubscribed_event share this shape.
    return {
        "type": f"activity.{kind}",
        "data": {
            "id": "63fd251d5c00f8e52001fce6",
            "type": kind,
            "created_at": created_at,
            "email": {
                "status": "rejected" if "bounce" in kind else "delivered",
                "message": {"id": "63fd25194d5edba3da09e044"},
                "recipient": {"email": email},
            },
            "morph": {"object": morph_object, "reason": "Host or domain name not found"},
        },
    }


MAILERSEND = Provider(
    "MailerSend",
    "mailersend_tracking_webhook",
    _post_mailersend,
    [
        Case(
            "hard bounce",
            _mailersend("hard_bounced", "invalid@example.com", "recipient_bounce"),
            {"invalid@example.com": BOUNCED},
        ),
        Case(
            "soft bounce",
            _mailersend("soft_bounced", "notauser@example.com", "recipient_bounce"),
            {"notauser@example.com": SUBSCRIBED},
        ),
        Case(
            "complaint",
            _mailersend("spam_complaint", "recipient@example.com", "spam_complaint"),
            {"recipient@example.com": COMPLAINED},
        ),
        Case(
            "unsubscribe",
            _mailersend("unsubscribed", "recipient@example.com", "recipient_unsubscribe"),
            {"recipient@example.com": UNSUBSCRIBED},
        ),
    ],
    malformed=Case(
        "recipient as an object",
        _mailersend("unsubscribed", {"email": "recipient@example.com"}, "recipient_unsubscribe"),
        {"recipient@example.com": SUBSCRIBED},
    ),
)


# Mailgun ----------------------------------------------------------------------

# test_failed_permanent_event
MAILGUN_PERMANENT = {
    "event-data": {
        "event": "failed",
        "severity": "permanent",
        "reason": "bounce",
        "recipient": "invalid@example.com",
        "timestamp": 1534110422.389832,
        "log-level": "error",
        "message": {"headers": {"to": "invalid@example.com", "message-id": "x@example.org"}},
        "delivery-status": {
            "code": 550,
            "message": "5.1.1 The email account that you tried to reach does not exist.",
        },
    }
}
# test_failed_temporary_event
MAILGUN_TEMPORARY = {
    "event-data": {
        "event": "failed",
        "severity": "temporary",
        "reason": "generic",
        "timestamp": 1534111899.659519,
        "recipient": "undeliverable@nomx.example.com",
        "delivery-status": {"attempt-no": 3, "code": 498, "message": "No MX for nomx.example.com"},
    }
}
# test_complained_event
MAILGUN_COMPLAINED = {
    "event-data": {
        "event": "complained",
        "id": "ncV2XwymRUKbPek_MIM-Gw",
        "timestamp": 1377214260.049634,
        "recipient": "recipient@example.com",
    }
}
# test_unsubscribed_event
MAILGUN_UNSUBSCRIBED = {
    "event-data": {
        "event": "unsubscribed",
        "id": "W3X4JOhFT-OZidZGKKr9iA",
        "timestamp": 1377213791.421473,
        "recipient": "recipient@example.com",
    }
}
# test_dropped_bounce (legacy form post)
MAILGUN_LEGACY_DROPPED = {
    "code": "605",
    "domain": "example.com",
    "description": "Not delivering to previously bounced address",
    "Message-Id": "<20160421180324.70521.79375.96884DDB@example.com>",
    "reason": "hardfail",
    "event": "dropped",
    "recipient": "bounce@example.com",
    "timestamp": "1461261330",
    "token": "a3fe1fa1640349ac552b84ddde373014b4c41645830c8dd3fc",
}
# variant of test_dropped_bounce: Mailgun gave up retrying ("old"), not a dead mailbox
MAILGUN_LEGACY_DROPPED_OLD = {**MAILGUN_LEGACY_DROPPED, "code": "450", "reason": "old"}
# test_invalid_mailbox (legacy)
MAILGUN_LEGACY_BOUNCED = {
    "code": "550",
    "error": "550 5.1.1 The email account that you tried to reach does not exist.",
    "event": "bounced",
    "recipient": "noreply@example.com",
}
MAILGUN = Provider(
    "Mailgun",
    "mailgun_tracking_webhook",
    _post_mailgun,
    [
        Case("permanent failure", MAILGUN_PERMANENT, {"invalid@example.com": BOUNCED}),
        Case(
            "temporary failure", MAILGUN_TEMPORARY, {"undeliverable@nomx.example.com": SUBSCRIBED}
        ),
        Case("complaint", MAILGUN_COMPLAINED, {"recipient@example.com": COMPLAINED}),
        Case("unsubscribe", MAILGUN_UNSUBSCRIBED, {"recipient@example.com": UNSUBSCRIBED}),
        Case("legacy dropped, hardfail", MAILGUN_LEGACY_DROPPED, {"bounce@example.com": BOUNCED}),
        Case("legacy dropped, old", MAILGUN_LEGACY_DROPPED_OLD, {"bounce@example.com": SUBSCRIBED}),
        Case("legacy bounced", MAILGUN_LEGACY_BOUNCED, {"noreply@example.com": BOUNCED}),
    ],
    malformed=Case(
        "recipient as a list",
        {
            "event-data": {
                **MAILGUN_UNSUBSCRIBED["event-data"],
                "recipient": ["recipient@example.com"],
            }
        },
        {"recipient@example.com": SUBSCRIBED},
    ),
)


# Mailjet ----------------------------------------------------------------------

# test_bounce_event
MAILJET_HARD = {
    "event": "bounce",
    "time": 1498093527,
    "MessageID": 12345678901234567,
    "email": "invalid@invalid",
    "mj_campaign_id": 1234567890,
    "mj_contact_id": 9876543210,
    "customcampaign": "",
    "blocked": True,
    "hard_bounce": True,
    "error_related_to": "domain",
    "error": "invalid domain",
}
# variant of test_bounce_event: a soft bounce (hard_bounce false, error "quota exceeded")
MAILJET_SOFT = {**MAILJET_HARD, "email": "full@example.com", "hard_bounce": False}
MAILJET_SOFT["error"] = "quota exceeded"
# test_spam_event
MAILJET_SPAM = {
    "event": "spam",
    "time": 1498093527,
    "MessageID": 12345678901234567,
    "email": "spam@example.com",
    "mj_campaign_id": 1234567890,
    "mj_contact_id": 9876543210,
    "customcampaign": "",
    "source": "greylisted",
}
# test_unsub_event
MAILJET_UNSUB = {
    "event": "unsub",
    "time": 1498093527,
    "MessageID": 12345678901234567,
    "email": "recipient@example.com",
    "mj_campaign_id": 1234567890,
    "mj_contact_id": 9876543210,
    "customcampaign": "",
    "mj_list_id": 0,
    "ip": "127.0.0.4",
    "geo": "",
    "agent": "List-Unsubscribe",
}
MAILJET = Provider(
    "Mailjet",
    "mailjet_tracking_webhook",
    _post_plain,
    [
        Case("hard bounce", [MAILJET_HARD], {"invalid@invalid": BOUNCED}),
        Case("soft bounce", [MAILJET_SOFT], {"full@example.com": SUBSCRIBED}),
        Case("spam", [MAILJET_SPAM], {"spam@example.com": COMPLAINED}),
        Case("unsubscribe (a bare event)", MAILJET_UNSUB, {"recipient@example.com": UNSUBSCRIBED}),
    ],
    malformed=Case(
        "a list, an object, an event anymail cannot read, and a valid unsubscription",
        [
            {**MAILJET_UNSUB, "email": ["recipient@example.com", "b@example.com"]},
            {**MAILJET_SPAM, "email": {"address": "spam@example.com"}},
            {"time": 1498093527, "email": "spam@example.com"},  # no "event": anymail fails
            {**MAILJET_UNSUB, "email": UNSUB},
        ],
        {"recipient@example.com": SUBSCRIBED, "spam@example.com": SUBSCRIBED, UNSUB: UNSUBSCRIBED},
    ),
)


# Mailtrap ---------------------------------------------------------------------

# test_bounce_event
MAILTRAP_BOUNCE = {
    "event": "bounce",
    "timestamp": 1498093527,
    "sending_stream": "transactional",
    "message_id": "1df37d17-0286-4d8b-8edf-bc4ec5be86e6",
    "email": "invalid@example.com",
    "event_id": "bede7236-2284-43d6-a953-1fdcafd0fdbc",
    "response": "bounced (550 5.1.1 The email account that you tried to reach does not exist.)",
    "response_code": 550,
    "bounce_category": "hard",
}
# test_soft_bounce_event
MAILTRAP_SOFT = {
    "event": "soft bounce",
    "timestamp": 1498093527,
    "sending_stream": "transactional",
    "message_id": "1df37d17-0286-4d8b-8edf-bc4ec5be86e6",
    "email": "receiver@example.com",
    "event_id": "bede7236-2284-43d6-a953-1fdcafd0fdbc",
    "response": "soft bounce (450 4.2.0 The email account is temporarily unavailable.)",
    "response_code": 450,
    "bounce_category": "unavailable",
}
# variant of test_bounce_event: a final bounce for a full mailbox (bounce_category)
MAILTRAP_BOUNCE_FULL = {**MAILTRAP_BOUNCE, "email": "full@example.com"}
MAILTRAP_BOUNCE_FULL["bounce_category"] = "unavailable"
# test_spam_event
MAILTRAP_SPAM = {
    "event": "spam",
    "timestamp": 1498093527,
    "sending_stream": "transactional",
    "message_id": "1df37d17-0286-4d8b-8edf-bc4ec5be86e6",
    "email": "receiver@example.com",
    "event_id": "bede7236-2284-43d6-a953-1fdcafd0fdbc",
}
# test_unsubscribe_event
MAILTRAP_UNSUBSCRIBE = {**MAILTRAP_SPAM, "event": "unsubscribe", "ip": "192.168.1.42"}
MAILTRAP = Provider(
    "Mailtrap",
    "mailtrap_tracking_webhook",
    _post_mailtrap,
    [
        Case("hard bounce", {"events": [MAILTRAP_BOUNCE]}, {"invalid@example.com": BOUNCED}),
        Case("soft bounce", {"events": [MAILTRAP_SOFT]}, {"receiver@example.com": SUBSCRIBED}),
        Case(
            "bounce, mailbox unavailable",
            {"events": [MAILTRAP_BOUNCE_FULL]},
            {"full@example.com": SUBSCRIBED},
        ),
        Case("spam", {"events": [MAILTRAP_SPAM]}, {"receiver@example.com": COMPLAINED}),
        Case(
            "unsubscribe",
            {"events": [MAILTRAP_UNSUBSCRIBE]},
            {"receiver@example.com": UNSUBSCRIBED},
        ),
    ],
    malformed=Case(
        "a list, an event anymail cannot read, and a valid unsubscription",
        {
            "events": [
                {**MAILTRAP_SPAM, "email": ["receiver@example.com"]},
                {"event": "bounce", "email": "receiver@example.com"},  # no timestamp: fails
                {**MAILTRAP_UNSUBSCRIBE, "email": UNSUB},
            ]
        },
        {"receiver@example.com": SUBSCRIBED, UNSUB: UNSUBSCRIBED},
    ),
)


# Mandrill ---------------------------------------------------------------------

# test_hard_bounce_event
MANDRILL_HARD = {
    "event": "hard_bounce",
    "msg": {
        "ts": 1461095211,
        "subject": "Webhook Test",
        "email": "bounce@example.com",
        "sender": "sender@example.com",
        "bounce_description": "bad_mailbox",
        "bgtools_code": 10,
        "diag": "smtp;550 5.1.1 The email account that you tried to reach does not exist.",
        "_id": "abcdef012345789abcdef012345789",
    },
    "_id": "abcdef012345789abcdef012345789",
    "ts": 1461095246,
}
# variant of test_hard_bounce_event: a soft bounce (Mandrill's "soft_bounce", mailbox_full)
MANDRILL_SOFT = copy.deepcopy(MANDRILL_HARD)
MANDRILL_SOFT["event"] = "soft_bounce"
MANDRILL_SOFT["msg"].update(
    email="full@example.com", bounce_description="mailbox_full", diag="smtp;452 4.2.2 full"
)
# variants of test_hard_bounce_event: Mandrill's "spam" and "unsub" message events
MANDRILL_SPAM = copy.deepcopy(MANDRILL_HARD)
MANDRILL_SPAM["event"] = "spam"
MANDRILL_SPAM["msg"]["email"] = "spam@example.com"
MANDRILL_UNSUB = copy.deepcopy(MANDRILL_HARD)
MANDRILL_UNSUB["event"] = "unsub"
MANDRILL_UNSUB["msg"]["email"] = "recipient@example.com"
# test_sync_event: a "blacklist" sync event is not about a message
MANDRILL_SYNC = {
    "type": "blacklist",
    "action": "add",
    "reject": {"email": "recipient@example.com", "reason": "manual edit"},
}
MANDRILL = Provider(
    "Mandrill",
    "mandrill_webhook",
    _post_mandrill,
    [
        Case("hard bounce", [MANDRILL_HARD], {"bounce@example.com": BOUNCED}),
        Case("soft bounce", [MANDRILL_SOFT], {"full@example.com": SUBSCRIBED}),
        Case("spam", [MANDRILL_SPAM], {"spam@example.com": COMPLAINED}),
        Case("unsubscribe", [MANDRILL_UNSUB], {"recipient@example.com": UNSUBSCRIBED}),
        Case("sync event", [MANDRILL_SYNC], {"recipient@example.com": SUBSCRIBED}),
    ],
    malformed=Case(
        "an object, an event anymail cannot read, and a valid unsubscription",
        [
            {
                **MANDRILL_UNSUB,
                "msg": {**MANDRILL_UNSUB["msg"], "email": {"to": "recipient@example.com"}},
            },
            {"event": "hard_bounce", "msg": "not an object", "ts": "not a time"},
            {**MANDRILL_UNSUB, "msg": {**MANDRILL_UNSUB["msg"], "email": UNSUB}},
        ],
        {"recipient@example.com": SUBSCRIBED, UNSUB: UNSUBSCRIBED},
    ),
)


# Postal -----------------------------------------------------------------------

# test_bounce_event
POSTAL_BOUNCE = {
    "event": "MessageDelayed",
    "timestamp": 1606753101.961181,
    "payload": {
        "original_message": {
            "id": 233843,
            "token": "McC2tuqg7mhx",
            "direction": "outgoing",
            "message_id": "7b82aac4-5d63-41b8-8e35-9faa31a892dc@rp.postal.example.com",
            "to": "bounce@example.com",
            "from": "sender@example.com",
            "subject": "...",
            "timestamp": 1606436187.8883688,
            "spam_status": "NotChecked",
            "tag": None,
        },
        "bounce": {
            "id": 233864,
            "token": "nII5p0Cp8onV",
            "direction": "incoming",
            "message_id": "E1kiRR8-0001ay-Iq@example.com",
            "to": "bk87jw@psrp.postal.example.com",
            "from": None,
            "subject": "Mail delivery failed: returning message to sender",
            "timestamp": 1606436523.6060522,
            "spam_status": "NotChecked",
            "tag": None,
        },
        "details": "details",
        "output": "server output",
        "sent_with_ssl": None,
        "timestamp": 1606753101.9110143,
        "time": None,
    },
    "uuid": "0fcc831f-92b9-4e2b-97f2-d873abc77fab",
}


def _postal_status(status, to):
    # test_deferred_event (SoftFail) and test_failed_event (HardFail)
    return {
        "event": "MessageDeliveryFailed" if status == "HardFail" else "MessageDelayed",
        "timestamp": 1606753101.084981,
        "payload": {
            "message": {
                "id": 1571,
                "token": "MzWWQPubXXWz",
                "direction": "outgoing",
                "message_id": "cfb29da8ed1e4ed5a6c8a0f24d7a9ef3@rp.postal.example.com",
                "to": to,
                "from": "test@example.com",
                "subject": "Message delivery failed...",
                "timestamp": 1606753318.072171,
                "spam_status": "NotChecked",
                "tag": None,
            },
            "status": status,
            "details": "Could not deliver",
            "output": "server output",
            "sent_with_ssl": None,
            "timestamp": 1606753318.7010343,
            "time": None,
        },
        "uuid": "5fec5077-dae7-4989-94d5-e1963f3e9181",
    }


POSTAL = Provider(
    "Postal",
    "postal_tracking_webhook",
    _post_postal,
    [
        Case("bounce", POSTAL_BOUNCE, {"bounce@example.com": BOUNCED}),
        Case(
            "hard fail",
            _postal_status("HardFail", "failed@example.com"),
            {"failed@example.com": BOUNCED},
        ),
        Case(
            "soft fail",
            _postal_status("SoftFail", "deferred@example.com"),
            {"deferred@example.com": SUBSCRIBED},
        ),
    ],
    malformed=Case(
        "recipient as a list",
        {
            **POSTAL_BOUNCE,
            "payload": {
                **POSTAL_BOUNCE["payload"],
                "original_message": {
                    **POSTAL_BOUNCE["payload"]["original_message"],
                    "to": ["bounce@example.com", "other@example.com"],
                },
            },
        },
        {"bounce@example.com": SUBSCRIBED},
    ),
)


# Postmark ---------------------------------------------------------------------

# test_bounce_event
POSTMARK_HARD = {
    "RecordType": "Bounce",
    "ID": 901542550,
    "Type": "HardBounce",
    "TypeCode": 1,
    "ServerID": 23,
    "Name": "Hard bounce",
    "MessageID": "2706ee8a-737c-4285-b032-ccd317af53ed",
    "Description": "The server was unable to deliver your message (ex: unknown user).",
    "Details": "smtp;550 5.1.1 The email account that you tried to reach does not exist.",
    "Email": "bounce@example.com",
    "From": "sender@example.com",
    "BouncedAt": "2016-04-27T16:28:50.3963933-04:00",
    "DumpAvailable": True,
    "Inactive": True,
    "CanActivate": True,
    "Subject": "Postmark event test",
}
# variants of test_bounce_event with Postmark's other bounce types
POSTMARK_SOFT = {**POSTMARK_HARD, "Type": "SoftBounce", "TypeCode": 4096, "Email": "s@example.com"}
POSTMARK_VIRUS = {**POSTMARK_HARD, "Type": "VirusNotification", "Email": "v@example.com"}
POSTMARK_SPAM_FILTER = {**POSTMARK_HARD, "Type": "SpamNotification", "Email": "f@example.com"}
# test_spam_event
POSTMARK_SPAM = {
    "RecordType": "SpamComplaint",
    "ID": 901542550,
    "Type": "SpamComplaint",
    "TypeCode": 512,
    "Name": "Spam complaint",
    "Tag": "Test",
    "MessageID": "2706ee8a-737c-4285-b032-ccd317af53ed",
    "ServerID": 1234,
    "Description": "",
    "Details": "Test spam complaint details",
    "Email": "spam@example.com",
    "From": "sender@example.com",
    "BouncedAt": "2016-04-27T16:28:50.3963933-04:00",
    "DumpAvailable": True,
    "Inactive": True,
    "CanActivate": False,
    "Subject": "Postmark event test",
}
# test_unsubscribe
POSTMARK_UNSUBSCRIBE = {
    "RecordType": "SubscriptionChange",
    "MessageID": "a4909a96-73d7-4c49-b148-a54522d3f7ac",
    "ServerID": 23,
    "MessageStream": "outbound",
    "ChangedAt": "2022-06-05T17:17:32Z",
    "Recipient": "john@example.com",
    "Origin": "Recipient",
    "SuppressSending": True,
    "SuppressionReason": "ManualSuppression",
    "Tag": "welcome-email",
    "Metadata": {"example": "value", "example_2": "value"},
}
# test_subscription_change_bounce
POSTMARK_SUPPRESSED_BOUNCE = {**POSTMARK_UNSUBSCRIBE, "SuppressionReason": "HardBounce"}
# test_resubscribe
POSTMARK_RESUBSCRIBE = {**POSTMARK_UNSUBSCRIBE, "SuppressSending": False}
POSTMARK_RESUBSCRIBE["SuppressionReason"] = None
POSTMARK = Provider(
    "Postmark",
    "postmark_tracking_webhook",
    _post_plain,
    [
        Case("hard bounce", POSTMARK_HARD, {"bounce@example.com": BOUNCED}),
        Case("soft bounce", POSTMARK_SOFT, {"s@example.com": SUBSCRIBED}),
        Case("virus notification", POSTMARK_VIRUS, {"v@example.com": SUBSCRIBED}),
        Case("spam filter notification", POSTMARK_SPAM_FILTER, {"f@example.com": SUBSCRIBED}),
        Case("spam complaint", POSTMARK_SPAM, {"spam@example.com": COMPLAINED}),
        Case("unsubscribe", POSTMARK_UNSUBSCRIBE, {"john@example.com": UNSUBSCRIBED}),
        Case("suppressed for a bounce", POSTMARK_SUPPRESSED_BOUNCE, {"john@example.com": BOUNCED}),
        Case("resubscribe", POSTMARK_RESUBSCRIBE, {"john@example.com": SUBSCRIBED}),
    ],
    malformed=Case(
        "recipient as an object",
        {**POSTMARK_UNSUBSCRIBE, "Recipient": {"Email": "john@example.com"}},
        {"john@example.com": SUBSCRIBED},
    ),
)


# Resend -----------------------------------------------------------------------

# test_hard_bounced_event
RESEND_HARD = {
    "created_at": "2023-10-02T18:11:26.101Z",
    "data": {
        "bounce": {
            "message": (
                "The recipient's email provider sent a hard bounce message, but didn't specify"
                " the reason for the hard bounce."
            )
        },
        "created_at": "2023-10-02T18:11:25.729Z",
        "email_id": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
        "from": "Sender <from@example.com>",
        "subject": "Sending test",
        "to": ["bounced@resend.dev"],
    },
    "type": "email.bounced",
}
# variant of test_hard_bounced_event, with the fields of Resend's documentation: a
# "Transient" bounce (data.bounce.type), the inbox full
RESEND_TRANSIENT = copy.deepcopy(RESEND_HARD)
RESEND_TRANSIENT["data"]["to"] = ["full@resend.dev"]
RESEND_TRANSIENT["data"]["bounce"] = {
    "message": (
        "The recipient's email provider sent a bounce message because the recipient's inbox"
        " was full."
    ),
    "subType": "MailboxFull",
    "type": "Transient",
}
RESEND_PERMANENT = copy.deepcopy(RESEND_TRANSIENT)
RESEND_PERMANENT["data"]["to"] = ["gone@resend.dev"]
RESEND_PERMANENT["data"]["bounce"].update(subType="General", type="Permanent")
# test_complained_event
RESEND_COMPLAINED = {
    "created_at": "2023-10-02T18:10:03.690Z",
    "data": {
        "created_at": "2023-10-02T18:10:03.241Z",
        "email_id": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
        "from": "Sender <from@example.com>",
        "subject": "Sending test",
        "to": ["complained@resend.dev"],
    },
    "type": "email.complained",
}
RESEND = Provider(
    "Resend",
    "resend_tracking_webhook",
    _post_plain,  # basic auth: anymail checks Svix signatures only with the svix package
    [
        Case("hard bounce (message only)", RESEND_HARD, {"bounced@resend.dev": BOUNCED}),
        Case("permanent bounce", RESEND_PERMANENT, {"gone@resend.dev": BOUNCED}),
        Case("transient bounce", RESEND_TRANSIENT, {"full@resend.dev": SUBSCRIBED}),
        Case("complaint", RESEND_COMPLAINED, {"complained@resend.dev": COMPLAINED}),
    ],
    malformed=Case(
        "recipients as objects",
        {**RESEND_COMPLAINED, "data": {**RESEND_COMPLAINED["data"], "to": [{"a": 1}]}},
        {"complained@resend.dev": SUBSCRIBED},
    ),
)


# SendGrid ---------------------------------------------------------------------

# test_bounce_event
SENDGRID_BOUNCE = {
    "ip": "167.89.17.173",
    "status": "5.1.1",
    "smtp-id": "<wrfRRvF7Q0GgwUo2CvDmEA@ismtpd0006p1sjc2.sendgrid.net>",
    "sg_event_id": "lC0Rc-FuQmKbnxCWxX1jRQ",
    "reason": "550 5.1.1 The email account that you tried to reach does not exist.",
    "sg_message_id": "Lli-03HcQ5-JLybO9fXsJg.filter0077p1las1.21536.5717FC482.0",
    "tls": 1,
    "event": "bounce",
    "email": "noreply@example.com",
    "timestamp": 1461095250,
    "anymail_id": "de212213-bb66-4302-8f3f-20acdb7a104e",
    "type": "bounce",
}
# variant of test_bounce_event: SendGrid's "blocked" bounce type (the receiving server's block)
SENDGRID_BLOCKED = {**SENDGRID_BOUNCE, "type": "blocked", "email": "blocked@example.com"}
# test_dropped_bounced
SENDGRID_DROPPED_BOUNCED = {
    "email": "example@example.com",
    "timestamp": 1513299569,
    "smtp-id": "<14c5d75ce93.dfd.64b469@ismtpd-555>",
    "event": "dropped",
    "category": "cat facts",
    "sg_event_id": "zmzJhfJgAfUSOW80yEbPyw==",
    "sg_message_id": "14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.0",
    "reason": "Bounced Address",
    "status": "5.0.0",
}
# test_dropped_unsubscribed_event
SENDGRID_DROPPED_UNSUBSCRIBED = {
    "email": "unsubscribe@example.com",
    "anymail_id": "a36ec0f9-aabe-45c7-9a84-3e17afb5cb65",
    "timestamp": 1461095250,
    "smtp-id": "<wrfRRvF7Q0GgwUo2CvDmEA@ismtpd0006p1sjc2.sendgrid.net>",
    "sg_event_id": "oxy9OLwMTAy5EsuZn1qhIg",
    "sg_message_id": "filter0199p1las1.4745.5717FB6F5.0",
    "reason": "Unsubscribed Address",
    "event": "dropped",
}
# variants of the processed event of BaseSendGridWebhookTestCase: "spamreport" and
# "unsubscribe" events (SendGrid's event reference)
SENDGRID_PROCESSED = {
    "email": "recipient@example.com",
    "timestamp": 1461095246,
    "anymail_id": "3c2f4df8-c6dd-4cd2-9b91-6582b81a0349",
    "smtp-id": "<wrfRRvF7Q0GgwUo2CvDmEA@ismtpd0006p1sjc2.sendgrid.net>",
    "sg_event_id": "ZyjAM5rnQmuI1KFInHQ3Nw",
    "sg_message_id": "wrfRRvF7Q0GgwUo2CvDmEA.filter0425p1mdw1.13037.57168B4A1D.0",
    "event": "processed",
    "category": ["tag1", "tag2"],
}
SENDGRID_SPAMREPORT = {**SENDGRID_PROCESSED, "event": "spamreport"}
SENDGRID_UNSUBSCRIBE = {**SENDGRID_PROCESSED, "event": "unsubscribe", "email": "u@example.com"}
SENDGRID = Provider(
    "SendGrid",
    "sendgrid_tracking_webhook",
    _post_sendgrid,
    [
        Case("bounce", [SENDGRID_BOUNCE], {"noreply@example.com": BOUNCED}),
        Case("blocked", [SENDGRID_BLOCKED], {"blocked@example.com": SUBSCRIBED}),
        Case("dropped, bounced", [SENDGRID_DROPPED_BOUNCED], {"example@example.com": BOUNCED}),
        Case(
            "dropped, unsubscribed",
            [SENDGRID_DROPPED_UNSUBSCRIBED],
            {"unsubscribe@example.com": UNSUBSCRIBED},
        ),
        Case("spam report", [SENDGRID_SPAMREPORT], {"recipient@example.com": COMPLAINED}),
        Case("unsubscribe", [SENDGRID_UNSUBSCRIBE], {"u@example.com": UNSUBSCRIBED}),
    ],
    malformed=Case(
        "a list, an event anymail cannot read, and a valid unsubscription",
        [
            {**SENDGRID_SPAMREPORT, "email": ["recipient@example.com", "b@example.com"]},
            {"email": "recipient@example.com", "timestamp": 1461095250},  # no "event": fails
            {**SENDGRID_UNSUBSCRIBE, "email": UNSUB},
        ],
        {"recipient@example.com": SUBSCRIBED, UNSUB: UNSUBSCRIBED},
    ),
)


# SparkPost --------------------------------------------------------------------


def _sparkpost_bounce(bounce_class, address):
    # test_bounce_event
    return {
        "msys": {
            "message_event": {
                "type": "bounce",
                "bounce_class": bounce_class,
                "customer_id": "00000",
                "error_code": "550",
                "event_id": "84345317653491230",
                "message_id": "0004e3724f57753a3561",
                "raw_rcpt_to": address,
                "raw_reason": "550 5.1.1 <bounce@example.com>: Recipient address rejected",
                "rcpt_to": address,
                "reason": "550 5.1.1 ...@... Recipient address rejected: ...",
                "timestamp": "1464824548",
                "transmission_id": "84345317650824116",
            }
        },
        "cust": {"id": "00000"},
    }


# test_unsubscribe_event
SPARKPOST_UNSUBSCRIBE = {
    "msys": {
        "unsubscribe_event": {
            "type": "list_unsubscribe",
            "event_id": "66331590532986193",
            "message_id": "0004278150574660124d",
            "raw_rcpt_to": "recipient@example.com",
            "rcpt_to": "recipient@example.com",
            "timestamp": "1464894280",
            "transmission_id": "84345993965073285",
        }
    }
}
# variant of test_unsubscribe_event: a "spam_complaint" message event
SPARKPOST_COMPLAINT = {
    "msys": {
        "message_event": {
            **SPARKPOST_UNSUBSCRIBE["msys"]["unsubscribe_event"],
            "type": "spam_complaint",
            "raw_rcpt_to": "spam@example.com",
            "rcpt_to": "spam@example.com",
        }
    }
}
SPARKPOST = Provider(
    "SparkPost",
    "sparkpost_tracking_webhook",
    _post_plain,
    [
        Case(
            "hard bounce (class 10, invalid recipient)",
            [_sparkpost_bounce("10", "bounce@example.com")],
            {"bounce@example.com": BOUNCED},
        ),
        Case(
            "hard bounce (class 30, no RCPT)",
            [_sparkpost_bounce("30", "norcpt@example.com")],
            {"norcpt@example.com": BOUNCED},
        ),
        *(
            Case(
                f"soft bounce (class {bounce_class})",
                [_sparkpost_bounce(bounce_class, "soft@example.com")],
                {"soft@example.com": SUBSCRIBED},
            )
            # soft, DNS, mailbox full, too large, timeout, generic, blocks, transient
            for bounce_class in ("20", "21", "22", "23", "24", "40", "50", "51", "70")
        ),
        Case(
            "unsubscribe (class 90)",
            [_sparkpost_bounce("90", "leaving@example.com")],
            {"leaving@example.com": UNSUBSCRIBED},
        ),
        Case("list unsubscribe", [SPARKPOST_UNSUBSCRIBE], {"recipient@example.com": UNSUBSCRIBED}),
        Case("spam complaint", [SPARKPOST_COMPLAINT], {"spam@example.com": COMPLAINED}),
    ],
    malformed=Case(
        "a list, two events in one (anymail refuses it), and a valid unsubscription",
        [
            {
                "msys": {
                    "message_event": {"type": "spam_complaint", "raw_rcpt_to": ["spam@example.com"]}
                }
            },
            {"msys": {"message_event": {"type": "bounce"}, "track_event": {"type": "open"}}},
            {
                "msys": {
                    "unsubscribe_event": {
                        **SPARKPOST_UNSUBSCRIBE["msys"]["unsubscribe_event"],
                        "raw_rcpt_to": UNSUB,
                    }
                }
            },
        ],
        {"spam@example.com": SUBSCRIBED, UNSUB: UNSUBSCRIBED},
    ),
)


# Unisender Go -----------------------------------------------------------------

# test_hard_bounced_event
UNISENDER_HARD = {
    "event_name": "transactional_email_status",
    "status": "hard_bounced",
    "email": "bounce@example.com",
    "delivery_info": {
        "delivery_status": "err_user_unknown",
        "destination_response": "555 5.7.1 User unknown 'bounce@example.com'.",
    },
    "event_time": "2024-09-06 23:22:40",
}
# test_soft_bounced_event
UNISENDER_SOFT = {
    "event_name": "transactional_email_status",
    "status": "soft_bounced",
    "email": "full@example.com",
    "delivery_info": {
        "delivery_status": "err_mailbox_full",
        "destination_response": "554 5.2.2 Mailbox full 'full@example.com'.",
    },
    "event_time": "2024-09-06 23:22:40",
}
# variant of test_hard_bounced_event: given up for a full mailbox (err_mailbox_full)
UNISENDER_HARD_FULL = {**UNISENDER_HARD, "email": "given-up@example.com"}
UNISENDER_HARD_FULL["delivery_info"] = {"delivery_status": "err_mailbox_full"}
# test_spam_event
UNISENDER_SPAM = {
    "event_name": "transactional_email_status",
    "status": "spam",
    "email": "to@example.com",
    "delivery_info": {
        "delivery_status": "err_spam_rejected",
        "destination_response": "550 Spam rejected",
    },
}
# test_unsubscribed_event
UNISENDER_UNSUBSCRIBED = {
    "event_name": "transactional_email_status",
    "status": "unsubscribed",
    "email": "to@example.com",
    "comment": "From unsubscribe page 'comment' field",
}


def _unisender_batch(*event_data):
    # test_multiple_event_option: the recommended "events_by_user" payload
    return {
        "events_by_user": [
            {
                "user_id": 111111,
                "events": [
                    {"event_name": "transactional_email_status", "event_data": data}
                    for data in event_data
                ],
            }
        ]
    }


UNISENDER_GO = Provider(
    "Unisender Go",
    "unisender_go_tracking_webhook",
    _post_unisender_go,
    [
        Case("hard bounce", UNISENDER_HARD, {"bounce@example.com": BOUNCED}),
        Case("soft bounce", UNISENDER_SOFT, {"full@example.com": SUBSCRIBED}),
        Case("given up, mailbox full", UNISENDER_HARD_FULL, {"given-up@example.com": SUBSCRIBED}),
        Case("spam", UNISENDER_SPAM, {"to@example.com": COMPLAINED}),
        Case("unsubscribe", UNISENDER_UNSUBSCRIBED, {"to@example.com": UNSUBSCRIBED}),
        Case(
            "several events",
            _unisender_batch(UNISENDER_HARD, UNISENDER_SOFT),
            {"bounce@example.com": BOUNCED, "full@example.com": SUBSCRIBED},
        ),
    ],
    malformed=Case(
        "an object, an event anymail cannot read, and a valid unsubscription",
        _unisender_batch(
            {**UNISENDER_SPAM, "email": {"address": "to@example.com"}},
            {"email": "to@example.com"},  # no "status": anymail fails
            {**UNISENDER_UNSUBSCRIBED, "email": UNSUB},
        ),
        {"to@example.com": SUBSCRIBED, UNSUB: UNSUBSCRIBED},
    ),
)


PROVIDERS = [
    AMAZON_SES,
    BREVO,
    SENDINBLUE,
    MAILERSEND,
    MAILGUN,
    MAILJET,
    MAILTRAP,
    MANDRILL,
    POSTAL,
    POSTMARK,
    RESEND,
    SENDGRID,
    SPARKPOST,
    UNISENDER_GO,
]
"""Every tracking webhook of anymail.urls (test_every_tracking_webhook_is_covered checks)."""
