"""The French catalogue: complete, compiled, in step with the code, and used.

Every user-facing string of oscar_privacy (its sub-apps included) is in one
catalogue, ``oscar_privacy/locale/fr/LC_MESSAGES/django.po``. Django merges the
catalogues of all installed apps into one per language, so the strings of
``oscar_privacy.dashboard`` and ``oscar_privacy.contrib.wagtail`` are found there.
The merge also means that, with oscar_privacy listed before Oscar and Wagtail,
its translation of a message they share ("Email", "Order", "All", "Log out")
is the one the whole site shows: translate such words so that they still fit
where Oscar, Wagtail and Django use them.

After adding or changing a string::

    cd oscar_privacy
    ../.venv/bin/python ../sandbox/manage.py makemessages -l fr --no-obsolete --add-location file
    # translate the new entries in locale/fr/LC_MESSAGES/django.po, then
    ../.venv/bin/python ../sandbox/manage.py compilemessages -l fr

The tests that run gettext's tools (``msgfmt``, ``makemessages``) are skipped
on a machine without them (``apt-get install gettext``) but fail when ``CI``
is set: there a missing gettext is a broken setup.
"""

import gettext
import io
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation
from oscar.test.factories import UserFactory
from wagtail.models import Site

from oscar_privacy.contrib.wagtail.models import LegalPage, LegalPagesSettings
from oscar_privacy.forms import acceptance_label
from oscar_privacy.models import PolicyKind

from .shop import publish
from .staff import login_verified

PACKAGE = Path(__file__).parents[1] / "oscar_privacy"
PO = PACKAGE / "locale" / "fr" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")


def _gettext_missing(tool):
    reason = f"{tool} not found: install gettext (apt-get install gettext)"
    if "CI" in os.environ:
        pytest.fail(f"{reason} (CI is set: the catalogue checks must run there)", pytrace=False)
    pytest.skip(reason)


# A small reader for .po files ------------------------------------------------

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


def _unquote(text):
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(1)), text[1:-1])


def read_po(path):
    """The entries of a .po file, header first, as dicts.

    Keys: ``context``, ``msgid``, ``msgid_plural`` (``None`` when absent),
    ``msgstr`` (a list: one item, or one per plural form), ``flags`` (a set)
    and ``obsolete``.
    """
    entries = []
    entry = keyword = None

    def new_entry():
        return {
            "context": None,
            "msgid": None,
            "msgid_plural": None,
            "msgstr": {},
            "flags": set(),
            "obsolete": False,
        }

    for line in Path(path).read_text(encoding="utf-8").splitlines() + [""]:
        obsolete = line.startswith("#~")
        if obsolete:
            line = line[2:].lstrip()
        if not line.strip():
            if entry and entry["msgid"] is not None:
                entries.append(entry)
            entry = keyword = None
            continue
        if entry is None:
            entry = new_entry()
        if line.startswith("#,"):
            entry["flags"].update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith(("#", "|")):
            continue  # comments, references, previous msgids
        elif line.startswith('"'):
            value = _unquote(line.strip())
            if keyword.startswith("msgstr"):
                entry["msgstr"][keyword] += value
            else:
                entry[keyword] += value
        else:
            keyword, _, quoted = line.partition(" ")
            keyword = {"msgctxt": "context"}.get(keyword, keyword)
            if keyword == "msgid" and entry["msgid"] is not None:
                raise ValueError(f"{path}: no blank line before {line!r}")
            entry["obsolete"] = entry["obsolete"] or obsolete
            value = _unquote(quoted.strip())
            if keyword.startswith("msgstr"):
                entry["msgstr"][keyword] = value
            else:
                entry[keyword] = value
    for entry in entries:
        entry["msgstr"] = [entry["msgstr"][key] for key in sorted(entry["msgstr"])]
    return entries


def message_keys(entries):
    """``(context, msgid, msgid_plural)`` of the messages, the header and obsolete ones left out."""
    return {
        (e["context"], e["msgid"], e["msgid_plural"])
        for e in entries
        if e["msgid"] and not e["obsolete"]
    }


