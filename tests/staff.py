"""Staff logins for tests: a session that django-otp counts as verified.

Staff areas (Oscar's dashboard, Wagtail's admin, Django's admin) ask staff
for a second factor. ``login_verified(client, user)`` logs ``user`` in and
marks the session verified by a confirmed backup-code device, as
``django_otp.login`` does after a right code, so a test of a staff page
starts where a real staff member stands after the two steps. Tests of the
second factor itself use ``client.force_login`` and go through the forms.
"""

from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP, hotp
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice


def verified_device(user):
    """A confirmed backup-code device of ``user`` (created once)."""
    device, _ = StaticDevice.objects.get_or_create(
        user=user, name="Test backup codes", defaults={"confirmed": True}
    )
    return device


def login_verified(client, user):
    """Log ``user`` in on ``client`` with a session verified by a second factor."""
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = verified_device(user).persistent_id
    session.save()
    return client


# Authenticator apps, for the tests that go through the second factor ----------

KNOWN_KEY = "3132333435363738393031323334353637383930"
"""A TOTP key (hex) for tests: ``b"12345678901234567890"``, RFC 6238's example secret."""


def give_authenticator(user, *, key=KNOWN_KEY, confirmed=True):
    """An authenticator app (``TOTPDevice``) of ``user`` with a key the test knows."""
    return TOTPDevice.objects.create(
        user=user, name="Authenticator app", key=key, confirmed=confirmed
    )


def code_now(device):
    """A code ``device`` accepts now, as an app would show it (``"012345"``).

    The current time step's, or the next one's when the current code has
    just been used (django-otp accepts one step ahead but never a code
    twice); so a test can log in twice within 30 seconds without waiting.
    """
    device.refresh_from_db()
    now = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).t()
    step = max(now, device.last_t + 1)
    if step > now + device.tolerance:
        raise AssertionError("every code the device accepts now has been used")
    return f"{hotp(device.bin_key, step, digits=device.digits):0{device.digits}d}"


def wrong_code(device):
    """A well-formed code that ``device`` refuses now (none of the steps it accepts)."""
    device.refresh_from_db()
    now = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).t()
    accepted = {
        hotp(device.bin_key, step, digits=device.digits)
        for step in range(now - device.tolerance, now + device.tolerance + 1)
    }
    return next(
        f"{number:0{device.digits}d}"
        for number in (123456, 654321, 111111)
        if number not in accepted
    )
