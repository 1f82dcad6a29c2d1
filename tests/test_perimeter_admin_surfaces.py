"""Every staff page that can delete or change an account, walked.

The pages are found, not listed by hand: the user model's admin on every admin
site mounted in the URLconf (Django's default site and a second one,
``tests/urls_admin_sites.py``, as a shop may add), every view of the staff
areas (Oscar's dashboard, Wagtail's admin) whose form edits the user model or
which deletes one, and Wagtail's bulk actions for users from its registry. A
new page of one of these kinds is walked without changing this module.

- **Deleting** (the invoices are kept): through each page, and through code
  (``user.delete()``, a queryset), a customer, with or without orders, a
  staff member who bought from the shop and a closed account are refused with
  a message naming the closure, their orders keep their data, and the refusal
  is audited; a colleague's staff account is deleted and that is audited.
- **Passwords** (nobody chooses another's): no form of these pages has a
  password field, even with ``WAGTAILUSERS_PASSWORD_ENABLED``; a password
  posted anyway changes nothing; new accounts get an invitation; the
  set-password page of every admin site refuses other people's accounts.
- **Email addresses and access**: changing an address needs a reason, is
  audited and the old address is told; access changes are audited.
- The system checks E025, E026, W030, E027 and W031, and Wagtail's
  forgotten-password page through the reset service.
"""

import gc
import re
import types

import pytest
from django import forms
from django.contrib.admin import AdminSite
from django.contrib.admin.sites import all_sites
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import Group
from django.core import mail
from django.core.cache import cache
from django.db import models, transaction
from django.db.models import ProtectedError
from django.test import Client
from django.urls import URLResolver, get_resolver, reverse
from django.views.generic.edit import BaseCreateView, DeletionMixin
from oscar.core.loading import get_class, get_model
from oscar.test.factories import UserFactory, create_order, create_product
from wagtail.admin.views.bulk_action.registry import bulk_action_registry

from oscar_privacy.account_deletion import REFUSALS, allow_account_deletion, deletion_refusal
from oscar_privacy.admin_checks import (
    check_partner_user_forms,
    check_user_admins,
    check_wagtail_password_reset,
    check_wagtail_user_admin,
)
from oscar_privacy.closure import close_account
from oscar_privacy.exceptions import AccountDeletionRefused
from oscar_privacy.models import AccountClosure, AuditEvent

from .staff import login_verified
from .wiring import site_patterns

URLCONF = "tests.urls_admin_sites"
pytestmark = [pytest.mark.django_db, pytest.mark.urls(URLCONF)]

User = get_user_model()
Basket = get_model("basket", "Basket")
Order = get_model("order", "Order")
Partner = get_model("partner", "Partner")
Default = get_class("partner.strategy", "Default")

PASSWORD = "skelebrain"  # Oscar's UserFactory password
NEW_PASSWORD = "Chosen by someone else 42!"
PASSWORD_FIELDS = {"password", "password1", "password2", "usable_password"}
REASON = "She called from the number on her last order and confirmed the order number."


# Walking the URLconf ------------------------------------------------------------------


def walk(patterns, namespaces=()):
    """``(namespaces, pattern)`` for every URL pattern, included ones too."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = (*namespaces, pattern.namespace) if pattern.namespace else namespaces
            yield from walk(pattern.url_patterns, inner)
        else:
            yield namespaces, pattern


def in_staff_area(namespaces, pattern):
    """Oscar's dashboard (and oscar-privacy's) or Wagtail's admin."""
    names = (*namespaces, pattern.name or "")
    return any(
        name == "dashboard" or name.startswith(("oscar_privacy_dashboard", "wagtail"))
        for name in names
    )


def parameters(pattern):
    """The names of the URL's arguments."""
    converters = getattr(pattern.pattern, "converters", None)
    if converters is not None:
        return tuple(converters)
    return tuple(pattern.pattern.regex.groupindex)


