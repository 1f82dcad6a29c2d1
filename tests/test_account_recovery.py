"""Account recovery: the public form, the scored candidates, staff's decision and its email."""

import datetime
import re
import smtplib
from unittest import mock

import pytest
from dateutil.relativedelta import relativedelta
from django.apps import apps
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from oscar.test.factories import (
    ShippingAddressFactory,
    UserAddressFactory,
    UserFactory,
    create_order,
)

from oscar_privacy import recovery
from oscar_privacy.datamap import datamap
from oscar_privacy.masking import mask_email, mask_name, mask_phone, mask_postcode
from oscar_privacy.models import AccountClosure, AuditEvent, PrivacyRequest
from oscar_privacy.recovery import RecoveryError, candidates, decide, submit_recovery_request

from .staff import login_verified

pytestmark = pytest.mark.django_db

Order = apps.get_model("order", "Order")
FORM_URL = reverse("oscar_privacy:account-recovery")
SENT_URL = reverse("oscar_privacy:account-recovery-sent")
LIST_URL = reverse("oscar_privacy_dashboard:privacy-recovery-list")
LAST_ORDER = datetime.datetime(2026, 3, 10, 15, 0, tzinfo=datetime.UTC)

FACTS = {
    "first_name": "Claire",
    "last_name": "Dupont",
    "email": "claire.old@example.net",
    "postcode": "75 011",
    "phone": "06 12 34 56 89",
    "order_number": "100042",
    "last_order_date": "2026-03-01",
    "message": "I used to buy tea here.",
}


def detail_url(privacy_request):
    return reverse("oscar_privacy_dashboard:privacy-recovery-detail", args=[privacy_request.pk])


@pytest.fixture(autouse=True)
def empty_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def holder(db):
    """The account the requester lost: registered under an address they no longer remember."""
    user = UserFactory(
        username="claire-d",
        email="claire.dupont@example.org",
        first_name="Claire",
        last_name="Dupont",
    )
    user.set_password("old-password-1")
    user.save()
    UserAddressFactory(user=user, first_name="Claire", last_name="Dupont", postcode="75011",
                       phone_number="+33612345689")  # fmt: skip
    order = create_order(
        number="100042",
        user=user,
        shipping_address=ShippingAddressFactory(
            first_name="Claire", last_name="Dupont", postcode="75011", phone_number="+33612345689"
        ),
    )
    Order.objects.filter(pk=order.pk).update(date_placed=LAST_ORDER)
    return user


@pytest.fixture
def namesake(db):
    """Another customer with the same last name and nothing else in common."""
    return UserFactory(
        username="jean-d", email="jean@example.com", first_name="Jean", last_name="Dupont"
    )


@pytest.fixture
def never_listed(db):
    """Accounts with the same name that must never be candidates."""
    kwargs = {"first_name": "Claire", "last_name": "Dupont"}
    closed = UserFactory(username="closed", email="closed@example.com", **kwargs)
    AccountClosure.objects.create(user=closed, channel=AccountClosure.Channel.MY_ACCOUNT)
    return [
        UserFactory(username="staff-d", email="s@example.com", is_staff=True, **kwargs),
        UserFactory(username="super-d", email="su@example.com", is_superuser=True, **kwargs),
        UserFactory(username="inactive-d", email="i@example.com", is_active=False, **kwargs),
        UserFactory(username="no-email", email="", **kwargs),
        closed,
    ]


@pytest.fixture
def officer(db):
    user = UserFactory(username="officer", email="officer@example.com", is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="oscar_privacy",
            codename__in=["view_privacyrequest", "change_privacyrequest"],
        )
    )
    return user


@pytest.fixture
def recovery_request(db):
    return submit_recovery_request(FACTS)


def scores(found):
    return {candidate.user.username: candidate.score for candidate in found}


# The public form ---------------------------------------------------------


def test_the_login_page_links_to_the_form(client):
    response = client.get(reverse("customer:login"))
    assert FORM_URL in response.content.decode()


def test_an_anonymous_visitor_sees_the_form(client):
    response = client.get(FORM_URL)
    assert response.status_code == 200
    assert 'name="last_name"' in response.content.decode()


