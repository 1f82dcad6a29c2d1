"""Rate limits: one key for an identifier, whatever form it was typed in.

Every throttle that counts per login, username or email address (the login
pause of django-axes, the forgotten-password form, the privacy request form)
counts :func:`normalise_identifier` of what was typed, never the text as
typed. Django matches logins after Unicode normalisation (``UsernameField``
and ``AbstractBaseUser.normalize_username`` apply NFKC) and Oscar's email
backend and the reset form match addresses whatever their case: were the
throttle keyed on the raw text, ``ｃｓ`` (fullwidth) would log in as ``cs``
while ``cs`` is paused, and ``CS``, ``Cs``... would each get a fresh count.

Throttles per IP address, per account (the staff's reset link) or per device
(django-otp's two-factor codes) need no identifier and are unaffected.
"""

import unicodedata

from django_ratelimit.core import is_ratelimited

IDENTIFIER_MAX_LENGTH = 255
"""Longer identifiers are cut: the key of django-axes' ``username`` column."""


def normalise_identifier(identifier):
    """``identifier`` as every rate limit counts it: one key for all its look-alikes.

    NFKC (what Django applies to usernames: fullwidth ``ｃｓ`` is ``cs``,
    ``e`` followed by a combining acute accent is ``é``), then case folding
    (``CS``, ``ß`` and ``SS`` alike), then NFKC again, since folding can undo
    a composition; surrounding white space and NUL characters are dropped.
    Anything that is not text counts as the empty string.
    """
    if not isinstance(identifier, str):
        return ""
    text = unicodedata.normalize("NFKC", identifier.replace("\x00", ""))
    text = unicodedata.normalize("NFKC", text.casefold()).strip()
    return text[:IDENTIFIER_MAX_LENGTH]


def is_limited(request, *, group, rate, identifier=None):
    """Count one request in ``group``; ``True`` when it is over ``rate``.

    ``rate`` is a django-ratelimit rate (``"3/h"``). Counted per client IP
    address, or per :func:`normalise_identifier` of ``identifier`` when one
    is given (an empty identifier is not counted: ``False``).
    """
    key = "ip"
    if identifier is not None:
        normalised = normalise_identifier(identifier)
        if not normalised:
            return False

        def key(group, request):
            return normalised

    return is_ratelimited(request, group=group, key=key, rate=rate, increment=True)
