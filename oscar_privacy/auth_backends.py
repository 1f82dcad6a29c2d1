"""Login by email address or username, taking as long whether or not an account matches.

Oscar's ``EmailBackend`` checks the password only of the accounts that have
the address typed: a known address costs one run of the password hasher
(Argon2: hundreds of milliseconds), an unknown one none, and anyone timing
the login page learns who is a customer. :class:`EmailBackend` runs the
hasher once when no account can log in, as Django's ``ModelBackend`` does
for unknown usernames, and matches usernames too, so it replaces both in
``AUTHENTICATION_BACKENDS`` (after axes' backend)::

    AUTHENTICATION_BACKENDS = (
        "oscar_privacy.throttling.LoginThrottlingBackend",
        "oscar_privacy.auth_backends.EmailBackend",
    )

Check ``oscar_privacy.W029`` reports Oscar's own backend left in place.
"""

import logging

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import Q
from oscar.apps.customer.utils import normalise_email

logger = logging.getLogger(__name__)


class EmailBackend(ModelBackend):
    """Oscar's email login (and Django's username login) with the same cost for every login.

    The password is checked against each account that may log in with what
    was typed (its username exactly, after Django's Unicode normalisation,
    or its email address whatever the case), and the hasher runs once when
    there is none: an unknown login, an inactive or closed account, and a
    known one with a wrong password each cost one hash and one query.
    Several accounts sharing an address (Oscar allows it) each have their
    password checked, as in Oscar; when the password opens more than one,
    nobody is logged in: Oscar raises ``MultipleObjectsReturned`` for its
    registration (a call without a request) to handle, and a login form gets
    the "wrong login" answer instead of a server error.
    """

    def authenticate(self, request, username=None, password=None, email=None, **kwargs):
        user_model = get_user_model()
        identifier = email if email is not None else username
        if identifier is None:
            identifier = kwargs.get(user_model.USERNAME_FIELD)
        if identifier is None or password is None:
            return None
        candidates = [
            user for user in self.candidates(str(identifier)) if self.user_can_authenticate(user)
        ]
        if not candidates:
            # As Django's ModelBackend: one run of the default hasher, so that
            # no account costs what an account with a wrong password costs.
            user_model().set_password(password)
            return None
        authenticated = [user for user in candidates if user.check_password(password)]
        if len(authenticated) == 1:
            return authenticated[0]
        if len(authenticated) > 1:
            if request is None:
                raise user_model.MultipleObjectsReturned(
                    "There are multiple users with the given email address and password"
                )
            logger.warning(
                "Accounts %s share an email address and a password: none is logged in.",
                ", ".join(f"#{user.pk}" for user in authenticated),
            )
        return None

    def candidates(self, identifier):
        """The accounts whose username or email address is ``identifier``, in one query."""
        user_model = get_user_model()
        identifier = identifier.strip()
        if not identifier:
            return []
        lookup = Q(**{user_model.USERNAME_FIELD: user_model.normalize_username(identifier)})
        email = normalise_email(identifier)
        if "@" in email:
            lookup |= Q(**{f"{user_model.get_email_field_name()}__iexact": email})
        return list(user_model._default_manager.filter(lookup).order_by("pk"))


def constant_time_login_problems():
    """Why a login may take longer for a known address, as sentences (empty: all is well)."""
    from django.conf import settings
    from django.utils.module_loading import import_string
    from oscar.apps.customer.auth_backends import EmailBackend as OscarEmailBackend

    problems = []
    for path in getattr(settings, "AUTHENTICATION_BACKENDS", ()):
        try:
            backend = import_string(path)
        except ImportError:
            continue
        if isinstance(backend, type) and issubclass(backend, OscarEmailBackend):
            problems.append(
                f"{path} checks a password only when an account has the address typed: "
                "a login takes longer for a customer's address than for an unknown one."
            )
    return problems
