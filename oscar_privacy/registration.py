"""Registration that never says whether an email address has an account.

Oscar's registration answers "A user with that email address already
exists", or creates the account and logs the person in: either way anyone
learns whether an address is a customer's. With
``OSCAR_PRIVACY_PREVENT_ACCOUNT_ENUMERATION`` (the default), as with
django-allauth's ``ACCOUNT_PREVENT_ENUMERATION``, both end on the same "check
your inbox" page, and the request does the same work either way
(:func:`start_registration`: the password hashed once, one task enqueued).
The task (:func:`deliver_registration_email`) then emails the address:

- ``PRIVACY_REGISTRATION_CONFIRM`` when no account has it: a link that
  creates the account and logs its owner in (:func:`confirm_registration`);
- ``PRIVACY_ACCOUNT_EXISTS`` when one has: "you already have an account",
  with the login and forgotten-password pages.

The link carries what the form received (the address, the password already
hashed, the consents given, the page to go back to, what
``OSCAR_PRIVACY_CONSENT_NETWORK_DATA`` keeps of the client's address),
encrypted with ``OSCAR_PRIVACY_ENCRYPTION_KEYS``: nothing is stored before
the owner of the address confirms, so nobody can hold an address they do not
own. It expires after ``OSCAR_PRIVACY_REGISTRATION_CONFIRMATION_DAYS`` and
works once (an account then has the address, and the audit trail the link's
fingerprint). The consents are recorded when the account is created, with
the versions the person accepted.
"""

import json
import time
import zlib

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth import login as auth_login
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils import translation
from django.utils.module_loading import import_string
from oscar.apps.customer.signals import user_registered
from oscar.apps.customer.utils import normalise_email
from oscar.core.loading import get_class

from . import audit
from .conf import app_settings
from .consent import network_data, record_consents
from .crypto import DecryptionError, decrypt, encrypt, fingerprint
from .exceptions import PrivacyError
from .models import AuditEvent, ConsentChannel, PolicyVersion
from .passwords import RequestOrigin, in_words, request_origin, site_url
from .redirects import safe_or_empty

Dispatcher = get_class("communication.utils", "Dispatcher")
CustomerDispatcher = get_class("customer.utils", "CustomerDispatcher")
generate_username = get_class("customer.forms", "generate_username")

CONFIRM_EMAIL = "PRIVACY_REGISTRATION_CONFIRM"
"""Oscar communication event code of the link that creates a new account."""

ACCOUNT_EXISTS_EMAIL = "PRIVACY_ACCOUNT_EXISTS"
"""Event code of the reminder to the owner of an address that already has an account."""

REGISTERED_ACTION = "account.registered"
"""Audit action of an account created from a confirmation link."""

TOKEN_MAX_LENGTH = 2000
"""Longer tokens are refused unread: a real one is about 400 characters."""


class RegistrationLinkError(PrivacyError, ValueError):
    """A confirmation link that creates nothing.

    ``reason`` is ``"invalid"`` (forged, damaged, made with a key no longer
    configured), ``"expired"`` or ``"used"`` (an account already has the
    address, or the link was followed before).
    """

    def __init__(self, message, *, reason):
        super().__init__(message)
        self.reason = reason


class RegistrationPasswordRefused(PrivacyError, ValueError):
    """The password typed on the link's page is not the one chosen at registration.

    Following the link proves the mailbox; typing the password proves the
    person who registered. Without both, whoever registered someone else's
    address with a password of their own would, once its owner pressed the
    button, hold an account in that owner's name whose password they know.
    """


def prevents_enumeration():
    """Whether registration answers alike for new and registered addresses (the setting)."""
    return bool(app_settings.PREVENT_ACCOUNT_ENUMERATION)


def account_exists(email):
    """Whether an account has ``email``, whatever its case: Oscar's rule for a taken address."""
    field = get_user_model().get_email_field_name()
    return get_user_model()._default_manager.filter(**{f"{field}__iexact": email}).exists()


def confirmation_validity():
    """Seconds a confirmation link works."""
    return int(app_settings.REGISTRATION_CONFIRMATION_DAYS) * 24 * 3600


# The registration form's request ---------------------------------------------------------


def start_registration(form, *, request):
    """Have the address of a valid registration ``form`` emailed; the same work for every address.

    The password is hashed (once) and everything the account needs goes,
    encrypted, into the link a background task emails
    (:func:`oscar_privacy.tasks.send_registration_email`). Nothing else is
    read or written: whether an account has the address is for the task to find.
    """
    from .tasks import send_registration_email

    email = normalise_email(form.cleaned_data["email"])
    entries = form.consent_entries() if hasattr(form, "consent_entries") else []
    payload = {
        "email": email,
        "password": make_password(form.cleaned_data["password1"]),
        "fields": _other_fields(form),
        "consents": [
            [purpose, action, version.pk if version is not None else None]
            for purpose, action, version in entries
        ],
        "network": network_data(request),
        "next": str(form.cleaned_data.get("redirect_url") or ""),
        "issued": int(time.time()),
    }
    token = encrypt(zlib.compress(json.dumps(payload).encode())).decode()
    # The task reads the address from the token: the queue holds nothing in clear.
    send_registration_email.enqueue(token, origin=request_origin(request))


def _other_fields(form):
    """Text fields of the user model the shop's registration form may add (first name...)."""
    user_model = get_user_model()
    names = {field.name for field in user_model._meta.concrete_fields}
    skip = {"email", "password", "username", user_model.USERNAME_FIELD}
    return {
        name: value
        for name, value in form.cleaned_data.items()
        if name in names and name not in skip and isinstance(value, str)
    }


