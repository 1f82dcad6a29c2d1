"""Addresses as the newsletter knows them: normalised, and their keyed hash.

The hash is an HMAC-SHA256 of the case-folded address, keyed by
``OSCAR_PRIVACY_NEWSLETTER_HASH_KEY`` (or a key derived from ``SECRET_KEY``):
the same address always gives the same hash, and without the key nobody
can test an address against the suppression list.
"""

import hashlib
import hmac

from django.conf import settings

from ..conf import app_settings


def normalise(email):
    """``email`` trimmed, its domain lower-cased (the local part is kept as typed)."""
    email = (email or "").strip()
    local, at, domain = email.rpartition("@")
    return f"{local}@{domain.lower()}" if at else email


def _key():
    configured = app_settings.NEWSLETTER_HASH_KEY
    if configured:
        return configured.encode() if isinstance(configured, str) else bytes(configured)
    derived = "oscar_privacy.newsletter.address" + settings.SECRET_KEY
    return hashlib.sha256(derived.encode()).digest()


def address_hash(email):
    """The keyed hash of ``email``, as 64 hexadecimal characters.

    Case does not count (``Alice@Example.com`` is ``alice@example.com``):
    mailboxes ignore it in practice, and a different case must not slip an
    unsubscribed address back onto the list.
    """
    return hmac.new(_key(), normalise(email).casefold().encode(), hashlib.sha256).hexdigest()


def masked(email):
    """``c******@example.com``: enough for its owner to recognise, on a page."""
    local, at, domain = (email or "").rpartition("@")
    if not at:
        return ""
    return f"{local[:1]}{'*' * max(len(local) - 1, 3)}@{domain}"
