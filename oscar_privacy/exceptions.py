"""One tree of exceptions: catch :class:`PrivacyError` to catch them all.

A configuration mistake is also an ``ImproperlyConfigured``, so Django and
shop code that already handle that keep working.
"""

from django.core.exceptions import ImproperlyConfigured, PermissionDenied


class PrivacyError(Exception):
    """Base class of every error raised by oscar-privacy."""


class PrivacyConfigurationError(PrivacyError, ImproperlyConfigured):
    """A setting, data map entry or retention rule is wrong.

    The message names the setting or entry to fix.
    """


class DataMapError(PrivacyConfigurationError):
    """A data map entry is invalid or registered twice."""


class RetentionRuleError(PrivacyConfigurationError):
    """A retention rule is unknown, malformed or refers to an unknown category."""


class AppendOnlyError(PrivacyError):
    """Someone tried to change or delete a record that may only be added to."""


class PasswordResetRefused(PrivacyError, ValueError):
    """No password reset link may be sent to this account.

    ``reason`` says why, as one of ``"inactive"``, ``"closed"`` and
    ``"no_email"``; the message is for staff and logs, never for the person
    asking (who must not learn whether the account exists).
    """

    def __init__(self, message, *, reason):
        super().__init__(message)
        self.reason = reason


class TwoFactorRefused(PrivacyError, ValueError):
    """A code typed to set up or pass the staff second factor was not accepted.

    ``reason`` is one of ``"wrong_code"`` (wrong, or already used),
    ``"throttled"`` (too many wrong codes in a row: django-otp makes the
    person wait) and ``"expired"`` (the enrolment began in another session,
    or is already done). The message can be shown to the person.
    """

    def __init__(self, message, *, reason):
        super().__init__(message)
        self.reason = reason


class AccountDeletionRefused(PrivacyError, PermissionDenied):
    """An account may not be deleted: customers are closed, and orders are kept.

    Raised by the ``pre_delete`` guard of the user model
    (``oscar_privacy.account_deletion``), whatever deleted it: an admin
    page, ``user.delete()``, a queryset or a cascade. As a
    ``PermissionDenied``, a request that runs into it gets Django's 403 page,
    never a 500. The message says why and names the closure, for staff.
    """
