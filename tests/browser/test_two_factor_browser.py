"""Staff two-factor authentication in Chromium: first login, set-up, backup codes, then the code.

A new data protection officer logs into Oscar's dashboard with their
password and is sent to the set-up page. The test reads the key shown
there, as a person would type it into an app, computes the app's code with
django-otp's own TOTP function, and types it; the page shows the backup
codes once, then the privacy dashboard opens. In a new browser, the next
login asks for a code, and a backup code works once. ``UPDATE_SCREENSHOTS=1``
also saves the set-up page to ``docs/_static/two-factor-setup.png``.
"""

import os
from base64 import b32decode
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from oscar.test.factories import UserFactory

from oscar_privacy.models import AuditEvent
from tests.staff import wrong_code

try:
    from playwright.sync_api import expect
except ImportError:  # the ``browser`` fixture says what to install
    expect = None

pytestmark = pytest.mark.browser

PASSWORD = "Data-protection-2026"
SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "_static" / "two-factor-setup.png"


@pytest.fixture
def officer(db):
    user = UserFactory(username="dpo", email="dpo@example.com", is_staff=True, password=PASSWORD)
    user.user_permissions.add(
        Permission.objects.get(
            content_type__app_label="oscar_privacy", codename="view_consentrecord"
        )
    )
    return user


def log_in(page):
    page.goto(reverse("dashboard:login"))
    form = page.locator("#dashboard_login_form")
    form.get_by_label("Username").fill("dpo")
    form.get_by_label("Password").fill(PASSWORD)
    form.get_by_role("button", name="Login").click()


def test_first_login_sets_up_the_app_then_codes_are_asked(live_server, browser, page, officer):
    consents = reverse("oscar_privacy_dashboard:privacy-consent-list")

    # The officer logs in and asks for the consent list: the set-up comes first.
    log_in(page)
    page.goto(consents)
    expect(page).to_have_url(
        f"{live_server.url}{reverse('oscar_privacy:two-factor-setup')}"
        f"?next=%2Fshop%2Fdashboard%2Fprivacy%2Fconsents%2F"
    )
    page.wait_for_load_state("load")
    expect(page.locator("svg.two-factor-qr")).to_be_visible()
    expect(page.locator("img")).to_have_count(0)  # no image address carries the secret
    secret = page.locator("#two_factor_secret").inner_text()
    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        page.screenshot(path=SCREENSHOT, full_page=True, animations="disabled", caret="hide")

    # The app, given the key by hand, shows a code; the officer types it.
    key = b32decode(secret.replace(" ", ""))
    form = page.locator("#two_factor_setup_form")
    form.get_by_label("Code shown by the app").fill(f"{totp(key):06d}")
    form.get_by_role("button", name="Turn on two-factor authentication").click()
    page.wait_for_load_state("load")

    # Backup codes, shown once; then on to the page asked for.
    codes = page.locator("#two_factor_backup_codes li")
    expect(codes).to_have_count(10)
    shown = codes.all_inner_texts()
    assert sorted(shown) == sorted(StaticToken.objects.values_list("token", flat=True))
    page.get_by_role("link", name="Continue").click()
    expect(page).to_have_url(live_server.url + consents)
    expect(page.locator("h1")).to_contain_text("Consent")
    assert TOTPDevice.objects.get(user=officer).confirmed
    assert AuditEvent.objects.filter(action="two_factor.enrolled", subject=officer).exists()

    # Another day, another browser: the code page, where a backup code works once.
    context = browser.new_context(base_url=live_server.url)
    try:
        other = context.new_page()
        log_in(other)
        other.goto(consents)
        form = other.locator("#two_factor_verify_form")
        expect(form).to_be_visible()
        form.get_by_label("My authenticator app").check()
        form.get_by_label("Code", exact=True).fill(wrong_code(TOTPDevice.objects.get()))
        form.get_by_role("button", name="Verify").click()
        expect(other.locator("#two_factor_verify_form .alert-danger")).to_contain_text("not right")
        form.get_by_label("A backup code (10 left)").check()
        form.get_by_label("Code", exact=True).fill(shown[0].upper())
        form.get_by_role("button", name="Verify").click()
        expect(other).to_have_url(live_server.url + consents)
    finally:
        context.close()
    assert not StaticToken.objects.filter(token=shown[0]).exists()
    assert AuditEvent.objects.filter(action="two_factor.verification_failed").count() == 1
