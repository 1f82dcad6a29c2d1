"""Password reset links: the one service every way of resetting a password uses.

:func:`send_reset_link` mails a single-use, expiring link to the address
registered on the account, and to nobody else. The forgotten-password page,
the staff's "send a reset link" action and account recovery all call it.

The email is Oscar's ``PASSWORD_RESET`` communication event (staff can edit
its templates in the dashboard), sent *directly*: Oscar's own reset form sends
it through ``dispatch_user_messages``, which stores the body, live link
included, in the customer's email history (``communication.Email``). A link
kept there is a key anyone reading the history can use; so is the link in
Oscar's ``EMAIL_CHANGED`` and ``PASSWORD_CHANGED`` messages, which
:func:`send_account_alert` sends the same way.

The link is Django's ``default_token_generator`` link: the token is an HMAC
of the account's password hash and last login, so it stops working as soon as
either changes (it is single use) and after ``PASSWORD_RESET_TIMEOUT``.
"""

import datetime
import logging
import re

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sites.models import Site
from django.db import models
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.timesince import timeuntil
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from oscar.core.loading import get_class

from . import audit
from .conf import app_settings
from .exceptions import PasswordResetRefused
from .models import AccountClosure
from .ratelimit import is_limited, normalise_identifier  # noqa: F401 (normalise_identifier: API)

logger = logging.getLogger(__name__)

Dispatcher = get_class("communication.utils", "Dispatcher")
get_password_reset_url = get_class("customer.utils", "get_password_reset_url")

RESET_EMAIL = "PASSWORD_RESET"
"""Oscar's communication event code of the password reset email."""

EMAIL_CHANGED_EMAIL = "EMAIL_CHANGED"
"""Oscar's event code of the warning sent to the old address when it changes."""

PASSWORD_CHANGED_EMAIL = "PASSWORD_CHANGED"  # noqa: S105 - an event code
"""Oscar's event code of the warning sent when a password changes."""


UNKNOWN_IDENTIFIER_MODES = ("neutral", "error")
"""Values of ``OSCAR_PRIVACY_PASSWORD_RESET_UNKNOWN_IDENTIFIER``."""


class ResetChannel(models.TextChoices):
    """Why a reset link was sent; stored in the audit trail."""

    FORGOTTEN_PASSWORD = "forgotten_password", _("Forgotten password")
    STAFF = "staff", pgettext_lazy("password reset channel", "Staff")
    RECOVERY = "recovery", _("Account recovery")


def neutral_answers():
    """Whether the forgotten-password form answers alike for known and unknown identifiers."""
    mode = app_settings.PASSWORD_RESET_UNKNOWN_IDENTIFIER
    return mode != "error"  # noqa: S105 - a mode, not a password


def reset_refusal(user):
    """Why no reset link may go to ``user``, as a :class:`PasswordResetRefused`, or ``None``.

    Inactive and closed accounts cannot log in, and an account without an
    address has nowhere safe to receive a link.
    """
    if not user.is_active:
        return PasswordResetRefused(f"Account #{user.pk} is inactive.", reason="inactive")
    if AccountClosure.objects.filter(user_id=user.pk).exists():
        return PasswordResetRefused(f"Account #{user.pk} is closed.", reason="closed")
    if not _email_of(user):
        return PasswordResetRefused(f"Account #{user.pk} has no email address.", reason="no_email")
    return None


def send_reset_link(user, *, request=None, channel, actor=None, reason=""):
    """Email ``user`` a single-use link to choose a new password, at their registered address.

    ``channel`` is a :class:`ResetChannel` value; ``actor`` the staff member
    acting (``None`` when the person asked for it themselves); ``reason`` is
    stored with the audit event. Raises :class:`PasswordResetRefused` for an
    inactive, closed or address-less account, and whatever the email backend
    raises if sending fails (nothing is audited then). The link and its
    token are never stored: not in Oscar's email history, not in the audit.
    """
    channel = ResetChannel(channel)
    refusal = reset_refusal(user)
    if refusal is not None:
        raise refusal
    reset_url = get_password_reset_url(user)
    dispatcher = Dispatcher()
    messages = dispatcher.get_messages(
        RESET_EMAIL,
        {
            "user": user,
            "request": request,
            "channel": channel.value,
            "reset_url": reset_url,
            "reset_link": site_url(reset_url, request),
            "valid_for": link_validity(),
        },
    )
    dispatcher.dispatch_direct_messages(_email_of(user), messages)
    audit.record(
        "password.reset_link_sent",
        actor=actor,
        subject=user,
        reason=reason,
        request=request,
        data={"channel": channel.value},
    )


