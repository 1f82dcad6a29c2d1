"""The emails of privacy requests, and the signed link that confirms a visitor's request.

Each email is an Oscar communication event with its own code, so staff can
edit it in the dashboard (Content > Email templates) or a shop can override
its templates (``oscar/communication/emails/commtype_<code>_*``):

- ``PRIVACY_REQUEST_CONFIRM``: the confirmation link, to a visitor;
- ``PRIVACY_REQUEST_RECEIVED``: the acknowledgement, with the reference and
  the date the answer is due, once the request is actionable;
- ``PRIVACY_REQUEST_EXTENDED``: the deadline is extended, and why;
- ``PRIVACY_REQUEST_GRANTED`` and ``PRIVACY_REQUEST_REFUSED``: the answer,
  with the reason and the right to complain to the supervisory authority.

They go *directly* to the requester's address, in the language they wrote
in, and never into Oscar's email history: the confirmation link is a key,
and the requester may have no account.

The confirmation link carries a token signed with ``SECRET_KEY``
(``django.core.signing``, its own salt) that names the request and is bound
to its address and time of receipt; it expires after
``OSCAR_PRIVACY_REQUEST_CONFIRMATION_DAYS`` and works once, since
confirming takes the request out of ``unconfirmed``.
"""

import datetime

from django.core import signing
from django.urls import reverse
from django.utils import translation
from django.utils.crypto import constant_time_compare, salted_hmac
from oscar.core.loading import get_class

from .conf import app_settings
from .exceptions import PrivacyError
from .models import PrivacyRequest
from .passwords import in_words, site_url

Dispatcher = get_class("communication.utils", "Dispatcher")

CONFIRM_EMAIL = "PRIVACY_REQUEST_CONFIRM"
"""Oscar communication event code of the confirmation link sent to a visitor."""

RECEIVED_EMAIL = "PRIVACY_REQUEST_RECEIVED"
"""Event code of the acknowledgement (reference and due date)."""

EXTENDED_EMAIL = "PRIVACY_REQUEST_EXTENDED"
"""Event code of the notice that the deadline is extended, with the reason."""

GRANTED_EMAIL = "PRIVACY_REQUEST_GRANTED"
"""Event code of the answer to a request that was granted."""

REFUSED_EMAIL = "PRIVACY_REQUEST_REFUSED"
"""Event code of the answer to a request that was refused, with the reason."""

EVENT_CODES = (CONFIRM_EMAIL, RECEIVED_EMAIL, EXTENDED_EMAIL, GRANTED_EMAIL, REFUSED_EMAIL)

TOKEN_SALT = "oscar_privacy.requests.confirmation"  # noqa: S105 - a salt, not a secret
TOKEN_MAX_LENGTH = 400
"""Longer tokens are refused unread: a real one is about 100 characters."""


class ConfirmationLinkError(PrivacyError, ValueError):
    """A confirmation link that confirms nothing.

    ``reason`` is ``"invalid"`` (forged, damaged, for a request that no
    longer exists), ``"expired"`` or ``"used"`` (already confirmed).
    """

    def __init__(self, message, *, reason):
        super().__init__(message)
        self.reason = reason


def _binding(privacy_request):
    # Whole seconds: a database may keep fewer digits than Python has.
    received = int(privacy_request.received_at.timestamp())
    text = f"{privacy_request.pk}:{privacy_request.email.lower()}:{received}"
    return salted_hmac(TOKEN_SALT, text, algorithm="sha256").hexdigest()[:32]


def confirmation_token(privacy_request):
    """The signed token of ``privacy_request``'s confirmation link."""
    return signing.dumps(
        {"id": privacy_request.pk, "check": _binding(privacy_request)},
        salt=TOKEN_SALT,
        compress=False,
    )


def confirmation_validity():
    """How long a confirmation link works, as a ``timedelta``."""
    return datetime.timedelta(days=app_settings.REQUEST_CONFIRMATION_DAYS)


def request_for_token(token, *, queryset=None):
    """The unconfirmed request ``token`` confirms; :class:`ConfirmationLinkError` otherwise.

    ``queryset`` lets the caller lock the row (``select_for_update()``).
    """
    if not isinstance(token, str) or len(token) > TOKEN_MAX_LENGTH:
        raise ConfirmationLinkError("Malformed token.", reason="invalid")
    try:
        payload = signing.loads(token, salt=TOKEN_SALT, max_age=confirmation_validity())
    except signing.SignatureExpired:
        raise ConfirmationLinkError("The link has expired.", reason="expired") from None
    except signing.BadSignature:
        raise ConfirmationLinkError("Bad signature.", reason="invalid") from None
    if not (
        isinstance(payload, dict)
        and isinstance(payload.get("id"), int)
        and isinstance(payload.get("check"), str)
    ):
        raise ConfirmationLinkError("Unexpected token content.", reason="invalid")
    queryset = PrivacyRequest.objects.all() if queryset is None else queryset
    privacy_request = queryset.filter(pk=payload["id"]).first()
    if privacy_request is None or not constant_time_compare(
        payload["check"], _binding(privacy_request)
    ):
        raise ConfirmationLinkError("No such request.", reason="invalid")
    if privacy_request.status != PrivacyRequest.Status.UNCONFIRMED:
        raise ConfirmationLinkError("Already confirmed.", reason="used")
    return privacy_request


def send_request_email(privacy_request, code, *, request=None, **context):
    """Email the requester the ``code`` event about ``privacy_request``; ``False`` if no address.

    The address is the one the request came from (``privacy_request.email``):
    the one the visitor gave and confirmed, or the account's registered
    address when sent from the account, kept on the request so that the
    answer still reaches them once the account is closed. The templates get
    ``privacy_request``, ``site``, ``authority``
    (``OSCAR_PRIVACY_SUPERVISORY_AUTHORITY``) and ``context``. Whatever the
    email backend raises is raised.
    """
    address = privacy_request.email
    if not address:
        return False
    with translation.override(privacy_request.language or None):
        dispatcher = Dispatcher()
        messages = dispatcher.get_messages(
            code,
            {
                "privacy_request": privacy_request,
                "request": request,
                "authority": app_settings.SUPERVISORY_AUTHORITY,
                **context,
            },
        )
        dispatcher.dispatch_direct_messages(address, messages)
    return True


def send_confirmation_link(privacy_request, *, request=None):
    """Email the visitor the link that makes their request actionable."""
    path = reverse("oscar_privacy:request-confirm", args=[confirmation_token(privacy_request)])
    return send_request_email(
        privacy_request,
        CONFIRM_EMAIL,
        request=request,
        confirm_link=site_url(path, request),
        valid_for=in_words(int(confirmation_validity().total_seconds())),
    )
