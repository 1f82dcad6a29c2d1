"""Middleware: customers accept a new policy version; staff areas ask for the second factor."""

from urllib.parse import urlencode

from django.conf import settings
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django.utils.cache import patch_cache_control

from . import staff_areas, two_factor
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
            # path_info: the path without the SCRIPT_NAME, as the URLconf knows it.
            match = resolve(request.path_info, getattr(request, "urlconf", None))
        except Resolver404:
            return False
        return match.namespace == "oscar_privacy" or match.view_name in ALWAYS_REACHABLE_URL_NAMES


class StaffTwoFactorMiddleware:
    """Asks for the second factor before any page of a staff area; never lets one be cached.

    Place after ``AuthenticationMiddleware`` and django-otp's
    ``OTPMiddleware`` (check ``oscar_privacy.E012``). A request is in a staff
    area (Oscar's dashboard, Wagtail's admin, Django's admin) when its path
    resolves to a view included through one, in any language
    (:func:`oscar_privacy.staff_areas.staff_area`). There, anyone who can
    open a staff area (``DefaultPrivacyAdapter.requires_two_factor``: staff,
    superusers, Wagtail editors, Oscar's fulfilment partners...) whose
    session has not passed the second factor is sent to the code page, or
    to the set-up page when they have no device yet, and comes back
    afterwards; the areas' login and logout pages stay open. One session
    covers every area, whichever login page opened it. Every response of a
    staff area, to anyone, is sent with ``Cache-Control: no-store, private``:
    it shows personal data. Costs one URL resolution per request (two or
    three with ``i18n_patterns``); inside the areas, for staff, the device
    query of ``OTPMiddleware``.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if staff_areas.staff_area(request) is None:
            return self.get_response(request)
        if app_settings.STAFF_TWO_FACTOR and self.must_verify(request):
            response = self.send_to_second_factor(request)
        else:
            response = self.get_response(request)
        patch_cache_control(response, no_store=True, private=True)
        return response

    def must_verify(self, request):
        """Whether this request of a staff area must first pass the second factor."""
        if staff_areas.is_two_factor_exempt(request):
            return False
        user = getattr(request, "user", None)
        if user is None or not two_factor.requires_two_factor(user):
            return False
        return not two_factor.is_verified(user)

    def send_to_second_factor(self, request):
        target = "two-factor-verify" if two_factor.has_device(request.user) else "two-factor-setup"
        query = urlencode({"next": request.get_full_path()})
        return redirect(f"{reverse('oscar_privacy:' + target)}?{query}")
