"""Deleting an account: never behind the closure's back.

A customer's account is **closed** (:func:`oscar_privacy.closure.close_account`),
never deleted: the closure keeps the orders and invoices the law requires,
takes the address out of every communication, erases the rest, emails the
customer and leaves a record. A hard delete does none of that: Oscar's orders
lose their customer (``SET_NULL``), baskets and vouchers vanish (``CASCADE``).

Every way of deleting an account ends in Django's deletion collector, which
sends ``pre_delete`` for each account it deletes: the admin pages (Django's,
on any admin site, one account or "delete selected"; Wagtail's, one or in
bulk), ``user.delete()``, ``User.objects.filter(...).delete()`` and the
cascade from any model an account depends on. :func:`guard_account_deletion`
receives it and raises :class:`~oscar_privacy.exceptions.AccountDeletionRefused`
(a ``PermissionDenied``: a 403, never a 500) when :func:`deletion_refusal`
says no:

- a **customer** account (not staff, not superuser): close it instead;
- a **closed** account: what remains of it is under its legal hold;
- **any** account whose deletion would delete or unlink rows that the shop
  keeps for accounting (the data map's entries under a rule counted from the
  order: the orders themselves, their addresses and lines, notes written on
  them, voucher uses). A staff member who bought from the shop is closed as
  a customer once their staff status is removed.

Deleting a colleague's staff account is a normal admin task and stays
allowed: staff accounts hold no customer data, and the admin who deletes is
recorded (``account.deleted`` in the audit trail). A staff member who ticks
"staff status" on a customer to delete them gains nothing the closure would
not have erased, cannot lose an order that way, and leaves both the role
change and the deletion in the audit trail.

Admin pages check :func:`deletion_refusal` first and show its message; the
signal is the guard behind them, for every other path. Raised inside an
``atomic`` block, the refusal leaves that block unusable (Django's rule for
any error during a deletion): code that may meet one checks
:func:`deletion_refusal` first, or wraps the deletion in its own ``atomic``.
``QuerySet._raw_delete`` and SQL bypass Django's signals and this guard.
"""

import contextlib
import logging
from contextvars import ContextVar
from dataclasses import dataclass, replace

from django.contrib.auth import get_user_model
from django.db import router
from django.db.models import QuerySet
from django.db.models.deletion import Collector, ProtectedError, RestrictedError
from django.utils.translation import gettext_lazy as _

from . import audit
from .adapter import get_adapter
from .exceptions import AccountDeletionRefused
from .models import AccountClosure

logger = logging.getLogger(__name__)

REFUSALS = {
    "customer": _(
        "Customer accounts are not deleted: close the account instead, with “Close this "
        "account” in the Privacy panel of the customer's page in the dashboard. The closure "
        "keeps the orders and invoices the law requires and erases the rest."
    ),
    "closed": _(
        "This account is closed: what the law requires is kept until the end of its legal "
        "hold, then erased by the retention rules. A closed account is not deleted."
    ),
    "kept_records": _(
        "Deleting this account would delete or unlink orders and invoices that the law "
        "requires the shop to keep. Remove its staff status, then close the account with "
        "“Close this account” in the Privacy panel of its page in the dashboard."
    ),
}
"""Why an account may not be deleted, by code: the messages staff read."""


@dataclass(frozen=True)
class Refusal:
    """An account that may not be deleted: ``code`` (a key of :data:`REFUSALS`) and why."""

    code: str

    @property
    def message(self):
        return REFUSALS[self.code]

    def __str__(self):
        return str(self.message)


@dataclass(frozen=True)
class DeletionContext:
    """Who deletes accounts, from where; and whether customers may go (code only)."""

    actor: object = None
    request: object = None
    surface: str = ""
    allow_customers: bool = False


_context = ContextVar("oscar_privacy_account_deletion", default=None)


def _current():
    return _context.get() or DeletionContext()


@contextlib.contextmanager
def _context_with(**changes):
    token = _context.set(replace(_current(), **changes))
    try:
        yield
    finally:
        _context.reset(token)


def deleting_accounts(*, actor=None, request=None, surface=""):
    """Deletions inside are by ``actor`` from ``surface`` (``"django_admin:admin"``…).

    A context manager. The admin pages wrap their deletions in it, so that
    ``account.deleted`` names the staff member and the page. It allows
    nothing more.
    """
    return _context_with(actor=actor, request=request, surface=surface)