def find_accounts(identifier):
    """The accounts a reset link may go to for ``identifier``, a username or an email address.

    The username matches exactly (after Django's Unicode normalisation, as
    at login), the email address whatever its case (as Django's own reset
    form does); several accounts may share an address.
    Inactive, closed and address-less accounts are left out, exactly as if
    they did not exist.
    """
    user_model = get_user_model()
    identifier = user_model.normalize_username(identifier.strip())
    if not identifier:
        return []
    email_field = user_model.get_email_field_name()
    lookup = Q(**{f"{email_field}__iexact": identifier})
    if user_model.USERNAME_FIELD != email_field:
        lookup |= Q(**{user_model.USERNAME_FIELD: identifier})
    candidates = (
        user_model._default_manager.filter(lookup, is_active=True)
        .exclude(**{email_field: ""})
        .exclude(**{f"{email_field}__isnull": True})
        .exclude(pk__in=AccountClosure.objects.values("user_id"))
    )
    # The same conditions as reset_refusal(), in one query.
    return list(candidates.order_by("pk"))


def send_forgotten_password_links(identifier, *, request=None):
    """The forgotten-password form's service: a link to each account ``identifier`` names.

    The accounts are looked up, and the links sent and audited, by a
    background task (:func:`oscar_privacy.tasks.send_password_reset_links`):
    the request itself does the same work, enqueuing one task, whether or not
    an account matches, so the time the answer takes says nothing either.
    Returns nothing: the person's answer must not depend on what the task
    finds (:func:`deliver_forgotten_password_links` returns the count).
    """
    from .crypto import encrypt
    from .tasks import send_password_reset_links

    # Encrypted: a queue kept in the database would otherwise hold the address typed.
    sealed = encrypt(identifier.encode()).decode()
    send_password_reset_links.enqueue(sealed, origin=request_origin(request))


def deliver_forgotten_password_links(identifier, *, origin=None):
    """Send a link to each account :func:`find_accounts` finds for ``identifier``; the count.

    Run by the background task. ``origin`` is what :func:`request_origin`
    kept of the request that asked (its page and scheme, for the links and
    the audit trail, and its language, for the email). Sending failures are
    logged, not raised: the next accounts still get theirs.
    """
    origin = RequestOrigin(**(origin or {}))
    sent = 0
    with translation.override(origin.language or None):
        for user in find_accounts(identifier):
            try:
                send_reset_link(user, request=origin, channel=ResetChannel.FORGOTTEN_PASSWORD)
            except Exception:
                logger.exception(
                    "The password reset link to account #%s could not be sent.", user.pk
                )
            else:
                sent += 1
    return sent


def request_origin(request):
    """What a background task needs of ``request`` (JSON): page, scheme, host and language."""
    if request is None:
        return {"language": translation.get_language() or ""}
    return {
        "path": request.get_full_path(),
        "secure": request.is_secure(),
        "host": request.get_host(),
        "language": translation.get_language() or "",
    }


class RequestOrigin:
    """The request that asked for a task, as far as the emails and the audit trail need it.

    Stands for the request in :func:`send_reset_link` and ``audit.record``:
    the scheme of the links, the page recorded in the audit trail, and the
    host for a project without ``SITE_ID``. Nobody is logged in.
    """

    META = {}

    def __init__(self, *, path="", secure=False, host="", language=""):
        from django.contrib.auth.models import AnonymousUser

        self.path, self.secure, self.host, self.language = path, secure, host, language
        self.user = AnonymousUser()

    def get_full_path(self):
        return self.path

    def is_secure(self):
        return self.secure

    def get_host(self):
        return self.host


