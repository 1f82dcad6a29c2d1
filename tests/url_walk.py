"""Every URL pattern of the URLconf, walked: for tests that cover every path of a class.

A test lists the routes it covers with :func:`routes` (filtered by
namespace or by the module of the view), so a URL added later is covered
without editing the test; :meth:`Route.url` builds a URL of the route from
sample values of its arguments.
"""

from dataclasses import dataclass

from django.urls import URLResolver, get_resolver, reverse


@dataclass(frozen=True)
class Route:
    namespace: str
    """The instance namespaces above the pattern, joined by ``:`` (``""`` for none)."""
    name: str | None
    route: str
    """The pattern's text from the root, for test ids and messages."""
    callback: object
    arguments: tuple
    """The names of the arguments the URL takes (its own and its resolvers')."""

    @property
    def view_name(self):
        return f"{self.namespace}:{self.name}" if self.namespace else self.name

    @property
    def module(self):
        """The module of the view (its class's for a class-based view)."""
        view_class = getattr(self.callback, "view_class", None)
        return (view_class or self.callback).__module__

    def url(self, **values):
        """The URL of this route with ``values`` for its arguments (extra ones are ignored)."""
        return reverse(self.view_name, kwargs={key: values[key] for key in self.arguments})


def _walk(patterns, namespaces, route, arguments):
    for pattern in patterns:
        names = tuple(pattern.pattern.regex.groupindex)
        text = route + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = (*namespaces, pattern.namespace) if pattern.namespace else namespaces
            yield from _walk(pattern.url_patterns, inner, text, arguments + names)
        else:
            yield Route(
                ":".join(namespaces), pattern.name, text, pattern.callback, arguments + names
            )


def routes(urlconf=None):
    """Every URL pattern of ``urlconf`` (the settings' by default), in order."""
    return list(_walk(get_resolver(urlconf).url_patterns, (), "", ()))
