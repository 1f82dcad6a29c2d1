"""The customer's privacy pages in "My account": what the shop holds, and consents.

Plain functions the views call. :func:`personal_data` reads the data map and
returns plain data (no HTML); :func:`consent_overview` and
:func:`withdraw_consent` show and change the person's consents.

Rows are found by the person's account only, never by email address: Oscar
does not verify the address given at registration, so matching guest orders
or subscriptions by email could show one person the data of another.
"""

from dataclasses import dataclass, field

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, Max, Window
from django.utils.translation import gettext_lazy as _

from .consent import record_consents
from .datamap import datamap
from .datamap.purposes import get_purposes
from .datamap.reading import display_value, person_queryset
from .datamap.vocabulary import Category, LegalBasis, Subject
from .exceptions import PrivacyError
from .models import ConsentAction, ConsentChannel, ConsentPurpose, ConsentRecord
from .retention.rules import Start, get_rules

ROWS_SHOWN = 20
"""Rows of one model shown on the page; the rest are counted."""

WITHDRAWABLE = frozenset({ConsentPurpose.NEWSLETTER})
"""Consents a customer may withdraw from the consents page."""

# The date field a row's retention is counted from, for rules that start
# with an order: the order's own date.
ORDER_DATE_FIELD = "date_placed"


@dataclass
class Table:
    """The rows of one model, limited to the fields of one category."""

    label: str
    description: str
    columns: list
    rows: list
    total: int

    @property
    def not_shown(self):
        return self.total - len(self.rows)


@dataclass
class Retention:
    """How long a category of data is kept, in words, with a date when it can be computed."""

    description: str
    wording: str
    kept_until: object = None


@dataclass
class Section:
    """One category of personal data: what is held, why, and for how long."""

    category: str
    label: str
    tables: list = field(default_factory=list)
    purposes: list = field(default_factory=list)
    retention: list = field(default_factory=list)


@dataclass(frozen=True)
class Row:
    """One row's values, in the order of its table's columns, and its end date if known."""

    values: tuple
    kept_until: object = None


class ConsentWithdrawalError(PrivacyError, ValueError):
    """A consent cannot be withdrawn here; the message says why, to the customer."""


def period_wording(rule):
    """How long ``rule`` keeps data, in words: "Kept 10 years, counted from ...; then ..."."""
    words = {"start": rule.start_label, "action": rule.action_label}
    if not rule.delta:  # an empty relativedelta is false
        if rule.start == Start.CREATED:
            return _("Not kept: %(action)s as soon as it is found.") % words
        return _("Kept until %(start)s; then %(action)s.") % words
    return _("Kept %(period)s, counted from %(start)s; then %(action)s.") % {
        "period": rule.period_label,
        **words,
    }


def last_activity(user):
    """The person's last login or newest order, whichever is later (``None`` if neither)."""
    moments = [user.last_login]
    try:
        order_model = apps.get_model("order", "Order")
    except LookupError:
        order_model = None
    if order_model is not None:
        newest = order_model.objects.filter(user=user).aggregate(newest=Max(ORDER_DATE_FIELD))
        moments.append(newest["newest"])
    moments = [moment for moment in moments if moment is not None]
    return max(moments) if moments else None


def personal_data(user, *, rows_shown=ROWS_SHOWN):
    """Everything the data map holds about ``user``, grouped by category.

    Returns a list of :class:`Section`, in the order of the data map's
    categories, holding only the categories with data. Each model costs one
    query (two with many-to-many fields), however many rows the person has;
    only the ``rows_shown`` most recent rows of a model are read, the others
    are counted.
    """
    # A purpose about other people (staff administration, for a customer)
    # is not why the shop keeps this person's data.
    subject = Subject.STAFF if user.is_staff else Subject.CUSTOMERS
    purposes = {
        key: purpose
        for key, purpose in get_purposes().items()
        if not purpose.subjects or subject in purpose.subjects
    }
    rules = get_rules()
    activity = last_activity(user)
    sections = {value: Section(value, label) for value, label in Category.choices}
    for entry in datamap:
        if not entry.user_path:
            continue  # reached by a cookie or a note only: nothing to read by account
        exported = [f for f in entry.fields if f.export]
        if not exported:
            continue
        rows, total = _read_rows(entry, exported, user, rules, rows_shown)
        if not total:
            continue
        model = entry.model_class
        user_model = get_user_model()
        for category in [c for c in Category.values if any(f.category == c for f in exported)]:
            indexes = [i for i, f in enumerate(exported) if f.category == category]
            if all(
                model._meta.get_field(exported[i].name).related_model is user_model for i in indexes
            ) and all(row.values[i] == str(user) for row in rows for i in indexes):
                continue  # only links to the person: nothing to say on their own page
            section = sections[category]
            section.tables.append(
                Table(
                    label=str(model._meta.verbose_name_plural).capitalize(),
                    description=str(entry.description),
                    columns=[
                        str(model._meta.get_field(exported[i].name).verbose_name).capitalize()
                        for i in indexes
                    ],
                    rows=[
                        Row(tuple(row.values[i] for i in indexes), row.kept_until) for row in rows
                    ],
                    total=total,
                )
            )
            _add_purposes(section, entry, purposes)
            _add_retention(section, entry, rules, activity)
    return [section for section in sections.values() if section.tables]


