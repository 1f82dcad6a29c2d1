"""The privacy request queue in the dashboard: list, request page, actions, emails, bad input."""

import datetime
import smtplib
from unittest import mock

import pytest
from dateutil.relativedelta import relativedelta
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from oscar.test.factories import UserFactory

from oscar_privacy import request_handling, request_mail
from oscar_privacy.dashboard.nav import PRIVACY_NAVIGATION
from oscar_privacy.models import (
    AccountClosure,
    AuditEvent,
    DataExport,
    PrivacyRequest,
    PrivacyRequestEvent,
)
from oscar_privacy.recovery import submit_recovery_request
from oscar_privacy.request_handling import RequestError
from oscar_privacy.request_mail import confirmation_token
from oscar_privacy.requests import confirm_request, submit_request
from oscar_privacy.signals import privacy_request_decided

from .staff import login_verified

pytestmark = pytest.mark.django_db

LIST = reverse("oscar_privacy_dashboard:privacy-request-list")
ACTIONS = ("assign", "status", "note", "extend", "decide", "close", "export")
SCRIPT = '<script>alert("x")</script>'


def detail(privacy_request, action=None):
    name = f"privacy-request-{action}" if action else "privacy-request-detail"
    return reverse(f"oscar_privacy_dashboard:{name}", args=[privacy_request.pk])


def with_permissions(user, *codenames):
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="oscar_privacy", codename__in=codenames)
    )
    return user


@pytest.fixture(autouse=True)
def empty_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def officer(db):
    return with_permissions(
        UserFactory(username="officer", email="officer@example.com", is_staff=True),
        "view_privacyrequest",
        "change_privacyrequest",
        "add_accountclosure",
        "add_dataexport",
    )


@pytest.fixture
def colleague(db):
    return with_permissions(
        UserFactory(username="colleague", email="colleague@example.com", is_staff=True),
        "view_privacyrequest",
        "change_privacyrequest",
    )


@pytest.fixture
def closure_request(customer):
    """A closure request from the customer's account: actionable at once."""
    return submit_request("closure", message=SCRIPT, user=customer)


@pytest.fixture
def visitor_request(db):
    """An access request from someone without an account, confirmed."""
    privacy_request = submit_request(
        "access", message="Please send me my data.", name="Dominique", email="d@example.com"
    )
    return confirm_request(confirmation_token(privacy_request))


@pytest.fixture
def unconfirmed(db):
    return submit_request("other", message="Forged?", name="Eve", email="eve@example.com")


# Who gets in ----------------------------------------------------------------------------


def staff_urls(privacy_request, customer):
    """``(method, url, data, codenames needed)`` of every staff page this feature adds."""
    handle = ("change_privacyrequest",)
    access = PrivacyRequest.objects.filter(kind="access").first() or submit_request(
        "access", message="", user=customer
    )
    return [
        ("get", LIST, {}, ("view_privacyrequest",)),
        ("get", detail(privacy_request), {}, handle),
        ("post", detail(privacy_request, "assign"), {"assignee": ""}, handle),
        ("post", detail(privacy_request, "status"), {"status": "in_progress"}, handle),
        ("post", detail(privacy_request, "note"), {"note": "n"}, handle),
        ("post", detail(privacy_request, "extend"), {"months": "1", "reason": "r"}, handle),
        ("post", detail(privacy_request, "decide"), {"decision": "granted", "reason": "r"}, handle),
        (
            "post",
            detail(privacy_request, "close"),
            {"reason": "r"},
            (*handle, "add_accountclosure"),
        ),
        ("post", detail(access, "export"), {}, (*handle, "add_dataexport")),
        (
            "post",
            reverse("oscar_privacy_dashboard:privacy-customer-export", args=[customer.pk]),
            {},
            ("view_customer_privacy", "add_dataexport"),
        ),
        (
            "post",
            reverse("oscar_privacy_dashboard:privacy-customer-close", args=[customer.pk]),
            {"reason": "r"},
            ("view_customer_privacy", "add_accountclosure"),
        ),
    ]