# The background task -------------------------------------------------------------------------


def deliver_registration_email(token, *, origin=None):
    """Email the address of ``token`` its confirmation link, or the reminder that it has an account.

    Run by the background task; returns the event code sent. Whatever the
    email backend raises is raised (the task fails and may be retried).
    """
    email = _payload(token)["email"]
    origin = RequestOrigin(**(origin or {}))
    with translation.override(origin.language or None):
        if account_exists(email):
            code = ACCOUNT_EXISTS_EMAIL
            context = {
                "login_link": site_url(reverse("customer:login"), origin),
                "reset_link": site_url(reverse("password-reset"), origin),
            }
        else:
            code = CONFIRM_EMAIL
            path = reverse("oscar_privacy:registration-confirm", args=[token])
            context = {
                "confirm_link": site_url(path, origin),
                "valid_for": in_words(confirmation_validity()),
            }
        dispatcher = Dispatcher()
        messages = dispatcher.get_messages(code, {"request": origin, "email": email, **context})
        # Directly: the confirmation link is a key, and there is no account yet to file it under.
        dispatcher.dispatch_direct_messages(email, messages)
    return code


# Following the link ----------------------------------------------------------------------------


def read_link(token):
    """The registration ``token`` carries, checked; :class:`RegistrationLinkError` otherwise.

    Checks the encryption, the expiry and that no account has the address
    yet; does not create anything.
    """
    payload = _payload(token)
    if time.time() - payload["issued"] > confirmation_validity():
        raise RegistrationLinkError("The link has expired.", reason="expired")
    if account_exists(payload["email"]) or _followed(token):
        raise RegistrationLinkError("The link was used.", reason="used")
    return payload


def _payload(token):
    """What ``token`` carries, decrypted and of the right shape (not checked for expiry or use)."""
    if not isinstance(token, str) or len(token) > TOKEN_MAX_LENGTH:
        raise RegistrationLinkError("Malformed token.", reason="invalid")
    try:
        payload = json.loads(zlib.decompress(decrypt(token.encode("ascii"))))
    except (DecryptionError, UnicodeError, ValueError, zlib.error):
        raise RegistrationLinkError("The link cannot be read.", reason="invalid") from None
    if not (
        isinstance(payload, dict)
        and isinstance(payload.get("email"), str)
        and isinstance(payload.get("password"), str)
        and isinstance(payload.get("issued"), int)
    ):
        raise RegistrationLinkError("Unexpected token content.", reason="invalid")
    return payload


def confirm_registration(token, *, request, password):
    """Create the account ``token`` describes, record its consents and log its owner in.

    ``password`` must be the one chosen at registration (the link carries
    it hashed). Returns ``(user, next_url)``: where to go now (the page the
    person registered from, if it is on this site). Raises
    :class:`RegistrationLinkError` when the link creates nothing and
    :class:`RegistrationPasswordRefused` for another password.
    """
    with transaction.atomic():
        payload = read_link(token)
        if not isinstance(password, str) or not check_password(password, payload["password"]):
            raise RegistrationPasswordRefused("Not the password chosen at registration.")
        user = _create_account(payload)
        record_consents(
            _consent_entries(payload.get("consents") or []),
            channel=ConsentChannel.REGISTRATION,
            user=user,
            request=request,
            network=payload.get("network") or "",
        )
        audit.record(
            REGISTERED_ACTION,
            actor=user,
            subject=user,
            request=request,
            data={"link": fingerprint(token)},
        )
    # As Oscar's registration does once the account exists.
    user_registered.send_robust(sender=confirm_registration, request=request, user=user)
    if getattr(settings, "OSCAR_SEND_REGISTRATION_EMAIL", True):
        CustomerDispatcher().send_registration_email_for_user(
            user, {"user": user, "request": request}
        )
    auth_login(request, user, backend=login_backend())
    return user, _safe_next(payload.get("next"), request)


def _followed(token):
    return AuditEvent.objects.filter(
        action=REGISTERED_ACTION, data__link=fingerprint(token)
    ).exists()


def _create_account(payload):
    user_model = get_user_model()
    user = user_model(**{user_model.get_email_field_name(): payload["email"]})
    for name, value in (payload.get("fields") or {}).items():
        if isinstance(value, str) and name in _allowed_fields():
            setattr(user, name, value)
    if "username" in {field.name for field in user_model._meta.fields}:
        user.username = generate_username()
    user.password = payload["password"]
    user.save()
    return user


def _allowed_fields():
    user_model = get_user_model()
    skip = {"email", "password", "username", user_model.USERNAME_FIELD, "is_staff"}
    skip |= {"is_superuser", "is_active", "last_login", "date_joined", "id"}
    return {field.name for field in user_model._meta.concrete_fields} - skip


def _consent_entries(stored):
    pks = [pk for _purpose, _action, pk in stored if pk is not None]
    versions = PolicyVersion.objects.in_bulk(pks)
    return [
        (purpose, action, versions.get(pk) if pk is not None else None)
        for purpose, action, pk in stored
        if pk is None or pk in versions
    ]


def _safe_next(url, request):
    return safe_or_empty(url, request) or resolve_url(settings.LOGIN_REDIRECT_URL)


def login_backend():
    """The dotted path of the backend the new customer is logged in with.

    The first of ``AUTHENTICATION_BACKENDS`` that can find the account again
    at the next request (a ``ModelBackend``): not axes' backend.
    """
    backends = list(settings.AUTHENTICATION_BACKENDS)
    for path in backends:
        backend = import_string(path)
        if isinstance(backend, type) and issubclass(backend, ModelBackend):
            return path
    return backends[-1]