def test_a_logged_in_customer_is_sent_to_their_profile(client, customer):
    client.force_login(customer)
    response = client.get(FORM_URL)
    assert response.status_code == 302
    assert response.url == reverse("customer:profile-view")
    assert client.post(FORM_URL, FACTS).status_code == 302
    assert not PrivacyRequest.objects.exists()


def test_a_request_is_stored_encrypted_audited_and_nothing_is_sent(client, mailoutbox):
    response = client.post(FORM_URL, FACTS)
    assert response.status_code == 302
    assert response.url == SENT_URL
    privacy_request = PrivacyRequest.objects.get()
    assert privacy_request.kind == PrivacyRequest.Kind.RECOVERY
    assert privacy_request.status == PrivacyRequest.Status.RECEIVED
    assert privacy_request.user is None and privacy_request.email == ""
    assert privacy_request.details == {**FACTS}
    assert privacy_request.due_at == privacy_request.received_at + relativedelta(months=1)
    event = AuditEvent.objects.get(action="recovery.requested")
    assert event.target_id == str(privacy_request.pk)
    assert "Dupont" not in str(event.data)
    assert mailoutbox == []


def test_the_answer_is_the_same_whether_an_account_matches_or_not(client, holder):
    matching = client.post(FORM_URL, FACTS, follow=True)
    unknown = client.post(
        FORM_URL, {"first_name": "Nobody", "last_name": "Atall", "postcode": "99999"}, follow=True
    )
    assert matching.redirect_chain == unknown.redirect_chain == [(SENT_URL, 302)]

    def page(response):
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())

    assert page(matching) == page(unknown)
    assert holder.email not in page(matching)
    assert "claire" not in page(matching).lower()


def test_the_answer_says_what_to_do_without_the_mailbox(client):
    response = client.get(SENT_URL)
    assert reverse("customer:register") in response.content.decode()


def test_a_filled_honeypot_gets_the_same_answer_and_stores_nothing(client):
    response = client.post(FORM_URL, {**FACTS, "website": "http://spam.example"})
    assert response.status_code == 302 and response.url == SENT_URL
    assert not PrivacyRequest.objects.exists()


@pytest.mark.parametrize(
    "change",
    [
        {"last_name": ""},
        {"first_name": "x" * 151},
        {"message": "x" * 2001},
        {"order_number": "9" * 129},
        {"postcode": "7" * 65},
        {"email": "not an address"},
        {"phone": "12"},
        {"phone": "+" + "1" * 40},
        {"last_order_date": "2026-13-45"},
        {"last_order_date": "0001-01-01"},
        {"message": "nul\x00byte"},
        {"last_order_date": (timezone.localdate() + datetime.timedelta(days=3)).isoformat()},
    ],
)
def test_bad_input_is_a_form_error_and_stores_nothing(client, change):
    response = client.post(FORM_URL, {**FACTS, **change})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not PrivacyRequest.objects.exists()


def test_a_flood_from_one_address_gets_429_and_is_not_stored(client, settings):
    settings.OSCAR_PRIVACY_RECOVERY_RATE_PER_IP = "2/h"
    assert client.post(FORM_URL, FACTS).status_code == 302
    assert client.post(FORM_URL, FACTS).status_code == 302
    response = client.post(FORM_URL, FACTS)
    assert response.status_code == 429
    assert response["Retry-After"] == "3600"
    assert "Too many" in response.content.decode()
    assert PrivacyRequest.objects.count() == 2
    # Another address is not held back.
    assert client.post(FORM_URL, FACTS, REMOTE_ADDR="10.1.2.3").status_code == 302


def test_the_service_refuses_a_request_without_names():
    with pytest.raises(RecoveryError):
        submit_recovery_request({"first_name": "Claire", "postcode": "75011"})
    assert not PrivacyRequest.objects.exists()


def test_a_stored_date_out_of_range_is_ignored_not_an_error(holder):
    privacy_request = PrivacyRequest.objects.create(
        kind=PrivacyRequest.Kind.RECOVERY,
        details={"first_name": "Claire", "last_name": "Dupont", "last_order_date": "0001-01-01"},
    )
    assert candidates(privacy_request)[0].matched == ["first_name", "last_name"]


def test_the_deadline_is_one_calendar_month():
    received = datetime.datetime(2027, 1, 31, 10, 0, tzinfo=datetime.UTC)
    privacy_request = PrivacyRequest.objects.create(
        kind=PrivacyRequest.Kind.RECOVERY, received_at=received
    )
    assert privacy_request.due_at == datetime.datetime(2027, 2, 28, 10, 0, tzinfo=datetime.UTC)


