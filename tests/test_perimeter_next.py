"""``next``, on every page that reads it: a path on this site, or the page's default.

Which pages read ``next`` is found from the URLconf, not listed by hand:
every URL of oscar-privacy's namespaces, of Oscar's My Account (``customer``),
every view of oscar-privacy's modules and the staff login pages is opened, GET
and POST, by the visitor it is meant for, with a harmless path in ``next``;
a page that carries that path on (in its redirect or its form) reads
``next``. Each reader then gets a catalogue of hostile values, and must
answer without a server error, redirect only to a path on this site, and
never put the hostile value back into its form. The pages that are known to
read ``next`` must be found by the probe (so the probe cannot silently find
nothing). Then the flows that act before they redirect: the login pages,
the second factor's code and set-up pages, the policy acceptance and the
password confirmation, each with every hostile value: the code, password or
acceptance still works, once, and leads to the page's default.
"""

import uuid
from html import escape
from urllib.parse import urljoin, urlsplit

import pytest
from django.test import Client
from django.urls import reverse, set_script_prefix
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticDevice
from oscar.test.factories import UserFactory, create_product

from oscar_privacy import reauth
from oscar_privacy.models import ConsentRecord, PolicyKind
from oscar_privacy.redirects import is_safe_path, next_url

from .shop import confirm_from_mail, publish
from .staff import code_now, give_authenticator, login_verified
from .url_walk import routes

pytestmark = pytest.mark.django_db

PASSWORD = "A-long-enough-password-2026"
PROBE = "/shop/next-probe/"
"""A harmless path on this site: a page that carries it on reads ``next``."""

HOSTILE = {
    "no-slash": "abc",
    "protocol-relative": "//evil.example/",
    "other-host": "https://evil.example/",
    "slash-backslash": "/\\evil.example/",
    "backslashes": "\\\\evil.example/",
    "javascript": "javascript:alert(1)",
    "encoded-slashes": "%2F%2Fevil.example",
    "too-long": "/" + "a" * 5000,
    "crlf": "/shop/\r\nSet-Cookie: stolen=1",
    "newline": "/shop/\nLocation: https://evil.example/",
    "tab": "/\t/evil.example/",
    "non-ascii-host": "https://évil.example/",
    "non-ascii-protocol-relative": "//évil.example/",
    "bidi-override": "/shop/\u202e/",
    "empty": "",
    "twice": ["/shop/next-given-twice/", "//evil.example/"],
}

NAMESPACES = ("oscar_privacy", "oscar_privacy_dashboard", "oscar_privacy_newsletter", "customer")
STAFF_LOGINS = ("dashboard:login", "wagtailadmin_login", "admin:login")
WRAPPED = {"customer:login", "customer:register"}
"""Oscar's views with oscar-privacy's ``SafeNextMixin`` (by the zero-fork customer config)."""

KNOWN_READERS = {
    ("oscar_privacy:accept-policies", "GET"),
    ("oscar_privacy:accept-policies", "POST"),
    ("oscar_privacy:confirm-password", "GET"),
    ("oscar_privacy:confirm-password", "POST"),
    ("oscar_privacy:two-factor-verify", "GET"),
    ("oscar_privacy:two-factor-verify", "POST"),
    ("oscar_privacy:two-factor-setup", "GET"),
    ("oscar_privacy:two-factor-setup", "POST"),
    ("oscar_privacy:two-factor-backup-codes", "GET"),
    ("customer:login", "GET"),
    ("customer:register", "GET"),
    ("dashboard:login", "GET"),
    ("wagtailadmin_login", "GET"),
    ("admin:login", "GET"),
}
"""Pages that read ``next`` today; the probe must find each (it may find more)."""

SAMPLES = {
    "pk": 1,
    "partner_pk": 1,
    "user_pk": 1,
    "kind": "privacy",
    "number": 1,
    "token": "x",
    "order_number": "1",
    "hash": "x",
    "line_id": 1,
    "email_id": 1,
    "key": "x",
    "to_key": "y",
    "product_pk": 1,
    "line_pk": 1,
    "action": "default_for_billing",
    "uidb64": "x",
    "id": 1,
    "object_id": 1,
}
SAMPLE_BY_NAME = {"oscar_privacy:export-download": {"pk": uuid.UUID(int=1)}}


