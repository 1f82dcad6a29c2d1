"""The "Privacy" pages of My account: my data, and my consents."""

from datetime import UTC, datetime

import pytest
from dateutil.relativedelta import relativedelta
from django.urls import reverse
from django.utils import translation
from oscar.apps.basket.models import Basket
from oscar.test.factories import (
    CountryFactory,
    ShippingAddressFactory,
    UserAddressFactory,
    UserFactory,
    create_order,
)

from oscar_privacy.account import (
    ROWS_SHOWN,
    ConsentWithdrawalError,
    consent_overview,
    personal_data,
    withdraw_consent,
)
from oscar_privacy.consent import record_consents
from oscar_privacy.datamap.vocabulary import Category
from oscar_privacy.models import (
    ConsentAction,
    ConsentChannel,
    ConsentPurpose,
    ConsentRecord,
    PolicyKind,
)

from .shop import publish

pytestmark = pytest.mark.django_db
MY_DATA = reverse("oscar_privacy:my-data")
CONSENTS = reverse("oscar_privacy:consents")
WITHDRAW = reverse("oscar_privacy:consent-withdraw")


@pytest.fixture
def france(db):
    return CountryFactory(iso_3166_1_a2="FR", printable_name="France")


def place_orders(user, count, country, *, line1="1 rue de la Paix"):
    orders = [
        create_order(
            user=user,
            shipping_address=ShippingAddressFactory(
                first_name=user.first_name, line1=line1, country=country
            ),
        )
        for _ in range(count)
    ]
    for order in orders:
        order.refresh_from_db()  # the number as stored: text
    return orders


@pytest.fixture
def shopper(customer, france):
    """A customer with an address, two orders and consents."""
    customer.last_login = datetime(2026, 1, 10, tzinfo=UTC)
    customer.save()
    UserAddressFactory(user=customer, line1="12 avenue Foch", country=france)
    orders = place_orders(customer, 2, france)
    privacy = publish(PolicyKind.PRIVACY, "We protect your data.")
    record_consents(
        [
            (ConsentPurpose.PRIVACY_POLICY, ConsentAction.GIVEN, privacy),
            (ConsentPurpose.NEWSLETTER, ConsentAction.GIVEN, None),
        ],
        channel=ConsentChannel.REGISTRATION,
        user=customer,
    )
    customer.orders_placed = orders
    return customer


@pytest.fixture
def other(france):
    """Another customer, whose data must never show on the first one's pages."""
    person = UserFactory(
        username="dominique", email="dominique@example.com", first_name="Dominique"
    )
    UserAddressFactory(user=person, line1="99 boulevard Secret", country=france)
    place_orders(person, 1, france, line1="99 boulevard Secret")
    record_consents(
        [(ConsentPurpose.NEWSLETTER, ConsentAction.GIVEN, None)],
        channel=ConsentChannel.CHECKOUT,
        user=person,
    )
    return person


def section(sections, category):
    return next(s for s in sections if s.category == category)


def table(sections, category, label):
    return next(t for t in section(sections, category).tables if t.label == label)


# The tab ---------------------------------------------------------------------


def test_the_privacy_tab_is_in_oscars_account_sidebar(client, customer):
    client.force_login(customer)
    html = client.get(reverse("customer:profile-view")).content.decode()
    assert f'<a href="{MY_DATA}" class="nav-link">Privacy</a>' in html
    # Oscar's own tabs are still there.
    assert reverse("customer:order-list") in html


def test_the_privacy_tab_is_active_on_the_privacy_pages(client, customer):
    client.force_login(customer)
    for url in (MY_DATA, CONSENTS):
        html = client.get(url).content.decode()
        assert f'<a href="{MY_DATA}" class="nav-link active">Privacy</a>' in html


def test_the_tab_reads_in_french(client, customer):
    client.force_login(customer)
    with translation.override("fr"):
        response = client.get(reverse("customer:profile-view"), HTTP_ACCEPT_LANGUAGE="fr")
    html = response.content.decode()
    assert f'<a href="{MY_DATA}" class="nav-link">Confidentialité</a>' in html


@pytest.mark.parametrize("url", [MY_DATA, CONSENTS])
def test_anonymous_visitors_are_sent_to_the_login_page(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('customer:login')}?next={url}"