# Candidates --------------------------------------------------------------


def test_candidates_are_scored_by_the_facts_they_match(holder, namesake, never_listed):
    found = candidates(submit_recovery_request(FACTS))
    assert [c.user for c in found] == [holder, namesake]
    best = found[0]
    assert best.matched == [
        "first_name",
        "last_name",
        "postcode",
        "phone",
        "order_number",
        "last_order_date",
    ]
    assert found[1].matched == ["last_name"]


def test_staff_superusers_inactive_closed_and_addressless_accounts_are_never_listed(never_listed):
    found = candidates(submit_recovery_request(FACTS))
    assert found == []


def test_the_masked_data_is_enough_to_compare_and_no_more(holder):
    best = candidates(submit_recovery_request(FACTS))[0]
    assert best.masked == {
        "name": "C. D.",
        "email": "c*****@e*****.org",
        "postcode": "75***",
        "phone": "+33 6 ** ** ** 89",
        "last_order": "03/2026",
    }


def test_candidates_cost_two_queries_whatever_the_history(
    holder, namesake, django_assert_max_num_queries
):
    for number in ("200001", "200002", "200003"):
        create_order(number=number, user=holder)
    privacy_request = submit_recovery_request(FACTS)
    privacy_request = PrivacyRequest.objects.get(pk=privacy_request.pk)
    with django_assert_max_num_queries(2):
        found = candidates(privacy_request)
        assert [c.masked for c in found]
    assert len(found) == 2


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        # One strong fact is enough, each on its own.
        ({"last_name": "DUPONT"}, ["last_name"]),
        ({"email": "Claire.Dupont@Example.org"}, ["email"]),
        ({"phone": "+33 (0)6 12 34 56 89"}, ["phone"]),
        ({"order_number": "100042"}, ["order_number"]),
        # Weak facts need company: two of them.
        ({"postcode": "75011"}, None),
        ({"postcode": "75-011", "last_order_date": "2026-04-05"}, ["postcode", "last_order_date"]),
        ({"first_name": "claire", "postcode": "75011"}, ["first_name", "postcode"]),
        # The date is the last order's, within the tolerance.
        ({"order_number": "100042", "last_order_date": "2026-02-01"}, ["order_number"]),
    ],
)
def test_each_fact_matches_loosely_but_not_alone_when_weak(holder, facts, expected):
    names = {"first_name": "Someone", "last_name": "Else"}
    privacy_request = PrivacyRequest.objects.create(
        kind=PrivacyRequest.Kind.RECOVERY, details={**names, **facts}
    )
    found = candidates(privacy_request)
    if expected is None:
        assert found == []
    else:
        assert [c.user for c in found] == [holder]
        assert found[0].matched == expected


def test_a_later_order_means_the_given_date_is_not_the_last_one(holder, settings):
    settings.OSCAR_PRIVACY_RECOVERY_DATE_TOLERANCE_DAYS = 10
    later = create_order(number="300001", user=holder)
    Order.objects.filter(pk=later.pk).update(date_placed=LAST_ORDER + datetime.timedelta(days=60))
    privacy_request = submit_recovery_request(
        {"first_name": "Claire", "last_name": "Dupont", "last_order_date": "2026-03-10"}
    )
    assert candidates(privacy_request)[0].matched == ["first_name", "last_name"]


def test_names_on_order_addresses_count(db):
    user = UserFactory(username="u1", email="u1@example.com", first_name="", last_name="")
    create_order(
        user=user, shipping_address=ShippingAddressFactory(first_name="Léa", last_name="Moreau")
    )
    found = candidates(submit_recovery_request({"first_name": "léa", "last_name": "moreau"}))
    assert [c.user for c in found] == [user]
    assert found[0].matched == ["first_name", "last_name"]


def test_candidates_are_limited(db):
    for index in range(12):
        UserFactory(username=f"d{index}", email=f"d{index}@example.com", last_name="Dupont")
    assert len(candidates(submit_recovery_request(FACTS))) == recovery.CANDIDATES_SHOWN
    assert len(candidates(submit_recovery_request(FACTS), limit=3)) == 3


# The decision --------------------------------------------------------------