def user_model_admins():
    """The user model's admin of every admin site mounted in the URLconf, by site name."""
    found = {}
    for _namespaces, pattern in walk(get_resolver(URLCONF).url_patterns):
        model_admin = getattr(pattern.callback, "model_admin", None)
        if model_admin is not None and model_admin.model is User:
            found[model_admin.admin_site.name] = model_admin
    return dict(sorted(found.items()))


def staff_views():
    """``(url name, view class, init kwargs, URL arguments)`` of the staff areas' class views."""
    for namespaces, pattern in walk(get_resolver(URLCONF).url_patterns):
        view_class = getattr(pattern.callback, "view_class", None)
        if view_class is None or not pattern.name or not in_staff_area(namespaces, pattern):
            continue
        initkwargs = getattr(pattern.callback, "view_initkwargs", {})
        yield ":".join((*namespaces, pattern.name)), view_class, initkwargs, parameters(pattern)


def user_form_views():
    """``{url name: (URL arguments, form class, creates)}`` of staff-area forms of accounts.

    ``creates``: the view creates an account (a create or copy view), rather than edit one.
    """
    found = {}
    for name, view_class, initkwargs, arguments in staff_views():
        form_class = initkwargs.get("form_class") or getattr(view_class, "form_class", None)
        if getattr(getattr(form_class, "_meta", None), "model", None) is User:
            found[name] = (arguments, form_class, issubclass(view_class, BaseCreateView))
    return dict(sorted(found.items()))


def user_deletion_views():
    """Staff-area views that delete an account."""
    return sorted(
        name
        for name, view_class, initkwargs, _arguments in staff_views()
        if issubclass(view_class, DeletionMixin)
        and (initkwargs.get("model") or getattr(view_class, "model", None)) is User
    )


def user_bulk_actions():
    """Wagtail's bulk actions for accounts, by type, from its registry."""
    actions = bulk_action_registry.get_bulk_actions_for_model(
        User._meta.app_label, User._meta.model_name
    )
    return {action.action_type: action for action in actions}


USER_ADMINS = user_model_admins()
USER_FORM_VIEWS = user_form_views()
DELETION_VIEWS = user_deletion_views()
BULK_ACTIONS = user_bulk_actions()


def test_the_walk_finds_every_kind_of_surface():
    assert list(USER_ADMINS) == ["admin", "staff_admin"]
    assert {
        "wagtailusers_users:add",
        "wagtailusers_users:copy",  # Wagtail's "Copy": a new account from another's
        "wagtailusers_users:edit",
        "dashboard:partner-user-create",
        "dashboard:partner-user-update",
    } <= set(USER_FORM_VIEWS)
    assert DELETION_VIEWS == ["wagtailusers_users:delete"]
    # Oscar's dashboard deletes no account (its users pages delete product alerts only).
    assert not [name for name in DELETION_VIEWS if name.startswith("dashboard:")]
    assert {"delete", "assign_role", "set_active_state"} <= set(BULK_ACTIONS)


def test_nothing_cascades_to_accounts():
    # The sandbox's user model depends on no other row; a shop's user model that
    # does is guarded all the same: Django sends pre_delete for cascaded rows.
    cascading = [
        field.name
        for field in User._meta.concrete_fields
        if field.is_relation and field.remote_field.on_delete is models.CASCADE
    ]
    assert cascading == []


# People ---------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def root(db):
    return UserFactory(username="root", email="root@example.com", is_staff=True, is_superuser=True)


@pytest.fixture
def root_client(root):
    return login_verified(Client(), root)


def with_order(user):
    """``user`` with an order placed from a basket of theirs, as Oscar's checkout leaves it."""
    basket = Basket.objects.create(owner=user)
    basket.strategy = Default()
    basket.add_product(create_product(price=10, num_in_stock=10))
    create_order(user=user, basket=basket)
    return user


def kept(user):
    """What a hard delete would lose: the orders' rows and their link, and the baskets."""
    return {
        "orders": list(Order.objects.filter(user=user).order_by("pk").values()),
        "emails": [order.email for order in Order.objects.filter(user=user)],
        "baskets": list(Basket.objects.filter(owner=user).values_list("pk", flat=True)),
    }


