"""The privacy panel of a customer's dashboard page, its actions, and the two staff groups."""

import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps as global_apps
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.db import connection
from django.urls import reverse
from oscar.test.factories import UserFactory

from oscar_privacy.closure import close_account
from oscar_privacy.consent import record_consents
from oscar_privacy.customer_panel import privacy_panel
from oscar_privacy.dashboard.apps import PrivacyDashboardConfig
from oscar_privacy.models import (
    AccountClosure,
    AuditEvent,
    ConsentAction,
    ConsentChannel,
    ConsentPurpose,
    DataExport,
)
from oscar_privacy.newsletter.models import Subscription
from oscar_privacy.newsletter.subscriptions import link_account
from oscar_privacy.requests import submit_request

from .staff import login_verified

pytestmark = pytest.mark.django_db

OFFICER, SERVICE = "Privacy officer", "Customer service"
groups_migration = importlib.import_module("oscar_privacy.migrations.0008_requests_and_groups")


def page(customer):
    return reverse("dashboard:user-detail", args=[customer.pk])


def export_url(customer):
    return reverse("oscar_privacy_dashboard:privacy-customer-export", args=[customer.pk])


def close_url(customer):
    return reverse("oscar_privacy_dashboard:privacy-customer-close", args=[customer.pk])


def member(group_name, username):
    user = UserFactory(username=username, email=f"{username}@example.com", is_staff=True)
    user.groups.add(Group.objects.get(name=group_name))
    return user


@pytest.fixture(autouse=True)
def empty_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def officer(db):
    return member(OFFICER, "officer")


@pytest.fixture
def agent(db):
    return member(SERVICE, "agent")


@pytest.fixture
def history(customer):
    record_consents(
        [(ConsentPurpose.NEWSLETTER, ConsentAction.GIVEN, None)],
        channel=ConsentChannel.REGISTRATION,
        user=customer,
    )
    record_consents(
        [(ConsentPurpose.NEWSLETTER, ConsentAction.WITHDRAWN, None)],
        channel=ConsentChannel.MY_ACCOUNT,
        user=customer,
    )
    return submit_request("rectification", message="My name is misspelt.", user=customer)


# The panel ---------------------------------------------------------------------------------


def test_the_panel_shows_consents_copies_closure_and_requests_and_is_audited(
    client, agent, customer, history
):
    login_verified(client, agent)
    response = client.get(page(customer))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="privacy_panel"' in html
    consents = html.split('id="privacy_panel_consents"')[1].split("</td>")[0]
    assert "Newsletter: Withdrawn" in consents and "Privacy policy: never given" in consents
    assert history.reference in html and "Rectification" in html
    assert "Open." in html and "No reset link sent." in html
    # Customer service neither closes accounts nor prepares copies.
    assert 'id="privacy_close_form"' not in html and 'id="privacy_export_form"' not in html
    event = AuditEvent.objects.get(action="customer.privacy_viewed")
    assert (event.kind, event.actor, event.subject) == ("read", agent, customer)


def test_without_the_permission_no_panel_and_no_read(client, customer, history):
    viewer = UserFactory(username="viewer", email="viewer@example.com", is_staff=True)
    viewer.user_permissions.add(
        Permission.objects.get(content_type__app_label="auth", codename="view_user")
    )
    login_verified(client, viewer)
    response = client.get(page(customer))
    assert response.status_code == 200
    assert 'id="privacy_panel"' not in response.content.decode()
    assert not AuditEvent.objects.filter(action="customer.privacy_viewed").exists()


def test_the_panel_costs_the_same_queries_however_long_the_history(
    customer, history, django_assert_max_num_queries
):
    with django_assert_max_num_queries(10) as short:
        privacy_panel(customer)
    for index in range(15):
        submit_request("other", message=f"Question {index}", user=customer)
        DataExport.objects.create(owner=customer)
    with django_assert_max_num_queries(len(short)):
        panel = privacy_panel(customer)
    assert len(panel.requests) == 10 and len(panel.exports) == 10


def test_the_officer_prepares_a_copy_for_the_customer(
    client, officer, customer, mailoutbox, django_capture_on_commit_callbacks
):
    login_verified(client, officer)
    html = client.get(page(customer)).content.decode()
    assert 'id="privacy_export_form"' in html and 'id="privacy_close_form"' in html
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(export_url(customer), follow=True)
    assert response.redirect_chain == [(page(customer), 302)]
    assert "A copy of the data is being prepared" in response.content.decode()
    export = DataExport.objects.get(owner=customer)
    event = AuditEvent.objects.get(action="export.prepared_for_customer")
    assert (event.actor, event.subject, event.target_id) == (officer, customer, str(export.pk))
    assert event.data == {"privacy_request": None, "created": True}
    assert [mail.to for mail in mailoutbox] == [["customer@example.com"]]


def test_the_officer_closes_the_account_with_a_reason(
    client, officer, customer, django_capture_on_commit_callbacks
):
    login_verified(client, officer)
    response = client.post(close_url(customer), {"reason": "  "}, follow=True)
    assert "Give the reason" in response.content.decode()
    assert not AccountClosure.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(close_url(customer), {"reason": "Phoned: wants out."}, follow=True)
    assert "The account is closed" in response.content.decode()
    closure = AccountClosure.objects.get(user=customer)
    assert (closure.channel, closure.reason) == ("staff", "Phoned: wants out.")
    assert AuditEvent.objects.get(action="account.closed").actor == officer
    html = client.get(page(customer)).content.decode()
    assert "Closed on" in html and 'id="privacy_close_form"' not in html
    assert 'id="privacy_export_form"' not in html
    # Twice: refused, nothing changes; no copy of a closed account either.
    response = client.post(close_url(customer), {"reason": "Again"}, follow=True)
    assert "already closed" in response.content.decode()
    response = client.post(export_url(customer), follow=True)
    assert "This account is closed" in response.content.decode()
    assert AccountClosure.objects.count() == 1 and not DataExport.objects.exists()


