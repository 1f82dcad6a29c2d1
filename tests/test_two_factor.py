"""Staff two-factor authentication: who is asked, where, and the set-up and code pages."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from oscar.test.factories import UserFactory

from oscar_privacy import two_factor
from oscar_privacy.models import AuditEvent

from .staff import code_now, give_authenticator, login_verified, wrong_code

pytestmark = pytest.mark.django_db

VERIFY = reverse("oscar_privacy:two-factor-verify")
SETUP = reverse("oscar_privacy:two-factor-setup")
BACKUP_CODES = reverse("oscar_privacy:two-factor-backup-codes")

# One page of each staff area, and their login and logout pages.
STAFF_PAGES = {
    "oscar": reverse("dashboard:index"),
    "oscar_privacy": reverse("oscar_privacy_dashboard:privacy-consent-list"),
    "wagtail": reverse("wagtailadmin_home"),
    "django_admin": reverse("admin:index"),
}


def next_of(response):
    """Where a redirect goes, and the ``next`` it carries."""
    url = urlsplit(response["Location"])
    return url.path, parse_qs(url.query).get("next", [None])[0]


@pytest.fixture
def editor(db):
    """A Wagtail editor: no staff flag, but allowed into Wagtail's admin."""
    user = UserFactory(username="editor", email="editor@example.com")
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")
    )
    return user


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", email="root@example.com", is_superuser=True)


# Who is asked, and where ------------------------------------------------------


@pytest.mark.parametrize("area", STAFF_PAGES)
def test_staff_without_a_device_are_sent_to_the_set_up(client, staff, area):
    client.force_login(staff)
    response = client.get(STAFF_PAGES[area] + "?tab=1")
    assert response.status_code == 302
    assert next_of(response) == (SETUP, STAFF_PAGES[area] + "?tab=1")


@pytest.mark.parametrize("area", STAFF_PAGES)
def test_staff_with_a_device_are_asked_for_a_code(client, staff, area):
    give_authenticator(staff)
    client.force_login(staff)
    response = client.get(STAFF_PAGES[area])
    assert response.status_code == 302
    assert next_of(response) == (VERIFY, STAFF_PAGES[area])


@pytest.mark.parametrize("area", STAFF_PAGES)
def test_a_verified_session_opens_every_staff_area(client, area):
    admin = UserFactory(username="admin", is_staff=True, is_superuser=True)
    login_verified(client, admin)
    assert client.get(STAFF_PAGES[area]).status_code == 200


@pytest.mark.parametrize("who", ["superuser", "editor"])
def test_superusers_and_wagtail_editors_are_staff_too(client, request, who):
    user = request.getfixturevalue(who)
    client.force_login(user)
    response = client.get(reverse("wagtailadmin_home"))
    assert next_of(response) == (SETUP, reverse("wagtailadmin_home"))


@pytest.mark.parametrize("area", STAFF_PAGES)
def test_customers_and_visitors_get_the_areas_own_answer(client, customer, area):
    # Not our redirect: the area's own (a login page, a refusal).
    for logged_in in (False, True):
        if logged_in:
            client.force_login(customer)
        response = client.get(STAFF_PAGES[area])
        assert response.status_code in (302, 403)
        if response.status_code == 302:
            assert next_of(response)[0] not in (SETUP, VERIFY)


def test_customers_shop_as_before(client, customer):
    client.force_login(customer)
    assert client.get(reverse("customer:profile-view")).status_code == 200
    assert client.get(reverse("basket:summary")).status_code == 200
    assert client.get(SETUP).status_code == 403
    assert client.get(VERIFY).status_code == 403
    assert not TOTPDevice.objects.exists()


def test_staff_pages_outside_the_areas_are_not_held_back(client, staff):
    client.force_login(staff)
    assert client.get(reverse("customer:profile-view")).status_code == 200


@pytest.mark.parametrize(
    "url_name",
    [
        "dashboard:login",
        "dashboard:logout",
        "wagtailadmin_login",
        "wagtailadmin_logout",
        "admin:login",
        "admin:logout",
    ],
)
def test_login_and_logout_stay_reachable(client, staff, url_name):
    staff.user_permissions.add(  # Wagtail logs out only those it lets in
        Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")
    )
    client.force_login(staff)
    method = client.post if url_name.endswith("logout") else client.get
    response = method(reverse(url_name))
    assert response.status_code in (200, 302)
    assert not (response.status_code == 302 and next_of(response)[0] in (SETUP, VERIFY))
    if url_name.endswith("logout"):
        assert "_auth_user_id" not in client.session