@pytest.mark.parametrize("index", range(11))
def test_every_staff_page_refuses_whoever_lacks_its_permission(
    client, customer, closure_request, index
):
    method, url, data, codenames = staff_urls(closure_request, customer)[index]
    call = getattr(client, method)
    response = call(url, data)
    assert response.status_code == 302
    assert response.url.startswith(reverse("dashboard:login"))
    client.force_login(customer)
    assert call(url, data).status_code in (302, 403)
    staff = UserFactory(username="nobody-staff", email="ns@example.com", is_staff=True)
    login_verified(client, staff)
    assert call(url, data).status_code == 403
    for missing in codenames:  # every permission is needed, not just one
        partial = UserFactory(email=f"{missing}@example.com", is_staff=True)
        with_permissions(partial, *(name for name in codenames if name != missing))
        login_verified(client, partial)
        assert call(url, data).status_code == 403, missing
    # Nothing was changed by all those refusals.
    closure_request.refresh_from_db()
    assert closure_request.status == "received" and closure_request.decision == ""
    assert not AccountClosure.objects.exists() and not DataExport.objects.exists()
    assert set(PrivacyRequestEvent.objects.values_list("action", flat=True)) == {"received"}
    allowed = with_permissions(UserFactory(email="allowed@example.com", is_staff=True), *codenames)
    login_verified(client, allowed)
    assert call(url, data).status_code in (200, 302)


def test_the_menu_has_the_queue(client, officer, staff):
    assert "oscar_privacy_dashboard:privacy-request-list" in [
        child["url_name"] for child in PRIVACY_NAVIGATION["children"]
    ]
    login_verified(client, officer)
    assert f'href="{LIST}"' in client.get(reverse("dashboard:index")).content.decode()
    login_verified(client, staff)
    assert f'href="{LIST}"' not in client.get(reverse("dashboard:index")).content.decode()


# The queue --------------------------------------------------------------------------------


def listed(response):
    return [item.pk for item in response.context["privacy_requests"]]


def make_overdue(privacy_request, days=1):
    PrivacyRequest.objects.filter(pk=privacy_request.pk).update(
        due_at=timezone.now() - datetime.timedelta(days=days)
    )


def test_the_queue_lists_every_kind_open_and_soonest_due_first_without_personal_data(
    client, officer, closure_request, visitor_request, unconfirmed
):
    recovery = submit_recovery_request({"first_name": "Claire", "last_name": "Dupont"})
    late = submit_request("rectification", message="Wrong name", user=UserFactory())
    make_overdue(late)
    answered = submit_request("other", message="?", user=UserFactory())
    request_handling.decide(answered, decision="refused", reason="No.", actor=officer)
    login_verified(client, officer)
    response = client.get(LIST)
    assert response.status_code == 200
    # Overdue first, then by deadline; the answered one last; unconfirmed ones not shown.
    assert listed(response)[0] == late.pk
    assert set(listed(response)) == {
        late.pk,
        closure_request.pk,
        visitor_request.pk,
        recovery.pk,
        answered.pk,
    }
    assert listed(response)[-1] == answered.pk
    html = response.content.decode()
    assert html.count('class="table-danger"') == 1 and "overdue" in html
    assert reverse("oscar_privacy_dashboard:privacy-recovery-detail", args=[recovery.pk]) in html
    for personal in ("d@example.com", "Dominique", "customer@example.com", "Claire", "alert"):
        assert personal not in html
    assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.READ).exists()


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"kind": "access"}, ["visitor"]),
        ({"kind": "closure"}, ["closure"]),
        ({"status": "unconfirmed"}, ["unconfirmed"]),
        ({"status": "open"}, ["closure", "visitor"]),
        ({"status": "received", "kind": "closure"}, ["closure"]),
        ({"assignee": "me"}, ["closure"]),
        ({"assignee": "none"}, ["visitor"]),
        ({"overdue": "on"}, ["visitor"]),
    ],
)
def test_filters(
    client, officer, colleague, closure_request, visitor_request, unconfirmed, filters, expected
):
    names = {"closure": closure_request, "visitor": visitor_request, "unconfirmed": unconfirmed}
    request_handling.assign(closure_request, officer, actor=officer)
    make_overdue(visitor_request)
    login_verified(client, officer)
    response = client.get(LIST, filters)
    assert sorted(listed(response)) == sorted(names[name].pk for name in expected)


