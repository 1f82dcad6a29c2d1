"""The signed tokens of the newsletter's links: unsubscribe, confirm, re-subscribe.

Django's signing with a salt per purpose, so a token made for one link is
refused by another. None holds the address: a link may end up in logs.

- **unsubscribe**: the subscription's id, signed, without a date. It must
  work for as long as the newsletter that carries it may be read.
- **confirm**: the subscription's id and *generation*, signed with a date:
  it works for ``NEWSLETTER_CONFIRMATION_DAYS`` and only while the
  subscription is still in the state it was sent for. When an account
  asked, its id too: following the link links the subscription to that
  account (the address confirmed it).
- **re-subscribe**: the id of the privacy request, signed with a date.
"""

from django.core import signing
from django.utils.http import base36_to_int, int_to_base36

from ..conf import app_settings
from ..exceptions import PrivacyError

UNSUBSCRIBE_SALT = "oscar_privacy.newsletter.unsubscribe"
CONFIRM_SALT = "oscar_privacy.newsletter.confirm"
RESUBSCRIBE_SALT = "oscar_privacy.newsletter.resubscribe"


class BadToken(PrivacyError, ValueError):
    """A link's token is damaged: tampered with, cut short, or made for another link."""


class ExpiredToken(BadToken):
    """A link's token was valid but is too old."""


def _max_age():
    return app_settings.NEWSLETTER_CONFIRMATION_DAYS * 86400


def _ints(value, count):
    """The numbers in ``value``; ``count`` is how many it must hold (an int, or a tuple of ints)."""
    try:
        numbers = [base36_to_int(part) for part in value.split(".")]
    except (ValueError, TypeError):
        raise BadToken("The token does not hold what it should.") from None
    if len(numbers) not in (count if isinstance(count, tuple) else (count,)):
        raise BadToken("The token does not hold what it should.")
    return numbers


def unsubscribe_token(subscription_id):
    """The token of the unsubscribe link of ``subscription_id``."""
    return signing.Signer(salt=UNSUBSCRIBE_SALT).sign(int_to_base36(subscription_id))


def read_unsubscribe_token(token):
    """The subscription id in ``token``; raises :class:`BadToken`."""
    try:
        value = signing.Signer(salt=UNSUBSCRIBE_SALT).unsign(token or "")
    except signing.BadSignature:
        raise BadToken("The unsubscribe token is damaged.") from None
    return _ints(value, 1)[0]


def confirm_token(subscription, account=None):
    """The token of the confirmation link of ``subscription`` as it is now.

    ``account``: the user who asked from their account, to be linked once
    the link is followed.
    """
    parts = [subscription.pk, subscription.generation]
    if account is not None:
        parts.append(account.pk)
    value = ".".join(int_to_base36(part) for part in parts)
    return signing.TimestampSigner(salt=CONFIRM_SALT).sign(value)


def read_confirm_token(token):
    """``(subscription id, generation, account id or None)``.

    Raises :class:`BadToken` or :class:`ExpiredToken`. Links sent before
    accounts were named in them hold no account.
    """
    numbers = _timed(token, CONFIRM_SALT, (2, 3))
    return numbers[0], numbers[1], numbers[2] if len(numbers) == 3 else None


def resubscribe_token(privacy_request_id):
    """The token of the link that confirms the re-subscription request ``privacy_request_id``."""
    return signing.TimestampSigner(salt=RESUBSCRIBE_SALT).sign(int_to_base36(privacy_request_id))


def read_resubscribe_token(token):
    """The privacy request id; raises :class:`BadToken` or :class:`ExpiredToken`."""
    return _timed(token, RESUBSCRIBE_SALT, 1)[0]


def _timed(token, salt, count):
    try:
        value = signing.TimestampSigner(salt=salt).unsign(token or "", max_age=_max_age())
    except signing.SignatureExpired:
        raise ExpiredToken("The link has expired.") from None
    except signing.BadSignature:
        raise BadToken("The token is damaged.") from None
    return _ints(value, count)
