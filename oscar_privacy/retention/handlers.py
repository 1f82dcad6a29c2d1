"""What each automated retention rule does, as set-based steps over primary keys.

A rule's handler is a list of :class:`Step`. A step names one model and
the rows of it that have run their period (:meth:`Step.eligible`, a
queryset); :func:`oscar_privacy.retention.apply.apply_rules` walks them in
primary-key batches and, for each batch, calls :meth:`Step.apply` inside a
transaction with the batch's rows still eligible, locked. Every statement
works on the whole batch: the number of queries per batch does not depend
on its size.

Staff and superusers are left out wherever a user is involved.
"""

from django.apps import apps
from django.conf import settings
from django.db.models import Exists, ForeignObjectRel, OuterRef, Q

from ..datamap import datamap
from ..datamap.vocabulary import Erasure
from .keys import keys_in
from .rules import Action, Start, get_rules


def not_protected(path, nullable=False):
    """``Q`` leaving out rows whose user (at ``path``) is staff or a superuser."""
    query = Q(**{f"{path}__is_staff": False, f"{path}__is_superuser": False})
    if nullable:
        query |= Q(**{f"{path}__isnull": True})
    return query


def _model(label):
    try:
        return apps.get_model(label)
    except LookupError:
        return None


class Context:
    """What every step of a run shares: the time the run started, the rules, dry run or not."""

    def __init__(self, now, rules, dry_run=False):
        self.now = now
        self.rules = rules
        self.dry_run = dry_run


class Step:
    """One model's eligible rows and what to do with a batch of them."""

    model_label = ""

    def __init__(self, rule):
        self.rule = rule

    @property
    def model(self):
        return apps.get_model(self.model_label)

    @property
    def label(self):
        return self.model._meta.label

    def is_available(self):
        return _model(self.model_label) is not None

    def eligible(self, ctx):
        """The rows whose period has run, as a queryset (unordered)."""
        raise NotImplementedError

    def apply(self, ctx, queryset):
        """Delete or anonymise the (locked) rows of ``queryset``; ``{model label: rows}``."""
        raise NotImplementedError

    def count(self, ctx, queryset):
        """What :meth:`apply` would change, for a dry run."""
        return {self.label: queryset.count()}


class DeleteStep(Step):
    """Delete eligible rows (and what cascades from them)."""

    def __init__(self, rule, model_label, eligible):
        super().__init__(rule)
        self.model_label = model_label
        self._eligible = eligible

    def eligible(self, ctx):
        return self._eligible(self.model._default_manager.all(), ctx)

    def apply(self, ctx, queryset):
        _total, per_model = queryset.delete()
        return {label: rows for label, rows in per_model.items() if rows}


def _order_entries():
    """Data map entries kept for accounting (a rule counted from the order)."""
    order_rules = {name for name, rule in get_rules().items() if rule.start == Start.ORDER_PLACED}
    return [entry for entry in datamap if order_rules.intersection(entry.retention)]


def _depth(path):
    return path.count("__")


def _erase(entry, queryset):
    if entry.erasure == Erasure.DELETE:
        _total, per_model = queryset.delete()
        return per_model.get(entry.label, 0)
    return entry.anonymise(queryset)


def _changes(entry):
    """Whether erasing ``entry`` changes anything (an entry may keep every field)."""
    if entry.erasure == Erasure.KEEP:
        return False
    return entry.erasure == Erasure.DELETE or bool(entry.anonymisation_values())


class ClosedAccountOrdersStep(Step):
    """Order data of closed accounts whose legal hold has ended: anonymised.

    The closure is the unit: every accounting entry of its user is scrubbed,
    then ``AccountClosure.erased_at`` is set, so the closure drops out of
    the next run. An order newer than the rule's period keeps the account
    out (re-checked under the lock).
    """

    model_label = "oscar_privacy.AccountClosure"

    def eligible(self, ctx):
        from ..models import AccountClosure

        queryset = AccountClosure.objects.filter(
            hold_until__lte=ctx.now, erased_at__isnull=True
        ).filter(not_protected("user"))
        order_model = _model("order.Order")
        if order_model is not None:
            recent = order_model._default_manager.filter(
                user=OuterRef("user"), date_placed__gt=self.rule.cutoff(ctx.now)
            )
            queryset = queryset.exclude(Exists(recent))
        return queryset

    def _targets(self, queryset):
        user_ids = list(queryset.values_list("user_id", flat=True))
        entries = [
            e for e in _order_entries() if e.user_path and e.user_path != "pk" and _changes(e)
        ]
        # Deepest lookups first: ShippingAddress is found through its order's user.
        entries.sort(key=lambda e: _depth(e.user_path), reverse=True)
        orders = _BatchOrders(_model("order.Order"), entries, user_ids)
        for entry in entries:
            yield entry, orders.rows(entry)

    def apply(self, ctx, queryset):
        counts = {}
        for entry, rows in self._targets(queryset):
            counts[entry.label] = _erase(entry, rows)
        counts[self.label] = queryset.update(erased_at=ctx.now)
        return counts

    def count(self, ctx, queryset):
        counts = {entry.label: rows.count() for entry, rows in self._targets(queryset)}
        counts[self.label] = len(queryset)
        return counts


