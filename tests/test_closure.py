"""Closing an account: the page, the service, Oscar's own "delete profile", and
orders placed while an account is being closed."""

import threading
import types

import pytest
from dateutil.relativedelta import relativedelta
from django.conf import settings as django_settings
from django.contrib.auth import SESSION_KEY as AUTH_USER_KEY
from django.contrib.sessions.models import Session
from django.core import mail
from django.db import connection, connections, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from oscar.core.loading import get_class, get_model
from oscar.test.factories import (
    BillingAddressFactory,
    CountryFactory,
    ProductAlertFactory,
    ProductReviewFactory,
    ShippingAddressFactory,
    UserAddressFactory,
    UserFactory,
    WishListFactory,
    create_order,
    create_product,
)

from oscar_privacy import audit
from oscar_privacy.checks import check_profile_deletion
from oscar_privacy.closure import ClosureError, close_account
from oscar_privacy.consent import record_consents
from oscar_privacy.models import (
    AccountClosure,
    AuditEvent,
    ConsentAction,
    ConsentChannel,
    ConsentPurpose,
    ConsentRecord,
    PolicyKind,
)
from oscar_privacy.signals import account_closed

from .shop import ACCEPT_ALL, consent_data, make_product, publish, publish_policies, to_preview
from .wiring import site_patterns

Basket = get_model("basket", "Basket")
Default = get_class("partner.strategy", "Default")
Order = get_model("order", "Order")
Line = get_model("order", "Line")
UserAddress = get_model("address", "UserAddress")
ProductAlert = get_model("customer", "ProductAlert")
WishList = get_model("wishlists", "WishList")
ProductReview = get_model("reviews", "ProductReview")
Notification = get_model("communication", "Notification")
Email = get_model("communication", "Email")
UnableToPlaceOrder = get_class("order.exceptions", "UnableToPlaceOrder")
ProfileDeleteView = get_class("customer.views", "ProfileDeleteView")

CLOSE = reverse("oscar_privacy:close-account")
CLOSED = reverse("oscar_privacy:account-closed")
PASSWORD = "skelebrain"  # Oscar's UserFactory password
CONFIRM = {"password": PASSWORD, "understood": "on"}
HOLD = relativedelta(years=10)  # the accounting_records rule
STAFF_REFUSAL = "Staff accounts cannot be closed from here"


# Helpers ------------------------------------------------------------------------


def snapshot(instance):
    """Every column of ``instance`` as stored now."""
    fresh = type(instance)._default_manager.get(pk=instance.pk)
    return {f.attname: getattr(fresh, f.attname) for f in fresh._meta.concrete_fields}


def order_snapshot(order):
    return {
        "order": snapshot(order),
        "lines": [snapshot(line) for line in Line.objects.filter(order=order).order_by("pk")],
        "shipping": snapshot(order.shipping_address),
        "billing": snapshot(order.billing_address),
    }


def day(moment):
    """``moment`` as the templates show it (``|date:"DATE_FORMAT"``, shop's time zone)."""
    return date_format(timezone.localtime(moment), "DATE_FORMAT")


def between(html, start, end):
    """The part of ``html`` after ``start`` and before the next ``end``."""
    assert start in html, start
    return html.split(start, 1)[1].split(end, 1)[0]


def open_basket(owner=None):
    basket = Basket.objects.create(owner=owner)
    basket.strategy = Default()
    basket.add_product(create_product(price=10, num_in_stock=10))
    return basket


def place_order(user, country, **kwargs):
    """An order with a shipping and a billing address, as Oscar's OrderCreator makes it."""
    return create_order(
        user=user,
        shipping_address=ShippingAddressFactory(
            first_name="Camille", last_name="Martin", line1="1 rue de la Paix", country=country
        ),
        billing_address=BillingAddressFactory(
            first_name="Camille", last_name="Martin", line1="1 rue de la Paix", country=country
        ),
        **kwargs,
    )


def save_order(user, number):
    """A bare Order saved directly, as an import script would (no OrderCreator)."""
    order = Order(user=user, number=number, total_incl_tax=12, total_excl_tax=10)
    order.save()
    return order