RATE = re.compile(r"^(?P<count>\d+)/(?P<multiplier>\d*)(?P<unit>[smhd])$")
UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate):
    """``(requests, seconds)`` of a django-ratelimit rate such as ``"3/h"`` or ``"10/15m"``.

    Raises ``ValueError`` for anything else.
    """
    match = RATE.match(rate) if isinstance(rate, str) else None
    if match is None:
        raise ValueError(f"{rate!r} is not a rate such as '3/h' or '10/15m'.")
    multiplier = int(match["multiplier"] or 1)
    return int(match["count"]), multiplier * UNIT_SECONDS[match["unit"]]


def reset_retry_after():
    """Seconds after which a throttled person may ask again: the longest rate window."""
    return max(
        parse_rate(app_settings.PASSWORD_RESET_RATE_PER_IP)[1],
        parse_rate(app_settings.PASSWORD_RESET_RATE_PER_IDENTIFIER)[1],
    )


def reset_request_throttled(request, identifier):
    """Count one forgotten-password request; ``True`` when over a rate limit.

    Both limits are counted for every request, whether or not an account
    matches, so the limit itself discloses nothing; the identifier is
    counted normalised (:func:`oscar_privacy.ratelimit.normalise_identifier`),
    so a look-alike of it shares its count. ``identifier`` may be empty (a
    form that did not validate): then only the IP limit counts.
    """
    over_ip = is_limited(
        request,
        group="oscar_privacy.password_reset.ip",
        rate=app_settings.PASSWORD_RESET_RATE_PER_IP,
    )
    over_identifier = is_limited(
        request,
        group="oscar_privacy.password_reset.identifier",
        rate=app_settings.PASSWORD_RESET_RATE_PER_IDENTIFIER,
        identifier=identifier or "",
    )
    return over_ip or over_identifier


def password_reset_completed(user, *, request=None):
    """Audit that ``user`` chose a new password through a reset link.

    The new password hash already ended every other session of the account:
    Django checks a hash of it in each session at every request.
    """
    audit.record("password.reset_completed", actor=user, subject=user, request=request)


def send_account_alert(event_code, user, recipient_email, *, request=None, **context):
    """Send Oscar's ``EMAIL_CHANGED`` or ``PASSWORD_CHANGED`` warning without storing it.

    Both carry a reset link "in case it wasn't you"; like the reset email,
    they go straight to ``recipient_email`` and never into the email history.
    """
    if not recipient_email:
        return
    reset_url = get_password_reset_url(user)
    dispatcher = Dispatcher()
    messages = dispatcher.get_messages(
        event_code,
        {
            "user": user,
            "request": request,
            "reset_url": reset_url,
            "reset_link": site_url(reset_url, request),
            **context,
        },
    )
    dispatcher.dispatch_direct_messages(recipient_email, messages)


def link_validity():
    """How long a reset link works, in words ("3 days"), for emails and pages."""
    return in_words(settings.PASSWORD_RESET_TIMEOUT)


def in_words(seconds):
    """A duration in words, in the active language ("1 hour", "3 days")."""
    now = timezone.now()
    return timeuntil(now + datetime.timedelta(seconds=seconds), now)


def _email_of(user):
    return getattr(user, user.get_email_field_name(), "")


def site_url(path, request):
    """The absolute address of ``path`` on the current Site, for emails."""
    # The domain is the current Site's, as in Oscar's own email templates
    # ({% absolute_url site.domain reset_url %}), never a client-chosen Host.
    domain = Site.objects.get_current(request).domain
    scheme = "https" if request is not None and request.is_secure() else None
    return f"{scheme or settings.OSCAR_URL_SCHEMA}://{domain}{path}"


def disable_password_and_end_sessions(user, *, actor, reason="", request=None):
    """Make ``user``'s password stop working now, and end every session of theirs.

    For a staff reset of an account that may be compromised: the reset link
    sent *afterwards* is the way back in (a link made before would no longer
    work, as its token depends on the password hash). Django refuses the
    account's sessions from their next request, as the hash they were opened
    with has changed; the stored ones are deleted once the transaction
    commits. Audited as ``password.disabled`` with ``reason``.
    """
    from django.db import transaction

    from .tasks import end_sessions

    with transaction.atomic():
        user.set_unusable_password()
        user.save(update_fields=["password"])
        audit.record("password.disabled", actor=actor, subject=user, reason=reason, request=request)
        transaction.on_commit(lambda: end_sessions.enqueue(user.pk))
