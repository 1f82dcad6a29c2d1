"""Masked forms of personal data, for staff who must tell accounts apart without reading them.

Each function keeps just enough to compare with what a person says
("c*****@e*****.com", "75***", "+33 6** ** ** 89", "C. D.") and returns
``""`` for an empty value.
"""

import phonenumbers

MASK = "*"


def mask_email(email):
    """``claire.dupont@example.com`` gives ``c*****@e*****.com``."""
    if not email:
        return ""
    local, _, domain = email.rpartition("@")
    if not local:
        return _hide(email, keep=1)
    name, dot, tld = domain.rpartition(".")
    masked_domain = f"{_hide(name, keep=1, length=5)}{dot}{tld}" if dot else _hide(domain, 1, 5)
    return f"{_hide(local, keep=1, length=5)}@{masked_domain}"


def mask_postcode(postcode):
    """``75011`` gives ``75***``: the area, not the street."""
    postcode = (postcode or "").strip()
    if not postcode:
        return ""
    return postcode[:2] + MASK * max(len(postcode) - 2, 1)


def mask_phone(number):
    """``+33612345689`` gives ``+33 6** ** ** 89``: country, first and last two digits.

    ``number`` is a string (E.164, as Oscar stores it) or a ``PhoneNumber``.
    """
    text = str(number or "").strip()
    if not text:
        return ""
    try:
        parsed = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException:
        return _mask_digits(text, keep_start=1, keep_end=2)
    formatted = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    prefix = f"+{parsed.country_code} "
    if not formatted.startswith(prefix):
        return _mask_digits(formatted, keep_start=1, keep_end=2)
    return prefix + _mask_digits(formatted[len(prefix) :], keep_start=1, keep_end=2)


def mask_name(first_name, last_name):
    """``Claire``, ``Dupont`` gives ``C. D.``: initials only."""
    initials = [f"{part.strip()[0].upper()}." for part in (first_name, last_name) if part.strip()]
    return " ".join(initials)


def _hide(value, keep=1, length=None):
    return value[:keep] + MASK * (length if length is not None else max(len(value) - keep, 1))


def _mask_digits(text, keep_start, keep_end):
    total = sum(char.isdigit() for char in text)
    seen = 0
    out = []
    for char in text:
        if char.isdigit():
            seen += 1
            if seen > keep_start and seen <= total - keep_end:
                char = MASK
        out.append(char)
    return "".join(out)
