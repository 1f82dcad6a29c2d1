"""Scoring customer accounts against the facts a recovery requester remembers.

:func:`score_accounts` answers in two queries whatever the size of the shop.
The first is set-based: one ``SELECT`` per fact and table lists the accounts
that match it (``UNION ALL``), and ``GROUP BY`` counts the facts each
account matches, keeps the best ``limit`` and says which facts they were.
So its cost grows with the rows that match, once each, rather than with
accounts × facts (correlated subqueries per account took 17 s for 100,000
accounts on PostgreSQL; see ``tests/benchmarks/bench_recovery.py``). The
second loads those few accounts with what staff see of them, masked.
"""

import datetime
import operator
import re
from dataclasses import dataclass, field
from functools import reduce

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist
from django.db import connections
from django.db.models import Case, F, Max, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Replace, Upper
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .conf import app_settings
from .masking import mask_email, mask_name, mask_phone, mask_postcode

FACTS = {
    "first_name": _("First name"),
    "last_name": _("Last name"),
    "email": _("An email address they may have used"),
    "postcode": _("Postcode"),
    "phone": _("Phone number"),
    "order_number": _("Order number"),
    "last_order_date": _("Approximate date of the last order"),
}
"""The facts a requester may give, in the order they are shown; all are scored."""

STRONG_FACTS = ("last_name", "email", "phone", "order_number")
"""One of these matching is enough to list an account; otherwise two facts must match."""

PHONE_DIGITS = 9
"""Phone numbers match on their last nine digits, whatever prefix was typed."""


@dataclass
class Candidate:
    """An account that may be the requester's, and which of their facts it matches."""

    user: object
    matched: list = field(default_factory=list)
    last_order_at: object = None
    postcode: str = ""
    phone: str = ""

    @property
    def score(self):
        return len(self.matched)

    @property
    def matched_labels(self):
        return [FACTS[key] for key in self.matched]

    @property
    def masked(self):
        """The account's data as staff see it: enough to compare, not to read."""
        user = self.user
        return {
            "name": mask_name(getattr(user, "first_name", ""), getattr(user, "last_name", "")),
            "email": mask_email(getattr(user, "email", "")),
            "postcode": mask_postcode(self.postcode),
            "phone": mask_phone(self.phone),
            "last_order": self.last_order_at.strftime("%m/%Y") if self.last_order_at else "",
        }


def compact_postcode(value):
    """A postcode without case, spaces or hyphens, in Python."""
    return re.sub(r"[\s-]", "", value or "").upper()


def phone_key(value):
    """The last :data:`PHONE_DIGITS` digits of a phone number, or ``""`` if too short."""
    digits = re.sub(r"\D", "", value or "")
    return digits[-PHONE_DIGITS:] if len(digits) >= 6 else ""


def score_accounts(details, limit):
    """The best ``limit`` :class:`Candidate` accounts for the facts in ``details``.

    Staff, superusers, inactive and closed accounts and accounts without an
    email address are never candidates. See :func:`oscar_privacy.recovery.candidates`.
    """
    sources = _sources(details)
    if not sources:
        return []
    user_model = get_user_model()
    scores = _scores(user_model, sources, limit)
    if not scores:
        return []
    users = {
        user.pk: user
        for user in user_model._default_manager.filter(pk__in=scores).annotate(
            **_display_annotations()
        )
    }
    found = []
    for pk, matched in scores.items():
        user = users.get(pk)
        if user is None:
            continue  # deleted in between
        found.append(
            Candidate(
                user=user,
                matched=[key for key in FACTS if key in matched],
                last_order_at=user.recovery_last_order,
                postcode=user.recovery_address_postcode or user.recovery_order_postcode or "",
                phone=user.recovery_address_phone or user.recovery_order_phone or "",
            )
        )
    return found