def test_filter_by_a_colleague(client, officer, colleague, closure_request, visitor_request):
    request_handling.assign(visitor_request, colleague, actor=officer)
    login_verified(client, officer)
    assert listed(client.get(LIST, {"assignee": colleague.pk})) == [visitor_request.pk]


@pytest.mark.parametrize(
    "filters",
    [
        {"kind": "nonsense"},
        {"status": "<script>"},
        {"assignee": "99999999999999999999999"},
        {"assignee": "abc"},
        {"overdue": "x" * 5000},
    ],
)
def test_bad_filters_list_nothing_and_never_fail(client, officer, closure_request, filters):
    login_verified(client, officer)
    response = client.get(LIST, filters)
    assert response.status_code == 200
    if "overdue" not in filters:  # any text is "on" for a checkbox
        assert listed(response) == []


def test_the_queue_costs_the_same_queries_for_3_or_60_requests(
    client, officer, django_assert_max_num_queries
):
    def add(count):
        for index in range(count):
            privacy_request = submit_request(
                "access", message="m", name="n", email=f"p{index}-{count}@example.com"
            )
            confirm_request(confirmation_token(privacy_request))
            request_handling.assign(privacy_request, officer, actor=officer)

    login_verified(client, officer)
    add(3)
    with django_assert_max_num_queries(20) as few:
        assert client.get(LIST).status_code == 200
    add(57)
    with django_assert_max_num_queries(len(few)):
        assert len(listed(client.get(LIST))) == 50  # one page


# A request's page --------------------------------------------------------------------------


def test_the_page_shows_what_was_written_escaped_and_the_read_is_audited(
    client, officer, closure_request
):
    login_verified(client, officer)
    html = client.get(detail(closure_request)).content.decode()
    assert SCRIPT not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert "customer@example.com" in html
    event = AuditEvent.objects.get(action="request.viewed")
    assert (event.kind, event.actor, event.subject) == ("read", officer, closure_request.user)
    assert event.target_id == str(closure_request.pk)
    assert 'id="request_close_form"' in html and 'id="request_export_form"' not in html


def test_an_unconfirmed_request_may_be_read_but_not_handled(client, officer, unconfirmed):
    login_verified(client, officer)
    html = client.get(detail(unconfirmed)).content.decode()
    assert 'id="request_unconfirmed"' in html and "<form" not in html.split('id="request_')[-1]
    for action in ("decide", "note", "assign"):
        data = {"decision": "granted", "reason": "r", "note": "n", "assignee": ""}
        response = client.post(detail(unconfirmed, action), data)
        assert response.status_code == 400
        assert "not confirmed" in response.content.decode()
    unconfirmed.refresh_from_db()
    assert unconfirmed.status == "unconfirmed"
    assert list(unconfirmed.history.values_list("action", flat=True)) == ["received"]


@pytest.mark.parametrize("pk", [0, 999999, 2**63, 10**30])
def test_unknown_ids_are_404(client, officer, closure_request, pk):
    login_verified(client, officer)
    url = reverse("oscar_privacy_dashboard:privacy-request-detail", args=[pk])
    assert client.get(url).status_code == 404
    url = reverse("oscar_privacy_dashboard:privacy-request-decide", args=[pk])
    assert client.post(url, {"decision": "granted", "reason": "r"}).status_code == 404


def test_a_recovery_request_opens_on_its_own_page_and_takes_no_action_here(client, officer):
    recovery = submit_recovery_request({"first_name": "Claire", "last_name": "Dupont"})
    login_verified(client, officer)
    response = client.get(detail(recovery))
    assert response.status_code == 302
    assert response.url == reverse(
        "oscar_privacy_dashboard:privacy-recovery-detail", args=[recovery.pk]
    )
    assert client.post(detail(recovery, "decide"), {"decision": "granted"}).status_code == 404
    with pytest.raises(RequestError):
        request_handling.add_note(recovery, "n", actor=officer)


