"""The register of processing activities (GDPR art. 30(1)), built from the data map.

:func:`build_register` returns the register as a plain dict: the JSON document
described by ``schemas/register.schema.json``. One processing activity per
purpose; its data subjects, data categories, data sources and retention come
from the data map entries that name the purpose; recipients, transfers and
security measures come from settings. :mod:`oscar_privacy.register_formats`
writes the dict out as JSON, CSV or HTML.

Every label is resolved with ``str()`` in the active language, so call these
functions under ``translation.override()`` to produce another language.
"""

import re

from django.conf import settings
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from . import __version__
from .adapter import get_adapter
from .conf import app_settings
from .datamap import Category, Erasure, LegalBasis, Subject, datamap, get_purposes
from .exceptions import PrivacyConfigurationError
from .retention import get_rules
from .retention.rules import Action, Start

SCHEMA_VERSION = 1

# A recipient whose ``purposes`` is this serves every processing activity
# (a hosting provider), so shops need not list them all and keep the list in step.
ALL_PURPOSES = "__all__"

CONTROLLER_KEYS = ("name", "address", "email", "phone", "website", "registration")
CONTACT_KEYS = ("name", "email", "address", "phone")
RECIPIENT_KEYS = ("key", "category", "name", "purposes", "country", "safeguards")


def default_recipients():
    """Recipients listed when ``OSCAR_PRIVACY_RECIPIENTS`` is ``None``.

    The categories the privacy policy names. Companies and countries are not
    known to the package: the register shows them as not set until the shop
    configures its own list.
    """
    return [
        {
            "key": "email_service_provider",
            "category": _("Email service provider, which sends the shop's emails"),
            "purposes": ["customer_communications", "newsletter"],
        },
        {
            "key": "payment_service_provider",
            "category": _(
                "Payment service provider, which alone receives and processes bank card details"
            ),
            "purposes": ["orders"],
        },
        {
            "key": "carriers",
            "category": _("Carriers that deliver orders"),
            "purposes": ["orders"],
        },
        {
            "key": "hosting_provider",
            "category": _("Hosting provider of the site and its database"),
            "purposes": ALL_PURPOSES,
        },
    ]


def default_security_measures():
    """Security measures listed when ``OSCAR_PRIVACY_SECURITY_MEASURES`` is ``None``.

    Only what is really in place: measures that depend on settings (HTTPS,
    the password hasher) are stated from the settings in force, and none is
    claimed for a feature the shop has not installed. Add the shop's own
    measures (hosting, backups, staff training) with the setting.
    """
    from django.contrib.auth.hashers import get_hasher

    measures = []
    if settings.SECURE_SSL_REDIRECT or settings.SECURE_HSTS_SECONDS:
        measures.append(
            (_("Encryption in transit"), _("All communications with the site go through HTTPS."))
        )
    measures += [
        (
            _("Passwords"),
            _(
                "Passwords are stored only as %(algorithm)s hashes: no one, staff included, "
                "can read them."
            )
            % {"algorithm": get_hasher().algorithm},
        ),
        (_("Customer access"), _("A customer's personal pages are shown only after login.")),
        (
            _("Staff access"),
            _("Staff reach customers' data only through the permissions given to their role."),
        ),
        (
            _("Proof of consent"),
            _(
                "Each legal text is frozen at publication with its SHA-256 fingerprint, and "
                "each acceptance is recorded with the exact version accepted, in records that "
                "cannot be changed."
            ),
        ),
        (
            _("Traceability"),
            _(
                "Staff access to consent records and privacy actions taken with oscar-privacy's "
                "tools are recorded in an append-only audit trail."
            ),
        ),
    ]
    return [{"title": title, "description": text} for title, text in measures]