def test_an_anonymous_withdrawal_records_nothing(client):
    response = client.post(WITHDRAW, {"purpose": ConsentPurpose.NEWSLETTER})
    assert response.status_code == 302
    assert reverse("customer:login") in response["Location"]
    assert not ConsentRecord.objects.exists()


# My data -----------------------------------------------------------------------


def test_my_data_shows_the_login_identifier_email_and_where_to_correct(client, shopper):
    client.force_login(shopper)
    response = client.get(MY_DATA)
    html = response.content.decode()
    assert response.status_code == 200
    assert f'<dd class="col-sm-8" id="privacy-username">{shopper.username}</dd>' in html
    assert '<dd class="col-sm-8" id="privacy-email">customer@example.com</dd>' in html
    for name in ("customer:profile-update", "customer:address-list", "customer:change-password"):
        assert f'href="{reverse(name)}"' in html


def test_my_data_groups_the_data_by_category_in_a_stable_order(shopper):
    sections = personal_data(shopper)
    categories = [s.category for s in sections]
    assert categories == [c for c in Category.values if c in categories]
    for expected in (Category.IDENTITY, Category.CONTACT, Category.ADDRESS, Category.ORDER):
        assert expected in categories
    assert section(sections, Category.ADDRESS).label == "Postal addresses"


def test_my_data_holds_the_address_orders_and_consents(shopper):
    sections = personal_data(shopper)
    book = table(sections, Category.ADDRESS, "User addresses")
    assert "12 avenue Foch" in book.rows[0].values
    orders = table(sections, Category.ORDER, "Orders")
    assert orders.total == 2
    numbers = {order.number for order in shopper.orders_placed}
    assert {row.values[orders.columns.index("Order number")] for row in orders.rows} == numbers
    evidence = table(sections, Category.EVIDENCE, "Consent records")
    assert evidence.total == 2


def test_each_section_says_why_and_how_long(shopper):
    orders = section(personal_data(shopper), Category.ORDER)
    purposes = {p["name"]: p["legal_basis"] for p in orders.purposes}
    assert purposes["Accounting and tax records"] == "Legal obligation (GDPR Art. 6(1)(c))"
    assert purposes["Orders and delivery"] == "Performance of a contract (GDPR Art. 6(1)(b))"
    wording = [r.wording for r in orders.retention]
    assert "Kept 10 years, counted from when the order was placed; then anonymised." in wording


def test_orders_are_kept_ten_years_from_their_date(shopper):
    orders = table(personal_data(shopper), Category.ORDER, "Orders")
    by_number = {o.number: o for o in shopper.orders_placed}
    column = orders.columns.index("Order number")
    for row in orders.rows:
        placed = by_number[row.values[column]].date_placed
        assert row.kept_until == placed + relativedelta(years=10)


def test_the_account_is_kept_three_years_from_the_last_activity(shopper):
    newest_order = max(o.date_placed for o in shopper.orders_placed)
    identity = section(personal_data(shopper), Category.IDENTITY)
    account = next(r for r in identity.retention if r.kept_until is not None)
    assert account.kept_until == max(shopper.last_login, newest_order) + relativedelta(years=3)


def test_the_last_login_counts_when_it_is_the_latest(customer):
    customer.last_login = datetime(2030, 5, 1, tzinfo=UTC)
    customer.save()
    identity = section(personal_data(customer), Category.IDENTITY)
    (account,) = [r for r in identity.retention if r.kept_until is not None]
    assert account.kept_until == datetime(2033, 5, 1, tzinfo=UTC)


def test_my_data_page_renders_the_sections(client, shopper):
    client.force_login(shopper)
    html = client.get(MY_DATA).content.decode()
    assert '<h2 class="h3">Postal addresses</h2>' in html
    assert "12 avenue Foch" in html
    assert shopper.orders_placed[0].number in html
    assert "Legal obligation (GDPR Art. 6(1)(c))" in html
    # A password hash is never shown (export=False).
    assert shopper.password not in html


