"""Asks logged-in customers to accept a policy version marked as a material change."""

from urllib.parse import urlencode

from django.conf import settings
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse

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