def build_register(now=None):
    """Return the register of processing activities as a JSON-ready dict.

    ``now`` (an aware datetime) is the generation date, default the current
    time. Raises
    :class:`~oscar_privacy.exceptions.PrivacyConfigurationError`, naming the
    setting or data map entry to fix, when the controller has no name, an
    entry names an unknown purpose or retention rule, or a recipient is
    malformed or outside the EU/EEA without safeguards.
    """
    now = now or timezone.now()
    controller = _controller()
    purposes = get_purposes()
    rules = get_rules()
    entries = list(datamap)
    _check_entries(entries, purposes, rules)

    keys = _activity_keys(entries, purposes)
    recipients = _recipients(keys)
    transfers = [_transfer(r) for r in recipients if r["outside_eea"]]
    rule_dicts = {name: _rule(rule) for name, rule in rules.items()}
    activities = []
    for key in keys:
        used_by = [entry for entry in entries if key in entry.purposes]
        activities.append(_activity(purposes[key], used_by, recipients, transfers, rule_dicts))
    return {
        "schema_version": SCHEMA_VERSION,
        "generated_at": now.isoformat(timespec="seconds"),
        "generator": {"name": "oscar-privacy", "version": __version__},
        "controller": controller,
        "processing_activities": activities,
        "recipients": recipients,
        "transfers_outside_eea": transfers,
        "security_measures": _security_measures(),
        "retention_rules": list(rule_dicts.values()),
    }


def register_gaps(register):
    """Messages about what the register leaves blank, for the person producing it.

    These are not errors: Art. 30 accepts categories of recipients. But a
    register sent to an authority should have no "not set" left.
    """
    gaps = []
    controller = register["controller"]
    if not (controller["email"] or controller["address"]):
        gaps.append(gettext("The controller has no contact details: set OSCAR_PRIVACY_CONTROLLER."))
    if app_settings.RECIPIENTS is None:
        gaps.append(
            gettext(
                "OSCAR_PRIVACY_RECIPIENTS is not set: the register lists the default categories "
                "of recipients, without companies or countries."
            )
        )
    if app_settings.SECURITY_MEASURES is None:
        gaps.append(
            gettext(
                "OSCAR_PRIVACY_SECURITY_MEASURES is not set: the register lists the built-in "
                "measures. Check that each is in place on this site."
            )
        )
    for recipient in register["recipients"]:
        # With the defaults, the message above already says every country is missing.
        if not recipient["country"] and app_settings.RECIPIENTS is not None:
            gaps.append(
                gettext(
                    "Recipient %(key)s has no country: the register cannot tell whether its "
                    "data leaves the EU/EEA."
                )
                % {"key": recipient["key"]}
            )
    for activity in register["processing_activities"]:
        if not activity["data_sources"]:
            gaps.append(
                gettext("No data map entry uses the purpose %(key)s.") % {"key": activity["key"]}
            )
    return gaps


# Building blocks ------------------------------------------------------------


def _controller():
    controller = get_adapter().get_controller() or {}
    where = "OSCAR_PRIVACY_CONTROLLER"
    if not isinstance(controller, dict):
        raise PrivacyConfigurationError(f"{where} must be a dict.")
    _check_keys(controller, CONTROLLER_KEYS + ("representative", "dpo"), where)
    if not controller.get("name"):
        raise PrivacyConfigurationError(
            f"{where}['name'] is not set: the register of processing must name the data "
            "controller (GDPR art. 30(1)(a))."
        )
    result = {key: _text(controller.get(key)) for key in CONTROLLER_KEYS}
    for role in ("representative", "dpo"):
        contact = controller.get(role)
        if contact and not isinstance(contact, dict):
            raise PrivacyConfigurationError(
                f"{where}[{role!r}] must be a dict with {', '.join(CONTACT_KEYS)}."
            )
        if contact:
            _check_keys(contact, CONTACT_KEYS, f"{where}[{role!r}]")
            result[role] = {key: _text(contact.get(key)) for key in CONTACT_KEYS}
        else:
            result[role] = None
    return result


