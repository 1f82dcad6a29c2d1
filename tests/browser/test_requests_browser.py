"""A visitor's closure request, from the contact form to the closed account, in Chromium.

A visitor (not logged in) asks to close the account registered at their
address, follows the confirmation link emailed to them (read from the
locmem outbox of the live server, which runs in the test's process), and
gets the acknowledgement. A privacy officer logs into Oscar's dashboard,
finds the request in the queue, reads it, closes the account and answers;
the requester is emailed the answer.

``UPDATE_SCREENSHOTS=1`` also saves the queue to ``docs/_static/request-queue.png``.
"""

import datetime
import os
import re
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone
from oscar.test.factories import UserFactory

from oscar_privacy.models import AccountClosure, PrivacyRequest
from oscar_privacy.recovery import submit_recovery_request
from oscar_privacy.requests import submit_request

from .second_factor import give_authenticator, pass_second_factor

try:
    from playwright.sync_api import expect
except ImportError:  # the ``browser`` fixture says what to install
    expect = None

pytestmark = pytest.mark.browser

EMAIL = "camille@example.com"
OFFICER_PASSWORD = "Privacy-officer-2026"
MESSAGE = "Please close my account: I no longer shop here. <b>Thanks</b>"
QUEUE_SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "_static" / "request-queue.png"
LINK = re.compile(r"https?://[^/\s]+(/privacy/contact/confirm/\S+/)")


@pytest.fixture
def customer(db):
    return UserFactory(username="camille", email=EMAIL, first_name="Camille", last_name="Martin")


@pytest.fixture
def officer(db):
    user = UserFactory(
        username="officer", email="officer@example.com", is_staff=True, password=OFFICER_PASSWORD
    )
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="oscar_privacy",
            codename__in=[
                "view_privacyrequest",
                "change_privacyrequest",
                "add_accountclosure",
                "view_customer_privacy",
            ],
        ),
        Permission.objects.get(content_type__app_label="auth", codename="view_user"),
    )
    give_authenticator(user)
    return user


def at(live_server, url_name, **kwargs):
    return f"{live_server.url}{reverse(url_name, kwargs=kwargs)}"


def arrive(page, url):
    expect(page).to_have_url(url)
    page.wait_for_load_state("load")


def staff_log_in(page, live_server, user, password):
    """Log in through the dashboard's login page, then type the code of the user's app."""
    page.goto(reverse("dashboard:login"))
    form = page.locator("#dashboard_login_form")
    form.get_by_label("Username").fill(user.username)
    form.get_by_label("Password").fill(password)
    form.get_by_role("button", name="Login").click()
    pass_second_factor(page, user.totpdevice_set.get())
    arrive(page, at(live_server, "dashboard:index"))


def other_requests():
    """A few more requests, so that the queue (and its screenshot) shows its colours."""
    late = submit_request("access", message="", user=UserFactory(email="late@example.com"))
    PrivacyRequest.objects.filter(pk=late.pk).update(
        received_at=timezone.now() - datetime.timedelta(days=40),
        due_at=timezone.now() - datetime.timedelta(days=9),
    )
    submit_request("rectification", message="My name is misspelt.", user=UserFactory())
    submit_recovery_request({"first_name": "Claire", "last_name": "Dupont"})


def test_a_visitor_closure_request_from_the_form_to_the_closed_account(
    live_server, page, customer, officer, mailoutbox
):
    # The visitor fills in the form (the address of an account, but they are not logged in).
    page.goto(reverse("oscar_privacy:contact"))
    form = page.locator("#privacy_request_form")
    form.get_by_label("Close my account or erase my data").check()
    form.get_by_label("Your name").fill("Camille Martin")
    form.get_by_label("Your email address").fill(EMAIL)
    form.get_by_label("Your message").fill(MESSAGE)
    form.get_by_role("button", name="Send my request").click()
    arrive(page, at(live_server, "oscar_privacy:contact-sent"))
    expect(page.locator("#privacy-request-sent")).to_contain_text("follow it to confirm")

    # Nothing is actionable yet: the request waits for the link.
    privacy_request = PrivacyRequest.objects.get()
    assert privacy_request.status == PrivacyRequest.Status.UNCONFIRMED
    (confirmation,) = mailoutbox
    assert confirmation.to == [EMAIL]

    # The link opens a page whose button confirms.
    page.goto(LINK.search(confirmation.body).group(1))
    expect(page.locator("#privacy-request-confirm")).to_contain_text("Account closure")
    page.get_by_role("button", name="Confirm my request").click()
    arrive(page, at(live_server, "oscar_privacy:contact-confirmed"))
    privacy_request.refresh_from_db()
    assert privacy_request.status == PrivacyRequest.Status.RECEIVED
    assert privacy_request.user == customer  # the address is the account's
    acknowledgement = mailoutbox[1]
    assert privacy_request.reference in acknowledgement.subject

    # The officer finds it in the queue.
    other_requests()
    staff_log_in(page, live_server, officer, OFFICER_PASSWORD)
    page.goto(reverse("oscar_privacy_dashboard:privacy-request-list"))
    queue = page.locator("#privacy_requests")
    expect(queue.locator("tr.table-danger")).to_have_count(1)
    expect(queue).not_to_contain_text(EMAIL)
    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        page.screenshot(path=QUEUE_SCREENSHOT, full_page=True, animations="disabled", caret="hide")
    queue.get_by_role("link", name=privacy_request.reference).click()
    arrive(
        page,
        at(live_server, "oscar_privacy_dashboard:privacy-request-detail", pk=privacy_request.pk),
    )
    expect(page.locator("#request_details")).to_contain_text(MESSAGE)  # as text, not markup

    # Closes the account, then answers.
    close = page.locator("#request_close_form")
    close.get_by_label("Reason").fill("Closure request confirmed by email.")
    close.get_by_role("button", name="Close the account").click()
    expect(page.locator(".alert-success")).to_contain_text("The account is closed")
    closure = AccountClosure.objects.get(user=customer)
    assert closure.channel == AccountClosure.Channel.REQUEST
    decide = page.locator("#request_decide_form")
    decide.get_by_label("Granted: the request has been done").check()
    decide.get_by_label("Answer").fill("Your account is closed; orders are kept for accounting.")
    decide.get_by_role("button", name="Record the decision and email it").click()
    expect(page.locator(".alert-success")).to_contain_text("the requester has been emailed")
    expect(page.locator("#request_history")).to_contain_text("Account closed")

    privacy_request.refresh_from_db()
    assert (privacy_request.status, privacy_request.decided_by) == ("done", officer)
    answer = mailoutbox[-1]
    assert answer.to == [EMAIL] and "has been handled" in answer.subject
    assert "orders are kept for accounting" in answer.body