# Actions -------------------------------------------------------------------------------------


def test_assign_change_status_and_write_notes_into_the_history(
    client, officer, colleague, closure_request
):
    login_verified(client, officer)
    response = client.post(detail(closure_request, "assign"), {"assignee": colleague.pk})
    assert response.status_code == 302
    response = client.post(
        detail(closure_request, "status"), {"status": "in_progress", "note": "Called back."}
    )
    assert response.status_code == 302
    assert client.post(detail(closure_request, "note"), {"note": SCRIPT}).status_code == 302
    closure_request.refresh_from_db()
    assert (closure_request.assignee, closure_request.status) == (colleague, "in_progress")
    history = list(closure_request.history.all())
    assert (history[0].action, history[0].actor) == ("received", closure_request.user)
    assert [(e.action, e.actor_label, e.status) for e in history[1:]] == [
        ("assigned", "officer", "received"),
        ("status", "officer", "in_progress"),
        ("note", "officer", "in_progress"),
    ]
    assert history[1].data == {"assignee": colleague.pk}
    assert history[2].data == {"previous": "received"} and history[2].note == "Called back."
    assert history[3].note == SCRIPT
    # Notes are encrypted at rest.
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT note FROM {PrivacyRequestEvent._meta.db_table} WHERE id = %s",  # noqa: S608
            [history[3].pk],
        )
        assert "script" not in cursor.fetchone()[0]
    html = client.get(detail(closure_request)).content.decode()
    assert "&lt;script&gt;" in html and SCRIPT not in html


