"""Sphinx directives that write reference tables from oscar-privacy's own code.

The code is the single source of truth: settings, data map entries, purposes,
retention rules and vocabularies are read from the modules that define them
when the docs are built, so the docs cannot drift from the code.

Directives (each takes no content):

``.. privacy-settings::``
    Every ``OSCAR_PRIVACY_*`` setting of
    :class:`oscar_privacy.conf.PrivacySettings`: name, default (the value the
    property returns when the setting is absent) and docstring. Each becomes
    a ``setting`` object, so ``:setting:`OSCAR_PRIVACY_CONTROLLER``` links to
    it from any page.
``.. privacy-datamap::``
    The built-in data map entries.
``.. privacy-datamap-exclusions::``
    The models the built-in map excludes from the coverage check, and why.
``.. privacy-purposes::``
    The built-in processing purposes.
``.. privacy-retention-rules::``
    The default retention rules.
``.. privacy-choices:: dotted.path.to.Class``
    The values of a ``TextChoices`` class, or of a class with a ``labels``
    dict (the retention rules' ``Start`` and ``Action``).
``.. privacy-anonymisers::``
    The registered anonymisers and what each does.
``.. privacy-model-fields:: app_label.ModelName``
    The fields of a model: name, type and description.

The functions that collect the rows (``settings_rows()`` ...) return plain
data and are what ``tests/test_docs.py`` checks.
"""

import inspect
import pprint
import re

from django.utils import translation
from django.utils.module_loading import import_string
from django.utils.text import capfirst
from sphinx.util.docutils import SphinxDirective

__version__ = "1.0"


# Collecting the rows -----------------------------------------------------------------------


def settings_rows():
    """One dict per ``OSCAR_PRIVACY_*`` setting, in the order ``conf.py`` declares them.

    Keys: ``name`` (the full setting name), ``attribute`` (the property),
    ``default`` (what the property returns when the setting is absent) and
    ``doc`` (the property's docstring, dedented; empty if it has none).
    """
    from django.conf import settings
    from django.test import override_settings

    from oscar_privacy.conf import PrivacySettings

    reader = PrivacySettings()
    rows = []
    for attribute, value in vars(PrivacySettings).items():
        if not isinstance(value, property):
            continue
        name = PrivacySettings.prefix + attribute
        with override_settings():
            # Inside override_settings, deleting a setting makes it look absent
            # without touching the real settings object.
            if hasattr(settings, name):
                delattr(settings, name)
            default = getattr(reader, attribute)
        rows.append(
            {
                "name": name,
                "attribute": attribute,
                "default": default,
                "doc": inspect.getdoc(value) or "",
            }
        )
    return rows


def datamap_rows():
    """The built-in data map entries, installed or not, in the order they are declared."""
    from oscar_privacy.datamap import builtin

    return builtin.builtin_entries()


def datamap_exclusion_rows():
    """``[(model label, reason)]`` of the built-in exclusions."""
    from oscar_privacy.datamap import builtin

    return sorted(builtin.BUILTIN_EXCLUSIONS.items())


def purpose_rows():
    """The built-in processing purposes, in the order they are declared."""
    from oscar_privacy.datamap.purposes import BUILTIN_PURPOSES

    return list(BUILTIN_PURPOSES)


def retention_rows():
    """The default retention rules, in the order they are declared."""
    from oscar_privacy.retention.rules import DEFAULT_RULES

    return list(DEFAULT_RULES)


def choice_rows(path):
    """``[(value, label)]`` of a ``TextChoices`` class or of a class with a ``labels`` dict."""
    cls = import_string(path)
    if hasattr(cls, "choices"):
        return [(value, str(label)) for value, label in cls.choices]
    return [(value, str(label)) for value, label in cls.labels.items()]


def anonymiser_rows():
    """``[(name, docstring)]`` of every registered anonymiser."""
    from oscar_privacy.datamap import anonymisers

    return [(name, inspect.getdoc(anonymisers.get(name)) or "") for name in anonymisers.names()]


def model_field_rows(label):
    """One dict per concrete field of a model: ``name``, ``type``, ``verbose_name``,
    ``help_text`` and ``choices`` (a list of values)."""
    from django.apps import apps

    model = apps.get_model(label)
    rows = []
    for field in model._meta.concrete_fields:
        kind = type(field).__name__
        if field.is_relation:
            kind += f" to {field.related_model._meta.label}"
            on_delete = getattr(field.remote_field, "on_delete", None)
            if on_delete is not None:
                kind += f", on delete {on_delete.__name__}"
        rows.append(
            {
                "name": field.name,
                "type": kind,
                "verbose_name": str(field.verbose_name),
                "help_text": str(field.help_text),
                "choices": [value for value, _ in field.choices or ()],
            }
        )
    return rows