def sessions_of(user):
    """Stored sessions logged in as ``user``."""
    return [
        s.session_key
        for s in Session.objects.all()
        if s.get_decoded().get(AUTH_USER_KEY) == str(user.pk)
    ]


def session_key(client):
    return client.cookies[django_settings.SESSION_COOKIE_NAME].value


def assert_not_closed(user):
    """Nothing happened to ``user``'s account."""
    fresh = type(user)._default_manager.get(pk=user.pk)
    assert fresh.is_active
    assert fresh.check_password(PASSWORD)
    assert (fresh.username, fresh.email) == (user.username, user.email)
    assert not AccountClosure.objects.filter(user=user).exists()
    assert not AuditEvent.objects.filter(action="account.closed").exists()


# Fixtures -----------------------------------------------------------------------


@pytest.fixture
def france(db):
    return CountryFactory(iso_3166_1_a2="FR", printable_name="France", is_shipping_country=True)


@pytest.fixture
def belongings(customer, france, staff):
    """A customer with a recent order and some of everything the data map erases."""
    order = place_order(customer, france)
    product = create_product(price=5, num_in_stock=3)
    privacy = publish(PolicyKind.PRIVACY, "We protect your data.")
    record_consents(
        [
            (ConsentPurpose.PRIVACY_POLICY, ConsentAction.GIVEN, privacy),
            (ConsentPurpose.NEWSLETTER, ConsentAction.GIVEN, None),
        ],
        channel=ConsentChannel.REGISTRATION,
        user=customer,
    )
    audit.record("customer.viewed", actor=staff, subject=customer)
    return types.SimpleNamespace(
        order=order,
        address=UserAddressFactory(user=customer, country=france, line1="12 avenue Foch"),
        basket=open_basket(owner=customer),
        wishlist=WishListFactory(owner=customer),
        alert=ProductAlertFactory(user=customer, product=product),
        # Left before registering, with the same address (in other letters).
        anonymous_alert=ProductAlertFactory(
            user=None, email="CUSTOMER@Example.com", product=product
        ),
        review=ProductReviewFactory(
            user=customer, product=product, title="Lovely", body="Bought it twice."
        ),
        notification=Notification.objects.create(
            recipient=customer, subject="Your order shipped", body="It is on its way."
        ),
        email=Email.objects.create(
            user=customer,
            email=customer.email,
            subject="Order confirmation",
            body_text="Thank you for your order.",
        ),
    )


@pytest.fixture
def other(france):
    """Another customer, and an anonymous alert of another address: none of it may go."""
    person = UserFactory(username="dominique", email="dominique@example.com")
    product = create_product(price=7, num_in_stock=3)
    return types.SimpleNamespace(
        user=person,
        order=place_order(person, france),
        address=UserAddressFactory(user=person, country=france),
        basket=open_basket(owner=person),
        wishlist=WishListFactory(owner=person),
        alert=ProductAlertFactory(user=person, product=product),
        anonymous_alert=ProductAlertFactory(
            user=None, email="someone.else@example.com", product=product
        ),
        review=ProductReviewFactory(user=person, product=product, title="Fine", body="Fine."),
        notification=Notification.objects.create(recipient=person, subject="Hi", body="Hello."),
        email=Email.objects.create(user=person, email=person.email, subject="Hi", body_text="."),
    )


def all_rows(data):
    """The rows of a ``belongings`` or ``other`` namespace that are model instances."""
    return [value for value in vars(data).values() if hasattr(value, "_meta")]


# The page ------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_page_shows_the_hold_date_and_what_is_held(client, customer, belongings):
    client.force_login(customer)
    response = client.get(CLOSE)
    assert response.status_code == 200
    html = response.content.decode()
    placed = belongings.order.date_placed
    hold = between(html, 'id="closure-hold">', "</p>")
    assert f"<strong>{day(placed + HOLD)}</strong>" in hold
    assert f"for 10 years after your last order ({day(placed)})" in " ".join(hold.split())
    held = between(html, 'id="closure-held">', "</ul>")
    for kind in (
        "Orders (1)",
        "Order lines (1)",
        "Shipping addresses (1)",
        "Billing addresses (1)",
    ):
        assert kind in held
    erased = between(html, 'id="closure-erase">', "</ul>")
    assert "Orders" not in erased
    assert 'id="closure-no-orders"' not in html
    assert 'id="closure-hold-over"' not in html
    assert 'name="password"' in html and 'name="understood"' in html