@pytest.mark.parametrize(
    ("action", "data", "message"),
    [
        ("assign", {"assignee": "99999999"}, "Select a valid choice"),
        ("assign", {"assignee": "<b>"}, "Select a valid choice"),
        ("status", {"status": "done"}, "Select a valid choice"),
        ("status", {"status": "received"}, "already has this status"),
        ("note", {"note": "   "}, "required"),
        ("note", {"note": "n" * 4001}, "at most 4000"),
        ("extend", {"months": "3", "reason": "r"}, "Select a valid choice"),
        ("extend", {"months": "1", "reason": ""}, "required"),
        ("decide", {"decision": "match", "reason": "r"}, "Select a valid choice"),
        ("decide", {"decision": "granted", "reason": ""}, "required"),
        ("close", {"reason": ""}, "required"),
    ],
)
def test_bad_input_is_a_form_error_and_changes_nothing(
    client, officer, closure_request, mailoutbox, action, data, message
):
    login_verified(client, officer)
    response = client.post(detail(closure_request, action), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    closure_request.refresh_from_db()
    assert (closure_request.status, closure_request.assignee, closure_request.decision) == (
        "received",
        None,
        "",
    )
    assert closure_request.extended_until is None
    assert list(closure_request.history.values_list("action", flat=True)) == ["received"]
    assert not AccountClosure.objects.exists() and mailoutbox == []


def test_only_handlers_may_be_assigned(officer, staff, closure_request):
    with pytest.raises(RequestError):
        request_handling.assign(closure_request, staff, actor=officer)
    with pytest.raises(RequestError):
        request_handling.assign(closure_request, closure_request.user, actor=officer)


def test_an_extension_is_emailed_with_its_reason_once_and_within_the_first_month(
    client, officer, visitor_request, mailoutbox
):
    login_verified(client, officer)
    due = visitor_request.due_at
    response = client.post(
        detail(visitor_request, "extend"),
        {"months": "2", "reason": "Your data is spread over three systems."},
    )
    assert response.status_code == 302
    visitor_request.refresh_from_db()
    assert visitor_request.extended_until == due + relativedelta(months=2)
    assert visitor_request.deadline == visitor_request.extended_until
    (mail,) = mailoutbox
    assert mail.to == ["d@example.com"]
    assert visitor_request.reference in mail.subject
    assert "Your data is spread over three systems." in mail.body
    assert f"{visitor_request.extended_until.year}" in mail.body and "CNIL" in mail.body
    assert list(visitor_request.history.values_list("action", flat=True))[-2:] == [
        "extended",
        "email",
    ]
    assert AuditEvent.objects.get(action="request.extended").reason.startswith("Your data")
    # Once only.
    response = client.post(detail(visitor_request, "extend"), {"months": "1", "reason": "Again"})
    assert response.status_code == 400
    assert "already been extended" in response.content.decode()
    assert len(mailoutbox) == 1


def test_no_extension_once_the_first_month_has_run_out(officer, visitor_request, mailoutbox):
    make_overdue(visitor_request)
    with pytest.raises(RequestError, match="Too late"):
        request_handling.extend(visitor_request, months=1, reason="Busy", actor=officer)
    visitor_request.refresh_from_db()
    assert visitor_request.extended_until is None and mailoutbox == []


@pytest.mark.parametrize("months", [0, 3, -1, None])
def test_the_service_refuses_extensions_beyond_two_months(officer, visitor_request, months):
    with pytest.raises(RequestError):
        request_handling.extend(visitor_request, months=months, reason="r", actor=officer)


@pytest.mark.parametrize(
    ("decision", "status", "subject", "said"),
    [
        ("granted", "done", "has been handled", "If you are not satisfied"),
        ("refused", "refused", "our answer", "right to lodge a complaint"),
    ],
)
def test_the_decision_is_emailed_with_its_reason_and_the_right_to_complain(
    client, officer, visitor_request, mailoutbox, decision, status, subject, said
):
    decided = []
    privacy_request_decided.connect(
        lambda sender, privacy_request, **kw: decided.append(privacy_request.pk),
        dispatch_uid="test.decided",
        weak=False,
    )
    try:
        login_verified(client, officer)
        response = client.post(
            detail(visitor_request, "decide"),
            {"decision": decision, "reason": "Here is what we did & why."},
        )
    finally:
        privacy_request_decided.disconnect(dispatch_uid="test.decided")
    assert response.status_code == 302
    visitor_request.refresh_from_db()
    assert (visitor_request.status, visitor_request.decision) == (status, decision)
    assert (visitor_request.decided_by, visitor_request.is_open) == (officer, False)
    assert decided == [visitor_request.pk]
    (mail,) = mailoutbox
    assert mail.to == ["d@example.com"] and subject in mail.subject
    assert "Here is what we did & why." in mail.body
    assert said in mail.body and "https://www.cnil.fr/fr/plaintes" in mail.body
    html = mail.alternatives[0][0]
    assert "Here is what we did &amp; why." in html
    event = AuditEvent.objects.get(action="request.decided")
    assert (event.actor, event.data["decision"]) == (officer, decision)
    # Answered: no second decision, no other action; notes still.
    response = client.post(
        detail(visitor_request, "decide"), {"decision": "refused", "reason": "x"}
    )
    assert response.status_code == 400
    assert "already been answered" in response.content.decode()
    assert client.post(detail(visitor_request, "note"), {"note": "Thanked us."}).status_code == 302
    visitor_request.refresh_from_db()
    assert visitor_request.decision == decision and len(mailoutbox) == 1


def test_the_supervisory_authority_comes_from_the_settings(officer, visitor_request, settings):
    settings.OSCAR_PRIVACY_SUPERVISORY_AUTHORITY = {
        "name": "Autorité de protection des données",
        "url": "https://www.autoriteprotectiondonnees.be/",
    }
    from django.core import mail

    request_handling.decide(visitor_request, decision="refused", reason="No.", actor=officer)
    assert "https://www.autoriteprotectiondonnees.be/" in mail.outbox[-1].body


def test_a_failed_email_records_nothing(client, officer, visitor_request, mailoutbox):
    login_verified(client, officer)
    with mock.patch.object(
        request_mail.Dispatcher, "send_email_messages", side_effect=smtplib.SMTPException("down")
    ):
        response = client.post(
            detail(visitor_request, "decide"), {"decision": "granted", "reason": "ok"}
        )
        assert response.status_code == 400
        assert "could not be sent" in response.content.decode()
        response = client.post(detail(visitor_request, "extend"), {"months": "1", "reason": "r"})
        assert response.status_code == 400
    visitor_request.refresh_from_db()
    assert visitor_request.is_open and not visitor_request.decision
    assert visitor_request.extended_until is None
    assert not AuditEvent.objects.filter(action__in=["request.decided", "request.extended"])
    assert list(visitor_request.history.values_list("action", flat=True)) == [
        "received",
        "confirmed",
    ]


# Kind-specific actions ------------------------------------------------------------------------


def test_a_closure_request_closes_the_identified_account(
    client, officer, customer, closure_request, mailoutbox, django_capture_on_commit_callbacks
):
    login_verified(client, officer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(detail(closure_request, "close"), {"reason": "Asked by form."})
    assert response.status_code == 302
    closure = AccountClosure.objects.get(user=customer)
    assert (closure.channel, closure.reason) == ("request", "Asked by form.")
    event = AuditEvent.objects.get(action="account.closed")
    assert (event.actor, event.subject) == (officer, customer)
    closure_request.refresh_from_db()
    assert closure_request.status == "in_progress"  # still to be answered
    closed = closure_request.history.get(action="account_closed")
    assert (closed.data, closed.note) == ({"closure": closure.pk}, "Asked by form.")
    assert [mail.to for mail in mailoutbox] == [["customer@example.com"]]  # the closure email
    # The answer still reaches the requester at the address the request came from.
    request_handling.decide(closure_request, decision="granted", reason="Closed.", actor=officer)
    assert mailoutbox[-1].to == ["customer@example.com"]
    assert client.post(detail(closure_request, "close"), {"reason": "x"}).status_code == 400


def test_no_account_to_close_or_copy_without_an_identified_requester(
    client, officer, visitor_request
):
    login_verified(client, officer)
    response = client.post(detail(visitor_request, "export"))
    assert response.status_code == 400
    assert "not identified" in response.content.decode()
    assert not DataExport.objects.exists()


def test_a_staff_account_is_not_closed_through_a_request(officer, staff):
    privacy_request = submit_request("closure", message="", user=staff)
    with pytest.raises(RequestError, match="Staff"):
        request_handling.close_requester_account(privacy_request, reason="r", actor=officer)
    assert not AccountClosure.objects.exists()


def test_an_access_request_prepares_a_copy_for_the_customer(
    client, officer, customer, mailoutbox, django_capture_on_commit_callbacks
):
    privacy_request = submit_request("access", message="", user=customer)
    mailoutbox.clear()
    login_verified(client, officer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(detail(privacy_request, "export"))
    assert response.status_code == 302
    export = DataExport.objects.get(owner=customer)
    assert export.status == DataExport.Status.READY  # the immediate task backend built it
    event = AuditEvent.objects.get(action="export.prepared_for_customer")
    assert (event.actor, event.subject, event.target_id) == (officer, customer, str(export.pk))
    assert event.data == {"privacy_request": privacy_request.pk, "created": True}
    assert privacy_request.history.get(action="export").data == {"export": str(export.pk)}
    assert [mail.to for mail in mailoutbox] == [["customer@example.com"]]  # "your data is ready"
    # The wrong kind of action for the request is refused.
    assert client.post(detail(privacy_request, "close"), {"reason": "x"}).status_code == 400
    assert not AccountClosure.objects.exists()


def test_notes_are_reencrypted_with_a_new_key(settings, officer, closure_request):
    from cryptography.fernet import Fernet

    from oscar_privacy.rotation import reencrypt_all

    request_handling.add_note(closure_request, "Phoned back.", actor=officer)
    new_key = Fernet.generate_key().decode()
    settings.OSCAR_PRIVACY_ENCRYPTION_KEYS = [new_key, *settings.OSCAR_PRIVACY_ENCRYPTION_KEYS]
    (result,) = [
        r for r in reencrypt_all(only="fields") if r.label.endswith("PrivacyRequestEvent.note")
    ]
    assert result.reencrypted >= 1 and result.problems == 0
    settings.OSCAR_PRIVACY_ENCRYPTION_KEYS = [new_key]
    assert closure_request.history.get(action="note").note == "Phoned back."