def test_a_match_sends_the_link_to_the_registered_address_only(
    client, recovery_request, holder, officer, mailoutbox
):
    decided = decide(recovery_request, actor=officer, matched_user=holder, reason="6 facts match")
    assert decided.status == PrivacyRequest.Status.DONE
    assert decided.decision == PrivacyRequest.Decision.MATCH
    assert decided.matched_user == holder and decided.user == holder
    assert decided.decided_by == officer and decided.decided_at is not None
    assert decided.decision_reason == "6 facts match"
    assert [message.to for message in mailoutbox] == [[holder.email]]
    assert FACTS["email"] not in str(mailoutbox[0].message())
    actions = set(AuditEvent.objects.values_list("action", "subject_id"))
    assert ("recovery.decided", holder.pk) in actions
    assert ("password.reset_link_sent", holder.pk) in actions

    # The link chooses a new password; then the customer logs in with it.
    link = re.search(r"https?://[^/\s]+(/\S*password-reset/confirm/\S+/)", mailoutbox[0].body)
    response = client.get(link.group(1), follow=True)
    form_url = response.redirect_chain[-1][0]
    response = client.post(
        form_url, {"new_password1": "A-new-pass-phrase-9", "new_password2": "A-new-pass-phrase-9"}
    )
    assert response.status_code == 302
    assert client.login(username="claire-d", password="A-new-pass-phrase-9")


def test_the_matched_request_becomes_part_of_the_persons_data(recovery_request, holder, officer):
    decide(recovery_request, actor=officer, matched_user=holder, reason="match")
    entry = datamap.get("oscar_privacy.PrivacyRequest")
    assert list(entry.queryset_for(user=holder)) == [recovery_request]


def test_no_match_sends_nothing(recovery_request, holder, officer, mailoutbox):
    decided = decide(recovery_request, actor=officer, reason="Names differ")
    assert decided.decision == PrivacyRequest.Decision.NO_MATCH
    assert decided.status == PrivacyRequest.Status.DONE
    assert decided.matched_user is None and decided.user is None
    assert mailoutbox == []
    assert AuditEvent.objects.filter(action="recovery.decided", subject=None).exists()


def test_a_request_is_decided_once(recovery_request, holder, officer, mailoutbox):
    decide(recovery_request, actor=officer, matched_user=holder, reason="match")
    with pytest.raises(RecoveryError):
        decide(recovery_request, actor=officer, reason="again")
    with pytest.raises(RecoveryError):
        decide(recovery_request, actor=officer, matched_user=holder, reason="again")
    recovery_request.refresh_from_db()
    assert recovery_request.decision == PrivacyRequest.Decision.MATCH
    assert len(mailoutbox) == 1


@pytest.mark.parametrize("who", ["stranger", "staff"])
def test_an_account_that_is_not_a_candidate_is_refused(
    recovery_request, holder, officer, mailoutbox, who
):
    other = {
        "stranger": lambda: UserFactory(username="x", email="x@example.com", last_name="Other"),
        "staff": lambda: officer,
    }[who]()
    with pytest.raises(RecoveryError):
        decide(recovery_request, actor=officer, matched_user=other, reason="forced")
    recovery_request.refresh_from_db()
    assert recovery_request.is_open and not recovery_request.decision
    assert mailoutbox == []


def test_a_reason_is_required(recovery_request, officer):
    with pytest.raises(RecoveryError):
        decide(recovery_request, actor=officer, reason="  ")
    recovery_request.refresh_from_db()
    assert recovery_request.is_open


def test_a_failed_email_records_nothing(recovery_request, holder, officer):
    with (
        mock.patch.object(recovery, "send_reset_link", side_effect=smtplib.SMTPException("down")),
        pytest.raises(RecoveryError),
    ):
        decide(recovery_request, actor=officer, matched_user=holder, reason="match")
    recovery_request.refresh_from_db()
    assert recovery_request.is_open and recovery_request.matched_user is None
    assert not AuditEvent.objects.filter(action="recovery.decided").exists()


# The dashboard -------------------------------------------------------------


