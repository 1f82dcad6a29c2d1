"""The ``consent_proof`` rule: proof kept until its period after the relationship ends.

Proof of consent, answered privacy requests, the record of a copy handed
over and of a closed account are kept as long as the shop may need them to
defend itself (5 years by default: the limitation period), counted from the
end of the relationship with the person. Here that end is:

- for an **account**: its closure (:class:`~oscar_privacy.models.AccountClosure`).
  Nothing of an open account is ever deleted by this rule, nor anything of
  a staff or superuser account;
- for a person known **by email only** (a guest, a newsletter subscriber):
  their last contact under that address, whatever the way: a consent record,
  a guest order, a privacy request. An account still open under that
  address keeps it too;
- a consent still **in force** keeps the whole address: the newsletter
  consent of a subscriber who never withdrew is never deleted. A consent is
  in force when its last record (for the same account, or the same address)
  is "given"; accepting a policy or the terms of sale is proof of an
  acceptance, not a standing consent, and keeps nothing by itself.

The steps, in this order, each a set of eligible rows walked in batches by
:func:`~oscar_privacy.retention.apply.apply_rules`:

1. answered privacy requests;
2. consent records (of accounts, of addresses, of no one): every record but
   the withdrawals, then the withdrawals once no earlier "given" record they
   answer is left, so a run stopped half-way never leaves a consent looking
   in force again;
3. the rows of copies handed over (:class:`~oscar_privacy.models.DataExport`,
   their archives long deleted) of closed accounts;
4. the :class:`~oscar_privacy.models.AccountClosure` itself, once its order
   data has been anonymised (``erased_at``) and no proof of the account is
   left: it is the record the previous steps count from, so it goes last.

The emptied account row (no name, email or usable password left) stays.

Consent records are the big table (a few per order), so their conditions
are ANDed ``NOT EXISTS`` on equalities only (addresses compared lower-cased),
which PostgreSQL runs as hash anti-joins: a batch costs a few scans of the
tables involved, not one per row.
"""

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Lower
from django.db.models.lookups import Exact

from .handlers import Step, not_protected


def _model(label):
    try:
        return apps.get_model(label)
    except LookupError:
        return None


def _same_email(field, ref="email"):
    """The row's ``field`` is the outer row's ``ref``, ignoring case (and not empty)."""
    return Q(Exact(Lower(field), Lower(OuterRef(ref)))) & ~Q(**{field: ""})


def _acceptances():
    """Purposes whose "given" is the acceptance of a text, not a consent lasting until withdrawn."""
    from ..models import ConsentPurpose

    return (ConsentPurpose.PRIVACY_POLICY, ConsentPurpose.TERMS)


def _withdrawable():
    return ~Q(purpose__in=_acceptances())


def _in_force():
    """Consent records still in force: "given", and no later record of the same person.

    The same person is the same account, or the same address: two
    ``NOT EXISTS``, not one with an ``OR``, so both are anti-joins.
    """
    from ..models import ConsentAction, ConsentRecord

    later = ConsentRecord.objects.filter(purpose=OuterRef("purpose")).filter(
        Q(created_at__gt=OuterRef("created_at"))
        | Q(created_at=OuterRef("created_at"), pk__gt=OuterRef("pk"))
    )
    return (
        ConsentRecord.objects.filter(_withdrawable(), action=ConsentAction.GIVEN)
        .exclude(Exists(later.filter(user=OuterRef("user"))))
        .exclude(Exists(later.filter(_same_email("email"))))
    )


def touch_sources(cutoff):
    """``[(queryset, email field)]``: rows that keep an address in touch since ``cutoff``.

    A consent record, a guest order or a (confirmed) privacy request newer
    than the cutoff; a consent in force; an open account; a request still open.
    """
    from ..models import AccountClosure, ConsentRecord, PrivacyRequest

    closed = AccountClosure.objects.filter(user=OuterRef("pk"))
    sources = [
        (ConsentRecord.objects.filter(created_at__gt=cutoff), "email"),
        (_in_force(), "email"),
        (get_user_model()._default_manager.exclude(Exists(closed)), "email"),
        (
            # An unconfirmed request may come from anyone: it is no contact with the address.
            PrivacyRequest.objects.exclude(status=PrivacyRequest.Status.UNCONFIRMED).filter(
                Q(received_at__gt=cutoff)
                | Q(decided_at__gt=cutoff)
                | Q(status__in=PrivacyRequest.OPEN_STATUSES)
            ),
            "email",
        ),
    ]
    order_model = _model("order.Order")
    if order_model is not None:
        sources.append((order_model._default_manager.filter(date_placed__gt=cutoff), "guest_email"))
    return sources


def address_ended(cutoff, ref="email"):
    """``Q``: the (non-empty) address at ``ref`` has not been in touch since ``cutoff``."""
    query = ~Q(**{ref: ""})
    for source, field in touch_sources(cutoff):
        query &= ~Exists(source.filter(_same_email(field, ref)))
    return query


def account_ended(cutoff, ref="user"):
    """``Q``: the account at ``ref`` was closed before ``cutoff``, and is not staff's.

    An account one of whose addresses (in its consent records) is still in
    touch has not ended either: the person is still a customer, as a guest.
    """
    from ..models import AccountClosure, ConsentRecord

    closed = AccountClosure.objects.filter(user=OuterRef(ref), closed_at__lte=cutoff).filter(
        not_protected("user")
    )
    query = Q(Exists(closed))
    addresses = ConsentRecord.objects.filter(user=OuterRef(ref)).exclude(email="")
    for source, field in touch_sources(cutoff):
        query &= ~Exists(addresses.filter(Exists(source.filter(_same_email(field)))))
    return query