class _BatchOrders:
    """The orders of a batch of accounts, read once; the rows found through them, by key.

    One query reads the orders' keys and the keys of the rows the orders
    point at (their addresses). Each table is then filtered on a plain
    column (``order_id IN (…)``, ``id IN (…)``) instead of through a join
    back to the account (``order__user__in``): about a third less work per
    UPDATE on PostgreSQL (``tests/benchmarks/bench_retention.py``). Entries
    not reached through an order (voucher applications) keep their
    ``user_path``. A batch whose orders point at no row of a table (orders
    without a shipping address) skips that table's statement.
    """

    def __init__(self, order_model, entries, user_ids):
        self.user_ids = user_ids
        self.order_model = order_model
        self.lookups = {}
        links = []
        if order_model is not None:
            for entry in entries:
                lookup = _order_lookup(entry, order_model)
                # Only where the account is reached through the order: the same rows.
                if entry.user_path != ("user" if lookup == "pk" else f"{lookup}__user"):
                    lookup = None
                self.lookups[entry.label] = lookup
                link = self._link(entry, lookup)
                if link is not None and link not in links:
                    links.append(link)
        rows = []
        if any(lookup is not None for lookup in self.lookups.values()):
            rows = list(
                order_model._default_manager.filter(
                    keys_in(order_model, "user", user_ids)
                ).values_list("pk", *links)
            )
        self.pks = [row[0] for row in rows]
        self.linked = {
            link: [row[index] for row in rows if row[index] is not None]
            for index, link in enumerate(links, start=1)
        }

    def _field(self, entry, lookup):
        if lookup is None or lookup == "pk" or "__" in lookup:
            return None
        return entry.model_class._meta.get_field(lookup)

    def _link(self, entry, lookup):
        """The order's column pointing at ``entry``'s rows (``shipping_address_id``), or None."""
        field = self._field(entry, lookup)
        if (
            isinstance(field, ForeignObjectRel)
            and not field.many_to_many
            and field.related_model is self.order_model
        ):
            return field.field.attname
        return None

    def rows(self, entry):
        """``entry``'s rows of the batch's accounts, as a queryset."""
        model = entry.model_class
        manager = model._default_manager
        lookup = self.lookups.get(entry.label)
        if lookup is None:
            return manager.filter(keys_in(model, entry.user_path, self.user_ids))
        if lookup == "pk":
            return manager.filter(keys_in(model, "pk", self.pks))
        link = self._link(entry, lookup)
        if link is not None:
            return manager.filter(keys_in(model, "pk", self.linked[link]))
        return manager.filter(_through_keys(model, lookup, self.pks))


def _through_keys(model, lookup, pks):
    """``Q`` for the rows of ``model`` whose ``lookup`` (ending at an order) is in ``pks``.

    Forward foreign keys become a column compared with a subquery
    (``line_id IN (SELECT id FROM order_line WHERE order_id IN (…))``), not
    a join of the updated table with itself.
    """
    name, _, rest = lookup.partition("__")
    field = model._meta.get_field(name)
    if not (field.concrete and field.many_to_one):
        return keys_in(model, lookup, pks)
    if not rest:
        return keys_in(model, field.attname, pks)
    target = field.related_model
    keys = target._default_manager.filter(_through_keys(target, rest, pks))
    return Q(**{f"{field.attname}__in": keys.values(field.target_field.attname)})


def _order_lookup(entry, order_model):
    """The lookup from ``entry``'s model to its order (``"pk"`` for orders), or ``None``."""
    if entry.model_class is order_model:
        return "pk"
    for path in (entry.email_path, entry.user_path):
        if not path or "__" not in path:
            continue
        prefix = path.rsplit("__", 1)[0]
        current = entry.model_class
        for part in prefix.split("__"):
            current = current._meta.get_field(part).related_model
            if current is None:
                break
        if current is order_model:
            return prefix
    return None