def test_the_setting_turns_it_off(client, staff, settings):
    settings.OSCAR_PRIVACY_STAFF_TWO_FACTOR = False
    client.force_login(staff)
    assert client.get(reverse("dashboard:index")).status_code == 200
    assert client.get(SETUP).status_code == 404


def test_the_two_factor_pages_ask_visitors_to_log_in(client):
    response = client.get(VERIFY)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("customer:login"))


def test_a_staff_page_costs_few_queries(client, staff, django_assert_max_num_queries):
    login_verified(client, staff)
    client.get(reverse("dashboard:index"))
    # session, user, device; then Oscar's own
    with django_assert_max_num_queries(40):
        assert client.get(reverse("dashboard:index")).status_code == 200


# Enrolment ----------------------------------------------------------------------


def enrol(client, next_url=""):
    """Open the set-up page and confirm with the right code; returns the response."""
    page = client.get(SETUP, {"next": next_url} if next_url else {})
    device = TOTPDevice.objects.get(confirmed=False)
    response = client.post(SETUP, {"otp_token": code_now(device), "next": next_url})
    return page, device, response


def test_enrolment_shows_a_qr_code_and_the_key_then_backup_codes(client, staff):
    client.force_login(staff)
    page, device, response = enrol(client, "/shop/dashboard/?tab=orders")
    html = page.content.decode()
    assert page.status_code == 200
    assert "<svg" in html and "two-factor-qr" in html
    # The QR code is drawn in the page: no image address carries the secret.
    assert "otpauth://" not in html and "<img" not in html
    assert two_factor.secret_for_typing(device) in html
    assert page["Cache-Control"].startswith("max-age=0")

    assert next_of(response) == (BACKUP_CODES, "/shop/dashboard/?tab=orders")
    device.refresh_from_db()
    assert device.confirmed
    codes = client.get(response["Location"])
    shown = codes.context["codes"]
    assert len(shown) == two_factor.BACKUP_CODE_COUNT
    assert sorted(shown) == sorted(
        StaticToken.objects.filter(device__user=staff).values_list("token", flat=True)
    )
    # Shown once.
    again = client.get(response["Location"])
    assert again.context["codes"] == []
    assert again.context["codes_left"] == two_factor.BACKUP_CODE_COUNT
    # The session passed the second factor.
    assert client.get("/shop/dashboard/?tab=orders").status_code == 200
    event = AuditEvent.objects.get(action="two_factor.enrolled")
    assert (event.actor, event.subject) == (staff, staff)
    assert event.data == {"device": "authenticator", "backup_codes": 10}


def test_the_secret_stays_the_same_within_a_session_and_changes_with_it(client, staff):
    client.force_login(staff)
    client.get(SETUP)
    first = TOTPDevice.objects.get(user=staff)
    code = code_now(first)
    client.get(SETUP)
    assert TOTPDevice.objects.get(user=staff) == first

    other = Client()
    other.force_login(staff)
    other.get(SETUP)
    second = TOTPDevice.objects.get(user=staff)  # the first one is gone
    assert second.pk != first.pk and second.key != first.key
    # The first session's set-up expired; it gets a new key to scan.
    response = client.post(SETUP, {"otp_token": code})
    assert "expired" in response.context["form"].errors["otp_token"][0]
    assert not TOTPDevice.objects.filter(confirmed=True).exists()


def test_enrolment_refuses_a_wrong_code_and_keeps_the_device_unconfirmed(client, staff):
    client.force_login(staff)
    client.get(SETUP)
    device = TOTPDevice.objects.get()
    response = client.post(SETUP, {"otp_token": wrong_code(device)})
    assert response.status_code == 200
    assert "not right" in response.context["form"].errors["otp_token"][0]
    device.refresh_from_db()
    assert not device.confirmed
    assert device.throttling_failure_count == 1
    assert client.get(reverse("dashboard:index"))["Location"].startswith(SETUP)


