"""A password validator following the CNIL's recommendation on passwords.

CNIL deliberation no. 2022-100 of 21 July 2022 asks, for a password that is
the only authentication factor and without other protection than a rate
limit on attempts, an entropy of at least 80 bits: for example 12 characters
mixing upper-case and lower-case letters, digits and symbols. That is the
default here. Add it to ``AUTH_PASSWORD_VALIDATORS``::

    {
        "NAME": "oscar_privacy.password_validation.CNILPasswordValidator",
        "OPTIONS": {"min_length": 12, "min_classes": 4},
    }

The CNIL's other example of the same strength, 14 characters from three
classes without a required symbol, is ``{"min_length": 14, "min_classes": 3}``.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

CLASSES = (
    ("lower", _("a lower-case letter")),
    ("upper", _("an upper-case letter")),
    ("digit", _("a digit")),
    ("symbol", _("a symbol (punctuation, space or any other sign)")),
)


def character_classes(password):
    """The classes of characters ``password`` uses, as a set of ``CLASSES`` keys.

    Letters of every alphabet count by their case; anything that is neither
    a letter nor a digit counts as a symbol.
    """
    found = set()
    for char in password:
        if char.isdigit():
            found.add("digit")
        elif char.isalpha():
            if char.isupper():
                found.add("upper")
            elif char.islower():
                found.add("lower")
            # Letters without case (CJK...) are neither, nor a symbol.
        else:
            found.add("symbol")
    return found


class CNILPasswordValidator:
    """At least ``min_length`` characters from at least ``min_classes`` of four classes.

    The classes are lower-case letters, upper-case letters, digits and
    symbols. Defaults: 12 characters, all four classes.
    """

    def __init__(self, min_length=12, min_classes=4):
        if not 1 <= min_classes <= len(CLASSES):
            raise ValueError(f"min_classes must be between 1 and {len(CLASSES)}.")
        if min_length < 1:
            raise ValueError("min_length must be at least 1.")
        self.min_length = min_length
        self.min_classes = min_classes

    def validate(self, password, user=None):
        errors = []
        if len(password) < self.min_length:
            errors.append(
                ValidationError(
                    ngettext(
                        "This password is too short: it must contain at least %(min_length)d "
                        "character.",
                        "This password is too short: it must contain at least %(min_length)d "
                        "characters.",
                        self.min_length,
                    ),
                    code="password_too_short",
                    params={"min_length": self.min_length},
                )
            )
        found = character_classes(password)
        if len(found) < self.min_classes:
            missing = [str(label) for key, label in CLASSES if key not in found]
            if self.min_classes == len(CLASSES):
                message = _("This password must also contain: %(missing)s.")
            else:
                message = _(
                    "This password mixes too few kinds of characters; add %(count)d of: "
                    "%(missing)s."
                )
            errors.append(
                ValidationError(
                    message,
                    code="password_too_simple",
                    params={
                        "missing": ", ".join(missing),
                        "count": self.min_classes - len(found),
                    },
                )
            )
        if errors:
            raise ValidationError(errors)

    def get_help_text(self):
        if self.min_classes == len(CLASSES):
            return ngettext(
                "Your password must contain at least %(min_length)d character, mixing "
                "upper-case and lower-case letters, digits and symbols.",
                "Your password must contain at least %(min_length)d characters, mixing "
                "upper-case and lower-case letters, digits and symbols.",
                self.min_length,
            ) % {"min_length": self.min_length}
        return ngettext(
            "Your password must contain at least %(min_length)d character, from at least "
            "%(min_classes)d of: upper-case letters, lower-case letters, digits, symbols.",
            "Your password must contain at least %(min_length)d characters, from at least "
            "%(min_classes)d of: upper-case letters, lower-case letters, digits, symbols.",
            self.min_length,
        ) % {"min_length": self.min_length, "min_classes": self.min_classes}
