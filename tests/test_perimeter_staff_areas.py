"""Staff areas: the second factor on every path into personal data.

Every page of every staff area (Oscar's dashboard with oscar-privacy's,
Wagtail's admin with the views apps add to it, Django's admin and a second
``AdminSite``) is found by walking the URLconf (``tests/url_walk.py``, which
does not use the classifier under test), in every configured language and in
several shapes of site:

- ``sandbox``: the sandbox's URLconf;
- ``script_name``: the same behind a ``SCRIPT_NAME`` (``/boutique``);
- ``i18n_shop``: everything under ``i18n_patterns`` (``/en/...``, ``/fr/...``);
- ``i18n_shop_unprefixed``: the same without a prefix for English;
- ``staff_elsewhere``: Oscar at ``/``, oscar-privacy's dashboard outside
  Oscar's, Wagtail's admin at ``/editor/``, a second ``AdminSite``.

A staff page is one whose route starts with where the shape mounts an area
(:data:`SHAPES`). For each, a staff member with a password only, one of
Oscar's fulfilment partners (``partner.dashboard_access`` only), a Wagtail
editor (``wagtailadmin.access_admin`` only) and a superuser are sent to the
second factor (never a page); with it passed, they get the page; a customer
is never asked for a code; every answer, to anyone, is ``no-store``.
"""

import functools
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib.auth.models import Permission
from django.test import Client, RequestFactory
from django.urls import (
    Resolver404,
    URLResolver,
    include,
    path,
    resolve,
    reverse,
    set_script_prefix,
)
from django.utils import translation
from oscar.apps.partner.models import Partner
from oscar.test.factories import UserFactory
from wagtail.admin import urls as wagtailadmin_urls

from oscar_privacy import staff_areas, two_factor
from oscar_privacy.checks import check_staff_two_factor
from oscar_privacy.staff_areas import DJANGO_ADMIN, OSCAR_DASHBOARD, WAGTAIL_ADMIN

from .staff import code_now, give_authenticator, login_verified
from .url_walk import path_to, routes
from .urls_staff_elsewhere import back_office

pytestmark = pytest.mark.django_db

LANGUAGES = [code for code, _name in django_settings.LANGUAGES]
SANDBOX_MOUNTS = {
    "django-admin/": DJANGO_ADMIN,
    "cms/": WAGTAIL_ADMIN,
    "shop/dashboard/": OSCAR_DASHBOARD,  # Oscar's, and oscar-privacy's under it
}


@dataclass(frozen=True)
class Shape:
    urlconf: str
    mounts: dict = field(hash=False)
    script_name: str = ""


SHAPES = {
    "sandbox": Shape("sandbox.urls", SANDBOX_MOUNTS),
    "script_name": Shape("sandbox.urls", SANDBOX_MOUNTS, script_name="/boutique"),
    "i18n_shop": Shape("tests.urls_i18n_shop", SANDBOX_MOUNTS),
    "i18n_shop_unprefixed": Shape("tests.urls_i18n_shop_unprefixed", SANDBOX_MOUNTS),
    "staff_elsewhere": Shape(
        "tests.urls_staff_elsewhere",
        {
            "admin/": DJANGO_ADMIN,
            "back-office/": DJANGO_ADMIN,
            "editor/": WAGTAIL_ADMIN,
            "privacy-dashboard/": OSCAR_DASHBOARD,
            "dashboard/": OSCAR_DASHBOARD,
        },
    ),
}

LOGIN_PAGES = {
    "dashboard:login",
    "dashboard:logout",
    "admin:login",
    "admin:logout",
    "back_office:login",
    "back_office:logout",
    "wagtailadmin_login",
    "wagtailadmin_logout",
}
"""The pages of the areas that stay open before the second factor."""

SECOND_FACTOR_PAGES = {
    "oscar_privacy:two-factor-setup",
    "oscar_privacy:two-factor-verify",
    "oscar_privacy:two-factor-backup-codes",
}


@dataclass(frozen=True)
class Page:
    view: object
    area: str
    path_info: str
    language: str

    def __str__(self):
        return f"{self.view} at {self.path_info}"


