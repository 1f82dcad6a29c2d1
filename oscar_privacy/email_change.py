"""A customer's new email address takes effect once its mailbox confirms it.

Oscar's profile form (My Account, "Edit profile") answers "A user with this
email address already exists" when the new address has another account: any
customer can try addresses one by one. It also changes the address at once,
to a mailbox nobody proved. With ``OSCAR_PRIVACY_PREVENT_ACCOUNT_ENUMERATION``
(the default), in the design of django-allauth's ``ACCOUNT_CHANGE_EMAIL`` with
verification, and of our registration link
(:mod:`oscar_privacy.registration`):

- the form no longer looks the address up; the other fields are saved at
  once, the address is not, and the request does the same work whatever the
  address (:func:`start_email_change`: one task enqueued);
- the task (:func:`deliver_email_change_email`) emails the new address:
  ``PRIVACY_EMAIL_CHANGE_CONFIRM``, a link that applies the change, when no
  other account has it; ``PRIVACY_EMAIL_CHANGE_IN_USE`` ("someone tried to use
  this address for another account: log in with it, or choose a new
  password") when one has;
- the link works only for the account that asked, logged in
  (:func:`confirm_email_change`): it changes the address if it is still free,
  audits ``account.email_changed`` (``surface`` ``my_account``, ``verified``),
  and only then warns the old address (Oscar's ``EMAIL_CHANGED``, never
  stored: ``oscar_privacy.passwords.send_account_alert``).

The link carries the account's id, its address when the change was asked
and the new one, encrypted with ``OSCAR_PRIVACY_ENCRYPTION_KEYS``: nothing is
stored until the change is applied. It expires after
``OSCAR_PRIVACY_EMAIL_CHANGE_CONFIRMATION_DAYS`` and works once: the account's
address must still be the one it was asked from, and the audit trail keeps
the fingerprint of every link followed.
"""

import hashlib
import json
import time

from django.contrib.auth import get_user_model
from django.db import IntegrityError, connections, router, transaction
from django.urls import reverse
from django.utils import translation
from oscar.apps.customer.utils import normalise_email
from oscar.core.loading import get_class

from . import audit
from .conf import app_settings
from .crypto import DecryptionError, decrypt, encrypt, fingerprint
from .exceptions import PrivacyError
from .models import AuditEvent
from .passwords import (
    EMAIL_CHANGED_EMAIL,
    RequestOrigin,
    in_words,
    request_origin,
    send_account_alert,
    site_url,
)
from .signals import account_email_changed

Dispatcher = get_class("communication.utils", "Dispatcher")

CONFIRM_EMAIL = "PRIVACY_EMAIL_CHANGE_CONFIRM"
"""Oscar communication event code of the link that applies a new address."""

IN_USE_EMAIL = "PRIVACY_EMAIL_CHANGE_IN_USE"
"""Event code of the notice to a new address that another account already has."""

CHANGED_ACTION = "account.email_changed"
"""Audit action of a changed address (the staff's changes use it too)."""

SURFACE = "my_account"
"""``data["surface"]`` of the audit events of a customer's own change."""

PURPOSE = "email_change"
"""What the link's content says it is for: no other encrypted token passes as one."""

CHANGE_RATE = "5/h"
"""New addresses one account may ask for: enough for typos, not to mail addresses in bulk."""

TOKEN_MAX_LENGTH = 2000
"""Longer tokens are refused unread: a real one is about 300 characters."""


class EmailChangeLinkError(PrivacyError, ValueError):
    """A confirmation link that changes nothing.

    ``reason`` is ``"invalid"`` (forged, damaged, made with a key no longer
    configured), ``"expired"``, ``"used"`` (followed before, or the account's
    address changed since it was sent), ``"taken"`` (another account has the
    new address by now) or ``"other_account"`` (the person logged in is not
    the account that asked).
    """

    def __init__(self, message, *, reason):
        super().__init__(message)
        self.reason = reason


def confirmation_validity():
    """Seconds a confirmation link works."""
    return int(app_settings.EMAIL_CHANGE_CONFIRMATION_DAYS) * 24 * 3600