def test_no_other_customers_data(client, shopper, other):
    client.force_login(shopper)
    html = client.get(MY_DATA).content.decode()
    assert "99 boulevard Secret" not in html
    assert "dominique" not in html.lower()
    assert other.orders.get().number not in html
    sections = personal_data(shopper)
    assert table(sections, Category.ORDER, "Orders").total == 2
    assert table(sections, Category.EVIDENCE, "Consent records").total == 2
    # And the other way round.
    client.force_login(other)
    html = client.get(MY_DATA).content.decode()
    assert "12 avenue Foch" not in html
    assert "Camille" not in html
    assert all(order.number not in html for order in shopper.orders_placed)


def test_guest_orders_with_the_same_email_are_not_shown(shopper, france):
    # An unverified address must not reveal what a guest ordered with it.
    guest = create_order(
        guest_email=shopper.email,
        shipping_address=ShippingAddressFactory(line1="Guest lane", country=france),
    )
    sections = personal_data(shopper)
    assert table(sections, Category.ORDER, "Orders").total == 2
    assert str(guest.number) not in str(section(sections, Category.ORDER).tables)
    assert "Guest lane" not in str(section(sections, Category.ADDRESS).tables)


def test_a_link_to_someone_else_is_not_named(staff, customer, clean_datamap):
    from oscar_privacy.datamap import Entry, Field

    clean_datamap.register(
        Entry(
            model="oscar_privacy.AuditEvent",
            purposes="security",
            user_path="actor",
            fields=(Field("actor", Category.IDENTITY), Field("subject", Category.IDENTITY)),
            retention="audit_trail",
        ),
        replace=True,
    )
    from oscar_privacy.audit import record

    record("customer.viewed", actor=staff, subject=customer)
    rows = table(personal_data(staff), Category.IDENTITY, "Audit events").rows
    assert rows[0].values == (str(staff), "another person")


def test_only_the_newest_rows_are_listed_and_the_rest_counted(shopper, france):
    place_orders(shopper, ROWS_SHOWN + 1, france)  # with the fixture's 2: 23 in all
    orders = table(personal_data(shopper), Category.ORDER, "Orders")
    assert (orders.total, len(orders.rows), orders.not_shown) == (23, ROWS_SHOWN, 3)
    newest = shopper.orders.order_by("-pk").first().number
    assert orders.rows[0].values[orders.columns.index("Order number")] == newest


def test_staff_see_their_own_data(client, staff):
    client.force_login(staff)
    response = client.get(MY_DATA)
    assert response.status_code == 200
    assert '<dd class="col-sm-8" id="privacy-username">staff</dd>' in response.content.decode()


def test_the_query_count_does_not_grow_with_the_orders(
    client, france, django_assert_max_num_queries
):
    few, many = UserFactory(username="few"), UserFactory(username="many")
    place_orders(few, 3, france)
    place_orders(many, 30, france)
    client.force_login(few)
    # About one query per data map entry, plus the session, the user and the layout.
    with django_assert_max_num_queries(80) as for_few:
        assert client.get(MY_DATA).status_code == 200
    client.force_login(many)
    with django_assert_max_num_queries(len(for_few)) as for_many:
        response = client.get(MY_DATA)
    assert table(response.context["sections"], Category.ORDER, "Orders").total == 30
    assert len(for_many) == len(for_few)


# Consents ------------------------------------------------------------------------


def test_the_consents_page_shows_each_purpose_and_the_history(client, shopper):
    client.force_login(shopper)
    response = client.get(CONSENTS)
    html = response.content.decode()
    states = {item["purpose"]: item for item in response.context["states"]}
    assert list(states) == [
        ConsentPurpose.PRIVACY_POLICY,
        ConsentPurpose.TERMS,
        ConsentPurpose.NEWSLETTER,
    ]
    assert states[ConsentPurpose.PRIVACY_POLICY]["state"] == ConsentAction.GIVEN
    assert states[ConsentPurpose.TERMS]["state"] == "never"
    assert states[ConsentPurpose.NEWSLETTER]["withdrawable"]
    assert not states[ConsentPurpose.PRIVACY_POLICY]["withdrawable"]
    version = states[ConsentPurpose.PRIVACY_POLICY]["record"].version
    assert f'href="{version.get_absolute_url()}"' in html
    assert "Never given" in html
    assert html.count('name="purpose"') == 1  # one withdraw button: the newsletter
    assert len(response.context["history"]) == 2


def test_the_history_is_newest_first(shopper):
    withdraw_consent(shopper, ConsentPurpose.NEWSLETTER)
    _states, history = consent_overview(shopper)
    assert history[0].action == ConsentAction.WITHDRAWN
    assert [r.created_at for r in history] == sorted((r.created_at for r in history), reverse=True)


