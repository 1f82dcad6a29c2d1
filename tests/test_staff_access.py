"""Every page of the privacy dashboard, and each kind of visitor: who gets in, who does not.

The pages and the permissions they need are read from the dashboard app
itself (its URL patterns and ``permissions_map``), so a page added later is
covered without editing this file, and a page without an entry in
``permissions_map`` fails :func:`test_every_page_names_its_permissions`.

For each page: an anonymous visitor is sent to the dashboard's login, a
customer and a staff member without the page's permissions get a 403, a
staff member holding them but whose session has not passed the second factor
is sent to the two-factor pages, and a verified one gets the page (a 404 for
an object that does not exist, a 405 for a page that only takes a POST: never
a login page, a 403 or a server error).
"""

from urllib.parse import urlsplit

import pytest
from django.apps import apps
from django.contrib.auth.models import Permission
from django.urls import URLResolver, reverse
from oscar.test.factories import UserFactory

from .staff import login_verified

pytestmark = pytest.mark.django_db

CONFIG = apps.get_app_config("oscar_privacy_dashboard")
SAMPLE_KWARGS = {"pk": 1, "kind": "privacy"}


def _patterns(patterns):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _patterns(pattern.url_patterns)
        else:
            yield pattern


PAGES = sorted(pattern.name for pattern in _patterns(CONFIG.urls[0]) if pattern.name)


def page_url(name):
    pattern = next(p for p in _patterns(CONFIG.urls[0]) if p.name == name)
    kwargs = {key: SAMPLE_KWARGS[key] for key in pattern.pattern.converters}
    return reverse(f"oscar_privacy_dashboard:{name}", kwargs=kwargs)


def required_permissions(name):
    """The Django permissions of the page's first (here: only) permission list."""
    (needed, *_alternatives) = CONFIG.permissions_map[name]
    return [perm for perm in needed if "." in perm]


def holding(user, perms):
    for perm in perms:
        app_label, codename = perm.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    return user


def path_of(response):
    return urlsplit(response["Location"]).path


def test_every_page_names_its_permissions():
    assert PAGES, "the dashboard app has no pages?"
    missing = [name for name in PAGES if name not in CONFIG.permissions_map]
    assert not missing, f"pages that fall back to is_staff alone: {missing}"
    for name in PAGES:
        assert required_permissions(name), f"{name} needs no privacy permission"


@pytest.mark.parametrize("name", PAGES)
def test_anonymous_visitors_are_sent_to_the_login(client, name):
    response = client.get(page_url(name))
    assert response.status_code == 302
    assert path_of(response) == reverse("dashboard:login")


@pytest.mark.parametrize("name", PAGES)
def test_customers_are_refused(client, name):
    customer = holding(UserFactory(), required_permissions(name))
    client.force_login(customer)
    assert client.get(page_url(name)).status_code == 403
    assert client.post(page_url(name)).status_code == 403


@pytest.mark.parametrize("name", PAGES)
def test_staff_without_the_permission_are_refused(client, name):
    staff = UserFactory(is_staff=True)
    login_verified(client, staff)
    assert client.get(page_url(name)).status_code == 403
    assert client.post(page_url(name)).status_code == 403


@pytest.mark.parametrize("name", PAGES)
def test_staff_without_the_second_factor_are_sent_to_it(client, name):
    staff = holding(UserFactory(is_staff=True), required_permissions(name))
    client.force_login(staff)
    for response in (client.get(page_url(name)), client.post(page_url(name))):
        assert response.status_code == 302
        assert path_of(response) == reverse("oscar_privacy:two-factor-setup")


@pytest.mark.parametrize("name", PAGES)
def test_verified_staff_with_the_permission_get_the_page(client, name):
    staff = holding(UserFactory(is_staff=True), required_permissions(name))
    login_verified(client, staff)
    response = client.get(page_url(name))
    assert response.status_code in (200, 404, 405), response.status_code
