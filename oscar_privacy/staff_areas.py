"""Staff areas: which requests open Oscar's dashboard, Wagtail's admin or Django's admin.

A request is in a staff area when its path **resolves** to a view that the
URLconf includes through one, wherever and however often the shop mounts
it: under a language prefix (``i18n_patterns``), a ``SCRIPT_NAME``, at
``/``, under ``/shop/``, a second ``AdminSite``. Never by comparing the path
with a prefix computed once, which holds only for the language and script
prefix it was computed in. The includes that open a staff area
(:func:`resolver_area`):

- **Oscar's dashboard**: an include whose application namespace
  (``app_name``) is the label of an installed ``OscarDashboardConfig``:
  Oscar's ``dashboard`` with every sub-app inside it, a sub-app mounted on
  its own, oscar-privacy's ``oscar_privacy_dashboard`` inside Oscar's
  dashboard or anywhere else;
- **Django's admin**: an include with ``app_name`` ``"admin"``, which every
  ``AdminSite.urls`` has, whatever the site's name;
- **Wagtail's admin**: the include of ``wagtail.admin.urls``, which holds the
  views apps add through Wagtail's ``register_admin_urls`` hook and admin
  viewsets;
- what :setting:`OSCAR_PRIVACY_STAFF_AREAS` adds.

:func:`staff_area` is the one classifier: the two-factor middleware, the
``Cache-Control`` of staff pages, check ``oscar_privacy.E012`` and the tests
use it. Who must pass the second factor there is
:func:`can_open_a_staff_area` (the adapter's default).
"""

import functools
import uuid
from contextlib import nullcontext
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.urls import (
    LocalePrefixPattern,
    NoReverseMatch,
    Resolver404,
    URLResolver,
    get_resolver,
    get_script_prefix,
    resolve,
    reverse,
)
from django.urls.converters import IntConverter, UUIDConverter
from django.utils import translation
from django.utils.functional import Promise

from .conf import app_settings

OSCAR_DASHBOARD = "oscar_dashboard"
WAGTAIL_ADMIN = "wagtail_admin"
DJANGO_ADMIN = "django_admin"

WAGTAIL_ADMIN_URLCONF = "wagtail.admin.urls"
"""The module of Wagtail's admin URLs; its hook-registered views are in it."""

AREA_HOMES = {
    OSCAR_DASHBOARD: "dashboard:index",
    WAGTAIL_ADMIN: "wagtailadmin_home",
}
"""The home page of each area by URL name; every ``AdminSite`` adds ``<its name>:index``."""

TWO_FACTOR_EXEMPT = frozenset(
    {
        ("dashboard", "login"),
        ("dashboard", "logout"),
        ("admin", "login"),
        ("admin", "logout"),
        (None, "wagtailadmin_login"),
        (None, "wagtailadmin_logout"),
        ("oscar_privacy", "two-factor-verify"),
        ("oscar_privacy", "two-factor-setup"),
        ("oscar_privacy", "two-factor-backup-codes"),
    }
)
"""Views of a staff area reachable before the second factor, as (``app_name``, URL name).

``None`` stands for any application namespace (Wagtail's admin has none).
"""

_REQUEST_ATTRIBUTE = "_oscar_privacy_staff_area"


@dataclass(frozen=True)
class Classification:
    """What :func:`classify` found: the ``area`` (``None`` outside) and the resolved ``match``.

    ``match`` is ``None`` for a path that resolves in no language, counted
    in the area whose include its beginning matches (failing closed).
    """

    area: str | None
    match: object = None


OUTSIDE = Classification(None)


# The includes that open a staff area ----------------------------------------------------


@functools.cache
def dashboard_configs():
    """Every installed ``OscarDashboardConfig`` (Oscar's dashboard, its sub-apps, ours)."""
    from oscar.core.application import OscarDashboardConfig

    return tuple(
        config for config in apps.get_app_configs() if isinstance(config, OscarDashboardConfig)
    )


@functools.cache
def _dashboard_labels():
    return frozenset(config.label for config in dashboard_configs())