def customer_with_orders():
    return with_order(UserFactory(username="camille", email="camille@example.com"))


def customer_without_orders():
    return UserFactory(username="dominique", email="dominique@example.com")


def staff_who_bought():
    return with_order(UserFactory(username="sam", email="sam@example.com", is_staff=True))


def closed_customer():
    user = UserFactory(username="claude", email="claude@example.com")
    close_account(user, channel=AccountClosure.Channel.STAFF, reason="Asked by letter.")
    return user


def colleague():
    return UserFactory(username="alex", email="alex@example.com", is_staff=True)


REFUSED = {
    "customer_with_orders": (customer_with_orders, "customer"),
    "customer_without_orders": (customer_without_orders, "customer"),
    "staff_who_bought": (staff_who_bought, "kept_records"),
    "closed_account": (closed_customer, "closed"),
}


# Deleting: every path --------------------------------------------------------------------


def messages_of(response):
    return [str(message) for message in response.context["messages"]] if response.context else []


def django_admin_delete(site):
    def delete(client, user):
        url = reverse(
            f"{site}:{User._meta.app_label}_{User._meta.model_name}_delete", args=[user.pk]
        )
        assert client.get(url).status_code in (200, 302)
        return client.post(url, {"post": "yes"}, follow=True)

    return delete


def django_admin_delete_selected(site):
    def delete(client, user):
        url = reverse(f"{site}:{User._meta.app_label}_{User._meta.model_name}_changelist")
        data = {"action": "delete_selected", "_selected_action": [user.pk]}
        client.post(url, data)  # the confirmation page (or the refusal)
        return client.post(url, {**data, "post": "yes"}, follow=True)

    return delete


def deletion_view(name):
    def delete(client, user):
        url = reverse(name, args=[user.pk])
        client.get(url)
        return client.post(url, follow=True)

    return delete


def bulk_delete(action_type):
    def delete(client, user):
        url = (
            reverse(
                "wagtail_bulk_action",
                args=[User._meta.app_label, User._meta.model_name, action_type],
            )
            + f"?id={user.pk}&next={reverse('wagtailusers_users:index')}"
        )
        client.get(url)
        return client.post(url, follow=True)

    return delete


def code_delete(client, user):
    with transaction.atomic():
        user.delete()


def code_queryset_delete(client, user):
    with transaction.atomic():
        User.objects.filter(pk=user.pk).delete()


DELETION_PATHS = {
    **{f"{site}:delete": django_admin_delete(site) for site in USER_ADMINS},
    **{f"{site}:delete_selected": django_admin_delete_selected(site) for site in USER_ADMINS},
    **{name: deletion_view(name) for name in DELETION_VIEWS},
    **{
        f"wagtail_bulk:{action_type}": bulk_delete(action_type)
        for action_type in BULK_ACTIONS
        if action_type == "delete"
    },
}
CODE_PATHS = {"code:user.delete": code_delete, "code:queryset.delete": code_queryset_delete}


@pytest.mark.parametrize("case", REFUSED)
@pytest.mark.parametrize("path", DELETION_PATHS)
def test_each_page_refuses_to_delete_what_must_be_closed_or_kept(root_client, root, path, case):
    make, code = REFUSED[case]
    user = make()
    before = kept(user)
    response = DELETION_PATHS[path](root_client, user)

    assert response.status_code == 200
    assert any(str(REFUSALS[code]) in message for message in messages_of(response))
    assert User.objects.filter(pk=user.pk).exists()
    assert kept(user) == before
    refusals = AuditEvent.objects.filter(action="account.deletion_refused", subject=user)
    assert refusals and {(event.actor, event.data["refusal"]) for event in refusals} == {
        (root, code)
    }
    assert not AuditEvent.objects.filter(action="account.deleted").exists()


