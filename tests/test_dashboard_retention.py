"""The dashboard's Retention page: the next run previewed, the log of past runs."""

import datetime

import pytest
from dateutil.relativedelta import relativedelta
from django.apps import apps
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone
from oscar.test.factories import UserFactory, create_order

from oscar_privacy.dashboard.views import RetentionView
from oscar_privacy.models import AuditEvent, DataExport, RetentionRun
from oscar_privacy.retention.apply import apply_rules
from oscar_privacy.retention.handlers import steps_for
from oscar_privacy.retention.rules import get_rules

from .staff import login_verified

pytestmark = pytest.mark.django_db
URL = reverse("oscar_privacy_dashboard:privacy-retention")
Order = apps.get_model("order", "Order")
DAY = datetime.timedelta(days=1)


@pytest.fixture
def officer(db):
    user = UserFactory(email="officer@example.com", username="officer", is_staff=True)
    user.user_permissions.add(
        Permission.objects.get(
            content_type__app_label="oscar_privacy", codename="view_retentionrun"
        )
    )
    return user


@pytest.fixture
def expired_export(customer):
    return DataExport.objects.create(
        owner=customer,
        status=DataExport.Status.READY,
        expires_at=timezone.now() - DAY,
        file_name="exports/old.zip.enc",
    )


@pytest.fixture
def old_guest_order(db):
    order = create_order(guest_email="guest@example.com")
    placed = timezone.now() - relativedelta(years=11)
    Order.objects.filter(pk=order.pk).update(date_placed=placed)
    return order


def preview_counts(response):
    return {
        row["rule"].name: ({label: rows for label, _name, rows in row["counts"]})
        for row in response.context["preview"]
        if row["automated"]
    }


def test_only_staff_with_the_permission_get_in(client, customer, staff, officer):
    assert client.get(URL).status_code == 302  # to the dashboard login
    client.force_login(customer)
    assert client.get(URL).status_code in (302, 403)
    login_verified(client, staff)  # staff, but without the permission
    assert client.get(URL).status_code == 403
    login_verified(client, officer)
    assert client.get(URL).status_code == 200


def test_the_menu_shows_retention_to_those_who_may_see_it(client, officer, staff):
    login_verified(client, officer)
    assert URL in client.get(reverse("dashboard:index")).content.decode()
    login_verified(client, staff)
    assert URL not in client.get(reverse("dashboard:index")).content.decode()


def test_the_preview_matches_a_dry_run_and_changes_nothing(
    client, officer, expired_export, old_guest_order
):
    login_verified(client, officer)
    response = client.get(URL)
    assert response.status_code == 200
    counts = preview_counts(response)
    assert counts["data_exports"] == {"oscar_privacy.DataExport": 1}
    assert counts["accounting_records"]["order.Order"] == 1
    # Nothing logged, nothing changed, nothing audited (the page shows no personal data).
    assert not RetentionRun.objects.exists()
    assert not AuditEvent.objects.exists()
    expired_export.refresh_from_db()
    assert expired_export.status == DataExport.Status.READY
    assert Order.objects.get(pk=old_guest_order.pk).guest_email == "guest@example.com"
    # The same numbers as the command's dry run.
    dry_run = {r.rule: r.counts for r in apply_rules(dry_run=True) if r.automated}
    assert counts == dry_run
    assert RetentionRun.objects.count() == len(dry_run)


def test_every_rule_is_listed_with_its_period_in_words(client, officer):
    login_verified(client, officer)
    response = client.get(URL)
    rows = {row["rule"].name: row for row in response.context["preview"]}
    assert list(rows) == list(get_rules())
    for name, rule in get_rules().items():
        assert rows[name]["automated"] == (steps_for(rule) is not None)
    assert not rows["staff_records"]["automated"]  # reviewed by the DPO, never automated
    assert rows["sessions"]["automated"]
    html = response.content.decode()
    assert "not automated yet" in html
    assert "10 years, counted from when the order was placed" in html
    assert "manage.py privacy_retention" in html


