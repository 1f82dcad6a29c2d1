"""Two-factor authentication for staff: who needs it, enrolment, backup codes, reset.

Built on django-otp; nothing here does cryptography of its own:

- an authenticator app is a ``TOTPDevice``, created unconfirmed for one
  session's enrolment and confirmed by the first right code (django-otp
  checks the code, refuses a code already used and throttles wrong ones);
- backup codes are the tokens of the person's ``StaticDevice``: each works
  once, and a new set replaces the old one;
- a session passes the second factor through ``django_otp.login``, which
  ``OTPMiddleware`` reads back on every request.

:class:`~oscar_privacy.middleware.StaffTwoFactorMiddleware` sends staff here
before any staff page; the pages are in :mod:`oscar_privacy.two_factor_views`.
Plugin models are imported inside the functions: the system check
(:func:`configuration_problems`) must run, and say what is missing, on a
project where django-otp's plugins are not installed.
"""

from base64 import b32encode

import segno
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext, gettext_lazy, ngettext_lazy
from django_otp import devices_for_user, user_has_device
from django_otp import login as otp_login

from . import audit
from .adapter import get_adapter
from .exceptions import TwoFactorRefused

BACKUP_CODE_COUNT = 10
AUTHENTICATOR_NAME = "Authenticator app"
BACKUP_CODES_NAME = "Backup codes"
# Stored names; pages show translated labels (see two_factor_forms.device_label).

PENDING_SESSION_KEY = "oscar_privacy_two_factor_pending"
"""Session key of the id of the unconfirmed authenticator being set up."""
NEW_CODES_SESSION_KEY = "oscar_privacy_two_factor_new_codes"
"""Session key of backup codes to show once, on the next visit of the backup codes page."""

MIDDLEWARE = "oscar_privacy.middleware.StaffTwoFactorMiddleware"
REQUIRED_BEFORE = (
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
)
REQUIRED_APPS = ("django_otp", "django_otp.plugins.otp_totp", "django_otp.plugins.otp_static")


def requires_two_factor(user):
    """Whether ``user`` must pass a second factor before the staff areas (the adapter decides)."""
    return get_adapter().requires_two_factor(user)


def is_verified(user):
    """Whether this session of ``user`` passed the second factor.

    ``False`` without django-otp's ``OTPMiddleware`` (check
    ``oscar_privacy.E012``): failing closed keeps staff out rather than in.
    """
    check = getattr(user, "is_verified", None)
    return bool(callable(check) and check())


def has_device(user):
    """Whether ``user`` has a confirmed device (authenticator app or backup codes)."""
    return user_has_device(user, confirmed=True)


# Enrolment -------------------------------------------------------------------


def pending_authenticator(request):
    """The unconfirmed authenticator this session's enrolment shows; made on first use.

    Bound to the session: a new session (a new login) gets a new secret,
    so whoever saw the page in another session, before the staff member
    set it up, does not hold the key that is finally confirmed. Other
    unconfirmed authenticators of the person are deleted.
    """
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = request.user
    device_id = request.session.get(PENDING_SESSION_KEY)
    device = None
    if isinstance(device_id, int):
        device = TOTPDevice.objects.filter(pk=device_id, user=user, confirmed=False).first()
    if device is None:
        with transaction.atomic():
            TOTPDevice.objects.filter(user=user, confirmed=False).delete()
            device = TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_NAME, confirmed=False)
        request.session[PENDING_SESSION_KEY] = device.pk
    return device


def secret_for_typing(device):
    """The authenticator's secret in base32, in groups of four, for typing into an app."""
    secret = b32encode(device.bin_key).decode()
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_code_svg(device, title):
    """The ``otpauth://`` address of ``device`` as an inline SVG QR code (HTML-safe markup).

    Drawn here by segno: the secret never leaves the server in an image
    URL or to a QR code service.
    """
    return segno.make(device.config_url, error="m").svg_inline(
        scale=5, title=title, svgclass="two-factor-qr"
    )


def confirm_enrolment(request, token):
    """Confirm this session's authenticator with its first ``token``; returns new backup codes.

    On success the authenticator is confirmed, a set of backup codes
    replaces any other, the session counts as verified and the enrolment is
    audited (``two_factor.enrolled``). Raises :class:`TwoFactorRefused`
    otherwise; a wrong code counts towards django-otp's throttling.
    """
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = request.user
    refusal = None
    with transaction.atomic():
        # The person's row locked: two tabs confirming at once make one authenticator.
        get_user_model()._default_manager.select_for_update().filter(pk=user.pk).first()
        device = (
            TOTPDevice.objects.select_for_update()
            .filter(pk=request.session.get(PENDING_SESSION_KEY) or 0, user=user, confirmed=False)
            .first()
        )
        if device is None or has_device(user):
            refusal = TwoFactorRefused(
                gettext("This set-up has expired: start again with the code shown now."),
                reason="expired",
            )
        else:
            refusal = _refusal(device)
        if refusal is None and not device.verify_token(token):
            # Not raised in the transaction: the failure django-otp counted must be kept.
            refusal = TwoFactorRefused(str(WRONG_CODE_MESSAGE), reason="wrong_code")
        if refusal is None:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            codes = _replace_backup_codes(user)
            audit.record(
                "two_factor.enrolled",
                actor=user,
                subject=user,
                request=request,
                data={"device": "authenticator", "backup_codes": len(codes)},
            )
    if refusal is not None:
        raise refusal
    request.session.pop(PENDING_SESSION_KEY, None)
    mark_verified(request, device)
    request.session[NEW_CODES_SESSION_KEY] = codes
    return codes