@pytest.mark.parametrize("case", REFUSED)
@pytest.mark.parametrize("path", CODE_PATHS)
def test_code_cannot_delete_what_must_be_closed_or_kept(path, case):
    make, code = REFUSED[case]
    user = make()
    before = kept(user)
    # A closed account is protected by its AccountClosure row (on_delete=PROTECT),
    # which Django checks before sending pre_delete.
    refused, message = (
        (ProtectedError, "AccountClosure.user")
        if code == "closed"
        else (AccountDeletionRefused, str(REFUSALS[code])[:40])
    )
    with pytest.raises(refused, match=re.escape(message)):
        CODE_PATHS[path](None, user)
    assert User.objects.filter(pk=user.pk).exists()
    assert kept(user) == before


@pytest.mark.parametrize("path", DELETION_PATHS)
def test_each_page_deletes_a_colleagues_staff_account_and_audits_it(root_client, root, path):
    user = colleague()
    response = DELETION_PATHS[path](root_client, user)

    assert response.status_code == 200
    assert not User.objects.filter(pk=user.pk).exists()
    event = AuditEvent.objects.get(action="account.deleted")
    assert (event.actor, event.target_id, event.subject) == (root, str(user.pk), None)
    assert event.data["account"] == "alex" and event.data["staff"] is True
    assert event.data["surface"] != "code"


@pytest.mark.parametrize("path", CODE_PATHS)
def test_code_deletes_a_staff_account_and_it_is_audited(path):
    user = colleague()
    CODE_PATHS[path](None, user)
    assert not User.objects.filter(pk=user.pk).exists()
    event = AuditEvent.objects.get(action="account.deleted")
    assert (event.actor_label, event.data["surface"]) == ("system", "code")


def test_the_closure_still_works_and_allow_account_deletion_lets_code_delete_customers():
    customer = customer_without_orders()
    assert deletion_refusal(customer).code == "customer"
    with allow_account_deletion():
        assert deletion_refusal(customer) is None
        code_delete(None, customer)
    assert not User.objects.filter(pk=customer.pk).exists()
    # Even then, nothing linked to orders goes, and closed accounts stay.
    buyer = customer_with_orders()
    closed = closed_customer()
    assert AccountClosure.objects.get(user=closed).erased_at is not None
    with allow_account_deletion():
        assert deletion_refusal(buyer).code == "kept_records"
        assert deletion_refusal(closed).code == "closed"


def test_the_customer_page_has_no_delete_link_and_the_staff_page_has(root_client):
    customer = customer_with_orders()
    staff = colleague()
    for site in USER_ADMINS:
        change = f"{site}:{User._meta.app_label}_{User._meta.model_name}_change"
        delete = f"{site}:{User._meta.app_label}_{User._meta.model_name}_delete"
        page = root_client.get(reverse(change, args=[customer.pk])).content.decode()
        assert reverse(delete, args=[customer.pk]) not in page
        page = root_client.get(reverse(change, args=[staff.pk])).content.decode()
        assert reverse(delete, args=[staff.pk]) in page


def test_nothing_is_deleted_when_one_selected_account_is_refused(root_client):
    customer, staff = customer_with_orders(), colleague()
    for site in USER_ADMINS:
        url = reverse(f"{site}:{User._meta.app_label}_{User._meta.model_name}_changelist")
        data = {"action": "delete_selected", "_selected_action": [customer.pk, staff.pk]}
        response = root_client.post(url, {**data, "post": "yes"}, follow=True)
        assert "Nothing was deleted. 1 selected account cannot be" in messages_of(response)[0]
    url = reverse("wagtail_bulk_action", args=["auth", "user", "delete"])
    response = root_client.post(f"{url}?id={customer.pk}&id={staff.pk}", follow=True)
    assert "Nothing was deleted. 1 selected account cannot be" in messages_of(response)[0]
    assert User.objects.filter(pk__in=[customer.pk, staff.pk]).count() == 2