def describe(keys):
    return "\n".join(
        f"  {msgid!r}" + (f" (context {context!r})" if context else "")
        for context, msgid, _plural in sorted(keys, key=lambda k: (k[1], k[0] or ""))
    )


ENTRIES = read_po(PO)
HEADER = ENTRIES[0]
MESSAGES = [e for e in ENTRIES if e["msgid"]]


# The catalogue itself -----------------------------------------------------


def test_the_header_says_french_utf8_and_french_plurals():
    assert HEADER["msgid"] == ""
    header = dict(line.split(": ", 1) for line in HEADER["msgstr"][0].splitlines() if ": " in line)
    assert header["Project-Id-Version"].startswith("oscar-privacy")
    assert header["Language"] == "fr"
    assert header["Content-Type"] == "text/plain; charset=UTF-8"
    assert header["Plural-Forms"] == "nplurals=2; plural=(n > 1);"
    assert "fuzzy" not in HEADER["flags"]


def test_every_message_is_translated_and_none_is_fuzzy():
    untranslated = [e["msgid"] for e in MESSAGES if not all(s.strip() for s in e["msgstr"])]
    fuzzy = [e["msgid"] for e in MESSAGES if "fuzzy" in e["flags"]]
    obsolete = [e["msgid"] for e in MESSAGES if e["obsolete"]]
    assert not untranslated, "Untranslated messages in {}:\n{}".format(PO, "\n".join(untranslated))
    assert not fuzzy, "Fuzzy messages in {}:\n{}".format(PO, "\n".join(fuzzy))
    assert not obsolete, "Obsolete messages in {}:\n{}".format(PO, "\n".join(obsolete))
    assert len(MESSAGES) > 250  # the parser read the whole file
    plural = [e for e in MESSAGES if e["msgid_plural"]]
    assert plural and all(len(e["msgstr"]) == 2 for e in plural)


PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w*\}")
TAG = re.compile(r"</?\w+[^>]*>")


def test_translations_keep_the_placeholders_and_the_html():
    wrong = []
    for entry in MESSAGES:
        sources = (
            [entry["msgid"], entry["msgid_plural"]] if entry["msgid_plural"] else [entry["msgid"]]
        )
        for source, translated in zip(sources, entry["msgstr"], strict=True):
            for pattern in (PLACEHOLDER, TAG):
                if sorted(pattern.findall(source)) != sorted(pattern.findall(translated)):
                    wrong.append(f"{source!r} -> {translated!r}")
    assert not wrong, "Placeholders or HTML changed:\n" + "\n".join(wrong)


def test_msgfmt_accepts_the_catalogue():
    if not shutil.which("msgfmt"):
        _gettext_missing("msgfmt")
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", os.devnull, str(PO)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=dict(os.environ, LC_ALL="C"),
    )
    assert result.returncode == 0, result.stderr
    # Only the statistics: no warning, no fuzzy, no untranslated message.
    assert re.fullmatch(r"\d+ translated messages\.\n", result.stderr), result.stderr


def test_the_compiled_catalogue_matches_the_po_file():
    assert MO.exists(), f"{MO} is missing: run compilemessages -l fr in oscar_privacy/"
    with MO.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)._catalog
    expected = {}
    for entry in MESSAGES:
        key = (
            entry["msgid"]
            if entry["context"] is None
            else f"{entry['context']}\x04{entry['msgid']}"
        )
        if entry["msgid_plural"]:
            for index, text in enumerate(entry["msgstr"]):
                expected[(key, index)] = text
        else:
            expected[key] = entry["msgstr"][0]
    compiled.pop("", None)  # the header
    assert compiled == expected, (
        f"{MO} is out of date: in oscar_privacy/, run "
        "`../.venv/bin/python ../sandbox/manage.py compilemessages -l fr`"
    )


