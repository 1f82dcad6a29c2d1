"""Sphinx configuration for the oscar-privacy documentation.

Build with warnings as errors, from the repository root::

    sphinx-build -W --keep-going -b html docs docs/_build/html

Django is set up with the sandbox's settings so that autodoc and the local
``privacy_docs`` extension can read the code. No database is needed.
"""

import os
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path[:0] = [str(ROOT), str(DOCS / "_ext")]

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sandbox.settings")

import django  # noqa: E402

django.setup()

import oscar_privacy  # noqa: E402

# -- Project -----------------------------------------------------------------------------------

project = "oscar-privacy"
author = "oscar-privacy contributors"
copyright = "oscar-privacy contributors"
release = oscar_privacy.__version__
version = ".".join(release.split(".")[:2])

# -- General -----------------------------------------------------------------------------------

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.viewcode",
    "privacy_docs",
]
exclude_patterns = ["_build"]
root_doc = "index"
language = "en"
default_role = "literal"
pygments_style = "sphinx"
# Every cross-reference must resolve, so a renamed function breaks the build.
nitpicky = True
nitpick_ignore = [
    # Docstrings in the package name these exceptions without their module.
    ("py:class", "DataMapError"),
    ("py:class", "RetentionRuleError"),
]

autodoc_member_order = "bysource"
autodoc_typehints = "none"
autodoc_default_options = {"exclude-members": "__init__, __new__"}
# Show default arguments as written in the source (AuditEvent.Kind.ACTION, not its value).
autodoc_preserve_defaults = True

# -- HTML --------------------------------------------------------------------------------------

html_theme = "alabaster"
html_title = f"oscar-privacy {release}"
html_static_path = ["_static"]
html_theme_options = {
    "description": "GDPR / RGPD toolkit for django-oscar shops with a Wagtail site",
    "page_width": "1180px",
    "sidebar_width": "230px",
    "fixed_sidebar": True,
    "show_relbars": True,
}
html_sidebars = {"**": ["about.html", "navigation.html", "relations.html", "searchbox.html"]}
html_show_sourcelink = False