def resolver_area(resolver):
    """The staff area the include ``resolver`` opens, or ``None``."""
    module = getattr(resolver.urlconf_module, "__name__", None)
    extra = app_settings.STAFF_AREAS
    for name in (resolver.namespace, resolver.app_name, module):
        if name and name in extra:
            return name
    if resolver.app_name in _dashboard_labels():
        return OSCAR_DASHBOARD
    if resolver.app_name == "admin":
        return DJANGO_ADMIN
    if module == WAGTAIL_ADMIN_URLCONF:
        return WAGTAIL_ADMIN
    return None


def area_of_chain(chain, view_name=None):
    """The staff area of a view reached through ``chain`` (the patterns from the top), or None.

    The outermost staff include decides; a ``view_name`` listed in
    :setting:`OSCAR_PRIVACY_STAFF_AREAS` is a staff area of its own.
    """
    for pattern in chain:
        if isinstance(pattern, URLResolver):
            area = resolver_area(pattern)
            if area:
                return area
    if view_name and view_name in app_settings.STAFF_AREAS:
        return view_name
    return None


def area_of_match(match):
    """The staff area of a resolved request (a ``ResolverMatch``), or ``None``.

    A successful match's last ``tried`` entry is the chain of patterns that
    led to the view, from the URLconf's top to the view's own pattern.
    """
    chain = match.tried[-1] if match.tried else ()
    return area_of_chain(chain, match.view_name)


# Classifying a request -------------------------------------------------------------------


def staff_area(request):
    """The staff area ``request`` is in (``"oscar_dashboard"``, ...), or ``None``.

    Decided once per request from ``request.path_info`` (the path without
    the ``SCRIPT_NAME``) and the request's URLconf.
    """
    return classify_request(request).area


def classify_request(request):
    """:func:`classify` for ``request``, kept on the request."""
    found = getattr(request, _REQUEST_ATTRIBUTE, None)
    if found is None:
        found = classify(request.path_info, getattr(request, "urlconf", None))
        setattr(request, _REQUEST_ATTRIBUTE, found)
    return found


def classify(path_info, urlconf=None):
    """The :class:`Classification` of ``path_info`` in ``urlconf``.

    The path is resolved in the active language, and also in the language
    its prefix names and the default language when the URLconf has
    ``i18n_patterns`` (in every configured language when it has translated
    routes): a path that is a staff page in any of them is one. Which one
    Django finally serves depends on middleware that may run after ours;
    asking the second factor of a page that turns out not to need it costs
    nothing, the other way round would open the area. A path that resolves
    in no language is in the area whose include its beginning matches
    (:func:`area_by_prefix`): it gets the area's treatment, not a view
    outside it.
    """
    resolved = False
    for language in _candidate_languages(path_info, urlconf):
        try:
            if language is None:
                match = resolve(path_info, urlconf)
            else:
                with translation.override(language):
                    match = resolve(path_info, urlconf)
        except Resolver404:
            continue
        resolved = True
        area = area_of_match(match)
        if area:
            return Classification(area, match)
    if resolved:
        return OUTSIDE
    return Classification(area_by_prefix(path_info, urlconf))


def _candidate_languages(path_info, urlconf):
    """The active language (``None``), then the others a path may be resolved in."""
    candidates = [None]
    if not settings.USE_I18N:
        return candidates
    shape = url_map(urlconf)
    if shape.translated_routes:
        others = [code for code, _name in settings.LANGUAGES]
    elif shape.language_prefixed:
        others = [translation.get_language_from_path(path_info), settings.LANGUAGE_CODE]
    else:
        return candidates
    active = translation.get_language()
    for code in others:
        if code and code != active and code not in candidates:
            candidates.append(code)
    return candidates


def area_by_prefix(path_info, urlconf=None):
    """The staff area whose include the beginning of ``path_info`` matches, in any language."""
    shape = url_map(urlconf)
    if not shape.roots:
        return None
    root = get_resolver(urlconf)
    languages = [None]
    if settings.USE_I18N:
        languages += [code for code, _name in settings.LANGUAGES]
    for language in languages:
        with translation.override(language) if language else nullcontext():
            rest = root.pattern.match(path_info)
            if not rest:
                continue
            for area, chain in shape.roots:
                if _matches_as_prefix(chain, rest[0]):
                    return area
    return None


def _matches_as_prefix(chain, path):
    for pattern in chain:
        found = pattern.pattern.match(path)
        if not found:
            return False
        path = found[0]
    return True