# Writing reStructuredText ------------------------------------------------------------------

_SPECIAL = re.compile(r"([\\`*_|])")


def escape(text):
    """Plain text made safe to drop into reStructuredText."""
    return _SPECIAL.sub(r"\\\1", str(text))


def literal(value):
    return f"``{value}``"


def format_default(value):
    """Lines of RST showing a default value: inline if short, else a code block."""
    text = pprint.pformat(value, width=72, compact=True)
    if "\n" not in text and len(text) <= 60:
        return [f"Default: {literal(text)}"]
    return ["Default:", "", ".. code-block:: python", ""] + [
        f"   {line}" for line in text.splitlines()
    ]


_PERIOD_PART = re.compile(r"(\d+)([YMWD])")
_PERIOD_UNITS = {"Y": "year", "M": "month", "W": "week", "D": "day"}


def describe_period(period):
    """``P1Y6M`` -> ``1 year 6 months``; ``P0D`` -> ``none: at once``."""
    parts = []
    for number, unit in _PERIOD_PART.findall(period):
        if int(number):
            parts.append(f"{int(number)} {_PERIOD_UNITS[unit]}{'s' if int(number) != 1 else ''}")
    return " ".join(parts) or "none: at once"


def list_table(header, rows, widths=None, classes=None):
    """Lines of a ``list-table``; each cell is a string or a list of lines."""
    lines = [".. list-table::", "   :header-rows: 1"]
    if widths:
        lines.append("   :widths: " + " ".join(str(w) for w in widths))
    if classes:
        lines.append("   :class: " + classes)
    lines.append("")
    for row in [header, *rows]:
        for index, cell in enumerate(row):
            cell_lines = cell if isinstance(cell, list) else [cell]
            cell_lines = cell_lines or [""]
            bullet = "   * - " if index == 0 else "     - "
            lines.append(bullet + cell_lines[0])
            lines.extend(("       " + line) if line else "" for line in cell_lines[1:])
    lines.append("")
    return lines


def bullets(items):
    lines = []
    for item in items:
        lines.extend(["", f"- {item}"])
    return lines[1:]


# Directives --------------------------------------------------------------------------------


class GeneratedDirective(SphinxDirective):
    """Base: subclasses return RST lines from :meth:`lines`; modules they read are noted."""

    has_content = False
    sources = ()

    def run(self):
        for module in self.sources:
            # Rebuild the page when the code it documents changes.
            self.env.note_dependency(inspect.getsourcefile(import_string(module)))
        with translation.override("en"):
            text = "\n".join(self.lines())
        return self.parse_text_to_nodes(text)

    def lines(self):
        raise NotImplementedError


class SettingsDirective(GeneratedDirective):
    sources = ("oscar_privacy.conf",)

    def lines(self):
        lines = []
        for row in settings_rows():
            lines += [f".. setting:: {row['name']}", ""]
            body = format_default(row["default"]) + [""] + row["doc"].splitlines()
            lines += [f"   {line}" if line else "" for line in body]
            lines.append("")
        return lines


class DataMapDirective(GeneratedDirective):
    sources = ("oscar_privacy.datamap.builtin", "oscar_privacy.datamap.registry")

    def lines(self):
        rows = []
        for entry in datamap_rows():
            model = [f"**{escape(entry.model)}**"]
            if entry.description:
                model += ["", escape(entry.description)]
            if entry.user_path == "pk":
                found = ["the user model itself"]
            else:
                found = [f"user lookup {literal(entry.user_path)}"] if entry.user_path else []
            if entry.email_path:
                found.append(f"email lookup {literal(entry.email_path)}")
            if entry.lookup_note:
                found.append(escape(entry.lookup_note))
            about = [
                "Purposes: " + ", ".join(literal(key) for key in entry.purposes),
                "",
                "Subjects: " + ", ".join(literal(key) for key in entry.subjects),
                "",
                "Found by: " + "; ".join(found),
            ]
            fields = []
            for field in entry.fields:
                how = f"*{field.anonymiser}*" if field.anonymiser else "kept"
                text = f"{literal(field.name)}: {field.category}; {how}"
                if not field.export:
                    text += "; not exported"
                fields.append(text)
            if entry.not_personal:
                names = ", ".join(literal(name) for name in entry.not_personal)
                fields.append(f"not personal: {names}")
            keeping = [
                "Retention: " + ", ".join(literal(name) for name in entry.retention),
                "",
                f"Erasure: **{entry.erasure}**",
            ]
            rows.append([model, about, bullets(fields), keeping])
        header = [
            "Model",
            "Purposes, subjects, how rows are found",
            "Personal fields: category; anonymiser",
            "Retention and erasure",
        ]
        return list_table(header, rows, widths=[20, 30, 32, 18], classes="datamap")


