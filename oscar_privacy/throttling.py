"""Login throttling with django-axes: the customer, dashboard and Wagtail logins.

Every login form that calls ``django.contrib.auth.authenticate`` with the
request is covered by axes' authentication backend, whatever the page:
Oscar's customer login (``customer:login``), Oscar's dashboard login
(``dashboard:login``), Wagtail's admin login and Django's admin login. This
module holds what a shop names in its axes settings (see ``docs/passwords.rst``):

- :class:`LoginThrottlingBackend` (first in ``AUTHENTICATION_BACKENDS``):
  axes' backend, letting through the ``authenticate()`` call without a
  request that Oscar's registration makes for the account it has just
  created (axes' own backend answers it with an exception: a server error).
- :class:`LoginThrottlingHandler` (``AXES_HANDLER``): axes' database
  handler that keeps nothing of the submitted form (axes would keep the
  POST data, and Oscar's ``login-password`` field is not one it masks) and
  adds a per-address limit, higher than the per-login one, against one
  address trying a few passwords on many accounts.
- :func:`get_username` (``AXES_USERNAME_CALLABLE``): the login typed,
  whichever form it came from, normalised as every rate limit counts it
  (:func:`oscar_privacy.ratelimit.normalise_identifier`): a look-alike of a
  paused login (``ｃｓ`` for ``cs``, ``CS``) is paused too.
- :func:`lockout_response` (``AXES_LOCKOUT_CALLABLE``): HTTP 429 with a page
  that says the same whether the account exists or not.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import router, transaction
from django.db.models import Sum
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.timesince import timeuntil
from django.utils.translation import gettext

from .conf import app_settings
from .ratelimit import normalise_identifier
from .staff_areas import staff_area

try:
    from axes.backends import AxesStandaloneBackend
    from axes.handlers.database import AxesDatabaseHandler
    from axes.helpers import (
        get_client_parameters,
        get_client_username,
        get_cool_off,
        get_failure_limit,
        get_lockout_parameters,
    )
    from axes.models import AccessAttempt
except ImportError:  # axes not installed: check oscar_privacy.W008 says so
    AxesStandaloneBackend = AxesDatabaseHandler = None

LOGIN_FIELDS = ("login-username", "username")
"""POST fields holding the login typed: Oscar's customer login form (prefix
``login``), then Django's ``AuthenticationForm`` (dashboard, Wagtail, admin)."""

STOREFRONT_TEMPLATE = "oscar_privacy/throttling/lockout.html"
STAFF_TEMPLATE = "oscar_privacy/throttling/lockout_staff.html"

USERNAME_MAX_LENGTH = 255  # axes' column
USERNAME_CALLABLES = ("oscar_privacy.throttling.get_username",)
"""What ``AXES_USERNAME_CALLABLE`` may be (see :func:`throttling_problems`)."""


def get_username(request, credentials=None):
    """The login typed, normalised; ``AXES_USERNAME_CALLABLE``.

    Read from the login form first: after a successful login axes passes
    the account's ``username``, which for Oscar's customers is a random
    string, not the email address they typed and failed with; "reset on
    success" would then miss their failures. Normalised
    (:func:`~oscar_privacy.ratelimit.normalise_identifier`: NFKC and case
    folding): Django logs ``ｃｓ`` in as ``cs`` and Oscar's email backend
    ignores case, so all of them are one login for the limit.
    """
    value = None
    data = getattr(request, "POST", None) if request is not None else None
    if data:
        value = next((data.get(name) for name in LOGIN_FIELDS if data.get(name)), None)
    if not value and credentials:
        value = credentials.get("username") or credentials.get(get_user_model().USERNAME_FIELD)
    if not value:
        return None
    return normalise_identifier(str(value))[:USERNAME_MAX_LENGTH] or None


def lockout_response(request, original_response=None, credentials=None):
    """The answer to a login refused for too many failures; ``AXES_LOCKOUT_CALLABLE``.

    HTTP 429 with a ``Retry-After`` header. The page names neither the login
    typed nor whether an account has it: an existing account and an unknown
    address get the same bytes. The storefront's look for customers, a
    neutral page for staff logins.
    """
    cool_off = get_cool_off(request)
    headers = {}
    context = {"retry_after": None}
    if cool_off:
        now = timezone.now()
        headers["Retry-After"] = str(int(cool_off.total_seconds()))
        context["retry_after"] = timeuntil(now + cool_off, now)
    if request.headers.get("x-requested-with") == "XMLHttpRequest":
        return JsonResponse(
            {"detail": gettext("Too many failed login attempts. Please try again later.")},
            status=429,
            headers=headers,
        )
    template = STAFF_TEMPLATE if staff_area(request) else STOREFRONT_TEMPLATE
    response = render(request, template, context, status=429)
    for name, value in headers.items():
        response[name] = value
    return response


def _is_ip_only(parameter):
    return parameter in ("ip_address", ["ip_address"], ("ip_address",))