def test_staff_accounts_are_not_closed_from_the_panel(client, officer, staff):
    login_verified(client, officer)
    html = client.get(page(staff)).content.decode()
    assert "Staff and superuser accounts are not closed" in html
    response = client.post(close_url(staff), {"reason": "Leaving"}, follow=True)
    assert "Staff and superuser accounts are not closed" in response.content.decode()
    assert not AccountClosure.objects.exists()
    staff.refresh_from_db()
    assert staff.is_active


@pytest.mark.parametrize("pk", [999999, 2**63, 10**30])
def test_unknown_customers_are_404(client, officer, pk):
    login_verified(client, officer)
    url = reverse("oscar_privacy_dashboard:privacy-customer-close", args=[pk])
    assert client.post(url, {"reason": "r"}).status_code == 404
    assert client.post(export_url(type("U", (), {"pk": pk}))).status_code == 404


def test_the_panel_of_a_closed_account_says_so(customer):
    close_account(customer, channel=AccountClosure.Channel.MY_ACCOUNT)
    panel = privacy_panel(customer)
    assert panel.closure is not None and panel.closure_refusal


# The groups --------------------------------------------------------------------------------


def codenames(group_name):
    return set(Group.objects.get(name=group_name).permissions.values_list("codename", flat=True))


def test_the_migration_creates_the_two_groups():
    officer = codenames(OFFICER)
    service = codenames(SERVICE)
    assert {"view_auditevent", "view_retentionrun", "add_dataexport", "add_accountclosure"} <= (
        officer
    )
    assert {"view_customer_privacy", "change_privacyrequest", "reset_customer_password"} <= service
    assert "view_user" in officer and "view_user" in service
    assert not {"view_auditevent", "view_retentionrun", "add_dataexport"} & service
    assert not {"add_accountclosure"} & service
    # Read-only proof stays read-only, even for the officer.
    assert not {"change_consentrecord", "delete_auditevent", "delete_privacyrequest"} & officer


def test_the_officer_holds_every_permission_the_privacy_dashboard_asks_for():
    needed = {
        permission.split(".", 1)[1]
        for alternatives in PrivacyDashboardConfig.permissions_map.values()
        for permissions in alternatives
        for permission in permissions
        if "." in permission
    }
    assert needed <= codenames(OFFICER)


def test_the_group_migration_can_run_again_and_keeps_a_shops_additions():
    service = Group.objects.get(name=SERVICE)
    extra = Permission.objects.get(content_type__app_label="auth", codename="change_user")
    service.permissions.add(extra)
    service.permissions.remove(Permission.objects.get(codename="view_customer_privacy"))
    # The function uses only the editor's connection (no schema change).
    groups_migration.create_groups(global_apps, SimpleNamespace(connection=connection))
    assert Group.objects.filter(name__in=[OFFICER, SERVICE]).count() == 2
    assert {"view_customer_privacy", "change_user"} <= codenames(SERVICE)
    # The real app configs are left as they were (post_migrate needs their models module).
    for label in ("oscar_privacy", "auth"):
        assert global_apps.get_app_config(label).models_module is not None


@pytest.mark.parametrize(
    ("url_name", "officer_status", "agent_status"),
    [
        ("oscar_privacy_dashboard:privacy-request-list", 200, 200),
        ("oscar_privacy_dashboard:privacy-recovery-list", 200, 200),
        ("oscar_privacy_dashboard:privacy-audit-list", 200, 403),
        ("oscar_privacy_dashboard:privacy-retention", 200, 403),
        ("oscar_privacy_dashboard:privacy-consent-list", 200, 403),
        ("dashboard:users-index", 200, 200),
    ],
)
def test_what_each_group_opens(client, officer, agent, url_name, officer_status, agent_status):
    login_verified(client, officer)
    assert client.get(reverse(url_name)).status_code == officer_status
    login_verified(client, agent)
    assert client.get(reverse(url_name)).status_code == agent_status


def test_customer_service_sends_reset_links_but_neither_closes_nor_copies(client, agent, customer):
    login_verified(client, agent)
    reset = reverse("dashboard:user-password-reset", args=[customer.pk])
    assert client.post(reset, {"reason": "Phoned"}).status_code == 302
    assert client.post(close_url(customer), {"reason": "r"}).status_code == 403
    assert client.post(export_url(customer)).status_code == 403
    assert not AccountClosure.objects.exists() and not DataExport.objects.exists()


@pytest.mark.parametrize(
    "consents, shown",
    [
        ([], "Not on the list."),
        ([ConsentAction.GIVEN], "Waiting for confirmation since"),
        ([ConsentAction.GIVEN, ConsentAction.WITHDRAWN], "Unsubscribed since"),
    ],
)
def test_the_panel_shows_where_the_address_stands_on_the_newsletter(
    client, agent, customer, consents, shown
):
    for action in consents:
        if action == ConsentAction.WITHDRAWN:
            # An account's withdrawal ends what it manages: the subscription its address
            # confirmed, naming the account (issue 13).
            link_account(Subscription.objects.get(), customer.pk)
        record_consents(
            [(ConsentPurpose.NEWSLETTER, action, None)],
            channel=ConsentChannel.REGISTRATION,
            user=customer,
        )
    login_verified(client, agent)
    html = client.get(page(customer)).content.decode()
    row = html.split("<th>Newsletter</th>")[1].split("</tr>")[0]
    assert shown in row