def test_a_slow_preview_stops_and_says_its_counts_are_a_minimum(
    client, officer, expired_export, monkeypatch
):
    monkeypatch.setattr(RetentionView, "preview_max_seconds", 0)
    login_verified(client, officer)
    response = client.get(URL)
    rows = {row["rule"].name: row for row in response.context["preview"]}
    # A rule with rows left stops before its first batch; one with none is done.
    assert rows["data_exports"]["stopped_early"]
    assert rows["data_exports"]["counts"] == []
    assert not rows["sessions"]["stopped_early"]
    assert "at least: counting stopped after 0 seconds" in response.content.decode()


def test_the_history_lists_runs_newest_first_50_to_a_page(client, officer):
    now = timezone.now()
    RetentionRun.objects.bulk_create(
        RetentionRun(
            rule="sessions",
            started_at=now - i * DAY,
            finished_at=now - i * DAY,
            counts={"sessions.Session": i},
        )
        for i in range(1, 53)
    )
    killed = RetentionRun.objects.create(rule="data_exports", dry_run=True, stopped_early=True)
    login_verified(client, officer)
    response = client.get(URL)
    runs = list(response.context["runs"])
    assert len(runs) == 50
    assert runs[0] == killed
    html = response.content.decode()
    assert "not finished: still running, or killed" in html
    assert "Dry run" in html
    assert "<code>sessions.Session</code>: 1<" in html
    assert RetentionRun.objects.count() == 53  # viewing added none

    second = client.get(URL, {"page": 2})
    assert [run.counts for run in second.context["runs"]] == [
        {"sessions.Session": i} for i in (50, 51, 52)
    ]
    assert "preview" not in second.context  # the dry run is on the first page only


def test_a_misconfigured_rule_is_shown_not_a_server_error(client, officer, settings):
    settings.OSCAR_PRIVACY_RETENTION = {"sessions": {"period": "soon"}}
    login_verified(client, officer)
    response = client.get(URL)
    assert response.status_code == 200
    assert "OSCAR_PRIVACY_RETENTION[&#x27;sessions&#x27;]" in response.content.decode()


def test_the_page_costs_a_bounded_number_of_queries(
    client, officer, expired_export, old_guest_order, django_assert_max_num_queries
):
    RetentionRun.objects.create(rule="sessions", counts={"sessions.Session": 3})
    login_verified(client, officer)
    # 49: session, user, permissions and the second factor's device, the history page,
    # and per step of every automated rule (the newsletter's two and unconfirmed privacy
    # requests included) one query per batch plus its counts; it grows with the rules,
    # never with the rows.
    with django_assert_max_num_queries(50):
        assert client.get(URL).status_code == 200


def test_only_a_dry_run_may_skip_the_log():
    with pytest.raises(ValueError, match="Only a dry run"):
        apply_rules(["sessions"], log=False)
    assert apply_rules(["sessions"], dry_run=True, log=False)[0].run_id is None
    assert not RetentionRun.objects.exists()


def test_a_run_killed_long_ago_is_shown_interrupted(client, officer):
    now = timezone.now()
    killed = RetentionRun.objects.create(
        rule="email_history",
        started_at=now - RetentionRun.INTERRUPTED_AFTER - DAY,
        counts={"communication.Email": 40},  # what its committed batches did
    )
    going = RetentionRun.objects.create(rule="sessions")
    stopped = RetentionRun.objects.create(rule="sessions", finished_at=now, stopped_early=True)
    done = RetentionRun.objects.create(rule="sessions", finished_at=now)
    assert [run.status for run in (killed, going, stopped, done)] == [
        RetentionRun.Status.INTERRUPTED,
        RetentionRun.Status.RUNNING,
        RetentionRun.Status.STOPPED_EARLY,
        RetentionRun.Status.FINISHED,
    ]
    login_verified(client, officer)
    html = client.get(URL).content.decode()
    assert "interrupted: killed before its end; the next run goes on" in html
    assert "not finished: still running, or killed" in html
    assert "<code>communication.Email</code>: 40<" in html