def test_the_catalogue_has_every_string_of_the_code(tmp_path):
    """``makemessages`` run on a copy of the package finds exactly the committed messages."""
    if not (shutil.which("xgettext") and shutil.which("msgmerge")):
        _gettext_missing("xgettext/msgmerge")
    copy = tmp_path / "oscar_privacy"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    # makemessages needs no settings: without them it configures USE_I18N itself.
    # -P: the copy's modules (conf.py, signals.py...) must not shadow top-level ones.
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    result = subprocess.run(
        [sys.executable, "-P", "-m", "django", "makemessages", "-l", "fr", "--no-obsolete"],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    regenerated = message_keys(read_po(copy / "locale" / "fr" / "LC_MESSAGES" / "django.po"))
    committed = message_keys(ENTRIES)
    missing, stale = regenerated - committed, committed - regenerated
    assert not (missing or stale), (
        "oscar_privacy/locale/fr is not in step with the code. Run, in oscar_privacy/:\n"
        "  ../.venv/bin/python ../sandbox/manage.py makemessages -l fr --no-obsolete "
        "--add-location file\n"
        "then translate the new messages and run compilemessages -l fr.\n"
        f"Not in the catalogue:\n{describe(missing) or '  none'}\n"
        f"In the catalogue but no longer in the code:\n{describe(stale) or '  none'}"
    )


# The translations in use ---------------------------------------------------


@pytest.fixture
def french():
    """French for the test, whatever a request's LocaleMiddleware activates inside it."""
    with translation.override("fr"):
        yield


def test_the_consent_box_reads_in_french(db, french):
    version = publish(PolicyKind.PRIVACY, "Nous protégeons vos données.")
    label = acceptance_label(version)
    assert label.startswith("J'ai lu et j'accepte <a ")
    assert ">la politique de confidentialité</a> (version 1 du " in label


def test_the_register_reads_in_french():
    html = io.StringIO()
    call_command(
        "privacy_register",
        "--format",
        "html",
        "--language",
        "fr",
        stdout=html,
        stderr=io.StringIO(),
    )
    html = html.getvalue()
    assert "<h1>Registre des activités de traitement</h1>" in html
    assert "Responsable du traitement" in html
    assert "Délégué à la protection des données" in html
    assert "Obligation légale (art. 6.1.c du RGPD)" in html
    assert "Register of processing activities" not in html
    assert "Legal basis" not in html


def test_the_sub_apps_find_their_strings_in_the_package_catalogue(french):
    # Neither sub-app has a locale directory: their strings live in oscar_privacy's.
    for label in ("oscar_privacy_dashboard", "oscar_privacy_wagtail"):
        assert not (Path(apps.get_app_config(label).path) / "locale").exists()
    assert apps.get_app_config("oscar_privacy_dashboard").verbose_name == (
        "Tableau de bord de la confidentialité"
    )
    assert apps.get_app_config("oscar_privacy_wagtail").verbose_name == (
        "Confidentialité\N{NO-BREAK SPACE}: pages légales"
    )


def test_a_dashboard_page_reads_in_french(client, db, french):
    officer = UserFactory(email="officer@example.com", username="officer", is_staff=True)
    officer.user_permissions.add(
        Permission.objects.get(
            content_type__app_label="oscar_privacy", codename="view_consentrecord"
        )
    )
    login_verified(client, officer)
    response = client.get(
        reverse("oscar_privacy_dashboard:privacy-consent-list"), HTTP_ACCEPT_LANGUAGE="fr"
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Aucun enregistrement de consentement ne correspond." in html
    assert "<h1>Consentements</h1>" in html
    assert ">Filtrer</button>" in html


def test_a_legal_page_reads_in_french(client, db, french):
    site = Site.objects.get(is_default_site=True)
    page = site.root_page.add_child(
        instance=LegalPage(
            title="Politique de confidentialité",
            slug="confidentialite",
            body="<p>Texte.</p>",
            live=False,
        )
    )
    settings = LegalPagesSettings.for_site(site)
    settings.privacy_page = page
    settings.save()
    page.save_revision().publish()
    page.refresh_from_db()
    response = client.get(page.url, HTTP_ACCEPT_LANGUAGE="fr")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Version 1, en vigueur depuis le " in html
    assert "Versions précédentes" in html