@pytest.mark.parametrize("code", ["", "   ", "x" * 500])
def test_enrolment_with_junk_gives_a_form_error(client, staff, code):
    client.force_login(staff)
    client.get(SETUP)
    response = client.post(SETUP, {"otp_token": code})
    assert response.status_code == 200
    assert response.context["form"].errors


def test_with_a_device_the_set_up_page_is_closed(client, staff):
    # A password alone must not add a second authenticator.
    give_authenticator(staff)
    client.force_login(staff)
    assert next_of(client.get(SETUP))[0] == VERIFY
    assert next_of(client.post(SETUP, {"otp_token": "123456"}))[0] == VERIFY
    assert TOTPDevice.objects.count() == 1


# Verification ---------------------------------------------------------------------


def verify(client, device, code, next_url=""):
    return client.post(
        VERIFY, {"otp_device": device.persistent_id, "otp_token": code, "next": next_url}
    )


def test_a_right_code_verifies_the_session_and_goes_on(client, staff):
    device = give_authenticator(staff)
    client.force_login(staff)
    old_key = client.session.session_key
    page = client.get(VERIFY, {"next": "/shop/dashboard/?a=1"})
    assert page.status_code == 200
    assert page["Cache-Control"].startswith("max-age=0")
    response = verify(client, device, code_now(device), "/shop/dashboard/?a=1")
    assert response.status_code == 302 and response["Location"] == "/shop/dashboard/?a=1"
    assert client.session.session_key != old_key  # the key changes with the rights
    assert client.get("/shop/dashboard/?a=1").status_code == 200
    assert not AuditEvent.objects.filter(action="two_factor.verification_failed").exists()


def test_codes_may_be_typed_with_spaces(client, staff):
    device = give_authenticator(staff)
    client.force_login(staff)
    code = code_now(device)
    response = verify(client, device, f" {code[:3]} {code[3:]} ")
    assert response.status_code == 302


def test_a_wrong_code_is_refused_and_audited_without_the_code(client, staff):
    device = give_authenticator(staff)
    client.force_login(staff)
    code = wrong_code(device)
    response = verify(client, device, code)
    assert response.status_code == 200
    assert "not right" in str(response.context["form"].non_field_errors())
    assert client.get(reverse("dashboard:index")).status_code == 302
    event = AuditEvent.objects.get(action="two_factor.verification_failed")
    assert (event.actor, event.subject) == (staff, staff)
    assert event.data == {"device": "authenticator", "reason": "wrong_code"}
    assert code not in str(event.data) and code not in event.path


def test_a_code_is_never_accepted_twice(client, staff):
    device = give_authenticator(staff)
    client.force_login(staff)
    code = code_now(device)
    assert verify(client, device, code).status_code == 302

    thief = Client()
    thief.force_login(staff)
    response = verify(thief, device, code)
    assert response.status_code == 200
    assert "already been used" in str(response.context["form"].non_field_errors())


