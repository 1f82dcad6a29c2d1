"""Closing an account: the one service the customer, staff and privacy requests all use.

:func:`close_account` ends the account at once (login disabled, every
session ended, the address removed from the newsletter and alerts) and
erases what the data map says may go. Order data under a legal hold
(``accounting_records``: counted from the last order) stays, linked to the
emptied account, until ``AccountClosure.hold_until``; the retention
command anonymises it then. Proof of consent and the audit trail stay for
their own periods. :func:`plan_closure` says all this in advance, for the
page the customer reads before confirming.

An order being placed for the account at the same moment either commits
first (the closure waits for it and keeps it under the hold) or is refused
(:func:`refuse_orders_of_closed_accounts`): both lock the account's row.
"""

import logging
from dataclasses import dataclass, field

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from oscar.core.loading import get_class

from . import audit
from .adapter import get_adapter
from .consent import record_consents
from .datamap import datamap
from .datamap.vocabulary import Erasure
from .exceptions import PrivacyError
from .export import cancel_exports
from .models import AccountClosure, ConsentAction, ConsentChannel, ConsentPurpose, ConsentRecord
from .retention.rules import Start, get_rules
from .signals import account_closed

logger = logging.getLogger(__name__)

Dispatcher = get_class("communication.utils", "Dispatcher")

CLOSED_EMAIL = "PRIVACY_ACCOUNT_CLOSED"
"""Oscar communication event code of the closure confirmation."""


class ClosureError(PrivacyError, ValueError):
    """The account cannot be closed; the message says why, to the person."""


@dataclass
class PlanItem:
    """One kind of record and how many rows the person has of it."""

    entry: object
    count: int = 0

    @property
    def label(self):
        model = self.entry.model_class
        if model is get_user_model():
            return _("Your account: login identifier, name and email address")
        return str(model._meta.verbose_name_plural).capitalize()


@dataclass
class ClosurePlan:
    """What closing an account does, decided from the data map and the retention rules."""

    has_orders: bool
    last_order_at: object = None
    hold_until: object = None
    hold_period: str = ""
    erase: list = field(default_factory=list)
    hold: list = field(default_factory=list)
    keep: list = field(default_factory=list)


def _orders(user):
    try:
        return apps.get_model("order", "Order")._default_manager.filter(user=user)
    except LookupError:
        return None


def plan_closure(user, *, count=True):
    """The :class:`ClosurePlan` for ``user``, now.

    With ``count``, each kind of record is counted (one query each) and kinds
    the person has none of are left out, for the page shown before closing.
    """
    orders = _orders(user)
    last_order_at = None
    if orders is not None:
        last_order_at = orders.aggregate(last=Max("date_placed"))["last"]
    rules = get_rules()
    now = timezone.now()
    plan = ClosurePlan(has_orders=last_order_at is not None, last_order_at=last_order_at)
    for entry in datamap:
        if not entry.user_path:
            continue  # sessions: ended by delete_sessions and the password change
        item = PlanItem(entry)
        if count:
            item.count = entry.queryset_for(user=user).count()
            if not item.count:
                continue
        hold_rules = [
            rules[name]
            for name in entry.retention
            if name in rules and rules[name].start == Start.ORDER_PLACED
        ]
        until = None
        if plan.has_orders:
            until = max((last_order_at + rule.delta for rule in hold_rules), default=None)
        if until is not None and until > now:
            if plan.hold_until is None or until > plan.hold_until:
                plan.hold_until = until
                plan.hold_period = str(
                    max(hold_rules, key=lambda rule: last_order_at + rule.delta).period_label
                )
            plan.hold.append(item)
        elif entry.erasure == Erasure.KEEP:
            plan.keep.append(item)
        else:
            # Past its hold (or never under one): erased or anonymised now.
            plan.erase.append(item)
    if count and plan.hold:
        held_models = [item.entry.model_class for item in plan.hold]
        for item in plan.erase:
            if item.entry.erasure == Erasure.DELETE:
                queryset = item.entry.queryset_for(user=user)
                item.count = _not_linked_from(queryset, held_models).count()
        plan.erase = [item for item in plan.erase if item.count]
    return plan


def closure_refusal(user):
    """Why ``user``'s account cannot be closed, or ``None``."""
    if get_adapter().is_protected_user(user):
        return _(
            "Staff accounts cannot be closed from here: ask the shop's administrator, "
            "who will first hand over your work."
        )
    if AccountClosure.objects.filter(user=user).exists():
        return _("This account is already closed.")
    return None


