"""The documentation keeps up with the code.

The settings reference is generated from ``oscar_privacy/conf.py`` by the
``privacy-settings`` directive of ``docs/_ext/privacy_docs.py``; these tests
check that the directive covers every setting and that every setting has the
docstring it displays. The system checks are described by hand in
``docs/checks.rst``, so every check id in the code must appear there, and
no other. The signals are described by hand in ``docs/signals.rst``, so
every signal declared in ``oscar_privacy/signals.py`` must appear there,
and no other.
"""

import importlib.util
import re
from pathlib import Path

import pytest
from django.dispatch import Signal

from oscar_privacy import signals
from oscar_privacy.conf import PrivacySettings

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
CHECK_ID = re.compile(r"oscar_privacy\.[EW]\d{3}")
SIGNAL_DIRECTIVE = re.compile(r"^\.\. py:data:: oscar_privacy\.signals\.(\w+)\s*$", re.MULTILINE)


def load_extension():
    spec = importlib.util.spec_from_file_location("privacy_docs", DOCS / "_ext" / "privacy_docs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def setting_properties():
    return [name for name, value in vars(PrivacySettings).items() if isinstance(value, property)]


def test_conf_declares_settings():
    assert len(setting_properties()) >= 5


@pytest.mark.parametrize("attribute", setting_properties())
def test_every_setting_has_a_docstring(attribute):
    doc = getattr(PrivacySettings, attribute).__doc__
    assert doc and doc.strip(), f"OSCAR_PRIVACY_{attribute} has no docstring to show in the docs."


def test_settings_directive_covers_every_setting():
    rows = load_extension().settings_rows()
    assert [row["attribute"] for row in rows] == setting_properties()
    for row in rows:
        assert row["name"] == PrivacySettings.prefix + row["attribute"]
        assert row["doc"].strip()


def test_settings_directive_shows_defaults_not_the_projects_values(settings):
    # The sandbox sets OSCAR_PRIVACY_CONTROLLER; the docs must show the package's default.
    settings.OSCAR_PRIVACY_CONTROLLER = {"name": "Not a default"}
    rows = {row["name"]: row for row in load_extension().settings_rows()}
    assert rows["OSCAR_PRIVACY_CONTROLLER"]["default"] == {}
    assert rows["OSCAR_PRIVACY_ADAPTER"]["default"] == (
        "oscar_privacy.adapter.DefaultPrivacyAdapter"
    )


def test_configuration_page_uses_the_settings_directive():
    text = (DOCS / "configuration.rst").read_text(encoding="utf-8")
    assert ".. privacy-settings::" in text


def check_ids_in_code():
    # The whole package, so that checks registered outside checks.py are covered too.
    ids = set()
    for path in (ROOT / "oscar_privacy").rglob("*.py"):
        ids.update(CHECK_ID.findall(path.read_text(encoding="utf-8")))
    return ids


def check_ids_in_docs():
    return set(CHECK_ID.findall((DOCS / "checks.rst").read_text(encoding="utf-8")))


def test_every_check_id_is_documented():
    ids = check_ids_in_code()
    assert ids, "no check ids found in oscar_privacy"
    missing = sorted(ids - check_ids_in_docs())
    assert not missing, f"docs/checks.rst does not describe {', '.join(missing)}."


def test_checks_page_describes_no_check_that_does_not_exist():
    stale = sorted(check_ids_in_docs() - check_ids_in_code())
    assert not stale, f"docs/checks.rst describes {', '.join(stale)}, which the code never raises."


def signals_in_code():
    return {name for name, value in vars(signals).items() if isinstance(value, Signal)}


def signals_in_docs():
    return set(SIGNAL_DIRECTIVE.findall((DOCS / "signals.rst").read_text(encoding="utf-8")))


def test_every_signal_is_documented():
    names = signals_in_code()
    assert names, "no signals found in oscar_privacy/signals.py"
    missing = sorted(names - signals_in_docs())
    assert not missing, (
        f"docs/signals.rst has no `.. py:data:: oscar_privacy.signals.<name>` for "
        f"{', '.join(missing)}."
    )


def test_signals_page_describes_no_signal_that_does_not_exist():
    stale = sorted(signals_in_docs() - signals_in_code())
    assert not stale, (
        f"docs/signals.rst describes {', '.join(stale)}, which signals.py never declares."
    )