def is_two_factor_exempt(request):
    """Whether ``request`` is for a page of its staff area that needs no second factor.

    The areas' login and logout pages, and our two-factor pages should a
    shop mount them inside an area. A path that does not resolve is not
    exempt.
    """
    match = classify_request(request).match
    if match is None:
        return False
    app_name = match.app_names[-1] if match.app_names else None
    return (app_name, match.url_name) in TWO_FACTOR_EXEMPT or (
        None,
        match.url_name,
    ) in TWO_FACTOR_EXEMPT


# The URLconf, walked once ------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    """A view of the URLconf: the ``chain`` of patterns from the top to its own, and its area."""

    chain: tuple
    area: str | None

    @property
    def pattern(self):
        return self.chain[-1]

    @property
    def view_name(self):
        """The name to ``reverse()``, with its namespaces (``None`` for an unnamed pattern)."""
        if not self.pattern.name:
            return None
        namespaces = [p.namespace for p in self.chain[:-1] if getattr(p, "namespace", None)]
        return ":".join([*namespaces, self.pattern.name])

    @property
    def route(self):
        """The pattern's text from the top, as Django shows it in a 404 page."""
        return "".join(str(p.pattern) for p in self.chain)


@dataclass(frozen=True)
class URLMap:
    """A URLconf walked once: its views, its staff includes, its use of languages."""

    routes: tuple
    roots: tuple
    """(area, chain) of each outermost staff include, for :func:`area_by_prefix`."""
    language_prefixed: bool
    translated_routes: bool


def url_map(urlconf=None):
    """The :class:`URLMap` of ``urlconf`` (default: ``ROOT_URLCONF``), walked once.

    Kept per resolver, which Django rebuilds when ``ROOT_URLCONF`` changes,
    and per :setting:`OSCAR_PRIVACY_STAFF_AREAS`.
    """
    return _url_map(get_resolver(urlconf), tuple(app_settings.STAFF_AREAS))


@functools.lru_cache(maxsize=16)
def _url_map(resolver, _extra_areas):
    routes, roots = [], []
    flags = {"language_prefixed": False, "translated_routes": False}

    def walk(patterns, chain, area):
        for pattern in patterns:
            text = getattr(pattern.pattern, "_route", None) or getattr(
                pattern.pattern, "_regex", None
            )
            if isinstance(text, Promise):
                flags["translated_routes"] = True
            if isinstance(pattern.pattern, LocalePrefixPattern):
                flags["language_prefixed"] = True
            here = (*chain, pattern)
            if isinstance(pattern, URLResolver):
                inner = area or resolver_area(pattern)
                if inner and not area:
                    roots.append((inner, here))
                walk(pattern.url_patterns, here, inner)
            else:
                route = Route(here, area)
                if not area and route.view_name in app_settings.STAFF_AREAS:
                    route = Route(here, route.view_name)
                routes.append(route)

    walk(resolver.url_patterns, (), None)
    return URLMap(tuple(routes), tuple(roots), **flags)


def staff_routes(urlconf=None):
    """Every view of ``urlconf`` inside a staff area, as :class:`Route` objects."""
    return [route for route in url_map(urlconf).routes if route.area]


# Who can open a staff area ---------------------------------------------------------------


@functools.cache
def dashboard_permission_lists():
    """Every list of requirements that opens a page of an Oscar dashboard app.

    Read from each dashboard app's ``permissions_map`` and
    ``default_permissions`` as Oscar's ``permissions_required`` reads them:
    a list is one set of requirements that must all hold, a tuple of lists
    is alternatives. Each requirement is a permission (``"order.view_order"``)
    or a user attribute (``"is_staff"``). ``"is_verified"`` (django-otp's
    second factor) is left out: it is what the user is about to pass.
    """
    found = set()
    for config in dashboard_configs():
        specs = [config.default_permissions, *config.permissions_map.values()]
        for spec in specs:
            if not spec:
                continue
            for alternative in [spec] if isinstance(spec, list) else spec:
                needed = [alternative] if isinstance(alternative, str) else alternative
                needed = tuple(sorted({item for item in needed if item != "is_verified"}))
                if needed:
                    found.add(needed)
    return frozenset(found)