@functools.cache
def staff_pages(shape_name, language):
    """Every page of the staff areas of the shape, with its path in ``language``."""
    shape = SHAPES[shape_name]
    mounts = sorted(shape.mounts, key=len, reverse=True)
    pages = []
    with translation.override(language):
        for view in routes(shape.urlconf):
            mount = next((m for m in mounts if view.route.startswith(m)), None)
            if mount is None:
                continue
            path = path_to(view, shape.urlconf)
            assert path, f"no path reaches {view}"
            pages.append(Page(view, shape.mounts[mount], path, language))
    return tuple(pages)


@pytest.fixture
def site(request, settings):
    """The shape of site named by the test's ``shape`` parameter, as the URLconf."""
    shape = SHAPES[request.param]
    settings.ROOT_URLCONF = shape.urlconf
    yield shape
    set_script_prefix("/")  # the test client sets it for each request, and leaves it


def client_for(shape, language, user=None, *, verified=False):
    """A client for the shape: its ``SCRIPT_NAME`` (paths are ``path_info``), a language cookie."""
    client = Client(SCRIPT_NAME=shape.script_name, raise_request_exception=False)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = language
    if user is not None:
        if verified:
            login_verified(client, user)
        else:
            client.force_login(user)
    return client


def landing(response, shape, language):
    """The URL name a redirect leads to and its ``next``; ``(None, None)`` for no redirect."""
    if response.status_code not in (301, 302):
        return None, None
    target = urlsplit(response["Location"])
    path = target.path.removeprefix(shape.script_name)
    try:
        with translation.override(language):
            name = resolve(path, shape.urlconf).view_name
    except Resolver404:
        name = target.path
    return name, parse_qs(target.query).get("next", [None])[0]


# The people -----------------------------------------------------------------------------


def holding(user, *perms):
    for perm in perms:
        app_label, codename = perm.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    return user


def make_staff():
    return UserFactory(username="staff", email="staff@example.com", is_staff=True)


def make_partner():
    """One of Oscar's fulfilment partners: no staff flag, ``partner.dashboard_access`` only."""
    user = holding(UserFactory(username="partner", email="partner@example.com"), *PARTNER)
    Partner.objects.create(name="Warehouse").users.add(user)
    return user


def make_editor():
    return holding(UserFactory(username="editor", email="editor@example.com"), *EDITOR)


def make_superuser():
    return UserFactory(username="root", email="root@example.com", is_staff=True, is_superuser=True)


PARTNER = ("partner.dashboard_access",)
EDITOR = ("wagtailadmin.access_admin",)
PEOPLE = {
    "staff": make_staff,
    "partner": make_partner,
    "editor": make_editor,
    "superuser": make_superuser,
}


# Every page, every language, every shape, everyone who can open an area ----------------


def pages_in_every_language(shape_name):
    """Every staff page of the shape in every language: a path in each for ``i18n_patterns``."""
    return [page for language in LANGUAGES for page in staff_pages(shape_name, language)]


def pages_in_turn(shape_name):
    """Every staff page of the shape once, the languages taking turns from page to page."""
    by_language = [staff_pages(shape_name, language) for language in LANGUAGES]
    return [pages[i % len(pages)] for i, pages in enumerate(zip(*by_language, strict=True))]


def walk(shape, pages, user, *, verified=False):
    """GET every page as ``user``; yields (page, response).

    One client, so one set of middleware serves every language, as one
    server process does: what it learns from the first request must hold
    for the next one in another language. Not the logout pages: Wagtail's
    drops the session cookie even when it refuses a GET
    (:func:`test_the_login_and_logout_pages_stay_open` has them).
    """
    client = client_for(shape, LANGUAGES[0], user, verified=verified)
    for page in pages:
        if str(page.view).endswith("logout"):
            continue
        client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = page.language
        yield page, client.get(page.path_info)