@pytest.mark.django_db
def test_the_page_says_everything_is_erased_now_without_orders(client, customer, france):
    UserAddressFactory(user=customer, country=france)
    client.force_login(customer)
    html = client.get(CLOSE).content.decode()
    assert "nothing has to be kept for accounting: your personal data is erased now" in html
    assert 'id="closure-hold"' not in html
    assert "User addresses (1)" in between(html, 'id="closure-erase">', "</ul>")


@pytest.mark.django_db
def test_the_page_says_orders_past_their_hold_are_anonymised_now(client, customer, france):
    order = place_order(customer, france)
    Order.objects.filter(pk=order.pk).update(date_placed=timezone.now() - relativedelta(years=11))
    client.force_login(customer)
    html = client.get(CLOSE).content.decode()
    assert 'id="closure-hold-over"' in html
    assert "older than the period the law requires" in html
    assert 'id="closure-hold"' not in html
    assert "Orders (1)" in between(html, 'id="closure-erase">', "</ul>")


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_the_login_page(client):
    for response in (client.get(CLOSE), client.post(CLOSE, CONFIRM)):
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('customer:login')}?next={CLOSE}"
    assert not AccountClosure.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("role", [{"is_staff": True}, {"is_superuser": True}])
def test_staff_and_superusers_are_refused_and_their_post_changes_nothing(client, role):
    member = UserFactory(email="member@example.com", **role)
    client.force_login(member)
    response = client.get(CLOSE)
    assert response.status_code == 403
    html = response.content.decode()
    assert STAFF_REFUSAL in between(html, 'id="closure-refused">', "</div>")
    assert 'id="close-account"' not in html  # no form

    response = client.post(CLOSE, CONFIRM)
    assert response.status_code == 403
    assert STAFF_REFUSAL in response.content.decode()
    assert_not_closed(member)
    assert client.session[AUTH_USER_KEY] == str(member.pk)  # still logged in


@pytest.mark.django_db
def test_close_account_refuses_staff_too(staff):
    with pytest.raises(ClosureError, match=STAFF_REFUSAL):
        close_account(staff, channel=AccountClosure.Channel.MY_ACCOUNT)
    assert_not_closed(staff)


# The form ------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_wrong_password_closes_nothing(client, customer):
    client.force_login(customer)
    response = client.post(CLOSE, {"password": "not-my-password", "understood": "on"})
    assert response.status_code == 200
    assert response.context["form"].errors == {"password": ["This is not your password."]}
    assert "This is not your password." in response.content.decode()
    assert_not_closed(customer)


@pytest.mark.django_db
def test_the_understood_box_is_required(client, customer):
    client.force_login(customer)
    response = client.post(CLOSE, {"password": PASSWORD})
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "understood": ["Tick this box to confirm that you want to close it."]
    }
    assert "Tick this box to confirm that you want to close it." in response.content.decode()
    assert_not_closed(customer)


@pytest.mark.django_db
def test_five_wrong_passwords_log_the_session_out(client, customer):
    client.force_login(customer)
    wrong = {"password": "guess", "understood": "on"}
    for _ in range(4):
        assert client.post(CLOSE, wrong).status_code == 200
        assert client.session[AUTH_USER_KEY] == str(customer.pk)
    response = client.post(CLOSE, wrong)
    assert response.status_code == 302
    assert response["Location"] == reverse("customer:login")
    assert AUTH_USER_KEY not in client.session
    assert_not_closed(customer)
    # The right password no longer helps: the session is anonymous.
    assert reverse("customer:login") in client.post(CLOSE, CONFIRM)["Location"]
    assert_not_closed(customer)