def email_field():
    """The name of the user model's email field."""
    return get_user_model().get_email_field_name()


def stored_email(user):
    """``user``'s address as stored now (one query), ``""`` if none."""
    found = (
        get_user_model()
        ._default_manager.filter(pk=user.pk)
        .values_list(email_field(), flat=True)
        .first()
    )
    return found or ""


def is_change(old_email, new_email):
    """Whether the profile's ``new_email`` changes the stored ``old_email``.

    Not when it is only the stored address with its domain in small
    letters (what Oscar's form makes of any address): the same mailbox.
    """
    return bool(new_email) and normalise_email(old_email or "") != new_email


def taken_by_another(email, user_id):
    """Whether an account other than ``user_id`` has ``email``, whatever its case (Oscar's rule)."""
    lookup = {f"{email_field()}__iexact": email}
    return get_user_model()._default_manager.filter(**lookup).exclude(pk=user_id).exists()


# The profile form's request -----------------------------------------------------------------


def start_email_change(user, new_email, *, old_email, request):
    """Have ``new_email`` emailed what it needs to become ``user``'s address; the same work for
    every address.

    ``old_email`` is the address stored now. Nothing is read or written: one
    task (``oscar_privacy.tasks.send_email_change_email``) is enqueued with
    the encrypted link, from which it reads the address.
    """
    from .tasks import send_email_change_email

    token = confirmation_token(user, new_email, old_email=old_email)
    send_email_change_email.enqueue(token, origin=request_origin(request))


def confirmation_token(user, new_email, *, old_email):
    """The encrypted link's token that gives ``user`` (now at ``old_email``) ``new_email``."""
    payload = {
        "purpose": PURPOSE,
        "user": user.pk,
        "old": old_email or "",
        "email": normalise_email(new_email),
        "issued": int(time.time()),
    }
    return encrypt(json.dumps(payload).encode()).decode()


# The background task ------------------------------------------------------------------------


def deliver_email_change_email(token, *, origin=None):
    """Email the new address of ``token`` its confirmation link, or the notice that another
    account has it; returns the event code sent.

    Run by the background task. Whatever the email backend raises is raised
    (the task fails and may be retried).
    """
    payload = _payload(token)
    email = payload["email"]
    origin = RequestOrigin(**(origin or {}))
    with translation.override(origin.language or None):
        if taken_by_another(email, payload["user"]):
            code = IN_USE_EMAIL
            context = {
                "login_link": site_url(reverse("customer:login"), origin),
                "reset_link": site_url(reverse("password-reset"), origin),
            }
        else:
            code = CONFIRM_EMAIL
            path = reverse("oscar_privacy:email-change-confirm", args=[token])
            context = {
                "confirm_link": site_url(path, origin),
                "valid_for": in_words(confirmation_validity()),
            }
        dispatcher = Dispatcher()
        messages = dispatcher.get_messages(code, {"request": origin, "email": email, **context})
        # Directly: the link is a key, and the address is not the account's (yet).
        dispatcher.dispatch_direct_messages(email, messages)
    return code


# Following the link ------------------------------------------------------------------------


def read_link(token, user=None):
    """What ``token`` carries, checked; :class:`EmailChangeLinkError` otherwise.

    Without ``user`` (nobody logged in yet), only the link itself: its
    encryption and expiry. With ``user``, also that it is the account that
    asked, that the link was not used (the account still has the address it
    was asked from) and that no other account has the new address. Changes
    nothing.
    """
    payload = _payload(token)
    if time.time() - payload["issued"] > confirmation_validity():
        raise EmailChangeLinkError("The link has expired.", reason="expired")
    if user is None:
        return payload
    if payload["user"] != user.pk:
        raise EmailChangeLinkError("The link is another account's.", reason="other_account")
    if (getattr(user, email_field()) or "") != payload["old"] or _followed(token):
        raise EmailChangeLinkError("The link was used.", reason="used")
    if taken_by_another(payload["email"], user.pk):
        raise EmailChangeLinkError("Another account has the address.", reason="taken")
    return payload