def allow_account_deletion():
    """Let code delete customer accounts inside (a context manager; no admin page uses it).

    For a shop's own maintenance code that knows the accounts it deletes
    hold nothing to keep (test fixtures, a duplicate account created by
    mistake, an import rolled back). Closed accounts and accounts linked to
    orders are refused all the same, and each deletion is audited.
    """
    return _context_with(allow_customers=True)


def deletion_refusal(user):
    """Why ``user``'s account may not be deleted, as a :class:`Refusal`, or ``None``."""
    if AccountClosure.objects.filter(user_id=user.pk).exists():
        return Refusal("closed")
    if not get_adapter().is_protected_user(user) and not _current().allow_customers:
        return Refusal("customer")
    if holds_kept_records(user):
        return Refusal("kept_records")
    return None


def record_refusal(user, refusal, *, request, surface):
    """Audit that staff tried to delete ``user`` from ``surface`` and were told ``refusal``."""
    return audit.record(
        "account.deletion_refused",
        subject=user,
        request=request,
        data={"surface": surface, "refusal": refusal.code},
    )


def kept_models():
    """Models whose rows are kept for accounting: entries under a rule counted from an order."""
    from .datamap import datamap
    from .retention.rules import Start, get_rules

    order_rules = {name for name, rule in get_rules().items() if rule.start == Start.ORDER_PLACED}
    return {entry.model_class for entry in datamap if order_rules.intersection(entry.retention)}


def holds_kept_records(user):
    """Whether deleting ``user`` would delete or unlink a row kept for accounting.

    Asks Django's deletion collector what the deletion would do (reading
    only): rows it would delete, or whose link to the account it would set
    to ``NULL``, of a model from :func:`kept_models`. An account that a
    ``PROTECT`` or ``RESTRICT`` relation holds is Django's to refuse: its
    own error names the rows that hold it.
    """
    kept = kept_models()
    collector = Collector(using=router.db_for_write(type(user)), origin=user)
    try:
        collector.collect([user])
    except (ProtectedError, RestrictedError):
        return False
    for model, instances in collector.data.items():
        if model in kept and instances:
            return True
    for queryset in collector.fast_deletes:
        if queryset.model in kept and queryset.exists():
            return True
    for (model_field, _value), batches in collector.field_updates.items():
        if model_field.model in kept and any(_holds_rows(batch) for batch in batches):
            return True
    return False


def _holds_rows(batch):
    """Whether a batch of the collector (a queryset, or a list of instances) has rows."""
    return batch.exists() if isinstance(batch, QuerySet) else bool(batch)


def guard_account_deletion(sender, instance, **kwargs):
    """``pre_delete`` of the user model: refuse, or let go and audit ``account.deleted``."""
    refusal = deletion_refusal(instance)
    if refusal is not None:
        logger.warning("Deletion of account #%s refused: %s", instance.pk, refusal)
        raise AccountDeletionRefused(str(refusal))
    context = _current()
    actor, request = context.actor, context.request
    if getattr(actor or getattr(request, "user", None), "pk", None) == instance.pk:
        # An admin deleting their own account: no link to it (the label says who).
        actor, request = None, None
    # No subject either: the event outlives the account, whose links are set to NULL.
    audit.record(
        "account.deleted",
        actor=actor,
        target=instance,
        request=request,
        data={
            "account": get_adapter().get_actor_label(instance),
            "staff": bool(instance.is_staff),
            "superuser": bool(instance.is_superuser),
            "surface": context.surface or "code",
        },
    )


def connect_deletion_guard():
    """Connect :func:`guard_account_deletion` to the user model and its proxies.

    Connected per model, not for every sender: a receiver for every model
    would stop Django from deleting other rows in bulk (fast deletes).
    """
    from django.apps import apps
    from django.db.models.signals import pre_delete

    user_model = get_user_model()
    for model in apps.get_models():
        if model is user_model or (model._meta.proxy and model._meta.concrete_model is user_model):
            pre_delete.connect(
                guard_account_deletion,
                sender=model,
                dispatch_uid=f"oscar_privacy.account_deletion.{model._meta.label_lower}",
            )