@pytest.mark.parametrize("who", PEOPLE)
@pytest.mark.parametrize("site", SHAPES, indirect=True)
def test_every_staff_page_asks_for_the_second_factor(site, who):
    """Staff with a password only: every page in every language; the others: every page.

    The people with a device are sent to the code page, the staff member
    without one to the set-up. Nothing but the login and logout pages is
    answered before the second factor, and nothing is cacheable.
    """
    name = _shape_name(site)
    user = PEOPLE[who]()
    if who == "staff":
        pages, expected = pages_in_every_language(name), "oscar_privacy:two-factor-setup"
        if len({page.path_info for page in pages}) < len(pages):
            # The same paths in every language (no i18n_patterns): each once, in turn.
            pages = pages_in_turn(name)
    else:
        give_authenticator(user)
        pages, expected = pages_in_turn(name), "oscar_privacy:two-factor-verify"
    failures, asked = [], 0
    for page, response in walk(site, pages, user):
        landed, next_url = landing(response, site, page.language)
        if str(page.view) in LOGIN_PAGES:
            if landed in SECOND_FACTOR_PAGES:
                failures.append(f"{page}: the login page asks for the second factor")
            continue
        asked += 1
        if (landed, next_url) != (expected, site.script_name + page.path_info):
            failures.append(f"{page} ({page.language}): {response.status_code} {landed}")
        if not {"no-store", "private"} <= cache_control(response):
            failures.append(f"{page} ({page.language}): cacheable")
    assert not failures, f"{len(failures)} of {asked}: " + "; ".join(failures[:10])
    assert {page.area for page in pages} == set(site.mounts.values())
    assert {page.language for page in pages} == set(LANGUAGES)


def cache_control(response):
    return {part.strip() for part in response.get("Cache-Control", "").split(",")}


def _shape_name(shape):
    return next(name for name, value in SHAPES.items() if value is shape)


def test_the_login_and_logout_pages_stay_open(client, settings):
    """Before the second factor: each area's login page, and its logout (a POST)."""
    staff = make_staff()
    for shape_name in ("sandbox", "i18n_shop", "staff_elsewhere"):
        shape = SHAPES[shape_name]
        settings.ROOT_URLCONF = shape.urlconf
        for language in LANGUAGES:
            doors = [p for p in staff_pages(shape_name, language) if str(p.view) in LOGIN_PAGES]
            assert len(doors) == len(LOGIN_PAGES & {str(p.view) for p in doors}) >= 6
            for page in sorted(doors, key=lambda p: str(p.view).endswith("logout")):
                client.force_login(staff)
                send = client.post if str(page.view).endswith("logout") else client.get
                response = send(page.path_info)
                assert landing(response, shape, language)[0] not in SECOND_FACTOR_PAGES, page
                assert response.status_code in (200, 302), page


# With the second factor passed ------------------------------------------------------------


@pytest.mark.parametrize("site", ["sandbox"], indirect=True)
def test_with_the_second_factor_every_page_opens(site):
    """A superuser's session that passed the second factor gets every staff page."""
    user = make_superuser()
    failures = []
    for page, response in walk(site, pages_in_turn("sandbox"), user, verified=True):
        # A 403 or a 500 is the view's own answer (a read-only admin, a third-party
        # view given object 1): what matters is that the view answered.
        landed, _next = landing(response, site, page.language)
        if landed in SECOND_FACTOR_PAGES or (landed or "").endswith("login"):
            failures.append(f"{page}: {response.status_code} {landed}")
    assert not failures, f"{len(failures)}: " + "; ".join(failures[:10])


# Everyone else ------------------------------------------------------------------------


@pytest.mark.parametrize("site", ["i18n_shop_unprefixed", "staff_elsewhere"], indirect=True)
def test_customers_are_never_asked_for_a_code(site, customer):
    """They get each area's own answer (its login page, a refusal), never our code page."""
    failures = []
    for page, response in walk(site, pages_in_turn(_shape_name(site)), customer):
        landed, _next = landing(response, site, page.language)
        if landed in SECOND_FACTOR_PAGES:
            failures.append(f"{page}: {response.status_code} {landed}")
    assert not failures, "; ".join(failures[:10])
    assert not two_factor.requires_two_factor(customer)