def _payload(token):
    """What ``token`` carries, decrypted and of the right shape (not checked for expiry or use)."""
    if not isinstance(token, str) or len(token) > TOKEN_MAX_LENGTH:
        raise EmailChangeLinkError("Malformed token.", reason="invalid")
    try:
        payload = json.loads(decrypt(token.encode("ascii")))
    except (DecryptionError, UnicodeError, ValueError):
        raise EmailChangeLinkError("The link cannot be read.", reason="invalid") from None
    if not (
        isinstance(payload, dict)
        and payload.get("purpose") == PURPOSE
        and type(payload.get("user")) is int
        and isinstance(payload.get("old"), str)
        and isinstance(payload.get("email"), str)
        and payload["email"]
        and type(payload.get("issued")) is int
    ):
        raise EmailChangeLinkError("Unexpected token content.", reason="invalid")
    return payload


def _followed(token):
    return AuditEvent.objects.filter(action=CHANGED_ACTION, data__link=fingerprint(token)).exists()


def confirm_email_change(token, *, request):
    """Give the logged-in account the address ``token`` confirms; returns the account.

    In one transaction: the account's row is locked (two clicks apply it
    once), the link checked (:func:`read_link`), the address changed and
    the change audited; the old address is warned once it commits, never
    for a change that did not happen. Raises :class:`EmailChangeLinkError`
    when nothing changes.
    """
    user_model = get_user_model()
    field = email_field()
    payload = _payload(token)
    using = router.db_for_write(user_model)
    try:
        with transaction.atomic(using=using):
            _lock_address(payload["email"], using)
            user = user_model._default_manager.select_for_update().get(pk=request.user.pk)
            read_link(token, user)
            old_email, new_email = payload["old"], payload["email"]
            setattr(user, field, new_email)
            user.save(update_fields=[field])
            record_change(user, old_email, new_email, request=request, verified=True, link=token)
    except IntegrityError:
        # A unique address column, and another account took it meanwhile.
        raise EmailChangeLinkError("Another account has the address.", reason="taken") from None
    setattr(request.user, field, new_email)
    return user


def record_change(user, old_email, new_email, *, request, verified, link=None):
    """Audit ``user``'s own change of address, tell others, and warn ``old_email`` on commit.

    ``verified``: the new address confirmed it from its mailbox (a link);
    ``False`` for Oscar's immediate change (prevention off), whose warning
    Oscar's view sends itself.
    """
    data = {"old": old_email, "new": new_email, "surface": SURFACE, "verified": verified}
    if link is not None:
        data["link"] = fingerprint(link)
    audit.record(CHANGED_ACTION, actor=user, subject=user, request=request, data=data)
    account_email_changed.send(
        sender=type(user),
        user=user,
        old_email=old_email,
        new_email=new_email,
        verified=verified,
        request=request,
    )
    if verified:
        transaction.on_commit(
            lambda: send_account_alert(
                EMAIL_CHANGED_EMAIL, user, old_email, request=request, new_email=new_email
            ),
            using=router.db_for_write(type(user)),
            robust=True,
        )


def _lock_address(email, using):
    """Make two confirmations of ``email`` for different accounts wait for each other.

    PostgreSQL: a transaction-scoped advisory lock keyed on the address, so
    the second one sees the first's change and finds the address taken.
    SQLite lets one transaction write at a time (the other fails).
    """
    connection = connections[using]
    if connection.vendor != "postgresql":
        return
    digest = hashlib.sha256(email.casefold().encode()).digest()
    key = int.from_bytes(digest[:8], "big", signed=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


def address_verified(user):
    """Whether ``user``'s address was confirmed from its mailbox by an email-change link.

    True when the account's latest ``account.email_changed`` event is a
    confirmed change to the address it has now; a later change by staff, by
    Oscar's immediate form or by code leaves it unverified. For a newsletter
    or a shop that would trust a proven address (see docs/passwords.rst).
    """
    current = getattr(user, email_field()) or ""
    event = (
        AuditEvent.objects.filter(action=CHANGED_ACTION, subject_id=user.pk)
        .order_by("-created_at", "-pk")
        .first()
    )
    return bool(
        current and event and event.data.get("verified") and event.data.get("new") == current
    )
