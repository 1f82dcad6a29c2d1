"""Pages that show personal data are never stored: not by the browser, a proxy or a CDN.

Without ``Cache-Control: no-store``, a page is kept on disk by the browser
(the next person on a shared computer opens it with "Back" or from the
history, after the customer logged out) and may be kept by a shared cache
between the shop and its customers. Every view of oscar-privacy that shows
personal data, or takes it in a form it may show again, is sent with
Django's :func:`~django.views.decorators.cache.never_cache` headers
(``Cache-Control: max-age=0, no-cache, no-store, must-revalidate, private``
and an ``Expires`` in the past), through one of the two names below:

- :func:`no_store` for a function view;
- :class:`NoStoreMixin` for a class-based view (first in its bases).

Oscar's own My Account pages (profile, orders, addresses, emails,
wishlists...) are not our views: :class:`NoStoreMiddleware` sends every page
of the URL namespaces in ``OSCAR_PRIVACY_NO_STORE_NAMESPACES`` (Oscar's
``customer`` by default) the same way, whichever views a shop forked. Staff
areas are covered by :class:`~oscar_privacy.middleware.StaffTwoFactorMiddleware`.
"""

from django.utils.cache import add_never_cache_headers
from django.views.decorators.cache import never_cache

from .conf import app_settings


def no_store(view):
    """Decorator: the view's answers hold personal data, so no browser or cache keeps them."""
    return never_cache(view)


class NoStoreMixin:
    """For a class-based view whose answers hold personal data: :func:`no_store` on it."""

    @classmethod
    def as_view(cls, **initkwargs):
        return no_store(super().as_view(**initkwargs))


def in_no_store_namespace(request):
    """Whether the request's URL is under one of ``OSCAR_PRIVACY_NO_STORE_NAMESPACES``."""
    match = getattr(request, "resolver_match", None)  # None: the URL matched nothing
    return match is not None and not set(app_settings.NO_STORE_NAMESPACES).isdisjoint(
        match.namespaces
    )


class NoStoreMiddleware:
    """Sends every page of ``OSCAR_PRIVACY_NO_STORE_NAMESPACES`` with ``no-store``.

    For Oscar's My Account pages (the ``customer`` namespace), forked or
    not: a shop's fork keeps the namespace, since Oscar's templates name its
    URLs by it. Anywhere in ``MIDDLEWARE`` below ``UpdateCacheMiddleware``
    (when the site uses Django's page cache); check ``oscar_privacy.W036``
    warns when it is missing. Reads the URL the request resolved to (under
    any language or script prefix); costs nothing more.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if in_no_store_namespace(request):
            add_never_cache_headers(response)
        return response