def close_account(user, *, channel, actor=None, reason="", request=None):
    """Close ``user``'s account now; returns the :class:`~oscar_privacy.models.AccountClosure`.

    ``channel`` is an ``AccountClosure.Channel`` value; ``actor`` the staff
    member acting (``None`` when the person closes their own account).
    Raises :class:`ClosureError` for staff accounts and closed ones. The
    confirmation email goes to the registered address once committed.
    """
    user_model = get_user_model()
    with transaction.atomic():
        # The lock orders this closure with any order being placed for the account.
        user = user_model._default_manager.select_for_update().get(pk=user.pk)
        refusal = closure_refusal(user)
        if refusal is not None:
            raise ClosureError(str(refusal))
        plan = plan_closure(user, count=False)
        email = user.email
        now = timezone.now()
        _withdraw_newsletter(user, channel, request)
        alerts = _remove_anonymous_alerts(email)
        cancel_exports(user)
        # Rows reached through another mapped row first (an order's addresses
        # before the order): anonymising the order unlinks them from the account.
        held_models = [item.entry.model_class for item in plan.hold]
        for item in sorted(plan.erase, key=lambda item: -item.entry.user_path.count("__")):
            queryset = item.entry.queryset_for(user=user)
            if item.entry.erasure == Erasure.DELETE:
                _not_linked_from(queryset, held_models).delete()
            else:
                item.entry.anonymise(queryset)
        # As it is now (emptied): the audit trail and receivers see no old login or email.
        user.refresh_from_db()
        closure = AccountClosure.objects.create(
            user=user,
            closed_at=now,
            channel=channel,
            reason=reason,
            had_orders=plan.has_orders,
            last_order_at=plan.last_order_at,
            hold_until=plan.hold_until,
            erased_at=None if plan.hold else now,
        )
        audit.record(
            "account.closed",
            actor=actor if actor is not None else user,
            subject=user,
            target=closure,
            reason=reason,
            request=request,
            data={"channel": channel, "had_orders": plan.has_orders, "anonymous_alerts": alerts},
        )
        account_closed.send(sender=AccountClosure, closure=closure, user=user, email=email)
        language = translation.get_language()
        transaction.on_commit(lambda: _after_closure(closure, email, language))
    return closure


def _not_linked_from(queryset, held_models):
    """``queryset`` without the rows a held row links to (an order's basket).

    Deleting them would change the held rows through ``SET_NULL``: the order
    data under legal hold is kept whole.
    """
    for model in held_models:
        for model_field in model._meta.concrete_fields:
            if model_field.is_relation and model_field.related_model is queryset.model:
                linked = model._default_manager.filter(**{f"{model_field.name}__isnull": False})
                queryset = queryset.exclude(pk__in=linked.values(model_field.attname))
    return queryset


def _withdraw_newsletter(user, channel, request):
    latest = (
        ConsentRecord.objects.filter(user=user, purpose=ConsentPurpose.NEWSLETTER)
        .values_list("action", flat=True)
        .first()
    )
    if latest == ConsentAction.GIVEN:
        record_consents(
            [(ConsentPurpose.NEWSLETTER, ConsentAction.WITHDRAWN, None)],
            channel=(
                ConsentChannel.MY_ACCOUNT
                if channel == AccountClosure.Channel.MY_ACCOUNT
                else ConsentChannel.STAFF
            ),
            user=user,
            request=request,
        )


def _remove_anonymous_alerts(email):
    """Back-in-stock alerts left without an account under the same address."""
    if not email:
        return 0
    try:
        alert_model = apps.get_model("customer", "ProductAlert")
    except LookupError:
        return 0
    deleted, _ = alert_model._default_manager.filter(
        user__isnull=True, email__iexact=email
    ).delete()
    return deleted


def _after_closure(closure, email, language):
    from .tasks import end_sessions

    end_sessions.enqueue(closure.user_id)
    if not email:
        return
    with translation.override(language):
        dispatcher = Dispatcher()
        messages = dispatcher.get_messages(CLOSED_EMAIL, {"closure": closure})
        # Sent directly: the account's email history has just been erased.
        dispatcher.dispatch_direct_messages(email, messages)


def delete_sessions(user_id):
    """Delete the stored sessions of ``user_id``; returns how many.

    Only database-backed sessions can be listed. Whatever the backend, the
    closure already ended every session: the account is inactive and its
    password hash changed, so Django refuses the sessions at their next request.
    """
    from django.conf import settings

    if settings.SESSION_ENGINE not in (
        "django.contrib.sessions.backends.db",
        "django.contrib.sessions.backends.cached_db",
    ):
        return 0
    from django.contrib.sessions.models import Session

    wanted = str(user_id)
    doomed = [
        session.session_key
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator(
            chunk_size=2000
        )
        if str(session.get_decoded().get("_auth_user_id")) == wanted
    ]
    Session.objects.filter(session_key__in=doomed).delete()
    if settings.SESSION_ENGINE.endswith("cached_db"):
        from django.contrib.sessions.backends.cached_db import SessionStore

        for key in doomed:
            SessionStore(session_key=key).delete()
    return len(doomed)


UnableToPlaceOrder = get_class("order.exceptions", "UnableToPlaceOrder")


def refuse_orders_of_closed_accounts(sender, instance, raw=False, **kwargs):
    """``pre_save`` of Oscar's Order: no new order for a closed account.

    Locks the account's row, so a closure in progress finishes first; the
    order's transaction then rolls back whole and the checkout shows why.
    """
    if raw or not instance._state.adding or instance.user_id is None:
        return
    # Inside the order's transaction the lock lasts until it commits; an order
    # saved in autocommit mode gets its own short transaction (and no crash).
    with transaction.atomic(savepoint=False):
        get_user_model()._default_manager.select_for_update().filter(pk=instance.user_id).first()
        closed = AccountClosure.objects.filter(user_id=instance.user_id).exists()
    if closed:
        raise UnableToPlaceOrder(_("This account has been closed: the order was not placed."))