class GuestOrdersStep(Step):
    """Guest orders placed before the rule's period: the order and its related rows anonymised."""

    model_label = "order.Order"

    def eligible(self, ctx):
        return (
            self.model._default_manager.filter(
                user__isnull=True, date_placed__lt=self.rule.cutoff(ctx.now)
            )
            .exclude(guest_email="")
            .exclude(guest_email__isnull=True)
        )

    def _targets(self, queryset):
        order_model = self.model
        pks = list(queryset.values_list("pk", flat=True))
        found = []
        for entry in _order_entries():
            lookup = _order_lookup(entry, order_model)
            if lookup is not None and _changes(entry):
                found.append((lookup, entry))
        # The orders themselves last: the other rows are found through them.
        found.sort(key=lambda item: (item[0] == "pk", -_depth(item[0])))
        for lookup, entry in found:
            model = entry.model_class
            yield entry, model._default_manager.filter(keys_in(model, lookup, pks))

    def apply(self, ctx, queryset):
        return {entry.label: _erase(entry, rows) for entry, rows in self._targets(queryset)}

    def count(self, ctx, queryset):
        return {entry.label: rows.count() for entry, rows in self._targets(queryset)}


class ExpiredExportsStep(Step):
    """Archives past their download period: :func:`oscar_privacy.export.expire_exports`.

    ``expire_exports`` works in its own batches of 500 and keeps the rows,
    marked expired, as the record that the request was answered; the engine
    calls :meth:`run_batch` until it expires nothing.
    """

    model_label = "oscar_privacy.DataExport"
    own_batches = True

    def eligible(self, ctx):
        from ..models import DataExport

        return DataExport.objects.filter(status=DataExport.Status.READY, expires_at__lte=ctx.now)

    def run_batch(self, ctx):
        """``(counts, done)`` for one call of ``expire_exports``."""
        from ..export import expire_exports

        if ctx.dry_run:
            return {self.label: self.eligible(ctx).count()}, True
        expired = expire_exports(now=ctx.now)
        return {self.label: expired}, expired == 0


class ExpiredSessionsStep(Step):
    """Expired sessions, as ``manage.py clearsessions`` does, in batches."""

    model_label = "sessions.Session"

    def is_available(self):
        return super().is_available() and settings.SESSION_ENGINE in (
            "django.contrib.sessions.backends.db",
            "django.contrib.sessions.backends.cached_db",
        )

    def eligible(self, ctx):
        return self.model._default_manager.filter(expire_date__lt=ctx.now)

    def apply(self, ctx, queryset):
        return {self.label: queryset.delete()[0]}


def _older(field):
    def eligible(queryset, ctx, rule):
        return queryset.filter(**{f"{field}__lt": rule.cutoff(ctx.now)})

    return eligible


def _delete(rule, label, *conditions):
    """A :class:`DeleteStep` on ``label`` whose rows match every condition."""

    def eligible(queryset, ctx):
        for condition in conditions:
            queryset = condition(queryset, ctx, rule)
        return queryset

    return DeleteStep(rule, label, eligible)


def _customers_only(path, nullable=False):
    def condition(queryset, ctx, rule):
        return queryset.filter(not_protected(path, nullable))

    return condition


def _stale_basket(queryset, ctx, rule):
    basket_model = queryset.model
    line_model = basket_model._meta.get_field("lines").related_model
    cutoff = rule.cutoff(ctx.now)
    recent_lines = line_model._default_manager.filter(
        basket=OuterRef("pk"), date_updated__gte=cutoff
    )
    queryset = queryset.filter(
        status__in=(basket_model.OPEN, basket_model.SAVED), date_created__lt=cutoff
    ).exclude(Exists(recent_lines))
    order_model = _model("order.Order")
    if order_model is not None:
        queryset = queryset.exclude(
            Exists(order_model._default_manager.filter(basket=OuterRef("pk")))
        )
    return queryset


def _unconfirmed(queryset, ctx, rule):
    return queryset.filter(status=queryset.model.UNCONFIRMED)


class EndedSubscriptionsStep(Step):
    """Newsletter subscriptions off the list that still hold their address: the address erased.

    Unsubscribing erases it at once; this catches what did not go through
    the newsletter's services (a row edited by hand, an old import). The
    keyed hash stays: it is the suppression entry.
    """

    model_label = "oscar_privacy_newsletter.Subscription"

    def eligible(self, ctx):
        ended = ("unsubscribed", "bounced", "complained")
        return self.model._default_manager.filter(state__in=ended).exclude(email="")

    def apply(self, ctx, queryset):
        return {self.label: queryset.update(email="")}


def _pending(queryset, ctx, rule):
    return queryset.filter(state="pending", requested_at__lt=rule.cutoff(ctx.now))