def covered(route):
    if not route.name:
        return False
    return (
        route.namespace in NAMESPACES
        or route.view_name in STAFF_LOGINS
        or route.module.startswith("oscar_privacy.")
    )


ROUTES = {route.view_name: route for route in reversed(routes()) if covered(route)}


@pytest.fixture
def samples(db):
    """Values for the URLs' arguments; a real product for the pages that add one."""
    return {**SAMPLES, "product_pk": create_product().pk}


def url_of(route, samples):
    return route.url(**{**samples, **SAMPLE_BY_NAME.get(route.view_name, {})})


# Visitors ----------------------------------------------------------------------


def visitor_of(route):
    """Who the page is for, so that it shows what it shows them."""
    name = route.view_name
    if name in STAFF_LOGINS or name in WRAPPED or name.startswith("password-reset"):
        return "anonymous"
    if name == "oscar_privacy:two-factor-setup":
        return "staff_without_device"
    if name == "oscar_privacy:two-factor-verify":
        return "staff_with_device"
    if name == "oscar_privacy:accept-policies":
        return "customer_with_a_policy_to_accept"
    staff_area = route.namespace in ("oscar_privacy_dashboard", "dashboard", "admin")
    wagtail_admin = route.module.startswith("oscar_privacy.newsletter.wagtail.")
    if staff_area or wagtail_admin or name == "oscar_privacy:two-factor-backup-codes":
        return "verified_staff"
    return "customer"


def make_visitor(kind):
    """A client logged in as a new person of ``kind`` (or not logged in), and that person."""
    client = Client()
    if kind == "anonymous":
        return client, None
    if kind.startswith("customer"):
        user = UserFactory(email=f"customer-{uuid.uuid4().hex[:8]}@example.com")
        if kind == "customer_with_a_policy_to_accept":
            publish(PolicyKind.PRIVACY, "A material change.", material=True)
        client.force_login(user)
        return client, user
    user = UserFactory(is_staff=True, is_superuser=kind == "verified_staff")
    if kind == "verified_staff":
        login_verified(client, user)
        return client, user
    if kind == "staff_with_device":
        give_authenticator(user)
    client.force_login(user)
    return client, user


def request(client, method, url, value):
    if method == "GET":
        return client.get(url, {"next": value})
    return client.post(url, {"next": value})


# What a safe answer is -----------------------------------------------------------


def redirect_target(response, url):
    """``(Location, absolute URL)`` of a redirect, ``None`` for another answer."""
    if response.status_code not in (301, 302, 303, 307, 308):
        return None
    location = response["Location"]
    return location, urljoin(f"http://testserver{url}", location)


def assert_same_site(response, url, key=""):
    """No server error, and a redirect only to this site."""
    assert response.status_code < 500, (key, response.status_code)
    target = redirect_target(response, url)
    if target:
        absolute = urlsplit(target[1])
        assert (absolute.scheme, absolute.netloc) == ("http", "testserver"), (key, target)


def assert_safe_path(response, url, key):
    """Ours: a redirect to a path starting with "/" (no other shape), and no value sent back."""
    assert_same_site(response, url, key)
    target = redirect_target(response, url)
    if target:
        location = target[0]
        assert location.startswith("/") and not location.startswith("//"), (key, location)
        assert "\\" not in location, (key, location)
    html = body(response)
    value = HOSTILE[key]
    for item in value if isinstance(value, list) else [value]:
        if item:
            assert f'value="{escape(item)}"' not in html, f"{key}: put back into a form"
            assert f'href="{escape(item)}"' not in html, f"{key}: put back into a link"


def body(response):
    """The page's text; a download's (a streamed CSV, an archive) is not read."""
    return "" if response.streaming else response.content.decode(errors="replace")


def carries_probe(response):
    return PROBE in response.get("Location", "") or PROBE in body(response)


# Every page: found by the probe, then each hostile value ------------------------


def test_every_page_that_reads_next_is_walked():
    names = {name for name, _method in KNOWN_READERS}
    assert names <= set(ROUTES), names - set(ROUTES)