class _ProofStep(Step):
    """Delete proof whose relationship ended before the rule's cutoff."""

    def cutoff(self, ctx):
        return self.rule.cutoff(ctx.now)

    def apply(self, ctx, queryset):
        _total, per_model = queryset.delete()
        return {label: rows for label, rows in per_model.items() if rows}


class PrivacyRequestsStep(_ProofStep):
    """Answered requests whose people (account, identified account, address) have all ended."""

    model_label = "oscar_privacy.PrivacyRequest"

    def eligible(self, ctx):
        cutoff = self.cutoff(ctx)
        model = self.model
        decided = Q(decided_at__lte=cutoff) | Q(decided_at__isnull=True, received_at__lte=cutoff)
        # Few rows (requests are rare): the ORs below are fine here.
        return (
            model._default_manager.exclude(status__in=model.OPEN_STATUSES)
            .filter(decided)
            .filter(Q(user__isnull=True) | account_ended(cutoff, "user"))
            .filter(Q(matched_user__isnull=True) | account_ended(cutoff, "matched_user"))
            .filter(Q(email="") | address_ended(cutoff))
        )


def _withdrawal():
    from ..models import ConsentAction

    return Q(action=ConsentAction.WITHDRAWN) & _withdrawable()


class ConsentRecordsStep(_ProofStep):
    """Consent records (withdrawals apart) of one kind of person whose relationship ended.

    ``whose`` is ``"account"``, ``"address"`` (no account, an email) or
    ``"no one"`` (neither: counted from the record's own date).
    """

    model_label = "oscar_privacy.ConsentRecord"
    withdrawals = False

    def __init__(self, rule, whose):
        super().__init__(rule)
        self.whose = whose

    def ended(self, cutoff):
        records = self.model.objects.filter(created_at__lte=cutoff)
        if self.whose == "account":
            return records.filter(account_ended(cutoff), user__isnull=False)
        if self.whose == "address":
            return records.filter(address_ended(cutoff), user__isnull=True)
        return records.filter(user__isnull=True, email="")

    def eligible(self, ctx):
        records = self.ended(self.cutoff(ctx))
        if self.whose == "no one":
            return records if not self.withdrawals else records.none()
        return records.exclude(_withdrawal())

    def apply(self, ctx, queryset):
        # Consent records are append-only: purge is their one way out.
        return {self.label: queryset.purge()}


class ConsentWithdrawalsStep(ConsentRecordsStep):
    """Withdrawals of ended relationships, once no earlier "given" they answer is left.

    A withdrawal deleted before the consent it withdrew would make that
    consent look in force again; this order holds even when a run is killed
    or two runs share the work. A dry run counts them as if the earlier
    records were gone (a real run deletes those first).
    """

    withdrawals = True

    def eligible(self, ctx):
        from ..models import ConsentAction, ConsentRecord

        records = self.ended(self.cutoff(ctx)).filter(_withdrawal())
        if ctx.dry_run:
            return records
        given = ConsentRecord.objects.filter(
            purpose=OuterRef("purpose"),
            action=ConsentAction.GIVEN,
            created_at__lte=OuterRef("created_at"),
        )
        return records.exclude(Exists(given.filter(user=OuterRef("user")))).exclude(
            Exists(given.filter(_same_email("email")))
        )


class ClosedAccountExportsStep(_ProofStep):
    """The rows recording copies handed over to accounts closed before the cutoff.

    Their archives went at the closure (or when they expired); a row whose
    archive is somehow still there is left to the ``data_exports`` rule first.
    """

    model_label = "oscar_privacy.DataExport"

    def eligible(self, ctx):
        return self.model._default_manager.filter(
            account_ended(self.cutoff(ctx), "owner"), file_name=""
        )


class ClosuresStep(_ProofStep):
    """Closures of accounts closed before the cutoff, once nothing else of them is kept.

    Waits for the end of the hold on the account's order data
    (``erased_at``) and for every other piece of proof of the account to be
    gone; a dry run counts those whose proof is all due.
    """

    model_label = "oscar_privacy.AccountClosure"

    def eligible(self, ctx):
        from ..models import ConsentRecord, DataExport, PrivacyRequest

        cutoff = self.cutoff(ctx)
        closures = self.model._default_manager.filter(
            account_ended(cutoff), erased_at__isnull=False
        )
        exports = DataExport.objects.filter(owner=OuterRef("user"))
        requests = PrivacyRequest.objects.filter(
            Q(user=OuterRef("user")) | Q(matched_user=OuterRef("user"))
        )
        if ctx.dry_run:
            # The account has ended: its consent records go first.
            exports = exports.exclude(file_name="")
            eligible_requests = PrivacyRequestsStep(self.rule).eligible(ctx)
            return closures.exclude(Exists(exports)).exclude(
                Exists(requests.exclude(pk__in=eligible_requests.values("pk")))
            )
        consents = ConsentRecord.objects.filter(user=OuterRef("user"))
        return closures.exclude(Exists(consents)).exclude(Exists(exports)).exclude(Exists(requests))


def steps(rule):
    return [
        PrivacyRequestsStep(rule),
        *(ConsentRecordsStep(rule, whose) for whose in ("account", "address", "no one")),
        *(ConsentWithdrawalsStep(rule, whose) for whose in ("account", "address")),
        ClosedAccountExportsStep(rule),
        ClosuresStep(rule),
    ]
