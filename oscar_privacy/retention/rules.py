"""Retention rules as data: (category, start event, period, action).

The defaults follow French practice; each names its source. Shops change
them with ``OSCAR_PRIVACY_RETENTION``::

    OSCAR_PRIVACY_RETENTION = {
        "shop_statistics": {"period": "P25M"},
        "loyalty_cards": {
            "category": "identity", "start": "last_activity", "period": "P3Y",
            "action": "delete", "description": "Loyalty cards", "source": "Our choice",
        },
    }
"""

import re
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from ..datamap.vocabulary import Category
from ..exceptions import RetentionRuleError
from ..overrides import apply_overrides


class Start:
    """Events a retention period is counted from."""

    CREATED = "created"
    LAST_MODIFIED = "last_modified"
    ORDER_PLACED = "order_placed"
    LAST_ACTIVITY = "last_activity"
    RELATIONSHIP_END = "relationship_end"
    EXPIRY = "expiry"

    labels = {
        CREATED: _("when the record was created"),
        LAST_MODIFIED: _("when the record was last changed"),
        ORDER_PLACED: _("when the order was placed"),
        LAST_ACTIVITY: _("the person's last login or order"),
        RELATIONSHIP_END: _("the end of the relationship (account closed or last activity)"),
        EXPIRY: _("the record's own expiry date"),
    }


class Action:
    """What happens to data once its period has run."""

    DELETE = "delete"
    ANONYMISE = "anonymise"
    CLOSE_ACCOUNT = "close_account"
    REVIEW = "review"

    labels = {
        DELETE: _("deleted"),
        ANONYMISE: _("anonymised"),
        CLOSE_ACCOUNT: _("the person is warned, then the account is closed and erased"),
        REVIEW: _(
            "reviewed by the data protection officer (staff data is never erased automatically)"
        ),
    }


_UNITS = (
    lambda n: ngettext("%(count)d year", "%(count)d years", n) % {"count": n},
    lambda n: ngettext("%(count)d month", "%(count)d months", n) % {"count": n},
    lambda n: ngettext("%(count)d week", "%(count)d weeks", n) % {"count": n},
    lambda n: ngettext("%(count)d day", "%(count)d days", n) % {"count": n},
)
_PERIOD = re.compile(r"^P(?!$)(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?$")


def parse_period(value):
    """Parse an ISO 8601 period (``P10Y``, ``P13M``, ``P1Y6M``, ``P30D``) into a relativedelta."""
    match = _PERIOD.match(value) if isinstance(value, str) else None
    if not match:
        raise RetentionRuleError(
            f"Retention period {value!r} is not an ISO 8601 period such as 'P10Y', 'P13M' "
            "or 'P30D'."
        )
    years, months, weeks, days = (int(part or 0) for part in match.groups())
    return relativedelta(years=years, months=months, days=days + 7 * weeks)


@dataclass(frozen=True)
class Rule:
    name: str
    category: str
    start: str
    period: str
    action: str
    description: str
    source: str

    @property
    def delta(self):
        return parse_period(self.period)

    def cutoff(self, now):
        """Data whose start event is before this moment has run its period."""
        return now - self.delta

    @property
    def period_label(self):
        """``"P1Y6M"`` gives ``"1 year, 6 months"``, ``"P0D"`` ``"0 days"`` (active language)."""
        counts = zip(_PERIOD.match(self.period).groups(), _UNITS, strict=True)
        parts = [unit(int(count)) for count, unit in counts if count and int(count)]
        return ", ".join(parts) or _UNITS[-1](0)

    @property
    def start_label(self):
        return Start.labels[self.start]

    @property
    def action_label(self):
        return Action.labels[self.action]

    def validate(self):
        where = f"OSCAR_PRIVACY_RETENTION[{self.name!r}]"
        if self.category not in Category.values:
            raise RetentionRuleError(
                f"{where}: category {self.category!r} is not one of {', '.join(Category.values)}."
            )
        if self.start not in Start.labels:
            raise RetentionRuleError(
                f"{where}: start {self.start!r} is not one of {', '.join(Start.labels)}."
            )
        if self.action not in Action.labels:
            raise RetentionRuleError(
                f"{where}: action {self.action!r} is not one of {', '.join(Action.labels)}."
            )
        try:
            parse_period(self.period)
        except RetentionRuleError as exc:
            raise RetentionRuleError(f"{where}: {exc}") from None


