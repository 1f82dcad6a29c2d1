"""Every view of a URLconf, walked: for tests that cover every path of a class.

A test lists the routes it covers with :func:`routes` (filtered by namespace
or by the module of the view), so a URL added later is covered without
editing the test. A URL for a route comes either from ``reverse()`` with
sample values (:meth:`Route.url`) or, independently of any name, from its
patterns' regular expressions (:func:`path_to`: Django's own ``normalize``,
as ``reverse()`` does, with plausible values; a path counts only if Django
resolves it to that very view). A 404 from the view (no object 1) is fine
for the tests: what they look at happens before the view.

Independent of :mod:`oscar_privacy.staff_areas`: nothing here asks the code
under test which views are staff pages.
"""

import itertools
from dataclasses import dataclass

from django.urls import (
    LocalePrefixPattern,
    Resolver404,
    URLResolver,
    get_resolver,
    resolve,
    reverse,
)
from django.utils.regex_helper import normalize

SAMPLES = ("1", "x", "00000000-0000-0000-0000-000000000001")
"""Values tried, in turn, for every argument of a pattern."""
NAMED_SAMPLES = {"app_label": "auth"}
"""Arguments whose pattern lists the values it takes (Django admin's app index)."""


@dataclass(frozen=True)
class Route:
    chain: tuple
    """The patterns from the top of the URLconf to the view's own."""

    @property
    def pattern(self):
        return self.chain[-1]

    @property
    def name(self):
        """The pattern's own URL name (without namespaces), or ``None``."""
        return self.pattern.name

    @property
    def namespace(self):
        """The instance namespaces above the pattern, joined by ``:`` (``""`` for none)."""
        return ":".join(p.namespace for p in self.chain[:-1] if getattr(p, "namespace", None))

    @property
    def view_name(self):
        """The name ``reverse()`` takes: ``"dashboard:order-list"``, or ``None``."""
        if not self.name:
            return None
        return f"{self.namespace}:{self.name}" if self.namespace else self.name

    @property
    def route(self):
        """The route text from the top, without the language prefix: ``"shop/dashboard/"``."""
        return "".join(
            str(p.pattern) for p in self.chain if not isinstance(p.pattern, LocalePrefixPattern)
        )

    @property
    def callback(self):
        return self.pattern.callback

    @property
    def arguments(self):
        """The names of the arguments the URL takes (its own and its resolvers')."""
        return tuple(name for p in self.chain for name in p.pattern.regex.groupindex)

    @property
    def module(self):
        """The module of the view (its class's for a class-based view)."""
        view_class = getattr(self.callback, "view_class", None)
        return (view_class or self.callback).__module__

    def url(self, **values):
        """The URL of this route with ``values`` for its arguments (extra ones are ignored)."""
        return reverse(self.view_name, kwargs={key: values[key] for key in self.arguments})

    def __str__(self):
        return self.view_name or self.route


def routes(urlconf=None):
    """Every view of ``urlconf`` (the settings' by default), in the order Django tries them."""

    def walk(patterns, chain):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, (*chain, pattern))
            else:
                yield Route((*chain, pattern))

    return list(walk(get_resolver(urlconf).url_patterns, ()))


def _pieces(pattern):
    if isinstance(pattern.pattern, LocalePrefixPattern):
        return [pattern.pattern.language_prefix]
    pieces = []
    for text, params in normalize(pattern.pattern.regex.pattern):
        for sample in SAMPLES:
            piece = text % {param: NAMED_SAMPLES.get(param, sample) for param in params}
            pieces += [piece, "x" + piece] if piece.startswith("/") else [piece]
    return list(dict.fromkeys(pieces))


def path_to(route, urlconf=None):
    """A path (``path_info``, in the active language) that resolves to ``route``, or ``None``.

    ``None`` for a view that no path reaches (an earlier pattern takes
    every path it would match).
    """
    for pieces in itertools.product(*(_pieces(p) for p in route.chain)):
        path = "/" + "".join(pieces)
        try:
            match = resolve(path, urlconf)
        except Resolver404:
            continue
        if match.tried and match.tried[-1][-1] is route.pattern:
            return path
    return None