class DataMapExclusionsDirective(GeneratedDirective):
    sources = ("oscar_privacy.datamap.builtin",)

    def lines(self):
        rows = [[literal(label), escape(reason)] for label, reason in datamap_exclusion_rows()]
        return list_table(["Model", "Reason"], rows, widths=[30, 70])


class PurposesDirective(GeneratedDirective):
    sources = ("oscar_privacy.datamap.purposes",)

    def lines(self):
        from oscar_privacy.datamap import LegalBasis

        bases = dict(LegalBasis.choices)
        rows = []
        for purpose in purpose_rows():
            basis = escape(bases[purpose.legal_basis])
            if purpose.legal_reference:
                basis += f"; {escape(purpose.legal_reference)}"
            rows.append(
                [
                    [literal(purpose.key), "", escape(purpose.name)],
                    escape(purpose.description),
                    basis,
                ]
            )
        return list_table(["Key", "What for", "Legal basis"], rows, widths=[22, 48, 30])


class RetentionRulesDirective(GeneratedDirective):
    sources = ("oscar_privacy.retention.rules",)

    def lines(self):
        rows = []
        for rule in retention_rows():
            rows.append(
                [
                    literal(rule.name),
                    literal(rule.category),
                    escape(rule.start_label),
                    [literal(rule.period), "", describe_period(rule.period)],
                    escape(rule.action_label),
                    escape(rule.description),
                    escape(rule.source),
                ]
            )
        header = ["Rule", "Category", "Counted from", "Period", "Then", "What", "Source"]
        return list_table(header, rows, widths=[17, 12, 13, 9, 13, 20, 16], classes="retention")


class ChoicesDirective(GeneratedDirective):
    required_arguments = 1

    def run(self):
        module = self.arguments[0].rpartition(".")[0]
        self.sources = (module,)
        return super().run()

    def lines(self):
        rows = [[literal(value), escape(label)] for value, label in choice_rows(self.arguments[0])]
        return list_table(["Value", "Meaning"], rows, widths=[25, 75])


class AnonymisersDirective(GeneratedDirective):
    sources = ("oscar_privacy.datamap.anonymisers",)

    def lines(self):
        rows = [
            [literal(name), doc.splitlines() or ["(no description)"]]
            for name, doc in anonymiser_rows()
        ]
        return list_table(["Anonymiser", "What the field becomes"], rows, widths=[25, 75])


class ModelFieldsDirective(GeneratedDirective):
    required_arguments = 1

    def run(self):
        from django.apps import apps

        self.sources = (apps.get_model(self.arguments[0]).__module__,)
        return super().run()

    def lines(self):
        rows = []
        for row in model_field_rows(self.arguments[0]):
            meaning = escape(capfirst(row["verbose_name"])) + "."
            if row["help_text"]:
                meaning += " " + escape(row["help_text"])
            if row["choices"]:
                meaning += " One of " + ", ".join(literal(value) for value in row["choices"]) + "."
            rows.append([literal(row["name"]), escape(row["type"]), meaning])
        return list_table(["Field", "Type", "Meaning"], rows, widths=[20, 35, 45])


def setup(app):
    app.add_object_type(
        "setting",
        "setting",
        indextemplate="pair: %s; setting",
        objname="setting",
    )
    app.add_directive("privacy-settings", SettingsDirective)
    app.add_directive("privacy-datamap", DataMapDirective)
    app.add_directive("privacy-datamap-exclusions", DataMapExclusionsDirective)
    app.add_directive("privacy-purposes", PurposesDirective)
    app.add_directive("privacy-retention-rules", RetentionRulesDirective)
    app.add_directive("privacy-choices", ChoicesDirective)
    app.add_directive("privacy-anonymisers", AnonymisersDirective)
    app.add_directive("privacy-model-fields", ModelFieldsDirective)
    return {"version": __version__, "parallel_read_safe": True, "parallel_write_safe": True}