@pytest.mark.parametrize("site", SHAPES, indirect=True)
def test_no_staff_page_is_ever_cached(site):
    """To visitors too: a login page, a redirect to one, a refusal are staff pages."""
    failures = [
        str(page)
        for page, response in walk(site, pages_in_turn(_shape_name(site)), None)
        if not {"no-store", "private"} <= cache_control(response)
    ]
    assert not failures, "; ".join(failures[:10])


def test_pages_outside_the_staff_areas_are_left_alone(client, customer):
    """The storefront keeps its own caching and no second factor, for staff too."""
    login_verified(client, make_superuser())
    for name in ("basket:summary", "catalogue:index"):
        response = client.get(reverse(name))
        assert "no-store" not in cache_control(response), name
    client.force_login(make_staff())
    assert client.get(reverse("customer:profile-view")).status_code == 200


# Every permission that opens a staff area ------------------------------------------------


def dashboard_configs():
    from oscar.core.application import OscarDashboardConfig

    return [c for c in apps.get_app_configs() if isinstance(c, OscarDashboardConfig)]


def alternatives(spec):
    """Oscar's reading of a permission spec: a list is one set, a tuple of lists alternatives."""
    if not spec:
        return []
    return [spec] if isinstance(spec, list) else [list(alt) for alt in spec]


def requirement_sets():
    """Every set of requirements that opens a page of an Oscar dashboard app, read here.

    From every dashboard app's ``default_permissions`` and each value of
    its ``permissions_map``; plus Wagtail's admin and Django's admin.
    """
    found = {("wagtailadmin.access_admin",), ("is_staff",)}
    for config in dashboard_configs():
        for spec in [config.default_permissions, *config.permissions_map.values()]:
            found.update(tuple(sorted(set(alt))) for alt in alternatives(spec))
    return sorted(found)


def owners():
    """Each dashboard page's URL name and the app config whose permissions guard it."""
    from oscar.apps.dashboard.apps import DashboardConfig

    found = {}
    for config in dashboard_configs():
        for pattern in config.get_urls():
            if isinstance(pattern, URLResolver):
                assert isinstance(config, DashboardConfig), pattern  # only it includes apps
                continue
            found[pattern.name] = config
    return found


def user_holding(requirements):
    user = UserFactory(username="holder", email="holder@example.com")
    for requirement in requirements:
        if "." in requirement:
            holding(user, requirement)
        else:
            setattr(user, requirement, True)
    user.save()
    return type(user)._default_manager.get(pk=user.pk)


@pytest.mark.parametrize("requirements", requirement_sets(), ids="+".join)
def test_every_permission_that_opens_a_staff_area_needs_the_second_factor(settings, requirements):
    """A user holding only these requirements, on every staff page they open."""
    from oscar.views.decorators import check_permissions

    settings.ROOT_URLCONF = "sandbox.urls"
    user = user_holding(requirements)
    assert two_factor.requires_two_factor(user)
    page_owner = owners()
    opened = []
    for page in staff_pages("sandbox", "en"):
        name = page.view.pattern.name
        if str(page.view) == "wagtailadmin_home" and user.has_perm("wagtailadmin.access_admin"):
            opened.append(page)
        elif str(page.view) == "admin:index" and user.is_staff:
            opened.append(page)
        elif page.area == OSCAR_DASHBOARD and name in page_owner:
            spec = page_owner[name].get_permissions(name)
            if spec and check_permissions(user, spec) and str(page.view) not in LOGIN_PAGES:
                opened.append(page)
    assert opened, f"{requirements} open no page"
    shape = SHAPES["sandbox"]
    for page, response in walk(shape, opened, user):
        assert landing(response, shape, "en") == (
            "oscar_privacy:two-factor-setup",
            page.path_info,
        ), page
    for page, response in walk(shape, opened, user, verified=True):
        landed, _next = landing(response, shape, "en")
        assert response.status_code != 403, page
        assert landed not in SECOND_FACTOR_PAGES and not (landed or "").endswith("login"), page


