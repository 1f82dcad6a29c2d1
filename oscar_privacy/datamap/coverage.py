"""The coverage check: find personal data the data map does not describe.

A model is reported when it has a link to the user model or a field whose
name or type looks personal (email, phone, first or last name, postal
address, IP address) and is neither mapped nor excluded with a reason. A
mapped model is reported when such a field is missing from its entry.

A bare ``name`` field is not a signal: products, categories and pages all
have one. Inherited fields of multi-table children belong to the parent.
"""

import re
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.db import models

from .registry import datamap

PERSONAL_NAME = re.compile(
    r"(^|_)(e?mail|phone|mobile|fax|first_?name|last_?name|full_?name|surname|given_?name|"
    r"family_?name|postcode|post_?code|zip_?code|zip|line[1-4]|street|address|ip|ip_address|"
    r"remote_addr|birth_?date|date_of_birth|iban)($|_)"
)
PERSONAL_TYPES = (models.EmailField, models.GenericIPAddressField)


@dataclass(frozen=True)
class Gap:
    model: type
    fields: tuple
    message: str

    @property
    def label(self):
        return self.model._meta.label


def personal_looking_fields(model):
    """The model's own fields that link to a user or look personal."""
    user_model = apps.get_model(settings.AUTH_USER_MODEL)
    opts = model._meta
    found = []
    for model_field in [*opts.local_fields, *opts.local_many_to_many]:
        if model_field.is_relation:
            if model_field.related_model is user_model:
                found.append(model_field.name)
        elif isinstance(model_field, PERSONAL_TYPES) or PERSONAL_NAME.search(model_field.name):
            found.append(model_field.name)
    if model is user_model:
        found = [name for name in found if name != opts.pk.name]
    return found


def find_gaps(candidates=None):
    """A :class:`Gap` for each model or field holding undescribed personal data.

    ``candidates`` (models to look at) defaults to every installed model.
    """
    excluded = datamap.excluded()
    gaps = []
    for model in apps.get_models() if candidates is None else candidates:
        opts = model._meta
        if opts.auto_created or opts.proxy or opts.label_lower in excluded:
            continue
        suspects = personal_looking_fields(model)
        entry = datamap.get(model)
        if entry is None:
            if suspects:
                gaps.append(
                    Gap(
                        model,
                        tuple(suspects),
                        "holds personal-looking fields "
                        f"({', '.join(suspects)}) but is not in the data map.",
                    )
                )
            continue
        described = set(entry.personal_fields) | set(entry.not_personal)
        for path in (entry.user_path, entry.email_path):
            if path:
                described.add(path.split("__")[0])
        missing = [name for name in suspects if name not in described]
        if missing:
            gaps.append(
                Gap(
                    model,
                    tuple(missing),
                    f"its data map entry does not describe {', '.join(missing)}.",
                )
            )
    return gaps
