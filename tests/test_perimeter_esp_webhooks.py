"""Every email provider django-anymail supports, through its real webhook URL and authentication.

Each provider's payloads (``tests/esp_webhooks.py``, copied from anymail's own test suite)
are posted as the provider posts them, with its basic auth and signature; the test checks
the state each address ends in: a hard bounce ends a subscription, a soft bounce (in the
provider's own words) does not, a complaint or an unsubscription ends it at once. Then
the class of bad input: a malformed event in a batch is skipped and logged while the others
apply; a body that cannot be read is a 400, never a 500; a forged call changes nothing.
The list of providers is checked against anymail's URLconf, so a provider anymail adds
fails here until its payloads are added.
"""

import datetime
import logging

import pytest
from anymail import urls as anymail_urls
from django.urls import include, path

from oscar_privacy.models import ConsentRecord
from oscar_privacy.newsletter.addresses import address_hash
from oscar_privacy.newsletter.models import Channel, Subscription

from .esp_webhooks import ANYMAIL_SETTINGS, PROVIDERS, SUBSCRIBED, basic_auth

pytestmark = [
    pytest.mark.django_db,
    # anymail warns that it no longer supports SendGrid officially, and that the SendinBlue
    # URLs are the old name of Brevo's: both still work, and shops use them.
    pytest.mark.filterwarnings("ignore::anymail.exceptions.AnymailNotSupportedWarning"),
    pytest.mark.filterwarnings("ignore::anymail.exceptions.AnymailDeprecationWarning"),
]

# A project that routes anymail's own URLs (see the last test).
urlpatterns = [path("anymail/", include("anymail.urls"))]

LONG_AGO = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
"""When the test subscriptions started: before the dates of anymail's sample events."""


@pytest.fixture(autouse=True)
def provider_secrets(settings):
    settings.ANYMAIL = ANYMAIL_SETTINGS


def subscribe(*addresses):
    Subscription.objects.bulk_create(
        Subscription(
            email=address,
            email_hash=address_hash(address),
            state=SUBSCRIBED,
            source=Channel.IMPORT,
            created_at=LONG_AGO,
            requested_at=LONG_AGO,
            changed_at=LONG_AGO,
            confirmed_at=LONG_AGO,
        )
        for address in addresses
    )


def states(addresses):
    found = dict(
        Subscription.objects.filter(
            email_hash__in=[address_hash(address) for address in addresses]
        ).values_list("email_hash", "state")
    )
    return {address: found.get(address_hash(address)) for address in addresses}


CASES = [(provider, case) for provider in PROVIDERS for case in provider.cases]


@pytest.mark.parametrize("provider,case", CASES, ids=[f"{p.esp_name}: {c.label}" for p, c in CASES])
def test_each_provider_is_read_in_its_own_words(client, provider, case):
    subscribe(*case.expect)
    response = provider.post(client, case.payload)
    assert response.status_code == 200, response.content
    assert states(case.expect) == case.expect


def test_every_tracking_webhook_of_anymail_is_covered():
    """The providers above are every tracking (or combined) webhook anymail routes."""
    tracking = {
        pattern.callback.view_class
        for pattern in anymail_urls.urlpatterns
        if "inbound" not in pattern.name
    }
    covered = {
        pattern.callback.view_class
        for pattern in anymail_urls.urlpatterns
        if pattern.name in {provider.url_name for provider in PROVIDERS}
    }
    assert tracking - covered == set()
    assert {view.esp_name for view in tracking} == {provider.esp_name for provider in PROVIDERS}


MALFORMED = [provider for provider in PROVIDERS if provider.malformed]


@pytest.mark.parametrize("provider", MALFORMED, ids=[p.esp_name for p in MALFORMED])
def test_a_malformed_event_is_skipped_and_logged_and_the_others_apply(client, provider, caplog):
    case = provider.malformed
    subscribe(*case.expect)
    with caplog.at_level(logging.WARNING, logger="oscar_privacy.newsletter.events"):
        response = provider.post(client, case.payload)
    assert response.status_code == 200, response.content
    assert states(case.expect) == case.expect
    logged = [record.getMessage() for record in caplog.records]
    assert any("Skipped" in message for message in logged), logged
    assert not any("@" in message for message in logged), "an address was logged"


def test_every_provider_has_a_malformed_case():
    assert {provider.esp_name for provider in MALFORMED} == {p.esp_name for p in PROVIDERS}


@pytest.mark.parametrize("provider", PROVIDERS, ids=[p.esp_name for p in PROVIDERS])
def test_a_body_that_cannot_be_read_is_a_400(client, provider):
    """Not JSON at all (authenticated and signed as the provider would): 400, never 500."""
    response = provider.post(client, b"\xff\x00 this is not JSON {")
    assert response.status_code == 400


@pytest.mark.parametrize("provider", PROVIDERS, ids=[p.esp_name for p in PROVIDERS])
def test_a_forged_call_changes_nothing(client, provider):
    case = next(case for case in provider.cases if set(case.expect.values()) != {SUBSCRIBED})
    subscribe(*case.expect)
    forged = [provider.post(client, case.payload, secret="intruder:guess")]
    if provider.signed:
        forged.append(provider.post(client, case.payload, tamper=True))
    # Amazon SNS is first answered 401 with a challenge only without credentials at all.
    assert [response.status_code for response in forged] == [400] * len(forged)
    assert set(states(case.expect).values()) == {SUBSCRIBED}
    assert not ConsentRecord.objects.exists()


def test_one_request_s_events_are_applied_together(client, django_assert_max_num_queries):
    """A batch (Mailjet's) with malformed events costs the same few queries as a clean one."""
    from .esp_webhooks import MAILJET

    case = MAILJET.malformed
    subscribe(*case.expect)
    # Session, the SELECT … FOR UPDATE, the UPDATE, the withdrawal.
    with django_assert_max_num_queries(6):
        assert MAILJET.post(client, case.payload).status_code == 200
    assert states(case.expect) == case.expect


def test_routing_anymail_urls_directly_is_an_error(settings):
    from oscar_privacy.newsletter.checks import check_anymail_urls

    assert check_anymail_urls() == []  # the sandbox routes oscar_privacy.newsletter.anymail_urls
    settings.ROOT_URLCONF = __name__
    (error,) = check_anymail_urls()
    assert error.id == "oscar_privacy.E028"
    assert "postmark_tracking_webhook" in error.msg and "inbound" not in error.msg


def test_a_provider_the_shop_has_not_configured_answers_404_not_500(client, settings, caplog):
    # Brevo's inbound webhook needs Brevo's API key; a shop on another provider has none,
    # and anyone could otherwise provoke server errors there.
    settings.ANYMAIL = {"WEBHOOK_SECRET": ANYMAIL_SETTINGS["WEBHOOK_SECRET"]}
    with caplog.at_level(logging.ERROR, logger="oscar_privacy.newsletter.events"):
        response = client.post(
            "/anymail/brevo/inbound/",
            data="{}",
            content_type="application/json",
            **basic_auth(ANYMAIL_SETTINGS["WEBHOOK_SECRET"]),
        )
    assert response.status_code == 404
    assert "not configured" in caplog.text