def _awaiting_confirmation(queryset, ctx, rule):
    return queryset.filter(status=queryset.model.Status.UNCONFIRMED)


def _idle_user_record(queryset, ctx, rule):
    cutoff = rule.cutoff(ctx.now)
    queryset = queryset.filter(Q(date_last_order__isnull=True) | Q(date_last_order__lt=cutoff))
    for label in ("analytics.UserProductView", "analytics.UserSearch"):
        model = _model(label)
        if model is not None:
            recent = model._default_manager.filter(user=OuterRef("user"), date_created__gte=cutoff)
            queryset = queryset.exclude(Exists(recent))
    return queryset


def _purge_audit(rule):
    class AuditStep(Step):
        model_label = "oscar_privacy.AuditEvent"

        def eligible(self, ctx):
            from ..models import AuditEvent

            return AuditEvent.objects.filter(created_at__lt=self.rule.cutoff(ctx.now))

        def apply(self, ctx, queryset):
            # Audit events are append-only: purge_before is their one way out.
            return {self.label: queryset.purge_before(self.rule.cutoff(ctx.now))}

    return AuditStep(rule)


HANDLERS = {
    "accounting_records": (
        Action.ANONYMISE,
        lambda rule: [ClosedAccountOrdersStep(rule), GuestOrdersStep(rule)],
    ),
    "data_exports": (Action.DELETE, lambda rule: [ExpiredExportsStep(rule)]),
    "sessions": (Action.DELETE, lambda rule: [ExpiredSessionsStep(rule)]),
    "shop_statistics": (
        Action.DELETE,
        lambda rule: [
            _delete(
                rule, "analytics.UserProductView", _older("date_created"), _customers_only("user")
            ),
            _delete(rule, "analytics.UserSearch", _older("date_created"), _customers_only("user")),
            _delete(rule, "analytics.UserRecord", _idle_user_record, _customers_only("user")),
        ],
    ),
    "stale_baskets": (
        Action.DELETE,
        lambda rule: [
            _delete(rule, "basket.Basket", _stale_basket, _customers_only("owner", True))
        ],
    ),
    "unconfirmed_alerts": (
        Action.DELETE,
        lambda rule: [
            _delete(
                rule,
                "customer.ProductAlert",
                _unconfirmed,
                _older("date_created"),
                _customers_only("user", True),
            )
        ],
    ),
    "newsletter_subscriptions": (Action.ANONYMISE, lambda rule: [EndedSubscriptionsStep(rule)]),
    "unconfirmed_subscriptions": (
        Action.DELETE,
        lambda rule: [_delete(rule, "oscar_privacy_newsletter.Subscription", _pending)],
    ),
    "unconfirmed_requests": (
        Action.DELETE,
        lambda rule: [
            _delete(
                rule,
                "oscar_privacy.PrivacyRequest",
                _awaiting_confirmation,
                _older("received_at"),
            )
        ],
    ),
    "email_history": (
        Action.DELETE,
        lambda rule: [
            _delete(rule, "oscar_privacy_newsletter.Delivery", _older("created_at")),
            _delete(
                rule, "communication.Email", _older("date_sent"), _customers_only("user", True)
            ),
            _delete(
                rule,
                "communication.Notification",
                _older("date_sent"),
                _customers_only("recipient"),
            ),
        ],
    ),
    "bank_cards": (
        Action.DELETE,
        lambda rule: [_delete(rule, "payment.Bankcard", _customers_only("user"))],
    ),
    "audit_trail": (Action.DELETE, lambda rule: [_purge_audit(rule)]),
    "login_attempts": (
        Action.DELETE,
        lambda rule: [
            _delete(rule, label, _older("attempt_time"))
            for label in ("axes.AccessAttempt", "axes.AccessFailureLog", "axes.AccessLog")
        ],
    ),
    "customer_account": (Action.CLOSE_ACCOUNT, lambda rule: _inactivity_steps(rule)),
    "consent_proof": (Action.DELETE, lambda rule: _evidence_steps(rule)),
}
"""``{rule name: (the action it implements, steps(rule))}``; rules not here are not automated."""


def _inactivity_steps(rule):
    from .inactivity import steps

    return steps(rule)


def _evidence_steps(rule):
    from .evidence import steps

    return steps(rule)


def steps_for(rule):
    """The steps applying ``rule``, or ``None`` if the rule is not automated.

    A rule whose action a shop changed (say ``shop_statistics`` to
    ``review``) is not automated either: its handler does something else.
    """
    handler = HANDLERS.get(rule.name)
    if handler is None or handler[0] != rule.action:
        return None
    return [step for step in handler[1](rule) if step.is_available()]
