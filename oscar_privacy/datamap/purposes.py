"""Processing purposes: why personal data is processed, on what legal basis.

Each data map entry names one or more purposes; the register of processing
(GDPR Art. 30) has one section per purpose. Shops add or change purposes
with ``OSCAR_PRIVACY_PURPOSES``.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ..exceptions import PrivacyConfigurationError
from ..overrides import apply_overrides
from .vocabulary import LegalBasis, Subject


@dataclass(frozen=True)
class Purpose:
    """Why personal data is processed (one activity of the register).

    ``subjects`` narrows the people the purpose concerns: a model serving
    several purposes (the user model is both a customer's account and a staff
    login) lists all its people, and each purpose keeps those it is about.
    Empty means everyone its data map entries name.
    """

    key: str
    name: str
    description: str
    legal_basis: str
    legal_reference: str = ""
    subjects: tuple = ()


BUILTIN_PURPOSES = (
    Purpose(
        "customer_accounts",
        _("Customer accounts"),
        _(
            "Creating and managing the customer's account: login, profile, address book, "
            "wish lists and order history."
        ),
        LegalBasis.CONTRACT,
        subjects=(Subject.CUSTOMERS,),
    ),
    Purpose(
        "orders",
        _("Orders and delivery"),
        _(
            "Taking, preparing, delivering and following up orders, including returns, "
            "guarantees and customer service."
        ),
        LegalBasis.CONTRACT,
        subjects=(Subject.CUSTOMERS, Subject.GUESTS, Subject.VISITORS),
    ),
    Purpose(
        "accounting",
        _("Accounting and tax records"),
        _("Keeping the accounting records and invoices the law requires."),
        LegalBasis.LEGAL_OBLIGATION,
        _("French Commercial Code, art. L123-22; Tax Procedures Code, art. L102 B"),
        subjects=(Subject.CUSTOMERS, Subject.GUESTS),
    ),
    Purpose(
        "customer_communications",
        _("Service messages"),
        _(
            "Emails and notifications about the customer's account and orders (order "
            "confirmation, password reset, back-in-stock alerts the customer asked for)."
        ),
        LegalBasis.CONTRACT,
        subjects=(Subject.CUSTOMERS, Subject.GUESTS, Subject.VISITORS),
    ),
    Purpose(
        "newsletter",
        _("Newsletter"),
        _(
            "Sending the newsletter to the people who asked for it, managed apart from "
            "customer accounts, until they unsubscribe; keeping unsubscribed addresses, as a "
            "keyed hash, from being added again."
        ),
        LegalBasis.CONSENT,
        subjects=(Subject.CUSTOMERS, Subject.GUESTS, Subject.PROSPECTS),
    ),
    Purpose(
        "product_reviews",
        pgettext_lazy("processing purpose", "Product reviews"),
        _("Publishing the reviews customers choose to write, and their votes on reviews."),
        LegalBasis.CONSENT,
    ),
    Purpose(
        "shop_statistics",
        _("Shop statistics"),
        _(
            "Counting product views, searches and purchases to measure the shop's audience "
            "and suggest products."
        ),
        LegalBasis.LEGITIMATE_INTEREST,
    ),
    Purpose(
        "security",
        _("Security of the site and of accounts"),
        _(
            "Sessions, login protection, two-factor authentication of staff and the record "
            "of what staff do with personal data."
        ),
        LegalBasis.LEGAL_OBLIGATION,
        _("GDPR art. 32 (security of processing)"),
    ),
    Purpose(
        "privacy_compliance",
        _("Proof of compliance"),
        _(
            "Keeping proof of consents given and withdrawn and of the handling of requests "
            "to exercise privacy rights."
        ),
        LegalBasis.LEGAL_OBLIGATION,
        _("GDPR art. 5(2), 7(1) and 12"),
    ),
    Purpose(
        "site_administration",
        pgettext_lazy("processing purpose", "Site administration"),
        _(
            "Accounts of staff and editors and the history of their changes to the "
            "catalogue and to the site's pages."
        ),
        LegalBasis.LEGITIMATE_INTEREST,
        subjects=(Subject.STAFF,),
    ),
)


def get_purposes():
    """``{key: Purpose}``: the built-in purposes with ``OSCAR_PRIVACY_PURPOSES`` applied."""
    from ..conf import app_settings

    purposes = apply_overrides(
        BUILTIN_PURPOSES,
        app_settings.PURPOSES,
        setting="OSCAR_PRIVACY_PURPOSES",
        noun="purpose",
        required=("name", "description", "legal_basis"),
        error=PrivacyConfigurationError,
        removable=True,
    )
    for purpose in purposes.values():
        if purpose.legal_basis not in LegalBasis.values:
            raise PrivacyConfigurationError(
                f"Purpose {purpose.key!r}: legal_basis {purpose.legal_basis!r} is not one of "
                f"{', '.join(LegalBasis.values)}."
            )
    return purposes