def can_open_a_staff_area(user):
    """Whether ``user`` may open a page of any staff area, by each area's own rule.

    Django's admin: ``is_staff`` (``AdminSite.has_permission``); Wagtail's
    admin: ``wagtailadmin.access_admin``; Oscar's dashboard: any list of
    :func:`dashboard_permission_lists`, checked by Oscar's own
    ``check_permissions`` (so Oscar's fulfilment partners, who hold
    ``partner.dashboard_access``, and a user holding only
    ``order.view_order``, which opens Oscar's order list, are in);
    superusers pass every rule.
    """
    if not user.is_authenticated:
        return False
    if user.is_staff or user.is_superuser:
        return True
    if user.has_perm("wagtailadmin.access_admin"):
        return True
    from oscar.views.decorators import check_permissions

    return any(check_permissions(user, list(needed)) for needed in dashboard_permission_lists())


# What check oscar_privacy.E012 verifies ------------------------------------------------


def _is_staff_view(callback):
    """Whether ``callback`` is a view of Django's admin or of an Oscar dashboard app."""
    if getattr(callback, "admin_site", None) or getattr(callback, "model_admin", None):
        return True
    view_class = getattr(callback, "view_class", None)
    module = getattr(view_class, "__module__", None) or getattr(callback, "__module__", "")
    return any(
        module == config.name or module.startswith(config.name + ".")
        for config in dashboard_configs()
    )


def staff_views_outside(urlconf=None):
    """The :class:`Route` of every admin or dashboard view that no staff area includes."""
    return [
        route
        for route in url_map(urlconf).routes
        if not route.area and _is_staff_view(route.pattern.callback)
    ]


def _staff_url_names():
    """(URL name, kwargs) of each area's home and of every page of each dashboard app."""
    from django.contrib.admin.sites import all_sites

    names = [(name, {}) for name in AREA_HOMES.values()]
    names += [(f"{site.name}:index", {}) for site in all_sites]
    for config in dashboard_configs():
        namespaces = dict.fromkeys([n for n in (config.namespace, config.label, "dashboard") if n])
        for pattern in _leaves(config.get_urls()):
            if pattern.name:
                kwargs = sample_kwargs(pattern)
                names += [(f"{namespace}:{pattern.name}", kwargs) for namespace in namespaces]
    return list(dict.fromkeys((name, tuple(kwargs.items())) for name, kwargs in names))


def _leaves(patterns):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _leaves(pattern.url_patterns)
        else:
            yield pattern


SAMPLE_VALUES = {IntConverter: 1, UUIDConverter: uuid.UUID(int=1)}


def sample_kwargs(pattern):
    """Plausible arguments for ``pattern``'s path converters and named groups."""
    converters = getattr(pattern.pattern, "converters", {}) or {}
    kwargs = {name: SAMPLE_VALUES.get(type(conv), "1") for name, conv in converters.items()}
    for name in pattern.pattern.regex.groupindex:
        kwargs.setdefault(name, "1")
    return kwargs


def unrecognised_staff_pages(urlconf=None):
    """Sentences naming staff pages the classifier would not see as such (empty: none).

    Two ways to find them, independent of the classifier: every view of
    Django's admin or of an Oscar dashboard app in the URLconf (by the view
    itself), and every page of each area found by its URL name, reversed
    in each configured language and classified in each language a request
    may be resolved in.
    """
    problems = [
        f"{_describe(route)} is a staff page outside any staff area."
        for route in staff_views_outside(urlconf)
    ]
    languages = [code for code, _name in settings.LANGUAGES] if settings.USE_I18N else [None]
    prefix_length = len(get_script_prefix()) - 1
    names = _staff_url_names()
    for language in languages:
        for name, kwargs in names:
            with translation.override(language) if language else nullcontext():
                try:
                    path = reverse(name, urlconf=urlconf, kwargs=dict(kwargs))
                except NoReverseMatch:
                    continue
            path_info = path[prefix_length:]
            for active in languages:
                with translation.override(active) if active else nullcontext():
                    area = classify(path_info, urlconf).area
                if area is None:
                    where = f" in language {language!r}" if language else ""
                    problems.append(f"{name} ({path}{where}) is not recognised as a staff page.")
                    break
    return list(dict.fromkeys(problems))


def _describe(route):
    name = route.view_name
    return f"{name} (/{route.route})" if name else f"/{route.route}"