def test_only_staff_with_the_permissions_get_in(client, customer, staff, recovery_request):
    assert client.get(LIST_URL).status_code == 302  # to the dashboard login
    assert client.get(detail_url(recovery_request)).status_code == 302
    for user in (customer, staff):  # staff, but without the permissions
        login_verified(client, user)
        assert client.get(LIST_URL).status_code == 403
        assert client.get(detail_url(recovery_request)).status_code == 403
        response = client.post(detail_url(recovery_request), {"decision": "none", "reason": "x"})
        assert response.status_code == 403
    viewer = UserFactory(username="viewer", email="viewer@example.com", is_staff=True)
    viewer.user_permissions.add(
        Permission.objects.get(
            content_type__app_label="oscar_privacy", codename="view_privacyrequest"
        )
    )
    login_verified(client, viewer)
    assert client.get(LIST_URL).status_code == 200
    assert client.get(detail_url(recovery_request)).status_code == 403
    assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.READ).exists()
    recovery_request.refresh_from_db()
    assert recovery_request.is_open


def test_the_menu_shows_account_recovery(client, officer):
    login_verified(client, officer)
    assert LIST_URL in client.get(reverse("dashboard:index")).content.decode()


def test_the_list_puts_open_requests_first_flags_overdue_and_shows_no_names(
    client, officer, holder
):
    old = submit_recovery_request(FACTS)
    PrivacyRequest.objects.filter(pk=old.pk).update(
        received_at=timezone.now() - datetime.timedelta(days=40),
        due_at=timezone.now() - datetime.timedelta(days=9),
    )
    done = submit_recovery_request(FACTS)
    decide(done, actor=officer, reason="no")
    fresh = submit_recovery_request(FACTS)
    login_verified(client, officer)
    response = client.get(LIST_URL)
    assert list(response.context["privacy_requests"]) == [old, fresh, done]
    page = response.content.decode()
    assert page.count("table-danger") == 1
    assert "Dupont" not in page and "Claire" not in page


def test_the_detail_shows_the_facts_and_masked_scored_candidates_and_audits_the_reads(
    client, officer, holder, namesake, recovery_request
):
    login_verified(client, officer)
    response = client.get(detail_url(recovery_request))
    assert response.status_code == 200
    page = response.content.decode()
    assert FACTS["message"] in page and FACTS["order_number"] in page
    assert "c*****@e*****.org" in page and "75***" in page
    for secret in (holder.email, namesake.email, "+33612345689", "75011"):
        assert secret not in page
    assert [c.user for c in response.context["candidates"]] == [holder, namesake]
    reads = AuditEvent.objects.filter(kind=AuditEvent.Kind.READ)
    assert set(reads.values_list("action", "subject_id")) == {
        ("recovery.viewed", None),
        ("recovery.candidate_viewed", holder.pk),
        ("recovery.candidate_viewed", namesake.pk),
    }
    assert {event.actor for event in reads} == {officer}


def test_scripts_in_what_the_requester_wrote_are_escaped(client, officer):
    script = "<script>alert('x')</script>"
    privacy_request = submit_recovery_request(
        {"first_name": script, "last_name": f"<b>{script}</b>", "message": script}
    )
    login_verified(client, officer)
    page = client.get(detail_url(privacy_request)).content.decode()
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page


def test_staff_decide_a_match_from_the_page(client, officer, holder, recovery_request, mailoutbox):
    login_verified(client, officer)
    response = client.post(
        detail_url(recovery_request), {"decision": str(holder.pk), "reason": "All facts match"}
    )
    assert response.status_code == 302 and response.url == LIST_URL
    recovery_request.refresh_from_db()
    assert recovery_request.matched_user == holder
    assert [message.to for message in mailoutbox] == [[holder.email]]
    page = client.get(detail_url(recovery_request)).content.decode()
    assert "All facts match" in page and 'name="decision"' not in page


def test_staff_decide_no_match_from_the_page(client, officer, holder, recovery_request, mailoutbox):
    login_verified(client, officer)
    response = client.post(detail_url(recovery_request), {"decision": "none", "reason": "No"})
    assert response.status_code == 302
    recovery_request.refresh_from_db()
    assert recovery_request.decision == PrivacyRequest.Decision.NO_MATCH
    assert mailoutbox == []


