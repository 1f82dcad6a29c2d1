"""Every view of a URLconf, with a path that reaches it: for tests that walk whole areas.

Independent of :mod:`oscar_privacy.staff_areas`: the views are found by
walking the patterns, and a path for each is built from its patterns'
regular expressions (Django's own ``normalize``, as ``reverse()`` does) with
plausible values for the arguments; a path counts only if Django resolves
it to that very view. A 404 from the view (no object 1) is fine for the
tests: what they look at happens before the view.
"""

import itertools
from dataclasses import dataclass

from django.urls import LocalePrefixPattern, Resolver404, URLResolver, get_resolver, resolve
from django.utils.regex_helper import normalize

SAMPLES = ("1", "x", "00000000-0000-0000-0000-000000000001")
"""Values tried, in turn, for every argument of a pattern."""
NAMED_SAMPLES = {"app_label": "auth"}
"""Arguments whose pattern lists the values it takes (Django admin's app index)."""


@dataclass(frozen=True)
class View:
    chain: tuple
    """The patterns from the top of the URLconf to the view's own."""

    @property
    def pattern(self):
        return self.chain[-1]

    @property
    def route(self):
        """The route text from the top, without the language prefix: ``"shop/dashboard/"``."""
        return "".join(
            str(p.pattern) for p in self.chain if not isinstance(p.pattern, LocalePrefixPattern)
        )

    @property
    def name(self):
        if not self.pattern.name:
            return None
        namespaces = [p.namespace for p in self.chain[:-1] if getattr(p, "namespace", None)]
        return ":".join([*namespaces, self.pattern.name])

    def __str__(self):
        return self.name or self.route


def views(urlconf=None):
    """Every view of ``urlconf``, in the order Django tries them."""

    def walk(patterns, chain):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, (*chain, pattern))
            else:
                yield View((*chain, pattern))

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


def path_to(view, urlconf=None):
    """A path (``path_info``, in the active language) that resolves to ``view``, or ``None``.

    ``None`` for a view that no path reaches (an earlier pattern takes
    every path it would match).
    """
    for pieces in itertools.product(*(_pieces(p) for p in view.chain)):
        path = "/" + "".join(pieces)
        try:
            match = resolve(path, urlconf)
        except Resolver404:
            continue
        if match.tried and match.tried[-1][-1] is view.pattern:
            return path
    return None