@pytest.mark.django_db
def test_the_form_is_csrf_protected(customer):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(customer)
    assert browser.post(CLOSE, CONFIRM).status_code == 403
    assert_not_closed(customer)
    # With the token the page hands out, the same request goes through.
    browser.get(CLOSE)
    token = browser.cookies[django_settings.CSRF_COOKIE_NAME].value
    response = browser.post(CLOSE, {**CONFIRM, "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert AccountClosure.objects.filter(user=customer).exists()


# Closing with a recent order ------------------------------------------------------


@pytest.mark.django_db
def test_closing_keeps_the_orders_and_erases_the_rest(
    client, customer, belongings, other, django_capture_on_commit_callbacks
):
    order_before = order_snapshot(belongings.order)
    consents_before = set(ConsentRecord.objects.filter(user=customer).values_list("pk", flat=True))
    audit_before = set(AuditEvent.objects.filter(subject=customer).values_list("pk", flat=True))
    phone = Client()  # the same person, logged in on another device
    phone.force_login(customer)
    bystander = Client()
    bystander.force_login(other.user)
    client.force_login(customer)
    assert len(sessions_of(customer)) == 2
    others_before = [snapshot(row) for row in all_rows(other)] + [order_snapshot(other.order)]

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(CLOSE, CONFIRM)

    assert response.status_code == 302
    assert response["Location"] == CLOSED

    # The account: emptied, cannot log in.
    user = type(customer).objects.get(pk=customer.pk)
    assert not user.is_active
    assert not user.has_usable_password()
    assert user.username == f"anonymised-{customer.pk}"
    assert (user.email, user.first_name, user.last_name) == ("", "", "")
    assert not user.check_password(PASSWORD)

    # The order under legal hold: untouched, column by column.
    assert order_snapshot(belongings.order) == order_before

    # What the account held besides: gone.
    assert not UserAddress.objects.filter(user=customer).exists()
    assert not Basket.objects.filter(owner=customer).exists()
    assert not WishList.objects.filter(owner=customer).exists()
    assert not ProductAlert.objects.filter(user=customer).exists()
    assert not ProductAlert.objects.filter(pk=belongings.anonymous_alert.pk).exists()
    assert not ProductReview.objects.filter(user=customer).exists()
    assert not Notification.objects.filter(recipient=customer).exists()
    assert not Email.objects.filter(user=customer).exists()
    assert not Email.objects.filter(email__iexact=customer.email).exists()  # nor the confirmation

    # Nobody else's data went with it.
    assert [snapshot(row) for row in all_rows(other)] + [
        order_snapshot(other.order)
    ] == others_before

    # Proof of consent and the audit trail stay; the newsletter is withdrawn.
    assert consents_before < set(
        ConsentRecord.objects.filter(user=customer).values_list("pk", flat=True)
    )
    newsletter = ConsentRecord.objects.filter(
        user=customer, purpose=ConsentPurpose.NEWSLETTER
    ).first()
    assert (newsletter.action, newsletter.channel) == (
        ConsentAction.WITHDRAWN,
        ConsentChannel.MY_ACCOUNT,
    )
    assert newsletter.pk not in consents_before
    assert audit_before < set(
        AuditEvent.objects.filter(subject=customer).values_list("pk", flat=True)
    )

    # The closure and its audit event.
    closure = AccountClosure.objects.get(user=customer)
    placed = belongings.order.date_placed
    assert closure.channel == AccountClosure.Channel.MY_ACCOUNT
    assert (closure.had_orders, closure.last_order_at) == (True, placed)
    assert closure.hold_until == placed + HOLD
    assert closure.erased_at is None
    event = AuditEvent.objects.get(action="account.closed")
    assert (event.subject_id, event.actor_id) == (customer.pk, customer.pk)
    assert (event.target_type, event.target_id) == ("oscar_privacy.accountclosure", str(closure.pk))
    assert event.data == {"channel": "my_account", "had_orders": True, "anonymous_alerts": 1}
    assert event.path == CLOSE

    # Every session of the person ended; the other customer's did not.
    assert sessions_of(customer) == []
    assert not Session.objects.filter(session_key=session_key(phone)).exists()
    assert phone.get(reverse("customer:profile-view")).status_code == 302
    assert AUTH_USER_KEY not in phone.session
    assert Session.objects.filter(session_key=session_key(bystander)).exists()
    assert bystander.get(reverse("customer:profile-view")).status_code == 200

    # The confirmation, to the address the account had.
    (message,) = mail.outbox
    assert message.to == ["customer@example.com"]
    assert message.subject == "Your account at example.com is closed"
    assert f"kept for accounting until {day(placed + HOLD)}" in message.body

    # The page after: the date, once; then it is gone.
    response = client.get(CLOSED)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count(day(placed + HOLD)) == 1
    assert "Your orders and invoices are kept for accounting until" in html
    assert AUTH_USER_KEY not in client.session
    response = client.get(CLOSED)
    assert (response.status_code, response["Location"]) == (302, "/")


@pytest.mark.django_db
def test_the_closed_page_without_a_closure_goes_home(client, customer):
    client.force_login(customer)
    response = client.get(CLOSED)
    assert (response.status_code, response["Location"]) == (302, "/")


@pytest.mark.django_db
def test_the_newsletter_is_not_withdrawn_when_it_was_never_given(customer, france):
    place_order(customer, france)
    close_account(customer, channel=AccountClosure.Channel.MY_ACCOUNT)
    assert not ConsentRecord.objects.exists()


@pytest.mark.django_db
def test_the_checkout_basket_stays_linked_to_its_order(client, customer):
    """Oscar's checkout submits the customer's own basket and links the order to it."""
    publish_policies()
    product = make_product()
    client.force_login(customer)
    response = to_preview(client, product, guest=False)
    client.post(reverse("checkout:preview"), consent_data(response, **ACCEPT_ALL))
    order = Order.objects.get(user=customer)
    assert order.basket.owner == customer
    before = {"order": snapshot(order), "shipping": snapshot(order.shipping_address)}
    lines = [snapshot(line) for line in order.lines.all()]

    close_account(customer, channel=AccountClosure.Channel.MY_ACCOUNT)

    assert {"order": snapshot(order), "shipping": snapshot(order.shipping_address)} == before
    assert [snapshot(line) for line in order.lines.all()] == lines


# Closing without orders, or with old ones ------------------------------------------


@pytest.mark.django_db
def test_without_orders_everything_is_erased_now(
    client, customer, france, django_capture_on_commit_callbacks
):
    UserAddressFactory(user=customer, country=france)
    WishListFactory(owner=customer)
    open_basket(owner=customer)
    ProductAlertFactory(user=customer, product=create_product(num_in_stock=0))
    client.force_login(customer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(CLOSE, CONFIRM)
    assert response["Location"] == CLOSED

    closure = AccountClosure.objects.get(user=customer)
    assert (closure.had_orders, closure.last_order_at, closure.hold_until) == (False, None, None)
    assert closure.erased_at == closure.closed_at
    assert not UserAddress.objects.exists()
    assert not WishList.objects.exists()
    assert not Basket.objects.exists()
    assert not ProductAlert.objects.exists()
    user = type(customer).objects.get(pk=customer.pk)
    assert (user.is_active, user.email, user.has_usable_password()) == (False, "", False)

    (message,) = mail.outbox
    assert "Your personal data has been erased." in message.body
    assert "kept for accounting" not in message.body
    html = client.get(CLOSED).content.decode()
    assert "Your personal data has been erased." in html
    assert "kept for accounting" not in html


@pytest.mark.django_db
def test_orders_past_their_hold_are_anonymised_at_closure(customer, france):
    order = place_order(customer, france)
    Order.objects.filter(pk=order.pk).update(date_placed=timezone.now() - relativedelta(years=11))
    before = snapshot(order)
    lines = [snapshot(line) for line in order.lines.all()]

    closure = close_account(customer, channel=AccountClosure.Channel.MY_ACCOUNT)

    assert closure.had_orders and closure.hold_until is None
    assert closure.erased_at == closure.closed_at
    order.refresh_from_db()
    assert order.user_id is None
    kept = ("number", "date_placed", "total_incl_tax", "total_excl_tax", "currency")
    assert {name: getattr(order, name) for name in kept} == {name: before[name] for name in kept}
    for address in (order.shipping_address, order.billing_address):
        address.refresh_from_db()
        assert (address.first_name, address.last_name, address.line1) == ("", "", "")
        assert (address.postcode, address.country_id) == ("10", "FR")
    assert not order.shipping_address.phone_number
    assert [snapshot(line) for line in order.lines.all()] == lines  # nothing personal in lines


# The service ---------------------------------------------------------------------


@pytest.mark.django_db
def test_closing_twice_is_refused(customer):
    close_account(customer, channel=AccountClosure.Channel.MY_ACCOUNT)
    with pytest.raises(ClosureError, match="already closed"):
        close_account(customer, channel=AccountClosure.Channel.STAFF, reason="Again")
    assert AccountClosure.objects.get().channel == AccountClosure.Channel.MY_ACCOUNT
    assert AuditEvent.objects.filter(action="account.closed").count() == 1


@pytest.mark.django_db
def test_staff_closing_an_account_is_audited_with_the_actor_and_reason(
    customer, staff, france, django_capture_on_commit_callbacks
):
    order = place_order(customer, france)
    record_consents(
        [(ConsentPurpose.NEWSLETTER, ConsentAction.GIVEN, None)],
        channel=ConsentChannel.CHECKOUT,
        user=customer,
    )
    reason = "Asked by phone on 3 May; identity checked."
    with django_capture_on_commit_callbacks(execute=True):
        closure = close_account(
            customer, channel=AccountClosure.Channel.STAFF, actor=staff, reason=reason
        )

    closure.refresh_from_db()
    assert (closure.channel, closure.reason) == (AccountClosure.Channel.STAFF, reason)
    assert closure.hold_until == order.date_placed + HOLD
    event = AuditEvent.objects.get(action="account.closed")
    assert (event.actor_id, event.actor_label, event.subject_id) == (staff.pk, "staff", customer.pk)
    assert event.reason == reason
    assert event.data["channel"] == "staff"
    newsletter = ConsentRecord.objects.filter(purpose=ConsentPurpose.NEWSLETTER).first()
    assert (newsletter.action, newsletter.channel) == (
        ConsentAction.WITHDRAWN,
        ConsentChannel.STAFF,
    )
    assert [m.to for m in mail.outbox] == [["customer@example.com"]]
    staff.refresh_from_db()
    assert staff.is_active and staff.check_password(PASSWORD)


# Oscar's "delete profile" ----------------------------------------------------------


@pytest.mark.django_db
def test_oscars_profile_delete_leads_to_the_closure_page(client, customer, belongings):
    url = reverse("customer:profile-delete")
    client.force_login(customer)
    for response in (client.get(url), client.post(url, {"password": PASSWORD})):
        assert response.status_code == 302
        assert response["Location"] == CLOSE
    assert_not_closed(customer)
    assert Order.objects.filter(user=customer).exists()
    assert UserAddress.objects.filter(user=customer).exists()
    assert client.session[AUTH_USER_KEY] == str(customer.pk)


def test_w004_is_silent_with_the_sandbox_wiring():
    assert check_profile_deletion() == []


def test_w004_warns_when_oscars_profile_delete_view_is_wired(settings):
    urls = types.ModuleType("urls_with_oscars_profile_delete")
    urls.urlpatterns = site_patterns(customer={"profile_delete_view": ProfileDeleteView})
    settings.ROOT_URLCONF = urls
    (warning,) = check_profile_deletion()
    assert warning.id == "oscar_privacy.W004"
    assert "Oscar's ProfileDeleteView" in warning.msg
    assert "ProfileDeleteRedirectView" in warning.hint


# Orders of closed accounts ---------------------------------------------------------


@pytest.mark.django_db
def test_no_order_can_be_placed_for_a_closed_account(customer, france):
    close_account(customer, channel=AccountClosure.Channel.MY_ACCOUNT)
    basket = open_basket()
    with pytest.raises(UnableToPlaceOrder, match="This account has been closed"):
        create_order(user=customer, basket=basket)
    with pytest.raises(UnableToPlaceOrder):
        save_order(customer, "100042")
    assert not Order.objects.exists()
    assert not Line.objects.exists()
    # Guests and other customers still order.
    create_order(basket=open_basket())
    create_order(user=UserFactory(), basket=open_basket())
    assert Order.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_an_order_saved_outside_a_transaction_is_checked_too(customer):
    """Oscar's OrderCreator runs in a transaction; an import script may not."""
    save_order(customer, "100041")
    close_account(customer, channel=AccountClosure.Channel.MY_ACCOUNT)
    with pytest.raises(UnableToPlaceOrder):
        save_order(customer, "100042")
    assert list(Order.objects.values_list("number", flat=True)) == ["100041"]


# Concurrency (PostgreSQL) ----------------------------------------------------------

TIMEOUT = 15  # seconds: the longest a broken lock may keep a thread waiting
STILL_WAITING = 1  # seconds a blocked thread is given to (wrongly) get through

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason=(
        "Needs PostgreSQL: SQLite has no row locks (SELECT ... FOR UPDATE is a no-op) and "
        "lets one writer at a time, so the race between a closure and an order cannot happen."
    ),
)


def in_thread(results, name, function):
    """Run ``function`` in a thread with its own connection; its result or error in ``results``."""

    def run():
        try:
            with connection.cursor() as cursor:
                cursor.execute("SET lock_timeout = %s", [f"{TIMEOUT}s"])
            results[name] = function()
        except BaseException as exc:  # reported to the test
            results[f"{name}_error"] = exc
        finally:
            connections.close_all()

    thread = threading.Thread(target=run, name=name, daemon=True)
    thread.start()
    return thread


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_closure_waits_for_an_order_being_placed_and_keeps_it(customer, france):
    basket = open_basket()
    order_saved, commit = threading.Event(), threading.Event()
    results = {}

    def place():
        with transaction.atomic():
            order = place_order(customer, france, basket=basket)  # pre_save took the lock
            before = order_snapshot(order)
            order_saved.set()
            assert commit.wait(TIMEOUT)
        return order, before

    placing = in_thread(results, "order", place)
    closing = None
    try:
        assert order_saved.wait(TIMEOUT), results
        closing = in_thread(
            results,
            "closure",
            lambda: close_account(customer, channel=AccountClosure.Channel.MY_ACCOUNT),
        )
        closing.join(STILL_WAITING)
        assert closing.is_alive(), f"the closure did not wait for the order: {results}"
    finally:
        commit.set()
        placing.join(TIMEOUT)
        if closing is not None:
            closing.join(TIMEOUT)
    assert not placing.is_alive() and not closing.is_alive()

    assert "order_error" not in results and "closure_error" not in results, results
    order, before = results["order"]
    closure = results["closure"]
    assert (closure.had_orders, closure.last_order_at) == (True, order.date_placed)
    assert closure.hold_until == order.date_placed + HOLD
    assert closure.erased_at is None
    assert order_snapshot(order) == before
    assert not type(customer).objects.get(pk=customer.pk).is_active


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_an_order_placed_during_a_closure_waits_and_is_refused(customer, france):
    basket = open_basket()
    closing_started, finish = threading.Event(), threading.Event()
    results = {}

    def pause(sender, closure, user, **kwargs):
        if user.pk == customer.pk:  # inside close_account's transaction, lock held
            closing_started.set()
            assert finish.wait(TIMEOUT)

    account_closed.connect(pause, dispatch_uid="test_closure.pause")
    closing = in_thread(
        results,
        "closure",
        lambda: close_account(customer, channel=AccountClosure.Channel.MY_ACCOUNT),
    )
    placing = None
    try:
        assert closing_started.wait(TIMEOUT), results
        placing = in_thread(results, "order", lambda: create_order(user=customer, basket=basket))
        placing.join(STILL_WAITING)
        assert placing.is_alive(), f"the order did not wait for the closure: {results}"
    finally:
        finish.set()
        closing.join(TIMEOUT)
        if placing is not None:
            placing.join(TIMEOUT)
        account_closed.disconnect(dispatch_uid="test_closure.pause")
    assert not closing.is_alive() and not placing.is_alive()

    assert "closure_error" not in results, results
    assert "order" not in results, "an order was placed for a closed account"
    assert isinstance(results["order_error"], UnableToPlaceOrder), results
    assert not Order.objects.exists()
    assert not Line.objects.exists()
    closure = AccountClosure.objects.get(user=customer)
    assert (closure.had_orders, closure.hold_until) == (False, None)