def test_the_enumeration_is_oscars_own():
    """The rule we apply is the list read here, not a copy that could drift."""
    ours = staff_areas.dashboard_permission_lists()
    read_here = set(requirement_sets()) - {("wagtailadmin.access_admin",)}
    assert {tuple(sorted(r)) for r in ours} == read_here | {("is_staff",)}
    assert ("partner.dashboard_access",) in ours
    assert ("order.view_order",) in ours  # opens Oscar's order list without the staff flag


# Oscar's fulfilment partners ----------------------------------------------------------


def test_a_partner_sets_up_the_second_factor_and_reads_their_orders(client, settings):
    """The set-up and code pages take partners, who then reach the dashboard's orders."""
    settings.ROOT_URLCONF = "sandbox.urls"
    partner = make_partner()
    client.force_login(partner)
    orders = reverse("dashboard:order-list")
    response = client.get(orders)
    assert landing(response, SHAPES["sandbox"], "en") == ("oscar_privacy:two-factor-setup", orders)
    assert client.get(response["Location"]).status_code == 200

    device = give_authenticator(partner)
    response = client.get(orders, follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("oscar_privacy:two-factor-verify"))
    response = client.post(
        response.redirect_chain[-1][0],
        {"otp_device": device.persistent_id, "otp_token": code_now(device), "next": orders},
    )
    assert response["Location"] == orders
    response = client.get(orders)
    assert response.status_code == 200
    assert {"no-store", "private"} <= cache_control(response)


def test_partners_accept_a_new_policy_after_the_second_factor(client, settings):
    """Not staff: like customers, asked to accept a material policy change; the code first."""
    settings.ROOT_URLCONF = "sandbox.urls"
    partner = make_partner()
    a_new_policy_for(partner)
    client.force_login(partner)
    orders = reverse("dashboard:order-list")
    assert landing(client.get(orders), SHAPES["sandbox"], "en")[0] == (
        "oscar_privacy:two-factor-setup"
    )
    assert client.get(reverse("oscar_privacy:two-factor-setup")).status_code == 200
    login_verified(client, partner)
    assert landing(client.get(orders), SHAPES["sandbox"], "en")[0] == (
        "oscar_privacy:accept-policies"
    )


def a_new_policy_for(user):
    """A privacy policy ``user`` accepted, then a material change they have not."""
    from oscar_privacy.consent import PURPOSE_OF_KIND, record_consents
    from oscar_privacy.models import ConsentAction, ConsentChannel, PolicyKind

    from .shop import publish

    first = publish(PolicyKind.PRIVACY, "Version one.", material=True)
    record_consents(
        [(PURPOSE_OF_KIND[first.kind], ConsentAction.GIVEN, first)],
        channel=ConsentChannel.REGISTRATION,
        user=user,
    )
    publish(PolicyKind.PRIVACY, "New purposes.", material=True)


# The classifier ---------------------------------------------------------------------


def request_for(path_info, *, script_name="", urlconf=None):
    request = RequestFactory().get(path_info, SCRIPT_NAME=script_name)
    if urlconf:
        request.urlconf = urlconf
    return request


@pytest.mark.parametrize(
    ("path", "area"),
    [
        ("/shop/dashboard/orders/", OSCAR_DASHBOARD),
        ("/shop/dashboard/privacy/consents/", OSCAR_DASHBOARD),
        ("/cms/newsletter/subscribers/", WAGTAIL_ADMIN),  # added by a register_admin_urls hook
        ("/cms/policy_versions/", WAGTAIL_ADMIN),  # an admin viewset
        ("/django-admin/auth/user/", DJANGO_ADMIN),
        ("/shop/", None),
        ("/shop/dashboard-like/", None),
        ("/privacy/staff/two-factor/", None),
        ("/", None),
    ],
)
def test_the_area_is_what_the_path_resolves_to(path, area):
    assert staff_areas.staff_area(request_for(path)) == area
    # The SCRIPT_NAME is not part of what the URLconf sees.
    assert staff_areas.staff_area(request_for(path, script_name="/boutique")) == area


