"""The audit list in Chromium: filters narrow it, bad ones are form errors.

A data protection officer logs into Oscar's dashboard, opens the audit
list, filters by a customer's email address and by kind, and sees
only that customer's events. ``UPDATE_SCREENSHOTS=1`` also saves the filtered
page to ``docs/_static/audit-list.png``.
"""

import datetime
import os
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone
from oscar.test.factories import UserFactory

from oscar_privacy import audit
from oscar_privacy.models import AuditEvent

from .second_factor import give_authenticator, pass_second_factor

try:
    from playwright.sync_api import expect
except ImportError:  # the ``browser`` fixture says what to install
    expect = None

pytestmark = pytest.mark.browser

PASSWORD = "Data-protection-2026"
SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "_static" / "audit-list.png"


@pytest.fixture
def officer(db):
    user = UserFactory(username="dpo", email="dpo@example.com", is_staff=True, password=PASSWORD)
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="oscar_privacy", codename="view_auditevent")
    )
    give_authenticator(user)
    return user


@pytest.fixture
def trail(db):
    agent = UserFactory(username="agent", email="agent@example.com", is_staff=True)
    camille = UserFactory(email="camille@example.com", first_name="Camille")
    other = UserFactory(email="dominique@example.com")
    earlier = AuditEvent(
        action="customer.viewed", kind="read", actor=agent, actor_label="agent", subject=camille
    )
    earlier.created_at = timezone.now() - datetime.timedelta(days=2)
    earlier.save()
    audit.record(
        "password.reset_link_sent",
        actor=agent,
        subject=camille,
        reason="Phoned in: lost password; identity checked with the last order number.",
        data={"channel": "staff"},
    )
    audit.record_read("customer.viewed", actor=agent, subject=other)
    audit.record_read("consents.viewed", actor=agent, subject=camille)
    return camille


def test_the_officer_filters_the_trail(live_server, page, officer, trail):
    page.goto(reverse("dashboard:login"))
    form = page.locator("#dashboard_login_form")
    form.get_by_label("Username").fill("dpo")
    form.get_by_label("Password").fill(PASSWORD)
    form.get_by_role("button", name="Login").click()
    pass_second_factor(page, officer.totpdevice_set.get())
    expect(page).to_have_url(live_server.url + reverse("dashboard:index"))
    page.wait_for_load_state("load")

    page.goto(reverse("oscar_privacy_dashboard:privacy-audit-list"))
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(4)

    filters = page.locator("#audit_filter_form")
    filters.get_by_label("Person concerned").fill("camille@example.com")
    filters.get_by_label("Kind").select_option("read")
    filters.get_by_role("button", name="Filter").click()
    page.wait_for_load_state("load")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("consents.viewed")
    expect(page.get_by_text("dominique@example.com")).to_have_count(0)

    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        filters.get_by_label("Kind").select_option("")
        filters.get_by_role("button", name="Filter").click()
        page.wait_for_load_state("load")
        expect(rows).to_have_count(4)  # with the officer's own filtered visit
        page.screenshot(path=SCREENSHOT, full_page=True, animations="disabled", caret="hide")

    # A malformed date is a form error, not a server error.
    filters.get_by_label("From", exact=True).fill("2026-05-02")
    filters.get_by_label("To", exact=True).fill("2026-05-01")
    filters.get_by_role("button", name="Filter").click()
    page.wait_for_load_state("load")
    expect(page.get_by_text("The start date is after the end date.")).to_be_visible()
    expect(rows).to_have_count(0)
