"""Staff logins for tests: a session that django-otp counts as verified.

Staff areas (Oscar's dashboard, Wagtail's admin, Django's admin) ask staff
for a second factor. ``login_verified(client, user)`` logs ``user`` in and
marks the session verified by a confirmed backup-code device, as
``django_otp.login`` does after a right code, so a test of a staff page
starts where a real staff member stands after the two steps. Tests of the
second factor itself use ``client.force_login`` and go through the forms.
"""

from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticDevice


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