@pytest.mark.django_db(transaction=True)
def test_oscars_own_profile_deletion_is_a_403_not_a_500(client, settings):
    """A shop still wired to Oscar's "delete profile" (check W004) loses nothing either.

    Outside a test's transaction, as in production: the refusal ends the deletion's.
    """
    urls = types.ModuleType("urls_with_oscars_profile_delete")
    urls.urlpatterns = site_patterns(
        customer={"profile_delete_view": get_class("customer.views", "ProfileDeleteView")}
    )
    settings.ROOT_URLCONF = urls
    customer = customer_with_orders()
    before = kept(customer)
    client.force_login(customer)
    response = client.post(reverse("customer:profile-delete"), {"password": PASSWORD})
    assert response.status_code == 403
    assert kept(customer) == before


# Passwords: nobody chooses another person's --------------------------------------------


def form_data(form, **changes):
    """What a browser posts back for ``form`` as shown, with ``changes`` (``None`` removes)."""
    data = {}
    for name, field in form.fields.items():
        if field.disabled:
            continue
        value = form[name].value()
        if isinstance(field.widget, forms.MultiWidget):
            for index, part in enumerate(field.widget.decompress(value)):
                data[f"{name}_{index}"] = "" if part is None else str(part)
        elif isinstance(field, forms.BooleanField):
            if value:
                data[name] = "on"
        elif isinstance(field, forms.ModelMultipleChoiceField):
            data[name] = [str(item) for item in value or []]
        elif value is not None:
            data[name] = value
    for name, value in changes.items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value
    return data


def form_of(response):
    context = response.context
    return context["adminform"].form if "adminform" in context else context["form"]


@pytest.fixture
def partner(db):
    return Partner.objects.create(name="Warehouse")


def form_view_url(name, arguments, user, partner=None):
    values = {"pk": user.pk, "object_id": user.pk, "user_pk": user.pk}
    if partner is not None:
        values["partner_pk"] = partner.pk
    return reverse(name, kwargs={argument: values[argument] for argument in arguments})


