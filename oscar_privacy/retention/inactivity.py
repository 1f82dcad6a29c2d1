"""The ``customer_account`` rule: accounts inactive for the rule's period are warned, then closed.

Inactive means no login and no order since the cutoff (an account never
logged into counts from its creation). Three steps, in this order:

1. a warning that no longer applies (the person came back after it) is
   withdrawn, so they are warned again if they leave for good;
2. inactive accounts not yet warned get an :class:`InactivityNotice` and an
   email (Oscar communication event ``PRIVACY_INACTIVE_ACCOUNT``) saying
   when the account will be closed unless they log in;
3. accounts warned at least ``OSCAR_PRIVACY_INACTIVITY_GRACE_DAYS`` ago and
   still inactive are closed with :func:`oscar_privacy.closure.close_account`:
   order data stays under its legal hold, the rest is erased.

Closing is the one step that is not set-based: each account is closed by the
same service as a customer's own closure (a few dozen queries per account),
so that the two can never differ.
"""

import datetime

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import translation
from oscar.core.loading import get_class, get_model

from ..conf import app_settings
from .handlers import Step

WARNING_EMAIL = "PRIVACY_INACTIVE_ACCOUNT"
"""Oscar communication event code of the warning sent before closing an inactive account."""


def _orders_since(user_ref, moment):
    try:
        order_model = apps.get_model("order", "Order")
    except LookupError:
        return None
    return order_model._default_manager.filter(user=user_ref, date_placed__gte=moment)


def _active_since(moment, user_ref="pk"):
    """``Q`` for accounts that logged in or ordered since ``moment``."""
    query = Q(last_login__gte=moment) | Q(last_login__isnull=True, date_joined__gte=moment)
    orders = _orders_since(OuterRef(user_ref), moment)
    if orders is not None:
        query |= Exists(orders)
    return query


def _open_customers():
    from ..models import AccountClosure

    closed = AccountClosure.objects.filter(user=OuterRef("pk"))
    return (
        get_user_model()
        ._default_manager.filter(is_active=True)
        .filter(is_staff=False, is_superuser=False)
        .exclude(Exists(closed))
    )


class WithdrawStaleNoticesStep(Step):
    """Warnings to people who logged in or ordered after them: withdrawn."""

    model_label = "oscar_privacy.InactivityNotice"

    def eligible(self, ctx):
        from ..models import InactivityNotice

        user_model = get_user_model()
        came_back = user_model._default_manager.filter(
            pk=OuterRef("user_id"), last_login__gte=OuterRef("warned_at")
        )
        orders = _orders_since(OuterRef("user_id"), OuterRef("warned_at"))
        query = Exists(came_back)
        if orders is not None:
            query |= Exists(orders)
        return InactivityNotice.objects.filter(query)

    def apply(self, ctx, queryset):
        return {self.label: queryset.delete()[0]}


class WarnInactiveStep(Step):
    """Inactive accounts not yet warned: a notice and an email each."""

    @property
    def model_label(self):
        return get_user_model()._meta.label

    def eligible(self, ctx):
        from ..models import InactivityNotice

        warned = InactivityNotice.objects.filter(user=OuterRef("pk"))
        return (
            _open_customers()
            .exclude(_active_since(self.rule.cutoff(ctx.now)))
            .exclude(Exists(warned))
        )

    def apply(self, ctx, queryset):
        from ..models import InactivityNotice

        users = list(queryset.only("pk", "email", "first_name", "last_name", "username"))
        closes_on = ctx.now + datetime.timedelta(days=app_settings.INACTIVITY_GRACE_DAYS)
        InactivityNotice.objects.bulk_create(
            [InactivityNotice(user=user, warned_at=ctx.now) for user in users]
        )
        language = translation.get_language()
        transaction.on_commit(lambda: _send_warnings(users, closes_on, language))
        return {InactivityNotice._meta.label: len(users)}


def _send_warnings(users, closes_on, language):
    CommunicationEventType = get_model("communication", "CommunicationEventType")
    Dispatcher = get_class("communication.utils", "Dispatcher")
    dispatcher = Dispatcher()
    # One lookup of the (staff-editable) email for the whole batch.
    event_type = CommunicationEventType.objects.filter(code=WARNING_EMAIL).first()
    if event_type is None:
        event_type = CommunicationEventType(code=WARNING_EMAIL)
    base = dispatcher.get_base_context()
    with translation.override(language):
        for user in users:
            if not user.email:
                continue
            messages = event_type.get_messages({**base, "user": user, "closes_on": closes_on})
            # Sent directly: the account may be closed, and its email history erased, soon.
            dispatcher.dispatch_direct_messages(user.email, messages)


class CloseInactiveStep(Step):
    """Accounts still inactive when the grace period after their warning ends: closed."""

    model_label = "oscar_privacy.InactivityNotice"

    def eligible(self, ctx):
        from ..models import InactivityNotice

        grace_end = ctx.now - datetime.timedelta(days=app_settings.INACTIVITY_GRACE_DAYS)
        return InactivityNotice.objects.filter(
            warned_at__lte=grace_end,
            user__in=_open_customers().exclude(_active_since(self.rule.cutoff(ctx.now))),
        )

    def apply(self, ctx, queryset):
        from ..closure import close_account
        from ..models import AccountClosure

        # Lock the accounts, then check again that they are still inactive: an
        # order committed since the batch was selected is seen, and one being
        # placed now waits for this lock, then finds the account closed.
        list(
            get_user_model()
            ._default_manager.select_for_update()
            .filter(pk__in=queryset.values("user_id"))
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        queryset = queryset.filter(
            user__in=_open_customers().exclude(_active_since(self.rule.cutoff(ctx.now)))
        )
        closed = 0
        for notice in queryset.select_related("user"):
            close_account(
                notice.user,
                channel=AccountClosure.Channel.RETENTION,
                reason=f"No login or order since {self.rule.cutoff(ctx.now):%Y-%m-%d}; "
                f"warned on {notice.warned_at:%Y-%m-%d}.",
            )
            closed += 1
        return {AccountClosure._meta.label: closed}

    def count(self, ctx, queryset):
        from ..models import AccountClosure

        return {AccountClosure._meta.label: queryset.count()}


def steps(rule):
    return [WithdrawStaleNoticesStep(rule), WarnInactiveStep(rule), CloseInactiveStep(rule)]
