"""Re-entering the password before sensitive steps (downloading one's data, closing the account).

A logged-in session is not enough for these: a shared or borrowed computer
may still be logged in. The person types their password again; for
``OSCAR_PRIVACY_REAUTHENTICATION_SECONDS`` the session counts as confirmed.
Wrong passwords are counted per session: after :data:`MAX_FAILURES` the
session is logged out, so a left-open session cannot be used to guess.
"""

import time

from django.contrib.auth import logout

from .conf import app_settings

CONFIRMED_AT = "oscar_privacy_password_confirmed_at"
FAILURES = "oscar_privacy_password_failures"
MAX_FAILURES = 5


class TooManyFailures(Exception):
    """The session was logged out after too many wrong passwords."""


def is_recent(request):
    """Whether the password was re-entered in this session within the allowed time."""
    confirmed_at = request.session.get(CONFIRMED_AT)
    if not isinstance(confirmed_at, int | float):
        return False
    return 0 <= time.time() - confirmed_at <= app_settings.REAUTHENTICATION_SECONDS


def confirm(request, password):
    """Check ``password`` for the logged-in user; ``True`` marks the session as confirmed.

    Raises :class:`TooManyFailures` (after logging the session out) on the
    :data:`MAX_FAILURES`-th wrong password in a row.
    """
    user = request.user
    if password and user.is_authenticated and user.check_password(password):
        request.session[CONFIRMED_AT] = time.time()
        request.session.pop(FAILURES, None)
        return True
    failures = request.session.get(FAILURES, 0) + 1
    if failures >= MAX_FAILURES:
        logout(request)
        raise TooManyFailures
    request.session[FAILURES] = failures
    return False
