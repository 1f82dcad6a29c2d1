"""The words the data map is written in: data categories, legal bases,
categories of people, and what erasure does to a model's rows."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    """Category of a personal field (what kind of data it is)."""

    IDENTITY = "identity", _("Identity")
    CONTACT = "contact", _("Contact details")
    ADDRESS = "address", _("Postal addresses")
    ORDER = "order", _("Orders and accounting")
    PAYMENT = "payment", _("Payment data")
    BEHAVIOUR = "behaviour", _("Browsing and shopping behaviour")
    COMMUNICATION = "communication", _("Messages and communications")
    CONTENT = "content", _("Content written by the person")
    SECURITY = "security", _("Security and access")
    EVIDENCE = "evidence", _("Proof of consent and of requests")


class LegalBasis(models.TextChoices):
    """Lawful basis of a processing purpose (GDPR Art. 6(1))."""

    CONSENT = "consent", _("Consent (GDPR Art. 6(1)(a))")
    CONTRACT = "contract", _("Performance of a contract (GDPR Art. 6(1)(b))")
    LEGAL_OBLIGATION = "legal_obligation", _("Legal obligation (GDPR Art. 6(1)(c))")
    LEGITIMATE_INTEREST = "legitimate_interest", _("Legitimate interests (GDPR Art. 6(1)(f))")


class Subject(models.TextChoices):
    """Category of people the data is about (GDPR Art. 30(1)(c))."""

    CUSTOMERS = "customers", _("Customers with an account")
    GUESTS = "guests", _("Customers who ordered without an account")
    PROSPECTS = "prospects", _("Prospects and newsletter subscribers")
    VISITORS = "visitors", _("Visitors of the site")
    STAFF = "staff", _("Staff and editors")


class Erasure(models.TextChoices):
    """What erasing a person does to a model's rows."""

    DELETE = "delete", _("Deleted")
    ANONYMISE = "anonymise", _("Anonymised: personal fields cleared, the row kept")
    KEEP = "keep", _("Kept under a legal hold until its retention period ends")