# Backup codes ----------------------------------------------------------------


def regenerate_backup_codes(request):
    """Replace the verified staff member's backup codes; returns the new ones.

    The old codes stop working at once. Audited as
    ``two_factor.backup_codes_regenerated`` (without the codes).
    """
    user = request.user
    with transaction.atomic():
        codes = _replace_backup_codes(user)
        audit.record(
            "two_factor.backup_codes_regenerated",
            actor=user,
            subject=user,
            request=request,
            data={"backup_codes": len(codes)},
        )
    request.session[NEW_CODES_SESSION_KEY] = codes
    return codes


def pop_new_backup_codes(request):
    """The backup codes to show now, once: a reload of the page no longer shows them."""
    codes = request.session.pop(NEW_CODES_SESSION_KEY, None)
    if not isinstance(codes, list):
        return []
    return [code for code in codes if isinstance(code, str)]


def backup_codes_left(user):
    """How many unused backup codes ``user`` has."""
    from django_otp.plugins.otp_static.models import StaticToken

    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def _replace_backup_codes(user):
    from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

    # The tokens are replaced, the device kept: a session verified by a
    # backup code stays verified when its owner makes new ones.
    StaticToken.objects.filter(device__user=user).delete()
    device = StaticDevice.objects.filter(user=user).order_by("pk").first()
    if device is None:
        device = StaticDevice.objects.create(user=user, name=BACKUP_CODES_NAME)
    elif not device.confirmed or device.throttling_failure_count:
        device.confirmed = True
        device.throttle_reset(commit=False)
        device.save()
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


# Verification ----------------------------------------------------------------


def mark_verified(request, device):
    """Record in the session that ``device`` verified its owner.

    The session key changes too, as at login: the session has just gained
    rights, and a key planted or seen before must not get them.
    """
    request.session.cycle_key()
    otp_login(request, device)


def record_failure(request, *, device_kind, reason):
    """Audit a refused second-factor code (``two_factor.verification_failed``).

    ``device_kind`` is ``"authenticator"``, ``"backup_code"`` or ``""``;
    ``reason`` one of :class:`~oscar_privacy.exceptions.TwoFactorRefused`'s,
    or ``"unknown_device"`` for a device that is not the person's. The code
    typed is never stored.
    """
    return audit.record(
        "two_factor.verification_failed",
        actor=request.user,
        subject=request.user,
        request=request,
        data={"device": device_kind, "reason": reason},
    )


def _refusal(device):
    """A ``throttled`` refusal while django-otp makes the person wait, else ``None``."""
    allowed, extra = device.verify_is_allowed()
    if allowed:
        return None
    return TwoFactorRefused(
        throttled_message((extra or {}).get("failure_count", 0)), reason="throttled"
    )


THROTTLED_MESSAGE = ngettext_lazy(
    "%(failure_count)d wrong code in a row: for your security, wait a moment before trying "
    "again. Each new wrong code doubles the wait.",
    "%(failure_count)d wrong codes in a row: for your security, wait a moment before trying "
    "again. Each new wrong code doubles the wait.",
    "failure_count",
)
"""What to say while django-otp makes the person wait (``% {"failure_count": n}``)."""

WRONG_CODE_MESSAGE = gettext_lazy(
    "This code is not right, or has already been used. Check the time of your phone and type "
    "the code your app shows now."
)


def throttled_message(failure_count):
    """:data:`THROTTLED_MESSAGE` for ``failure_count`` wrong codes in a row."""
    return str(THROTTLED_MESSAGE % {"failure_count": failure_count})


# Reset -----------------------------------------------------------------------


def reset_two_factor(user, *, reason, actor=None, request=None, channel="command"):
    """Remove every two-factor device of ``user`` and end their sessions; returns how many.

    For a staff member who lost their phone and backup codes: at their next
    visit of a staff page they set up an authenticator again. Their stored
    sessions are deleted once the transaction commits, so a session opened
    with a stolen password cannot go on to the enrolment. Audited as
    ``two_factor.reset`` with ``reason`` and ``channel`` (what did it: the
    ``"command"``); ``actor`` ``None`` is recorded as "system".
    """
    from .tasks import end_sessions

    with transaction.atomic():
        removed = 0
        for device in list(devices_for_user(user, confirmed=None)):
            device.delete()
            removed += 1
        audit.record(
            "two_factor.reset",
            actor=actor,
            subject=user,
            reason=reason,
            request=request,
            data={"devices_removed": removed, "channel": channel},
        )
        transaction.on_commit(lambda: end_sessions.enqueue(user.pk))
    return removed


# Configuration ---------------------------------------------------------------


def configuration_problems():
    """Why staff would not be asked for a second factor, as sentences (empty: all is well)."""
    from django.apps import apps

    problems = [
        f"INSTALLED_APPS has no {name!r}." for name in REQUIRED_APPS if not apps.is_installed(name)
    ]
    middleware = list(getattr(settings, "MIDDLEWARE", None) or [])
    if MIDDLEWARE not in middleware:
        problems.append(f"MIDDLEWARE has no {MIDDLEWARE!r}.")
    for name in REQUIRED_BEFORE:
        if name not in middleware:
            problems.append(f"MIDDLEWARE has no {name!r}.")
        elif MIDDLEWARE in middleware and middleware.index(name) > middleware.index(MIDDLEWARE):
            problems.append(f"{MIDDLEWARE!r} comes before {name!r} in MIDDLEWARE.")
    return problems
