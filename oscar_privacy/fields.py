"""Model fields that encrypt their value at rest with the app's rotatable keys.

:class:`EncryptedJSONField` stores a JSON value as a Fernet token (text) made
by :func:`oscar_privacy.crypto.encrypt`: the newest key of
``OSCAR_PRIVACY_ENCRYPTION_KEYS`` encrypts, every listed key decrypts, so
keys rotate by putting a new one first (:func:`reencrypt` rewrites old rows).

A token that no configured key opens (a key removed too early, a damaged
row) does not break the page that loads the row: the attribute holds an
:class:`Undecryptable` marker instead of the value. Views test for it with
:func:`is_readable` and say so; saving the row writes the original token
back unchanged, so nothing is lost while the key is found.
"""

import json

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _

from . import crypto


class Undecryptable:
    """Stands for an encrypted value that no configured key opens.

    It is false in a boolean context, so ``{% if request.details %}`` in a
    template shows nothing rather than the token.
    """

    __slots__ = ("token",)

    def __init__(self, token):
        self.token = token

    def __bool__(self):
        return False

    def __eq__(self, other):
        return isinstance(other, Undecryptable) and other.token == self.token

    def __hash__(self):
        return hash(self.token)

    def __repr__(self):
        return "<Undecryptable>"

    def __str__(self):
        return ""


def is_readable(value):
    """Whether an encrypted field's value was decrypted (not an :class:`Undecryptable`)."""
    return not isinstance(value, Undecryptable)


class EncryptedJSONField(models.TextField):
    """A JSON value encrypted at rest; the column holds the Fernet token as text.

    Only ``isnull`` lookups are allowed: the token changes at every save, so
    comparing or searching the column would silently match nothing.
    """

    description = _("JSON encrypted at rest")

    def __init__(self, *args, encoder=DjangoJSONEncoder, **kwargs):
        self.encoder = encoder
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if self.encoder is not DjangoJSONEncoder:
            kwargs["encoder"] = self.encoder
        return name, path, args, kwargs

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return None
        try:
            return json.loads(crypto.decrypt(value.encode("ascii")))
        except (crypto.DecryptionError, UnicodeError, ValueError):
            return Undecryptable(value)

    def to_python(self, value):
        # Deserialisation (loaddata) gives the token written by value_to_string;
        # values set from Python code are kept as they are.
        if isinstance(value, str) and value:
            try:
                return json.loads(crypto.decrypt(value.encode("ascii")))
            except (crypto.DecryptionError, UnicodeError, ValueError):
                return value
        return value

    def get_prep_value(self, value):
        if value is None:
            return None
        if isinstance(value, Undecryptable):
            return value.token
        plain = json.dumps(value, cls=self.encoder, separators=(",", ":"))
        return crypto.encrypt(plain.encode()).decode("ascii")

    def get_lookup(self, lookup_name):
        if lookup_name != "isnull":
            return None
        return super().get_lookup(lookup_name)

    def get_transform(self, lookup_name):
        return None

    def value_to_string(self, obj):
        # Serialisation (dumpdata) keeps the token: a fixture must not hold plain text.
        return self.get_prep_value(self.value_from_object(obj))


def reencrypt(queryset, field_name):
    """Rewrite ``field_name`` of every row of ``queryset`` with the newest key.

    Returns ``(rewritten, unreadable)`` counts. Rows are read in primary-key
    batches so a large table is never held in memory; run it after putting a
    new key first, before removing an old one. ``manage.py privacy_reencrypt``
    (:func:`oscar_privacy.rotation.reencrypt_all`) does it for every encrypted field at once,
    skipping values already current and locking each batch.
    """
    rewritten = unreadable = 0
    for obj in queryset.only("pk", field_name).order_by("pk").iterator(chunk_size=500):
        value = getattr(obj, field_name)
        if not is_readable(value):
            unreadable += 1
            continue
        type(obj)._base_manager.filter(pk=obj.pk).update(**{field_name: value})
        rewritten += 1
    return rewritten, unreadable


ENCRYPTED_FIELD_CLASSES = (EncryptedJSONField,)
"""The field classes whose column holds a Fernet token: ``manage.py privacy_reencrypt``
re-encrypts every field of these classes, on any installed model."""
