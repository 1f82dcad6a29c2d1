"""Where a page may send its visitor next: the one check of every ``next`` parameter.

A ``next`` comes from the visitor (a link, a form's hidden field), so it is
untrusted input. It is followed only when it is a path this site serves:
it starts with the script prefix (``/``), not ``//`` (another host), has no
backslash (browsers read ``/\\host`` as ``//host``), no control character,
space or invisible formatting character (header injection, look-alikes),
at most :data:`MAX_LENGTH` characters, and passes Django's
:func:`~django.utils.http.url_has_allowed_host_and_scheme` for this host
(https only when the request is). Anything else, or a ``next`` given twice,
is replaced by the page's default: never an error, never another site.

A path, not only "the same host": Django's own check accepts ``abc``, which
``django.shortcuts.redirect`` then takes for a URL name (a server error), and
which a browser resolves against the current page. Views read ``next``
once, before they act (a code checked, a token used), so a bad ``next``
cannot make a good request fail after its effect.
"""

import unicodedata

from django.urls import get_script_prefix
from django.utils.http import url_has_allowed_host_and_scheme

FIELD_NAME = "next"
"""The parameter's name, in a query string or a form."""

MAX_LENGTH = 2048
"""The longest ``next`` followed: Django's own limit for the host check (``MAX_URL_LENGTH``)."""


def is_safe_path(url, request):
    """Whether ``url`` is a path on this site that a redirect may follow."""
    if not isinstance(url, str) or not url or len(url) > MAX_LENGTH:
        return False
    if not url.startswith(get_script_prefix()) or url.startswith("//") or "\\" in url:
        return False
    # Cc/Cf/Cs/Co/Cn (control, format, surrogate, private, unassigned) and Z* (spaces,
    # line and paragraph separators): a path from request.get_full_path() has none.
    if any(unicodedata.category(char)[0] in "CZ" for char in url):
        return False
    return url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )


def requested_next(request, field_name=FIELD_NAME):
    """The ``next`` the request carries: the form's, else the query string's; ``""`` if none.

    A field given twice is ambiguous (which one would the browser's page
    have meant?), so it counts as none.
    """
    for data in (request.POST, request.GET):
        values = data.getlist(field_name)
        if values:
            return values[0] if len(values) == 1 else ""
    return ""


def next_url(request, default, field_name=FIELD_NAME):
    """The request's ``next`` when it is a safe path on this site, else ``default``."""
    url = requested_next(request, field_name)
    return url if is_safe_path(url, request) else default


def safe_or_empty(url, request):
    """``url`` when it is a safe path on this site, else ``""`` (for forms whose default is
    decided elsewhere, such as Oscar's login form)."""
    return url if is_safe_path(url, request) else ""


class NextUrlMixin:
    """For a class-based view that goes on to ``next``: ``self.next_url``, checked once.

    Read as the view is set up, before ``dispatch``: nothing the view does
    (a code checked, a form saved) can come before the check.
    ``get_default_next`` is where to go without a safe ``next``.
    """

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.next_url = next_url(request, self.get_default_next())

    def get_default_next(self):
        return get_script_prefix()