@pytest.mark.parametrize("name", sorted(ROUTES))
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_hostile_next_is_never_followed(samples, name, method):
    route = ROUTES[name]
    url = url_of(route, samples)
    client, _user = make_visitor(visitor_of(route))
    probe = request(client, method, url, PROBE)
    assert probe.status_code < 500, probe.status_code
    reads_next = carries_probe(probe)
    if (name, method) in KNOWN_READERS:
        assert reads_next, f"{method} {url} no longer carries next on: is the visitor right?"
    if not reads_next:
        # Not a reader: a hostile next still changes nothing of the answer's safety.
        for key in ("no-slash", "twice"):
            assert_same_site(request(client, method, url, HOSTILE[key]), url, key)
        return
    ours = route.module.startswith("oscar_privacy.") or name in WRAPPED
    for key, value in HOSTILE.items():
        response = request(client, method, url, value)
        if ours:
            assert_safe_path(response, url, key)
        else:
            # Django's LoginView (Oscar's dashboard, Wagtail, Django admin): the same host.
            assert_same_site(response, url, key)


# The flows that act, then redirect ------------------------------------------------

BAD = [key for key in HOSTILE if key != "twice"] + ["twice"]


def hostile(key):
    return HOSTILE[key]


@pytest.fixture
def staff_with_backup_code(staff):
    give_authenticator(staff)
    device = StaticDevice.objects.create(user=staff, name="Backup codes", confirmed=True)
    device.token_set.create(token="abcdefgh")
    return staff, device


@pytest.mark.parametrize("key", BAD)
def test_a_backup_code_with_a_bad_next_works_once_and_opens_the_dashboard(
    client, staff_with_backup_code, key
):
    staff, device = staff_with_backup_code
    client.force_login(staff)
    verify = reverse("oscar_privacy:two-factor-verify")
    data = {"otp_device": device.persistent_id, "otp_token": "abcdefgh", "next": hostile(key)}
    response = client.post(f"{verify}?next=%2F%2Fevil.example", data)
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard:index")
    assert not device.token_set.exists()  # used, and used for this login
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert client.get(reverse("dashboard:index")).status_code == 200

    other = Client()
    other.force_login(staff)
    again = other.post(verify, {**data, "next": "/shop/dashboard/"})
    assert again.status_code == 200  # a code works once
    assert DEVICE_ID_SESSION_KEY not in other.session


@pytest.mark.parametrize("key", ["no-slash", "protocol-relative", "crlf", "twice"])
def test_an_authenticator_code_with_a_bad_next_opens_the_dashboard(client, staff, key):
    device = give_authenticator(staff)
    client.force_login(staff)
    data = {"otp_device": device.persistent_id, "otp_token": code_now(device), "next": hostile(key)}
    response = client.post(reverse("oscar_privacy:two-factor-verify"), data)
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard:index")
    assert client.get(reverse("dashboard:index")).status_code == 200


@pytest.mark.parametrize("key", ["no-slash", "other-host", "too-long", "twice"])
def test_a_set_up_with_a_bad_next_shows_the_codes_then_the_dashboard(client, staff, key):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client.force_login(staff)
    setup = reverse("oscar_privacy:two-factor-setup")
    client.get(setup, {"next": hostile(key)})
    device = TOTPDevice.objects.get(user=staff, confirmed=False)
    response = client.post(setup, {"otp_token": code_now(device), "next": hostile(key)})
    assert response.status_code == 302
    codes = reverse("oscar_privacy:two-factor-backup-codes")
    assert response["Location"] == f"{codes}?next=%2Fshop%2Fdashboard%2F"
    page = client.get(response["Location"])
    assert page.context["next"] == reverse("dashboard:index")


@pytest.mark.parametrize("key", BAD)
def test_accepting_a_policy_with_a_bad_next_is_recorded_and_leads_home(client, customer, key):
    version = publish(PolicyKind.PRIVACY, "A material change.", material=True)
    client.force_login(customer)
    accept = reverse("oscar_privacy:accept-policies")
    data = {"next": hostile(key), "privacy_version": version.number, "accept_privacy": "on"}
    response = client.post(accept, data)
    assert response.status_code == 302 and response["Location"] == "/"
    assert ConsentRecord.objects.filter(user=customer, version=version).count() == 1


@pytest.mark.parametrize("key", BAD)
def test_a_confirmed_password_with_a_bad_next_leads_to_the_copies(client, key):
    user = UserFactory(password=PASSWORD)
    client.force_login(user)
    data = {"password": PASSWORD, "next": hostile(key)}
    response = client.post(reverse("oscar_privacy:confirm-password"), data)
    assert response.status_code == 302
    assert response["Location"] == reverse("oscar_privacy:exports")
    assert reauth.is_recent(response.wsgi_request)