if AxesStandaloneBackend is not None:

    class LoginThrottlingBackend(AxesStandaloneBackend):
        """Axes' backend, for ``AUTHENTICATION_BACKENDS`` (first), before the email backend.

        An ``authenticate()`` call without a request is not a login form:
        Oscar's registration makes one to log the new customer in with the
        password they have just chosen. Axes' backend raises
        ``AxesBackendRequestParameterRequired`` (a server error) there; this
        one leaves the decision to the next backends.
        """

        def authenticate(self, request, username=None, password=None, **kwargs):
            if request is None:
                return None
            return super().authenticate(request, username=username, password=password, **kwargs)

    class LoginThrottlingHandler(AxesDatabaseHandler):
        """Axes' database handler that keeps less and counts per address too.

        - The ``get_data`` and ``post_data`` of each attempt are emptied:
          the limit needs the login, address and browser only, and axes
          masks only the fields it knows (not Oscar's ``login-password``).
        - A parameter set of the address alone (``"ip_address"`` in
          ``AXES_LOCKOUT_PARAMETERS``) is held to
          ``OSCAR_PRIVACY_LOGIN_FAILURE_LIMIT_PER_IP`` instead of
          ``AXES_FAILURE_LIMIT``, and a successful login does not reset it
          (else one valid account would clear the way for the rest).
        """

        def user_login_failed(self, sender, credentials, request=None, **kwargs):
            # One transaction: the form data axes writes is never committed.
            with transaction.atomic(using=router.db_for_write(AccessAttempt)):
                super().user_login_failed(sender, credentials, request=request, **kwargs)
                if request is not None:
                    AccessAttempt.objects.filter(
                        username=get_client_username(request, credentials),
                        ip_address=request.axes_ip_address,
                        user_agent=request.axes_user_agent,
                    ).exclude(get_data="", post_data="").update(get_data="", post_data="")

        def get_failures(self, request, credentials=None):
            limit = get_failure_limit(request, credentials)
            per_ip = app_settings.LOGIN_FAILURE_LIMIT_PER_IP
            parameters = get_lockout_parameters(request, credentials)
            worst = 0
            for parameter, attempts in zip(
                parameters, self.get_user_attempts(request, credentials), strict=True
            ):
                failures = attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
                if _is_ip_only(parameter):
                    # Scaled so that reaching the per-address limit reaches axes' limit.
                    failures = failures * limit // max(per_ip, 1)
                worst = max(worst, failures)
            return worst

        def reset_user_attempts(self, request, credentials=None):
            username = get_client_username(request, credentials)
            parameters = get_lockout_parameters(request, credentials)
            filters = get_client_parameters(
                username, request.axes_ip_address, request.axes_user_agent, request, credentials
            )
            count = 0
            for parameter, filter_kwargs in zip(parameters, filters, strict=True):
                if not _is_ip_only(parameter):
                    count += AccessAttempt.objects.filter(**filter_kwargs).delete()[0]
            return count


def throttling_problems():
    """Why logins are not throttled, or not safely, as sentences (empty: all is well)."""
    if AxesStandaloneBackend is None or "axes" not in _installed_app_names():
        return ["django-axes is not installed (INSTALLED_APPS has no 'axes')."]
    problems = []
    if not getattr(settings, "AXES_ENABLED", True):
        problems.append("AXES_ENABLED is False.")
    backends = list(getattr(settings, "AUTHENTICATION_BACKENDS", []))
    if not backends or not _is_subclass(backends[0], AxesStandaloneBackend):
        problems.append(
            "The first of AUTHENTICATION_BACKENDS is not axes' backend "
            "(oscar_privacy.throttling.LoginThrottlingBackend)."
        )
    if "axes.middleware.AxesMiddleware" not in getattr(settings, "MIDDLEWARE", []):
        problems.append("MIDDLEWARE has no 'axes.middleware.AxesMiddleware'.")
    username_callable = getattr(settings, "AXES_USERNAME_CALLABLE", None)
    if username_callable is not get_username and username_callable not in USERNAME_CALLABLES:
        problems.append(
            "AXES_USERNAME_CALLABLE does not normalise the login typed: a look-alike of a "
            "paused login (another case, fullwidth letters) gets a fresh count "
            "(use 'oscar_privacy.throttling.get_username')."
        )
    if not _is_subclass(getattr(settings, "AXES_HANDLER", ""), LoginThrottlingHandler):
        problems.append(
            "AXES_HANDLER keeps the submitted login form with each failed attempt, and "
            "Oscar's password field is not one axes masks "
            "(use oscar_privacy.throttling.LoginThrottlingHandler)."
        )
    return problems


def _installed_app_names():
    from django.apps import apps

    return {config.name for config in apps.get_app_configs()}


def _is_subclass(path, base):
    from django.utils.module_loading import import_string

    try:
        found = import_string(path)
    except ImportError:
        return False
    return isinstance(found, type) and issubclass(found, base)