@pytest.mark.parametrize(
    ("urlconf", "path", "area"),
    [
        # No view at these paths, in any language: the include's beginning decides.
        ("sandbox.urls", "/shop/dashboard/no-such-page", OSCAR_DASHBOARD),
        ("tests.urls_i18n_shop", "/fr/shop/dashboard/no-such-page", OSCAR_DASHBOARD),
        ("tests.urls_i18n_shop_unprefixed", "/fr/django-admin", None),  # a redirect to /…/
        ("tests.urls_i18n_shop_unprefixed", "/shop/dashboard/no-such-page", OSCAR_DASHBOARD),
        ("tests.urls_staff_elsewhere", "/back-office/no/such/page/", DJANGO_ADMIN),
        ("tests.urls_staff_elsewhere", "/no-such-page", None),
    ],
)
def test_a_path_that_resolves_nowhere_fails_closed(urlconf, path, area):
    for language in LANGUAGES:
        with translation.override(language):
            assert staff_areas.staff_area(request_for(path, urlconf=urlconf)) == area, language


@pytest.mark.parametrize("active", LANGUAGES)
def test_every_language_is_tried_whatever_the_active_one(active):
    """``/fr/shop/dashboard/`` is Wagtail's catch-all in English, Oscar's dashboard in French."""
    urlconf = "tests.urls_i18n_shop_unprefixed"
    with translation.override(active):
        for path in ("/fr/shop/dashboard/orders/", "/shop/dashboard/orders/"):
            assert staff_areas.staff_area(request_for(path, urlconf=urlconf)) == OSCAR_DASHBOARD


def test_locale_middleware_after_ours_does_not_open_a_language(client, settings):
    """The language of the path is not activated yet when our middleware runs."""
    locale = "django.middleware.locale.LocaleMiddleware"
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if m != locale] + [locale]
    settings.ROOT_URLCONF = "tests.urls_i18n_shop_unprefixed"
    client.force_login(make_staff())
    for language in ("en", "fr", "en"):
        translation.activate(language)  # what the thread last served
        for url in ("/fr/shop/dashboard/orders/", "/shop/dashboard/orders/"):
            response = client.get(url)
            assert response.status_code == 302, (language, url, response.status_code)
            # The code page in the active language: /privacy/... or /fr/privacy/...
            target = urlsplit(response["Location"])
            assert target.path.endswith("/privacy/staff/two-factor/setup/"), (language, url)
            assert parse_qs(target.query)["next"] == [url]
    translation.deactivate()


def test_a_shop_adds_its_own_staff_area(settings, client):
    """OSCAR_PRIVACY_STAFF_AREAS: an include by namespace, or a single view by its name."""
    settings.ROOT_URLCONF = "tests.urls_staff_elsewhere"
    path = "/i18n/setlang/"
    assert staff_areas.staff_area(request_for(path)) is None
    settings.OSCAR_PRIVACY_STAFF_AREAS = ["set_language"]
    assert staff_areas.staff_area(request_for(path)) == "set_language"
    settings.OSCAR_PRIVACY_STAFF_AREAS = ["oscar_privacy_newsletter"]
    assert staff_areas.staff_area(request_for("/newsletter/subscribe/")) == (
        "oscar_privacy_newsletter"
    )
    client.force_login(make_staff())
    response = client.get("/newsletter/subscribe/")
    assert landing(response, SHAPES["staff_elsewhere"], "en")[0] == (
        "oscar_privacy:two-factor-setup"
    )
    assert {"no-store", "private"} <= cache_control(response)


def test_one_resolution_per_request_outside_the_areas(client, customer):
    """The storefront pays for one URL resolution and no query."""
    client.force_login(customer)
    request = request_for("/shop/basket/")
    request.user = customer
    assert staff_areas.staff_area(request) is None
    assert staff_areas.classify_request(request) is staff_areas.classify_request(request)