@pytest.mark.parametrize(
    "data",
    [
        {"decision": "", "reason": "x"},
        {"decision": "none", "reason": ""},
        {"decision": "none", "reason": "x" * 2001},
        {"decision": "999999", "reason": "tampered id"},
        {"decision": "abc", "reason": "tampered id"},
        {"decision": "staff", "reason": "x"},
    ],
)
def test_a_bad_or_tampered_decision_is_a_form_error(
    client, officer, holder, recovery_request, mailoutbox, data
):
    if data["decision"] == "staff":
        data = {**data, "decision": str(officer.pk)}
    login_verified(client, officer)
    response = client.post(detail_url(recovery_request), data)
    assert response.status_code == 400
    assert response.context["form"].errors
    recovery_request.refresh_from_db()
    assert recovery_request.is_open and not recovery_request.decision
    assert mailoutbox == []


def test_a_decided_request_cannot_be_decided_again_from_the_page(
    client, officer, holder, recovery_request, mailoutbox
):
    decide(recovery_request, actor=officer, reason="No")
    login_verified(client, officer)
    response = client.post(
        detail_url(recovery_request), {"decision": str(holder.pk), "reason": "after all"}
    )
    assert response.status_code == 302
    recovery_request.refresh_from_db()
    assert recovery_request.decision == PrivacyRequest.Decision.NO_MATCH
    assert mailoutbox == []


def test_unknown_or_other_kinds_of_request_are_404(client, officer, recovery_request):
    other = PrivacyRequest.objects.create(kind=PrivacyRequest.Kind.ACCESS)
    login_verified(client, officer)
    assert client.get(detail_url(other)).status_code == 404
    assert client.post(detail_url(other), {"decision": "none", "reason": "x"}).status_code == 404
    missing = reverse("oscar_privacy_dashboard:privacy-recovery-detail", args=[999999])
    assert client.get(missing).status_code == 404
    other.refresh_from_db()
    assert other.is_open


def test_an_undecryptable_request_says_so_and_may_still_be_closed(
    client, officer, holder, recovery_request, settings
):
    settings.OSCAR_PRIVACY_ENCRYPTION_KEYS = ["bm90LXRoZS1rZXktdXNlZC1mb3ItdGhlLXJlcXVlc3Q="]
    login_verified(client, officer)
    response = client.get(detail_url(recovery_request))
    assert response.status_code == 200
    assert "cannot be decrypted" in response.content.decode()
    response = client.post(
        detail_url(recovery_request), {"decision": str(holder.pk), "reason": "x"}
    )
    assert response.status_code == 400
    response = client.post(detail_url(recovery_request), {"decision": "none", "reason": "Key lost"})
    assert response.status_code == 302
    recovery_request.refresh_from_db()
    assert recovery_request.decision == PrivacyRequest.Decision.NO_MATCH


def test_a_malformed_rate_is_reported_by_a_check(settings):
    from oscar_privacy.checks import check_password_reset_settings

    settings.OSCAR_PRIVACY_RECOVERY_RATE_PER_IP = "five an hour"
    errors = check_password_reset_settings()
    assert [error.id for error in errors] == ["oscar_privacy.E011"]
    assert "OSCAR_PRIVACY_RECOVERY_RATE_PER_IP" in errors[0].msg


def test_the_identified_person_sees_the_request_in_my_data(client, holder, officer):
    recovery_request = submit_recovery_request(
        {**FACTS, "message": "I used to buy tea here. <script>alert(1)</script>"}
    )
    decide(recovery_request, actor=officer, matched_user=holder, reason="match")
    client.force_login(holder)
    response = client.get(reverse("oscar_privacy:my-data"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Lost login and email address" in page
    assert "I used to buy tea here." in page
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page
    assert officer.get_username() not in page  # staff identities are not exported


@pytest.mark.parametrize(
    ("function", "args", "expected"),
    [
        (mask_email, ("claire.dupont@example.org",), "c*****@e*****.org"),
        (mask_email, ("a@localhost",), "a*****@l*****"),
        (mask_email, ("no-at-sign",), "n*********"),
        (mask_email, ("",), ""),
        (mask_postcode, (" 75011 ",), "75***"),
        (mask_postcode, ("7",), "7*"),
        (mask_postcode, (None,), ""),
        (mask_phone, ("+33612345689",), "+33 6 ** ** ** 89"),
        (mask_phone, ("0612345689",), "0*******89"),
        (mask_phone, ("",), ""),
        (mask_name, ("claire", "dupont"), "C. D."),
        (mask_name, ("", " "), ""),
    ],
)
def test_masks_keep_just_enough_to_compare(function, args, expected):
    assert function(*args) == expected