DEFAULT_RULES = (
    Rule(
        "accounting_records",
        Category.ORDER,
        Start.ORDER_PLACED,
        "P10Y",
        Action.ANONYMISE,
        _(
            "Orders, invoices and their addresses are kept for accounting; then the person's "
            "details are removed and only amounts, dates, country and the first two characters "
            "of the postcode remain."
        ),
        _("French Commercial Code, art. L123-22 (accounting records: 10 years)"),
    ),
    Rule(
        "customer_account",
        Category.IDENTITY,
        Start.LAST_ACTIVITY,
        "P3Y",
        Action.CLOSE_ACCOUNT,
        _("Customer accounts and what they hold, while the customer is active."),
        _("CNIL, commercial management reference framework (2021): 3 years after the last contact"),
    ),
    Rule(
        "shop_statistics",
        Category.BEHAVIOUR,
        Start.CREATED,
        "P13M",
        Action.DELETE,
        _("Product views and searches of logged-in customers."),
        _("CNIL guidelines on cookies and trackers (deliberation 2020-091): 13 months"),
    ),
    Rule(
        "stale_baskets",
        Category.BEHAVIOUR,
        Start.LAST_MODIFIED,
        "P90D",
        Action.DELETE,
        _("Baskets left open without an order."),
        _("Shop's choice: a basket untouched for a season is of no use to the customer"),
    ),
    Rule(
        "unconfirmed_alerts",
        Category.CONTACT,
        Start.CREATED,
        "P30D",
        Action.DELETE,
        _("Back-in-stock alerts whose confirmation link was never followed."),
        _("Shop's choice: the person did not confirm the request"),
    ),
    Rule(
        "unconfirmed_subscriptions",
        Category.CONTACT,
        Start.LAST_MODIFIED,
        "P30D",
        Action.DELETE,
        _(
            "Newsletter subscriptions whose confirmation link was never followed, counted "
            "from the last link sent."
        ),
        _(
            "Shop's choice: an address nobody confirmed may be someone else's; the link works "
            "for a week, a month leaves time to ask for another one"
        ),
    ),
    Rule(
        "newsletter_subscriptions",
        Category.CONTACT,
        Start.RELATIONSHIP_END,
        "P0D",
        Action.ANONYMISE,
        _(
            "Newsletter subscriptions: the address is kept while the person receives the "
            "newsletter, and erased at once when they unsubscribe (or their mailbox bounces); "
            "a keyed hash of it stays so that no form or import adds it again."
        ),
        _(
            "GDPR art. 7(3) and 21(3): withdrawal and objection take effect at once; CNIL, "
            "objection lists kept to honour the objection"
        ),
    ),
    Rule(
        "email_history",
        Category.COMMUNICATION,
        Start.CREATED,
        "P1Y",
        Action.DELETE,
        _("Copies of the emails and notifications sent to a customer."),
        _("Shop's choice: long enough for customer service"),
    ),
    Rule(
        "bank_cards",
        Category.PAYMENT,
        Start.CREATED,
        "P0D",
        Action.DELETE,
        _(
            "Bank card details. The shop keeps none: card data stays with the payment "
            "provider, so any such row is deleted."
        ),
        _("The shop's privacy policy; PCI DSS"),
    ),
    Rule(
        "sessions",
        Category.SECURITY,
        Start.EXPIRY,
        "P0D",
        Action.DELETE,
        _("Login sessions and the checkout details they hold."),
        _("Django session expiry (SESSION_COOKIE_AGE)"),
    ),
    Rule(
        "audit_trail",
        Category.SECURITY,
        Start.CREATED,
        "P1Y",
        Action.DELETE,
        _("The record of staff reads and actions on personal data."),
        _("CNIL recommendation on logging (deliberation 2021-122): 6 months to 1 year"),
    ),
    Rule(
        "login_attempts",
        Category.SECURITY,
        Start.CREATED,
        "P30D",
        Action.DELETE,
        _(
            "Failed login attempts (the login typed, network address and browser) that pause "
            "logging in after too many failures."
        ),
        _(
            "CNIL recommendation on logging (deliberation 2021-122): logs kept only as long "
            "as their purpose needs, 6 months to 1 year at most; a month covers the pause "
            "and the investigation of an attack"
        ),
    ),
    Rule(
        "consent_proof",
        Category.EVIDENCE,
        Start.RELATIONSHIP_END,
        "P5Y",
        Action.DELETE,
        _("Proof of consents given and withdrawn, and of privacy requests handled."),
        _("French Civil Code, art. 2224 (5-year limitation period); GDPR art. 7(1)"),
    ),
    Rule(
        "unconfirmed_requests",
        Category.COMMUNICATION,
        Start.CREATED,
        "P30D",
        Action.DELETE,
        _(
            "Privacy requests sent from the contact form whose confirmation link was never "
            "followed, with what the sender wrote."
        ),
        _(
            "GDPR art. 5(1)(c) and (e): an unconfirmed request comes from someone who never "
            "showed they read the address given, so the shop may not act on it and has no "
            "answer to prove; kept long enough to outlive its confirmation link"
        ),
    ),
    Rule(
        "data_exports",
        Category.EVIDENCE,
        Start.EXPIRY,
        "P0D",
        Action.DELETE,
        _(
            "Copies of their data prepared for customers to download: each archive is deleted "
            "when its download period ends."
        ),
        _("GDPR art. 5(1)(e): kept no longer than needed to hand the copy over"),
    ),
    Rule(
        "staff_records",
        Category.SECURITY,
        Start.RELATIONSHIP_END,
        "P5Y",
        Action.REVIEW,
        _("Staff and editor accounts, their devices and the history of their edits."),
        _("French Civil Code, art. 2224 (5-year limitation period)"),
    ),
)


def get_rules():
    """``{name: Rule}``: the default rules, with ``OSCAR_PRIVACY_RETENTION`` applied, validated."""
    from ..conf import app_settings

    rules = apply_overrides(
        DEFAULT_RULES,
        app_settings.RETENTION,
        setting="OSCAR_PRIVACY_RETENTION",
        noun="rule",
        required=("category", "start", "period", "action", "description", "source"),
        error=RetentionRuleError,
    )
    for rule in rules.values():
        rule.validate()
    return rules


def get_rule(name):
    """The rule called ``name``, or a :class:`RetentionRuleError` listing the known ones."""
    rules = get_rules()
    try:
        return rules[name]
    except KeyError:
        raise RetentionRuleError(
            f"Unknown retention rule {name!r}; known rules: {', '.join(sorted(rules))}."
        ) from None