def _check_entries(entries, purposes, rules):
    # The registry validates entries against the models when they are
    # registered; purposes and rules come from settings read now, so they
    # are checked here (and by the system check, which reports them all).
    for entry in entries:
        for key in entry.purposes:
            if key not in purposes:
                raise PrivacyConfigurationError(
                    f"Data map entry {entry.model!r} names unknown purpose {key!r}; add it to "
                    f"OSCAR_PRIVACY_PURPOSES or use one of {', '.join(purposes)}."
                )
        for name in entry.retention:
            if name not in rules:
                raise PrivacyConfigurationError(
                    f"Data map entry {entry.model!r} names unknown retention rule {name!r}; add "
                    f"it to OSCAR_PRIVACY_RETENTION or use one of {', '.join(rules)}."
                )


def _activity_keys(entries, purposes):
    used = {key for entry in entries for key in entry.purposes}
    # A purpose the shop configured is listed even before a model uses it: it
    # is a processing the shop declared, and the gap is reported.
    configured = {key for key, value in app_settings.PURPOSES.items() if value is not None}
    return [key for key in purposes if key in used or key in configured]


def _recipients(activity_keys):
    configured = app_settings.RECIPIENTS
    if configured is None:
        configured = []
        for recipient in default_recipients():
            if recipient["purposes"] != ALL_PURPOSES:
                # The built-in list names purposes a shop may not have (newsletter).
                recipient["purposes"] = [p for p in recipient["purposes"] if p in activity_keys]
            if recipient["purposes"]:
                configured.append(recipient)
    if not isinstance(configured, list | tuple):
        raise PrivacyConfigurationError("OSCAR_PRIVACY_RECIPIENTS must be a list of dicts.")
    eea = {code.upper() for code in app_settings.EEA_COUNTRIES}
    recipients = []
    for index, item in enumerate(configured):
        recipient = _recipient(index, item, activity_keys, eea)
        if any(r["key"] == recipient["key"] for r in recipients):
            raise PrivacyConfigurationError(
                f"OSCAR_PRIVACY_RECIPIENTS recipient {recipient['key']!r} is listed twice."
            )
        recipients.append(recipient)
    return recipients


def _recipient(index, item, activity_keys, eea):
    if not isinstance(item, dict) or not item.get("key") or not item.get("category"):
        raise PrivacyConfigurationError(
            f"OSCAR_PRIVACY_RECIPIENTS[{index}] must be a dict with at least 'key' and 'category'."
        )
    where = f"OSCAR_PRIVACY_RECIPIENTS recipient {item['key']!r}"
    _check_keys(item, RECIPIENT_KEYS, where)
    purposes = item.get("purposes")
    if purposes == ALL_PURPOSES:
        purposes = activity_keys
    elif isinstance(purposes, str) or not purposes:
        raise PrivacyConfigurationError(
            f"{where}: 'purposes' must be a list of purpose keys or {ALL_PURPOSES!r}."
        )
    for purpose in purposes:
        if purpose not in activity_keys:
            raise PrivacyConfigurationError(
                f"{where} names purpose {purpose!r}, which is not a processing activity; "
                f"use one of {', '.join(activity_keys)}."
            )
    country = _text(item.get("country"))
    if country is not None:
        country = country.upper()
        if not re.fullmatch(r"[A-Z]{2}", country):
            raise PrivacyConfigurationError(
                f"{where}: country {item['country']!r} is not an ISO 3166-1 alpha-2 code "
                "such as 'FR' or 'US'."
            )
    outside = country is not None and country not in eea
    safeguards = _text(item.get("safeguards"))
    if outside and not safeguards:
        raise PrivacyConfigurationError(
            f"{where} sends data to {country}, outside the EU/EEA, and has no 'safeguards': "
            "name the transfer tool (adequacy decision, standard contractual clauses...), "
            "GDPR art. 30(1)(e) and 44-49."
        )
    return {
        "key": str(item["key"]),
        "category": str(item["category"]),
        "name": _text(item.get("name")),
        "purposes": [key for key in activity_keys if key in purposes],
        "country": country,
        "outside_eea": outside,
        "safeguards": safeguards,
    }


def _transfer(recipient):
    return {
        "recipient": recipient["key"],
        "recipient_name": recipient["name"] or recipient["category"],
        "country": recipient["country"],
        "safeguards": recipient["safeguards"],
    }


