"""Running staff two-factor authentication: the reset command and the system check."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.sessions.models import Session
from django.core.checks import run_checks
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import include, path, reverse
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from oscar.test.factories import UserFactory

from oscar_privacy.checks import check_staff_two_factor
from oscar_privacy.models import AuditEvent

from .staff import give_authenticator, login_verified

pytestmark = pytest.mark.django_db

REASON = "Lost phone and backup codes; identity checked by her manager in person."
OTP = "django_otp.middleware.OTPMiddleware"
AUTH = "django.contrib.auth.middleware.AuthenticationMiddleware"
OURS = "oscar_privacy.middleware.StaffTwoFactorMiddleware"


# The reset command ------------------------------------------------------------------


def test_the_reset_removes_the_devices_ends_the_sessions_and_is_audited(
    staff, django_capture_on_commit_callbacks
):
    colleague = UserFactory(username="colleague", is_staff=True)
    theirs = give_authenticator(colleague)
    give_authenticator(staff)
    client = login_verified(Client(), staff)  # a backup-code device too
    StaticToken.objects.create(device=StaticDevice.objects.get(user=staff), token="abcdefgh")
    colleague_client = login_verified(Client(), colleague)
    assert client.get(reverse("dashboard:index")).status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        call_command("privacy_reset_two_factor", "staff", reason=REASON, stdout=(out := _Out()))

    assert "2 two-factor devices removed" in out.text
    assert not TOTPDevice.objects.filter(user=staff).exists()
    assert not StaticDevice.objects.filter(user=staff).exists()
    assert not StaticToken.objects.exists()
    # Logged out everywhere; at the next login, the set-up.
    response = client.get(reverse("dashboard:index"))
    assert response["Location"].startswith(reverse("dashboard:login"))
    client.force_login(staff)
    assert client.get(reverse("dashboard:index"))["Location"].startswith(
        reverse("oscar_privacy:two-factor-setup")
    )
    # Nobody else is touched.
    assert TOTPDevice.objects.get(user=colleague) == theirs
    assert colleague_client.get(reverse("dashboard:index")).status_code == 200
    assert Session.objects.count() == 2  # the colleague's and the new login

    event = AuditEvent.objects.get(action="two_factor.reset")
    assert event.actor is None and event.actor_label == "system"
    assert event.subject == staff and event.reason == REASON
    assert event.data == {"devices_removed": 2, "channel": "command"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nobody", "--reason", REASON], "No account has the username nobody"),
        (["staff", "--reason", "   "], "Give a reason"),
    ],
)
def test_the_reset_refuses_an_unknown_account_or_no_reason(staff, args, message):
    give_authenticator(staff)
    with pytest.raises(CommandError, match=message):
        call_command("privacy_reset_two_factor", *args)
    assert TOTPDevice.objects.filter(user=staff).exists()
    assert not AuditEvent.objects.exists()


def test_the_reset_needs_a_reason(staff):
    with pytest.raises(CommandError, match="--reason"):
        call_command("privacy_reset_two_factor", "staff")


class _Out:
    def __init__(self):
        self.text = ""

    def write(self, text):
        self.text += text

    def flush(self):
        pass


# The system check ------------------------------------------------------------------


def ids(messages):
    return [message.id for message in messages]


def test_the_sandbox_is_configured():
    assert check_staff_two_factor() == []


@pytest.mark.parametrize(
    ("middleware", "problem"),
    [
        (lambda m: [x for x in m if x != OURS], f"MIDDLEWARE has no '{OURS}'"),
        (lambda m: [x for x in m if x != OTP], f"MIDDLEWARE has no '{OTP}'"),
        (lambda m: [OURS] + [x for x in m if x != OURS], f"'{OURS}' comes before '{AUTH}'"),
        (
            lambda m: [x for x in m if x != OTP] + [OTP],
            f"'{OURS}' comes before '{OTP}'",
        ),
    ],
)
def test_missing_or_misplaced_middleware_is_an_error(settings, middleware, problem):
    settings.MIDDLEWARE = middleware(settings.MIDDLEWARE)
    (error,) = check_staff_two_factor()
    assert error.id == "oscar_privacy.E012"
    assert problem in error.msg


def test_missing_django_otp_plugins_are_an_error(monkeypatch):
    # Changing INSTALLED_APPS would reload the app registry (which Wagtail's API refuses).
    installed = apps.is_installed
    monkeypatch.setattr(
        apps,
        "is_installed",
        lambda name: name != "django_otp.plugins.otp_static" and installed(name),
    )
    (error,) = check_staff_two_factor()
    assert error.id == "oscar_privacy.E012"
    assert "INSTALLED_APPS has no 'django_otp.plugins.otp_static'" in error.msg


urlpatterns = [path("django-admin/", admin.site.urls)]  # no oscar_privacy.urls


def test_the_pages_must_have_urls(settings):
    settings.ROOT_URLCONF = __name__
    (error,) = check_staff_two_factor()
    assert "oscar_privacy.urls is not included" in error.msg


class PrivacyDashboardElsewhere:
    """A URLconf mounting oscar_privacy's dashboard outside Oscar's, through its own include."""

    urlpatterns = [
        path("privacy/", include("oscar_privacy.urls")),
        path(
            "privacy-dashboard/",
            include(apps.get_app_config("oscar_privacy_dashboard").urls[:2]),
        ),
        path("shop/", include(apps.get_app_config("oscar").urls[0])),
    ]


class PrivacyDashboardWithoutItsInclude:
    """A URLconf mounting oscar_privacy's dashboard views without their application namespace."""

    urlpatterns = [
        path("privacy/", include("oscar_privacy.urls")),
        path(
            "privacy-dashboard/",
            include(apps.get_app_config("oscar_privacy_dashboard").urls[0]),
        ),
        path("shop/", include(apps.get_app_config("oscar").urls[0])),
    ]


def test_the_privacy_dashboard_is_a_staff_area_wherever_it_is_mounted(settings):
    # Changed in issue 13: the include is recognised, not the path it is mounted at.
    settings.ROOT_URLCONF = PrivacyDashboardElsewhere
    assert check_staff_two_factor() == []


def test_the_privacy_dashboard_must_come_through_its_own_include(settings):
    settings.ROOT_URLCONF = PrivacyDashboardWithoutItsInclude
    (error,) = check_staff_two_factor()
    assert error.id == "oscar_privacy.E012"
    assert (
        "privacy-consent-list (/privacy-dashboard/consents/) is a staff page outside any "
        "staff area" in error.msg
    )
    assert "oscar_privacy.urls is not included" not in error.msg


def test_nothing_is_checked_when_the_setting_is_off(settings):
    settings.OSCAR_PRIVACY_STAFF_TWO_FACTOR = False
    settings.MIDDLEWARE = [x for x in settings.MIDDLEWARE if x not in (OTP, OURS)]
    assert check_staff_two_factor() == []


@pytest.mark.parametrize("name", ["OTP_TOTP_THROTTLE_FACTOR", "OTP_STATIC_THROTTLE_FACTOR"])
@pytest.mark.parametrize("value", [0, -1, "1"])
def test_codes_without_throttling_are_a_warning(settings, name, value):
    setattr(settings, name, value)
    (warning,) = check_staff_two_factor()
    assert warning.id == "oscar_privacy.W010"
    assert name in warning.msg


def test_the_check_runs_through_django(settings):
    settings.MIDDLEWARE = [x for x in settings.MIDDLEWARE if x != OURS]
    assert "oscar_privacy.E012" in ids(run_checks(include_deployment_checks=False))