@pytest.mark.parametrize("name", USER_FORM_VIEWS)
def test_no_staff_form_over_accounts_sets_a_password(
    root_client, partner, name, settings, django_capture_on_commit_callbacks
):
    settings.WAGTAILUSERS_PASSWORD_ENABLED = True  # the guard does not rely on it
    arguments, _form_class, creates = USER_FORM_VIEWS[name]
    target = UserFactory(
        username="target", email="target@example.com", first_name="T", last_name="G"
    )
    partner.users.add(target)
    url = form_view_url(name, arguments, target, partner)
    form = form_of(root_client.get(url))
    assert PASSWORD_FIELDS.isdisjoint(form.fields)

    passwords = {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"}
    if not creates:
        with django_capture_on_commit_callbacks(execute=True):
            response = root_client.post(url, form_data(form, **passwords))
        assert response.status_code == 302, form_of(response).errors
        target.refresh_from_db()
        assert target.check_password(PASSWORD)
    else:
        new = {
            "username": "newcomer",
            "email": "newcomer@example.com",
            "first_name": "N",
            "last_name": "C",
        }
        fields = {key: value for key, value in new.items() if key in form.fields}
        with django_capture_on_commit_callbacks(execute=True):
            response = root_client.post(url, form_data(form, **fields, **passwords))
        assert response.status_code == 302, form_of(response).errors
        assert_invited(User.objects.get(email="newcomer@example.com"))


def assert_invited(user):
    """``user`` has no password, was emailed a link to choose one, and that was audited."""
    assert not user.has_usable_password()
    (invitation,) = [message for message in mail.outbox if message.to == [user.email]]
    assert "choose your password" in invitation.subject
    assert "/password-reset/confirm/" in invitation.body
    assert AuditEvent.objects.filter(action="account.invited", subject=user).exists()


@pytest.mark.parametrize("site", USER_ADMINS)
def test_each_admin_site_invites_new_accounts(
    root_client, site, django_capture_on_commit_callbacks
):
    url = reverse(f"{site}:{User._meta.app_label}_{User._meta.model_name}_add")
    form = form_of(root_client.get(url))
    assert PASSWORD_FIELDS.isdisjoint(form.fields)
    data = {
        "username": "newcomer",
        "email": "newcomer@example.com",
        "first_name": "N",
        "last_name": "C",
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
        "usable_password": "true",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = root_client.post(url, data)
    assert response.status_code == 302
    assert_invited(User.objects.get(username="newcomer"))
    # The same address twice is refused: Oscar logs people in by email address.
    response = root_client.post(url, {**data, "username": "again"})
    assert "Another account already has this email address." in str(form_of(response).errors)


@pytest.mark.parametrize("site", USER_ADMINS)
@pytest.mark.parametrize("whose", ["customer", "colleague", "superuser"])
def test_no_admin_site_sets_another_persons_password(root_client, site, whose):
    target = {
        "customer": customer_with_orders,
        "colleague": colleague,
        "superuser": lambda: UserFactory(username="other-root", is_staff=True, is_superuser=True),
    }[whose]()
    change = reverse(
        f"{site}:{User._meta.app_label}_{User._meta.model_name}_change", args=[target.pk]
    )
    page = root_client.get(change)
    assert "password" not in form_of(page).fields or form_of(page).fields["password"].disabled
    content = page.content.decode()
    assert "password/" not in content and target.password not in content
    url = reverse(f"{site}:auth_user_password_change", args=[target.pk])
    assert root_client.get(url).status_code == 403
    data = {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"}
    assert root_client.post(url, data).status_code == 403
    target.refresh_from_db()
    assert target.check_password(PASSWORD)


@pytest.mark.parametrize("site", USER_ADMINS)
def test_ones_own_password_is_changed_on_the_own_password_page(root_client, root, site):
    response = root_client.get(reverse(f"{site}:auth_user_password_change", args=[root.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse(f"{site}:password_change")
    assert "old_password" in root_client.get(response["Location"]).context["form"].fields


def test_ticking_staff_status_opens_no_password_form(root_client, root):
    """The issue's path: tick "staff status", set the password, untick, log in as the customer."""
    customer = customer_with_orders()
    change = reverse("admin:auth_user_change", args=[customer.pk])
    form = form_of(root_client.get(change))
    assert root_client.post(change, form_data(form, is_staff="on")).status_code == 302
    customer.refresh_from_db()
    assert customer.is_staff
    url = reverse("admin:auth_user_password_change", args=[customer.pk])
    data = {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"}
    assert root_client.post(url, data).status_code == 403
    assert root_client.post(change, form_data(form, is_staff=None)).status_code == 302
    customer.refresh_from_db()
    assert customer.check_password(PASSWORD) and not customer.is_staff
    changes = [
        event.data["changes"]
        for event in AuditEvent.objects.filter(action="account.access_changed", subject=customer)
    ]
    assert {"is_staff": [True, False]} in changes and {"is_staff": [False, True]} in changes


def test_the_invitation_link_lets_the_newcomer_choose_their_password(
    root_client, django_capture_on_commit_callbacks
):
    url = reverse("admin:auth_user_add")
    with django_capture_on_commit_callbacks(execute=True):
        root_client.post(url, {"username": "newcomer", "email": "newcomer@example.com"})
    link = re.search(r"https?://[^/]+(/\S+/password-reset/confirm/\S+)", mail.outbox[0].body)[1]
    newcomer = Client()
    form_page = newcomer.get(link, follow=True)
    assert form_page.status_code == 200 and form_page.context["validlink"]
    chosen = "My own choice, 2025!"
    response = newcomer.post(
        form_page.redirect_chain[-1][0], {"new_password1": chosen, "new_password2": chosen}
    )
    assert response.status_code == 302
    assert User.objects.get(username="newcomer").check_password(chosen)


# Email addresses and access -------------------------------------------------------------


EMAIL_SURFACES = {
    **{
        f"{site}:change": (
            f"{site}:{User._meta.app_label}_{User._meta.model_name}_change",
            ("object_id",),
        )
        for site in USER_ADMINS
    },
    # Oscar's partner user page changes no email address: its form has none.
    **{
        name: (name, arguments)
        for name, (arguments, form_class, creates) in USER_FORM_VIEWS.items()
        if not creates and "email" in form_class.base_fields
    },
}


@pytest.mark.parametrize("surface", EMAIL_SURFACES)
def test_changing_an_email_address_needs_a_reason_is_audited_and_tells_the_old_address(
    root_client, root, surface, django_capture_on_commit_callbacks
):
    customer = customer_with_orders()
    name, arguments = EMAIL_SURFACES[surface]
    url = form_view_url(name, arguments, customer)
    form = form_of(root_client.get(url))

    response = root_client.post(url, form_data(form, email="someone.else@example.net"))
    assert response.status_code == 200
    assert "email_change_reason" in form_of(response).errors
    customer.refresh_from_db()
    assert customer.email == "camille@example.com"

    with django_capture_on_commit_callbacks(execute=True):
        response = root_client.post(
            url, form_data(form, email="someone.else@example.net", email_change_reason=REASON)
        )
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.email == "someone.else@example.net"
    event = AuditEvent.objects.get(action="account.email_changed", subject=customer)
    assert (event.actor, event.reason) == (root, REASON)
    assert (event.data["old"], event.data["new"]) == ("camille@example.com", customer.email)
    (warning,) = mail.outbox
    assert warning.to == ["camille@example.com"]
    assert "s*****@e*****.net" in warning.body and "someone.else" not in warning.body
    assert "password-reset" not in warning.body  # the old mailbox gets no key to the account


def test_the_reason_field_is_on_each_page(root_client):
    customer = customer_without_orders()
    assert len(EMAIL_SURFACES) == len(USER_ADMINS) + 1  # and Wagtail's
    for name, arguments in EMAIL_SURFACES.values():
        url = form_view_url(name, arguments, customer)
        assert 'name="email_change_reason"' in root_client.get(url).content.decode(), name


def test_wagtail_access_changes_are_audited(root_client, root):
    customer = customer_without_orders()
    url = reverse("wagtailusers_users:edit", args=[customer.pk])
    form = form_of(root_client.get(url))
    assert root_client.post(url, form_data(form, is_superuser="on")).status_code == 302
    editors = Group.objects.get(name="Editors")
    bulk = reverse("wagtail_bulk_action", args=["auth", "user", "assign_role"])
    root_client.post(f"{bulk}?id={customer.pk}", {"role": editors.pk})
    bulk = reverse("wagtail_bulk_action", args=["auth", "user", "set_active_state"])
    root_client.post(f"{bulk}?id={customer.pk}", {"mark_as_active": "False"})
    changes = [
        (event.data["surface"], event.data["changes"])
        for event in AuditEvent.objects.filter(action="account.access_changed").order_by("pk")
    ]
    assert changes == [
        ("wagtail", {"is_superuser": [False, True]}),
        ("wagtail_bulk", {"groups": [[], ["Editors"]]}),
        ("wagtail_bulk", {"is_active": [True, False]}),
    ]


def test_linking_an_account_to_a_partner_is_audited(root_client, partner):
    customer = customer_without_orders()
    link = reverse("dashboard:partner-user-link", args=[partner.pk, customer.pk])
    root_client.post(link)
    unlink = reverse("dashboard:partner-user-unlink", args=[partner.pk, customer.pk])
    root_client.post(unlink)
    changes = [
        event.data["changes"]
        for event in AuditEvent.objects.filter(action="account.access_changed").order_by("pk")
    ]
    assert changes[0]["partners"] == [[], ["Warehouse"]]
    assert changes[0]["user_permissions"] == [[], ["partner.dashboard_access"]]
    assert changes[1]["partners"] == [["Warehouse"], []]


def test_oscars_customer_list_status_changes_are_audited(root_client):
    customer = customer_without_orders()
    url = reverse("dashboard:users-index")
    root_client.post(url, {"action": "make_inactive", "selected_user": [customer.pk]})
    customer.refresh_from_db()
    assert not customer.is_active
    event = AuditEvent.objects.get(action="account.access_changed", subject=customer)
    assert event.data == {
        "changes": {"is_active": [True, False]},
        "surface": "oscar_dashboard_users",
    }


# Wagtail's forgotten-password page ------------------------------------------------------


def test_wagtails_reset_page_goes_through_the_reset_service(
    client, django_capture_on_commit_callbacks
):
    customer = customer_with_orders()
    url = reverse("wagtailadmin_password_reset")
    with django_capture_on_commit_callbacks(execute=True):
        answers = {client.post(url, {"email": customer.email})["Location"] for _ in range(20)}
    assert answers == {reverse("wagtailadmin_password_reset_done")}
    # The per-identifier rate (3 an hour), and each link audited; the link is the shop's.
    assert len(mail.outbox) == 3
    assert all("/shop/password-reset/confirm/" in message.body for message in mail.outbox)
    events = AuditEvent.objects.filter(action="password.reset_link_sent", subject=customer)
    assert [event.data["channel"] for event in events] == ["forgotten_password"] * 3
    # The same answer for an address no account has.
    cache.clear()
    response = client.post(url, {"email": "nobody@example.com"})
    assert response["Location"] == reverse("wagtailadmin_password_reset_done")
    assert len(mail.outbox) == 3


# System checks -------------------------------------------------------------------------


def test_the_checks_are_silent_with_the_sandbox_wiring():
    assert check_user_admins() == []
    assert check_wagtail_user_admin() == []
    assert check_partner_user_forms() == []
    assert check_wagtail_password_reset() == []


def test_e025_an_admin_site_with_an_unguarded_user_admin():
    site = AdminSite(name="forgotten_admin")
    site.register(User, UserAdmin)
    try:
        (error,) = check_user_admins()
        assert error.id == "oscar_privacy.E025"
        assert "'forgotten_admin'" in error.msg
    finally:
        del site
        gc.collect()
    assert not [s for s in all_sites if s.name == "forgotten_admin"]
    assert check_user_admins() == []


def test_e026_and_w030_an_unguarded_wagtail_user_admin(settings, monkeypatch):
    from django.apps import apps

    config = apps.get_app_config("wagtailusers")
    monkeypatch.setattr(config, "user_viewset", "wagtail.users.views.users.UserViewSet")
    settings.WAGTAILUSERS_PASSWORD_ENABLED = True
    (error,) = check_wagtail_user_admin()
    assert error.id == "oscar_privacy.E026"
    settings.WAGTAILUSERS_PASSWORD_ENABLED = False
    (warning,) = check_wagtail_user_admin()
    assert warning.id == "oscar_privacy.W030"


def test_e027_oscars_partner_user_pages(monkeypatch):
    from django.apps import apps

    config = apps.get_app_config("partners_dashboard")
    oscar_view = get_class("dashboard.partners.views", "PartnerUserUpdateView")
    monkeypatch.setattr(config, "user_update_view", oscar_view)
    (error,) = check_partner_user_forms()
    assert error.id == "oscar_privacy.E027"
    assert "user_update_view" in error.msg


@pytest.mark.parametrize(
    "overrides, warned",
    [
        ({"WAGTAILADMIN_USER_PASSWORD_RESET_FORM": None}, True),
        (
            {"WAGTAILADMIN_USER_PASSWORD_RESET_FORM": "wagtail.admin.forms.auth.PasswordResetForm"},
            True,
        ),
        ({"WAGTAILADMIN_USER_PASSWORD_RESET_FORM": "no.such.Form"}, True),
        (
            {
                "WAGTAILADMIN_USER_PASSWORD_RESET_FORM": None,
                "WAGTAIL_PASSWORD_RESET_ENABLED": False,
            },
            False,
        ),
        (
            {
                "WAGTAILADMIN_USER_PASSWORD_RESET_FORM": None,
                "WAGTAIL_PASSWORD_MANAGEMENT_ENABLED": False,
            },
            False,
        ),
    ],
)
def test_w031_wagtails_reset_page_on_and_unprotected(settings, overrides, warned):
    for name, value in overrides.items():
        if value is None:
            delattr(settings, name)
        else:
            setattr(settings, name, value)
    assert [message.id for message in check_wagtail_password_reset()] == (
        ["oscar_privacy.W031"] if warned else []
    )