def _scores(user_model, sources, limit):
    """``{user pk: {facts matched}}`` of the best ``limit`` eligible accounts, best first.

    ``sources`` are ``(queryset, facts)``: each queryset selects ``uid`` and
    a 0/1 column ``f_<fact>`` per fact of ``facts``, for its rows matching
    any of them. Their ``UNION ALL`` is grouped by account.
    """
    given = [fact for fact in FACTS if any(fact in facts for _queryset, facts in sources)]
    eligible = _eligible(user_model._default_manager.order_by()).values("pk")
    connection = connections[eligible.db]
    qn = connection.ops.quote_name
    parts, params = [], []
    for queryset, facts in sources:
        sql, source_params = queryset.query.sql_with_params()
        columns = ", ".join(
            f"{'x.' + qn('f_' + fact) if fact in facts else '0'} AS {qn('f_' + fact)}"
            for fact in given
        )
        parts.append(f"SELECT x.uid AS uid, {columns} FROM ({sql}) x")  # noqa: S608
        params.extend(source_params)
    eligible_sql, eligible_params = eligible.query.sql_with_params()
    # Fact names are keys of FACTS, not input.
    names = [qn("f_" + fact) for fact in given]
    flags = [f"MAX(s.{name})" for name in names]
    strong = [f"MAX(s.{qn('f_' + fact)})" for fact in given if fact in STRONG_FACTS] or ["0"]
    sql = (
        f"SELECT s.uid, {' + '.join(flags)} AS score, {', '.join(flags)} "  # noqa: S608
        f"FROM ({' UNION ALL '.join(parts)}) s "
        f"WHERE s.uid IN ({eligible_sql}) "
        "GROUP BY s.uid "
        f"HAVING {' + '.join(flags)} >= 2 OR {' + '.join(strong)} >= 1 "
        "ORDER BY score DESC, s.uid DESC "
        "LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *eligible_params, limit])
        rows = cursor.fetchall()
    return {
        row[0]: {fact for fact, flag in zip(given, row[2:], strict=True) if flag} for row in rows
    }


def _user_field(name):
    try:
        get_user_model()._meta.get_field(name)
    except FieldDoesNotExist:
        return False
    return True


def _eligible(queryset):
    queryset = queryset.filter(
        is_active=True, is_staff=False, is_superuser=False, privacy_closure__isnull=True
    )
    return queryset.exclude(email="") if _user_field("email") else queryset.none()


def _compact(expression):
    """A postcode without case, spaces or hyphens, in SQL."""
    return Replace(Replace(Upper(expression), Value(" "), Value("")), Value("-"), Value(""))


def _source(queryset, uid, conditions):
    """``(queryset, facts)`` of :func:`_scores`: ``queryset``'s rows matching any condition."""
    if not conditions:
        return None
    flags = {
        f"f_{fact}": Case(When(condition, then=Value(1)), default=Value(0))
        for fact, condition in conditions.items()
    }
    matching = queryset.filter(reduce(operator.or_, conditions.values()))
    return matching.annotate(**flags).values(*flags, uid=F(uid)), set(conditions)


def _sources(details):
    """One source per table: each is scanned once for every fact it can match."""
    user_model = get_user_model()
    addresses = apps.get_model("address", "UserAddress")._default_manager.order_by()
    orders = apps.get_model("order", "Order")._default_manager.order_by()
    postcode = compact_postcode(details.get("postcode"))
    postcode = postcode if len(postcode) >= 2 else ""
    phone = phone_key(details.get("phone"))

    account, address_book, order = {}, {}, {}
    for fact in ("first_name", "last_name"):
        value = details.get(fact, "")
        if not value:
            continue
        if _user_field(fact):
            account[fact] = Q(**{f"{fact}__iexact": value})
        address_book[fact] = Q(**{f"{fact}__iexact": value})
        order[fact] = Q(**{f"shipping_address__{fact}__iexact": value}) | Q(
            **{f"billing_address__{fact}__iexact": value}
        )
    if details.get("email") and _user_field("email"):
        account["email"] = Q(email__iexact=details["email"])
    if postcode:
        address_book["postcode"] = Q(compact_postcode=postcode)
        order["postcode"] = Q(compact_shipping=postcode) | Q(compact_billing=postcode)
    if phone:
        address_book["phone"] = Q(phone_number__endswith=phone)
        order["phone"] = Q(shipping_address__phone_number__endswith=phone)
    if details.get("order_number"):
        order["order_number"] = Q(number=details["order_number"])

    sources = [
        _source(user_model._default_manager.order_by(), "pk", account),
        _source(addresses.alias(compact_postcode=_compact("postcode")), "user_id", address_book),
        _source(
            orders.filter(user__isnull=False).alias(
                compact_shipping=_compact("shipping_address__postcode"),
                compact_billing=_compact("billing_address__postcode"),
            ),
            "user_id",
            order,
        ),
    ]
    start, end = _date_window(details.get("last_order_date"))
    if start is not None:
        last_orders = (
            orders.filter(user__isnull=False)
            .values(uid=F("user_id"))
            .annotate(last=Max("date_placed"))
            .filter(last__gte=start, last__lt=end)
            .annotate(f_last_order_date=Value(1))
            .values("uid", "f_last_order_date")
        )
        sources.append((last_orders, {"last_order_date"}))
    return [source for source in sources if source is not None]


def _date_window(value):
    # The form checks the date; a stored value is still parsed defensively.
    try:
        day = datetime.date.fromisoformat(value)
        tolerance = datetime.timedelta(days=app_settings.RECOVERY_DATE_TOLERANCE_DAYS)
        start = datetime.datetime.combine(day - tolerance, datetime.time.min)
        end = datetime.datetime.combine(
            day + tolerance + datetime.timedelta(days=1), datetime.time.min
        )
    except (TypeError, ValueError, OverflowError):
        return None, None
    zone = timezone.get_current_timezone()
    return timezone.make_aware(start, zone), timezone.make_aware(end, zone)


def _display_annotations():
    """The last order's date and one postcode and phone per account, for the masked view."""
    addresses = (
        apps.get_model("address", "UserAddress")
        ._default_manager.filter(user=OuterRef("pk"))
        .order_by("-is_default_for_shipping", "-pk")
    )
    orders = (
        apps.get_model("order", "Order")
        ._default_manager.filter(user=OuterRef("pk"))
        .order_by("-date_placed", "-pk")
    )
    return {
        "recovery_last_order": Subquery(orders.values("date_placed")[:1]),
        "recovery_address_postcode": Subquery(addresses.values("postcode")[:1]),
        "recovery_address_phone": Subquery(addresses.values("phone_number")[:1]),
        "recovery_order_postcode": Subquery(orders.values("shipping_address__postcode")[:1]),
        "recovery_order_phone": Subquery(orders.values("shipping_address__phone_number")[:1]),
    }