def test_policy_acceptance_knows_its_pages_behind_a_script_name(customer):
    """A customer asked to accept a new policy reaches the page under a SCRIPT_NAME too."""
    a_new_policy_for(customer)
    client = Client(SCRIPT_NAME="/boutique")
    client.force_login(customer)
    try:
        response = client.get("/shop/basket/")
        assert response.status_code == 302
        assert parse_qs(urlsplit(response["Location"]).query)["next"] == ["/boutique/shop/basket/"]
        # Before the fix: the page resolved /boutique/privacy/accept/, found Wagtail's
        # catch-all there, and sent the customer to the same page again.
        assert client.get(reverse("oscar_privacy:accept-policies")).status_code == 200
    finally:
        set_script_prefix("/")


# Check oscar_privacy.E012 ------------------------------------------------------------


def oscar_urls():
    return apps.get_app_config("oscar").urls[0]


def sub_app_urls(label):
    return apps.get_app_config(label).urls[0]


class OrdersDashboardOnItsOwn:
    """Oscar's order pages included without their app: no namespace says what they are."""

    urlpatterns = [
        path("privacy/", include("oscar_privacy.urls")),
        path("orders-desk/", include(sub_app_urls("orders_dashboard"))),
        path("shop/", include(oscar_urls())),
    ]


class AdminSiteWithoutItsInclude:
    """A second AdminSite's views included by hand, without ``site.urls``."""

    urlpatterns = [
        path("privacy/", include("oscar_privacy.urls")),
        path("back-office/", include(back_office.get_urls())),
        path("shop/", include(oscar_urls())),
    ]


class DashboardUnderAnotherName:
    """Oscar's dashboard under i18n_patterns with another application namespace."""

    urlpatterns = [
        path("privacy/", include("oscar_privacy.urls")),
        *i18n_patterns(
            path(
                "backoffice/",
                include(
                    (apps.get_app_config("dashboard").get_urls(), "backoffice"),
                    namespace="dashboard",
                ),
            ),
        ),
    ]


class WagtailAdminAsAList:
    """Wagtail's admin under i18n_patterns, its patterns included as a list, not its module."""

    urlpatterns = [
        path("privacy/", include("oscar_privacy.urls")),
        *i18n_patterns(path("cms/", include(wagtailadmin_urls.urlpatterns))),
    ]


@pytest.mark.parametrize("shape", SHAPES)
def test_the_check_accepts_every_shape(settings, shape):
    settings.ROOT_URLCONF = SHAPES[shape].urlconf
    assert check_staff_two_factor() == []


@pytest.mark.parametrize(
    ("urlconf", "expected"),
    [
        (
            OrdersDashboardOnItsOwn,
            "order-list (/orders-desk/) is a staff page outside any staff area.",
        ),
        (
            AdminSiteWithoutItsInclude,
            "index (/back-office/) is a staff page outside any staff area.",
        ),
        (
            DashboardUnderAnotherName,
            "dashboard:index (/en/backoffice/) is a staff page outside any staff area.",
        ),
        (
            WagtailAdminAsAList,
            "wagtailadmin_home (/fr/cms/ in language 'fr') is not recognised as a staff page.",
        ),
    ],
    ids=["sub-app", "admin-site", "namespace", "wagtail-list"],
)
def test_the_check_finds_staff_pages_the_middleware_would_not_see(settings, urlconf, expected):
    settings.ROOT_URLCONF = urlconf
    (error,) = check_staff_two_factor()
    assert error.id == "oscar_privacy.E012"
    assert expected in error.msg
    if urlconf is WagtailAdminAsAList:
        assert "wagtailadmin_home (/en/cms/ in language 'en')" in error.msg
    if urlconf is DashboardUnderAnotherName:
        assert " more such pages." in error.msg  # a few named, the rest counted


def test_listing_the_include_in_the_setting_passes_the_check(settings):
    settings.ROOT_URLCONF = DashboardUnderAnotherName
    settings.OSCAR_PRIVACY_STAFF_AREAS = ["backoffice"]
    assert check_staff_two_factor() == []
    with translation.override("fr"):
        assert staff_areas.staff_area(request_for("/fr/backoffice/orders/")) == "backoffice"