def test_wrong_codes_are_throttled_with_a_clear_message(client, staff, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 3600  # the second try waits an hour
    device = give_authenticator(staff)
    client.force_login(staff)
    verify(client, device, wrong_code(device))
    # Even the right code is refused while it waits.
    response = verify(client, device, code_now(device))
    assert response.status_code == 200
    errors = str(response.context["form"].non_field_errors())
    assert "1 wrong code in a row" in errors and "wait" in errors
    reasons = list(
        AuditEvent.objects.filter(action="two_factor.verification_failed")
        .order_by("pk")
        .values_list("data__reason", flat=True)
    )
    assert reasons == ["wrong_code", "throttled"]
    device.refresh_from_db()
    assert device.throttling_failure_count == 1  # waiting attempts do not add up


def test_backup_codes_are_throttled_too(client, staff, settings):
    settings.OTP_STATIC_THROTTLE_FACTOR = 3600
    give_authenticator(staff)
    backup = StaticDevice.objects.create(user=staff, name="Backup codes")
    backup.token_set.create(token="abcdefgh")
    client.force_login(staff)
    verify(client, backup, "zzzzzzzz")
    response = verify(client, backup, "abcdefgh")
    assert "wrong code in a row" in str(response.context["form"].non_field_errors())
    assert backup.token_set.filter(token="abcdefgh").exists()


def test_a_backup_code_works_once(client, staff):
    give_authenticator(staff)
    backup = StaticDevice.objects.create(user=staff, name="Backup codes")
    backup.token_set.create(token="abcdefgh")
    client.force_login(staff)
    page = client.get(VERIFY)
    assert "A backup code (1 left)" in page.content.decode()
    assert verify(client, backup, "ABCD-EFGH").status_code == 302
    assert not backup.token_set.exists()

    other = Client()
    other.force_login(staff)
    response = verify(other, backup, "abcdefgh")
    assert response.status_code == 200
    event = AuditEvent.objects.get(action="two_factor.verification_failed")
    assert event.data == {"device": "backup_code", "reason": "wrong_code"}


@pytest.mark.parametrize(
    "choice",
    [
        "other",  # another staff member's device, with their right code
        "otp_totp.totpdevice/999999",
        "auth.user/1",
        "nonsense",
        "otp_totp.totpdevice/abc",
        "",
    ],
)
def test_a_device_not_ones_own_is_a_form_error(client, staff, choice):
    give_authenticator(staff)
    colleague = UserFactory(username="colleague", is_staff=True)
    theirs = give_authenticator(colleague, key="00" * 20)
    if choice == "other":
        choice = theirs.persistent_id
    client.force_login(staff)
    response = client.post(VERIFY, {"otp_device": choice, "otp_token": code_now(theirs)})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert client.get(reverse("dashboard:index")).status_code == 302
    theirs.refresh_from_db()
    assert theirs.last_t == -1  # their code was not even tried


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "http://testserver.evil.example/",
        "javascript:alert(1)",
        "\\\\evil.example",
    ],
)
def test_next_must_stay_on_the_site(client, staff, target):
    device = give_authenticator(staff)
    client.force_login(staff)
    response = verify(client, device, code_now(device), target)
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard:index")


def test_a_verified_session_skips_the_code_page(client, staff):
    login_verified(client, staff)
    response = client.get(VERIFY, {"next": "/cms/"})
    assert response["Location"] == "/cms/"


def test_verification_without_a_device_leads_to_the_set_up(client, staff):
    client.force_login(staff)
    assert next_of(client.get(VERIFY, {"next": "/cms/"})) == (SETUP, "/cms/")


def test_the_code_pages_need_a_csrf_token(staff):
    device = give_authenticator(staff)
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff)
    assert verify(client, device, code_now(device)).status_code == 403


# Backup codes --------------------------------------------------------------------


def test_new_backup_codes_replace_the_old_ones(client, staff):
    login_verified(client, staff)
    first = client.post(BACKUP_CODES, {"next": "/cms/"})
    assert next_of(first) == (BACKUP_CODES, "/cms/")
    old = client.get(first["Location"]).context["codes"]
    client.post(BACKUP_CODES)
    new = client.get(BACKUP_CODES).context["codes"]
    assert len(new) == 10 and not set(new) & set(old)
    assert set(StaticToken.objects.values_list("token", flat=True)) == set(new)
    # The session verified by the backup device stays verified.
    assert client.get(reverse("dashboard:index")).status_code == 200
    assert AuditEvent.objects.filter(action="two_factor.backup_codes_regenerated").count() == 2
    event = AuditEvent.objects.filter(action="two_factor.backup_codes_regenerated").first()
    assert event.data == {"backup_codes": 10}


def test_backup_codes_need_a_verified_session(client, staff):
    give_authenticator(staff)
    client.force_login(staff)
    response = client.post(BACKUP_CODES)
    assert next_of(response) == (VERIFY, BACKUP_CODES)
    assert not StaticToken.objects.exists()


def test_the_code_page_reads_in_french(client, staff):
    device = give_authenticator(staff)
    client.force_login(staff)
    page = client.get(VERIFY, HTTP_ACCEPT_LANGUAGE="fr")
    html = page.content.decode()
    assert "<title>Double authentification" in html
    assert "Mon application d&#x27;authentification" in html
    response = client.post(
        VERIFY,
        {"otp_device": device.persistent_id, "otp_token": wrong_code(device)},
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    assert "Ce code n&#x27;est pas le bon" in response.content.decode()