def _add_purposes(section, entry, purposes):
    for key in entry.purposes:
        purpose = purposes.get(key)
        if purpose is None:
            continue
        item = {
            "name": str(purpose.name),
            "description": str(purpose.description),
            "legal_basis": str(LegalBasis(purpose.legal_basis).label),
        }
        if item not in section.purposes:
            section.purposes.append(item)


def _add_retention(section, entry, rules, activity):
    for name in entry.retention:
        rule = rules.get(name)
        if rule is None:
            continue
        kept_until = None
        if rule.start == Start.LAST_ACTIVITY and activity is not None:
            kept_until = activity + rule.delta
        item = Retention(str(rule.description), str(period_wording(rule)), kept_until)
        if item not in section.retention:
            section.retention.append(item)


def _read_rows(entry, exported, user, rules, rows_shown):
    """``(rows, total)``: the newest ``rows_shown`` rows of ``entry`` about ``user``."""
    queryset = (
        person_queryset(entry, user, exported)
        .annotate(_privacy_total=Window(Count("pk")))
        .order_by("-pk")
    )
    objects = list(queryset[:rows_shown])
    if not objects:
        return [], 0
    model = entry.model_class
    order_rules = [
        rules[name]
        for name in entry.retention
        if name in rules and rules[name].start == Start.ORDER_PLACED
    ]
    dated = order_rules and any(f.name == ORDER_DATE_FIELD for f in model._meta.concrete_fields)
    rows = []
    for obj in objects:
        kept_until = None
        if dated and getattr(obj, ORDER_DATE_FIELD):
            placed = getattr(obj, ORDER_DATE_FIELD)
            kept_until = max(placed + rule.delta for rule in order_rules)
        rows.append(Row(tuple(display_value(obj, f.name, user) for f in exported), kept_until))
    return rows, objects[0]._privacy_total


# Consents --------------------------------------------------------------------


def consent_overview(user):
    """``(states, history)`` of the person's consents, in one query.

    ``states`` has one dict per purpose (``purpose``, ``label``, ``record``:
    the latest record or ``None``, ``state``: given, withdrawn or never, and
    ``withdrawable``); ``history`` lists every record, newest first.
    """
    history = list(ConsentRecord.objects.filter(user=user).select_related("version"))
    latest = {}
    for record in history:
        latest.setdefault(record.purpose, record)
    states = []
    for purpose, label in ConsentPurpose.choices:
        record = latest.get(purpose)
        state = record.action if record is not None else "never"
        states.append(
            {
                "purpose": purpose,
                "label": label,
                "record": record,
                "state": state,
                "withdrawable": purpose in WITHDRAWABLE and state == ConsentAction.GIVEN,
            }
        )
    return states, history


def withdrawal_refusal(user, purpose):
    """Why ``user`` may not withdraw ``purpose`` from the consents page, or ``None``."""
    if purpose not in ConsentPurpose.values:
        return _("This consent does not exist.")
    if purpose not in WITHDRAWABLE:
        return _(
            "Accepting %(document)s is required to have an account: withdrawing it means "
            "closing the account."
        ) % {"document": ConsentPurpose(purpose).label}
    latest = ConsentRecord.objects.filter(user=user, purpose=purpose).first()
    if latest is None or latest.action != ConsentAction.GIVEN:
        return _("You have not given this consent, so there is nothing to withdraw.")
    return None


def withdraw_consent(user, purpose, request=None):
    """Record that ``user`` withdraws ``purpose``, effective at once.

    Returns the new :class:`~oscar_privacy.models.ConsentRecord`; raises
    :class:`ConsentWithdrawalError` if the consent is unknown, required for
    the account (privacy policy, terms of sale) or not given.
    """
    with transaction.atomic():
        # One withdrawal at a time per person: two clicks record one withdrawal.
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        refusal = withdrawal_refusal(user, purpose)
        if refusal is not None:
            raise ConsentWithdrawalError(str(refusal))
        (record,) = record_consents(
            [(purpose, ConsentAction.WITHDRAWN, None)],
            channel=ConsentChannel.MY_ACCOUNT,
            user=user,
            request=request,
        )
    return record