def _subjects(purpose, entries):
    named = {subject for entry in entries for subject in entry.subjects}
    return named & set(purpose.subjects) if purpose.subjects else named


def _activity(purpose, entries, recipients, transfers, rule_dicts):
    rule_names = {name for entry in entries for name in entry.retention}
    recipient_keys = {r["key"] for r in recipients if purpose.key in r["purposes"]}
    return {
        "key": purpose.key,
        "name": str(purpose.name),
        "description": str(purpose.description),
        "legal_basis": _choice(LegalBasis, purpose.legal_basis),
        "legal_reference": _text(purpose.legal_reference),
        "data_subjects": _choices(Subject, _subjects(purpose, entries)),
        "data_categories": _choices(
            Category, {f.category for entry in entries for f in entry.fields}
        ),
        "data_sources": [_data_source(entry) for entry in entries],
        "recipients": [
            {key: r[key] for key in ("key", "category", "name", "country")}
            for r in recipients
            if r["key"] in recipient_keys
        ],
        "transfers_outside_eea": [t for t in transfers if t["recipient"] in recipient_keys],
        # In the order of the rules, which runs from the longest-lived data down.
        "retention": [rule for name, rule in rule_dicts.items() if name in rule_names],
    }


def _data_source(entry):
    opts = entry.model_class._meta
    fields = []
    for personal in entry.fields:
        model_field = opts.get_field(personal.name)
        # Reverse relations have no verbose name of their own.
        label = getattr(model_field, "verbose_name", None) or personal.name
        fields.append(
            {
                "name": personal.name,
                "label": str(capfirst(label)),
                "category": str(personal.category),
            }
        )
    return {
        "model": opts.label,
        "name": str(capfirst(opts.verbose_name)),
        "description": _text(entry.description),
        "subjects": [code for code in Subject.values if code in entry.subjects],
        "fields": fields,
        "erasure": _choice(Erasure, entry.erasure),
        "retention": list(entry.retention),
    }


def _rule(rule):
    return {
        "rule": rule.name,
        "category": _choice(Category, rule.category),
        "period": rule.period,
        "period_label": rule.period_label,
        "start": {"code": rule.start, "label": str(Start.labels[rule.start])},
        "action": {"code": rule.action, "label": str(Action.labels[rule.action])},
        "description": str(rule.description),
        "source": str(rule.source),
    }


def _security_measures():
    configured = app_settings.SECURITY_MEASURES
    if configured is None:
        configured = default_security_measures()
    if not isinstance(configured, list | tuple):
        raise PrivacyConfigurationError("OSCAR_PRIVACY_SECURITY_MEASURES must be a list.")
    measures = []
    for index, item in enumerate(configured):
        if isinstance(item, dict) and item.get("title"):
            _check_keys(item, ("title", "description"), f"OSCAR_PRIVACY_SECURITY_MEASURES[{index}]")
            measures.append(
                {"title": str(item["title"]), "description": _text(item.get("description"))}
            )
        elif isinstance(item, str | Promise) and str(item).strip():
            # A plain string (or lazy string) is a measure without details.
            measures.append({"title": str(item), "description": None})
        else:
            raise PrivacyConfigurationError(
                f"OSCAR_PRIVACY_SECURITY_MEASURES[{index}] must be a string or a dict with "
                "'title' and 'description'."
            )
    return measures


def _check_keys(mapping, allowed, where):
    unknown = set(mapping) - set(allowed)
    if unknown:
        raise PrivacyConfigurationError(
            f"{where} has unknown keys: {', '.join(sorted(map(str, unknown)))}; "
            f"allowed: {', '.join(allowed)}."
        )


def _choice(choices, code):
    return {"code": str(code), "label": str(choices(code).label)}


def _choices(choices, codes):
    # In the vocabulary's order, which reads better than the alphabet.
    return [_choice(choices, code) for code in choices.values if code in codes]


def _text(value):
    """A setting's value as text, or ``None`` when it is blank."""
    if value is None:
        return None
    value = str(value).strip()
    return value or None