def test_withdrawing_the_newsletter_takes_effect_at_once(client, shopper):
    client.force_login(shopper)
    response = client.post(WITHDRAW, {"purpose": ConsentPurpose.NEWSLETTER}, follow=True)
    assert response.redirect_chain == [(CONSENTS, 302)]
    record = ConsentRecord.objects.filter(user=shopper).first()
    assert (record.purpose, record.action, record.channel) == (
        ConsentPurpose.NEWSLETTER,
        ConsentAction.WITHDRAWN,
        ConsentChannel.MY_ACCOUNT,
    )
    assert "Consent withdrawn: Newsletter. This takes effect at once." in (
        response.content.decode()
    )
    states = {item["purpose"]: item for item in response.context["states"]}
    assert states[ConsentPurpose.NEWSLETTER]["state"] == ConsentAction.WITHDRAWN
    assert not states[ConsentPurpose.NEWSLETTER]["withdrawable"]


def test_the_withdraw_form_is_csrf_protected(shopper):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(shopper)
    response = client.post(WITHDRAW, {"purpose": ConsentPurpose.NEWSLETTER})
    assert response.status_code == 403
    assert not ConsentRecord.objects.filter(action=ConsentAction.WITHDRAWN).exists()


@pytest.mark.parametrize(
    "data, message",
    [
        ({"purpose": ConsentPurpose.PRIVACY_POLICY}, "close your account"),
        ({"purpose": ConsentPurpose.TERMS}, "close your account"),
        ({"purpose": "marketing"}, "This consent does not exist."),
        ({"purpose": "x" * 5000}, "This consent does not exist."),
        ({}, "This consent does not exist."),
    ],
)
def test_bad_withdrawals_record_nothing(client, shopper, data, message):
    client.force_login(shopper)
    before = ConsentRecord.objects.count()
    response = client.post(WITHDRAW, data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert ConsentRecord.objects.count() == before


def test_a_consent_not_given_cannot_be_withdrawn(client, customer):
    client.force_login(customer)
    response = client.post(WITHDRAW, {"purpose": ConsentPurpose.NEWSLETTER})
    assert response.status_code == 400
    assert "nothing to withdraw" in response.content.decode()
    assert not ConsentRecord.objects.exists()


def test_withdrawing_twice_records_once(shopper):
    withdraw_consent(shopper, ConsentPurpose.NEWSLETTER)
    with pytest.raises(ConsentWithdrawalError):
        withdraw_consent(shopper, ConsentPurpose.NEWSLETTER)
    assert ConsentRecord.objects.filter(action=ConsentAction.WITHDRAWN).count() == 1


def test_a_withdrawal_concerns_only_the_person(client, shopper, other):
    client.force_login(shopper)
    client.post(WITHDRAW, {"purpose": ConsentPurpose.NEWSLETTER})
    latest = ConsentRecord.objects.filter(user=other, purpose=ConsentPurpose.NEWSLETTER).first()
    assert latest.action == ConsentAction.GIVEN
    html = client.get(CONSENTS).content.decode()
    assert "Checkout" not in html  # the other customer's channel


def test_get_on_the_withdraw_url_is_refused(client, shopper):
    client.force_login(shopper)
    response = client.get(WITHDRAW, {"purpose": ConsentPurpose.NEWSLETTER})
    assert response.status_code == 405
    assert not ConsentRecord.objects.filter(action=ConsentAction.WITHDRAWN).exists()


def test_a_customer_is_not_told_about_purposes_that_concern_staff(customer):
    from oscar_privacy.account import personal_data

    names = {purpose["name"] for section in personal_data(customer) for purpose in section.purposes}
    assert "Customer accounts" in names
    assert "Site administration" not in names


def test_a_table_of_links_to_the_person_alone_is_left_out(shopper):
    Basket.objects.create(owner=shopper)
    sections = {section.category: section for section in personal_data(shopper)}
    baskets = str(Basket._meta.verbose_name_plural).capitalize()
    assert baskets not in [t.label for t in sections[Category.IDENTITY].tables]
    assert baskets in [t.label for t in sections[Category.BEHAVIOUR].tables]
