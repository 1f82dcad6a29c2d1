"""Login throttling (django-axes wired by oscar_privacy.throttling) on every login form."""

import re
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import authenticate
from django.urls import reverse
from django.utils import timezone
from oscar.test.factories import UserFactory

from oscar_privacy import throttling
from oscar_privacy.checks import check_login_throttling
from oscar_privacy.retention.apply import apply_rules
from oscar_privacy.throttling import get_username

pytestmark = pytest.mark.django_db

PASSWORD = "skelebrain"  # Oscar's UserFactory password
WRONG = "not-the-password"
LIMIT = 5  # AXES_FAILURE_LIMIT of the sandbox
CSRF = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]+"')


def customer_login(client, email, password=WRONG, ip="203.0.113.1", **extra):
    data = {"login-username": email, "login-password": password, "login_submit": "Log In"}
    return client.post(reverse("customer:login"), data, REMOTE_ADDR=ip, **extra)


def staff_login(client, url_name, username, password=WRONG, ip="203.0.113.1"):
    data = {"username": username, "password": password}
    return client.post(reverse(url_name), data, REMOTE_ADDR=ip)


def fail(login, times):
    return [login().status_code for _ in range(times)]


def test_the_customer_login_is_paused_after_five_failures(client, customer):
    statuses = fail(lambda: customer_login(client, customer.email), LIMIT)
    assert statuses == [200] * (LIMIT - 1) + [429]
    # The right password changes nothing while paused.
    response = customer_login(client, customer.email, PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    assert response["Retry-After"] == str(15 * 60)
    page = response.content.decode()
    assert 'id="login_throttled"' in page
    assert "please try again in 15\xa0minutes" in page
    assert reverse("password-reset") in page  # the storefront's page
    assert customer.email not in page


@pytest.mark.parametrize(
    "url_name", ["dashboard:login", "wagtailadmin_login", "admin:login"], ids=str
)
def test_staff_logins_are_paused_with_a_neutral_page(client, staff, url_name):
    statuses = fail(lambda: staff_login(client, url_name, staff.email), LIMIT)
    assert statuses[-1] == 429 and set(statuses[:-1]) == {200}
    response = staff_login(client, url_name, staff.email, PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    page = response.content.decode()
    assert 'id="login_throttled"' in page
    assert "Too many login attempts" in page
    assert "oscar" not in page.lower()  # not the storefront's layout
    assert staff.email not in page


def normalised(response):
    return response.status_code, response["Retry-After"], CSRF.sub(b"", response.content)


@pytest.mark.parametrize("login_page", ["customer", "dashboard:login", "wagtailadmin_login"])
def test_the_lockout_does_not_tell_whether_the_account_exists(client, customer, login_page):
    def login(email):
        if login_page == "customer":
            return customer_login(client, email)
        return staff_login(client, login_page, email)

    known = [login(customer.email) for _ in range(LIMIT + 1)][-1]
    unknown = [login("nobody@example.com") for _ in range(LIMIT + 1)][-1]
    assert known.status_code == 429
    assert normalised(known) == normalised(unknown)


def test_a_customer_is_not_locked_out_from_everywhere(client, customer):
    fail(lambda: customer_login(client, customer.email, ip="198.51.100.7"), LIMIT)
    assert customer_login(client, customer.email, PASSWORD, ip="198.51.100.7").status_code == 429
    # Another network: the pair (login, address) is paused, not the account.
    response = customer_login(client, customer.email, PASSWORD, ip="192.0.2.20")
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(customer.pk)


def test_the_pause_ends_after_the_cool_off(client, customer):
    fail(lambda: customer_login(client, customer.email), LIMIT)
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    assert customer_login(client, customer.email, PASSWORD).status_code == 302


def test_case_and_spaces_do_not_make_a_new_login(client, customer):
    variants = ["Customer@Example.com", "CUSTOMER@example.com ", "customer@EXAMPLE.com"]
    for email in variants + ["customer@example.com", "customer@example.COM"]:
        last = customer_login(client, email)
    assert last.status_code == 429
    assert list(AccessAttempt.objects.values_list("username", flat=True)) == [customer.email]


def test_a_successful_login_resets_the_count(client, customer):
    fail(lambda: customer_login(client, customer.email), LIMIT - 1)
    assert customer_login(client, customer.email, PASSWORD).status_code == 302
    assert not AccessAttempt.objects.exists()
    client.logout()
    assert fail(lambda: customer_login(client, customer.email), LIMIT - 1) == [200] * (LIMIT - 1)


def test_one_address_trying_many_accounts_is_paused(client, settings, customer):
    settings.OSCAR_PRIVACY_LOGIN_FAILURE_LIMIT_PER_IP = 8
    statuses = [customer_login(client, f"person{n}@example.com").status_code for n in range(8)]
    assert statuses == [200] * 7 + [429]
    # Every login from that address now waits, the right one included...
    assert customer_login(client, customer.email, PASSWORD).status_code == 429
    # ...but not from elsewhere, and a success elsewhere does not clear the address.
    assert customer_login(client, customer.email, PASSWORD, ip="192.0.2.20").status_code == 302
    client.logout()
    assert customer_login(client, "person9@example.com").status_code == 429


def test_a_success_does_not_clear_the_count_of_the_address(client, settings, customer):
    settings.OSCAR_PRIVACY_LOGIN_FAILURE_LIMIT_PER_IP = 8
    for n in range(7):
        customer_login(client, f"person{n}@example.com")
    assert customer_login(client, customer.email, PASSWORD).status_code == 302
    client.logout()
    assert customer_login(client, "person8@example.com").status_code == 429


def test_nothing_of_the_form_is_kept(client, customer):
    customer_login(client, customer.email, password="my-secret-guess", HTTP_USER_AGENT="Test/1")
    staff_login(client, "dashboard:login", "someone", password="other-secret-guess")
    rows = list(AccessAttempt.objects.values())
    assert len(rows) == 2
    for row in rows:
        assert (row["get_data"], row["post_data"]) == ("", "")
        assert "secret-guess" not in str(row)
    assert {row["username"] for row in rows} == {customer.email, "someone"}


def test_an_ajax_login_gets_json(client, customer):
    fail(lambda: customer_login(client, customer.email), LIMIT - 1)
    response = customer_login(client, customer.email, HTTP_X_REQUESTED_WITH="XMLHttpRequest")
    assert response.status_code == 429
    assert response.json() == {"detail": "Too many failed login attempts. Please try again later."}


def test_an_overlong_login_is_throttled_not_an_error(client):
    email = "a" * 64 + "@" + ".".join(["b" * 63] * 3) + ".fr"  # 259 characters, valid
    statuses = fail(lambda: customer_login(client, email), LIMIT)
    assert statuses[-1] == 429
    assert AccessAttempt.objects.get().username == email[:255]


def test_registration_still_logs_the_new_customer_in(client):
    # Oscar's registration calls authenticate() without a request: axes' own
    # backend raises there (a server error); ours lets it through.
    user = UserFactory(email="new@example.com")
    assert authenticate(username="new@example.com", password=PASSWORD) == user
    assert authenticate(username="new@example.com", password="wrong") is None


def test_get_username_prefers_what_was_typed(rf):
    request = rf.post("/", {"login-username": " Camille@Example.COM "})
    assert get_username(request, {"username": "a1b2c3"}) == "camille@example.com"
    assert get_username(rf.post("/", {"username": "Staff"}), None) == "staff"
    assert get_username(rf.get("/"), {"username": "Bob\x00"}) == "bob"
    assert get_username(rf.get("/"), None) is None


def test_login_attempts_are_deleted_after_thirty_days(client):
    customer_login(client, "old@example.com")
    customer_login(client, "recent@example.com")
    AccessAttempt.objects.filter(username="old@example.com").update(
        attempt_time=timezone.now() - timedelta(days=31)
    )
    (result,) = apply_rules(["login_attempts"])
    assert result.counts == {"axes.AccessAttempt": 1}
    assert list(AccessAttempt.objects.values_list("username", flat=True)) == ["recent@example.com"]


# The system check


def test_the_sandbox_throttles_logins():
    assert check_login_throttling() == []


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (
            lambda s: setattr(s, "AUTHENTICATION_BACKENDS", s.AUTHENTICATION_BACKENDS[1:]),
            "The first of AUTHENTICATION_BACKENDS",
        ),
        (
            lambda s: setattr(
                s, "MIDDLEWARE", [m for m in s.MIDDLEWARE if m != "axes.middleware.AxesMiddleware"]
            ),
            "MIDDLEWARE has no 'axes.middleware.AxesMiddleware'",
        ),
        (
            lambda s: setattr(s, "AXES_HANDLER", "axes.handlers.database.AxesDatabaseHandler"),
            "AXES_HANDLER keeps the submitted login form",
        ),
        (lambda s: setattr(s, "AXES_ENABLED", False), "AXES_ENABLED is False"),
    ],
)
def test_a_login_left_unthrottled_is_reported(settings, change, problem):
    change(settings)
    (warning,) = check_login_throttling()
    assert warning.id == "oscar_privacy.W008"
    assert problem in warning.msg


def test_without_axes_installed(monkeypatch):
    # Changing INSTALLED_APPS would reload the app registry (which Wagtail's API refuses).
    monkeypatch.setattr(throttling, "_installed_app_names", lambda: {"oscar_privacy"})
    (warning,) = check_login_throttling()
    assert "django-axes is not installed" in warning.msg