@pytest.mark.parametrize("key", BAD)
def test_the_customer_login_with_a_bad_next_logs_in_to_the_account(client, key):
    user = UserFactory(email="login@example.com", password=PASSWORD)
    login = reverse("customer:login")
    data = {
        "login-username": user.email,
        "login-password": PASSWORD,
        "login-redirect_url": hostile(key),
        "login_submit": "1",
    }
    response = client.post(f"{login}?next=%2F%2Fevil.example", data)
    assert response.status_code == 302
    assert response["Location"] == reverse("customer:summary")
    assert client.session["_auth_user_id"] == str(user.pk)


def test_the_customer_login_follows_a_path_on_this_site(client):
    user = UserFactory(email="login@example.com", password=PASSWORD)
    page = client.get(reverse("customer:login"), {"next": "/shop/basket/"})
    assert page.context["login_form"]["redirect_url"].value() == "/shop/basket/"
    data = {
        "login-username": user.email,
        "login-password": PASSWORD,
        "login-redirect_url": "/shop/basket/",
        "login_submit": "1",
    }
    response = client.post(reverse("customer:login"), data)
    assert response["Location"] == "/shop/basket/"


@pytest.mark.parametrize("prevent_enumeration", [True, False])
@pytest.mark.parametrize("url_name", ["customer:register", "customer:login"])
@pytest.mark.parametrize("key", ["no-slash", "protocol-relative", "slash-backslash", "crlf"])
def test_registering_with_a_bad_next_leads_to_the_account(
    client, settings, url_name, key, prevent_enumeration
):
    settings.OSCAR_PRIVACY_PREVENT_ACCOUNT_ENUMERATION = prevent_enumeration
    prefix = "registration-" if url_name == "customer:login" else ""
    data = {
        f"{prefix}email": "new@example.com",
        f"{prefix}password1": PASSWORD,
        f"{prefix}password2": PASSWORD,
        f"{prefix}redirect_url": hostile(key),
    }
    if prefix:
        data["registration_submit"] = "1"
    response = client.post(reverse(url_name), data)
    assert response.status_code == 302
    if prevent_enumeration:
        # The account is made from the emailed link, which carries the checked next.
        assert response["Location"] == reverse("oscar_privacy:registration-sent")
        response = confirm_from_mail(client)
        assert response.status_code == 302
    assert response["Location"] == reverse("customer:summary")


@pytest.mark.parametrize("url_name", STAFF_LOGINS)
@pytest.mark.parametrize("key", BAD)
def test_staff_logins_with_a_bad_next_stay_on_this_site(client, url_name, key):
    UserFactory(
        username="boss",
        email="boss@example.com",
        is_staff=True,
        is_superuser=True,
        password=PASSWORD,
    )
    url = reverse(url_name)
    response = client.post(url, {"username": "boss", "password": PASSWORD, "next": hostile(key)})
    assert response.status_code == 302, response.status_code
    assert "_auth_user_id" in client.session
    assert_same_site(response, url)


# The rule itself ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "safe"),
    [
        ("/shop/basket/?page=2#top", True),
        ("/catalogue/caf%C3%A9/", True),
        ("/catalogue/café/", True),  # a letter is not a control character
        ("/", True),
        ("/\u2028/", False),  # line separator
        ("/\x7f/", False),
        ("/" + "a" * 2047, True),
        ("/" + "a" * 2048, False),
        (None, False),
        (["/shop/"], False),
    ],
)
def test_what_counts_as_a_path_on_this_site(rf, url, safe):
    assert is_safe_path(url, rf.get("/")) is safe


def test_under_a_script_prefix_only_its_paths_count(rf):
    request = rf.get("/")
    set_script_prefix("/boutique/")
    try:
        assert is_safe_path("/boutique/shop/basket/", request)
        assert not is_safe_path("/other-app/", request)
        assert next_url(rf.get("/", {"next": "/other-app/"}), "/boutique/") == "/boutique/"
    finally:
        set_script_prefix("/")


def test_a_next_in_the_form_wins_over_the_address(rf):
    request = rf.post("/?next=/from-the-address/", {"next": "/from-the-form/"})
    assert next_url(request, "/") == "/from-the-form/"
    assert next_url(rf.post("/?next=/from-the-address/"), "/") == "/from-the-address/"
