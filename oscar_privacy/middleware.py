"""Middleware: customers accept a new policy version; staff pass their second factor."""

from urllib.parse import urlencode

from django.conf import settings
from django.shortcuts import redirect
from django.urls import NoReverseMatch, Resolver404, get_script_prefix, resolve, reverse

from . import two_factor
from .conf import app_settings
from .consent import versions_to_accept

ALWAYS_REACHABLE_URL_NAMES = {"customer:logout", "logout"}


class PolicyAcceptanceMiddleware:
    """Place after ``AuthenticationMiddleware`` and ``SessionMiddleware``.

    Costs one query per request of a logged-in customer (the current
    versions, shared with the consent forms); staff are not asked here.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not user.is_staff:
            due = versions_to_accept(request)
            if due and not self.is_reachable(request, due):
                target = reverse("oscar_privacy:accept-policies")
                return redirect(f"{target}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)

    def is_reachable(self, request, due):
        path = request.path
        prefixes = [
            settings.STATIC_URL or "/static/",
            settings.MEDIA_URL or "/media/",
            *app_settings.REACCEPTANCE_EXEMPT_PATHS,
            *(version.source_url for version in due if version.source_url),
        ]
        if any(prefix and path.startswith(prefix) for prefix in prefixes):
            return True
        try:
            match = resolve(path)
        except Resolver404:
            return False
        return match.namespace == "oscar_privacy" or match.view_name in ALWAYS_REACHABLE_URL_NAMES


PROTECTED_URL_NAMES = ("dashboard:index", "wagtailadmin_home", "admin:index")
"""The staff areas, by the URL name of their home page: every path under one is protected."""

TWO_FACTOR_EXEMPT_URL_NAMES = frozenset(
    {
        "dashboard:login",
        "dashboard:logout",
        "wagtailadmin_login",
        "wagtailadmin_logout",
        "admin:login",
        "admin:logout",
        "oscar_privacy:two-factor-verify",
        "oscar_privacy:two-factor-setup",
        "oscar_privacy:two-factor-backup-codes",
    }
)
"""Views under a staff area that stay reachable before the second factor."""


def staff_area_prefixes(urlconf=None):
    """The paths of the staff areas' home pages in ``urlconf``, as a tuple."""
    prefixes = []
    for name in PROTECTED_URL_NAMES:
        try:
            prefixes.append(reverse(name, urlconf=urlconf))
        except NoReverseMatch:
            pass  # that area is not installed in this project
    return tuple(prefixes)


class StaffTwoFactorMiddleware:
    """Asks staff for their second factor before any page of a staff area.

    Place after ``AuthenticationMiddleware`` and django-otp's
    ``OTPMiddleware`` (check ``oscar_privacy.E012``). A staff member (see
    ``DefaultPrivacyAdapter.requires_two_factor``) whose session has not
    passed the second factor is sent from Oscar's dashboard, Wagtail's admin
    or Django's admin to the code page, or to the set-up page when they
    have no device yet, and comes back afterwards. One session covers the
    three areas, whichever login page opened it, so one check covers them.
    Costs nothing outside the staff areas; inside, for staff, the
    device query of ``OTPMiddleware``.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self._prefixes = {}

    def __call__(self, request):
        if app_settings.STAFF_TWO_FACTOR and self.must_verify(request):
            return self.send_to_second_factor(request)
        return self.get_response(request)

    def protected_prefixes(self, request):
        """The paths of the staff areas' home pages, found once per URLconf and script prefix."""
        urlconf = getattr(request, "urlconf", None)
        key = (urlconf, get_script_prefix())
        if key not in self._prefixes:
            self._prefixes[key] = staff_area_prefixes(urlconf)
        return self._prefixes[key]

    def must_verify(self, request):
        if not request.path.startswith(self.protected_prefixes(request)):
            return False
        user = getattr(request, "user", None)
        if user is None or not two_factor.requires_two_factor(user):
            return False
        if two_factor.is_verified(user):
            return False
        try:
            match = resolve(request.path_info, urlconf=getattr(request, "urlconf", None))
        except Resolver404:
            return True
        return match.view_name not in TWO_FACTOR_EXEMPT_URL_NAMES

    def send_to_second_factor(self, request):
        target = "two-factor-verify" if two_factor.has_device(request.user) else "two-factor-setup"
        query = urlencode({"next": request.get_full_path()})
        return redirect(f"{reverse('oscar_privacy:' + target)}?{query}")
